//! Go's `encoding/json` syntax check (`checkValid`, scanner.go), for the
//! exact error texts `fromJson` and `fromJsonArray` put in their results:
//! `invalid character 'x' looking for beginning of value`,
//! `unexpected end of JSON input`, and the other scanner contexts.

/// `Ok` when `data` is one valid JSON value (with surrounding
/// whitespace), else Go's `SyntaxError` text.
pub(crate) fn check_valid(data: &[u8]) -> Result<(), String> {
    let mut s = Scanner { data, pos: 0 };
    s.ws();
    s.value()?;
    s.ws();
    match s.peek() {
        None => Ok(()),
        Some(c) => Err(invalid(c, "after top-level value")),
    }
}

const EOF: &str = "unexpected end of JSON input";

/// Go's `quoteChar`: the byte as a one-character Go-quoted literal.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".to_owned(),
        b'"' => "'\"'".to_owned(),
        _ => {
            // strconv.Quote(string(rune(c))) without its double quotes: a
            // byte above 0x7f reads as the Latin-1 rune of that value.
            let quoted = crate::gotemplate::strconv::quote(char::from(c).to_string().as_bytes());
            let body = &quoted[1..quoted.len() - 1];
            format!("'{body}'")
        }
    }
}

fn invalid(c: u8, context: &str) -> String {
    format!("invalid character {} {context}", quote_char(c))
}

struct Scanner<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    fn next(&mut self) -> Result<u8, String> {
        let c = self.peek().ok_or(EOF)?;
        self.pos += 1;
        Ok(c)
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn value(&mut self) -> Result<(), String> {
        let c = self.next()?;
        match c {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => self.string(),
            b'-' => {
                let d = self.next()?;
                match d {
                    b'0' => self.after_zero(),
                    b'1'..=b'9' => self.after_digits(),
                    _ => Err(invalid(d, "in numeric literal")),
                }
            }
            b'0' => self.after_zero(),
            b'1'..=b'9' => self.after_digits(),
            b't' => self.literal(b"rue", "true"),
            b'f' => self.literal(b"alse", "false"),
            b'n' => self.literal(b"ull", "null"),
            _ => Err(invalid(c, "looking for beginning of value")),
        }
    }

    fn literal(&mut self, rest: &[u8], word: &str) -> Result<(), String> {
        for want in rest {
            let c = self.next()?;
            if c != *want {
                return Err(invalid(
                    c,
                    &format!("in literal {word} (expecting {})", quote_char(*want)),
                ));
            }
        }
        Ok(())
    }

    fn after_digits(&mut self) -> Result<(), String> {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.after_zero()
    }

    /// After the integer part: an optional fraction and exponent.
    fn after_zero(&mut self) -> Result<(), String> {
        if self.peek() == Some(b'.') {
            self.pos += 1;
            let c = self.next()?;
            if !c.is_ascii_digit() {
                return Err(invalid(c, "after decimal point in numeric literal"));
            }
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.pos += 1;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            let mut c = self.next()?;
            if c == b'+' || c == b'-' {
                c = self.next()?;
            }
            if !c.is_ascii_digit() {
                return Err(invalid(c, "in exponent of numeric literal"));
            }
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.pos += 1;
            }
        }
        Ok(())
    }

    fn string(&mut self) -> Result<(), String> {
        loop {
            let c = self.next()?;
            match c {
                b'"' => return Ok(()),
                b'\\' => {
                    let e = self.next()?;
                    match e {
                        b'b' | b'f' | b'n' | b'r' | b't' | b'\\' | b'/' | b'"' => {}
                        b'u' => {
                            for _ in 0..4 {
                                let h = self.next()?;
                                if !h.is_ascii_hexdigit() {
                                    return Err(invalid(h, "in \\u hexadecimal character escape"));
                                }
                            }
                        }
                        _ => return Err(invalid(e, "in string escape code")),
                    }
                }
                c if c < 0x20 => return Err(invalid(c, "in string literal")),
                _ => {}
            }
        }
    }

    fn object(&mut self) -> Result<(), String> {
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            let c = self.next()?;
            if c != b'"' {
                return Err(invalid(c, "looking for beginning of object key string"));
            }
            self.string()?;
            self.ws();
            let c = self.next()?;
            if c != b':' {
                return Err(invalid(c, "after object key"));
            }
            self.ws();
            self.value()?;
            self.ws();
            match self.next()? {
                b',' => self.ws(),
                b'}' => return Ok(()),
                c => return Err(invalid(c, "after object key:value pair")),
            }
        }
    }

    fn array(&mut self) -> Result<(), String> {
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.ws();
            self.value()?;
            self.ws();
            match self.next()? {
                b',' => {}
                b']' => return Ok(()),
                c => return Err(invalid(c, "after array element")),
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    // Texts from helm v3.21.4 `fromJson` (see testdata/charts/s3) and
    // Go 1.26 encoding/json scanner_test.go's error table.
    #[test]
    fn go_syntax_errors() {
        let err = |s: &str| check_valid(s.as_bytes()).unwrap_err();
        assert_eq!(err(""), "unexpected end of JSON input");
        assert_eq!(err("{\"a\": "), "unexpected end of JSON input");
        assert_eq!(
            err("x"),
            "invalid character 'x' looking for beginning of value"
        );
        assert_eq!(
            err("{\"a\":1} x"),
            "invalid character 'x' after top-level value"
        );
        assert_eq!(err("{\"a\" 1}"), "invalid character '1' after object key");
        assert_eq!(
            err("{\"a\":1 2}"),
            "invalid character '2' after object key:value pair"
        );
        assert_eq!(err("[1 2]"), "invalid character '2' after array element");
        assert_eq!(
            err("{,}"),
            "invalid character ',' looking for beginning of object key string"
        );
        assert_eq!(
            err("tru "),
            "invalid character ' ' in literal true (expecting 'e')"
        );
        assert_eq!(err("-x"), "invalid character 'x' in numeric literal");
        assert_eq!(
            err("1.x"),
            "invalid character 'x' after decimal point in numeric literal"
        );
        assert_eq!(
            err("1ex"),
            "invalid character 'x' in exponent of numeric literal"
        );
        assert_eq!(
            err("\"\\x\""),
            "invalid character 'x' in string escape code"
        );
        assert_eq!(err("\"\n\""), "invalid character '\\n' in string literal");
        assert_eq!(
            err("'a'"),
            "invalid character '\\'' looking for beginning of value"
        );
        assert!(check_valid(b" {\"a\": [1, -2.5e3, true, null, \"\\u00e9\"]} ").is_ok());
    }
}
