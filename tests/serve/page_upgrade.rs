//! The page's upgrade form in headless Chromium, against a real chart
//! repository (`chartsrv`) holding two versions of the `web` fixture: the
//! upgrade-available mark and the versions are the ones helm's own
//! `search repo` finds; the preview shows the values and manifest diffs;
//! bad values are refused in the form; the upgrade with a changed value is
//! read back with helm v4.

use serde_json::{Value, json};

use super::browser::Browser;
use super::from_repo::{serve_release_from_repo, web_at};
use super::helm_json;
use super::page::{open, wait_row, wait_toast};
use crate::harness::{Home, TestNs, Tool};

#[test]
fn page_upgrades_with_a_changed_value_after_a_preview() {
    let ns = TestNs::new("page-up");
    let home = Home::new();
    let tmp = tempfile::tempdir().expect("tempdir");
    let (v1, v2) = (
        web_at(tmp.path(), "0.1.0", &[]),
        web_at(tmp.path(), "0.2.0", &[]),
    );
    let s = serve_release_from_repo(&ns, &home, "page-up", &[&v1, &v2], "message=first");
    let searched = home.run(
        Tool::Helm4,
        ["search", "repo", "srv/web", "--versions", "-o", "json"],
    );
    let searched: Value = serde_json::from_str(&searched.ok().stdout).expect("search json");
    let helm_versions: Vec<Value> = searched
        .as_array()
        .expect("array")
        .iter()
        .map(|e| e["version"].clone())
        .collect();
    assert_eq!(helm_versions, [json!("0.2.0"), json!("0.1.0")]);

    let b = Browser::start(1280, 800);
    open(&b, &s, &s.token);
    let rows = wait_row(&b, "w", "1", "deployed");
    assert_eq!(rows[0]["chart"], "web-0.1.0");
    // The mark arrives live (availability is checked in the background).
    let mark = b.wait(
        "the upgrade-available mark",
        "const m = document.querySelector('#releases tr[data-key$=\"/w\"] .upgrade-mark'); return m && m.textContent",
        json!([]),
    );
    assert_eq!(mark, "upgrade available → 0.2.0");

    b.click("#releases tr[data-key$='/w'] button.open");
    b.click("#do-upgrade");
    let options = b.wait(
        "the versions",
        "return [...document.querySelectorAll('#up-version option')].map(o => o.value)",
        json!([]),
    );
    assert_eq!(options, Value::Array(helm_versions));
    assert_eq!(
        b.js(
            "return document.getElementById('up-reuse').checked",
            json!([])
        ),
        true,
        "reuse-values is on by default"
    );

    // Bad YAML: refused in the form, nothing written.
    b.click("#up-version option[value='0.2.0']");
    b.type_into("#up-values", "message: [unclosed\n");
    b.click("#up-plan");
    let err = b.wait(
        "the form's error",
        "const e = document.getElementById('up-error'); return !e.hidden && e.textContent",
        json!([]),
    );
    assert!(!err.as_str().unwrap_or("").is_empty());
    assert_eq!(
        helm_json(&ns, &["history", "w", "-o", "json"])
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    // The preview: the value and the chart change, in both diffs.
    b.clear("#up-values");
    b.type_into("#up-values", "message: second\n");
    b.click("#up-plan");
    let diffs = b.wait(
        "the preview",
        "return !document.getElementById('up-preview').hidden && [document.getElementById('up-values-diff').textContent, document.getElementById('up-manifest-diff').textContent]",
        json!([]),
    );
    let (vd, md) = (
        diffs[0].as_str().unwrap_or(""),
        diffs[1].as_str().unwrap_or(""),
    );
    assert!(
        vd.contains("- message: first") && vd.contains("+ message: second"),
        "{vd}"
    );
    assert!(md.contains("+   message: second"), "{md}");
    assert!(md.contains("web-0.2.0"), "{md}");
    b.screenshot("upgrade-preview");

    b.click("#up-confirm");
    let done = wait_toast(&b, "status", "upgrade of w succeeded");
    assert!(done.contains("has been upgraded"), "{done}");
    let h = helm_json(&ns, &["history", "w", "-o", "json"]);
    assert_eq!(h[1]["chart"], "web-0.2.0", "{h}");
    assert_eq!(
        helm_json(&ns, &["get", "values", "w", "-o", "json"]),
        json!({"message": "second"})
    );
    let rows = wait_row(&b, "w", "2", "deployed");
    assert_eq!(rows[0]["chart"], "web-0.2.0");
    // On the newest version now: the mark goes once availability says so.
    b.wait(
        "the mark gone",
        "return document.querySelector('#releases tr[data-key$=\"/w\"]') && !document.querySelector('#releases tr[data-key$=\"/w\"] .upgrade-mark')",
        json!([]),
    );
}
