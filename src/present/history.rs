//! `history` output.

use crate::output::{GoValue, Table, encode_table};
use crate::storage::Record;

use super::times;
use super::{Compat, Format, PresentError, encode};

/// Renders revisions (oldest first) as helm's `history` does.
pub fn render(records: &[Record], format: Format, compat: Compat) -> Result<String, PresentError> {
    match format {
        Format::Table => {
            let mut t = Table::new();
            t.add_row([
                "REVISION",
                "UPDATED",
                "STATUS",
                "CHART",
                "APP VERSION",
                "DESCRIPTION",
            ]);
            for r in records {
                let rel = &r.release;
                t.add_row([
                    rel.version.to_string(),
                    times::ansic_or_zero(&rel.info.last_deployed),
                    rel.info.status.as_str().to_string(),
                    rel.chart_label(),
                    rel.app_version(),
                    rel.info.description.clone(),
                ]);
            }
            Ok(encode_table(&t))
        }
        f => {
            let items = records
                .iter()
                .map(|r| {
                    let rel = &r.release;
                    let mut b =
                        GoValue::struct_builder().field("revision", GoValue::Int(rel.version));
                    match (&rel.info.last_deployed, compat) {
                        (Some(t), _) => {
                            b = b.field(
                                "updated",
                                GoValue::String(crate::release::time::to_json_text(t)),
                            )
                        }
                        // helm v3's time type writes a zero time as "".
                        (None, Compat::V3) => b = b.field("updated", GoValue::string("")),
                        (None, Compat::V4) => {}
                    }
                    b.field(
                        "status",
                        GoValue::String(rel.info.status.as_str().to_string()),
                    )
                    .field("chart", GoValue::String(rel.chart_label()))
                    .field("app_version", GoValue::String(rel.app_version()))
                    .field("description", GoValue::String(rel.info.description.clone()))
                    .build()
                })
                .collect();
            encode(f, &GoValue::Array(items))
        }
    }
}
