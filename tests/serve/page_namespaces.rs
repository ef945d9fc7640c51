//! The page's namespace filter on an `-A` server, in headless Chromium:
//! releases made by helm in two namespaces of this test (other tests'
//! releases are served too, so only rows of these two are looked at).

use serde_json::{Value, json};

use super::browser::Browser;
use super::client::Server;
use super::page::open;
use super::{helm_json, helm_web};
use crate::harness::TestNs;

/// `namespace/name` of every row shown in `arguments[0]` or `arguments[1]`.
const OURS: &str = "return [...document.querySelectorAll('#releases tbody tr')].map(tr => tr.dataset.key).filter(k => k.startsWith(arguments[0] + '/') || k.startsWith(arguments[1] + '/')).sort().join(',')";

/// The keys helm lists in `ns`, as the page keys rows.
fn helm_keys(ns: &TestNs) -> Vec<String> {
    helm_json(ns, &["list", "-o", "json"])
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| format!("{}/{}", ns.name, r["name"].as_str().unwrap_or("?")))
        .collect()
}

fn wait_ours(b: &Browser, what: &str, a: &TestNs, z: &TestNs, want: &[String]) {
    let mut want = want.to_vec();
    want.sort();
    let want = want.join(",");
    b.wait(
        what,
        &format!(
            "return ({}) === arguments[2]",
            OURS.trim_start_matches("return ")
        ),
        json!([a.name, z.name, want]),
    );
}

fn shown_count(b: &Browser) -> Value {
    b.js(
        "return document.getElementById('count').textContent",
        json!([]),
    )
}

#[test]
fn page_namespace_filter_on_an_all_namespaces_server() {
    let a = TestNs::new("page-ns-a");
    let z = TestNs::new("page-ns-z");
    helm_web(&a, "web", "a");
    helm_web(&z, "web", "z");
    helm_web(&z, "api", "z");
    let s = Server::start(&a, &["-A"], &[]);
    let b = Browser::start(1280, 800);
    open(&b, &s, &s.token);

    let (in_a, in_z) = (helm_keys(&a), helm_keys(&z));
    assert_eq!((in_a.len(), in_z.len()), (1, 2), "{in_a:?} {in_z:?}");
    let both: Vec<String> = in_a.iter().chain(&in_z).cloned().collect();
    wait_ours(&b, "both namespaces' releases", &a, &z, &both);
    // Both namespaces are among the filter's choices.
    let choices = b.js(
        "return [...document.querySelectorAll('#f-namespace option')].map(o => o.value)",
        json!([]),
    );
    for ns in [&a.name, &z.name] {
        assert!(
            choices.as_array().is_some_and(|c| c.contains(&json!(ns))),
            "{ns} not offered: {choices}"
        );
    }

    // One namespace: only its rows, every row of it, and the count says so.
    b.click(&format!("#f-namespace option[value='{}']", z.name));
    wait_ours(&b, "only the second namespace", &a, &z, &in_z);
    let others = b.js(
        "return [...document.querySelectorAll('#releases tbody tr')].filter(tr => tr.cells[1].textContent !== arguments[0]).length",
        json!([z.name]),
    );
    assert_eq!(others, 0, "a row of another namespace is shown");
    let count = shown_count(&b);
    assert!(
        count
            .as_str()
            .is_some_and(|c| c.starts_with(&format!("Showing {} of ", in_z.len()))),
        "{count}"
    );
    b.screenshot("namespace-filter");

    // "all": both again.
    b.click("#f-namespace option[value='']");
    wait_ours(&b, "both namespaces after all", &a, &z, &both);

    // Clear filters resets a chosen namespace (and the search).
    b.click(&format!("#f-namespace option[value='{}']", a.name));
    wait_ours(&b, "only the first namespace", &a, &z, &in_a);
    b.type_into("#f-search", "web");
    b.click("#f-clear");
    wait_ours(&b, "both namespaces after clear", &a, &z, &both);
    assert_eq!(
        b.js(
            "return [document.getElementById('f-namespace').value, document.getElementById('f-search').value]",
            json!([])
        ),
        json!(["", ""])
    );
}
