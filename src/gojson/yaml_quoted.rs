//! Quoted scalars continued on lines indented less than YAML 1.2 asks
//! (`a: 'x⏎y'`): libyaml does not check their indentation, granit-parser
//! rejects them. For a second attempt the reader indents every
//! continuation line of a quoted scalar past the column of its opening
//! quote: blanks at the start of a continuation line are skipped by the
//! folding anyway, and no line is added, so values and line numbers stay.

/// The text with continuation lines of quoted scalars indented, or `None`
/// when there is nothing to indent. Quotes inside comments and block
/// scalars are no quoted scalars.
pub(super) fn indent_continuations(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 64);
    let mut changed = false;
    let mut prev = '\n';
    let mut column = 0usize;
    // The indentation of the current line.
    let mut line_indent = 0usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        let token_start = prev.is_whitespace() || matches!(prev, '[' | '{' | ',' | ':' | '-' | '?');
        if c == ' ' && column == line_indent {
            line_indent += 1;
        }
        if c == '#' && prev.is_whitespace() {
            while let Some(n) = chars.next_if(|&n| !is_break(n)) {
                out.push(n);
            }
        } else if (c == '|' || c == '>') && token_start && is_block_header(&chars) {
            // Copy the header line, then every line indented past the
            // header's line (and blank lines) unchanged.
            while let Some(n) = chars.next_if(|&n| !is_break(n)) {
                out.push(n);
            }
            loop {
                let mut look = chars.clone();
                let Some(b) = look.next() else { break };
                let spaces = look.clone().take_while(|&n| n == ' ').count();
                let after = look.clone().nth(spaces);
                let blank = after.is_none_or(is_break);
                if !blank && spaces <= line_indent {
                    break;
                }
                out.push(b);
                chars.next();
                while let Some(n) = chars.next_if(|&n| !is_break(n)) {
                    out.push(n);
                }
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
            column += 1;
            prev = c;
            continue;
        }
        if is_break(c) {
            column = 0;
            line_indent = 0;
        } else {
            column += 1;
        }
        prev = c;
    }
    changed.then_some(out)
}

/// Whether the rest of the line after `|` or `>` is a block scalar
/// header: indicators (`-`, `+`, a digit), then blanks or a comment.
fn is_block_header(rest: &std::iter::Peekable<std::str::Chars<'_>>) -> bool {
    let mut it = rest
        .clone()
        .skip_while(|c| matches!(c, '-' | '+' | '1'..='9'));
    loop {
        match it.next() {
            None => return true,
            Some(c) if is_break(c) || c == '#' => return true,
            Some(' ' | '\t') => {}
            Some(_) => return false,
        }
    }
}

/// libyaml's line breaks (CR, LF, NEL, LS, PS).
fn is_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}
