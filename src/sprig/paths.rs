//! Sprig's path functions: Go's `path` (`base`, `dir`, `clean`, `ext`,
//! `isAbs`) and `path/filepath` (`osBase`, ...), which on Linux, where
//! Helm runs, behave the same.

use super::convert::{BOOL, STRING, arg_str, def, string_value};
use super::env::Env;
use crate::gotemplate::{Funcs, Signature, Value};

/// Registers the path functions.
pub(crate) fn register(funcs: &mut Funcs, _env: &Env) {
    let text = |funcs: &mut Funcs, names: [&str; 2], f: fn(&[u8]) -> Vec<u8>| {
        for name in names {
            def(
                funcs,
                name,
                Signature::new(vec![STRING], STRING),
                move |a| Ok(string_value(f(arg_str(&a[0]).as_bytes()))),
            );
        }
    };
    text(funcs, ["base", "osBase"], base);
    text(funcs, ["dir", "osDir"], dir);
    text(funcs, ["clean", "osClean"], clean);
    text(funcs, ["ext", "osExt"], |p| ext(p).to_vec());
    for name in ["isAbs", "osIsAbs"] {
        def(funcs, name, Signature::new(vec![STRING], BOOL), |a| {
            Ok(Value::Bool(
                arg_str(&a[0]).as_bytes().first() == Some(&b'/'),
            ))
        });
    }
}

/// Go's `path.Base`.
fn base(p: &[u8]) -> Vec<u8> {
    if p.is_empty() {
        return b".".to_vec();
    }
    let mut p = p;
    while p.last() == Some(&b'/') {
        p = &p[..p.len() - 1];
    }
    if let Some(i) = p.iter().rposition(|&b| b == b'/') {
        p = &p[i + 1..];
    }
    if p.is_empty() {
        return b"/".to_vec();
    }
    p.to_vec()
}

/// Go's `path.Dir`: everything before the last `/`, cleaned.
fn dir(p: &[u8]) -> Vec<u8> {
    let at = p.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
    clean(&p[..at])
}

/// Go's `path.Ext`.
fn ext(p: &[u8]) -> &[u8] {
    for i in (0..p.len()).rev() {
        match p[i] {
            b'/' => break,
            b'.' => return &p[i..],
            _ => {}
        }
    }
    b""
}

/// Go's `path.Clean`: lexical processing of `.`, `..` and repeated `/`.
fn clean(p: &[u8]) -> Vec<u8> {
    if p.is_empty() {
        return b".".to_vec();
    }
    let rooted = p[0] == b'/';
    let n = p.len();
    let mut out: Vec<u8> = Vec::with_capacity(n);
    let (mut r, mut dotdot) = (0, 0);
    if rooted {
        out.push(b'/');
        r = 1;
        dotdot = 1;
    }
    while r < n {
        if p[r] == b'/' || p[r] == b'.' && (r + 1 == n || p[r + 1] == b'/') {
            // An empty element or `.`.
            r += 1;
        } else if p[r] == b'.' && p.get(r + 1) == Some(&b'.') && (r + 2 == n || p[r + 2] == b'/') {
            r += 2;
            if out.len() > dotdot {
                // Back up to the previous `/` (Go's `out.w` walk).
                let mut w = out.len() - 1;
                while w > dotdot && out[w] != b'/' {
                    w -= 1;
                }
                out.truncate(w);
            } else if !rooted {
                if !out.is_empty() {
                    out.push(b'/');
                }
                out.extend_from_slice(b"..");
                dotdot = out.len();
            }
        } else {
            if rooted && out.len() != 1 || !rooted && !out.is_empty() {
                out.push(b'/');
            }
            while r < n && p[r] != b'/' {
                out.push(p[r]);
                r += 1;
            }
        }
    }
    if out.is_empty() {
        return b".".to_vec();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_follows_go() {
        // Go path_test.go cleantests (a selection).
        let cases = [
            ("", "."),
            ("abc", "abc"),
            ("abc/def", "abc/def"),
            ("a/b/c", "a/b/c"),
            (".", "."),
            ("..", ".."),
            ("../..", "../.."),
            ("../../abc", "../../abc"),
            ("/abc", "/abc"),
            ("/", "/"),
            ("abc/", "abc"),
            ("abc/def/", "abc/def"),
            ("/abc/", "/abc"),
            ("//abc", "/abc"),
            ("abc//def//ghi", "abc/def/ghi"),
            ("abc/./def", "abc/def"),
            ("/./abc/def", "/abc/def"),
            ("abc/.", "abc"),
            ("abc/def/ghi/../jkl", "abc/def/jkl"),
            ("abc/def/../ghi/../jkl", "abc/jkl"),
            ("abc/def/..", "abc"),
            ("abc/def/../..", "."),
            ("/abc/def/../..", "/"),
            ("abc/def/../../..", ".."),
            ("/abc/def/../../..", "/"),
            ("abc/def/../../../ghi/jkl/../../../mno", "../../mno"),
            ("abc/./../def", "def"),
            ("abc//./../def", "def"),
            ("abc/../../././../def", "../../def"),
        ];
        for (input, want) in cases {
            assert_eq!(clean(input.as_bytes()), want.as_bytes(), "{input}");
        }
    }

    #[test]
    fn base_dir_ext_follow_go() {
        assert_eq!(base(b""), b".");
        assert_eq!(base(b"/"), b"/");
        assert_eq!(base(b"a/b/"), b"b");
        assert_eq!(base(b"////"), b"/");
        assert_eq!(dir(b"a/b/c"), b"a/b");
        assert_eq!(dir(b"/"), b"/");
        assert_eq!(dir(b"abc"), b".");
        assert_eq!(dir(b""), b".");
        assert_eq!(ext(b"path.go"), b".go");
        assert_eq!(ext(b"a.dir/b"), b"");
        assert_eq!(ext(b"a.dir/b.go"), b".go");
    }
}
