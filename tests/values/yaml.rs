//! `gojson::yaml` against helm reading `-f` files: the values helm's
//! templates see, and helm's error text for files it rejects.

use rudder::compat::Compat;
use rudder::gojson::GoValue;
use rudder::gojson::yaml::{from_slice_documents, from_slice_map};

use super::{BOTH, helm, probe_chart, probe_lines};

/// Values files helm accepts, exercising YAML 1.1 typing, keys, anchors,
/// merge keys, block scalars, duplicates and multiple documents.
const GOOD: &[&str] = &[
    "on: 1\n1.5: x\n2: y\nyes: [0755, 08, 0o17, 0b101, 0x1F, +12, 1_000, .5, 1E3, 1:20, 2001-12-14, 0o8, 12e, 12345678901234567890, ~, tRUE, \"2\", 2001-12-14T10:00:00Z, 0.1e400, -0, 1e1000]\n",
    "m: &m {x: 1, z: 3}\np: {z: 0, <<: *m, w: 2}\nq:\n  <<: [*m, {x: 5, k: 6}]\n  own: 1\n",
    "a: 1\na: 2\nb: {c: 1, c: 3}\n",
    "lit: |\n  line1\n  line2\nfold: >-\n  a\n  b\nsq: 'it''s'\ndq: \"tab\\there \\u00e9\"\n",
    "n: null\ne:\nt: ~\nlist:\n- a\n-\n- {x: 1}\nnested:\n  deep:\n    deeper: [1, [2, [3]]]\n",
    "0.1: a\n1e3: b\n-5: c\n0x10: d\ntrue: e\n123456789: f\n1234567.5: g\n",
    "big: 123456789012345678901234567890\nneg: -9223372036854775809\nf: 1.0\ng: -0.0\nh: 6.02e23\ni: 1_0.5\n",
    "a: 1\n---\nb: 2\na: 3\n--- # comment\nc: {d: 1}\n",
    "---\na: 1\n...\n",
    "",
    "# only a comment\n",
    "s: !!str 123\ni: !!int \"7\"\nf: !!float 3\nc: !custom x\n",
    "key with spaces: v\n\"quoted: key\": v2\n? complex\n: v3\n",
    "a: x\u{2028}b: 'y\u{2028}z'\nc: |\n  l1\u{2029}  l2\nd: e\u{85}f: g\n",
    "a: 'x\ny'\nb:\n  c: \"p\n\n q\"\n",
];

/// Values files helm rejects.
const BAD: &[&str] = &[
    "a:\n\tb: 1\n",
    "a: b: c\n",
    "a: \"abc\n",
    "a:\n  b: 1\n c: 2\n",
    "a: [1, 2\n",
    "a: {x: 1\n",
    "a: .inf\n",
    "a: [-.inf]\n",
    "a: .nan\n",
    "~: 1\n",
    "a: *x\n",
    "- 1\n- 2\n",
    "just a string\n",
    "x:\n  - a\n  b: 1\n",
    "a: 'x\n",
    "a: 1\n b: 2\n",
    "a:\n  - 1\n - 2\n",
    "a: [1, 2]]\n",
    "a: 1\n---\nb: [\n",
    "a: 1\n--- x\nb: 2\n",
    "x: 1\n\ty: 2\n",
    "a: \"\\q\"\n",
    "p: {<<: 1}\n",
    "a:\n  b: 1\n  c\nd: 2\n",
    "list:\n- a\n - b\n",
    "a:\n  - 1\n  b: 2\n",
    "key: value\n  more: x\n",
    "a: [1, {b: 2]\n",
    "a: {b: [1}\n",
    "- a\nb: c\n",
    "a: 1\n\n\n  - b\n",
    "a: |\n  x\n y\n",
    "a: >\n\tx\n",
    "a: &x 1\nb: *y\n",
    "a: !!int x\n",
    "a: \"\\x4\"\n",
    "a:\n  b:\n    c: 1\n   d: 2\n",
    "? [a, b]\n: 1\n",
    "a: 1\nb\n",
    "%YAML 1.1\n---\na: 1\n",
    "a: @b\n",
    "a: `b\n",
    "x: 1\r\ny: 2\r\n",
    "a: [1, 2\nb: 3\n",
    "a: {x: 1, y: 2\nb: 3\n",
    "a: {x: [1, 2\nb: 3\n",
    "x: 1\na: [1,\n  2\n\nb: 3\n",
    "k: v\u{2028}\u{2028}bad: \"\n",
    "a: 1\u{2029}b: [\n",
];

fn rudder_read(compat: Compat, data: &[u8]) -> Result<GoValue, String> {
    match compat {
        Compat::V3 => from_slice_map(data),
        Compat::V4 => from_slice_documents(data),
    }
    .map(GoValue::Map)
    .map_err(|e| match compat {
        Compat::V3 => e.to_string(),
        // v4 prefixes the per-document error (rudder's documents variant
        // already carries it).
        Compat::V4 => e.to_string(),
    })
}

#[test]
fn values_files_read_as_helm_reads_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let chart = probe_chart(dir.path(), "probe", "");
    let mut compared = 0;
    let mut failures = Vec::new();
    for (i, text) in GOOD.iter().chain(BAD).enumerate() {
        let file = dir.path().join(format!("in{i}.yaml"));
        std::fs::write(&file, text).expect("write");
        for compat in BOTH {
            let out = helm(
                compat,
                dir.path(),
                &[
                    "template",
                    "x",
                    chart.to_str().expect("utf8"),
                    "-f",
                    file.to_str().expect("utf8"),
                ],
            );
            let ours = rudder_read(compat, text.as_bytes());
            let theirs = if out.ok {
                let lines = probe_lines(&out.stdout);
                assert_eq!(lines.len(), 1, "{}", out.stdout);
                Ok(GoValue::from_json(&lines[0]))
            } else {
                Err(out
                    .stderr
                    .trim_end()
                    .strip_prefix(&format!("Error: failed to parse {}: ", file.display()))
                    .unwrap_or(&out.stderr)
                    .to_owned())
            };
            compared += 1;
            if ours != theirs {
                failures.push(format!(
                    "{compat:?} input {text:?}\n  rudder: {ours:?}\n  helm:   {theirs:?}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {compared} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
