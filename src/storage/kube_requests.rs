//! Request shapes of the Kubernetes drivers, checked against a scripted
//! mock API server (behaviour is tested against the real one in the
//! integration suite; this pins what goes over the wire).

use http::{Request, Response};
use kube::client::Body;
use serde_json::json;

use super::driver::{Driver, Scope};
use super::kube::SecretDriver;
use crate::release::codec;

type Handle = tower_test::mock::Handle<Request<Body>, Response<Body>>;

fn client() -> (kube::Client, Handle) {
    let (service, handle) = tower_test::mock::pair::<Request<Body>, Response<Body>>();
    (kube::Client::new(service, "default"), handle)
}

fn json_response(v: serde_json::Value) -> Response<Body> {
    Response::builder()
        .header("content-type", "application/json")
        .body(Body::from(serde_json::to_vec(&v).unwrap_or_default()))
        .expect("response")
}

async fn next(
    handle: &mut Handle,
) -> (
    Request<Body>,
    tower_test::mock::SendResponse<Response<Body>>,
) {
    handle.next_request().await.expect("a request")
}

#[tokio::test]
async fn listings_are_metadata_only_paginated_and_label_selected() {
    let (client, mut handle) = client();
    let server = tokio::spawn(async move {
        let (req, send) = next(&mut handle).await;
        assert_eq!(req.method(), http::Method::GET);
        assert_eq!(
            req.uri().to_string(),
            "/api/v1/namespaces/ns/secrets?&labelSelector=name%3Dweb%2Cowner%3Dhelm&limit=500"
        );
        let accept = req
            .headers()
            .get("accept")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            accept.starts_with("application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList"),
            "{accept}"
        );
        send.send_response(json_response(json!({
            "metadata": {"continue": "page-2", "resourceVersion": "77"},
            "items": [{"metadata": {"name": "sh.helm.release.v1.web.v1", "namespace": "ns",
                                    "labels": {"name": "web", "owner": "helm", "version": "1"}}}]
        })));
        let (req, send) = next(&mut handle).await;
        assert!(
            req.uri().to_string().contains("continue=page-2"),
            "{}",
            req.uri()
        );
        send.send_response(json_response(json!({
            "metadata": {"resourceVersion": "77"},
            "items": [{"metadata": {"name": "sh.helm.release.v1.web.v2", "namespace": "ns",
                                    "labels": {"name": "web", "owner": "helm", "version": "2"}}}]
        })));
    });
    let driver = SecretDriver::new(client);
    let listing = driver
        .list_meta(Scope::Namespace("ns"), &[("name", "web")])
        .await
        .expect("list");
    assert_eq!(listing.items.len(), 2);
    assert_eq!(listing.resource_version.as_deref(), Some("77"));
    server.await.expect("scenario");
}

#[tokio::test]
async fn records_are_read_in_protobuf_not_older_than_the_listing() {
    let (client, mut handle) = client();
    let rel: crate::release::Release =
        serde_json::from_str(r#"{"name":"web","version":2,"info":{"status":"deployed"}}"#)
            .expect("release");
    let text = codec::encode(&rel).expect("encode");
    let server = tokio::spawn(async move {
        let (req, send) = next(&mut handle).await;
        assert_eq!(
            req.uri().to_string(),
            "/api/v1/namespaces/ns/secrets/sh.helm.release.v1.web.v2?&resourceVersion=77"
        );
        let accept = req
            .headers()
            .get("accept")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            accept.starts_with("application/vnd.kubernetes.protobuf"),
            "{accept}"
        );
        // The server may still answer in JSON; the driver takes either.
        use base64::Engine as _;
        send.send_response(json_response(json!({
            "metadata": {"name": "sh.helm.release.v1.web.v2", "namespace": "ns", "resourceVersion": "80",
                         "labels": {"name": "web", "owner": "helm", "version": "2", "team": "a"}},
            "data": {"release": base64::engine::general_purpose::STANDARD.encode(text)}
        })));
        let (req, send) = next(&mut handle).await;
        assert!(
            !req.uri().to_string().contains("resourceVersion"),
            "a plain get is a quorum read"
        );
        send.send_response(
            Response::builder()
                .status(404)
                .header("content-type", "application/json")
                .body(Body::from(
                    br#"{"kind":"Status","status":"Failure","reason":"NotFound","code":404,"message":"not found"}"#.to_vec(),
                ))
                .expect("response"),
        );
    });
    let driver = SecretDriver::new(client);
    let rec = driver
        .get_since("ns", "sh.helm.release.v1.web.v2", "77")
        .await
        .expect("get");
    assert_eq!(
        (rec.release.version, rec.meta.resource_version.as_deref()),
        (2, Some("80"))
    );
    assert_eq!(
        rec.release.labels.get("team").map(String::as_str),
        Some("a")
    );
    let missing = driver.get("ns", "sh.helm.release.v1.web.v3").await;
    assert!(
        matches!(missing, Err(super::StorageError::NotFound)),
        "{missing:?}"
    );
    server.await.expect("scenario");
}
