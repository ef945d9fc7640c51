//! Helm's `engine.Render`: every template of a chart and its enabled
//! subcharts, rendered into one map of file name to text.
//!
//! All templates go into one set called `gotpl`, parsed in helm's order
//! (deepest paths first, then path descending, so a parent's `define`
//! beats a subchart's and `_a.tpl` beats `_b.tpl`), then executed in the
//! same order with each chart's own top-level map as dot.

use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::Lookup;
use super::capabilities::Capabilities;
use super::caps_object::capabilities_value;
use super::chart_object::chart_value;
use super::error::{RenderError, exec_error, parse_error};
use super::files::Files;
use super::funcs::{HelmFuncOptions, helm_funcs, strip_no_value};
use super::objects::{named_map, release_value, root_values, sub_values, template_value};
use crate::chart::model::{Chart, Values};
use crate::compat::Compat;
use crate::gotemplate::{Map, MissingKey, Str, Templates, Value};
use crate::sprig::Env;

/// `.Release`.
#[derive(Clone, Debug, PartialEq)]
pub struct ReleaseInfo {
    /// `.Release.Name`.
    pub name: String,
    /// `.Release.Namespace`.
    pub namespace: String,
    /// `.Release.Revision` (a Go `int`).
    pub revision: i64,
    /// `.Release.IsInstall`.
    pub is_install: bool,
    /// `.Release.IsUpgrade`.
    pub is_upgrade: bool,
}

/// Everything a render needs besides the chart and its values.
#[derive(Clone)]
pub struct RenderOptions {
    /// Which helm to imitate.
    pub compat: Compat,
    /// `.Release`.
    pub release: ReleaseInfo,
    /// `.Capabilities`.
    pub capabilities: Capabilities,
    /// `missingkey=error` (helm's lint `--strict`) instead of `zero`.
    pub strict: bool,
    /// The cluster `lookup` asks; `None` makes it return empty maps.
    pub lookup: Option<Rc<dyn Lookup>>,
    /// Randomness and time for Sprig.
    pub env: Env,
    /// `getHostByName` resolves only with `--enable-dns`.
    pub enable_dns: bool,
}

/// The stack size [`on_big_stack`] gives a render: helm allows 1,000
/// nested `include`s of one name, each several executor frames deep.
pub const RENDER_STACK_BYTES: usize = 512 * 1024 * 1024;

/// Runs `f` on a thread with a [`RENDER_STACK_BYTES`] stack and returns
/// its result. Template values are single-threaded (`Rc`), so callers
/// build their [`RenderOptions`] inside `f` and call [`render`] there.
///
/// # Errors
///
/// The thread could not be started (or panicked): its message.
pub fn on_big_stack<T: Send>(f: impl FnOnce() -> T + Send) -> Result<T, String> {
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("render".to_owned())
            .stack_size(RENDER_STACK_BYTES)
            .spawn_scoped(scope, f)
            .map_err(|e| format!("cannot start the render thread: {e}"))?;
        handle
            .join()
            .map_err(|_| "the render thread panicked".to_owned())
    })
}

/// See [`set_short_lived`].
static SHORT_LIVED: AtomicBool = AtomicBool::new(false);

/// Declares whether the process ends right after its render (`rudder
/// template`). Then what a render builds and no longer needs (the parsed
/// templates, the chart's top maps, the chart) is left to the operating
/// system instead of being freed piece by piece: freeing nginx's few
/// thousand template nodes and values cost 4% of `rudder template`
/// (`perf`). Long-lived callers (install, upgrade, tests) keep the
/// default, `false`.
pub fn set_short_lived(yes: bool) {
    SHORT_LIVED.store(yes, Ordering::Relaxed);
}

/// Drops `value`, or forgets it when the process is short-lived (see
/// [`set_short_lived`]).
pub fn discard<T>(value: T) {
    if SHORT_LIVED.load(Ordering::Relaxed) {
        std::mem::forget(value);
    } else {
        drop(value);
    }
}

/// One file to render: its text, its chart's top-level map and the
/// chart's template directory (`.Template.BasePath`).
struct Renderable {
    text: Rc<[u8]>,
    top: Map,
    base_path: String,
}

/// Renders every template of `chart` (dependencies already processed:
/// only enabled subcharts remain) with the coalesced `values`. Keys are
/// `<chart path>/templates/<file>`; `NOTES.txt` files are included;
/// partials (`_*`) are not. `<no value>` is already removed.
///
/// Renders run on the calling thread; deep `include` recursion needs a
/// big stack, see [`on_big_stack`].
///
/// # Errors
///
/// The first parse or execution error, as helm prints it.
pub fn render(
    chart: &Chart,
    values: &Values,
    options: &RenderOptions,
) -> Result<BTreeMap<String, String>, RenderError> {
    let compat = options.compat;
    let funcs = helm_funcs(
        &options.env,
        &HelmFuncOptions {
            compat,
            strict: options.strict,
            lookup: options.lookup.clone(),
            enable_dns: options.enable_dns,
        },
    );
    let mut set = Templates::new("gotpl", funcs);
    set.set_missing_key(if options.strict {
        MissingKey::Error
    } else {
        MissingKey::Zero
    });

    let shared = Shared {
        release: release_value(&options.release),
        capabilities: capabilities_value(&options.capabilities, compat),
        compat,
    };
    let mut templates = BTreeMap::new();
    let root_top = chart_top(
        chart,
        None,
        &Value::Map(root_values(values, compat)),
        &shared,
    );
    collect(
        chart,
        &chart.metadata.name,
        &root_top,
        &shared,
        &mut templates,
    );

    let order = sort_templates(templates.keys());
    for name in &order {
        if let Some(r) = templates.get(name) {
            set.parse(name, &r.text)
                .map_err(|e| parse_error(name, &e, compat))?;
        }
    }

    let mut rendered = BTreeMap::new();
    for name in &order {
        let Some(r) = templates.get(name) else {
            continue;
        };
        if base_name(name).starts_with('_') {
            continue;
        }
        r.top.insert(
            Str::from("Template"),
            template_value(name, &r.base_path, compat),
        );
        let out = set
            .execute(name, Value::Map(r.top.clone()))
            .map_err(|e| exec_error(name, &e, compat))?;
        let text = String::from_utf8_lossy(&strip_no_value(&out)).into_owned();
        rendered.insert(name.clone(), text);
    }
    discard(set);
    discard(templates);
    Ok(rendered)
}

/// What every chart's top map shares.
struct Shared {
    release: Value,
    capabilities: Value,
    compat: Compat,
}

fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// A chart's top-level map (`recAllTpls`' `next`): `.Values` is the root
/// values or the parent's `Values.<name>` table.
fn chart_top(chart: &Chart, parent_top: Option<&Map>, root_values: &Value, shared: &Shared) -> Map {
    let compat = shared.compat;
    let values = match parent_top {
        None => root_values.clone(),
        Some(parent) => {
            let parent_values = match parent.get(b"Values") {
                Some(Value::Map(m)) => m,
                _ => named_map(compat, BTreeMap::new()),
            };
            Value::Map(sub_values(&parent_values, chart.name(), compat))
        }
    };
    let files = chart
        .files
        .iter()
        .map(|f| (f.name.clone(), Rc::from(f.data.as_slice())))
        .collect();
    let mut m = BTreeMap::new();
    m.insert(
        Str::from("Chart"),
        chart_value(&chart.metadata, parent_top.is_none(), compat),
    );
    m.insert(
        Str::from("Files"),
        Value::Object(Rc::new(Files::new(files, compat))),
    );
    m.insert(Str::from("Release"), shared.release.clone());
    m.insert(Str::from("Capabilities"), shared.capabilities.clone());
    m.insert(Str::from("Values"), values);
    m.insert(Str::from("Subcharts"), Value::map(BTreeMap::new()));
    named_map(compat, m)
}

/// `recAllTpls`: the templates of `chart` (at `path`) and of its
/// subcharts, each with its chart's top map; fills `.Subcharts`.
fn collect(
    chart: &Chart,
    path: &str,
    top: &Map,
    shared: &Shared,
    out: &mut BTreeMap<String, Renderable>,
) {
    let subcharts = match top.get(b"Subcharts") {
        Some(Value::Map(m)) => Some(m),
        _ => None,
    };
    for child in &chart.dependencies {
        let child_top = chart_top(child, Some(top), &Value::Invalid, shared);
        if let Some(subs) = &subcharts {
            subs.insert(Str::from(child.name()), Value::Map(child_top.clone()));
        }
        let child_path = format!("{path}/charts/{}", child.name());
        collect(child, &child_path, &child_top, shared, out);
    }
    let library = chart.is_library();
    let base_path = format!("{path}/templates");
    for t in &chart.templates {
        if library && !base_name(&t.name).starts_with('_') {
            continue;
        }
        out.insert(
            join_path(path, &t.name),
            Renderable {
                text: Rc::from(t.data.as_slice()),
                top: top.clone(),
                base_path: base_path.clone(),
            },
        );
    }
}

/// Go's `path.Join(dir, name)` for the clean relative names charts hold.
fn join_path(dir: &str, name: &str) -> String {
    let name = name.trim_start_matches("./");
    format!("{dir}/{name}")
}

/// helm's `sortTemplates`: most `/` first, then path descending.
fn sort_templates<'a>(names: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut v: Vec<String> = names.cloned().collect();
    v.sort_by(|a, b| {
        let (ca, cb) = (a.matches('/').count(), b.matches('/').count());
        cb.cmp(&ca).then_with(|| b.cmp(a))
    });
    v
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    // helm's engine_test.go TestSortTemplates.
    #[test]
    fn sorts_like_helm() {
        let names: Vec<String> = [
            "/mychart/templates/foo.tpl",
            "/mychart/templates/charts/foo/charts/bar/templates/foo.tpl",
            "/mychart/templates/bar.tpl",
            "/mychart/templates/charts/foo/templates/_foo.tpl",
            "/mychart/templates/charts/foo/templates/foo.tpl",
            "/mychart/templates/charts/bar/templates/foo.tpl",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        assert_eq!(
            sort_templates(names.iter()),
            vec![
                "/mychart/templates/charts/foo/charts/bar/templates/foo.tpl",
                "/mychart/templates/charts/foo/templates/foo.tpl",
                "/mychart/templates/charts/foo/templates/_foo.tpl",
                "/mychart/templates/charts/bar/templates/foo.tpl",
                "/mychart/templates/foo.tpl",
                "/mychart/templates/bar.tpl",
            ]
        );
    }
}
