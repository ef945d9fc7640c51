//! Upgrade availability (`rudder list --outdated` / `--availability` and
//! `rudder::upgrades`) against the real chart server and the real
//! registry, with releases installed by the real helm v3 and v4 from
//! charts those servers serve.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use rudder::upgrades::fetch::{IndexFetch, SourceOptions};
use rudder::upgrades::{self, InstalledChart, Policy, SourceRef, State, Tier, UpgradeKind};

use crate::harness::servers::{RepoDir, Request};
use crate::harness::{
    Home, TestNs, Tool, block_on, chart_repo, registry_plain, registry_tls, registry_token,
};

/// Writes a one-ConfigMap chart directory under `dir` and returns it.
fn make_chart(dir: &Path, name: &str, version: &str, extra: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let path = dir.join(format!("src-{}/{name}", N.fetch_add(1, Ordering::SeqCst)));
    std::fs::create_dir_all(path.join("templates")).expect("chart dir");
    std::fs::write(
        path.join("Chart.yaml"),
        format!("apiVersion: v2\nname: {name}\nversion: {version}\n{extra}"),
    )
    .expect("Chart.yaml");
    std::fs::write(
        path.join("templates/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\ndata:\n  v: {{ .Chart.Version | quote }}\n",
    )
    .expect("template");
    path
}

/// Packages `name@version` into the published directory `repo`.
fn publish(home: &Home, scratch: &Path, repo: &RepoDir, name: &str, version: &str, extra: &str) {
    let src = make_chart(scratch, name, version, extra);
    home.package(Tool::Helm4, &src, &repo.path);
}

/// `helm repo index` (real helm v4) over the published directory.
fn index(home: &Home, repo: &RepoDir) {
    let url = chart_repo().url_plain(&repo.name);
    home.run(
        Tool::Helm4,
        ["repo", "index", &repo.path.to_string_lossy(), "--url", &url],
    )
    .ok();
}

fn index_requests(repo: &RepoDir) -> Vec<Request> {
    chart_repo()
        .requests_under(&repo.name)
        .into_iter()
        .filter(|r| r.path.ends_with("/index.yaml"))
        .collect()
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The elements of `list -o json`, by release name.
fn by_name(json: &str) -> BTreeMap<String, serde_json::Value> {
    let v: Vec<serde_json::Value> =
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
    v.into_iter()
        .map(|e| (e["name"].as_str().unwrap_or_default().to_owned(), e))
        .collect()
}

/// Releases installed by helm v3 and v4 from two chart repositories, an
/// OCI registry and local directories: each gets the state, latest version
/// and source the ranking rules give; the default `list` stays helm's
/// output byte for byte; each run sends exactly one index request per
/// repository, the second one conditional and answered 304 with helm's
/// cached index left byte-identical; a changed index is fetched (200) and
/// written as served.
#[test]
fn outdated_with_real_helm_repos_and_registry() {
    let home = Home::new();
    let scratch = home.dir.join("scratch");
    let srv = chart_repo();
    let (a, b) = (srv.new_dir("upg-a"), srv.new_dir("upg-b"));
    let ghub = "sources:\n- https://acme.github.io/charts\n";
    for (name, version, extra) in [
        ("alpha", "1.0.0", ""),
        ("alpha", "1.1.0", ""),
        ("alpha", "2.0.0-rc.1", ""),
        ("beta", "0.1.0", ""),
        ("beta", "0.2.0", ""),
        ("gamma", "1.0.0-rc.1", ""),
        ("gamma", "1.0.0-rc.2", ""),
        ("delta", "3.0.0", ""),
        ("epsilon", "1.0.0", ghub),
        // Stable-looking but marked a prerelease for Artifact Hub: skipped.
        (
            "beta",
            "0.3.0",
            "annotations:\n  artifacthub.io/prerelease: \"true\"\n",
        ),
    ] {
        publish(&home, &scratch, &a, name, version, extra);
    }
    for (name, version, extra) in [
        ("alpha", "0.9.0", ""),
        ("delta", "3.0.0", ""),
        ("delta", "3.5.0", ""),
        ("epsilon", "2.0.0", "home: https://other.example.org\n"),
    ] {
        publish(&home, &scratch, &b, name, version, extra);
    }
    index(&home, &a);
    index(&home, &b);
    for (name, dir) in [("repoa", &a), ("repob", &b)] {
        home.run(
            Tool::Helm4,
            ["repo", "add", name, &srv.url_plain(&dir.name)],
        )
        .ok();
    }

    // OCI: omega 1.0.0, 1.2.0 and 1.3.0-rc.1 pushed by helm.
    let reg = registry_plain();
    let prefix = format!("oci://{}/upg{}", reg.host, std::process::id());
    for version in ["1.0.0", "1.2.0", "1.3.0-rc.1"] {
        let src = make_chart(&scratch, "omega", version, "");
        let tgz = home.package(Tool::Helm4, &src, &scratch.join("oci"));
        home.run(
            Tool::Helm4,
            ["push", &tgz.to_string_lossy(), &prefix, "--plain-http"],
        )
        .ok();
    }

    let ns = TestNs::new("upgrades");
    let install = |tool: Tool, args: &[&str]| {
        let mut all = vec!["install"];
        all.extend_from_slice(args);
        home.run_in(&ns, tool, &all).ok();
    };
    install(
        Tool::Helm4,
        &["alpha-rel", "repoa/alpha", "--version", "1.0.0"],
    );
    install(
        Tool::Helm3,
        &["beta-rel", "repoa/beta", "--version", "0.2.0"],
    );
    install(
        Tool::Helm4,
        &["gamma-rel", "repoa/gamma", "--version", "1.0.0-rc.1"],
    );
    install(
        Tool::Helm3,
        &["delta-rel", "repob/delta", "--version", "3.0.0"],
    );
    let epsilon = make_chart(
        &scratch,
        "epsilon",
        "0.5.0",
        "home: https://github.com/acme/epsilon\n",
    );
    install(Tool::Helm4, &["epsilon-rel", &epsilon.to_string_lossy()]);
    let lonely = make_chart(&scratch, "lonely", "1.0.0", "");
    install(Tool::Helm4, &["lonely-rel", &lonely.to_string_lossy()]);
    install(
        Tool::Helm4,
        &[
            "omega-rel",
            &format!("{prefix}/omega"),
            "--version",
            "1.0.0",
            "--plain-http",
        ],
    );

    // Default output: helm's, byte for byte (v4, and v3 with --compat v3).
    let helm = home.run_in(&ns, Tool::Helm4, ["list"]).ok();
    let plain = home.run_in(&ns, Tool::Rudder, ["list"]).ok();
    assert_eq!(plain.stdout, helm.stdout);
    let helm3 = home.run_in(&ns, Tool::Helm3, ["list", "-o", "json"]).ok();
    let plain3 = home
        .run_in(&ns, Tool::Rudder, ["--compat", "v3", "list", "-o", "json"])
        .ok();
    assert_eq!(plain3.stdout, helm3.stdout);

    let cached_a = home.repository_cache.join("repoa-index.yaml");
    let (before_a, before_b) = (index_requests(&a).len(), index_requests(&b).len());
    let oci_args = ["--oci-source", prefix.as_str(), "--plain-http"];
    let mut args = vec!["list", "--availability", "-o", "json"];
    args.extend(oci_args);
    let out = home.run_in(&ns, Tool::Rudder, &args).ok();
    let got = by_name(&out.stdout);
    assert_eq!(got.len(), 7, "{out}");
    let state = |rel: &str| {
        let e = &got[rel];
        (
            e["availability"].as_str().unwrap_or_default().to_owned(),
            e["upgrade"].as_str().unwrap_or_default().to_owned(),
            e["latest"].as_str().unwrap_or_default().to_owned(),
            e["source"]["repo"]
                .as_str()
                .or(e["source"]["oci"].as_str())
                .unwrap_or_default()
                .to_owned(),
            e["tier"].as_str().unwrap_or_default().to_owned(),
        )
    };
    let s = |a: &str, b: &str, c: &str, d: &str, e: &str| {
        (
            a.to_owned(),
            b.to_owned(),
            c.to_owned(),
            d.to_owned(),
            e.to_owned(),
        )
    };
    // repoa lists 1.0.0 (T1); repob's alpha does not.
    assert_eq!(
        state("alpha-rel"),
        s("upgrade-available", "minor", "1.1.0", "repoa", "T1")
    );
    // 0.3.0 carries artifacthub.io/prerelease: "true".
    assert_eq!(
        state("beta-rel"),
        s("up-to-date", "", "0.2.0", "repoa", "T1")
    );
    // An installed prerelease lets prereleases count.
    assert_eq!(
        state("gamma-rel"),
        s(
            "upgrade-available",
            "prerelease",
            "1.0.0-rc.2",
            "repoa",
            "T1"
        )
    );
    // Both repositories list 3.0.0: never a guess.
    assert_eq!(state("delta-rel"), s("ambiguous", "", "", "", ""));
    let names: Vec<&str> = got["delta-rel"]["candidates"]
        .as_array()
        .map(|c| c.iter().filter_map(|x| x["repo"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, ["repoa", "repob"]);
    // No source lists 0.5.0; repoa's sources match the chart's home (T2).
    assert_eq!(
        state("epsilon-rel"),
        s("upgrade-available", "major", "1.0.0", "repoa", "T2")
    );
    assert_eq!(state("lonely-rel"), s("unknown-source", "", "", "", ""));
    assert_eq!(
        state("omega-rel"),
        s(
            "upgrade-available",
            "minor",
            "1.2.0",
            &format!("{prefix}/omega"),
            "T1"
        )
    );

    // One index request per repository; the first (no validators yet) got
    // 200 and helm's cache holds exactly what the server has.
    let (reqs_a, reqs_b) = (index_requests(&a), index_requests(&b));
    assert_eq!(reqs_a.len() - before_a, 1, "{reqs_a:?}");
    assert_eq!(reqs_b.len() - before_b, 1, "{reqs_b:?}");
    assert_eq!(reqs_a[before_a].status, 200);
    assert_eq!(read(&cached_a), read(&a.path.join("index.yaml")));
    let mtime = std::fs::metadata(&cached_a).and_then(|m| m.modified()).ok();

    // Second run (table, --outdated): conditional, 304, nothing touched.
    let mut args = vec!["list", "--outdated"];
    args.extend(oci_args);
    let out = home.run_in(&ns, Tool::Rudder, &args).ok();
    let reqs_a = index_requests(&a);
    assert_eq!(reqs_a.len() - before_a, 2, "{reqs_a:?}");
    let last = &reqs_a[reqs_a.len() - 1];
    assert_eq!(last.status, 304, "{last:?}");
    assert!(!last.if_none_match.is_empty(), "{last:?}");
    assert_eq!(index_requests(&b).len() - before_b, 2);
    assert_eq!(read(&cached_a), read(&a.path.join("index.yaml")));
    assert_eq!(
        std::fs::metadata(&cached_a).and_then(|m| m.modified()).ok(),
        mtime
    );
    let lines: Vec<&str> = out.stdout.lines().collect();
    let header: Vec<&str> = lines[0].split('\t').map(str::trim).collect();
    assert_eq!(
        header,
        [
            "NAME",
            "NAMESPACE",
            "REVISION",
            "UPDATED",
            "STATUS",
            "CHART",
            "APP VERSION",
            "LATEST",
            "SOURCE"
        ],
        "{out}"
    );
    let listed: Vec<&str> = lines[1..]
        .iter()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        listed,
        ["alpha-rel", "epsilon-rel", "gamma-rel", "omega-rel"],
        "{out}"
    );
    // The first columns are helm's own for the same releases.
    let helm_rows: BTreeMap<&str, &str> = helm
        .stdout
        .lines()
        .map(|l| {
            (
                l.split_whitespace().next().unwrap_or_default(),
                l.trim_end(),
            )
        })
        .collect();
    for l in &lines[1..] {
        let name = l.split_whitespace().next().unwrap_or_default();
        // Cells trimmed (the widths differ with the rows), trailing empty
        // cells dropped (helm's last column, APP VERSION, is empty here).
        let cells = |l: &str, n: usize| {
            let c: Vec<&str> = l.split('\t').map(str::trim).take(n).collect();
            c.join("\t").trim_end().to_owned()
        };
        assert_eq!(cells(l, 7), cells(helm_rows[name], 7), "{out}");
    }

    // -q prints the names of the same releases.
    let mut args = vec!["list", "--outdated", "-q", "--offline"];
    args.extend(oci_args);
    let quiet = home.run_in(&ns, Tool::Rudder, &args).ok();
    assert_eq!(
        quiet.stdout,
        "alpha-rel\nepsilon-rel\ngamma-rel\nomega-rel\n"
    );
    assert_eq!(
        index_requests(&a).len() - before_a,
        2,
        "--offline sent a request"
    );

    // The repository changes: the next run gets 200 and helm's cache
    // becomes the new index, byte for byte.
    publish(&home, &scratch, &a, "alpha", "1.2.0", "");
    index(&home, &a);
    let out = home
        .run_in(&ns, Tool::Rudder, ["list", "--availability", "-o", "json"])
        .ok();
    let reqs_a = index_requests(&a);
    assert_eq!(reqs_a[reqs_a.len() - 1].status, 200);
    assert_eq!(read(&cached_a), read(&a.path.join("index.yaml")));
    assert_eq!(by_name(&out.stdout)["alpha-rel"]["latest"], "1.2.0");
    // Without --oci-source the OCI release maps to nothing.
    assert_eq!(
        by_name(&out.stdout)["omega-rel"]["availability"],
        "unknown-source"
    );
}

fn installed(i: usize, chart: &str, version: &str) -> InstalledChart {
    InstalledChart {
        release: format!("r{i}"),
        namespace: "default".into(),
        revision: 1,
        chart: chart.into(),
        version: version.into(),
        ..Default::default()
    }
}

fn options(home: &Home) -> SourceOptions {
    SourceOptions {
        repository_config: home.repository_config.clone(),
        repository_cache: home.repository_cache.clone(),
        registry_config: home.registry_config.clone(),
        ..SourceOptions::default()
    }
}

/// 500 releases over three repositories cost one index request per
/// repository; a failing server leaves helm's cache alone and the last
/// good index is used (flagged stale); a repository that fails with no
/// cache makes a chart found nowhere else `source-error`, not `unknown`.
#[test]
fn many_releases_one_request_per_repository_and_failures_keep_last_good_data() {
    let home = Home::new();
    let scratch = home.dir.join("scratch");
    let srv = chart_repo();
    let repos: Vec<RepoDir> = (0..3)
        .map(|i| srv.new_dir(&format!("upg-many{i}")))
        .collect();
    for (i, r) in repos.iter().enumerate() {
        for v in ["1.0.0", "1.0.1"] {
            publish(&home, &scratch, r, &format!("c{i}"), v, "");
        }
        index(&home, r);
        home.run(
            Tool::Helm3,
            ["repo", "add", &r.name, &srv.url_plain(&r.name)],
        )
        .ok();
    }
    let releases: Vec<InstalledChart> = (0..500)
        .map(|i| installed(i, &format!("c{}", i % 3), "1.0.0"))
        .collect();
    let before: Vec<usize> = repos.iter().map(|r| index_requests(r).len()).collect();
    let report = block_on(upgrades::check(
        &releases,
        &options(&home),
        Policy::default(),
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    for (r, n) in repos.iter().zip(&before) {
        assert_eq!(index_requests(r).len() - n, 1, "{}", r.name);
        assert_eq!(report.index_fetches[&r.name], IndexFetch::Updated);
    }
    assert!(
        report
            .entries
            .iter()
            .all(|e| e.state == State::UpgradeAvailable(UpgradeKind::Patch)
                && e.tier == Some(Tier::T1)
                && e.latest.as_deref() == Some("1.0.1"))
    );

    // The server fails: the cached index is used, and left untouched.
    let cached = home
        .repository_cache
        .join(format!("{}-index.yaml", repos[0].name));
    let kept = read(&cached);
    std::fs::write(repos[0].path.join("index.yaml.status"), "500").expect("status file");
    let report = block_on(upgrades::check(
        &releases[..3],
        &options(&home),
        Policy::default(),
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.index_fetches[&repos[0].name], IndexFetch::Failed);
    assert_eq!(
        report.entries[0].state,
        State::UpgradeAvailable(UpgradeKind::Patch)
    );
    let stale = report.entries[0].error.clone().unwrap_or_default();
    assert!(stale.contains("500"), "{stale}");
    assert_eq!(read(&cached), kept);
    assert!(report.entries[1].error.is_none());

    // No cache and a failing server: the chart's absence is not known.
    std::fs::remove_file(&cached).expect("remove cache");
    let report = block_on(upgrades::check(
        &[
            installed(0, "c0", "1.0.0"),
            installed(1, "nowhere", "1.0.0"),
        ],
        &options(&home),
        Policy::default(),
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.entries[0].state, State::SourceError);
    assert_eq!(report.entries[1].state, State::SourceError);
    assert!(
        !cached.exists(),
        "a failed request must not create helm's cache file"
    );

    // Offline: no request at all.
    std::fs::remove_file(repos[0].path.join("index.yaml.status")).expect("status file");
    let n: Vec<usize> = repos.iter().map(|r| index_requests(r).len()).collect();
    let report = block_on(upgrades::check(
        &releases[..3],
        &SourceOptions {
            offline: true,
            ..options(&home)
        },
        Policy::default(),
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let after: Vec<usize> = repos.iter().map(|r| index_requests(r).len()).collect();
    assert_eq!(n, after);
    assert_eq!(
        report.entries[1].state,
        State::UpgradeAvailable(UpgradeKind::Patch)
    );
    assert_eq!(
        report.entries[1].source,
        Some(SourceRef::Repo {
            name: repos[1].name.clone(),
            url: srv.url_plain(&repos[1].name),
        })
    );
}

/// A repository behind TLS and Basic auth (added by helm with
/// `--username/--password/--ca-file`), the TLS + htpasswd registry and the
/// token-auth (Bearer) registry (credentials from `helm registry login`)
/// work as sources.
#[test]
fn tls_and_authenticated_sources() {
    let home = Home::new();
    let scratch = home.dir.join("scratch");
    let srv = chart_repo();
    let repo = srv.new_dir("upg-tls");
    for v in ["1.0.0", "1.1.0"] {
        publish(&home, &scratch, &repo, "ctls", v, "");
    }
    index(&home, &repo);
    home.run(
        Tool::Helm4,
        [
            "repo",
            "add",
            "secure",
            &srv.url_tls(&repo.name),
            "--username",
            &srv.username,
            "--password",
            &srv.password,
            "--ca-file",
            &srv.ca_file.to_string_lossy(),
        ],
    )
    .ok();

    let reg = registry_tls();
    reg.login(&home, Tool::Helm4).ok();
    let prefix = reg.oci(&format!("upgtls{}", std::process::id()));
    for version in ["1.0.0", "2.0.0"] {
        let src = make_chart(&scratch, "otls", version, "");
        let tgz = home.package(Tool::Helm4, &src, &scratch.join("oci"));
        home.run(
            Tool::Helm4,
            [
                "push",
                &tgz.to_string_lossy(),
                &prefix,
                "--ca-file",
                &reg.ca_file.to_string_lossy(),
            ],
        )
        .ok();
    }

    let tok = registry_token();
    tok.login(&home, Tool::Helm4).ok();
    let tok_prefix = format!("oci://{}/upgtok{}", tok.host, std::process::id());
    for version in ["1.0.0", "1.5.0"] {
        let src = make_chart(&scratch, "otok", version, "");
        let tgz = home.package(Tool::Helm4, &src, &scratch.join("oci"));
        home.run(
            Tool::Helm4,
            [
                "push",
                &tgz.to_string_lossy(),
                &tok_prefix,
                "--ca-file",
                &tok.ca_file.to_string_lossy(),
            ],
        )
        .ok();
    }
    assert_eq!(tok.ca_file, reg.ca_file, "one CA for every test server");

    let before = index_requests(&repo).len();
    let opts = SourceOptions {
        oci_sources: vec![prefix.clone(), tok_prefix.clone()],
        oci_tls: rudder::fetch::ClientOptions {
            ca_file: Some(reg.ca_file.clone()),
            ..Default::default()
        },
        ..options(&home)
    };
    let report = block_on(upgrades::check(
        &[
            installed(0, "ctls", "1.0.0"),
            installed(1, "otls", "1.0.0"),
            installed(2, "otok", "1.0.0"),
        ],
        &opts,
        Policy::default(),
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let reqs = index_requests(&repo);
    assert_eq!(reqs.len() - before, 1, "{reqs:?}");
    let last = &reqs[reqs.len() - 1];
    assert_eq!(
        (last.listener.as_str(), last.user.as_str(), last.status),
        ("tls-auth", srv.username.as_str(), 200)
    );
    let (c, o) = (&report.entries[0], &report.entries[1]);
    assert_eq!(
        c.state,
        State::UpgradeAvailable(UpgradeKind::Minor),
        "{c:?}"
    );
    assert_eq!(c.source.as_ref().map(SourceRef::label), Some("secure"));
    assert_eq!(
        o.state,
        State::UpgradeAvailable(UpgradeKind::Major),
        "{o:?}"
    );
    assert_eq!(o.latest.as_deref(), Some("2.0.0"));
    assert_eq!(
        o.source,
        Some(SourceRef::Oci {
            reference: format!("{prefix}/otls")
        })
    );

    let t = &report.entries[2];
    assert_eq!(
        t.state,
        State::UpgradeAvailable(UpgradeKind::Minor),
        "{t:?}"
    );
    assert_eq!(
        t.source,
        Some(SourceRef::Oci {
            reference: format!("{tok_prefix}/otok")
        })
    );
    // rudder asked the token server for a pull-only scope on that
    // repository, with the stored credentials.
    let scope = format!("scope=repository:upgtok{}/otok:pull", std::process::id());
    let asked = std::fs::read_to_string(&tok.token_log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<Request>(l).ok())
        .any(|r| {
            r.user_agent.starts_with("rudder/")
                && r.user == tok.username
                && r.status == 200
                && r.query
                    .split('&')
                    .any(|q| q.replace("%3A", ":").replace("%2F", "/") == scope)
        });
    assert!(
        asked,
        "no pull token request from rudder in {}",
        tok.token_log.display()
    );

    // Without the registry's credentials the tag list fails: the list read
    // before is used and the error reported; with no list read before,
    // the chart's source is not known, and says so.
    std::fs::remove_file(&home.registry_config).expect("registry config");
    let opts = SourceOptions {
        oci_cache_ttl: None,
        ..opts
    };
    let one = [installed(1, "otls", "1.0.0")];
    let report =
        block_on(upgrades::check(&one, &opts, Policy::default())).unwrap_or_else(|e| panic!("{e}"));
    let e = &report.entries[0];
    assert_eq!(
        e.state,
        State::UpgradeAvailable(UpgradeKind::Major),
        "{e:?}"
    );
    // The registry client's (oras') text: `GET "<url>": basic credential not found`.
    assert!(
        e.error
            .as_deref()
            .is_some_and(|m| m.starts_with("GET \"") && m.ends_with(": basic credential not found")),
        "{e:?}"
    );
    std::fs::remove_file(home.repository_cache.join("rudder-oci-tags.json")).expect("tag cache");
    let report =
        block_on(upgrades::check(&one, &opts, Policy::default())).unwrap_or_else(|e| panic!("{e}"));
    let e = &report.entries[0];
    assert_eq!(e.state, State::SourceError, "{e:?}");
    assert!(
        e.error
            .as_deref()
            .is_some_and(|m| m.contains("basic credential not found")),
        "{e:?}"
    );
}
