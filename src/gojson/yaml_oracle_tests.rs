//! The YAML reader against sigs.k8s.io/yaml v1.6.0 on go-yaml v2.4.3 (as
//! helm reads values files and rendered manifests): the documents of
//! fixtures/yaml/errors/gen (flow collections left open, and the line
//! breaks libyaml knows besides LF and CR) decode to the same value or
//! fail with the same text.

use super::value::GoValue;
use super::yaml::from_slice_map;

#[derive(serde::Deserialize)]
struct Case {
    doc: String,
    value: Option<serde_json::Value>,
    error: Option<String>,
}

#[test]
fn reads_like_go_yaml() {
    let cases: Vec<Case> =
        serde_json::from_str(include_str!("../../fixtures/yaml/errors/output.json"))
            .expect("oracle output");
    let mut failures = Vec::new();
    for c in &cases {
        let got = from_slice_map(c.doc.as_bytes())
            .map(GoValue::Map)
            .map_err(|e| e.message().to_owned());
        let want = match (&c.value, &c.error) {
            (_, Some(e)) => Err(e.clone()),
            (Some(v), None) => Ok(GoValue::from_json(v)),
            (None, None) => Ok(GoValue::Map(Default::default())),
        };
        if got != want {
            failures.push(format!("{:?}\n   got: {got:?}\n  want: {want:?}", c.doc));
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
