//! What helm's `getCapabilities` asks the API server: its version and
//! every API group/version it serves, with each `group/version/Kind`
//! (helm's `GetVersionSet`), and the `lookup` template function's reads.
//!
//! Discovery uses the aggregated form (`apidiscovery.k8s.io/v2`, two
//! requests for the whole server, as client-go does when the server
//! offers it), and falls back to one request per group-version.

use std::collections::BTreeSet;

use kube::Client;
use serde::Deserialize;
use serde_json::Value;

use super::discovery::collection_path;
use super::error::ClusterError;

/// The server's version and API versions, as templates see them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerInfo {
    /// `gitVersion` (`v1.36.0`).
    pub git_version: String,
    /// `major`.
    pub major: String,
    /// `minor`.
    pub minor: String,
    /// Every served `group/version` and `group/version/Kind` (core group
    /// without a group: `v1`, `v1/Pod`), sorted (helm's order is a Go map's,
    /// that is random).
    pub api_versions: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct VersionInfo {
    #[serde(rename = "gitVersion", default)]
    git_version: String,
    #[serde(default)]
    major: String,
    #[serde(default)]
    minor: String,
}

#[derive(Debug, Default, Deserialize)]
struct AggregatedList {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    items: Vec<AggregatedGroup>,
}

#[derive(Debug, Deserialize)]
struct AggregatedGroup {
    #[serde(default)]
    metadata: NameOnly,
    #[serde(default)]
    versions: Vec<AggregatedVersion>,
}

#[derive(Debug, Default, Deserialize)]
struct NameOnly {
    #[serde(default)]
    name: String,
}

#[derive(Debug, Deserialize)]
struct AggregatedVersion {
    version: String,
    #[serde(default)]
    resources: Vec<AggregatedResource>,
}

#[derive(Debug, Deserialize)]
struct AggregatedResource {
    #[serde(rename = "responseKind", default)]
    response_kind: Option<KindOnly>,
}

#[derive(Debug, Deserialize)]
struct KindOnly {
    #[serde(default)]
    kind: String,
}

#[derive(Debug, Deserialize)]
struct LegacyGroups {
    #[serde(default)]
    groups: Vec<LegacyGroup>,
}

#[derive(Debug, Deserialize)]
struct LegacyGroup {
    #[serde(default)]
    versions: Vec<LegacyVersion>,
}

#[derive(Debug, Deserialize)]
struct LegacyVersion {
    #[serde(rename = "groupVersion")]
    group_version: String,
}

#[derive(Debug, Deserialize)]
struct LegacyCore {
    #[serde(default)]
    versions: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct LegacyResources {
    #[serde(default)]
    resources: Vec<LegacyResource>,
}

#[derive(Debug, Deserialize)]
struct LegacyResource {
    name: String,
    kind: String,
}

const AGGREGATED: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";

async fn get_json(client: &Client, path: &str, accept: &str) -> Result<Value, ClusterError> {
    let req = http::Request::get(path)
        .header(http::header::ACCEPT, accept)
        .body(Vec::new())
        .map_err(|e| ClusterError::Other(e.to_string()))?;
    client
        .request::<Value>(req)
        .await
        .map_err(|e| ClusterError::from_kube("", e))
}

/// Asks the server for its version and API versions (helm's
/// `getCapabilities`, with helm's error wording).
pub async fn server_info(client: &Client) -> Result<ServerInfo, ClusterError> {
    let version: VersionInfo = serde_json::from_value(
        get_json(client, "/version", "application/json")
            .await
            .map_err(|e| {
                ClusterError::Other(format!("could not get server version from Kubernetes: {e}"))
            })?,
    )
    .map_err(|e| {
        ClusterError::Other(format!("could not get server version from Kubernetes: {e}"))
    })?;
    let api_versions = api_versions(client).await.map_err(|e| {
        ClusterError::Other(format!("could not get apiVersions from Kubernetes: {e}"))
    })?;
    Ok(ServerInfo {
        git_version: version.git_version,
        major: version.major,
        minor: version.minor,
        api_versions,
    })
}

async fn api_versions(client: &Client) -> Result<Vec<String>, ClusterError> {
    let mut set = BTreeSet::new();
    let mut legacy = false;
    for path in ["/api", "/apis"] {
        let body = get_json(client, path, AGGREGATED).await?;
        let list: AggregatedList = serde_json::from_value(body.clone()).unwrap_or_default();
        if list.kind != "APIGroupDiscoveryList" {
            legacy = true;
            break;
        }
        for group in list.items {
            for v in group.versions {
                let gv = if group.metadata.name.is_empty() {
                    v.version.clone()
                } else {
                    format!("{}/{}", group.metadata.name, v.version)
                };
                for r in &v.resources {
                    if let Some(k) = r.response_kind.as_ref().filter(|k| !k.kind.is_empty()) {
                        set.insert(format!("{gv}/{}", k.kind));
                    }
                }
                set.insert(gv);
            }
        }
    }
    if legacy {
        set.clear();
        let core: LegacyCore =
            serde_json::from_value(get_json(client, "/api", "application/json").await?)
                .map_err(|e| ClusterError::Other(e.to_string()))?;
        let groups: LegacyGroups =
            serde_json::from_value(get_json(client, "/apis", "application/json").await?)
                .map_err(|e| ClusterError::Other(e.to_string()))?;
        let mut gvs: Vec<(String, String)> = core
            .versions
            .into_iter()
            .map(|v| (v.clone(), format!("/api/{v}")))
            .collect();
        for g in groups.groups {
            for v in g.versions {
                let path = format!("/apis/{}", v.group_version);
                gvs.push((v.group_version, path));
            }
        }
        for (gv, path) in gvs {
            let list: LegacyResources =
                serde_json::from_value(get_json(client, &path, "application/json").await?)
                    .map_err(|e| ClusterError::Other(e.to_string()))?;
            for r in list.resources.iter().filter(|r| !r.name.contains('/')) {
                set.insert(format!("{gv}/{}", r.kind));
            }
            set.insert(gv);
        }
    }
    Ok(set.into_iter().collect())
}

/// helm's `lookup`: one object (`name` given) or the list of a kind (in
/// `namespace`, or everywhere when it is empty or the kind is
/// cluster-scoped). `None` when the object, the kind or its group-version
/// does not exist (helm returns an empty map).
pub async fn lookup(
    client: &Client,
    resolver: &super::discovery::Resolver,
    api_version: &str,
    kind: &str,
    namespace: &str,
    name: &str,
) -> Result<Option<Value>, ClusterError> {
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let Some(served) = resolver.resolve(group, version, kind).await? else {
        return Ok(None);
    };
    let ns = (served.namespaced && !namespace.is_empty()).then_some(namespace);
    let mut path = collection_path(group, version, &served.plural, ns);
    if !name.is_empty() {
        path = format!("{path}/{name}");
    }
    match get_json(client, &path, "application/json").await {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}
