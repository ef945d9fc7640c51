//! `list` output.

use crate::output::{GoValue, Table, encode_table};
use crate::storage::Record;

use super::outdated;
use super::times;
use super::{Colors, Format, PresentError, encode};

/// How `list` prints.
#[derive(Clone, Debug, Default)]
pub struct ListStyle {
    /// `-o`.
    pub format: Format,
    /// `-q`: names only.
    pub short: bool,
    /// `--no-headers` (table only).
    pub no_headers: bool,
    /// `--time-format`: a Go layout for the UPDATED column.
    pub time_format: String,
    /// Colours (v4, table only).
    pub colors: Colors,
    /// `--outdated` / `--availability`: upgrade-availability columns and
    /// fields after helm's (none: helm's output exactly).
    pub availability: Option<super::outdated::AvailabilityColumns>,
}

struct Element {
    name: String,
    namespace: String,
    revision: String,
    updated: String,
    status: crate::release::Status,
    chart: String,
    app_version: String,
}

fn elements(records: &[Record], time_format: &str) -> Vec<Element> {
    records
        .iter()
        .map(|r| {
            let rel = &r.release;
            let updated = match &rel.info.last_deployed {
                None => "-".to_string(),
                Some(t) if time_format.is_empty() => times::go_string(t),
                Some(t) => times::layout(t, time_format),
            };
            Element {
                name: rel.name.clone(),
                namespace: rel.namespace.clone(),
                revision: rel.version.to_string(),
                updated,
                status: rel.info.status.clone(),
                chart: rel.chart_label(),
                app_version: rel.app_version(),
            }
        })
        .collect()
}

/// Renders the releases `list` found, as helm does.
pub fn render(records: &[Record], style: &ListStyle) -> Result<String, PresentError> {
    if style.short {
        return Ok(match style.format {
            Format::Table => records
                .iter()
                .map(|r| format!("{}\n", r.release.name))
                .collect(),
            f => encode(
                f,
                &GoValue::Array(
                    records
                        .iter()
                        .map(|r| GoValue::string(&r.release.name))
                        .collect(),
                ),
            )?,
        });
    }
    let elems = elements(records, &style.time_format);
    match style.format {
        Format::Table => {
            let c = style.colors;
            let mut t = Table::new();
            let extra = style.availability.as_ref();
            if !style.no_headers {
                let mut headers = vec![
                    "NAME",
                    "NAMESPACE",
                    "REVISION",
                    "UPDATED",
                    "STATUS",
                    "CHART",
                    "APP VERSION",
                ];
                if let Some(x) = extra {
                    headers.extend(outdated::headers(x.show_state));
                }
                t.add_row(headers.into_iter().map(|h| c.header(h)));
            }
            for (i, e) in elems.iter().enumerate() {
                let mut row = vec![
                    e.name.clone(),
                    c.namespace(&e.namespace),
                    e.revision.clone(),
                    e.updated.clone(),
                    c.status(&e.status),
                    e.chart.clone(),
                    e.app_version.clone(),
                ];
                if let Some(x) = extra {
                    row.extend(outdated::cells(
                        x.entries.get(i).and_then(Option::as_ref),
                        x.show_state,
                    ));
                }
                t.add_row(row);
            }
            Ok(encode_table(&t))
        }
        f => {
            let v = GoValue::Array(
                elems
                    .into_iter()
                    .enumerate()
                    .map(|(i, e)| {
                        let b = GoValue::struct_builder()
                            .field("name", GoValue::String(e.name))
                            .field("namespace", GoValue::String(e.namespace))
                            .field("revision", GoValue::String(e.revision))
                            .field("updated", GoValue::String(e.updated))
                            .field("status", GoValue::String(e.status.as_str().to_string()))
                            .field("chart", GoValue::String(e.chart))
                            .field("app_version", GoValue::String(e.app_version));
                        match &style.availability {
                            Some(x) => {
                                outdated::fields(b, x.entries.get(i).and_then(Option::as_ref))
                                    .build()
                            }
                            None => b.build(),
                        }
                    })
                    .collect(),
            );
            encode(f, &v)
        }
    }
}
