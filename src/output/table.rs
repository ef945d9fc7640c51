//! helm's tables: a clone of `github.com/gosuri/uitable` v0.0.4 as helm
//! uses it (`uitable.New()`, `AddRow`, `Bytes()`; never `MaxColWidth`,
//! `Wrap` or right alignment).

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

use super::runewidth::WidthCondition;

/// A table that renders like uitable: every cell padded with spaces to its
/// column's display width (the last column too), columns separated by a
/// tab, rows by a newline.
///
/// Display widths follow go-runewidth v0.0.9 with ANSI escape sequences
/// ignored, so coloured cells line up. A cell containing newlines spans
/// several lines, uitable-style (including its truncation quirk, see
/// [`Table::render`]).
///
/// ```
/// use rudder::output::{Table, WidthCondition};
///
/// let mut table = Table::with_condition(WidthCondition::default());
/// table.add_row(["NAME", "REVISION"]).add_row(["web", "12"]);
/// assert_eq!(table.render(), "NAME\tREVISION\nweb \t12      ");
/// ```
#[derive(Debug, Clone)]
pub struct Table {
    rows: Vec<Vec<String>>,
    condition: WidthCondition,
}

impl Default for Table {
    fn default() -> Self {
        Table::new()
    }
}

impl Table {
    /// An empty table measuring widths as go-runewidth would in this
    /// process's environment ([`WidthCondition::process_default`]).
    pub fn new() -> Table {
        Table::with_condition(WidthCondition::process_default())
    }

    /// An empty table with an explicit width condition.
    pub fn with_condition(condition: WidthCondition) -> Table {
        Table {
            rows: Vec::new(),
            condition,
        }
    }

    /// Appends a row. Rows may have different numbers of cells; a column
    /// is as wide as its widest cell in any row.
    pub fn add_row<I, S>(&mut self, cells: I) -> &mut Table
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.rows.push(cells.into_iter().map(Into::into).collect());
        self
    }

    /// Whether no row has been added.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table as uitable's `Table.String()`/`Bytes()` returns it: no
    /// trailing newline (helm's `EncodeTable` adds one, see
    /// [`encode_table`]), and the empty string for a table without rows.
    ///
    /// A multi-line cell is first padded or cut to the column width as a
    /// whole and then split into lines. Since its width is the sum of its
    /// lines' widths, which usually exceeds the column width, uitable cuts
    /// it down to about the column width and appends `...`, and helm prints
    /// what is left.
    pub fn render(&self) -> String {
        self.render_with_widths(&[])
    }

    /// Each column's display width: its widest cell's (ANSI sequences
    /// not counted).
    pub fn column_widths(&self) -> Vec<usize> {
        let mut widths: Vec<usize> = Vec::new();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                if widths.len() <= i {
                    widths.push(0);
                }
                let w = cell
                    .split('\n')
                    .map(|line| self.visible_width(line))
                    .max()
                    .unwrap_or(0);
                widths[i] = widths[i].max(w);
            }
        }
        widths
    }

    /// As [`Table::render`], with each column at least as wide as `min`
    /// says (a table printed in parts that must line up, such as `rudder
    /// watch`'s snapshot and its change lines).
    pub fn render_with_widths(&self, min: &[usize]) -> String {
        if self.rows.is_empty() {
            return String::new();
        }
        let mut widths = self.column_widths();
        for (w, m) in widths.iter_mut().zip(min) {
            *w = (*w).max(*m);
        }
        let lines: Vec<String> = self
            .rows
            .iter()
            .map(|row| self.render_row(row, &widths))
            .collect();
        lines.join("\n")
    }

    fn render_row(&self, row: &[String], widths: &[usize]) -> String {
        // uitable fits each cell to its column as a whole, then splits it
        // into lines and fits every line again.
        let cell_lines: Vec<Vec<String>> = row
            .iter()
            .zip(widths)
            .map(|(cell, &w)| self.fit(cell, w).split('\n').map(str::to_owned).collect())
            .collect();
        let line_count = cell_lines.iter().map(Vec::len).max().unwrap_or(0);
        let mut lines = Vec::with_capacity(line_count);
        for x in 0..line_count {
            let parts: Vec<String> = cell_lines
                .iter()
                .zip(widths)
                .map(|(cell, &w)| match cell.get(x) {
                    Some(line) => self.fit(line, w),
                    // A cell with fewer lines is blank below; uitable pads
                    // a single space to the width, so even a zero-width
                    // column gets one space.
                    None => " ".repeat(w.max(1)),
                })
                .collect();
            lines.push(parts.join("\t"));
        }
        lines.join("\n")
    }

    /// uitable's `Cell.String()` for a cell with data: resized to the
    /// column width when that is non-zero.
    fn fit(&self, s: &str, width: usize) -> String {
        if width == 0 {
            return s.to_owned();
        }
        let current = self.visible_width(s);
        if current == width {
            s.to_owned()
        } else if current < width {
            let mut out = s.to_owned();
            out.extend(std::iter::repeat_n(' ', width - current));
            out
        } else {
            // Cut so that the kept runes stay below width - 3 cells, then
            // mark the cut; widths here do not skip ANSI sequences.
            let limit = width as i64 - 3;
            let mut out = String::new();
            let mut used: i64 = 0;
            for c in s.chars() {
                out.push(c);
                let w = self.condition.rune_width(c) as i64;
                if used + w >= limit {
                    break;
                }
                used += w;
            }
            out.push_str("...");
            out
        }
    }

    fn visible_width(&self, s: &str) -> usize {
        self.condition.string_width(&strip_ansi(s))
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

/// The table as helm prints it (`output.EncodeTable`): [`Table::render`]
/// plus one newline, even for an empty table.
pub fn encode_table(table: &Table) -> String {
    let mut out = table.render();
    out.push('\n');
    out
}

/// uitable's ANSI escape pattern (`util/strutil`), with Go's ASCII `\d`
/// spelled out since Rust's `\d` is Unicode-aware.
static ANSI: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        "[\u{1b}\u{9b}][\\[\\]()#;?]*(?:(?:(?:[a-zA-Z0-9]*(?:;[a-zA-Z0-9]*)*)?\u{7})|(?:(?:[0-9]{1,4}(?:;[0-9]{0,4})*)?[0-9A-PRZcf-ntqry=><~]))",
    )
    .ok()
});

fn strip_ansi(s: &str) -> std::borrow::Cow<'_, str> {
    match ANSI.as_ref() {
        Some(re) => re.replace_all(s, ""),
        None => std::borrow::Cow::Borrowed(s),
    }
}
