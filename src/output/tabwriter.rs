//! Go's `text/tabwriter` as kubectl configures it (the
//! `github.com/liggitt/tabwriter` fork with `RememberWidths`): minimum cell
//! width 6, padding 3, padded with spaces, left-aligned.
//!
//! Cells end at `\t`; a line's last cell (after its last tab) is not part of
//! any column. Consecutive lines that have a cell in the same column form a
//! block whose cells are padded to the block's widest cell (measured in
//! runes) plus the padding, at least the minimum width. A line with a
//! single cell flushes everything before it, so it starts fresh blocks;
//! `RememberWidths` keeps each column at least as wide as it was before
//! within one writer.

/// A tab writer for one table.
#[derive(Debug)]
pub struct TabWriter {
    min_width: usize,
    padding: usize,
    /// Complete lines waiting for formatting, as cells.
    lines: Vec<Vec<String>>,
    /// The line being written.
    current: Vec<String>,
    cell: String,
    /// Remembered column widths.
    max_widths: Vec<usize>,
    out: String,
}

impl Default for TabWriter {
    fn default() -> Self {
        TabWriter::new(6, 3)
    }
}

impl TabWriter {
    /// A writer with kubectl's settings but the given minimum width and
    /// padding.
    pub fn new(min_width: usize, padding: usize) -> TabWriter {
        TabWriter {
            min_width,
            padding,
            lines: Vec::new(),
            current: Vec::new(),
            cell: String::new(),
            max_widths: Vec::new(),
            out: String::new(),
        }
    }

    /// Writes text.
    pub fn write(&mut self, text: &str) {
        for ch in text.chars() {
            match ch {
                '\t' | '\x0b' => {
                    self.current.push(std::mem::take(&mut self.cell));
                }
                '\n' | '\x0c' => {
                    self.current.push(std::mem::take(&mut self.cell));
                    let ncells = self.current.len();
                    self.lines.push(std::mem::take(&mut self.current));
                    if ch == '\x0c' || ncells == 1 {
                        // A one-cell line cannot affect the lines after it.
                        self.flush_lines();
                    }
                }
                c => self.cell.push(c),
            }
        }
    }

    /// Formats everything written and returns the text.
    pub fn finish(mut self) -> String {
        let tail_partial = !self.cell.is_empty() || !self.current.is_empty();
        if tail_partial {
            self.current.push(std::mem::take(&mut self.cell));
            self.lines.push(std::mem::take(&mut self.current));
        }
        self.format_all();
        if tail_partial {
            // The last line had no newline; Go writes none either.
            self.out.pop();
        }
        self.out
    }

    fn flush_lines(&mut self) {
        self.format_all();
    }

    fn format_all(&mut self) {
        let lines = std::mem::take(&mut self.lines);
        let mut widths = Vec::new();
        self.format(&lines, &mut widths, 0, lines.len());
    }

    fn format(
        &mut self,
        lines: &[Vec<String>],
        widths: &mut Vec<usize>,
        mut line0: usize,
        line1: usize,
    ) {
        let column = widths.len();
        let mut this = line0;
        while this < line1 {
            if column + 1 >= lines[this].len() {
                this += 1;
                continue;
            }
            self.write_lines(lines, widths, line0, this);
            line0 = this;
            let mut width = self.min_width;
            while this < line1 && column + 1 < lines[this].len() {
                width = width.max(lines[this][column].chars().count() + self.padding);
                this += 1;
            }
            // RememberWidths: never narrower than this column was before.
            if self.max_widths.len() < widths.len() {
                self.max_widths
                    .extend_from_slice(&widths[self.max_widths.len()..]);
            }
            if self.max_widths.len() == widths.len() {
                self.max_widths.push(width);
            } else if self.max_widths[widths.len()] > width {
                width = self.max_widths[widths.len()];
            } else {
                self.max_widths[widths.len()] = width;
            }
            widths.push(width);
            self.format(lines, widths, line0, this);
            widths.pop();
            line0 = this;
        }
        self.write_lines(lines, widths, line0, line1);
    }

    fn write_lines(&mut self, lines: &[Vec<String>], widths: &[usize], line0: usize, line1: usize) {
        for line in &lines[line0..line1] {
            for (j, cell) in line.iter().enumerate() {
                self.out.push_str(cell);
                if j < widths.len() && j + 1 < line.len() {
                    let w = cell.chars().count();
                    self.out
                        .extend(std::iter::repeat_n(' ', widths[j].saturating_sub(w)));
                }
            }
            self.out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tab(text: &str) -> String {
        let mut w = TabWriter::default();
        w.write(text);
        w.finish()
    }

    #[test]
    fn aligns_columns_but_not_the_last_cell() {
        assert_eq!(
            tab("NAME\tREADY\tAGE\nweb-deployment-x\t1/1\t5s\n"),
            "NAME               READY   AGE\nweb-deployment-x   1/1     5s\n"
        );
        // Cells are padded to text + 3, and to at least 6.
        assert_eq!(tab("A\tB\n"), "A     B\n");
    }

    #[test]
    fn widths_count_runes_and_single_cell_lines_split_blocks() {
        assert_eq!(tab("日本\tx\n"), "日本    x\n");
        assert_eq!(
            tab("aaaaaaaaaa\tb\nsolo\nc\td\n"),
            "aaaaaaaaaa   b\nsolo\nc            d\n"
        );
    }
}
