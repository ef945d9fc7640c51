//! Smoke tests that prove the cluster is real: workloads become Ready and
//! Jobs Complete only because the controllers, the scheduler and kwok do
//! their work; RBAC is enforced; pod logs come through the API (kwok serves
//! them); helm v3 and v4 install, upgrade and roll back against it.

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod, Secret};
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kube::api::{Api, ListParams, LogParams, PostParams};
use serde_json::{Value, json};

use crate::harness::{Out, TestNs, Tool, block_on, chart, cluster};

fn status_json(out: Out) -> Value {
    serde_json::from_str(&out.ok().stdout).expect("status -o json")
}

fn job_complete(job: &Job) -> bool {
    job.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c.type_ == "Complete" && c.status == "True")
        })
}

/// Installs the hooks fixture with `--wait --wait-for-jobs` and checks that
/// the release is deployed *because* the cluster did the work: the
/// Deployment has a ready replica (scheduler + kwok), the post-install hook
/// Job completed (job controller + kwok), the pre-install Job was deleted by
/// its hook-succeeded policy.
fn install_waits_for_ready_workloads_and_hook_jobs(tool: Tool) {
    let ns = TestNs::new(&format!("smoke-install-{tool:?}"));
    let wait: &[&str] = &["--wait", "--wait-for-jobs", "--timeout", "2m"];
    let mut args = vec!["install", "hooked"];
    let path = chart("hooks");
    let path = path.to_str().expect("utf-8 path");
    args.push(path);
    args.extend_from_slice(wait);
    ns.run(tool, &args).ok();

    let status = status_json(ns.run(tool, ["status", "hooked", "-o", "json"]));
    assert_eq!(status["info"]["status"], "deployed", "{status}");
    assert_eq!(status["version"], 1);

    block_on(async {
        let client = cluster().admin().await;
        let deploys: Api<Deployment> = Api::namespaced(client.clone(), &ns.name);
        let d = deploys.get("hooked-app").await.expect("deployment");
        let ready = d.status.and_then(|s| s.ready_replicas).unwrap_or(0);
        assert_eq!(ready, 1, "the Deployment's pod became ready");

        let jobs: Api<Job> = Api::namespaced(client, &ns.name);
        let post = jobs
            .get("hooked-post-install-job")
            .await
            .expect("post-install job");
        assert!(
            job_complete(&post),
            "post-install hook Job completed: {post:?}"
        );
        // hook-succeeded deleted the pre-install Job once it had succeeded.
        assert!(
            jobs.get_opt("hooked-pre-install-job")
                .await
                .expect("get")
                .is_none(),
            "pre-install Job deleted by its hook-succeeded policy"
        );
    });

    // The hook results are in the record, as helm stores them.
    let hooks = status["hooks"].as_array().expect("hooks");
    let post = hooks
        .iter()
        .find(|h| h["name"] == "hooked-post-install-job")
        .expect("post-install hook in the record");
    assert_eq!(post["last_run"]["phase"], "Succeeded", "{post}");
}

#[test]
fn helm3_install_waits_for_ready_workloads_and_hook_jobs() {
    install_waits_for_ready_workloads_and_hook_jobs(Tool::Helm3);
}

#[test]
fn helm4_install_waits_for_ready_workloads_and_hook_jobs() {
    install_waits_for_ready_workloads_and_hook_jobs(Tool::Helm4);
}

/// The other side of the same coin: when pods cannot be scheduled, or a hook
/// Job fails, helm's wait really fails. Nothing becomes ready by itself.
fn waits_fail_when_the_cluster_cannot_deliver(tool: Tool) {
    let ns = TestNs::new(&format!("smoke-fail-{tool:?}"));
    let web = chart("web");
    let out = ns
        .run(
            tool,
            [
                "install".as_ref(),
                "stuck".as_ref(),
                web.as_os_str(),
                "--set".as_ref(),
                "unschedulable=true".as_ref(),
                "--wait".as_ref(),
                "--timeout".as_ref(),
                "8s".as_ref(),
            ],
        )
        .failed();
    assert!(
        out.stderr.contains("INSTALLATION FAILED"),
        "unschedulable pods time the wait out: {out}"
    );
    let status = status_json(ns.run(tool, ["status", "stuck", "-o", "json"]));
    assert_eq!(status["info"]["status"], "failed");

    let hooks = chart("hooks");
    let out = ns
        .run(
            tool,
            [
                "install".as_ref(),
                "badhook".as_ref(),
                hooks.as_os_str(),
                "--set".as_ref(),
                "failHook=pre-install".as_ref(),
                "--wait".as_ref(),
                "--timeout".as_ref(),
                "1m".as_ref(),
            ],
        )
        .failed();
    assert!(
        out.stderr.contains("pre-install"),
        "the failing pre-install hook Job fails the install: {out}"
    );
}

#[test]
fn helm3_waits_fail_when_pods_cannot_run() {
    waits_fail_when_the_cluster_cannot_deliver(Tool::Helm3);
}

#[test]
fn helm4_waits_fail_when_pods_cannot_run() {
    waits_fail_when_the_cluster_cannot_deliver(Tool::Helm4);
}

/// Upgrade, then roll back, with the hook Jobs running each time.
fn upgrade_and_rollback(tool: Tool) {
    let ns = TestNs::new(&format!("smoke-upgrade-{tool:?}"));
    let hooks = chart("hooks");
    let hooks = hooks.to_str().expect("utf-8 path");
    ns.run(tool, ["install", "app", hooks, "--wait", "--timeout", "2m"])
        .ok();
    ns.run(
        tool,
        [
            "upgrade",
            "app",
            hooks,
            "--set",
            "message=two",
            "--wait",
            "--timeout",
            "2m",
        ],
    )
    .ok();
    let out = ns
        .run(tool, ["rollback", "app", "1", "--wait", "--timeout", "2m"])
        .ok();
    assert!(out.stdout.contains("Rollback was a success"), "{out}");

    let history: Value =
        serde_json::from_str(&ns.run(tool, ["history", "app", "-o", "json"]).ok().stdout)
            .expect("history json");
    let statuses: Vec<_> = history
        .as_array()
        .expect("array")
        .iter()
        .map(|h| {
            (
                h["revision"].as_i64().unwrap_or(0),
                h["status"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        vec![
            (1, "superseded".to_string()),
            (2, "superseded".to_string()),
            (3, "deployed".to_string())
        ]
    );
    assert_eq!(history[2]["description"], "Rollback to 1");

    block_on(async {
        let client = cluster().admin().await;
        let cms: Api<k8s_openapi::api::core::v1::ConfigMap> = Api::namespaced(client, &ns.name);
        let app = cms.get("app-app").await.expect("app configmap");
        let msg = app.data.and_then(|d| d.get("message").cloned());
        assert_eq!(
            msg.as_deref(),
            Some("hooks"),
            "rolled back to revision 1's values"
        );
        // The pre-rollback hook ConfigMap ran at revision 3.
        let marker = cms
            .get("app-pre-rollback-marker")
            .await
            .expect("pre-rollback marker");
        let rev = marker.data.and_then(|d| d.get("revision").cloned());
        assert_eq!(
            rev.as_deref(),
            Some("1"),
            "rendered from revision 1's record"
        );
    });
}

#[test]
fn helm3_upgrade_and_rollback() {
    upgrade_and_rollback(Tool::Helm3);
}

#[test]
fn helm4_upgrade_and_rollback() {
    upgrade_and_rollback(Tool::Helm4);
}

/// RBAC is really enforced: the restricted user reads Secrets only where a
/// RoleBinding lets it.
#[test]
fn restricted_user_is_forbidden_without_a_role_binding() {
    let allowed = TestNs::new("smoke-rbac-allowed");
    let denied = TestNs::new("smoke-rbac-denied");
    block_on(async {
        let admin = cluster().admin().await;
        let role: Role = serde_json::from_value(json!({
            "metadata": {"name": "read-secrets"},
            "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list", "watch"]}]
        }))
        .expect("role");
        Api::<Role>::namespaced(admin.clone(), &allowed.name)
            .create(&PostParams::default(), &role)
            .await
            .expect("create role");
        let binding: RoleBinding = serde_json::from_value(json!({
            "metadata": {"name": "restricted-reads-secrets"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "read-secrets"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "restricted"}]
        }))
        .expect("binding");
        Api::<RoleBinding>::namespaced(admin, &allowed.name)
            .create(&PostParams::default(), &binding)
            .await
            .expect("create binding");

        let restricted = cluster().client_for("restricted").await;
        let ok: Api<Secret> = Api::namespaced(restricted.clone(), &allowed.name);
        ok.list(&ListParams::default())
            .await
            .expect("restricted user lists Secrets where bound");
        let no: Api<Secret> = Api::namespaced(restricted, &denied.name);
        let err = no
            .list(&ListParams::default())
            .await
            .expect_err("restricted user is forbidden where not bound");
        match err {
            kube::Error::Api(status) => assert_eq!(status.code, 403, "{status:?}"),
            other => panic!("expected 403 Forbidden, got {other}"),
        }
    });

    // helm sees the same thing through its own client.
    for tool in [Tool::Helm3, Tool::Helm4] {
        let out = tool
            .run(["list", "-n", &denied.name, "--kube-context", "restricted"])
            .failed();
        assert!(out.stderr.contains("forbidden"), "{out}");
        tool.run(["list", "-n", &allowed.name, "--kube-context", "restricted"])
            .ok();
    }
}

/// Every fixture chart installs and becomes ready on the real cluster, and
/// each exercises what it exists for.
#[test]
fn fixture_charts_install_and_become_ready() {
    let ns = TestNs::new("smoke-fixtures");
    let install = |name: &str, chart_name: &str, extra: &[&str]| {
        let path = chart(chart_name);
        let mut args = vec![
            "install".to_string(),
            name.to_string(),
            path.to_string_lossy().into_owned(),
            "--wait".into(),
            "--wait-for-jobs".into(),
            "--timeout".into(),
            "2m".into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        ns.helm4(&args).ok()
    };
    install("web", "web", &[]);
    install("crd", "crd", &[]);
    install("keep", "keep", &[]);
    install("db", "stateful", &[]);
    install("job", "job", &[]);
    install("tricky", "tricky-values", &[]);
    install("umbrella", "umbrella", &[]);
    install("big", "big", &[]);

    let out = ns.helm4(["get", "notes", "web"]).ok();
    assert!(
        out.stdout.contains("日本語") && out.stdout.contains("🚀"),
        "{out}"
    );

    block_on(async {
        let client = cluster().admin().await;
        // StatefulSet: pods ready and their claims bound by kwok's volume
        // stages against the default StorageClass.
        let sts = Api::<StatefulSet>::namespaced(client.clone(), &ns.name)
            .get("db-db")
            .await
            .expect("statefulset");
        assert_eq!(sts.status.and_then(|s| s.ready_replicas), Some(2));
        let pvcs = Api::<PersistentVolumeClaim>::namespaced(client.clone(), &ns.name)
            .list(&ListParams::default())
            .await
            .expect("pvcs");
        assert_eq!(pvcs.items.len(), 2);
        for pvc in &pvcs.items {
            let phase = pvc.status.as_ref().and_then(|s| s.phase.as_deref());
            assert_eq!(phase, Some("Bound"), "{:?}", pvc.metadata.name);
        }
        // The plain Job completed (--wait-for-jobs).
        let job = Api::<Job>::namespaced(client.clone(), &ns.name)
            .get("job-job-r1")
            .await
            .expect("job");
        assert!(job_complete(&job));
        // The big release's record is near the 1 MiB limit of a Secret.
        let secret = Api::<Secret>::namespaced(client, &ns.name)
            .get("sh.helm.release.v1.big.v1")
            .await
            .expect("record");
        let size = secret
            .data
            .as_ref()
            .and_then(|d| d.get("release"))
            .map(|b| b.0.len())
            .unwrap_or(0);
        assert!(
            (900_000..1_048_576).contains(&size),
            "big record is {size} bytes, expected just under 1 MiB"
        );
    });

    // The subchart was rendered with the parent's values.
    let manifest = ns.helm4(["get", "manifest", "umbrella"]).ok().stdout;
    assert!(
        manifest.contains("hello from the parent's values"),
        "{manifest}"
    );
    // The custom resource exists, after its CRD from crds/.
    let manifest = ns.helm4(["get", "manifest", "crd"]).ok().stdout;
    assert!(manifest.contains("kind: Widget"));
}

/// What every container on the fake node logs: kwok serves
/// `tests/cluster/container.log` (CRI format: the last line is on stderr)
/// for any pod and container, whatever its command says.
const CONTAINER_LOG: &str = "rudder test cluster: container log served by kwok\n\
    kwok runs no containers, so every container on the fake node logs these three lines\n\
    the last line went to stderr\n";

/// `GET /api/v1/namespaces/NS/pods/NAME/log` works: the API server proxies
/// it to kwok's kubelet endpoint on the node's advertised address and port.
/// helm v4 streams the post-install hook Job's log, as its
/// `helm.sh/hook-output-log-policy: hook-succeeded,hook-failed` asks,
/// through its default logger on stderr (one `level=INFO msg="..."` record
/// per chunk read, newlines escaped as `\n`).
#[test]
fn helm4_hook_logs_come_through_the_pod_log_api() {
    let ns = TestNs::new("smoke-logs");
    let hooks = chart("hooks");
    let hooks = hooks.to_str().expect("utf-8 path");
    let out = ns
        .helm4(["install", "logged", hooks, "--wait", "--timeout", "2m"])
        .ok();
    for line in CONTAINER_LOG.lines() {
        assert!(
            out.stderr.contains(line),
            "helm prints the hook's log ({line:?}): {out}"
        );
    }
    assert!(
        !out.stderr.contains("error outputting logs"),
        "helm fetched the hook's log: {out}"
    );

    block_on(async {
        let pods: Api<Pod> = Api::namespaced(cluster().admin().await, &ns.name);
        let logs_of = |selector: &'static str, container: &'static str| {
            let pods = pods.clone();
            async move {
                let list = pods
                    .list(&ListParams::default().labels(selector))
                    .await
                    .expect("list pods");
                assert_eq!(list.items.len(), 1, "one pod for {selector}");
                let name = list.items[0].metadata.name.clone().expect("pod name");
                let all = LogParams {
                    container: Some(container.into()),
                    ..LogParams::default()
                };
                let tail = LogParams {
                    tail_lines: Some(1),
                    ..all.clone()
                };
                let all = pods.logs(&name, &all).await.expect("pod log");
                let tail = pods.logs(&name, &tail).await.expect("pod log tail");
                (all, tail)
            }
        };
        // The post-install hook Job's pod, kept (no hook-succeeded policy),
        // and the Deployment's running pod.
        for (selector, container) in [
            ("job-name=logged-post-install-job", "hook"),
            ("app.kubernetes.io/component=app", "app"),
        ] {
            let (all, tail) = logs_of(selector, container).await;
            assert_eq!(all, CONTAINER_LOG, "{selector} container {container}");
            assert_eq!(
                tail, "the last line went to stderr\n",
                "tailLines reaches kwok"
            );
        }
    });
}
