//! A matrix of releases in every state, built once per test run by the real
//! helm v3 and v4 CLIs on the real cluster, for the compatibility tests to
//! read with helm and with rudder.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::api::{Api, ListParams};

use crate::harness::{TestNs, Tool, block_on, chart, cluster};

/// The releases one helm version made.
pub struct Matrix {
    /// The helm that made them.
    pub helm: Tool,
    /// `3` or `4`.
    pub major: u8,
    /// Where most releases live.
    pub ns: TestNs,
    /// A second namespace, for `-A`.
    pub other: TestNs,
    /// Releases stored with the ConfigMap driver.
    pub cm: TestNs,
}

impl Matrix {
    /// A release name of this matrix: `c3-web`, `c4-web`, ...
    pub fn name(&self, base: &str) -> String {
        format!("c{}-{base}", self.major)
    }

    /// The regex matching every release of this matrix.
    pub fn filter(&self) -> String {
        format!("^c{}-", self.major)
    }
}

/// The helm v3 matrix.
pub fn v3() -> &'static Matrix {
    static M: OnceLock<Matrix> = OnceLock::new();
    M.get_or_init(|| build(Tool::Helm3, 3))
}

/// The helm v4 matrix.
pub fn v4() -> &'static Matrix {
    static M: OnceLock<Matrix> = OnceLock::new();
    M.get_or_init(|| build(Tool::Helm4, 4))
}

/// Both matrices. The first caller builds them side by side: each build
/// spends most of its minute waiting on helm's waits and timeouts, while
/// every compat test blocks on it.
pub fn both() -> [&'static Matrix; 2] {
    std::thread::scope(|s| {
        let four = s.spawn(v4);
        let three = v3();
        [three, four.join().expect("the helm v4 matrix")]
    })
}

fn path(name: &str) -> String {
    chart(name).to_string_lossy().into_owned()
}

fn build(helm: Tool, major: u8) -> Matrix {
    let m = Matrix {
        helm,
        major,
        ns: TestNs::new(&format!("compat-v{major}")),
        other: TestNs::new(&format!("compat-v{major}-other")),
        cm: TestNs::new(&format!("compat-v{major}-cm")),
    };
    let n = |b: &str| m.name(b);
    let ns = m.ns.name.clone();
    let run = |args: &[&str]| {
        let mut full: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        full.extend(["-n".to_string(), ns.clone()]);
        helm.run(&full)
    };
    let web = path("web");
    // helm v3 sorts `list -d` by whole seconds and leaves ties in Go map
    // order, which is random; keep the v3 releases a second apart so that
    // order is defined. (v4 breaks ties by name, as rudder does.)
    let settle = || {
        if major == 3 {
            std::thread::sleep(Duration::from_millis(1100));
        }
    };

    // deployed at revision 2, revision 1 superseded
    run(&["install", &n("web"), &web]).ok();
    run(&["upgrade", &n("web"), &web, "--set", "message=two"]).ok();
    settle();
    // failed: pods never schedule, the wait times out
    run(&[
        "install",
        &n("failed"),
        &web,
        "--set",
        "unschedulable=true",
        "--wait",
        "--timeout",
        "3s",
    ])
    .failed();
    settle();
    // hooks, and a test run so status shows a TEST SUITE
    run(&[
        "install",
        &n("hooks"),
        &path("hooks"),
        "--wait",
        "--timeout",
        "2m",
    ])
    .ok();
    run(&["test", &n("hooks"), "--timeout", "2m"]).ok();
    settle();
    // uninstalled with --keep-history
    run(&["install", &n("gone"), &web]).ok();
    run(&["uninstall", &n("gone"), "--keep-history"]).ok();
    settle();
    // 22 revisions: v10..v22 sort before v9 by name
    run(&["install", &n("many"), &web]).ok();
    for i in 2..=22 {
        run(&[
            "upgrade",
            &n("many"),
            &web,
            "--history-max",
            "0",
            "--set",
            &format!("message=m{i}"),
        ])
        .ok();
    }
    settle();
    // custom labels
    run(&["install", &n("labels"), &web, "--labels", "team=a,tier=web"]).ok();
    settle();
    // tricky values, supplied by the user so they are in the record's config
    let tricky = chart("tricky-values").join("values.yaml");
    run(&[
        "install",
        &n("tricky"),
        &path("tricky-values"),
        "-f",
        &tricky.to_string_lossy(),
    ])
    .ok();
    settle();
    // a subchart dependency
    run(&["install", &n("umbrella"), &path("umbrella")]).ok();
    settle();
    // rolled back
    run(&["install", &n("rolled"), &web]).ok();
    run(&["upgrade", &n("rolled"), &web, "--set", "message=two"]).ok();
    run(&["rollback", &n("rolled"), "1"]).ok();
    settle();
    // written in another time zone: numeric offsets in the record
    helm.run_with_env(
        ["install", &n("berlin"), &web, "-n", &ns],
        &[("TZ", "Europe/Berlin")],
    )
    .ok();
    settle();
    // stuck: helm killed while it waits
    kill_mid_operation(
        helm,
        &[
            "install",
            &n("pending"),
            &web,
            "--set",
            "unschedulable=true",
            "--wait",
            "--timeout",
            "5m",
            "-n",
            &ns,
        ],
        &ns,
        &n("pending"),
        1,
        "pending-install",
    );
    settle();
    run(&["install", &n("pendup"), &web]).ok();
    kill_mid_operation(
        helm,
        &[
            "upgrade",
            &n("pendup"),
            &web,
            "--set",
            "unschedulable=true",
            "--wait",
            "--timeout",
            "5m",
            "-n",
            &ns,
        ],
        &ns,
        &n("pendup"),
        2,
        "pending-upgrade",
    );
    settle();

    run(&[
        "install",
        &n("pendroll"),
        &web,
        "--set",
        "unschedulable=true",
    ])
    .ok();
    run(&["upgrade", &n("pendroll"), &web]).ok();
    kill_mid_operation(
        helm,
        &[
            "rollback",
            &n("pendroll"),
            "1",
            "--wait",
            "--timeout",
            "5m",
            "-n",
            &ns,
        ],
        &ns,
        &n("pendroll"),
        3,
        "pending-rollback",
    );
    settle();

    // a second namespace
    let other = ["-n", m.other.name.as_str()];
    helm.run(["install", &n("other"), &web].iter().chain(other.iter()))
        .ok();

    // the ConfigMap driver
    let cm = [("HELM_DRIVER", "configmap")];
    let cmns = m.cm.name.clone();
    helm.run_with_env(["install", &n("cmweb"), &web, "-n", &cmns], &cm)
        .ok();
    helm.run_with_env(
        [
            "upgrade",
            &n("cmweb"),
            &web,
            "--set",
            "message=two",
            "-n",
            &cmns,
        ],
        &cm,
    )
    .ok();
    helm.run_with_env(
        [
            "install",
            &n("cmfailed"),
            &web,
            "--set",
            "unschedulable=true",
            "--wait",
            "--timeout",
            "3s",
            "-n",
            &cmns,
        ],
        &cm,
    )
    .failed();
    block_on(async {
        let cms: Api<ConfigMap> = Api::namespaced(cluster().admin().await, &cmns);
        let n = cms
            .list(&ListParams::default().labels("owner=helm"))
            .await
            .expect("list")
            .items
            .len();
        assert_eq!(n, 3, "records are ConfigMaps");
    });
    m
}

/// Starts `args`, waits until the release's record shows `status`, then
/// SIGKILLs helm, leaving the release stuck there.
fn kill_mid_operation(
    helm: Tool,
    args: &[&str],
    ns: &str,
    name: &str,
    revision: i64,
    status: &str,
) {
    let mut child = helm.spawn_with_env(args, &[]);
    let key = format!("sh.helm.release.v1.{name}.v{revision}");
    let deadline = Instant::now() + Duration::from_secs(60);
    block_on(async {
        let secrets: Api<Secret> = Api::namespaced(cluster().admin().await, ns);
        loop {
            if let Some(s) = secrets.get_opt(&key).await.expect("get") {
                let labels = s.metadata.labels.unwrap_or_default();
                if labels.get("status").map(String::as_str) == Some(status) {
                    break;
                }
            }
            assert!(Instant::now() < deadline, "{key} never reached {status}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    // Give helm a moment past the write, so it is waiting when it dies.
    std::thread::sleep(Duration::from_millis(300));
    let _ = child.kill();
    let _ = child.wait();
}
