//! Release names and storage keys.

use std::sync::LazyLock;

use regex::Regex;

/// The longest release name Helm accepts.
pub const MAX_NAME_LEN: usize = 53;

/// The pattern a release name must match in full (Helm's
/// `validate_name.go`).
pub const NAME_PATTERN: &str = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

/// The prefix of every storage key (Helm's `HelmStorageType`).
pub const KEY_PREFIX: &str = "sh.helm.release.v1.";

static NAME_RE: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(NAME_PATTERN).ok());

/// Why a release name is invalid, with Helm's wording.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// The name is empty.
    #[error("no name provided")]
    Empty,
    /// The name is too long or has characters Helm does not allow.
    #[error(
        "invalid release name, must match regex {NAME_PATTERN} and the length must not be longer than 53"
    )]
    Invalid,
}

/// Checks a release name as Helm does.
pub fn validate_name(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    let matches = NAME_RE.as_ref().is_some_and(|re| re.is_match(name));
    if name.len() > MAX_NAME_LEN || !matches {
        return Err(NameError::Invalid);
    }
    Ok(())
}

/// The storage key (object name) of one revision:
/// `sh.helm.release.v1.<name>.v<revision>`.
pub fn storage_key(name: &str, revision: i64) -> String {
    format!("{KEY_PREFIX}{name}.v{revision}")
}

/// Splits a storage key into release name and revision.
pub fn parse_storage_key(key: &str) -> Option<(&str, i64)> {
    let rest = key.strip_prefix(KEY_PREFIX)?;
    let (name, rev) = rest.rsplit_once(".v")?;
    let rev: i64 = rev.parse().ok()?;
    (!name.is_empty() && rev > 0).then_some((name, rev))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_like_helm() {
        assert_eq!(validate_name(""), Err(NameError::Empty));
        for ok in ["a", "web", "my-app.v2", "0abc", &"a".repeat(53)] {
            assert_eq!(validate_name(ok), Ok(()), "{ok}");
        }
        for bad in ["A", "-a", "a-", "a_b", "a..b", "a b", &"a".repeat(54), "é"] {
            assert_eq!(validate_name(bad), Err(NameError::Invalid), "{bad}");
        }
    }

    #[test]
    fn keys_round_trip_even_with_dots_and_v_in_names() {
        for (n, r) in [("web", 1), ("a.v2.b", 12), ("v.v", 300)] {
            let k = storage_key(n, r);
            assert_eq!(parse_storage_key(&k), Some((n, r)));
        }
        assert_eq!(parse_storage_key("sh.helm.release.v1.x.vx"), None);
        assert_eq!(parse_storage_key("other"), None);
    }
}
