//! Property tests of the codec: whatever a record holds, decoding and
//! re-encoding keeps it, members rudder does not know included.

use proptest::prelude::*;
use serde_json::Value;

use super::codec::{decode, decode_to_json, encode, to_go_json};
use super::{Release, Status};

/// Raw JSON text of arbitrary shape, with numbers of any size (as text, so
/// nothing rounds them on the way in).
fn json_text() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        "-?[1-9][0-9]{0,40}".prop_map(|s| s),
        // Exponents stay within f64 range so the test's own comparison can
        // parse them; the raw-text check covers larger numbers as integers.
        "-?[0-9]\\.[0-9]{1,20}(e[+-]?[0-9]{1,2})?".prop_map(|s| s),
        any::<String>().prop_map(|s| serde_json::to_string(&s).unwrap_or_default()),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::btree_map("[a-zA-Z_]{1,8}", inner, 0..6).prop_map(|m| {
                let members: Vec<String> = m
                    .into_iter()
                    .map(|(k, v)| {
                        format!(
                            "{}:{v}",
                            serde_json::to_string(&format!("x_{k}")).unwrap_or_default()
                        )
                    })
                    .collect();
                format!("{{{}}}", members.join(","))
            }),
        ]
    })
}

fn status() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "deployed",
            "failed",
            "superseded",
            "uninstalled",
            "uninstalling",
            "pending-install",
            "pending-upgrade",
            "pending-rollback",
            "unknown",
        ])
        .prop_map(str::to_string),
        "[a-z-]{1,12}",
    ]
}

fn time() -> impl Strategy<Value = Option<String>> {
    prop::option::of(
        (
            1970i32..2100,
            1u8..13,
            1u8..29,
            0u8..24,
            0u8..60,
            0u8..60,
            0u32..1_000_000_000,
            -12i32..14,
            prop::bool::ANY,
        )
            .prop_map(|(y, mo, d, h, mi, s, ns, off, z)| {
                let frac = if ns == 0 {
                    String::new()
                } else {
                    format!(".{}", format!("{ns:09}").trim_end_matches('0'))
                };
                let zone = if z || off == 0 {
                    "Z".to_string()
                } else {
                    format!("{}{:02}:00", if off < 0 { '-' } else { '+' }, off.abs())
                };
                format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{frac}{zone}")
            }),
    )
}

/// A whole record as JSON text: known fields with arbitrary values and
/// unknown members at every level; also the raw text of the unknown
/// top-level member.
fn record() -> impl Strategy<Value = (String, String)> {
    (
        "[a-z0-9][a-z0-9-]{0,20}",
        1i64..100_000,
        status(),
        any::<String>(),
        (time(), time()),
        prop::option::of(json_text()),
        prop::collection::vec((json_text(), any::<i32>(), time()), 0..3),
        json_text(),
        json_text(),
    )
        .prop_map(|(name, version, status, notes, (first, last), config, hooks, extra, chart_extra)| {
            let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
            let t = |t: &Option<String>| t.as_ref().map_or("\"\"".to_string(), |t| q(t));
            let config = config.map_or(String::new(), |c| format!(",\"config\":{{\"v\":{c}}}"));
            let hooks: Vec<String> = hooks
                .iter()
                .enumerate()
                .map(|(i, (x, w, started))| {
                    format!(
                        "{{\"name\":\"h{i}\",\"events\":[\"test\"],\"weight\":{w},\"last_run\":{{\"started_at\":{},\"phase\":\"Succeeded\",\"x_run\":{x}}},\"x_hook\":{x}}}",
                        t(started)
                    )
                })
                .collect();
            let text = format!(
                "{{\"name\":{},\"info\":{{\"first_deployed\":{},\"last_deployed\":{},\"status\":{},\"notes\":{},\"x_info\":{extra}}},\"chart\":{{\"metadata\":{{\"name\":\"c\",\"version\":\"1.0\"}},\"x_chart\":{chart_extra}}}{config},\"hooks\":[{}],\"version\":{version},\"namespace\":\"ns\",\"x_top\":{extra}}}",
                q(&name),
                t(&first),
                t(&last),
                q(&status),
                q(&notes),
                hooks.join(",")
            );
            (text, extra)
        })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        // Failures are reported with their minimal input; no files are
        // written into the source tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Decoding and re-encoding a record changes nothing but what Go's
    /// `omitempty` would never have written (empty notes, no hooks, a zero
    /// weight); zero times keep their spelling (v3's `""`).
    #[test]
    fn records_survive_a_round_trip((text, extra) in record()) {
        let rel: Release = serde_json::from_str(&text).expect("generated records decode");
        let encoded = encode(&rel).expect("encode");
        let back = decode(encoded.as_bytes()).expect("decode");
        let json = decode_to_json(encoded.as_bytes(), Default::default()).expect("json");

        let mut want: Value = serde_json::from_str(&text).expect("json");
        strip_omitted(&mut want);
        let got: Value = serde_json::from_slice(&json).expect("json");
        // Numbers are compared as text: serde_json's Value would round them.
        prop_assert_eq!(canonical(&want), canonical(&got));

        // Unknown members come back as the very text they were read as,
        // numbers of any size included.
        let json_text = String::from_utf8(json.clone()).expect("utf-8");
        let x_top = format!("\"x_top\":{extra}");
        let x_info = format!("\"x_info\":{extra}");
        prop_assert!(json_text.contains(&x_top), "x_top changed");
        prop_assert!(json_text.contains(&x_info), "x_info changed");

        // Encoding is deterministic and stable under a second round trip.
        prop_assert_eq!(encode(&back).expect("encode"), encoded);
        prop_assert_eq!(back.info.status.as_str(), rel.info.status.as_str());
        prop_assert_eq!(back.config.as_ref().map(|c| c.get().to_string()), rel.config.as_ref().map(|c| c.get().to_string()));
    }

    /// Go's escaping is still JSON that means the same string.
    #[test]
    fn go_escaping_is_lossless(s in any::<String>()) {
        let json = to_go_json(&s).expect("json");
        let text = String::from_utf8(json).expect("utf-8");
        prop_assert!(!text.contains('<') && !text.contains('>') && !text.contains('&'));
        prop_assert_eq!(serde_json::from_str::<String>(&text).expect("parse"), s);
    }

    /// Known statuses round-trip; unknown ones are kept verbatim.
    #[test]
    fn statuses_are_kept(s in status()) {
        let parsed = Status::parse(&s);
        prop_assert_eq!(parsed.as_str(), s.as_str());
    }
}

/// What helm (v3 and v4) leaves out when empty, and so does rudder: empty
/// notes, no hooks, a zero weight. The generator writes them anyway.
fn strip_omitted(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|k, v| {
                let empty_notes = k == "notes" && v.as_str() == Some("");
                let no_hooks = k == "hooks" && v.as_array().is_some_and(Vec::is_empty);
                let zero_weight = k == "weight" && v.as_i64() == Some(0);
                !(empty_notes || no_hooks || zero_weight)
            });
            m.values_mut().for_each(strip_omitted);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_omitted),
        _ => {}
    }
}

/// A comparable form of parsed JSON (maps sorted; exact number text is
/// checked separately on the raw members).
fn canonical(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}
