//! Host keys for tier T2: which project a chart's `home`/`sources` URLs
//! point at.

use std::collections::BTreeSet;

/// One key per URL: `github:<org>` for `github.com/<org>/…` and
/// `<org>.github.io` (the same project's pages), else the lowercased host
/// without `www.`. URLs without a host give no key.
pub(super) fn keys<'a>(urls: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    urls.into_iter().filter_map(key).collect()
}

fn key(url: &str) -> Option<String> {
    let url = url.trim();
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = authority
        .rsplit('@')
        .next()?
        .split(':')
        .next()?
        .to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_owned();
    if host.is_empty() || !host.contains('.') {
        return None;
    }
    if host == "github.com" {
        let org = path.split('/').next().filter(|o| !o.is_empty())?;
        return Some(format!("github:{}", org.to_ascii_lowercase()));
    }
    if let Some(org) = host.strip_suffix(".github.io") {
        return Some(format!("github:{org}"));
    }
    Some(host)
}

#[cfg(test)]
mod tests {
    use super::key;

    #[test]
    fn github_orgs_and_pages_are_one_project() {
        assert_eq!(
            key("https://github.com/Bitnami/charts/tree/main"),
            Some("github:bitnami".into())
        );
        assert_eq!(
            key("https://bitnami.github.io/charts"),
            Some("github:bitnami".into())
        );
        assert_eq!(
            key("https://www.Example.org:8443/x"),
            Some("example.org".into())
        );
        assert_eq!(key("https://github.com/"), None);
        assert_eq!(key(""), None);
        assert_eq!(key("not a url"), None);
    }
}
