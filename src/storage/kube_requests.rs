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

fn secret_response(name: &str, record: &[u8]) -> Response<Body> {
    use base64::Engine as _;
    json_response(json!({
        "metadata": {"name": name, "namespace": "ns", "resourceVersion": "5",
                     "labels": {"name": "web", "owner": "helm", "version": "1"}},
        "data": {"release": base64::engine::general_purpose::STANDARD.encode(record)}
    }))
}

fn gzip_b64(bytes: &[u8]) -> Vec<u8> {
    use base64::Engine as _;
    use std::io::Write as _;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    base64::engine::general_purpose::STANDARD
        .encode(gz.finish().unwrap())
        .into_bytes()
}

#[tokio::test]
async fn an_oversized_response_is_an_error_naming_the_record() {
    let (client, mut handle) = client();
    let server = tokio::spawn(async move {
        let (_, send) = next(&mut handle).await;
        send.send_response(
            Response::builder()
                .header("content-type", "application/json")
                .body(Body::from(vec![b' '; super::kube::MAX_OBJECT_BODY + 1]))
                .unwrap(),
        );
    });
    let err = SecretDriver::new(client)
        .get("ns", "sh.helm.release.v1.web.v1")
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("ns/sh.helm.release.v1.web.v1") && msg.contains("exceeds"),
        "{msg}"
    );
    server.await.unwrap();
}

#[tokio::test]
async fn a_record_too_big_for_an_ordinary_read_is_read_again_with_the_full_limit() {
    let (client, mut handle) = client();
    // 2 MiB of valid release JSON: over an ordinary read's 1 MiB, under
    // the driver's limit.
    let big = format!(
        r#"{{"name":"web","version":1,"info":{{"status":"deployed"}},"manifest":"{}"}}"#,
        "x".repeat(2 << 20)
    );
    let bomb = vec![0u8; 8 << 20];
    let (big, bomb) = (gzip_b64(big.as_bytes()), gzip_b64(&bomb));
    let server = tokio::spawn(async move {
        // The big record: read twice, the second time decoded.
        for _ in 0..2 {
            let (req, send) = next(&mut handle).await;
            assert!(req.uri().path().ends_with("web.v1"), "{}", req.uri());
            send.send_response(secret_response("sh.helm.release.v1.web.v1", &big));
        }
        // The bomb: read twice, too large both times.
        for _ in 0..2 {
            let (_, send) = next(&mut handle).await;
            send.send_response(secret_response("sh.helm.release.v1.web.v2", &bomb));
        }
    });
    let driver = SecretDriver::new(client).with_limits(codec::Limits {
        max_decompressed: 4 << 20,
    });
    let rec = driver
        .get("ns", "sh.helm.release.v1.web.v1")
        .await
        .expect("big record");
    assert_eq!(rec.release.manifest.len(), 2 << 20);
    let bomb = driver.get("ns", "sh.helm.release.v1.web.v2").await;
    assert!(
        matches!(
            bomb,
            Err(super::StorageError::Corrupt {
                source: codec::DecodeError::TooLarge { limit },
                ..
            }) if limit == 4 << 20
        ),
        "{bomb:?}"
    );
    server.await.unwrap();
}

#[tokio::test]
async fn reads_wait_for_the_decode_budget() {
    let (client, mut handle) = client();
    // A budget for one ordinary read: two reads go one after the other.
    let driver = std::sync::Arc::new(SecretDriver::new(client).with_decode_budget(1));
    let text = codec::encode(
        &serde_json::from_str(r#"{"name":"web","version":1,"info":{"status":"deployed"}}"#)
            .unwrap(),
    )
    .unwrap();
    let reads: Vec<_> = (1..=2)
        .map(|v| {
            let d = driver.clone();
            tokio::spawn(async move { d.get("ns", &format!("sh.helm.release.v1.web.v{v}")).await })
        })
        .collect();
    let (_, first) = next(&mut handle).await;
    let early =
        tokio::time::timeout(std::time::Duration::from_millis(200), handle.next_request()).await;
    assert!(early.is_err(), "a second read started beyond the budget");
    first.send_response(secret_response(
        "sh.helm.release.v1.web.v1",
        text.as_bytes(),
    ));
    let (_, second) = next(&mut handle).await;
    second.send_response(secret_response(
        "sh.helm.release.v1.web.v1",
        text.as_bytes(),
    ));
    for r in reads {
        r.await.unwrap().expect("read");
    }
}

#[tokio::test]
async fn a_page_of_bodies_too_big_is_asked_for_again_in_fewer_records() {
    let (client, mut handle) = client();
    let server = tokio::spawn(async move {
        let (req, send) = next(&mut handle).await;
        assert!(req.uri().to_string().contains("limit=100"), "{}", req.uri());
        send.send_response(
            Response::builder()
                .header("content-type", "application/json")
                .body(Body::from(vec![b' '; 25 << 20]))
                .unwrap(),
        );
        let (req, send) = next(&mut handle).await;
        assert!(req.uri().to_string().contains("limit=25"), "{}", req.uri());
        send.send_response(json_response(json!({"metadata": {}, "items": []})));
    });
    let listing = SecretDriver::new(client)
        .query(Scope::Namespace("ns"), &[("name", "web")])
        .await
        .expect("query");
    assert!(listing.items.is_empty());
    server.await.unwrap();
}

#[tokio::test]
async fn listings_with_bodies_refuse_bombs_and_read_big_records() {
    use base64::Engine as _;
    let (client, mut handle) = client();
    let big = format!(
        r#"{{"name":"web","version":1,"info":{{"status":"deployed"}},"manifest":"{}"}}"#,
        "x".repeat(2 << 20)
    );
    let (big, bomb) = (gzip_b64(big.as_bytes()), gzip_b64(&vec![0u8; 8 << 20]));
    let item = |name: &str, text: &[u8]| {
        json!({"metadata": {"name": name, "namespace": "ns",
                            "labels": {"name": "web", "owner": "helm"}},
               "data": {"release": base64::engine::general_purpose::STANDARD.encode(text)}})
    };
    let page = json!({"metadata": {}, "items": [
        item("sh.helm.release.v1.web.v1", &big),
        item("sh.helm.release.v1.web.v2", &bomb),
    ]});
    let server = tokio::spawn(async move {
        let (_, send) = next(&mut handle).await;
        send.send_response(json_response(page));
    });
    let listing = SecretDriver::new(client)
        .with_limits(codec::Limits {
            max_decompressed: 4 << 20,
        })
        .query(Scope::Namespace("ns"), &[("name", "web")])
        .await
        .expect("query");
    assert_eq!(listing.items.len(), 1);
    assert_eq!(listing.items[0].release.manifest.len(), 2 << 20);
    assert_eq!(listing.corrupt.len(), 1);
    assert!(
        matches!(listing.corrupt[0].error, codec::DecodeError::TooLarge { limit } if limit == 4 << 20),
        "{:?}",
        listing.corrupt[0].error
    );
    server.await.unwrap();
}
