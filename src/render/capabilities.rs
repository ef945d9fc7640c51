//! `.Capabilities`: the Kubernetes version, API versions and helm build
//! that templates see, with helm's defaults and `--kube-version` parsing.
//!
//! Defaults are those of the pinned helm builds rudder imitates (v3.21.4
//! and v4.2.4, both built with Go 1.26.8 and client-go v0.36): Kubernetes
//! v1.36.0, and the API versions of client-go's scheme plus
//! apiextensions, without `group/version/Kind` entries.

use crate::compat::Compat;

/// A Kubernetes version as helm carries it (`--kube-version` or the
/// cluster's).
#[derive(Clone, Debug, PartialEq)]
pub struct KubeVersion {
    /// The version text as helm v4 keeps it (`Version`, `GitVersion()`):
    /// the given text with a `v` in front (v4), or the normalised form
    /// (v3).
    pub version: String,
    /// The normalised `v<components>` form `String()` prints (helm v4's
    /// private `normalizedVersion`; the same as `version` in v3).
    pub normalized: String,
    /// Major component.
    pub major: String,
    /// Minor component.
    pub minor: String,
}

impl KubeVersion {
    /// `vMAJOR.MINOR.0`, as helm's defaults.
    pub fn new(major: u64, minor: u64) -> KubeVersion {
        let version = format!("v{major}.{minor}.0");
        KubeVersion {
            normalized: version.clone(),
            version,
            major: major.to_string(),
            minor: minor.to_string(),
        }
    }

    /// helm's `ParseKubeVersion` (apimachinery's `ParseGeneric`): at least
    /// two numeric components, an optional leading `v`, anything after
    /// the numbers ignored for the normalised form. v3 keeps only the
    /// normalised form; v4 keeps the given text (with a `v` added) as
    /// `Version`.
    ///
    /// # Errors
    ///
    /// apimachinery's message, e.g. `could not parse "x" as version`; the
    /// CLI wraps it as `invalid kube version 'x': <message>`.
    pub fn parse(text: &str, compat: Compat) -> Result<KubeVersion, String> {
        let components = parse_generic(text)?;
        let joined = components
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(".");
        let normalized = format!("v{joined}");
        let version = match compat {
            Compat::V3 => normalized.clone(),
            Compat::V4 if text.starts_with('v') => text.to_owned(),
            Compat::V4 => format!("v{text}"),
        };
        Ok(KubeVersion {
            version,
            normalized,
            major: components[0].to_string(),
            minor: components[1].to_string(),
        })
    }

    /// What `String()` (and so `{{ .Capabilities.KubeVersion }}`) prints.
    pub fn string(&self) -> &str {
        if self.normalized.is_empty() {
            &self.version
        } else {
            &self.normalized
        }
    }
}

/// apimachinery's `parse(str, false)`: `^\s*v?([0-9]+(?:\.[0-9]+)*)(.*)*$`,
/// then the component checks.
fn parse_generic(text: &str) -> Result<Vec<u64>, String> {
    let bad = || format!("could not parse {} as version", go_quote(text));
    let trimmed = text.trim_start_matches(is_go_space);
    let rest = trimmed.strip_prefix('v').unwrap_or(trimmed);
    // The numeric part: digits, then any number of `.digits`.
    let bytes = rest.as_bytes();
    let mut end = 0;
    let digits = |from: usize| {
        bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let first = digits(0);
    if first == 0 {
        return Err(bad());
    }
    end += first;
    while end < bytes.len() && bytes[end] == b'.' {
        let n = digits(end + 1);
        if n == 0 {
            break;
        }
        end += 1 + n;
    }
    // `(.*)*` must match the rest, and `.` does not match `\n`.
    if rest[end..].contains('\n') {
        return Err(bad());
    }
    let parts: Vec<&str> = rest[..end].split('.').collect();
    if parts.len() < 2 {
        return Err(format!("illegal version string {}", go_quote(text)));
    }
    let mut components = Vec::with_capacity(parts.len());
    for (i, comp) in parts.iter().enumerate() {
        if i == 0 && comp.starts_with('0') && *comp != "0" {
            return Err(format!(
                "illegal zero-prefixed version component {} in {}",
                go_quote(comp),
                go_quote(text)
            ));
        }
        match comp.parse::<u64>() {
            Ok(n) => components.push(n),
            Err(_) => {
                return Err(format!(
                    "illegal non-numeric version component {} in {}: strconv.ParseUint: parsing {}: value out of range",
                    go_quote(comp),
                    go_quote(text),
                    go_quote(comp)
                ));
            }
        }
    }
    Ok(components)
}

/// Go's `unicode.IsSpace` for the ASCII and Latin-1 range regexp's `\s`
/// covers (`\s` is `[\t\n\f\r ]` in RE2).
fn is_go_space(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\x0c' | '\r' | ' ')
}

/// `%q` for the texts version errors quote (printable ASCII and
/// anything else escaped as Go's `strconv.Quote`).
fn go_quote(s: &str) -> String {
    crate::gotemplate::strconv::quote(s.as_bytes())
}

/// helm's `version.BuildInfo` (`.Capabilities.HelmVersion`).
#[derive(Clone, Debug, PartialEq)]
pub struct HelmVersion {
    /// `Version`.
    pub version: String,
    /// `GitCommit`.
    pub git_commit: String,
    /// `GitTreeState`.
    pub git_tree_state: String,
    /// `GoVersion`.
    pub go_version: String,
    /// `KubeClientVersion` (helm v4 only).
    pub kube_client_version: Option<String>,
}

impl HelmVersion {
    /// The pinned helm build rudder imitates.
    pub fn pinned(compat: Compat) -> HelmVersion {
        match compat {
            Compat::V3 => HelmVersion {
                version: "v3.21.4".into(),
                git_commit: String::new(),
                git_tree_state: "clean".into(),
                go_version: "go1.26.8".into(),
                kube_client_version: None,
            },
            Compat::V4 => HelmVersion {
                version: "v4.2.4".into(),
                git_commit: String::new(),
                git_tree_state: "clean".into(),
                go_version: "go1.26.8".into(),
                kube_client_version: Some("v1.36".into()),
            },
        }
    }
}

/// What a chart can ask about the cluster.
#[derive(Clone, Debug, PartialEq)]
pub struct Capabilities {
    /// The Kubernetes version.
    pub kube_version: KubeVersion,
    /// API group/versions (and, from a cluster, group/version/Kind).
    pub api_versions: Vec<String>,
    /// The helm build (`.Capabilities.HelmVersion`).
    pub helm_version: HelmVersion,
}

impl Capabilities {
    /// helm's `DefaultCapabilities` for the pinned build of `compat`.
    pub fn defaults(compat: Compat) -> Capabilities {
        Capabilities {
            kube_version: KubeVersion::new(1, 36),
            api_versions: default_api_versions(),
            helm_version: HelmVersion::pinned(compat),
        }
    }

    /// `helm template`'s capabilities: the defaults, the `--kube-version`
    /// if given, and the `--api-versions` appended.
    ///
    /// # Errors
    ///
    /// `invalid kube version '<text>': <message>`, helm's CLI text.
    pub fn offline(
        compat: Compat,
        kube_version: Option<&str>,
        extra_api_versions: &[String],
    ) -> Result<Capabilities, String> {
        let mut caps = Capabilities::defaults(compat);
        if let Some(text) = kube_version.filter(|t| !t.is_empty()) {
            caps.kube_version = KubeVersion::parse(text, compat)
                .map_err(|e| format!("invalid kube version '{text}': {e}"))?;
        }
        caps.api_versions.extend(extra_api_versions.iter().cloned());
        Ok(caps)
    }
}

/// The offline `APIVersions`: client-go v0.36's scheme
/// (`PrioritizedVersionsAllGroups`) plus apiextensions, as both pinned
/// helm builds print `{{ .Capabilities.APIVersions }}` (checked with
/// `helm template` of a chart printing it, helm v3.21.4 and v4.2.4).
pub fn default_api_versions() -> Vec<String> {
    DEFAULT_API_VERSIONS
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
}

const DEFAULT_API_VERSIONS: &[&str] = &[
    "v1",
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1alpha1",
    "admissionregistration.k8s.io/v1beta1",
    "internal.apiserver.k8s.io/v1alpha1",
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "authentication.k8s.io/v1",
    "authentication.k8s.io/v1alpha1",
    "authentication.k8s.io/v1beta1",
    "authorization.k8s.io/v1",
    "authorization.k8s.io/v1beta1",
    "autoscaling/v1",
    "autoscaling/v2",
    "batch/v1",
    "batch/v1beta1",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1beta1",
    "certificates.k8s.io/v1alpha1",
    "coordination.k8s.io/v1alpha2",
    "coordination.k8s.io/v1beta1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1",
    "events.k8s.io/v1beta1",
    "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1beta1",
    "node.k8s.io/v1",
    "node.k8s.io/v1alpha1",
    "node.k8s.io/v1beta1",
    "policy/v1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1beta1",
    "rbac.authorization.k8s.io/v1alpha1",
    "resource.k8s.io/v1",
    "resource.k8s.io/v1beta2",
    "resource.k8s.io/v1beta1",
    "resource.k8s.io/v1alpha3",
    "scheduling.k8s.io/v1alpha2",
    "scheduling.k8s.io/v1beta1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1beta1",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1alpha1",
    "storagemigration.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1",
];

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    // Expected texts from `helm template rel ./c --kube-version X` with a
    // template printing `{{ .Capabilities.KubeVersion }}`,
    // `.Version`, `.Major`, `.Minor` (helm v3.21.4 and v4.2.4), and from
    // apimachinery's version.go error formats.
    #[test]
    fn parse_kube_version_like_helm() {
        let v4 = KubeVersion::parse("1.30", Compat::V4).unwrap();
        assert_eq!(
            (
                v4.version.as_str(),
                v4.string(),
                v4.major.as_str(),
                v4.minor.as_str()
            ),
            ("v1.30", "v1.30", "1", "30")
        );
        let v4 = KubeVersion::parse("v1.33.4-gke.1245000", Compat::V4).unwrap();
        assert_eq!(v4.version, "v1.33.4-gke.1245000");
        assert_eq!(v4.string(), "v1.33.4");
        let v3 = KubeVersion::parse("v1.33.4-gke.1245000", Compat::V3).unwrap();
        assert_eq!(v3.version, "v1.33.4");
        assert_eq!(v3.string(), "v1.33.4");
        assert_eq!(
            KubeVersion::parse("1.020.3", Compat::V3).unwrap().version,
            "v1.20.3"
        );
    }

    #[test]
    fn kube_version_errors_are_apimachinerys() {
        assert_eq!(
            KubeVersion::parse("abc", Compat::V4).unwrap_err(),
            "could not parse \"abc\" as version"
        );
        assert_eq!(
            KubeVersion::parse("1", Compat::V4).unwrap_err(),
            "illegal version string \"1\""
        );
        assert_eq!(
            KubeVersion::parse("01.2", Compat::V4).unwrap_err(),
            "illegal zero-prefixed version component \"01\" in \"01.2\""
        );
        assert_eq!(
            KubeVersion::parse("1.99999999999999999999", Compat::V3).unwrap_err(),
            "illegal non-numeric version component \"99999999999999999999\" in \"1.99999999999999999999\": strconv.ParseUint: parsing \"99999999999999999999\": value out of range"
        );
        assert_eq!(
            Capabilities::offline(Compat::V4, Some("x"), &[]).unwrap_err(),
            "invalid kube version 'x': could not parse \"x\" as version"
        );
    }

    #[test]
    fn defaults_are_the_pinned_builds() {
        let caps = Capabilities::offline(Compat::V3, None, &["my.io/v1".into()]).unwrap();
        assert_eq!(caps.kube_version.string(), "v1.36.0");
        assert_eq!(caps.api_versions.len(), DEFAULT_API_VERSIONS.len() + 1);
        assert_eq!(
            caps.api_versions.last().map(String::as_str),
            Some("my.io/v1")
        );
    }
}
