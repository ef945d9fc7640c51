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
