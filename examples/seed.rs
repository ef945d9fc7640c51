//! Seeds a cluster with many Helm release records, written by rudder's own
//! encoder and Secret driver: the workload of the list/status benchmark
//! (`tests/bench/run.sh`), and an example of using the library directly.
//!
//! ```text
//! cargo run --release --example seed -- \
//!     --namespaces 50 --releases 500 --revisions 10 --deep-revisions 300
//! ```
//!
//! Releases are spread evenly over namespaces `bench-0..N`; each has
//! `--revisions` revisions (the last deployed, the others superseded) and a
//! realistic record of 20-60 KB, 40 KB on average (chart templates and
//! values, a rendered
//! manifest with hard-to-compress data). One more release, `deep` in
//! `bench-0`, has `--deep-revisions` revisions.
//!
//! With `--forge N`, nothing else is seeded: the first N releases each get
//! one more record whose labels lie, the benchmark's second workload. Its
//! labels say revision `revisions + 100`, `deployed`; its body is revision 1,
//! `superseded`. helm decodes every record and is not fooled; rudder picks
//! records by label, so it must see the disagreement and take its slow path
//! (helm's full decode) to give the same answer.
//!
//! With `--deepen NAMESPACE/NAME=N`, nothing else is seeded: the release's
//! single revision (installed by helm or rudder) is copied into revisions
//! 2..N, all superseded but the last, deployed — the upgrade benchmark's
//! long-history release, made in seconds instead of N real upgrades.

use std::time::Instant;

use base64::Engine as _;
use futures::stream::{self, StreamExt, TryStreamExt};
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::{Namespace, Secret};
use kube::api::{Api, PostParams};
use rudder::release::Release;
use rudder::release::codec;
use rudder::release::name::storage_key;
use rudder::storage::Driver;
use rudder::storage::kube::SecretDriver;
use serde_json::json;

struct Args {
    namespaces: usize,
    releases: usize,
    revisions: usize,
    deep_revisions: usize,
    concurrency: usize,
    forge: Option<usize>,
    deepen: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        namespaces: 50,
        releases: 500,
        revisions: 10,
        deep_revisions: 300,
        concurrency: 32,
        forge: None,
        deepen: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        if flag == "--deepen" {
            a.deepen = Some(value);
            continue;
        }
        let n: usize = value.parse().map_err(|e| format!("{flag} {value}: {e}"))?;
        match flag.as_str() {
            "--namespaces" => a.namespaces = n.max(1),
            "--releases" => a.releases = n,
            "--revisions" => a.revisions = n.max(1),
            "--deep-revisions" => a.deep_revisions = n,
            "--concurrency" => a.concurrency = n.max(1),
            "--forge" => a.forge = Some(n),
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(a)
}

/// A small deterministic generator, so every run seeds the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn token(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        (0..len)
            .map(|_| ALPHABET[(self.next() % ALPHABET.len() as u64) as usize] as char)
            .collect()
    }
}

const TEMPLATE: &str = include_str!("../fixtures/charts/web/templates/deployment.yaml");
const SERVICE: &str = include_str!("../fixtures/charts/web/templates/service.yaml");
const HELPERS: &str = include_str!("../fixtures/charts/web/templates/_helpers.tpl");

/// One revision's record, with `noise` bytes of hard-to-compress data in
/// its manifest (which sets the record's size).
fn release(
    ns: &str,
    name: &str,
    revision: usize,
    last: usize,
    noise: usize,
    rng: &mut Rng,
) -> Release {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let mut data = String::new();
    while data.len() < noise {
        data.push_str(&format!("    key-{}: \"{}\"\n", data.len(), rng.token(48)));
    }
    let manifest = format!(
        "---\n# Source: app/templates/service.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  ports:\n  - port: 80\n---\n# Source: app/templates/configmap.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}-config\ndata:\n{data}---\n# Source: app/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n      containers:\n      - name: app\n        image: registry.invalid/app:{revision}\n"
    );
    let status = if revision == last {
        "deployed"
    } else {
        "superseded"
    };
    let description = if revision == 1 {
        "Install complete"
    } else {
        "Upgrade complete"
    };
    let secs = 1_700_000_000 + revision as i64 * 60;
    let t = |s: i64| {
        jiff::Timestamp::from_second(s)
            .map(|t| t.to_string())
            .unwrap_or_default()
    };
    let v = json!({
        "name": name,
        "info": {
            "first_deployed": t(1_700_000_000),
            "last_deployed": t(secs),
            "description": description,
            "status": status,
            "notes": format!("Thank you for installing {name}.\n")
        },
        "chart": {
            "metadata": {"name": "app", "version": "1.2.3", "appVersion": "4.5.6", "apiVersion": "v2",
                         "description": "A benchmark application chart"},
            "lock": null,
            "templates": [
                {"name": "templates/deployment.yaml", "data": b64(TEMPLATE)},
                {"name": "templates/service.yaml", "data": b64(SERVICE)},
                {"name": "templates/_helpers.tpl", "data": b64(HELPERS)}
            ],
            "values": {"replicaCount": 2, "image": {"repository": "registry.invalid/app", "tag": "4.5.6"},
                       "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}}},
            "schema": null,
            "files": [{"name": "README.md", "data": b64("# app\n\nA benchmark chart.\n")}]
        },
        "config": {"replicaCount": 2, "revision": revision, "env": {"name": ns}},
        "manifest": manifest,
        "version": revision,
        "namespace": ns
    });
    // Release keeps unknown members as raw JSON text, so it is read from
    // text, not from a Value.
    serde_json::from_str(&v.to_string()).unwrap_or_default()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    let client = kube::Client::try_default().await?;
    let started = Instant::now();
    if let Some(spec) = &args.deepen {
        return deepen(client, spec, args.concurrency).await;
    }

    let namespaces: Vec<String> = (0..args.namespaces).map(|i| format!("bench-{i}")).collect();
    let ns_api: Api<Namespace> = Api::all(client.clone());
    for ns in &namespaces {
        let obj: Namespace = serde_json::from_value(json!({"metadata": {"name": ns}}))?;
        match ns_api.create(&PostParams::default(), &obj).await {
            Ok(_) => {}
            Err(kube::Error::Api(s)) if s.code == 409 => {}
            Err(e) => return Err(e.into()),
        }
    }

    // (namespace, release name, revision, newest revision, noise bytes)
    let mut jobs: Vec<(String, String, usize, usize, usize)> = Vec::new();
    let mut rng = Rng(0x5eed);
    for r in 0..args.releases {
        let ns = &namespaces[r % namespaces.len()];
        // 20-60 KB records: the noise is most of the compressed size.
        let noise = 18_000 + (rng.next() % 52_000) as usize;
        for rev in 1..=args.revisions {
            jobs.push((ns.clone(), format!("app-{r}"), rev, args.revisions, noise));
        }
    }
    for rev in 1..=args.deep_revisions {
        jobs.push((
            namespaces[0].clone(),
            "deep".to_string(),
            rev,
            args.deep_revisions,
            44_000,
        ));
    }

    if let Some(n) = args.forge {
        return forge(client, &args, &namespaces, n).await;
    }

    let driver = SecretDriver::new(client);
    let total = jobs.len();
    let bytes = std::sync::atomic::AtomicUsize::new(0);
    stream::iter(jobs.into_iter().enumerate())
        .map(|(i, (ns, name, rev, last, noise))| {
            let driver = &driver;
            let bytes = &bytes;
            async move {
                let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ i as u64);
                let rel = release(&ns, &name, rev, last, noise, &mut rng);
                let size = codec::encode(&rel).map(|t| t.len()).unwrap_or(0);
                bytes.fetch_add(size, std::sync::atomic::Ordering::Relaxed);
                match driver
                    .create(&ns, &storage_key(&name, rev as i64), &rel)
                    .await
                {
                    Ok(_) | Err(rudder::storage::StorageError::AlreadyExists) => Ok(()),
                    Err(e) => Err(e),
                }
            }
        })
        .buffer_unordered(args.concurrency)
        .try_collect::<Vec<()>>()
        .await?;
    let bytes = bytes.into_inner();
    println!(
        "seeded {total} records ({} MB, {} KB average) in {:.1}s",
        bytes / 1_000_000,
        bytes / total.max(1) / 1000,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Adds a record with forged labels to each of the first `n` releases (see
/// the module docs).
async fn forge(
    client: kube::Client,
    args: &Args,
    namespaces: &[String],
    n: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let forged = args.revisions + 100;
    let created = stream::iter(0..n.min(args.releases))
        .map(|r| {
            let client = client.clone();
            async move {
                let ns = &namespaces[r % namespaces.len()];
                let name = format!("app-{r}");
                let mut rng = Rng(0xf0f0_0000 ^ r as u64);
                // Revision 1's body, superseded, as helm left it.
                let rel = release(ns, &name, 1, args.revisions, 18_000, &mut rng);
                let text = codec::encode(&rel)?;
                let mut secret: Secret = serde_json::from_value(json!({
                    "metadata": {
                        "name": storage_key(&name, forged as i64),
                        "labels": {
                            "name": name,
                            "owner": "helm",
                            "status": "deployed",
                            "version": forged.to_string(),
                        }
                    },
                    "type": "helm.sh/release.v1",
                }))?;
                secret.data = Some([("release".to_string(), ByteString(text.into_bytes()))].into());
                let api: Api<Secret> = Api::namespaced(client, ns);
                match api.create(&PostParams::default(), &secret).await {
                    Ok(_) => Ok(1usize),
                    Err(kube::Error::Api(s)) if s.code == 409 => Ok(0),
                    Err(e) => Err(Box::<dyn std::error::Error>::from(e)),
                }
            }
        })
        .buffer_unordered(args.concurrency)
        .try_fold(0, |acc, x| async move { Ok(acc + x) })
        .await?;
    println!(
        "forged the version label of {created} records (labels say v{forged}, bodies v1) in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `--deepen NAMESPACE/NAME=N` (see the module docs).
async fn deepen(
    client: kube::Client,
    spec: &str,
    concurrency: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let (target, n) = spec
        .split_once('=')
        .ok_or_else(|| format!("--deepen {spec}: want NAMESPACE/NAME=N"))?;
    let (ns, name) = target
        .split_once('/')
        .ok_or_else(|| format!("--deepen {spec}: want NAMESPACE/NAME=N"))?;
    let n: i64 = n.parse().map_err(|e| format!("--deepen {spec}: {e}"))?;
    let driver = SecretDriver::new(client);
    let first = driver.get(ns, &storage_key(name, 1)).await?;
    let mut base = first.release.clone();
    base.info.status = rudder::release::Status::Superseded;
    // Revision 1 was deployed; it becomes the oldest superseded one.
    driver
        .update(ns, &storage_key(name, 1), &base, None)
        .await?;
    stream::iter(2..=n)
        .map(|rev| {
            let driver = &driver;
            let mut rel = base.clone();
            async move {
                rel.version = rev;
                if rev == n {
                    rel.info.status = rudder::release::Status::Deployed;
                }
                rel.info.description = "Upgrade complete".into();
                match driver.create(ns, &storage_key(name, rev), &rel).await {
                    Ok(_) | Err(rudder::storage::StorageError::AlreadyExists) => Ok(()),
                    Err(e) => Err(e),
                }
            }
        })
        .buffer_unordered(concurrency)
        .try_collect::<Vec<()>>()
        .await?;
    println!(
        "deepened {ns}/{name} to {n} revisions in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
