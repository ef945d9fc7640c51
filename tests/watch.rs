//! The record watch against the real API server: records written by real
//! helm v3 and v4 arrive as events; a watch whose connection is cut while
//! releases change delivers every final state once it is back; a watch
//! resumed from an expired version (`410 Gone`) re-lists and reports what
//! changed, deletions included.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::api::{Api, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use rudder::storage::kube::{ConfigMapDriver, SecretDriver};
use rudder::storage::{Driver, RecordEvent, RecordMeta, RecordWatch, Resume, Scope, WatchOptions};
use tokio::net::{TcpListener, TcpStream};

use crate::harness::{TestNs, Tool, block_on, chart, cluster};

/// What a watcher knows: key -> (labels, resourceVersion).
type State = BTreeMap<String, (BTreeMap<String, String>, Option<String>)>;

/// The records the API server has in `ns`, as a watcher should see them.
async fn server_state<K>(ns: &str) -> State
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug,
{
    let api: Api<K> = Api::namespaced(cluster().admin().await, ns);
    api.list_metadata(&ListParams::default().labels("owner=helm"))
        .await
        .expect("list")
        .items
        .into_iter()
        .map(|o| {
            (
                o.metadata.name.unwrap_or_default(),
                (
                    o.metadata.labels.unwrap_or_default(),
                    o.metadata.resource_version,
                ),
            )
        })
        .collect()
}

/// A watcher's map, fed by events.
#[derive(Default)]
struct Watcher {
    state: State,
    /// Every event received, as "kind key status".
    log: Vec<String>,
    synced: usize,
}

impl Watcher {
    fn apply(&mut self, ev: RecordEvent) {
        let line = |kind: &str, m: &RecordMeta| {
            format!(
                "{kind} {} {}",
                m.key,
                m.labels.get("status").map(String::as_str).unwrap_or("")
            )
        };
        match ev {
            RecordEvent::Added(m) => {
                self.log.push(line("added", &m));
                self.state.insert(m.key, (m.labels, m.resource_version));
            }
            RecordEvent::Modified(m) => {
                self.log.push(line("modified", &m));
                self.state.insert(m.key, (m.labels, m.resource_version));
            }
            RecordEvent::Deleted(m) => {
                self.log.push(line("deleted", &m));
                self.state.remove(&m.key);
            }
            RecordEvent::Synced { .. } => {
                self.log.push("synced".into());
                self.synced += 1;
            }
        }
    }

    /// Applies events until the map equals `want` (and at least `syncs`
    /// Synced markers came), or fails after `limit`.
    async fn until(&mut self, w: &mut RecordWatch, want: &State, syncs: usize, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        while self.state != *want || self.synced < syncs {
            match tokio::time::timeout_at(deadline, w.next()).await {
                Ok(Some(Ok(ev))) => self.apply(ev),
                Ok(Some(Err(e))) => panic!("watch failed: {e}"),
                Ok(None) => panic!("watch ended"),
                Err(_) => panic!(
                    "the watcher's view never reached the server's state\n\
                     view: {:#?}\nserver: {:#?}\nevents: {:#?}",
                    self.state, want, self.log
                ),
            }
        }
    }
}

async fn admin_config() -> kube::Config {
    let kc = Kubeconfig::read_from(&cluster().kubeconfig).expect("kubeconfig");
    let opts = KubeConfigOptions {
        context: Some("admin".into()),
        ..Default::default()
    };
    kube::Config::from_custom_kubeconfig(kc, &opts)
        .await
        .expect("config")
}

#[test]
fn records_written_by_helm_v3_and_v4_arrive_as_events() {
    let ns = TestNs::new("watch-events");
    let web = chart("web").to_string_lossy().into_owned();
    block_on(async {
        let driver = SecretDriver::new(cluster().admin().await);
        let mut w = driver.watch(WatchOptions::new(Scope::Namespace(&ns.name)));
        let mut watcher = Watcher::default();
        watcher
            .until(&mut w, &State::new(), 1, Duration::from_secs(30))
            .await;

        tokio::task::block_in_place(|| {
            ns.helm3(["install", "three", &web]).ok();
            ns.helm4(["install", "four", &web]).ok();
            ns.helm4(["upgrade", "four", &web, "--set", "message=two"])
                .ok();
            ns.helm3(["uninstall", "three"]).ok();
        });
        let want = server_state::<Secret>(&ns.name).await;
        watcher
            .until(&mut w, &want, 1, Duration::from_secs(30))
            .await;
        let log = watcher.log.join("\n");
        // helm writes a pending record first, then its outcome; an
        // uninstall marks the record uninstalling before deleting it.
        for line in [
            "added sh.helm.release.v1.three.v1 pending-install",
            "modified sh.helm.release.v1.three.v1 deployed",
            "modified sh.helm.release.v1.three.v1 uninstalling",
            "deleted sh.helm.release.v1.three.v1",
            "added sh.helm.release.v1.four.v1 pending-install",
            "modified sh.helm.release.v1.four.v1 deployed",
            "added sh.helm.release.v1.four.v2 pending-upgrade",
            "modified sh.helm.release.v1.four.v2 deployed",
            "modified sh.helm.release.v1.four.v1 superseded",
        ] {
            assert!(log.contains(line), "no {line:?} in:\n{log}");
        }

        // The ConfigMap driver watches the same way.
        let cm = ConfigMapDriver::new(cluster().admin().await);
        let mut w = cm.watch(WatchOptions::new(Scope::Namespace(&ns.name)));
        let mut watcher = Watcher::default();
        watcher
            .until(&mut w, &State::new(), 1, Duration::from_secs(30))
            .await;
        tokio::task::block_in_place(|| {
            ns.run_env(
                Tool::Helm4,
                ["install", "in-cm", &web],
                &[("HELM_DRIVER", "configmap")],
            )
            .ok();
        });
        let want = server_state::<ConfigMap>(&ns.name).await;
        assert_eq!(want.len(), 1, "{want:?}");
        watcher
            .until(&mut w, &want, 1, Duration::from_secs(30))
            .await;
        assert_eq!(
            watcher.log,
            vec![
                "synced",
                "added sh.helm.release.v1.in-cm.v1 pending-install",
                "modified sh.helm.release.v1.in-cm.v1 deployed"
            ]
        );
    });
}

/// A TCP proxy on loopback whose connections can all be cut at once (and
/// new ones refused) until it is restored.
struct Proxy {
    addr: SocketAddr,
    cut: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
    accepted: Arc<std::sync::atomic::AtomicUsize>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let cut = Arc::new(AtomicBool::new(false));
        let conns: Arc<Mutex<Vec<tokio::task::AbortHandle>>> = Arc::default();
        let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (c, k, a) = (cut.clone(), conns.clone(), accepted.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut down, _)) = listener.accept().await else {
                    return;
                };
                if c.load(Ordering::SeqCst) {
                    // Cut off: the connection is closed straight away.
                    drop(down);
                    continue;
                }
                a.fetch_add(1, Ordering::SeqCst);
                let h = tokio::spawn(async move {
                    if let Ok(mut up) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut down, &mut up).await;
                    }
                });
                k.lock().expect("conns").push(h.abort_handle());
            }
        });
        Proxy {
            addr,
            cut,
            conns,
            accepted,
        }
    }

    /// Closes every connection and refuses new ones.
    fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        for h in self.conns.lock().expect("conns").drain(..) {
            h.abort();
        }
    }

    fn restore(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }
}

#[test]
fn a_cut_connection_resumes_and_delivers_every_final_state() {
    let ns = TestNs::new("watch-cut");
    let web = chart("web").to_string_lossy().into_owned();
    for (tool, name) in [
        (Tool::Helm4, "up"),
        (Tool::Helm3, "gone"),
        (Tool::Helm4, "other"),
    ] {
        ns.run(tool, ["install", name, &web]).ok();
    }
    block_on(async {
        let mut config = admin_config().await;
        let upstream: SocketAddr = format!(
            "{}:{}",
            config.cluster_url.host().unwrap_or("127.0.0.1"),
            config.cluster_url.port_u16().unwrap_or(443)
        )
        .parse()
        .expect("apiserver address");
        let proxy = Proxy::start(upstream).await;
        config.cluster_url = format!("https://{}", proxy.addr).parse().expect("url");
        let driver = SecretDriver::new(kube::Client::try_from(config).expect("client"));
        let mut w = driver.watch(WatchOptions::new(Scope::Namespace(&ns.name)));
        let mut watcher = Watcher::default();
        let want = server_state::<Secret>(&ns.name).await;
        watcher
            .until(&mut w, &want, 1, Duration::from_secs(30))
            .await;
        assert_eq!(watcher.state.len(), 3);

        proxy.cut();
        let before = want;
        tokio::task::block_in_place(|| {
            // Upgrades to deployed (each a new record, pending first, and
            // the one before superseded), with helm v4 and v3, and an
            // uninstall (its record marked uninstalling, then deleted).
            ns.helm4(["upgrade", "up", &web, "--set", "message=two"])
                .ok();
            ns.helm4(["upgrade", "up", &web, "--set", "message=three"])
                .ok();
            ns.helm3(["upgrade", "other", &web, "--set", "message=two"])
                .ok();
            ns.helm3(["uninstall", "gone"]).ok();
        });
        let want = server_state::<Secret>(&ns.name).await;
        let changed = want
            .iter()
            .filter(|(k, v)| before.get(*k) != Some(v))
            .count()
            + before.keys().filter(|k| !want.contains_key(*k)).count();
        // Nothing arrives while cut.
        let quiet = tokio::time::timeout(Duration::from_millis(500), w.next()).await;
        assert!(
            quiet.is_err(),
            "an event arrived through a cut connection: {quiet:?}"
        );
        let reconnects = proxy.accepted.load(Ordering::SeqCst);

        proxy.restore();
        let restored = Instant::now();
        watcher
            .until(&mut w, &want, 1, Duration::from_secs(30))
            .await;
        let resumed_in = restored.elapsed();
        assert!(
            proxy.accepted.load(Ordering::SeqCst) > reconnects,
            "the watch reconnected through the proxy"
        );
        assert_eq!(watcher.state, want);
        eprintln!(
            "[watch resume] {changed} records changed during the cut, all delivered; \
             final state reached {:.2}s after the connection came back",
            resumed_in.as_secs_f64()
        );
        assert_eq!(changed, 6, "the cut covered real changes");
    });
}

#[test]
fn an_expired_version_relists_and_reports_every_final_state() {
    let ns = TestNs::new("watch-410");
    let web = chart("web").to_string_lossy().into_owned();
    ns.helm4(["install", "kept", &web]).ok();
    ns.helm3(["install", "changed", &web]).ok();
    ns.helm4(["install", "removed", &web]).ok();
    block_on(async {
        let client = cluster().admin().await;
        let driver = SecretDriver::new(client);
        // What a watcher saw some time ago.
        let old: Vec<RecordMeta> = driver
            .list_meta(Scope::Namespace(&ns.name), &[])
            .await
            .expect("list")
            .items;
        tokio::task::block_in_place(|| {
            ns.helm3(["upgrade", "changed", &web, "--set", "message=two"])
                .ok();
            ns.helm4(["uninstall", "removed"]).ok();
            ns.helm4(["install", "new", &web]).ok();
        });
        let want = server_state::<Secret>(&ns.name).await;
        provoke_expiry(&ns.name).await;
        let mut opts = WatchOptions::new(Scope::Namespace(&ns.name));
        opts.resume = Some(Resume {
            resource_version: "1".into(),
            known: old.clone(),
        });
        let mut w = driver.watch(opts);
        let mut watcher = Watcher {
            state: old
                .iter()
                .map(|m| {
                    (
                        m.key.clone(),
                        (m.labels.clone(), m.resource_version.clone()),
                    )
                })
                .collect(),
            ..Default::default()
        };
        watcher
            .until(&mut w, &want, 1, Duration::from_secs(30))
            .await;
        assert_eq!(watcher.state, want);
        let log = watcher.log.join("\n");
        for line in [
            "deleted sh.helm.release.v1.removed.v1",
            "modified sh.helm.release.v1.changed.v1 superseded",
            "added sh.helm.release.v1.changed.v2 deployed",
            "added sh.helm.release.v1.new.v1 deployed",
            "synced",
        ] {
            assert!(log.contains(line), "no {line:?} in:\n{log}");
        }
        assert!(
            !log.contains("kept"),
            "an unchanged record is not reported again:\n{log}"
        );
    });
}

/// True if the API server answers a watch of Secrets from resource version
/// "1" with 410 Gone.
async fn version_one_expired(api: &Api<Secret>) -> bool {
    use kube::api::WatchParams;
    use kube::core::WatchEvent;
    match api.watch(&WatchParams::default().timeout(1), "1").await {
        Err(kube::Error::Api(s)) => s.code == 410,
        Err(e) => panic!("probe watch: {e}"),
        Ok(stream) => {
            let mut stream = std::pin::pin!(stream);
            match stream.next().await {
                Some(Ok(WatchEvent::Error(s))) => s.code == 410,
                _ => false,
            }
        }
    }
}

/// Makes resource version "1" expire for Secrets. The API server serves
/// watches from its watch cache, which on this cluster still reaches back
/// to its start: etcd compaction does not matter to it. Its window moves
/// only when the cache is full and its oldest event is older than 75 s (it
/// grows instead while its events are fresh), so Secret events are
/// generated (patches of one non-record Secret) until a watch from "1"
/// gets 410.
async fn provoke_expiry(ns: &str) {
    use kube::api::{Patch, PatchParams, PostParams};
    let api: Api<Secret> = Api::namespaced(cluster().admin().await, ns);
    let churn: Secret =
        serde_json::from_value(serde_json::json!({"metadata": {"name": "churn"}})).expect("secret");
    api.create(&PostParams::default(), &churn)
        .await
        .expect("churn secret");
    let started = Instant::now();
    let mut n = 0u64;
    while !version_one_expired(&api).await {
        assert!(
            started.elapsed() < Duration::from_secs(240),
            "resource version 1 never expired after {n} events"
        );
        futures::stream::iter(0..50)
            .for_each_concurrent(8, |_| {
                let api = &api;
                async move {
                    let v = format!("{:?}", Instant::now());
                    api.patch(
                        "churn",
                        &PatchParams::default(),
                        &Patch::Merge(serde_json::json!({"stringData": {"n": v}})),
                    )
                    .await
                    .expect("patch");
                }
            })
            .await;
        n += 50;
        // Events are only evicted once they are 75 s old: pacing the
        // churn costs the same time and far fewer events.
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    eprintln!(
        "[watch 410] resource version 1 expired after {n} Secret events, {:.1}s",
        started.elapsed().as_secs_f64()
    );
}
