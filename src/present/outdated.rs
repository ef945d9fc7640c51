//! The upgrade-availability columns and fields `list --outdated` and
//! `list --availability` add.

use crate::output::GoValue;
use crate::upgrades::{Availability, SourceRef};

/// The extra columns for every listed release, in the records' order.
#[derive(Clone, Debug, Default)]
pub struct AvailabilityColumns {
    /// One entry per record; `None` for a record without chart metadata.
    pub entries: Vec<Option<Availability>>,
    /// Show the state column (`--availability`); `--outdated` lists only
    /// releases with an upgrade, so the state goes without saying.
    pub show_state: bool,
}

/// The table headers added after helm's.
pub(super) fn headers(show_state: bool) -> Vec<&'static str> {
    let mut h = Vec::new();
    if show_state {
        h.push("AVAILABILITY");
    }
    h.extend(["LATEST", "SOURCE"]);
    h
}

/// The table cells added after helm's.
pub(super) fn cells(a: Option<&Availability>, show_state: bool) -> Vec<String> {
    let mut out = Vec::new();
    if show_state {
        out.push(a.map_or_else(|| "unknown-source".to_owned(), |a| a.state.to_string()));
    }
    out.push(a.and_then(|a| a.latest.clone()).unwrap_or_default());
    out.push(a.map(source_cell).unwrap_or_default());
    out
}

fn source_cell(a: &Availability) -> String {
    match &a.source {
        Some(s) => s.label().to_owned(),
        None => a
            .candidates
            .iter()
            .map(SourceRef::label)
            .collect::<Vec<_>>()
            .join(","),
    }
}

fn source_value(s: &SourceRef) -> GoValue {
    match s {
        SourceRef::Repo { name, url } => GoValue::struct_builder()
            .field("repo", GoValue::string(name))
            .field("url", GoValue::string(url))
            .build(),
        SourceRef::Oci { reference } => GoValue::struct_builder()
            .field("oci", GoValue::string(reference))
            .build(),
    }
}

/// The fields added to each JSON/YAML element, in this order:
/// `availability`, `upgrade`, `latest`, `source`, `candidates`, `tier`,
/// `installed_listed`, `checked_at`, `error` (empty ones left out, except
/// `availability`).
pub(super) fn fields(
    mut b: crate::output::StructBuilder,
    a: Option<&Availability>,
) -> crate::output::StructBuilder {
    let Some(a) = a else {
        return b.field("availability", GoValue::string("unknown-source"));
    };
    b = b
        .field("availability", GoValue::string(a.state.as_str()))
        .field_omitempty(
            "upgrade",
            GoValue::String(
                a.state
                    .upgrade_kind()
                    .map(|k| k.as_str())
                    .unwrap_or_default()
                    .to_owned(),
            ),
        )
        .field_omitempty(
            "latest",
            GoValue::String(a.latest.clone().unwrap_or_default()),
        );
    if let Some(s) = &a.source {
        b = b.field("source", source_value(s));
    }
    if !a.candidates.is_empty() {
        b = b.field(
            "candidates",
            GoValue::Array(a.candidates.iter().map(source_value).collect()),
        );
    }
    b = b.field_omitempty(
        "tier",
        GoValue::String(a.tier.map(|t| t.as_str()).unwrap_or_default().to_owned()),
    );
    if a.source.is_some() {
        b = b.field("installed_listed", GoValue::Bool(a.installed_listed));
    }
    let checked = a
        .checked_at
        .and_then(|t| jiff::Timestamp::try_from(t).ok())
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default();
    b.field_omitempty("checked_at", GoValue::String(checked))
        .field_omitempty(
            "error",
            GoValue::String(a.error.clone().unwrap_or_default()),
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::to_json;
    use crate::upgrades::{InstalledChart, State, Tier, UpgradeKind};
    use std::time::{Duration, UNIX_EPOCH};

    fn availability(state: State) -> Availability {
        Availability {
            installed: InstalledChart::default(),
            state,
            latest: None,
            source: None,
            tier: None,
            candidates: vec![],
            installed_listed: false,
            checked_at: None,
            error: None,
        }
    }

    fn json(a: Option<&Availability>) -> String {
        to_json(&fields(GoValue::struct_builder(), a).build())
            .unwrap_or_default()
            .trim_end()
            .to_owned()
    }

    #[test]
    fn fields_and_cells_per_state() {
        let mut up = availability(State::UpgradeAvailable(UpgradeKind::Minor));
        up.latest = Some("1.1.0".into());
        up.source = Some(SourceRef::Repo {
            name: "r".into(),
            url: "http://h/r".into(),
        });
        up.tier = Some(Tier::T1);
        up.installed_listed = true;
        up.checked_at = Some(UNIX_EPOCH + Duration::from_secs(1_764_608_400));
        assert_eq!(
            json(Some(&up)),
            r#"{"availability":"upgrade-available","upgrade":"minor","latest":"1.1.0","source":{"repo":"r","url":"http://h/r"},"tier":"T1","installed_listed":true,"checked_at":"2025-12-01T17:00:00Z"}"#
        );
        assert_eq!(
            cells(Some(&up), true),
            ["upgrade-available (minor)", "1.1.0", "r"]
        );
        assert_eq!(cells(Some(&up), false), ["1.1.0", "r"]);

        let mut amb = availability(State::Ambiguous);
        amb.candidates = vec![
            SourceRef::Repo {
                name: "a".into(),
                url: "http://a".into(),
            },
            SourceRef::Oci {
                reference: "oci://h/c/x".into(),
            },
        ];
        assert_eq!(
            json(Some(&amb)),
            r#"{"availability":"ambiguous","candidates":[{"repo":"a","url":"http://a"},{"oci":"oci://h/c/x"}]}"#
        );
        assert_eq!(cells(Some(&amb), true), ["ambiguous", "", "a,oci://h/c/x"]);
        assert_eq!(json(None), r#"{"availability":"unknown-source"}"#);
        assert_eq!(cells(None, true), ["unknown-source", "", ""]);
        assert_eq!(headers(true), ["AVAILABILITY", "LATEST", "SOURCE"]);
    }
}
