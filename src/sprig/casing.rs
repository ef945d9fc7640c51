//! huandu/xstrings v1.5.0's word-case conversions, which Sprig's
//! `snakecase`, `kebabcase` and `camelcase` are: words are split by
//! xstrings' own rules (runs of upper case, letters, numbers, punctuation,
//! connectors), not by a generic "case" crate's.

use super::text::{decode_rune, is_punct, is_space, is_upper, push_rune, to_lower, to_upper};

/// xstrings `isConnector`.
fn is_connector(c: char) -> bool {
    c == '-' || c == '_' || is_space(c)
}

/// xstrings `isAlphabet`: a letter, but not a CJK ideograph.
fn is_alphabet(c: char) -> bool {
    if !c.is_alphabetic() {
        return false;
    }
    !matches!(c, '\u{4E00}'..='\u{9FCC}' | '\u{3400}'..='\u{4D85}' | '\u{20000}'..='\u{2B81D}')
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Word {
    Invalid,
    Number,
    Upper,
    Alphabet,
    Connector,
    Punct,
    Other,
}

/// xstrings `nextValidRune`: skips invalid bytes (and U+FFFD); returns
/// `prev` when nothing valid is left. The size counts skipped bytes.
fn next_valid_rune(s: &[u8], prev: char) -> (char, usize) {
    let mut size = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let (c, w) = decode_rune(rest);
        size += w;
        if c != char::REPLACEMENT_CHARACTER {
            return (c, size);
        }
        rest = &rest[w..];
    }
    (prev, size)
}

/// xstrings `nextWord`: the type of the next word, the word, the rest.
fn next_word(s: &[u8]) -> (Word, &[u8], &[u8]) {
    if s.is_empty() {
        return (Word::Invalid, b"", b"");
    }
    let mut remaining = s;
    let (mut r, mut size) = next_valid_rune(remaining, char::REPLACEMENT_CHARACTER);
    let mut offset = size;
    if r == char::REPLACEMENT_CHARACTER {
        return (Word::Invalid, &s[..offset], &s[offset..]);
    }
    // Advances over runes while `keep` holds.
    let run =
        |remaining: &mut &[u8], offset: &mut usize, r: &mut char, keep: &dyn Fn(char) -> bool| {
            while !remaining.is_empty() {
                let (c, sz) = next_valid_rune(remaining, *r);
                *r = c;
                if !keep(c) {
                    break;
                }
                *offset += sz;
                *remaining = &remaining[sz..];
            }
        };
    let wt;
    if is_connector(r) {
        wt = Word::Connector;
        remaining = &remaining[size..];
        run(&mut remaining, &mut offset, &mut r, &is_connector);
    } else if is_punct(r) {
        wt = Word::Punct;
        remaining = &remaining[size..];
        run(&mut remaining, &mut offset, &mut r, &is_punct);
    } else if is_upper(r) {
        wt = Word::Upper;
        remaining = &remaining[size..];
        if !remaining.is_empty() {
            (r, size) = next_valid_rune(remaining, r);
            if is_upper(r) {
                let mut prev_size = size;
                offset += size;
                remaining = &remaining[size..];
                while !remaining.is_empty() {
                    (r, size) = next_valid_rune(remaining, r);
                    if !is_upper(r) {
                        break;
                    }
                    prev_size = size;
                    offset += size;
                    remaining = &remaining[size..];
                }
                if !remaining.is_empty() && is_alphabet(r) {
                    offset -= prev_size;
                }
            } else if is_alphabet(r) {
                offset += size;
                remaining = &remaining[size..];
                run(&mut remaining, &mut offset, &mut r, &|c| {
                    is_alphabet(c) && !is_upper(c)
                });
            }
        }
    } else if is_alphabet(r) {
        wt = Word::Alphabet;
        remaining = &remaining[size..];
        run(&mut remaining, &mut offset, &mut r, &|c| {
            is_alphabet(c) && !is_upper(c)
        });
    } else if r.is_numeric() {
        wt = Word::Number;
        remaining = &remaining[size..];
        run(&mut remaining, &mut offset, &mut r, &char::is_numeric);
    } else {
        wt = Word::Other;
        remaining = &remaining[size..];
        run(&mut remaining, &mut offset, &mut r, &|c| {
            !(is_connector(c) || is_alphabet(c) || c.is_numeric() || is_punct(c))
        });
    }
    let _ = remaining;
    (wt, &s[..offset], &s[offset..])
}

/// xstrings `toLower`: upper-case and connector words are lower-cased
/// rune by rune with connectors replaced; others are copied.
fn write_lower(out: &mut Vec<u8>, wt: Word, word: &[u8], connector: char) {
    if wt != Word::Upper && wt != Word::Connector {
        out.extend_from_slice(word);
        return;
    }
    let mut rest = word;
    while !rest.is_empty() {
        let (c, w) = decode_rune(rest);
        rest = &rest[w..];
        if is_connector(c) {
            push_rune(out, connector);
        } else if is_upper(c) {
            push_rune(out, to_lower(c));
        } else {
            push_rune(out, c);
        }
    }
}

/// xstrings `camelCaseToLowerCase` (`ToSnakeCase` with `_`,
/// `ToKebabCase` with `-`).
pub(crate) fn camel_to_lower(s: &[u8], connector: char) -> Vec<u8> {
    if s.is_empty() {
        return Vec::new();
    }
    let mut buf = Vec::with_capacity(s.len() + s.len() / 2);
    let (mut wt, mut word, mut remaining) = next_word(s);
    while !remaining.is_empty() {
        if wt != Word::Connector {
            write_lower(&mut buf, wt, word, connector);
        }
        let prev = wt;
        let last = word;
        (wt, word, remaining) = next_word(remaining);
        match prev {
            Word::Number => {
                while wt == Word::Alphabet || wt == Word::Number {
                    write_lower(&mut buf, wt, word, connector);
                    (wt, word, remaining) = next_word(remaining);
                }
                if wt != Word::Invalid && wt != Word::Punct && wt != Word::Connector {
                    push_rune(&mut buf, connector);
                }
            }
            Word::Connector => write_lower(&mut buf, prev, last, connector),
            Word::Punct => {}
            _ => {
                if wt != Word::Number {
                    if wt != Word::Connector && wt != Word::Punct {
                        push_rune(&mut buf, connector);
                    }
                    continue;
                }
                if remaining.is_empty() {
                    continue;
                }
                let last = word;
                (wt, word, remaining) = next_word(remaining);
                if wt != Word::Alphabet {
                    write_lower(&mut buf, Word::Number, last, connector);
                    if wt != Word::Connector && wt != Word::Punct {
                        push_rune(&mut buf, connector);
                    }
                    continue;
                }
                push_rune(&mut buf, connector);
                write_lower(&mut buf, Word::Number, last, connector);
                while wt == Word::Alphabet || wt == Word::Number {
                    write_lower(&mut buf, wt, word, connector);
                    (wt, word, remaining) = next_word(remaining);
                }
                if wt != Word::Invalid && wt != Word::Connector && wt != Word::Punct {
                    push_rune(&mut buf, connector);
                }
            }
        }
    }
    write_lower(&mut buf, wt, word, connector);
    buf
}

/// xstrings `ToPascalCase` (Sprig's `camelcase`).
pub(crate) fn to_pascal_case(s: &[u8]) -> Vec<u8> {
    if s.is_empty() {
        return Vec::new();
    }
    let mut buf = Vec::with_capacity(s.len());
    let mut rest = s;
    let mut first_upper = false;
    let mut r0 = '\0';
    let mut size = 0;
    while !rest.is_empty() {
        (r0, size) = decode_rune(rest);
        rest = &rest[size..];
        if !is_connector(r0) {
            first_upper = is_upper(r0);
            r0 = to_upper(r0);
            break;
        }
        push_rune(&mut buf, r0);
    }
    if rest.is_empty() {
        if size != 0 {
            push_rune(&mut buf, r0);
        }
        return buf;
    }
    while !rest.is_empty() {
        let r1 = r0;
        (r0, size) = decode_rune(rest);
        rest = &rest[size..];
        if is_connector(r0) && is_connector(r1) {
            push_rune(&mut buf, r1);
            continue;
        }
        if is_connector(r1) {
            first_upper = is_upper(r0);
            r0 = to_upper(r0);
        } else {
            if first_upper {
                if is_upper(r0) {
                    r0 = to_lower(r0);
                } else {
                    first_upper = false;
                }
            }
            push_rune(&mut buf, r1);
        }
    }
    push_rune(&mut buf, r0);
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snake(s: &str) -> String {
        String::from_utf8_lossy(&camel_to_lower(s.as_bytes(), '_')).into_owned()
    }

    fn pascal(s: &str) -> String {
        String::from_utf8_lossy(&to_pascal_case(s.as_bytes())).into_owned()
    }

    #[test]
    fn snake_case_follows_xstrings() {
        // xstrings convert_test.go TestToSnakeCase (a selection).
        let cases = [
            ("HTTPServer", "http_server"),
            ("_camelCase", "_camel_case"),
            ("NoHTTPS", "no_https"),
            ("Wi_thF", "wi_th_f"),
            ("_AnotherTES_TCaseP", "_another_tes_t_case_p"),
            ("ALL", "all"),
            ("_HELLO_WORLD_", "_hello_world_"),
            ("HELLO_WORLD", "hello_world"),
            ("HELLO____WORLD", "hello____world"),
            ("TW", "tw"),
            ("_C", "_c"),
            ("http2xx", "http_2xx"),
            ("HTTP2XX", "http2_xx"),
            ("HTTP20xOK", "http_20x_ok"),
            ("HTTP20xStatus", "http_20x_status"),
            ("HTTP-20xStatus", "http_20x_status"),
            ("a", "a"),
            ("Duration2m3s", "duration_2m3s"),
            ("Bld4Floor3rd", "bld4_floor_3rd"),
            ("  sentence case  ", "__sentence_case__"),
            ("a.b", "a.b"),
            ("FirstName", "first_name"),
        ];
        for (input, want) in cases {
            assert_eq!(snake(input), want, "{input}");
        }
    }

    #[test]
    fn pascal_case_follows_xstrings() {
        // xstrings TestToPascalCase (a selection).
        let cases = [
            ("http_server", "HttpServer"),
            ("_camel_case", "_CamelCase"),
            ("no_https", "NoHttps"),
            ("_complex__case_", "_Complex_Case_"),
            ("all", "All"),
            ("_HELLO_WORLD_", "_HelloWorld_"),
            ("", ""),
            ("x", "X"),
        ];
        for (input, want) in cases {
            assert_eq!(pascal(input), want, "{input}");
        }
    }
}
