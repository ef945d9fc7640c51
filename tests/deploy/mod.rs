//! `rudder install` / `rudder upgrade` against real helm v4 and v3 (with
//! `--compat v3`) on the real cluster: bad input fails with helm's words
//! and writes nothing; twin releases made and changed by either tool end
//! up equivalent; a CI script behaves the same, exit codes included.

mod bad_input;
mod chart_twins;
mod ci_script;
mod dry_run;
mod interrupt;
mod twins;

use crate::harness::{Out, TestNs, Tool, block_on, cluster};

/// rudder imitating `helm` (v3 through `--compat v3`).
pub fn rudder_as<I, S>(ns: &TestNs, helm: Tool, args: I) -> Out
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    match helm {
        Tool::Helm3 => ns.run_env(Tool::Rudder, args, &[("RUDDER_HELM_COMPAT", "v3")]),
        _ => ns.run(Tool::Rudder, args),
    }
}

/// Runs `tool` (rudder imitating `helm` when it is rudder).
pub fn run_as<I, S>(ns: &TestNs, tool: Tool, helm: Tool, args: I) -> Out
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    match tool {
        Tool::Rudder => rudder_as(ns, helm, args),
        t => ns.run(t, args),
    }
}

/// The `Error:` lines of a run's stderr (usage lines renamed): what the
/// twins must share there. The rest is progress (rudder draws its own),
/// hook logs and warnings.
pub fn errors(stderr: &str) -> String {
    rename(stderr)
        .lines()
        .filter(|l| l.starts_with("Error: "))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// helm names itself in usage lines; nothing else may differ.
pub fn rename(s: &str) -> String {
    s.replace("\"helm ", "\"rudder ")
        .replace("Usage:  helm ", "Usage:  rudder ")
}

/// The ConfigMaps, Services and Deployments in `ns` whose names contain
/// `name`, as `kind/name`: a failed install must leave none.
pub fn objects_named(ns: &str, name: &str) -> Vec<String> {
    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::api::core::v1::{ConfigMap, Service};
    use kube::api::{Api, ListParams};
    block_on(async {
        let client = cluster().admin().await;
        let mut out = Vec::new();
        let lp = ListParams::default();
        let names = |kind: &str, items: Vec<Option<String>>| -> Vec<String> {
            items
                .into_iter()
                .flatten()
                .filter(|n| n.contains(name))
                .map(|n| format!("{kind}/{n}"))
                .collect()
        };
        let cms = Api::<ConfigMap>::namespaced(client.clone(), ns)
            .list(&lp)
            .await
            .expect("list configmaps");
        out.extend(names(
            "ConfigMap",
            cms.items.into_iter().map(|o| o.metadata.name).collect(),
        ));
        let svcs = Api::<Service>::namespaced(client.clone(), ns)
            .list(&lp)
            .await
            .expect("list services");
        out.extend(names(
            "Service",
            svcs.items.into_iter().map(|o| o.metadata.name).collect(),
        ));
        let deps = Api::<Deployment>::namespaced(client, ns)
            .list(&lp)
            .await
            .expect("list deployments");
        out.extend(names(
            "Deployment",
            deps.items.into_iter().map(|o| o.metadata.name).collect(),
        ));
        out
    })
}
