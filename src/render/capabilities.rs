//! `.Capabilities`: the Kubernetes version and API versions templates see.

/// A Kubernetes version as helm carries it (`--kube-version` or the
/// cluster's).
#[derive(Clone, Debug, PartialEq)]
pub struct KubeVersion {
    /// The version text as helm v4 keeps it (`Version`).
    pub version: String,
    /// Major component.
    pub major: String,
    /// Minor component.
    pub minor: String,
}

/// What a chart can ask about the cluster.
#[derive(Clone, Debug, PartialEq)]
pub struct Capabilities {
    /// The Kubernetes version.
    pub kube_version: KubeVersion,
    /// API group/versions (and, from a cluster, group/version/Kind).
    pub api_versions: Vec<String>,
}
