//! kubectl's printing of server-side tables, as `helm status` uses it for
//! its RESOURCES section: `get.TablePrinter` over a `HumanReadablePrinter`
//! from `get.NewHumanPrintFlags()`, reused for every object.
//!
//! Each object is printed through a fresh tab writer (helm prints into a
//! plain buffer), so rows of different objects are aligned separately; the
//! header is printed again only when the columns change.

use serde_json::Value;

use super::tabwriter::TabWriter;

/// Prints `meta.k8s.io` Table objects, remembering the last columns.
#[derive(Debug, Default)]
pub struct TablePrinter {
    last_columns: Option<Value>,
    printed_headers: bool,
}

impl TablePrinter {
    /// A printer with no history.
    pub fn new() -> TablePrinter {
        TablePrinter::default()
    }

    /// Prints one object (a Table as the API server returns it) and returns
    /// the text.
    pub fn print(&mut self, table: &Value) -> String {
        let columns = table
            .get("columnDefinitions")
            .cloned()
            .unwrap_or(Value::Null);
        let no_columns = columns.as_array().is_none_or(|c| c.is_empty());
        let rows = table
            .get("rows")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut no_headers = false;
        if self.printed_headers && (no_columns || Some(&columns) == self.last_columns.as_ref()) {
            no_headers = true;
        }
        let columns = if no_columns {
            self.last_columns.clone().unwrap_or(Value::Null)
        } else {
            if Some(&columns) != self.last_columns.as_ref() {
                self.last_columns = Some(columns.clone());
                self.printed_headers = false;
            }
            columns
        };
        if !rows.is_empty() {
            self.printed_headers = true;
        }
        let defs: Vec<&Value> = columns
            .as_array()
            .map(|c| c.iter().collect())
            .unwrap_or_default();
        let shown = |i: usize| {
            defs.get(i)
                .is_some_and(|d| d.get("priority").and_then(Value::as_i64).unwrap_or(0) == 0)
        };

        let mut text = String::new();
        if !no_headers {
            if rows.is_empty() {
                return String::new();
            }
            let names: Vec<String> = defs
                .iter()
                .enumerate()
                .filter(|(i, _)| shown(*i))
                .map(|(_, d)| {
                    d.get("name")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_uppercase()
                })
                .collect();
            text.push_str(&names.join("\t"));
            text.push('\n');
        }
        for row in &rows {
            let cells = row
                .get("cells")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let mut first = true;
            for (i, cell) in cells.iter().enumerate() {
                if i >= defs.len() {
                    break;
                }
                if !shown(i) {
                    continue;
                }
                if !first {
                    text.push('\t');
                }
                first = false;
                text.push_str(&escape(&cell_text(cell)));
            }
            text.push('\n');
        }
        let mut w = TabWriter::default();
        w.write(&text);
        w.finish()
    }
}

/// A cell as Go's `fmt.Sprint` prints the decoded value; strings are cut at
/// their first line break, with `...` appended.
fn cell_text(cell: &Value) -> String {
    match cell {
        Value::Null => String::new(),
        Value::String(s) => match s.find(['\x0c', '\n', '\r']) {
            Some(i) => format!("{}...", &s[..i]),
            None => s.clone(),
        },
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.to_string(),
            None => super::float::format_g(n.as_f64().unwrap_or_default()),
        },
        // Go prints composite values with %v; the server never sends them.
        other => other.to_string(),
    }
}

/// kubectl's terminal escaper.
fn escape(s: &str) -> String {
    s.replace('\x1b', "^[").replace('\r', "\\r")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn table(rows: &[&[Value]]) -> Value {
        json!({
            "kind": "Table", "apiVersion": "meta.k8s.io/v1",
            "columnDefinitions": [
                {"name": "Name", "type": "string", "format": "name", "priority": 0},
                {"name": "Data", "type": "string", "priority": 0},
                {"name": "Labels", "type": "string", "priority": 1},
                {"name": "Age", "type": "string", "priority": 0}
            ],
            "rows": rows.iter().map(|r| json!({"cells": r})).collect::<Vec<_>>()
        })
    }

    #[test]
    fn prints_headers_once_per_column_set_and_aligns_each_object_alone() {
        let mut p = TablePrinter::new();
        let a = p.print(&table(&[&[
            json!("web-config"),
            json!(1),
            json!("x"),
            json!("5s"),
        ]]));
        assert_eq!(a, "NAME         DATA   AGE\nweb-config   1      5s\n");
        let b = p.print(&table(&[&[json!("a"), json!(12), json!("x"), json!("6s")]]));
        assert_eq!(b, "a     12    6s\n");
    }

    #[test]
    fn empty_tables_print_nothing_and_strings_are_cut_at_newlines() {
        let mut p = TablePrinter::new();
        assert_eq!(p.print(&table(&[])), "");
        let t = p.print(&table(&[&[
            json!("two\nlines"),
            json!(true),
            json!(null),
            json!("\u{1b}x"),
        ]]));
        assert_eq!(t, "NAME     DATA   AGE\ntwo...   true   ^[x\n");
    }
}
