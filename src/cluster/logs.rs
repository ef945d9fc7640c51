//! Hook output: the logs of a hook's pods, copied as they are (Helm's
//! `OutputContainerLogsForPodList`).

use kube::Client;
use serde_json::Value;

use super::error::ClusterError;
use super::interface::{PodsOf, Progress};
use super::request::url_escape;

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
            let text = client.request_text(req).await.map_err(|_| {
                ClusterError::Other(format!(
                    "failed to stream pod logs for pod: {name}, container: {cname}"
                ))
            })?;
            progress.hook_output(text.as_bytes());
        }
    }
    Ok(())
}
