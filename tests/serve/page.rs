//! The web page of `rudder serve` in a real headless Chromium, against the
//! real cluster with releases made by helm v4: what the page shows is
//! compared with helm's own output, and what the page does is checked with
//! helm afterwards. Screenshots of the main views go to
//! `target/artefacts/page/`.

use serde_json::{Value, json};

use super::browser::{Browser, ESCAPE};
use super::client::{OPERATION, SNAPSHOT, Server};
use super::{helm_json, helm_web};
use crate::harness::{TestNs, chart};

/// The table's rows as `{name, namespace, revision, status, label, chart, app, upgrade}`.
const ROWS: &str = r#"
return [...document.querySelectorAll('#releases tbody tr')].map(tr => ({
  name: tr.cells[0].textContent.trim(),
  namespace: tr.cells[1].textContent,
  revision: tr.cells[2].textContent,
  status: tr.querySelector('[data-status]').dataset.status,
  label: tr.cells[3].textContent.trim(),
  chart: tr.cells[4].textContent,
  app: tr.cells[5].textContent,
  upgrade: tr.cells[7].textContent,
  visible: tr.getClientRects().length > 0,
}));"#;

/// Names of the rows shown.
const NAMES: &str = "[...document.querySelectorAll('#releases tbody tr')].map(tr => tr.cells[0].textContent.trim()).join(',')";

fn row<'a>(rows: &'a Value, name: &str) -> &'a Value {
    rows.as_array()
        .and_then(|r| r.iter().find(|r| r["name"] == name))
        .unwrap_or_else(|| panic!("no row {name} in {rows}"))
}

/// Waits for the row `name` to show `revision` and `status`; those rows.
pub fn wait_row(b: &Browser, name: &str, revision: &str, status: &str) -> Value {
    b.wait(
        &format!("{name} at revision {revision} {status}"),
        &ROWS.replace(
            "}));",
            &format!(
                "}})).filter(r => r.name === {n} && r.revision === {r} && r.status === {s});",
                n = json!(name),
                r = json!(revision),
                s = json!(status)
            ),
        ),
        json!([]),
    )
}

fn panel_text(b: &Browser, tab: &str, css: &str) -> String {
    b.click(&format!("#tab-{tab}"));
    b.wait(
        &format!("the {tab} tab"),
        "const p = document.getElementById('panel'); if (p.dataset.tab !== arguments[0] || p.hasAttribute('aria-busy')) return null; const e = p.querySelector(arguments[1]); return e && e.textContent;",
        json!([tab, css]),
    )
    .as_str()
    .unwrap_or_default()
    .to_string()
}

/// Waits for a notification of `role` (`status` or `alert`) containing
/// `text`; its whole text.
pub fn wait_toast(b: &Browser, role: &str, text: &str) -> String {
    b.wait_up_to(
        OPERATION,
        &format!("a {role} notification with {text:?}"),
        "return [...document.querySelectorAll('#toasts .toast')].filter(t => t.getAttribute('role') === arguments[0]).map(t => t.textContent).find(t => t.includes(arguments[1])) || null",
        json!([role, text]),
    )
    .as_str()
    .unwrap_or_default()
    .to_string()
}

/// Logs in through `/auth?token=` and waits for the first snapshot.
pub fn open(b: &Browser, s: &Server, token: &str) {
    // The login URL the server prints: it sets the cookie and sends the
    // browser to `/`, where the token is no longer in the address.
    b.goto(&format!("http://{}/auth?token={token}", s.addr));
    let url = b.js("return location.href", json!([]));
    assert_eq!(url, format!("http://{}/", s.addr));
    b.wait_up_to(
        SNAPSHOT,
        "the first snapshot",
        "return document.body.dataset.synced === 'true'",
        json!([]),
    );
}

/// `helm list -o json`, as `row` reads it.
fn helm_list_now(ns: &TestNs) -> Value {
    helm_json(ns, &["list", "-o", "json"])
}

fn helm_revisions(ns: &TestNs, name: &str) -> Vec<Value> {
    helm_json(ns, &["history", name, "-o", "json"])
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn page_lists_follows_and_operates_on_helm_releases() {
    let ns = TestNs::new("page-flows");
    helm_web(&ns, "web", "one");
    helm_web(&ns, "api", "hello");
    let web = chart("web").to_string_lossy().into_owned();
    ns.helm4([
        "install",
        "broken",
        &web,
        "--set",
        "unschedulable=true",
        "--wait",
        "--timeout",
        "2s",
    ])
    .failed();
    let s = Server::start(&ns, &[], &[]);
    let b = Browser::start(1280, 800);
    open(&b, &s, &s.token);

    // The table holds what helm lists, with a text label on every status.
    let helm_list = helm_json(&ns, &["list", "-o", "json"]);
    let rows = b.wait(
        "three rows",
        &ROWS.replace("}));", "})).filter((r, _, all) => all.length === 3);"),
        json!([]),
    );
    for h in helm_list.as_array().expect("helm list") {
        let r = row(&rows, h["name"].as_str().unwrap_or("?"));
        assert_eq!(r["namespace"], h["namespace"]);
        assert_eq!(r["revision"], h["revision"]);
        assert_eq!(r["status"], h["status"]);
        assert!(
            r["label"]
                .as_str()
                .is_some_and(|l| l.ends_with(h["status"].as_str().unwrap_or("?"))),
            "the status is written out: {r}"
        );
        assert_eq!(r["chart"], h["chart"]);
        assert_eq!(r["app"], h["app_version"]);
        assert_eq!(r["visible"], true);
    }
    assert_eq!(row(&rows, "broken")["status"], "failed");
    let count = b.js(
        "return document.getElementById('count').textContent",
        json!([]),
    );
    assert_eq!(count, "Showing 3 of 3 releases");
    b.screenshot("list");

    // A helm upgrade elsewhere shows up without a reload: a marker set on
    // the window survives, and no request but the event stream was made.
    b.js(
        "performance.setResourceTimingBufferSize(10000); window.__sameDocument = 1; window.__fetches = performance.getEntriesByType('resource').length",
        json!([]),
    );
    helm_web(&ns, "web", "two");
    wait_row(&b, "web", "2", "deployed");
    assert_eq!(
        b.js("return window.__sameDocument", json!([])),
        1,
        "the page reloaded"
    );
    assert_eq!(
        b.js(
            "return performance.getEntriesByType('resource').length - window.__fetches",
            json!([])
        ),
        0,
        "the change came over the open event stream, not a new request"
    );

    // Filters: status, search over name and chart, clear.
    b.click("#f-status option[value=failed]");
    b.wait(
        "only the failed release",
        &format!("return ({NAMES}) === 'broken'"),
        json!([]),
    );
    assert_eq!(
        b.js(
            "return document.getElementById('count').textContent",
            json!([])
        ),
        "Showing 1 of 3 releases"
    );
    b.click("#f-status option[value='']");
    b.type_into("#f-search", "ap");
    b.wait(
        "only api",
        &format!("return ({NAMES}) === 'api'"),
        json!([]),
    );
    b.clear("#f-search");
    b.type_into("#f-search", "web-0.1");
    b.wait(
        "every release by its chart",
        &format!("return ({NAMES}) === 'api,broken,web'"),
        json!([]),
    );
    b.type_into("#f-search", "x");
    b.wait(
        "nothing matches",
        "return document.getElementById('empty').textContent === 'No release matches the filters.'",
        json!([]),
    );
    b.click("#f-clear");
    b.wait(
        "all rows again",
        &format!("return ({NAMES}) === 'api,broken,web'"),
        json!([]),
    );

    // Details: every tab against helm.
    b.click("#releases tr[data-key$='/web'] button.open");
    let status = helm_json(&ns, &["status", "web", "-o", "json"]);
    let info = panel_text(&b, "info", ".facts");
    assert!(
        info.contains(&format!("Revision{}", status["version"]))
            && info.contains(&format!(
                "Chart{}",
                row(&helm_list_now(&ns), "web")["chart"]
                    .as_str()
                    .unwrap_or("?")
            )),
        "{info}"
    );
    assert!(
        info.contains(status["info"]["description"].as_str().unwrap_or("?")),
        "{info}"
    );
    let notes = panel_text(&b, "info", ".notes");
    assert_eq!(notes, status["info"]["notes"].as_str().unwrap_or("?"));
    let manifest = panel_text(&b, "manifest", ".manifest");
    assert_eq!(
        format!("{manifest}\n"),
        ns.helm4(["get", "manifest", "web"]).ok().stdout
    );
    let values = panel_text(&b, "values", ".values");
    assert_eq!(
        values,
        ns.helm4(["get", "values", "web", "-o", "yaml"]).ok().stdout
    );
    b.click("#values-all");
    let all = b.wait(
        "computed values",
        "const p = document.querySelector('#panel .values'); return document.getElementById('values-all').checked && !document.getElementById('panel').hasAttribute('aria-busy') && p && p.textContent",
        json!([]),
    );
    assert_eq!(
        all.as_str().unwrap_or("?"),
        ns.helm4(["get", "values", "web", "-a", "-o", "yaml"])
            .ok()
            .stdout
    );
    panel_text(&b, "history", "table.history");
    let history = b.js(
        "return [...document.querySelectorAll('#panel tr[data-revision]')].map(tr => [tr.cells[0].textContent, tr.querySelector('[data-status]').dataset.status, tr.cells[3].textContent, tr.cells[5].textContent])",
        json!([]),
    );
    let want: Vec<Value> = helm_revisions(&ns, "web")
        .iter()
        .rev()
        .map(|h| {
            json!([
                h["revision"].to_string(),
                h["status"],
                h["chart"],
                h["description"]
            ])
        })
        .collect();
    assert_eq!(history, Value::Array(want));
    let resources = panel_text(&b, "resources", "table.resources");
    assert!(resources.contains("ConfigMap"), "{resources}");
    assert!(resources.contains("Deployment"), "{resources}");
    b.click("#tab-info");
    panel_text(&b, "info", ".facts");
    b.screenshot("details");

    // Rollback from History, behind a confirmation that Esc dismisses.
    panel_text(&b, "history", "table.history");
    let ops_seen = "window.__ops = []; new MutationObserver(() => { const t = document.getElementById('operations').textContent; if (t) window.__ops.push(t); }).observe(document.getElementById('operations'), {childList: true, subtree: true, characterData: true});";
    b.js(ops_seen, json!([]));
    b.click("#panel tr[data-revision='1'] button.rollback");
    let dialog = b.wait(
        "the rollback dialog",
        "const d = document.getElementById('rollback-dialog'); return d.open && d.textContent",
        json!([]),
    );
    let dialog = dialog.as_str().unwrap_or("");
    assert!(dialog.contains("web"), "{dialog}");
    assert!(dialog.contains("2 → 1"), "{dialog}");
    assert!(dialog.contains("web-0.1.0"), "{dialog}");
    b.screenshot("rollback-dialog");
    b.type_into("#rb-cancel", ESCAPE);
    b.wait(
        "the dialog closed",
        "return !document.getElementById('rollback-dialog').open",
        json!([]),
    );
    assert_eq!(helm_revisions(&ns, "web").len(), 2, "Esc rolled back");
    b.click("#panel tr[data-revision='1'] button.rollback");
    b.click("#rb-confirm");
    let done = wait_toast(&b, "status", "rollback of web succeeded");
    assert!(done.contains("Rollback was a success!"), "{done}");
    let history = helm_revisions(&ns, "web");
    assert_eq!(history[2]["description"], "Rollback to 1", "{history:?}");
    wait_row(&b, "web", "3", "deployed");
    let ops = b.js("return window.__ops.join('\\n')", json!([]));
    assert!(
        ops.as_str().is_some_and(|o| o.contains("rollback")),
        "no progress shown: {ops}"
    );

    // An error notification: recover of a healthy release fails with the
    // CLI's own message.
    b.click("#do-recover");
    let cli = ns.rudder(["recover", "web"]).failed();
    let message = cli.stderr.trim().trim_start_matches("Error: ").to_string();
    let alert = wait_toast(&b, "alert", "recover of web failed");
    assert!(alert.contains(&message), "{alert} lacks {message}");

    // The details view has its own address: the browser's Back button
    // returns to the list (same document, no reload).
    assert_eq!(
        b.js("return location.hash", json!([])),
        format!("#/{}/web", ns.name)
    );
    b.back();
    b.wait(
        "the list after Back",
        "return !document.getElementById('list-view').hidden && document.getElementById('details-view').hidden && window.__sameDocument === 1",
        json!([]),
    );

    // Uninstall with a warning and keep-history.
    b.click("#releases tr[data-key$='/api'] button.open");
    b.click("#do-uninstall");
    let warning = b.wait(
        "the uninstall dialog",
        "const d = document.getElementById('uninstall-dialog'); return d.open && d.querySelector('.warning').textContent",
        json!([]),
    );
    assert!(
        warning.as_str().is_some_and(|w| w.contains("api")),
        "{warning}"
    );
    b.click("#un-keep");
    b.click("#un-confirm");
    wait_toast(&b, "status", "uninstall of api succeeded");
    let gone = helm_json(&ns, &["list", "--uninstalled", "-o", "json"]);
    assert_eq!(gone[0]["name"], "api", "{gone}");
    b.click("#back");
    wait_row(&b, "api", "1", "uninstalled");
}

#[test]
fn read_only_page_in_a_narrow_window_has_no_mutating_buttons() {
    let ns = TestNs::new("page-ro");
    helm_web(&ns, "web", "one");
    helm_web(&ns, "web", "two");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("token");
    let token = "page-token-from-a-file-0123456789";
    std::fs::write(&file, format!("{token}\n")).expect("token file");
    let s = Server::start(
        &ns,
        &["--read-only", "--token-file", &file.to_string_lossy()],
        &[],
    );

    // What the page is served with.
    let auth = format!("Bearer {token}");
    let page = s.raw("GET", "/", &[("Authorization", &auth)], b"");
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-security-policy")
            .is_some_and(|c| c.starts_with("default-src 'self'")),
        "{page:?}"
    );
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert!(
        page.body
            .contains(&format!("<meta name=\"rudder-token\" content=\"{token}\">"))
    );
    assert_eq!(s.raw("GET", "/", &[], b"").status, 401);
    for asset in ["/assets/app.js", "/assets/list.js", "/assets/app.css"] {
        let a = s.raw("GET", asset, &[("Authorization", &auth)], b"");
        assert_eq!(a.status, 200, "{asset}");
        assert!(a.header("content-security-policy").is_some(), "{asset}");
    }
    for missing in [
        "/assets/nope.js",
        "/assets/..%2Fpage.rs",
        "/assets/%2e%2e%2fmod.rs",
    ] {
        let a = s.raw("GET", missing, &[("Authorization", &auth)], b"");
        assert_eq!(a.status, 404, "{missing}: {a:?}");
    }
    assert_eq!(s.raw("GET", "/assets/app.js", &[], b"").status, 401);
    let config = s
        .raw("GET", "/api/v1/config", &[("Authorization", &auth)], b"")
        .json();
    assert_eq!(config["read_only"], true);
    assert_eq!(config["namespace"], ns.name.as_str());

    let b = Browser::start(400, 800);
    open(&b, &s, token);
    let rows = wait_row(&b, "web", "2", "deployed");
    assert_eq!(row(&rows, "web")["visible"], true, "{rows}");
    let width = b.js(
        "return [document.documentElement.scrollWidth, window.innerWidth]",
        json!([]),
    );
    assert_eq!(width[1], 400, "the viewport is 400 px wide");
    assert!(
        width[0].as_i64() <= width[1].as_i64(),
        "the page scrolls sideways at 400 px: {width}"
    );
    assert_eq!(
        b.js(
            "return document.getElementById('readonly-badge').hidden",
            json!([])
        ),
        false
    );
    b.screenshot("narrow");
    b.click("#releases tr[data-key$='/web'] button.open");
    panel_text(&b, "history", "table.history");
    let mutating = b.js(
        "return [...document.querySelectorAll('button')].filter(b => b.getClientRects().length > 0).map(b => b.textContent).filter(t => /upgrade|uninstall|recover|roll back/i.test(t))",
        json!([]),
    );
    assert_eq!(mutating, json!([]), "mutating buttons on a read-only page");
    // Keyboard: the tabs are real buttons; an arrow key moves to the next
    // one and shows it.
    b.type_into("#tab-history", "\u{E014}");
    b.wait(
        "the resources tab by keyboard",
        "const p = document.getElementById('panel'); return document.activeElement.id === 'tab-resources' && p.dataset.tab === 'resources' && !p.hasAttribute('aria-busy')",
        json!([]),
    );
}
