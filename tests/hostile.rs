//! A listing among hostile records stays within a fixed amount of memory:
//! `rudder list -A` over 500 good records and 50 hostile ones (gzip bombs,
//! 1 MiB blobs, bad base64, bad gzip, bad JSON) prints what helm v4 prints,
//! names every bad record on stderr, and peaks under 128 MiB.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::process::Stdio;
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt as _};
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, PostParams};
use rudder::release::Release;
use rudder::release::name::storage_key;
use rudder::storage::Driver as _;
use rudder::storage::kube::SecretDriver;
use serde_json::json;

use crate::harness::{TestNs, Tool, b64, block_on, cluster, gzip};

/// The peak RSS allowed for the whole listing.
const LIMIT_KIB: u64 = 128 * 1024;

/// A deterministic, hard-to-compress filler.
fn noise(seed: u64, len: usize) -> String {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (b'a' + (x % 26) as u8) as char
        })
        .collect()
}

fn good_release(ns: &str, name: &str, i: u64) -> Release {
    let v = json!({
        "name": name,
        "namespace": ns,
        "version": 1,
        "info": {"first_deployed": "2026-01-01T00:00:00Z", "last_deployed": "2026-01-01T00:00:00Z",
                 "description": "Install complete", "status": if i.is_multiple_of(7) { "failed" } else { "deployed" }},
        "chart": {"metadata": {"name": "app", "version": "1.2.3", "appVersion": "4.5.6", "apiVersion": "v2"}},
        "config": {"i": i},
        "manifest": format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  x: {}\n", noise(i, 8_000)),
    });
    serde_json::from_str(&v.to_string()).expect("release")
}

fn hostile_secret(name: &str, data: Vec<u8>) -> Secret {
    let mut s: Secret = serde_json::from_value(json!({
        "metadata": {
            "name": storage_key(name, 1),
            "labels": {"owner": "helm", "name": name, "status": "deployed", "version": "1"}
        },
        "type": "helm.sh/release.v1",
    }))
    .expect("secret");
    s.data = Some(BTreeMap::from([("release".to_string(), ByteString(data))]));
    s
}

/// Runs rudder, sampling its peak RSS (`VmHWM`) until it exits.
fn rudder_with_peak(args: &[&str]) -> (String, String, bool, u64) {
    let mut child = Tool::Rudder
        .command()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rudder");
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak = 0u64;
    let started = Instant::now();
    let status = loop {
        // VmHWM is the high-water mark itself, so sampling misses nothing
        // but what happens after the last sample.
        if let Ok(s) = std::fs::read_to_string(&status_path)
            && let Some(kib) = s
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "rudder list did not finish"
        );
        std::thread::sleep(Duration::from_millis(2));
    };
    (
        out_t.join().expect("stdout"),
        err_t.join().expect("stderr"),
        status.success(),
        peak,
    )
}

/// The table lines of `list -A` output that belong to `namespaces`.
/// The rows of this test's namespaces, cell by cell. Column widths are
/// left out: they depend on every release in the cluster, and other tests
/// add and remove theirs between the two listings.
fn rows_in(out: &str, namespaces: &[String]) -> Vec<Vec<String>> {
    out.lines()
        .map(|l| {
            l.split('\t')
                .map(|c| c.trim().to_string())
                .collect::<Vec<_>>()
        })
        .filter(|cells| {
            cells
                .get(1)
                .is_some_and(|ns| namespaces.iter().any(|n| n == ns))
        })
        .collect()
}

#[test]
fn listing_among_hostile_records_stays_bounded_and_names_every_bad_one() {
    let namespaces: Vec<TestNs> = (0..5)
        .map(|i| TestNs::new(&format!("hostile-{i}")))
        .collect();
    let names: Vec<String> = namespaces.iter().map(|n| n.name.clone()).collect();

    // 100 MiB of zeros: a gzip bomb of ~100 KiB.
    let bomb = b64(&gzip(&vec![0u8; 100 << 20]));
    // Just under the API server's 1 MiB limit for a Secret's data: a gzip
    // header followed by noise (not gzip).
    let mut blob = vec![0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff];
    blob.extend(noise(7, 740 << 10).into_bytes());
    let blob = b64(&blob);
    let kinds: Vec<(&str, Vec<u8>, &str)> = vec![
        ("bomb", bomb, "exceeds"),
        ("blob", blob, "invalid gzip"),
        (
            "bad-base64",
            b"%%% not base64 %%%".to_vec(),
            "invalid base64",
        ),
        (
            "bad-gzip",
            b64(&[0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff, 1, 2, 3]),
            "invalid gzip",
        ),
        (
            "bad-json",
            b64(&gzip(b"{\"name\": [")),
            "invalid release JSON",
        ),
    ];

    let mut hostile: Vec<(String, String, &str)> = Vec::new(); // (ns, key, reason)
    block_on(async {
        let client = cluster().admin().await;
        let driver = SecretDriver::new(client.clone());
        let good: Vec<(String, String, u64)> = (0..500u64)
            .map(|i| (names[i as usize % 5].clone(), format!("good-{i}"), i))
            .collect();
        stream::iter(good)
            .map(|(ns, name, i)| {
                let driver = &driver;
                async move {
                    driver
                        .create(&ns, &storage_key(&name, 1), &good_release(&ns, &name, i))
                        .await
                        .expect("create");
                }
            })
            .buffer_unordered(16)
            .collect::<Vec<_>>()
            .await;
        for (k, (kind, data, why)) in kinds.iter().enumerate() {
            for j in 0..10 {
                let ns = &names[(k + j) % 5];
                let name = format!("{kind}-{j}");
                let api: Api<Secret> = Api::namespaced(client.clone(), ns);
                api.create(&PostParams::default(), &hostile_secret(&name, data.clone()))
                    .await
                    .expect("create hostile");
                hostile.push((ns.clone(), storage_key(&name, 1), why));
            }
        }
    });
    assert_eq!(hostile.len(), 50);

    let (stdout, stderr, ok, peak_kib) = rudder_with_peak(&["list", "-A", "-m", "0"]);
    assert!(ok, "rudder list failed:\n{stderr}");
    eprintln!(
        "[hostile listing] rudder list -A: peak RSS {:.1} MiB over 500 good and 50 hostile records",
        peak_kib as f64 / 1024.0
    );
    for (ns, key, why) in &hostile {
        assert!(
            stderr
                .lines()
                .any(|l| l.contains(key.as_str()) && l.contains(ns.as_str()) && l.contains(why)),
            "{ns}/{key} ({why}) not named on stderr:\n{stderr}"
        );
    }
    let helm = Tool::Helm4.run(["list", "-A", "-m", "0"]).ok();
    let mine = rows_in(&stdout, &names);
    assert_eq!(mine.len(), 500, "every good release listed");
    assert_eq!(
        mine,
        rows_in(&helm.stdout, &names),
        "rudder and helm v4 differ"
    );
    assert!(
        peak_kib < LIMIT_KIB,
        "peak RSS {peak_kib} KiB is over {LIMIT_KIB} KiB"
    );
}
