//! The record round trip, byte for byte: for every record real helm v3 and
//! helm v4 wrote, decoding it with rudder's codec and encoding it again
//! gives exactly the JSON helm compressed, not just equal JSON. That is
//! what "unknown fields written back unchanged" has to mean when rudder
//! rewrites a record helm wrote (a status change on supersede or
//! uninstall): nothing else in it moves.
//!
//! The JSON is taken out of the Secret independently of rudder (base64 and
//! gunzip here, with the crates directly). The compressed bytes themselves
//! are not compared: Go's `compress/flate` and zlib choose different
//! (equally valid) deflate streams. The gzip header is, since helm's
//! `gzip.NewWriterLevel(BestCompression)` fixes it.

use std::io::Read as _;

use base64::Engine as _;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, ListParams};
use rudder::release::codec;

use crate::harness::{TestNs, Tool, block_on, chart, cluster};

/// Strings that Go escapes (HTML characters, U+2028/U+2029, quotes) and
/// that it writes raw (non-ASCII), for descriptions and values.
const TRICKY: &str = "<b> & \"q\" \u{2028}\u{2029} é 日本 😀 \\ </script>";

/// The releases one helm makes: installs, upgrades, a rollback, hooks that
/// ran (their times recorded), an uninstall that kept history (its deleted
/// time set), awkward values and descriptions.
fn make_releases(ns: &TestNs, tool: Tool, prefix: &str) {
    let web = chart("web").to_string_lossy().into_owned();
    let hooks = chart("hooks").to_string_lossy().into_owned();
    let umbrella = chart("umbrella").to_string_lossy().into_owned();
    let tricky = chart("tricky-values");
    let tricky_values = tricky.join("values.yaml").to_string_lossy().into_owned();
    let tricky = tricky.to_string_lossy().into_owned();
    let name = |base: &str| format!("{prefix}-{base}");
    let message = format!("message={TRICKY}");
    let run = |args: &[&str]| {
        ns.run(tool, args).ok();
    };

    run(&["install", &name("web"), &web, "--description", TRICKY]);
    run(&["upgrade", &name("web"), &web, "--set-string", &message]);
    run(&["upgrade", &name("web"), &web, "--set", "replicas=2"]);
    run(&["rollback", &name("web"), "1"]);
    run(&["install", &name("hooks"), &hooks]);
    run(&[
        "upgrade",
        &name("hooks"),
        &hooks,
        "--set",
        "n=12345678901234567890",
    ]);
    run(&["install", &name("tricky"), &tricky, "-f", &tricky_values]);
    run(&["install", &name("umbrella"), &umbrella]);
    run(&["install", &name("gone"), &web]);
    run(&["uninstall", &name("gone"), "--keep-history"]);
}

/// Every helm record in `ns`: its name and the stored text (base64 of
/// gzip of JSON).
fn records(ns: &str) -> Vec<(String, Vec<u8>)> {
    let secrets = block_on(async {
        let api: Api<Secret> = Api::namespaced(cluster().admin().await, ns);
        api.list(&ListParams::default().labels("owner=helm"))
            .await
            .expect("list")
            .items
    });
    secrets
        .into_iter()
        .map(|s| {
            let name = s.metadata.name.clone().unwrap_or_default();
            let text = s
                .data
                .as_ref()
                .and_then(|d| d.get("release"))
                .map(|b| b.0.clone())
                .unwrap_or_default();
            (name, text)
        })
        .collect()
}

/// base64, then gunzip: the raw gzip bytes and the JSON inside.
fn unpack(text: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let gz = base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("base64");
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut json)
        .expect("gunzip");
    (gz, json)
}

/// Where two byte strings first differ, with some context, for a message
/// that shows the difference in a record of hundreds of kilobytes.
fn first_difference(want: &[u8], got: &[u8]) -> String {
    let at = want
        .iter()
        .zip(got)
        .position(|(a, b)| a != b)
        .unwrap_or(want.len().min(got.len()));
    let context = |b: &[u8]| {
        let start = at.saturating_sub(80);
        let end = (at + 80).min(b.len());
        String::from_utf8_lossy(&b[start..end]).into_owned()
    };
    format!(
        "lengths {} and {}, first difference at byte {at}\n helm:   …{}…\n rudder: …{}…",
        want.len(),
        got.len(),
        context(want),
        context(got)
    )
}

#[test]
fn records_helm_wrote_re_encode_to_the_same_json_bytes() {
    let ns = TestNs::new("roundtrip");
    make_releases(&ns, Tool::Helm3, "h3");
    make_releases(&ns, Tool::Helm4, "h4");

    let mut checked = [0usize; 2];
    let mut escapes_seen = [0usize; 2];
    let mut failures = Vec::new();
    for (name, text) in records(&ns.name) {
        let (gz, helm_json) = unpack(&text);
        let v4 = usize::from(name.contains(".h4-"));
        // The tricky description, as Go escapes it, so the escaper is
        // exercised on what helm itself wrote.
        let text_json = String::from_utf8_lossy(&helm_json);
        if text_json.contains(r#"\u003cb\u003e \u0026 \"q\" \u2028\u2029 é 日本 😀"#) {
            escapes_seen[v4] += 1;
        }
        let release = codec::decode(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let json = codec::to_go_json(&release).expect("to JSON");
        if json != helm_json {
            failures.push(format!("{name}: {}", first_difference(&helm_json, &json)));
        }
        // The whole path: rudder's encoded record unpacks to the same JSON,
        // behind the same gzip header (magic, deflate, no flags, mtime 0,
        // best compression, unknown OS).
        let encoded = codec::encode(&release).expect("encode");
        let (rudder_gz, rudder_json) = unpack(encoded.as_bytes());
        if rudder_json != helm_json {
            failures.push(format!(
                "{name} (encode): {}",
                first_difference(&helm_json, &rudder_json)
            ));
        }
        assert_eq!(rudder_gz[..10], gz[..10], "{name}: gzip header");
        checked[v4] += 1;
    }
    assert!(
        failures.is_empty(),
        "{} of {} records changed in a decode/encode round trip:\n{}",
        failures.len(),
        checked[0] + checked[1],
        failures.join("\n")
    );
    // web: 4 revisions, hooks: 2, tricky: 1, umbrella: 1, gone: 1.
    assert_eq!(checked, [9, 9], "records checked (helm v3, helm v4)");
    // web v1 of each helm has it.
    assert!(
        escapes_seen.iter().all(|&n| n >= 1),
        "the escaped description was not found: {escapes_seen:?}"
    );
}
