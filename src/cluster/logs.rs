//! Hook output: the logs of a hook's pods, copied as they are (Helm's
//! `OutputContainerLogsForPodList`).

use kube::Client;
use serde_json::Value;

use super::error::ClusterError;
use super::interface::{PodsOf, Progress};
use super::request::url_escape;

/// The most of one container's log copied to the progress sink: a hook
/// that prints without end must not fill memory or the terminal.
pub const MAX_LOG_BYTES: usize = 16 << 20;

/// Copies one log to `progress` chunk by chunk as the server sends it, so
/// a long log is never held whole; past `cap` bytes the rest is dropped and
/// one line says so.
async fn stream_log(
    client: &Client,
    req: http::Request<Vec<u8>>,
    progress: &dyn Progress,
    cap: usize,
) -> Result<(), kube::Error> {
    use http_body_util::BodyExt as _;
    let res = client.send(req.map(kube::client::Body::from)).await?;
    if !res.status().is_success() {
        return Err(kube::Error::Service(
            format!("log request failed: {}", res.status()).into(),
        ));
    }
    let mut body = res.into_body();
    let mut copied = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| kube::Error::Service(Box::new(e)))?;
        let Ok(chunk) = frame.into_data() else {
            continue;
        };
        let room = cap.saturating_sub(copied);
        if chunk.len() > room {
            progress.hook_output(&chunk[..room]);
            progress.hook_output(format!("\n[log truncated after {cap} bytes]\n").as_bytes());
            return Ok(());
        }
        copied += chunk.len();
        progress.hook_output(&chunk);
    }
    Ok(())
}

/// Copies the logs of every container of the selected pods to
/// `progress`, pod by pod, container by container.
pub async fn copy_logs(
    client: &Client,
    namespace: &str,
    pods: &PodsOf,
    progress: &dyn Progress,
) -> Result<(), ClusterError> {
    let selector = match pods {
        PodsOf::Job(name) => format!("labelSelector={}", url_escape(&format!("job-name={name}"))),
        PodsOf::Pod(name) => format!(
            "fieldSelector={}",
            url_escape(&format!("metadata.name={name}"))
        ),
    };
    let base = format!("/api/v1/namespaces/{namespace}/pods");
    let req = http::Request::get(format!("{base}?{selector}"))
        .body(Vec::new())
        .map_err(|e| ClusterError::Other(e.to_string()))?;
    let list: Value = client
        .request(req)
        .await
        .map_err(|e| ClusterError::from_kube("", e))?;
    let items = list
        .get("items")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for pod in items {
        let name = pod
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let containers = pod
            .pointer("/spec/containers")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for c in containers {
            let cname = c.get("name").and_then(Value::as_str).unwrap_or_default();
            let req =
                http::Request::get(format!("{base}/{name}/log?container={}", url_escape(cname)))
                    .body(Vec::new())
                    .map_err(|e| ClusterError::Other(e.to_string()))?;
            stream_log(client, req, progress, MAX_LOG_BYTES)
                .await
                .map_err(|_| {
                    ClusterError::Other(format!(
                        "failed to stream pod logs for pod: {name}, container: {cname}"
                    ))
                })?;
        }
    }
    Ok(())
}

/// The names of a pod's init containers, then of its other containers.
pub async fn pod_containers(
    client: &Client,
    namespace: &str,
    pod: &str,
) -> Result<Vec<String>, ClusterError> {
    let req = http::Request::get(format!(
        "/api/v1/namespaces/{}/pods/{}",
        url_escape(namespace),
        url_escape(pod)
    ))
    .body(Vec::new())
    .map_err(|e| ClusterError::Other(e.to_string()))?;
    let body: Value = client
        .request(req)
        .await
        .map_err(|e| ClusterError::from_kube("", e))?;
    Ok(container_names(&body))
}

/// `spec.initContainers[*].name`, then `spec.containers[*].name`.
fn container_names(pod: &Value) -> Vec<String> {
    ["initContainers", "containers"]
        .iter()
        .flat_map(|list| {
            pod.pointer(&format!("/spec/{list}"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|c| c.get("name").and_then(Value::as_str))
                .map(str::to_string)
        })
        .collect()
}

/// One container's log (the only container's without `container`), read
/// whole up to [`MAX_LOG_BYTES`] and cut off with a note after that. A
/// refusal carries the server's message, as client-go reports it.
pub async fn pod_log(
    client: &Client,
    namespace: &str,
    pod: &str,
    container: Option<&str>,
) -> Result<Vec<u8>, ClusterError> {
    use http_body_util::BodyExt as _;
    let mut path = format!(
        "/api/v1/namespaces/{}/pods/{}/log",
        url_escape(namespace),
        url_escape(pod)
    );
    if let Some(c) = container {
        path.push_str(&format!("?container={}", url_escape(c)));
    }
    let req = http::Request::get(path)
        .body(Vec::new())
        .map_err(|e| ClusterError::Other(e.to_string()))?;
    let res = client
        .send(req.map(kube::client::Body::from))
        .await
        .map_err(|e| ClusterError::from_kube("", e))?;
    let status = res.status();
    let mut body = res.into_body();
    let mut out = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| ClusterError::Other(e.to_string()))?;
        let Ok(chunk) = frame.into_data() else {
            continue;
        };
        let room = MAX_LOG_BYTES.saturating_sub(out.len());
        if chunk.len() > room {
            out.extend_from_slice(&chunk[..room]);
            if status.is_success() {
                out.extend_from_slice(
                    format!("\n[log truncated after {MAX_LOG_BYTES} bytes]\n").as_bytes(),
                );
            }
            break;
        }
        out.extend_from_slice(&chunk);
    }
    if status.is_success() {
        return Ok(out);
    }
    Err(refusal(status, &out))
}

/// A failed log request as client-go reports it: the `Status` message the
/// server sent, or the status line.
fn refusal(status: http::StatusCode, body: &[u8]) -> ClusterError {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let field = |k: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.get(k))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let message = field("message").unwrap_or_else(|| {
        format!(
            "the server returned {status}: {}",
            String::from_utf8_lossy(body).trim()
        )
    });
    ClusterError::Api {
        message,
        code: Some(status.as_u16()),
        reason: field("reason"),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use http::{Request, Response};
    use kube::client::Body;

    use super::*;

    #[derive(Default)]
    struct Sink(Mutex<Vec<Vec<u8>>>);

    impl Progress for Sink {
        fn event(&self, event: crate::cluster::Event) {
            if let crate::cluster::Event::HookOutput { bytes } = event {
                self.0.lock().unwrap_or_else(|p| p.into_inner()).push(bytes);
            }
        }
    }

    async fn log_through_mock(text: &'static [u8], cap: usize) -> Vec<Vec<u8>> {
        let (service, mut handle) = tower_test::mock::pair::<Request<Body>, Response<Body>>();
        let client = Client::new(service, "default");
        let server = tokio::spawn(async move {
            let (req, send) = handle.next_request().await.expect("request");
            assert_eq!(req.uri().path(), "/api/v1/namespaces/ns/pods/p/log");
            send.send_response(Response::new(Body::from(text.to_vec())));
        });
        let sink = Sink::default();
        let req = http::Request::get("/api/v1/namespaces/ns/pods/p/log?container=c")
            .body(Vec::new())
            .expect("request");
        stream_log(&client, req, &sink, cap).await.expect("log");
        server.await.expect("server");
        sink.0.into_inner().unwrap_or_default()
    }

    #[tokio::test]
    async fn logs_are_copied_as_they_come() {
        let got = log_through_mock(b"line one\nline two\n", 1024).await;
        assert_eq!(got.concat(), b"line one\nline two\n");
    }

    #[tokio::test]
    async fn a_log_past_the_cap_is_cut_and_says_so() {
        let got = log_through_mock(b"0123456789", 4).await;
        assert_eq!(
            String::from_utf8_lossy(&got.concat()),
            "0123\n[log truncated after 4 bytes]\n"
        );
    }

    #[tokio::test]
    async fn a_refused_log_carries_the_servers_message() {
        let (service, mut handle) = tower_test::mock::pair::<Request<Body>, Response<Body>>();
        let client = Client::new(service, "default");
        let server = tokio::spawn(async move {
            let (req, send) = handle.next_request().await.expect("request");
            assert_eq!(
                req.uri().to_string(),
                "/api/v1/namespaces/ns/pods/gone/log?container=c"
            );
            // What kube-apiserver answers for a missing pod.
            let status = br#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"gone\" not found","reason":"NotFound","details":{"name":"gone","kind":"pods"},"code":404}"#;
            let mut res = Response::new(Body::from(status.to_vec()));
            *res.status_mut() = http::StatusCode::NOT_FOUND;
            send.send_response(res);
        });
        let err = pod_log(&client, "ns", "gone", Some("c"))
            .await
            .expect_err("refused");
        server.await.expect("server");
        assert_eq!(err.to_string(), r#"pods "gone" not found"#);
        assert!(err.is_not_found());
    }

    #[test]
    fn init_containers_come_first() {
        let pod = serde_json::json!({"spec": {
            "containers": [{"name": "main"}, {"name": "side"}],
            "initContainers": [{"name": "setup"}],
        }});
        assert_eq!(container_names(&pod), ["setup", "main", "side"]);
    }
}
