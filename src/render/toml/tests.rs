use super::*;

// See yaml_pretty.rs's test for where the expected text comes from.
#[test]
fn encodes_like_burntsushi() {
    let values =
        crate::gojson::yaml::from_slice(include_bytes!("../testdata/convert_values.yaml")).unwrap();
    let want = include_str!("../testdata/to_toml.txt");
    assert_eq!(to_toml(&values).unwrap(), want[..want.len() - 1]);
}

/// The oracle's dump of a decoded value (fixtures/render/toml/gen).
fn dump(out: &mut String, v: &TomlValue) {
    match v {
        TomlValue::Table(t) => dump_table(out, t),
        TomlValue::Array(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                dump(out, x);
            }
            out.push(']');
        }
        TomlValue::TableArray(tables) => {
            out.push_str("[[");
            for (i, t) in tables.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                dump_table(out, t);
            }
            out.push_str("]]");
        }
        TomlValue::Int(i) => out.push_str(&format!("int64({i})")),
        TomlValue::Float(f) => {
            let s = if f.is_nan() && f.is_sign_negative() {
                "-NaN".to_owned()
            } else {
                format_g(*f)
            };
            out.push_str(&format!("float64({s})"));
        }
        TomlValue::Bool(b) => out.push_str(&format!("bool({b})")),
        TomlValue::String(s) => out.push_str(&format!("string({s})")),
        TomlValue::Datetime(d) => {
            let loc = match &d.zone {
                Zone::Utc => Loc::Utc,
                Zone::Local => Loc::Local(jiff::tz::TimeZone::system()),
                Zone::Fixed(name, off) => Loc::Fixed(name.clone(), *off),
            };
            let t = GoTime::new(d.nanos, loc);
            out.push_str(&format!(
                "time({} json=\"{}\")",
                t.to_go_string(),
                t.rfc3339_nano()
            ));
        }
    }
}

fn dump_table(out: &mut String, t: &parse::Table) {
    out.push('{');
    for (i, (k, v)) in t.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(k);
        out.push_str(": ");
        dump(out, v);
    }
    out.push('}');
}

#[derive(serde::Deserialize)]
struct Case {
    doc: String,
    want: String,
}

/// Every document of the oracle (BurntSushi/toml v1.6.0 run by
/// fixtures/render/toml/gen with TZ=UTC) decodes to the same typed value
/// or fails with the same error text.
#[test]
fn decodes_like_burntsushi() {
    // The oracle ran with TZ=UTC; local offsets and zone names follow it.
    if std::env::var("TZ").ok().as_deref() != Some("UTC")
        && jiff::tz::TimeZone::system()
            .to_offset(jiff::Timestamp::now())
            .seconds()
            != 0
    {
        eprintln!("note: local zone is not UTC; datetime cases may differ");
    }
    let cases: Vec<Case> =
        serde_json::from_str(include_str!("../../../fixtures/render/toml/output.json")).unwrap();
    let mut failures = Vec::new();
    for c in &cases {
        let got = match parse::parse(c.doc.as_bytes()) {
            Ok(t) => {
                let mut s = String::new();
                dump_table(&mut s, &t);
                s
            }
            Err(e) => format!("error: {e}"),
        };
        if got != c.want {
            failures.push(format!("{:?}\n   got: {got}\n  want: {}", c.doc, c.want));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
