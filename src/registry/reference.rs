//! OCI references as helm reads them: `oci://` stripped, a `+` in the tag
//! turned into `_`, then oras-go's `registry.ParseReference` rules and
//! error texts.

use std::fmt;

use super::RegistryError;

/// The scheme of registry chart references.
pub const OCI_SCHEME: &str = "oci";

/// A parsed `host[:port]/repository[:tag][@digest]` reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// `host[:port]`.
    pub registry: String,
    /// The repository path, e.g. `charts/demo`.
    pub repository: String,
    /// The tag with `+` already turned into `_` (empty when none).
    pub tag: String,
    /// `sha256:<hex>` when the reference names a digest (empty when none).
    pub digest: String,
}

impl Reference {
    /// Parses a chart reference the way helm's `newReference` does
    /// (`oci://` optional).
    ///
    /// # Errors
    ///
    /// [`RegistryError::Reference`] with oras' text (`invalid reference: ...`).
    pub fn parse(raw: &str) -> Result<Reference, RegistryError> {
        let mut raw = raw.strip_prefix("oci://").unwrap_or(raw).to_string();
        let mut digest = String::new();
        if let Some(i) = raw.rfind('@') {
            digest = raw[i + 1..].to_string();
            raw.truncate(i);
        }
        // Only the last `:`-separated part can be a tag, and only when it
        // holds no `/` (otherwise the colon was the registry port).
        if let Some(last) = raw.rsplit(':').next()
            && raw.contains(':')
            && !last.contains('/')
            && !last.is_empty()
        {
            let tag = last.to_string();
            raw = raw.replace(&tag, &tag.replace('+', "_"));
        }
        let parsed = parse_oras(&raw)?;
        if !digest.is_empty() {
            validate_digest(&digest)?;
        }
        Ok(Reference {
            registry: parsed.0,
            repository: parsed.1,
            tag: parsed.2,
            digest,
        })
    }

    /// `host/repository`, without tag or digest.
    pub fn repository_name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// What oras is asked to resolve: the digest when there is one, else
    /// the tag.
    pub fn reference(&self) -> &str {
        if self.digest.is_empty() {
            &self.tag
        } else {
            &self.digest
        }
    }

    /// The same repository with another tag and no digest.
    pub fn with_tag(&self, tag: &str) -> Reference {
        Reference {
            registry: self.registry.clone(),
            repository: self.repository.clone(),
            tag: tag.replace('+', "_"),
            digest: String::new(),
        }
    }
}

impl fmt::Display for Reference {
    /// helm's `reference.String()`: `host/repo[:tag][@digest]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if !self.tag.is_empty() {
            write!(f, ":{}", self.tag)?;
        }
        if !self.digest.is_empty() {
            write!(f, "@{}", self.digest)?;
        }
        Ok(())
    }
}

/// oras' `ParseReference` alone, without helm's `+` → `_` step (what
/// helm's tag listing parses the reference with).
///
/// # Errors
///
/// oras' `invalid reference: ...` texts.
pub(crate) fn validate_oras(raw: &str) -> Result<(), RegistryError> {
    parse_oras(raw.strip_prefix("oci://").unwrap_or(raw)).map(|_| ())
}

fn invalid(what: String) -> RegistryError {
    RegistryError::Reference(format!("invalid reference: {what}"))
}

/// oras-go's `ParseReference`: registry, repository and the tag (a digest
/// in the path, form `repo@digest`, has already been split off by the
/// caller; a leftover `@` is handled like oras does).
fn parse_oras(artifact: &str) -> Result<(String, String, String), RegistryError> {
    let Some((registry, path)) = artifact.split_once('/') else {
        return Err(invalid("missing registry or repository".into()));
    };
    let (repository, reference, is_tag) = if let Some(i) = path.find('@') {
        let repo = &path[..i];
        let repo = repo.split(':').next().unwrap_or(repo);
        (repo, &path[i + 1..], false)
    } else if let Some(i) = path.find(':') {
        (&path[..i], &path[i + 1..], true)
    } else {
        (path, "", true)
    };
    validate_registry(registry)?;
    if !valid_repository(repository) {
        return Err(invalid(format!("invalid repository {repository:?}")));
    }
    if !reference.is_empty() {
        if is_tag {
            if !valid_tag(reference) {
                return Err(invalid(format!("invalid tag {reference:?}")));
            }
        } else {
            validate_digest(reference)?;
        }
    }
    Ok((
        registry.to_string(),
        repository.to_string(),
        if is_tag {
            reference.to_string()
        } else {
            String::new()
        },
    ))
}

/// oras parses `dummy://<registry>` as a URL and wants the host back
/// unchanged: no path, no user info, a sane port.
pub(crate) fn validate_registry(registry: &str) -> Result<(), RegistryError> {
    let bad = || invalid(format!("invalid registry {registry:?}"));
    if registry.is_empty()
        || registry
            .chars()
            .any(|c| matches!(c, '/' | '@' | '?' | '#' | ' ' | '%') || c.is_control())
    {
        return Err(bad());
    }
    if let Some(rest) = registry.strip_prefix('[') {
        // An IPv6 literal, optionally with a port.
        let Some((_, after)) = rest.split_once(']') else {
            return Err(bad());
        };
        if !after.is_empty() && !after.strip_prefix(':').is_some_and(valid_port) {
            return Err(bad());
        }
        return Ok(());
    }
    if let Some((_, port)) = registry.rsplit_once(':')
        && !valid_port(port)
    {
        return Err(bad());
    }
    Ok(())
}

fn valid_port(p: &str) -> bool {
    p.chars().all(|c| c.is_ascii_digit())
}

/// The distribution spec's repository grammar:
/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*`.
fn valid_repository(repo: &str) -> bool {
    !repo.is_empty() && repo.split('/').all(valid_component)
}

fn valid_component(c: &str) -> bool {
    let b = c.as_bytes();
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        // A separator run: `.`, `_`, `__` or any number of `-`.
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|x| x == b'-');
        if !ok {
            return false;
        }
    }
    true
}

/// `^[\w][\w.-]{0,127}$`.
fn valid_tag(tag: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut chars = tag.chars();
    tag.len() <= 128
        && chars.next().is_some_and(word)
        && chars.all(|c| word(c) || c == '.' || c == '-')
}

/// go-digest's `Parse` + `Validate` for the algorithms it registers.
pub(crate) fn validate_digest(d: &str) -> Result<(), RegistryError> {
    let fail = |why: &str| invalid(format!("invalid digest {d:?}: {why}"));
    let Some((alg, hex)) = d.split_once(':') else {
        return Err(fail("invalid checksum digest format"));
    };
    if alg.is_empty() || hex.is_empty() {
        return Err(fail("invalid checksum digest format"));
    }
    let len = match alg {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => {
            let alg_ok = alg
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+._-".contains(c));
            return Err(fail(if alg_ok {
                "unsupported digest algorithm"
            } else {
                "invalid checksum digest format"
            }));
        }
    };
    if hex.len() != len {
        return Err(fail("invalid checksum digest length"));
    }
    if !hex
        .chars()
        .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    {
        return Err(fail("invalid checksum digest format"));
    }
    Ok(())
}

/// What helm's `ChartUploader.UploadTo` makes of the push destination
/// (`url.Parse`, then the scheme): the destination without `oci://`.
///
/// # Errors
///
/// `invalid chart URL format: ...`, `scheme prefix missing from remote
/// (e.g. "oci://")` or `scheme "x" not supported`.
pub fn push_destination(remote: &str) -> Result<String, RegistryError> {
    match go_url_scheme(remote) {
        Err(()) => Err(RegistryError::Invalid(format!(
            "invalid chart URL format: {remote}"
        ))),
        Ok(None) => Err(RegistryError::Invalid(
            "scheme prefix missing from remote (e.g. \"oci://\")".into(),
        )),
        Ok(Some(s)) if s.eq_ignore_ascii_case(OCI_SCHEME) => {
            Ok(remote[s.len() + 1..].trim_start_matches("//").to_string())
        }
        Ok(Some(s)) => Err(RegistryError::Invalid(format!(
            "scheme {:?} not supported",
            s.to_ascii_lowercase()
        ))),
    }
}

/// Go's `url.Parse` scheme detection: `Ok(Some(scheme))`, `Ok(None)` for
/// a scheme-less reference, `Err` where Go fails (a leading `:`, or a
/// colon in the first path segment of a scheme-less reference).
fn go_url_scheme(raw: &str) -> Result<Option<&str>, ()> {
    for (i, c) in raw.char_indices() {
        match c {
            'a'..='z' | 'A'..='Z' => {}
            '0'..='9' | '+' | '-' | '.' if i > 0 => {}
            ':' if i == 0 => return Err(()),
            ':' => return Ok(Some(&raw[..i])),
            _ => break,
        }
    }
    let first = raw.split('/').next().unwrap_or(raw);
    if !raw.starts_with('/') && first.contains(':') {
        return Err(());
    }
    Ok(None)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn err(s: &str) -> String {
        Reference::parse(s)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn parses_tags_digests_and_ports() {
        let r = Reference::parse("oci://127.0.0.1:5000/charts/demo:1.2.4+build.7").unwrap();
        assert_eq!(r.registry, "127.0.0.1:5000");
        assert_eq!(r.repository, "charts/demo");
        assert_eq!(r.tag, "1.2.4_build.7");
        assert_eq!(r.to_string(), "127.0.0.1:5000/charts/demo:1.2.4_build.7");
        let d = format!("sha256:{}", "a".repeat(64));
        let r = Reference::parse(&format!("oci://h:5000/c/demo@{d}")).unwrap();
        assert_eq!(r.tag, "");
        assert_eq!(r.digest, d);
        assert_eq!(r.reference(), d);
        let r = Reference::parse(&format!("h/c/demo:1.0.0@{d}")).unwrap();
        assert_eq!(r.tag, "1.0.0");
        assert_eq!(r.to_string(), format!("h/c/demo:1.0.0@{d}"));
        let r = Reference::parse("localhost:5000/demo").unwrap();
        assert_eq!(
            (r.registry.as_str(), r.tag.as_str()),
            ("localhost:5000", "")
        );
    }

    #[test]
    fn oras_error_texts() {
        assert_eq!(
            err("demo"),
            "invalid reference: missing registry or repository"
        );
        assert_eq!(
            err("h/Demo"),
            "invalid reference: invalid repository \"Demo\""
        );
        assert_eq!(err("h/demo:-x"), "invalid reference: invalid tag \"-x\"");
        assert_eq!(
            err("h:x/demo"),
            "invalid reference: invalid registry \"h:x\""
        );
        assert_eq!(
            err("h/demo@sha256:abc"),
            "invalid reference: invalid digest \"sha256:abc\": invalid checksum digest length"
        );
        assert_eq!(
            err("h/demo@md5:abc"),
            "invalid reference: invalid digest \"md5:abc\": unsupported digest algorithm"
        );
        assert!(valid_component("a__b") && valid_component("a--b") && !valid_component("a___b"));
    }

    #[test]
    fn push_destinations() {
        assert_eq!(push_destination("oci://h:5/charts").unwrap(), "h:5/charts");
        let e = |s: &str| push_destination(s).unwrap_err().to_string();
        assert_eq!(
            e("127.0.0.1:5444/charts"),
            "invalid chart URL format: 127.0.0.1:5444/charts"
        );
        assert_eq!(
            e("example.com/charts"),
            "scheme prefix missing from remote (e.g. \"oci://\")"
        );
        assert_eq!(e("https://h/charts"), "scheme \"https\" not supported");
    }
}
