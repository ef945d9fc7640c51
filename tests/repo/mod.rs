//! Chart repositories against the real chart server (chartsrv: plain,
//! Basic auth, TLS) and the real helm v3 and v4: every `repo`, `search
//! repo`, `pull` and `dependency` command run by helm in one isolated home
//! and by rudder (`--compat v3|v4`) in a twin home after the same setup;
//! outputs, exit codes and the files written (repositories.yaml, the
//! index cache, pulled archives, Chart.lock) compared, with only each
//! home's own path and helm's random temporary-file digits masked.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::harness::home::Home;
use crate::harness::servers::{ChartRepo, RepoDir, chart_repo};
use crate::harness::{Out, Tool};

/// helm v3 or v4, and the `--compat` rudder imitates it with.
#[derive(Clone, Copy, Debug)]
struct Helm {
    tool: Tool,
    compat: &'static str,
}

impl Helm {
    /// `args` as `tool` takes them: rudder gets `--compat` first.
    fn args<S: AsRef<str>>(&self, tool: Tool, args: &[S]) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        if tool == Tool::Rudder {
            v.extend(["--compat".into(), self.compat.into()]);
        }
        v.extend(args.iter().map(|a| a.as_ref().to_string()));
        v
    }
}

const HELMS: [Helm; 2] = [
    Helm {
        tool: Tool::Helm3,
        compat: "v3",
    },
    Helm {
        tool: Tool::Helm4,
        compat: "v4",
    },
];

/// The twin homes of one comparison: helm's and rudder's.
struct Twins {
    helm: Helm,
    h: Home,
    r: Home,
}

impl Twins {
    fn new(helm: Helm) -> Twins {
        Twins {
            helm,
            h: Home::new(),
            r: Home::new(),
        }
    }

    /// Runs a setup command with helm in both homes (`{home}` in an
    /// argument is each home's directory).
    fn setup(&self, args: &[&str]) {
        for home in [&self.h, &self.r] {
            home.run(self.helm.tool, expand(args, home)).ok();
        }
    }

    /// Runs `args` with helm in its home and with rudder in its twin;
    /// returns both outputs, home paths masked.
    fn run(&self, args: &[&str]) -> (Masked, Masked) {
        self.run_full(args, None)
    }

    /// [`Twins::run`] with `stdin` as both commands' standard input.
    fn run_stdin(&self, args: &[&str], stdin: &[u8]) -> (Masked, Masked) {
        self.run_full(args, Some(stdin))
    }

    fn run_full(&self, args: &[&str], stdin: Option<&[u8]>) -> (Masked, Masked) {
        let [h, r] = [(&self.h, self.helm.tool), (&self.r, Tool::Rudder)].map(|(home, tool)| {
            let out = home.run_full(tool, self.helm.args(tool, &expand(args, home)), &[], stdin);
            Masked::of(&out, home)
        });
        (h, r)
    }

    /// [`Twins::run`], asserting that outputs and exit codes are equal and
    /// that both homes hold the same files with the same contents and
    /// modes.
    #[track_caller]
    fn same(&self, args: &[&str]) -> Masked {
        let (h, r) = self.run(args);
        assert_eq!(h, r, "helm {} vs rudder for {args:?}", self.helm.compat);
        same_tree(
            &self.h,
            &self.r,
            &format!("{args:?} (helm {})", self.helm.compat),
        );
        h
    }
}

/// Both homes hold the same files; the message lists only the differing
/// ones.
#[track_caller]
fn same_tree(h: &Home, r: &Home, what: &str) {
    let (th, tr) = (tree(h), tree(r));
    if th != tr {
        let keys: std::collections::BTreeSet<&String> = th.keys().chain(tr.keys()).collect();
        let diff: Vec<String> = keys
            .into_iter()
            .filter(|k| th.get(*k) != tr.get(*k))
            .map(|k| format!("{k}:\n  helm:   {:?}\n  rudder: {:?}", th.get(k), tr.get(k)))
            .collect();
        panic!("files differ after {what}:\n{}", diff.join("\n"));
    }
}

fn expand(args: &[&str], home: &Home) -> Vec<String> {
    let dir = home.dir.to_string_lossy();
    args.iter().map(|a| a.replace("{home}", &dir)).collect()
}

/// A command's output with the home directory replaced by `$HOME` and
/// Go's random temporary-file suffix (`.tgz1234567:`) removed.
#[derive(Debug, PartialEq, Eq)]
struct Masked {
    stdout: String,
    stderr: String,
    code: i32,
}

impl Masked {
    fn of(out: &Out, home: &Home) -> Masked {
        let dir = home.dir.to_string_lossy().into_owned();
        let mask = |s: &str| {
            let s = s.replace(&dir, "$HOME");
            let re = regex::Regex::new(r"\.tgz[0-9]+:").expect("regex");
            re.replace_all(&s, ".tgz:").into_owned()
        };
        Masked {
            stdout: sort_update_blocks(&mask(&out.stdout)),
            stderr: mask(&out.stderr),
            code: out.code(),
        }
    }
}

/// helm updates repositories in parallel and prints each result as it
/// comes: runs of `...` result lines (with their tab-indented error line)
/// are put in a fixed order.
fn sort_update_blocks(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut run: Vec<String> = Vec::new();
    let flush = |run: &mut Vec<String>, out: &mut Vec<String>| {
        run.sort();
        out.append(run);
    };
    for line in text.split_inclusive('\n') {
        if line.starts_with("...") {
            run.push(line.to_string());
        } else if line.starts_with('\t') && !run.is_empty() {
            if let Some(last) = run.last_mut() {
                last.push_str(line);
            }
        } else {
            flush(&mut run, &mut out);
            out.push(line.to_string());
        }
    }
    flush(&mut run, &mut out);
    out.concat()
}

/// Every file under a home (config, cache, work): relative path -> (mode,
/// contents). `*-charts.txt` is compared as a sorted set of lines (helm
/// writes it in Go's random map order); a one-off `--repo` cache name is
/// random too. The lock file's existence and mode are kept, not its
/// (empty) contents.
fn tree(home: &Home) -> BTreeMap<String, (u32, String)> {
    use std::os::unix::fs::PermissionsExt as _;
    let lock_time = regex::Regex::new(r#"generated: "[^"]*""#).expect("regex");
    let mut out = BTreeMap::new();
    let mut stack = vec![home.dir.clone()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let Ok(m) = std::fs::symlink_metadata(&p) else {
                continue;
            };
            if m.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p
                .strip_prefix(&home.dir)
                .map(|r| r.to_string_lossy().into_owned())
                .unwrap_or_default();
            let data = std::fs::read(&p).unwrap_or_default();
            let text = if rel.ends_with("-charts.txt") {
                let s = String::from_utf8_lossy(&data);
                let mut lines: Vec<&str> = s.lines().collect();
                lines.sort_unstable();
                lines.join("\n")
            } else if rel.ends_with(".tgz") || rel.ends_with(".chart") {
                archive_summary(&data)
            } else if rel.ends_with("Chart.lock") {
                // The lock's `generated` is the time it was written.
                lock_time
                    .replace_all(&String::from_utf8_lossy(&data), "generated: TIME")
                    .into_owned()
            } else {
                String::from_utf8_lossy(&data).into_owned()
            };
            out.insert(rel, (m.permissions().mode() & 0o7777, text));
        }
    }
    out
}

/// An archive as its entries (name, sha256 of the contents): packaging
/// times and gzip bytes differ between Go and Rust, the chart does not.
/// Bytes that are no gzip tar are summarised by their own sha256.
fn archive_summary(data: &[u8]) -> String {
    use std::io::Read as _;
    let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(data));
    let mut out = Vec::new();
    let Ok(entries) = ar.entries() else {
        return format!("raw {}", sha(data));
    };
    for e in entries {
        let Ok(mut e) = e else {
            return format!("raw {}", sha(data));
        };
        let name = e
            .path()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut body = Vec::new();
        if e.read_to_end(&mut body).is_err() {
            return format!("raw {}", sha(data));
        }
        out.push(format!("{name} {}", sha(&body)));
    }
    out.join("\n")
}

fn sha(data: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(data))
}

/// A repository directory on the chart server holding the `demo` chart at
/// several versions (a stable one newer than a prerelease's base, build
/// metadata, a prerelease newest overall) and `other`, indexed by helm v3
/// with relative URLs.
struct Published {
    dir: RepoDir,
}

fn chart_dir(root: &Path, name: &str, version: &str, description: &str) -> PathBuf {
    let d = root.join(format!("{name}-{version}"));
    std::fs::create_dir_all(d.join("templates")).expect("chart dir");
    std::fs::write(
        d.join("Chart.yaml"),
        format!(
            "apiVersion: v2\nname: {name}\nversion: {version}\nappVersion: \"1.16.0\"\ndescription: {description}\nkeywords: [web, demo]\ntype: application\n"
        ),
    )
    .expect("Chart.yaml");
    std::fs::write(d.join("values.yaml"), "replicas: 1\n").expect("values");
    std::fs::write(
        d.join("templates/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n",
    )
    .expect("template");
    d
}

const DEMO_VERSIONS: &[&str] = &["0.9.0", "1.0.0", "1.2.3", "1.2.4+build.7", "2.0.0-rc.1"];

fn publish(prefix: &str) -> Published {
    let repo = chart_repo();
    let dir = repo.new_dir(prefix);
    let work = Home::new();
    let src = work.dir.join("src");
    for v in DEMO_VERSIONS {
        let c = chart_dir(&src, "demo", v, "A Helm chart for Kubernetes");
        work.package(Tool::Helm3, &c, &dir.path);
    }
    let c = chart_dir(
        &src,
        "other",
        "0.1.0",
        "Another chart, with a longer description that the search table has to cut at fifty columns",
    );
    work.package(Tool::Helm3, &c, &dir.path);
    work.run(
        Tool::Helm3,
        ["repo".as_ref(), "index".as_ref(), dir.path.as_os_str()],
    )
    .ok();
    Published { dir }
}

fn url(repo: &ChartRepo, p: &Published) -> String {
    repo.url_plain(&p.dir.name)
}

#[test]
fn repo_add_then_search_is_shared_both_ways() {
    let repo = chart_repo();
    let p = publish("shared");
    let u = url(repo, &p);
    for helm in HELMS {
        // helm adds, rudder reads.
        let home = Home::new();
        home.run(helm.tool, ["repo", "add", "myrepo", &u]).ok();
        for args in [
            vec!["search", "repo", "demo"],
            vec!["search", "repo", "-l"],
            vec!["search", "repo", "--devel", "-o", "json"],
            vec!["repo", "list", "-o", "yaml"],
        ] {
            let h = home.run(helm.tool, &args);
            let r = home.run(Tool::Rudder, helm.args(Tool::Rudder, &args));
            assert_eq!(Masked::of(&h, &home), Masked::of(&r, &home), "{args:?}");
        }
        // rudder adds, helm reads; the files are the ones helm writes.
        let twins = Twins::new(helm);
        twins.same(&["repo", "add", "myrepo", &u]);
        let out = twins
            .r
            .run(helm.tool, ["search", "repo", "demo", "-l"])
            .ok();
        assert!(
            out.stdout
                .lines()
                .any(|l| l.starts_with("myrepo/demo ") && l.contains("\t1.2.4+build.7")),
            "{out}"
        );
        let written =
            std::fs::read_to_string(&twins.r.repository_config).expect("repositories.yaml");
        assert!(
            written.starts_with("apiVersion: \"\"\ngenerated: \"0001-01-01T00:00:00Z\"\n"),
            "{written}"
        );
    }
}

#[test]
fn repo_commands_match_helm() {
    let repo = chart_repo();
    let p = publish("cmds");
    let q = publish("cmds-other");
    let u = url(repo, &p);
    let u2 = url(repo, &q);
    let missing = repo.url_plain("no-such-repo");
    for helm in HELMS {
        let t = Twins::new(helm);
        t.same(&["repo", "list"]);
        t.same(&["repo", "list", "-o", "json"]);
        t.same(&["repo", "update"]);
        t.same(&["repo", "remove", "x"]);
        t.same(&["repo", "add", "a/b", &u]);
        t.same(&["repo", "add", "nope", &missing]);
        t.same(&["repo", "add", "o", "oci://127.0.0.1:1/charts"]);
        t.same(&["repo", "add", "myrepo", &u]);
        t.same(&["repo", "add", "myrepo", &u]);
        t.same(&["repo", "add", "myrepo", &u2]);
        t.same(&["repo", "add", "myrepo", &u2, "--force-update"]);
        t.same(&["repo", "add", "second", &u]);
        t.same(&["repo", "list"]);
        t.same(&["repo", "ls", "-o", "yaml"]);
        t.same(&["repo", "update", "second"]);
        t.same(&["repo", "update", "nope"]);
        t.same(&["search", "repo", "web"]);
        t.same(&["search", "repo", "longer", "--max-col-width", "20"]);
        t.same(&["search", "repo", "zzz"]);
        t.same(&["search", "repo", "zzz", "--fail-on-no-result"]);
        t.same(&["search", "repo", "-r", "de.o"]);
        t.same(&["search", "repo", "-r", "[a"]);
        t.same(&["search", "repo", "--version", "abc"]);
        t.same(&["repo", "remove", "second", "nope"]);
        t.same(&["repo", "rm", "myrepo"]);
        t.same(&["repo", "list"]);
    }
}

#[test]
fn repo_update_failures_match_helm() {
    let repo = chart_repo();
    let p = publish("upd");
    let gone = publish("upd-gone");
    let u = url(repo, &p);
    let gu = url(repo, &gone);
    for helm in HELMS {
        let t = Twins::new(helm);
        t.setup(&["repo", "add", "good", &u]);
        t.setup(&["repo", "add", "gone", &gu]);
        // The repository disappears after it was added: its index now 404s
        // and the cached copy stays in use.
        let index = gone.dir.path.join("index.yaml");
        let saved = std::fs::read(&index).expect("index");
        std::fs::remove_file(&index).expect("remove index");
        t.same(&["repo", "update", "gone"]);
        t.same(&["repo", "update", "gone", "--fail-on-repo-update-fail"]);
        t.same(&["search", "repo", "gone/"]);
        std::fs::write(&index, saved).expect("restore index");
    }
}

/// `pull` and `search repo --version C -l` for a grid of constraints:
/// the same file or the same error from helm and rudder.
#[test]
fn version_grid_matches_helm() {
    let repo = chart_repo();
    let p = publish("grid");
    let u = url(repo, &p);
    let constraints = [
        "",
        "1.2.3",
        "1.2",
        "1",
        "~1.2.0",
        "^1.0.0",
        ">=1.0.0 <1.2.4",
        ">=2.0.0-0",
        "1.2.4",
        "1.2.4+build.7",
        "2.0.0-rc.1",
        "9.9.9",
        "abc",
        "<1.0.0",
        "1.x",
        "*",
    ];
    for helm in HELMS {
        let t = Twins::new(helm);
        t.setup(&["repo", "add", "myrepo", &u]);
        for c in constraints {
            let dest = format!("{{home}}/pull-{}", sha(c.as_bytes()));
            for home in [&t.h, &t.r] {
                std::fs::create_dir_all(expand(&[&dest], home)[0].clone()).expect("dest");
            }
            let mut args = vec!["pull", "myrepo/demo", "-d", &dest];
            if !c.is_empty() {
                args.extend(["--version", c]);
            }
            t.same(&args);
            t.same(&["search", "repo", "myrepo/demo", "-l", "--version", c]);
            let mut devel = args.clone();
            devel.push("--devel");
            t.same(&devel);
            let mut one_off = vec!["pull", "demo", "--repo", &u, "-d", &dest];
            if !c.is_empty() {
                one_off.extend(["--version", c]);
            }
            t.same(&one_off);
        }
    }
}

#[test]
fn pull_forms_and_errors_match_helm() {
    let repo = chart_repo();
    let p = publish("pull");
    let u = url(repo, &p);
    let bad = repo.new_dir("pull-bad");
    // A corrupt archive listed by a valid index.
    std::fs::write(bad.path.join("demo-1.0.0.tgz"), b"this is not gzip").expect("junk");
    std::fs::write(
        bad.path.join("index.yaml"),
        "apiVersion: v1\nentries:\n  demo:\n  - apiVersion: v2\n    name: demo\n    version: 1.0.0\n    urls: [demo-1.0.0.tgz]\n    created: \"2020-01-01T00:00:00Z\"\n  gone:\n  - apiVersion: v2\n    name: gone\n    version: 1.0.0\n    urls: [gone-1.0.0.tgz]\n",
    )
    .expect("index");
    let bu = repo.url_plain(&bad.name);
    for helm in HELMS {
        let t = Twins::new(helm);
        t.setup(&["repo", "add", "myrepo", &u]);
        t.setup(&["repo", "add", "bad", &bu]);
        for home in [&t.h, &t.r] {
            std::fs::create_dir_all(home.dir.join("w")).expect("w");
        }
        t.same(&["pull", "demo", "-d", "{home}/w"]);
        t.same(&["pull", "./demo", "-d", "{home}/w"]);
        t.same(&["pull", "norepo/demo", "-d", "{home}/w"]);
        t.same(&["pull", "myrepo/nochart", "-d", "{home}/w"]);
        t.same(&["pull", "myrepo/demo", "-d", "{home}/w"]);
        t.same(&["pull", "myrepo/demo", "-d", "{home}/missing-dir"]);
        t.same(&["pull", &format!("{u}/demo-1.0.0.tgz"), "-d", "{home}/w"]);
        t.same(&["pull", &format!("{u}/nope-1.0.0.tgz"), "-d", "{home}/w"]);
        t.same(&[
            "pull",
            "demo",
            "--repo",
            &u,
            "--version",
            "7",
            "-d",
            "{home}/w",
        ]);
        t.same(&[
            "pull",
            "demo",
            "--repo",
            &repo.url_plain("no-such"),
            "-d",
            "{home}/w",
        ]);
        t.same(&["pull", "bad/gone", "-d", "{home}/w"]);
        // A corrupt archive: pull saves it as served, --untar refuses it.
        t.same(&["pull", "bad/demo", "-d", "{home}/w"]);
        t.same(&[
            "pull",
            "bad/demo",
            "--untar",
            "--untardir",
            "c",
            "-d",
            "{home}/w",
        ]);
        t.same(&["pull", "myrepo/demo", "--untar", "-d", "{home}/w"]);
        t.same(&["pull", "myrepo/demo", "--untar", "-d", "{home}/w"]);
        t.same(&[
            "pull",
            "myrepo/demo",
            "--untar",
            "--untardir",
            "x",
            "-d",
            "{home}/w",
            "--version",
            "1.0.0",
        ]);
    }
}

#[test]
fn tls_and_basic_auth_match_helm() {
    let repo = chart_repo();
    let p = publish("tls");
    let tls = repo.url_tls(&p.dir.name);
    let basic = repo.url_plain_auth(&p.dir.name);
    let ca = repo.ca_file.to_string_lossy().into_owned();
    let user = repo.username.as_str();
    let pass = repo.password.as_str();
    for helm in HELMS {
        let t = Twins::new(helm);
        t.same(&["repo", "add", "noauth", &basic]);
        // A user name without a password prompts; stdin is no terminal.
        t.same(&["repo", "add", "prompt", &basic, "--username", user]);
        let stdin = format!("{pass}\n");
        let (h, r) = t.run_stdin(
            &[
                "repo",
                "add",
                "stdin",
                &basic,
                "--username",
                user,
                "--password-stdin",
            ],
            stdin.as_bytes(),
        );
        assert_eq!(h, r);
        same_tree(&t.h, &t.r, "repo add --password-stdin");
        t.same(&[
            "repo",
            "add",
            "wrong",
            &basic,
            "--username",
            user,
            "--password",
            "bad",
        ]);
        t.same(&[
            "repo",
            "add",
            "untrusted",
            &tls,
            "--username",
            user,
            "--password",
            pass,
        ]);
        t.same(&[
            "repo",
            "add",
            "basic",
            &basic,
            "--username",
            user,
            "--password",
            pass,
        ]);
        t.same(&[
            "repo",
            "add",
            "tls",
            &tls,
            "--ca-file",
            &ca,
            "--username",
            user,
            "--password",
            pass,
        ]);
        t.same(&["repo", "update"]);
        t.same(&["search", "repo", "tls/"]);
        t.same(&["pull", "tls/demo", "-d", "{home}"]);
        t.same(&["pull", "basic/demo", "--version", "1.0.0", "-d", "{home}"]);
        t.same(&[
            "pull",
            "demo",
            "--repo",
            &tls,
            "--ca-file",
            &ca,
            "--username",
            user,
            "--password",
            pass,
            "-d",
            "{home}",
            "--version",
            "0.9.0",
        ]);
    }
    // rudder sends helm's headers: no compression, the chart Accept
    // header, credentials only where helm sends them.
    let home = Home::new();
    home.run(
        Tool::Rudder,
        [
            "repo",
            "add",
            "basic",
            &basic,
            "--username",
            user,
            "--password",
            pass,
        ],
    )
    .ok();
    home.run(
        Tool::Rudder,
        ["pull", "basic/demo", "-d", &home.dir.to_string_lossy()],
    )
    .ok();
    let reqs = repo.requests_under(&p.dir.name);
    let ours: Vec<_> = reqs
        .iter()
        .filter(|r| r.user_agent.starts_with("rudder/"))
        .collect();
    // (reqwest adds `Accept: */*` to the index request, where helm sends
    // none: a documented difference no server here tells apart.)
    assert!(
        ours.iter()
            .any(|r| r.path.ends_with("/index.yaml") && r.user == *user),
        "{ours:?}"
    );
    assert!(
        ours.iter()
            .any(|r| r.path.ends_with(".tgz") && r.user == *user)
    );
}

#[test]
fn bad_indexes_match_helm() {
    let repo = chart_repo();
    let cases: &[(&str, &str)] = &[
        ("empty", ""),
        ("badyaml", "apiVersion: v1\nentries: [\n"),
        ("unknown", "apiVersion: v1\nentries: {}\nfoo: 1\n"),
        ("noversion", "entries: {}\n"),
        (
            "numver",
            "apiVersion: v1\nentries:\n  demo:\n  - name: demo\n    version: 1.0\n    urls: [a.tgz]\n",
        ),
        (
            "invalid",
            "apiVersion: v1\nentries:\n  demo:\n  - name: demo\n    version: x1\n    urls: [a.tgz]\n  - name: demo\n    version: 1.0.0\n    urls: [a.tgz]\n  - null\n",
        ),
        (
            "json",
            "{\"apiVersion\":\"v1\",\"entries\":{\"demo\":[{\"name\":\"demo\",\"version\":\"1.0.0\",\"urls\":[\"a.tgz\"],\"extra\":1}]}}",
        ),
    ];
    for (name, body) in cases {
        let d = repo.new_dir(name);
        std::fs::write(d.path.join("index.yaml"), body).expect("index");
        let u = repo.url_plain(&d.name);
        for helm in HELMS {
            let t = Twins::new(helm);
            t.same(&["repo", "add", name, &u]);
            t.same(&["search", "repo", "-l"]);
            // The same index served to an existing repository's update,
            // and read from the cache by search.
            let good = publish("good");
            let gu = url(repo, &good);
            t.setup(&["repo", "add", "x", &gu]);
            for home in [&t.h, &t.r] {
                std::fs::write(home.repository_cache.join("x-index.yaml"), body).expect("cache");
            }
            t.same(&["search", "repo", "demo"]);
            t.same(&["pull", "x/demo", "-d", "{home}"]);
        }
    }
}

/// `repo index` on the same packaged charts (fixtures and real-world
/// charts packaged by helm): the same YAML/JSON once `created` and
/// `generated` timestamps are masked.
#[test]
fn repo_index_matches_helm() {
    let work = Home::new();
    let base = work.dir.join("charts");
    let src = work.dir.join("src");
    for v in DEMO_VERSIONS {
        let c = chart_dir(&src, "demo", v, "A Helm chart for Kubernetes");
        work.package(Tool::Helm3, &c, &base);
    }
    let real = crate::harness::realcharts();
    if let Ok(rd) = std::fs::read_dir(&real) {
        for e in rd.flatten() {
            if e.path().join("Chart.yaml").exists() {
                work.package(Tool::Helm3, &e.path(), &base.join("sub"));
            }
        }
    }
    // Not a chart: skipped by both.
    std::fs::write(base.join("junk.tgz"), b"junk").expect("junk");
    let ts = regex::Regex::new(r#"(created|generated)(": |: )"?[0-9T:.+-]+Z?"?"#).expect("regex");
    for helm in HELMS {
        for flags in [
            vec![],
            vec!["--url", "https://charts.example.com/x/"],
            vec!["--json"],
        ] {
            let mut outs = Vec::new();
            for tool in [helm.tool, Tool::Rudder] {
                let d = work.dir.join(format!("idx-{}-{:?}", helm.compat, tool));
                let _ = std::fs::remove_dir_all(&d);
                copy_dir(&base, &d);
                let mut args = vec![
                    "repo".into(),
                    "index".into(),
                    d.to_string_lossy().into_owned(),
                ];
                args.extend(flags.iter().map(|s| s.to_string()));
                let args = helm.args(tool, &args);
                let out = work.run(tool, &args);
                let text = std::fs::read_to_string(d.join("index.yaml")).unwrap_or_default();
                outs.push((
                    out.code(),
                    out.stdout,
                    out.stderr,
                    ts.replace_all(&text, "$1$2TIME").into_owned(),
                ));
            }
            assert_eq!(
                outs[0], outs[1],
                "repo index {flags:?} (helm {})",
                helm.compat
            );
        }
        // --merge into an existing index keeps its records.
        let mut outs = Vec::new();
        for tool in [helm.tool, Tool::Rudder] {
            let d = work.dir.join(format!("merge-{}-{:?}", helm.compat, tool));
            let _ = std::fs::remove_dir_all(&d);
            copy_dir(&base, &d);
            let old = work
                .dir
                .join(format!("old-{}-{:?}.yaml", helm.compat, tool));
            std::fs::write(&old, "apiVersion: v1\nentries:\n  demo:\n  - apiVersion: v2\n    name: demo\n    version: 1.0.0\n    urls: [https://elsewhere/demo-1.0.0.tgz]\n    digest: abc\n    created: \"2020-01-01T00:00:00Z\"\n  gone:\n  - apiVersion: v2\n    name: gone\n    version: 3.0.0\n    urls: [gone.tgz]\n    created: \"2020-01-01T00:00:00Z\"\ngenerated: \"2020-01-01T00:00:00Z\"\n").expect("old");
            let args = helm.args(
                tool,
                &[
                    "repo".into(),
                    "index".into(),
                    d.to_string_lossy().into_owned(),
                    "--merge".into(),
                    old.to_string_lossy().into_owned(),
                ],
            );
            let out = work.run(tool, &args);
            let text = std::fs::read_to_string(d.join("index.yaml")).unwrap_or_default();
            outs.push((out.code(), ts.replace_all(&text, "$1$2TIME").into_owned()));
        }
        assert_eq!(
            outs[0], outs[1],
            "repo index --merge (helm {})",
            helm.compat
        );
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).expect("copy");
        }
    }
}

/// `dependency update` / `build` on a chart depending on the repository
/// (by URL and by `@name`) and on a local `file://` chart: the same lines,
/// the same archives in `charts/`, the same Chart.lock (its `generated`
/// time masked); then the out-of-sync and unknown-repository errors.
#[test]
fn dependency_update_and_build_match_helm() {
    let repo = chart_repo();
    let p = publish("deps");
    let u = url(repo, &p);
    let generated = regex::Regex::new(r#"generated: "[^"]*""#).expect("regex");
    for helm in HELMS {
        let t = Twins::new(helm);
        t.setup(&["repo", "add", "myrepo", &u]);
        for home in [&t.h, &t.r] {
            let parent = chart_dir(&home.dir, "parent", "1.0.0", "parent");
            let mut cy = std::fs::read_to_string(parent.join("Chart.yaml")).expect("Chart.yaml");
            cy.push_str(&format!(
                "dependencies:\n- name: demo\n  version: \"~1.2.0\"\n  repository: \"{u}\"\n- name: other\n  version: \">=0.1.0\"\n  repository: \"@myrepo\"\n- name: local\n  version: 0.3.0\n  repository: \"file://../local\"\n"
            ));
            std::fs::write(parent.join("Chart.yaml"), cy).expect("Chart.yaml");
            let local = chart_dir(&home.dir, "local", "0.3.0", "local");
            std::fs::rename(&local, home.dir.join("local")).expect("rename");
        }
        let chart = "{home}/parent-1.0.0";
        let (h, r) = t.run(&["dependency", "update", chart]);
        assert_eq!(h, r, "dependency update (helm {})", helm.compat);
        let lock = |home: &Home| {
            generated
                .replace_all(
                    &std::fs::read_to_string(home.dir.join("parent-1.0.0/Chart.lock"))
                        .unwrap_or_default(),
                    "generated: TIME",
                )
                .into_owned()
        };
        assert_eq!(lock(&t.h), lock(&t.r), "Chart.lock (helm {})", helm.compat);
        let charts = |home: &Home| {
            let mut v: Vec<String> = std::fs::read_dir(home.dir.join("parent-1.0.0/charts"))
                .map(|rd| {
                    rd.flatten()
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
            v.sort();
            v
        };
        assert_eq!(charts(&t.h), charts(&t.r));
        t.same(&["dependency", "build", chart, "--skip-refresh"]);
        // Out of sync: the declared range changes after the lock.
        for home in [&t.h, &t.r] {
            let f = home.dir.join("parent-1.0.0/Chart.yaml");
            let cy = std::fs::read_to_string(&f)
                .expect("Chart.yaml")
                .replace("~1.2.0", "~1.0.0");
            std::fs::write(f, cy).expect("Chart.yaml");
        }
        t.same(&["dependency", "build", chart]);
        for home in [&t.h, &t.r] {
            let f = home.dir.join("parent-1.0.0/Chart.yaml");
            let cy = std::fs::read_to_string(&f)
                .expect("Chart.yaml")
                .replace("@myrepo", "@nosuch");
            std::fs::write(f, cy).expect("Chart.yaml");
        }
        t.same(&["dependency", "update", chart]);
        t.same(&["dependency", "update", "{home}/nowhere"]);
    }
}

/// `repo::locate` (what install/upgrade/show/template use) leaves the same
/// cached archive as `helm show chart` does: v3 `<repository
/// cache>/<file>.tgz`, v4 `<content cache>/<hh>/<sha256>.chart`; and
/// fails with helm's message for the reference forms helm refuses.
#[test]
fn locate_caches_like_helm_show() {
    let repo = chart_repo();
    let p = publish("locate");
    let u = url(repo, &p);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    for helm in HELMS {
        let compat = if helm.compat == "v3" {
            rudder::compat::Compat::V3
        } else {
            rudder::compat::Compat::V4
        };
        for (reference, version, repo_url) in [
            ("myrepo/demo", "", ""),
            ("myrepo/demo", "1.2", ""),
            ("myrepo/demo", "9.9.9", ""),
            ("demo", "", ""),
            ("norepo/demo", "", ""),
            ("./nowhere", "", ""),
            ("demo", "", u.as_str()),
        ] {
            let t = Twins::new(helm);
            t.setup(&["repo", "add", "myrepo", &u]);
            let mut args = vec!["show", "chart", reference];
            if !version.is_empty() {
                args.extend(["--version", version]);
            }
            if !repo_url.is_empty() {
                args.extend(["--repo", repo_url]);
            }
            let h = t.h.run(helm.tool, &args);
            let paths = rudder::repo::HelmPaths {
                config_home: t.r.config_home.clone(),
                cache_home: t.r.cache_home.clone(),
                data_home: t.r.data_home.clone(),
                registry_config: t.r.registry_config.clone(),
                repository_config: t.r.repository_config.clone(),
                repository_cache: t.r.repository_cache.clone(),
                content_cache: t.r.cache_home.join("content"),
            };
            let opts = rudder::repo::LocateOptions {
                paths: Some(paths),
                compat,
                version: version.into(),
                repo_url: repo_url.into(),
                ..Default::default()
            };
            let located = rt.block_on(rudder::repo::locate(reference, &opts));
            match located {
                Ok(l) => {
                    assert!(h.status.success(), "{h}");
                    assert!(l.path.starts_with(&t.r.dir), "{l:?}");
                }
                Err(e) => {
                    assert_eq!(h.stderr, format!("Error: {e}\n"), "{reference} {version}");
                }
            }
            assert_eq!(
                tree(&t.h),
                tree(&t.r),
                "cache after {args:?} (helm {})",
                helm.compat
            );
        }
    }
}

/// `pull oci://…` through the plain registry (charts pushed by helm):
/// the same lines (v3 on stderr, v4 on stdout), files and errors; and a
/// chart depending on the registry by a range (tag listing) updated by
/// both.
#[test]
fn oci_pull_and_dependencies_match_helm() {
    let reg = crate::harness::servers::registry_plain();
    let work = Home::new();
    let src = work.dir.join("src");
    let pkgs = work.dir.join("pkgs");
    let ns = format!("repo-oci-{}", std::process::id());
    for v in ["1.0.0", "1.2.3", "2.0.0-rc.1"] {
        let c = chart_dir(&src, "demo", v, "A Helm chart for Kubernetes");
        let tgz = work.package(Tool::Helm3, &c, &pkgs);
        work.run(
            Tool::Helm3,
            [
                "push".as_ref(),
                tgz.as_os_str(),
                reg.oci(&ns).as_ref(),
                "--plain-http".as_ref(),
            ],
        )
        .ok();
    }
    let chart = reg.oci(&format!("{ns}/demo"));
    for helm in HELMS {
        let t = Twins::new(helm);
        for args in [
            vec!["pull", chart.as_str(), "--plain-http", "-d", "{home}"],
            vec![
                "pull",
                chart.as_str(),
                "--plain-http",
                "-d",
                "{home}",
                "--version",
                "1.2.3",
            ],
            vec![
                "pull",
                chart.as_str(),
                "--plain-http",
                "-d",
                "{home}",
                "--version",
                "~1.0",
            ],
            vec![
                "pull",
                chart.as_str(),
                "--plain-http",
                "-d",
                "{home}",
                "--devel",
            ],
            vec![
                "pull",
                chart.as_str(),
                "--plain-http",
                "-d",
                "{home}",
                "--version",
                "9.9.9",
            ],
            vec![
                "pull",
                &format!("{chart}:1.0.0"),
                "--plain-http",
                "-d",
                "{home}/x",
                "--untar",
            ],
        ] {
            t.same(&args);
        }
        for home in [&t.h, &t.r] {
            let parent = chart_dir(&home.dir, "parent", "1.0.0", "parent");
            let mut cy = std::fs::read_to_string(parent.join("Chart.yaml")).expect("Chart.yaml");
            cy.push_str(&format!(
                "dependencies:\n- name: demo\n  version: \"^1.0.0\"\n  repository: \"{}\"\n",
                reg.oci(&ns)
            ));
            std::fs::write(parent.join("Chart.yaml"), cy).expect("Chart.yaml");
        }
        let (h, r) = t.run(&[
            "dependency",
            "update",
            "{home}/parent-1.0.0",
            "--plain-http",
        ]);
        assert_eq!(h, r, "OCI dependency update (helm {})", helm.compat);
    }
}

/// `show chart|values` of repository references: helm's output, errors
/// and cached files.
#[test]
fn show_resolves_repository_charts_like_helm() {
    let repo = chart_repo();
    let p = publish("show");
    let u = url(repo, &p);
    for helm in HELMS {
        let t = Twins::new(helm);
        t.setup(&["repo", "add", "myrepo", &u]);
        t.same(&["show", "chart", "myrepo/demo"]);
        t.same(&["show", "values", "myrepo/demo", "--version", "1.0.0"]);
        t.same(&["show", "chart", "myrepo/demo", "--devel"]);
        t.same(&["show", "chart", "myrepo/demo", "--version", "1.2"]);
        t.same(&["show", "chart", "demo", "--repo", &u, "--version", "0.9.0"]);
        t.same(&["show", "chart", "myrepo/demo", "--version", "9.9.9"]);
        t.same(&["show", "chart", "norepo/demo"]);
        t.same(&["show", "chart", "demo"]);
        t.same(&["show", "chart", "./nowhere"]);
    }
}
