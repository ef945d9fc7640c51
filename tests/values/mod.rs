//! Values against real helm v3 and v4: YAML reading, `--set` parsing,
//! user-value merging, dependency processing, coalescing and schema
//! validation. helm runs offline here (`helm template`, client-only
//! dry runs), so these tests need no cluster: only the helm binaries
//! built by `tests/cluster/build.sh`.

mod chart;
mod grid;
mod options;
mod schema;
mod upgrade;
mod yaml;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use rudder::compat::Compat;
use rudder::gojson::GoValue;

/// The helm binaries `tests/cluster/build.sh --env` reports (building
/// them on first use, like the cluster harness).
fn helm_path(compat: Compat) -> PathBuf {
    static PATHS: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    let (h3, h4) = PATHS.get_or_init(|| {
        let out = Command::new(crate::harness::repo_root().join("tests/cluster/build.sh"))
            .arg("--env")
            .output()
            .expect("run tests/cluster/build.sh --env");
        assert!(out.status.success(), "build.sh --env failed: {out:?}");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let get = |k: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{k}=")))
                .map(PathBuf::from)
                .unwrap_or_else(|| panic!("{k} missing from build.sh --env: {text}"))
        };
        (get("HELM3"), get("HELM4"))
    });
    match compat {
        Compat::V3 => h3.clone(),
        Compat::V4 => h4.clone(),
    }
}

/// What a helm run printed.
#[derive(Debug)]
struct HelmOut {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// Runs helm `compat` offline in `dir` with private state directories and
/// no kubeconfig.
fn helm(compat: Compat, dir: &Path, args: &[&str]) -> HelmOut {
    let home = dir.join(format!("home-{compat:?}"));
    let mut cmd = Command::new(helm_path(compat));
    crate::harness::go_env::quiet_gc(&mut cmd);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("HELM_") || k == "KUBECONFIG" {
            cmd.env_remove(k);
        }
    }
    let out = cmd
        .args(args)
        .current_dir(dir)
        .env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_CACHE_HOME", home.join("cache"))
        .env("HELM_DATA_HOME", home.join("data"))
        .env("KUBECONFIG", dir.join("no-kubeconfig"))
        .stdin(Stdio::null())
        .output()
        .expect("run helm");
    HelmOut {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Both helm versions.
const BOTH: [Compat; 2] = [Compat::V3, Compat::V4];

/// Writes a minimal chart named `name` into `dir` whose only template
/// prints `.Values` as JSON on a comment line, the oracle for what
/// templates see.
fn probe_chart(dir: &Path, name: &str, values_yaml: &str) -> PathBuf {
    let chart = dir.join(name);
    std::fs::create_dir_all(chart.join("templates")).expect("mkdir");
    std::fs::write(
        chart.join("Chart.yaml"),
        format!("apiVersion: v2\nname: {name}\nversion: 0.1.0\n"),
    )
    .expect("write Chart.yaml");
    std::fs::write(chart.join("values.yaml"), values_yaml).expect("write values.yaml");
    std::fs::write(chart.join("templates/zz-values.yaml"), PROBE).expect("write probe");
    chart
}

/// The `.Values` JSON line(s) the probe template printed, in order.
fn probe_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("# VALUES "))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad probe JSON {l}: {e}")))
        .collect()
}

/// The probe template: `.Values` as JSON on one line, then one line per
/// leaf (and per map or list, with its length) giving Go's type, which
/// JSON cannot show (int64 from `--set` versus float64 from files).
pub(crate) const PROBE: &str = r#"# VALUES {{ toJson .Values }}
{{- define "probe.walk" -}}
{{- $p := index . 0 -}}{{- $v := index . 1 -}}
{{- if kindIs "map" $v }}
# TYPE {{ $p }} map {{ len $v }}
{{- range $k, $x := $v }}{{ include "probe.walk" (list (printf "%s.%s" $p $k) $x) }}{{ end -}}
{{- else if kindIs "slice" $v }}
# TYPE {{ $p }} slice {{ len $v }}
{{- range $i, $x := $v }}{{ include "probe.walk" (list (printf "%s[%d]" $p $i) $x) }}{{ end -}}
{{- else }}
# TYPE {{ $p }} {{ printf "%T" $v }}
{{- end -}}
{{- end }}
{{ include "probe.walk" (list "" .Values) }}
"#;

/// The `# TYPE` lines of the probe output.
pub(crate) fn probe_types(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .map(str::to_owned)
        .collect()
}

/// The `# TYPE` lines the probe would print for `values`.
fn rudder_types(values: &rudder::chart::model::Values) -> Vec<String> {
    fn walk(path: &str, v: &GoValue, out: &mut Vec<String>) {
        match v {
            GoValue::Map(m) => {
                out.push(format!("{path} map {}", m.len()));
                for (k, x) in m {
                    walk(&format!("{path}.{k}"), x, out);
                }
            }
            GoValue::Array(a) => {
                out.push(format!("{path} slice {}", a.len()));
                for (i, x) in a.iter().enumerate() {
                    walk(&format!("{path}[{i}]"), x, out);
                }
            }
            GoValue::Null => out.push(format!("{path} <nil>")),
            GoValue::Bool(_) => out.push(format!("{path} bool")),
            GoValue::Int(_) => out.push(format!("{path} int64")),
            GoValue::Float(_) => out.push(format!("{path} float64")),
            GoValue::String(_) => out.push(format!("{path} string")),
            GoValue::Struct(_) => out.push(format!("{path} struct")),
        }
    }
    let mut out = Vec::new();
    walk("", &GoValue::Map(values.clone()), &mut out);
    out
}
