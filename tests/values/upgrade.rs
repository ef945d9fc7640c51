//! `values::upgrade::reuse_values` against real `helm upgrade` on the test
//! cluster: a release is installed by helm, then upgraded by helm to
//! another chart version with each values mode in dry-run; the `config`
//! helm would store and the `.Values` its templates see are compared with
//! what rudder computes from the stored release.

use rudder::chart::model::Values;
use rudder::compat::Compat;
use rudder::gojson::GoValue;
use rudder::values::options::DefaultReader;
use rudder::values::upgrade::{ValuesMode, reuse_values};
use rudder::values::{ValueOptions, coalesce_values, process_dependencies};

use super::{BOTH, probe_chart, probe_lines};
use crate::harness::{TestNs, Tool};

fn map(v: &serde_json::Value) -> Values {
    match GoValue::from_json(v) {
        GoValue::Map(m) => m,
        _ => Values::new(),
    }
}

fn json(v: &Values) -> serde_json::Value {
    serde_json::from_str(&rudder::gojson::to_json(&GoValue::Map(v.clone())).expect("json"))
        .expect("reparse")
}

#[test]
fn upgrade_values_modes_match_helm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let old_dir = dir.path().join("old");
    let new_dir = dir.path().join("new");
    std::fs::create_dir_all(&old_dir).expect("mkdir");
    std::fs::create_dir_all(&new_dir).expect("mkdir");
    let old = probe_chart(
        &old_dir,
        "app",
        "a: 1\nshared: {x: old, y: old}\nnullable: {k: 1}\nlist: [1, 2]\n",
    );
    let new = probe_chart(
        &new_dir,
        "app",
        "a: 2\nshared: {x: new, z: new}\nadded: true\nlist: [3]\n",
    );
    let installs: &[&[&str]] = &[&["--set", "a=10,shared.y=user,nullable.k=null,user=1"]];
    let upgrades: &[&[&str]] = &[&[], &["--set", "user=null,shared.x=cli,fresh=1"]];
    let modes = [
        (ValuesMode::Default, None),
        (ValuesMode::Reuse, Some("--reuse-values")),
        (ValuesMode::Reset, Some("--reset-values")),
        (
            ValuesMode::ResetThenReuse,
            Some("--reset-then-reuse-values"),
        ),
    ];
    let mut failures = Vec::new();
    let mut compared = 0;
    for compat in BOTH {
        let tool = match compat {
            Compat::V3 => Tool::Helm3,
            Compat::V4 => Tool::Helm4,
        };
        for install in installs {
            let ns = TestNs::new("values-upgrade");
            let mut args = vec!["install", "rel", old.to_str().expect("utf8")];
            args.extend(install.iter().copied());
            ns.run(tool, &args).ok();
            let stored = ns.run(tool, ["get", "values", "rel", "-o", "json"]).ok();
            let old_config = map(&serde_json::from_str(&stored.stdout).expect("stored config"));
            let old_chart = super::chart::load(&old, compat);
            for upgrade in upgrades {
                for (mode, flag) in modes {
                    let mut args = vec![
                        "upgrade",
                        "rel",
                        new.to_str().expect("utf8"),
                        "--dry-run=server",
                        "-o",
                        "json",
                    ];
                    args.extend(flag);
                    args.extend(upgrade.iter().copied());
                    let out = ns.run(tool, &args).ok();
                    let rel: serde_json::Value =
                        serde_json::from_str(&out.stdout).expect("release json");
                    let helm_config = rel
                        .get("config")
                        .cloned()
                        .unwrap_or(serde_json::Value::Null);
                    let helm_values =
                        probe_lines(rel.get("manifest").and_then(|m| m.as_str()).unwrap_or(""));

                    let mut opts = ValueOptions::default();
                    for pair in upgrade.chunks(2) {
                        opts.values.push(pair[1].to_owned());
                    }
                    let new_vals = opts
                        .merge(&DefaultReader::default(), compat)
                        .expect("merge");
                    let mut chart = super::chart::load(&new, compat);
                    let config =
                        reuse_values(mode, &mut chart, &old_chart, &old_config, new_vals, compat)
                            .expect("reuse");
                    process_dependencies(&mut chart, &config, compat).expect("deps");
                    let rendered = coalesce_values(&chart, &config, compat).expect("coalesce");
                    compared += 1;
                    let ours_config = json(&config);
                    // helm stores no config at all (`null`) for an empty map.
                    let config_same =
                        ours_config == helm_config || (config.is_empty() && helm_config.is_null());
                    if !config_same || helm_values.first() != Some(&json(&rendered)) {
                        failures.push(format!(
                            "{compat:?} {mode:?} {upgrade:?}\n  config rudder {ours_config}\n  config helm   {helm_config}\n  values rudder {}\n  values helm   {:?}",
                            json(&rendered),
                            helm_values
                        ));
                    }
                }
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
