//! Quoted scalars continued on lines indented less than YAML 1.2 asks
//! (`a: 'x⏎y'`): libyaml does not check their indentation, granit-parser
//! rejects them. For a second attempt the reader indents every
//! continuation line of a quoted scalar past the column of its opening
//! quote: blanks at the start of a continuation line are skipped by the
//! folding anyway, and no line is added, so values and line numbers stay.

/// The text with continuation lines of quoted scalars indented, or `None`
/// when there is nothing to indent.
pub(super) fn indent_continuations(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 64);
    let mut changed = false;
    let mut prev = '\n';
    let mut column = 0usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        let token_start = prev.is_whitespace() || matches!(prev, '[' | '{' | ',' | ':' | '-' | '?');
        if c == '#' && prev.is_whitespace() {
            while let Some(n) = chars.next_if(|&n| !is_break(n)) {
                out.push(n);
            }
        } else if (c == '"' || c == '\'') && token_start {
            let pad = " ".repeat(column + 1);
            let mut at_line_start = false;
            while let Some(n) = chars.next() {
                if at_line_start && !is_break(n) {
                    // A document marker ends the scalar for libyaml too.
                    let rest: String = std::iter::once(n).chain(chars.clone().take(2)).collect();
                    if rest != "---" && rest != "..." {
                        out.push_str(&pad);
                        changed = true;
                    }
                }
                at_line_start = is_break(n);
                out.push(n);
                if n == '\\' && c == '"' {
                    if let Some(e) = chars.next() {
                        at_line_start = is_break(e);
                        out.push(e);
                    }
                } else if n == c {
                    if c == '\'' && chars.peek() == Some(&'\'') {
                        chars.next();
                        out.push('\'');
                        continue;
                    }
                    break;
                }
            }
            column = 0;
            prev = c;
            continue;
        }
        column = if is_break(c) { 0 } else { column + 1 };
        prev = c;
    }
    changed.then_some(out)
}

/// libyaml's line breaks (CR, LF, NEL, LS, PS).
fn is_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}
