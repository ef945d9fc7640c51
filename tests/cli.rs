//! The command line's surroundings against the real cluster and the real
//! helm v3 and v4: helm's messages for bad flags and unreachable clusters,
//! helm's global flags (impersonation, proxy, rate limit), logs that never
//! show secrets, completion, the man page, `version`, the helm plugin and
//! the binary's run-time dependencies.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::compat::check::{case, check_all};
use crate::compat::matrix::both;
use crate::harness::{Out, TestNs, Tool, chart, cluster, repo_root};

fn rudder_bin() -> PathBuf {
    Tool::Rudder.path()
}

/// helm's messages for bad input that never reaches a release: compared
/// with helm v3 and v4 byte for byte (stderr and exit status).
#[test]
fn flag_and_connection_errors_match_helm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad_yaml = dir.path().join("bad.yaml");
    std::fs::write(&bad_yaml, "apiVersion: v1\nclusters: [\n").expect("write");
    let no_current = dir.path().join("no-current.yaml");
    let kc = std::fs::read_to_string(&cluster().kubeconfig).expect("kubeconfig");
    let without_current: String = kc
        .lines()
        .filter(|l| !l.starts_with("current-context:"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&no_current, without_current).expect("write");
    let missing = dir.path().join("missing.yaml");
    let (bad_yaml, no_current, missing) = (
        bad_yaml.to_string_lossy().into_owned(),
        no_current.to_string_lossy().into_owned(),
        missing.to_string_lossy().into_owned(),
    );
    for m in both() {
        let ns = m.ns.name.as_str();
        let web = m.name("web");
        let mut cases = vec![];
        for filter in ["a(", "a)", "x[ab", "*a", "\\q", "a\\", "[z-a]", "a{2,1}"] {
            cases.push(case(&["list", "-n", ns, "-f", filter]));
        }
        for selector in ["a b", "a=(", "!", "a in b", "a,", "x==y==z"] {
            cases.push(case(&["list", "-n", ns, "-l", selector]));
        }
        for cmd in [
            &["list"][..],
            &["status", &web],
            &["history", &web],
            &["get", "values", &web],
        ] {
            let mut unreachable = vec!["--kube-apiserver", "https://127.0.0.1:1", "-n", ns];
            unreachable.extend_from_slice(cmd);
            cases.push(case(&unreachable));
            for kubeconfig in [&missing, &no_current] {
                let mut args = vec!["--kubeconfig", kubeconfig.as_str(), "-n", ns];
                args.extend_from_slice(cmd);
                cases.push(case(&args));
            }
            let mut args = vec!["--kube-context", "no-such-context", "-n", ns];
            args.extend_from_slice(cmd);
            cases.push(case(&args));
        }
        // A user without rights: helm's forbidden message.
        cases.push(case(&["list", "-n", ns, "--kube-as-user", "nobody"]));
        cases.push(case(&[
            "status",
            &web,
            "-n",
            ns,
            "--kube-as-user",
            "nobody",
        ]));
        check_all(m, &cases, &[]);
        // helm has no --driver flag: only the variable, lower case only.
        for driver in ["Secret", "ConfigMap", "sql2"] {
            check_all(m, &[case(&["list", "-n", ns])], &[("HELM_DRIVER", driver)]);
        }
        // A kubeconfig that is not YAML: the same message up to the YAML
        // parser's own detail (go-yaml's wording is not reproduced).
        for cmd in [&["list"][..], &["status", &web]] {
            let mut args = vec!["--kubeconfig", bad_yaml.as_str(), "-n", ns];
            args.extend_from_slice(cmd);
            let mut rargs = vec![];
            if m.major == 3 {
                rargs.extend(["--compat", "v3"]);
            }
            rargs.extend_from_slice(&args);
            let helm = m.helm.run(&args).failed();
            let rudder = Tool::Rudder.run(&rargs).failed();
            let head = format!("error loading config file \"{bad_yaml}\": ");
            let upto = |s: &str| s.split(&head).next().map(str::to_string);
            assert!(helm.stderr.contains(&head), "{helm}");
            assert!(rudder.stderr.contains(&head), "{rudder}");
            assert_eq!(upto(&helm.stderr), upto(&rudder.stderr), "{helm}\n{rudder}");
            assert_eq!(helm.code(), rudder.code());
        }
        check_all(
            m,
            &[case(&["history", &web, "-n", ns])],
            &[("HELM_KUBEASUSER", "nobody")],
        );
    }
}

/// `--kube-as-user` / `--kube-as-group` really impersonate: a user with no
/// rights is refused, the same user in `system:masters` is not.
#[test]
fn impersonation_is_sent_to_the_server() {
    let ns = TestNs::new("cli-impersonate");
    ns.helm4(["install", "imp", &chart("web").to_string_lossy()])
        .ok();
    let refused = ns.rudder(["list", "--kube-as-user", "nobody"]).failed();
    assert!(
        refused.stderr.contains("forbidden") && refused.stderr.contains("\"nobody\""),
        "{refused}"
    );
    let allowed = ns
        .rudder([
            "list",
            "-q",
            "--kube-as-user",
            "nobody",
            "--kube-as-group",
            "system:authenticated",
            "--kube-as-group",
            "system:masters",
        ])
        .ok();
    assert_eq!(allowed.stdout, "imp\n", "{allowed}");
    let by_env = ns.run_env(
        Tool::Rudder,
        ["list", "-q"],
        &[
            ("HELM_KUBEASUSER", "nobody"),
            ("HELM_KUBEASGROUPS", "system:masters"),
        ],
    );
    assert_eq!(by_env.ok().stdout, "imp\n");
}

/// A tiny HTTP CONNECT proxy on loopback that counts the tunnels it opened.
fn connect_proxy() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let tunnels = Arc::new(AtomicUsize::new(0));
    let count = tunnels.clone();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(mut client) = client else { continue };
            let count = count.clone();
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read(&mut byte).unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let Some(target) = head
                    .strip_prefix("CONNECT ")
                    .and_then(|r| r.split(' ').next())
                else {
                    let _ = client.write_all(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n");
                    return;
                };
                let Ok(upstream) = TcpStream::connect(target) else {
                    let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
                    return;
                };
                count.fetch_add(1, Ordering::SeqCst);
                let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
                let (mut c2, mut u2) = (
                    client.try_clone().expect("clone"),
                    upstream.try_clone().expect("clone"),
                );
                let mut u1 = upstream;
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut c2, &mut u1);
                    let _ = u1.shutdown(std::net::Shutdown::Write);
                });
                let _ = std::io::copy(&mut u2, &mut client);
                let _ = client.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    (format!("http://{addr}"), tunnels)
}

/// The test kubeconfig with `proxy-url` set on its cluster (as JSON, which
/// every kubeconfig reader takes).
fn kubeconfig_with_proxy(dir: &Path, proxy: &str) -> PathBuf {
    let mut kc =
        kube::config::Kubeconfig::read_from(&cluster().kubeconfig).expect("read kubeconfig");
    for c in &mut kc.clusters {
        if let Some(cluster) = c.cluster.as_mut() {
            cluster.proxy_url = Some(proxy.to_string());
        }
    }
    let path = dir.join("proxied.json");
    std::fs::write(&path, serde_json::to_vec(&kc).expect("json")).expect("write");
    path
}

/// A kubeconfig `proxy-url` is used, not ignored: every connection goes
/// through the proxy, and a dead proxy means no connection at all.
#[test]
fn kubeconfig_proxy_url_is_honoured() {
    let ns = TestNs::new("cli-proxy");
    ns.helm4(["install", "viaproxy", &chart("web").to_string_lossy()])
        .ok();
    let dir = tempfile::tempdir().expect("tempdir");
    let (proxy, tunnels) = connect_proxy();
    let kc = kubeconfig_with_proxy(dir.path(), &proxy);
    let out = ns.rudder(["list", "-q", "--kubeconfig", &kc.to_string_lossy()]);
    assert_eq!(out.ok().stdout, "viaproxy\n");
    assert!(
        tunnels.load(Ordering::SeqCst) >= 1,
        "no tunnel through the proxy"
    );

    // Nothing listens on the proxy's port any more once this is dropped.
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    };
    let kc = kubeconfig_with_proxy(dir.path(), &format!("http://{closed}"));
    let out = ns
        .rudder(["list", "--kubeconfig", &kc.to_string_lossy()])
        .failed();
    assert!(out.stderr.contains("cluster unreachable"), "{out}");
}

/// `--qps` / `--burst-limit` pace requests on the client: after the burst,
/// one request per `1/qps` seconds.
#[test]
fn qps_limits_the_request_rate() {
    let ns = TestNs::new("cli-qps");
    ns.helm4(["install", "paced", &chart("web").to_string_lossy()])
        .ok();
    let started = Instant::now();
    let out = ns
        .rudder([
            "status",
            "paced",
            "--debug",
            "--qps",
            "4",
            "--burst-limit",
            "1",
        ])
        .ok();
    let took = started.elapsed();
    let requests = out
        .stderr
        .lines()
        .filter(|l| l.contains("request") && l.contains("status="))
        .count();
    assert!(
        requests >= 3,
        "status makes several requests:\n{}",
        out.stderr
    );
    let floor = Duration::from_millis(250) * u32::try_from(requests - 1).expect("count");
    assert!(
        took >= floor,
        "{requests} requests at 4/s with no burst took {took:?}, under {floor:?}"
    );
}

/// `--debug` and `RUST_LOG=trace` log, and the log never holds a secret
/// value, a record body or a credential.
#[test]
fn debug_logs_never_show_secrets_or_records() {
    let ns = TestNs::new("cli-debug");
    let secret = "s3cr3t-Value-4a7f19";
    let web = chart("web").to_string_lossy().into_owned();
    ns.helm4([
        "install",
        "dbg",
        &web,
        "--set",
        &format!("message={secret}"),
    ])
    .ok();
    ns.helm4([
        "upgrade",
        "dbg",
        &web,
        "--set",
        &format!("message={secret}-2"),
    ])
    .ok();
    let token = std::fs::read_to_string(&cluster().kubeconfig)
        .expect("kubeconfig")
        .lines()
        .find_map(|l| l.trim().strip_prefix("token: ").map(str::to_string))
        .expect("a token in the test kubeconfig");
    let runs: [&[&str]; 6] = [
        &["status", "dbg"],
        &["get", "values", "dbg"],
        &["get", "all", "dbg"],
        &["list"],
        &["history", "dbg"],
        &["rollback", "dbg", "1"],
    ];
    for (env, flag) in [(None, Some("--debug")), (Some("trace"), None)] {
        for args in runs {
            let mut full: Vec<&str> = args.to_vec();
            full.extend(flag);
            let extra: Vec<(&str, &str)> = env.map(|e| ("RUST_LOG", e)).into_iter().collect();
            let out = ns.run_env(Tool::Rudder, &full, &extra).ok();
            assert!(
                out.stderr.lines().count() >= 2,
                "a log with {flag:?} {env:?}: {out}"
            );
            for (what, needle) in [
                ("secret value", secret),
                ("record body", "H4sI"),
                ("bearer token", token.as_str()),
            ] {
                assert!(
                    !out.stderr.contains(needle),
                    "the log of `{}` shows a {what}:\n{}",
                    out.cmd,
                    out.stderr
                );
            }
        }
    }
    // Without either, stderr stays helm's alone.
    let quiet = ns.rudder(["status", "dbg"]).ok();
    assert_eq!(quiet.stderr, "", "{quiet}");
}

/// Runs a completion request as bash's script does.
fn complete(words: &[&str], env: &[(&str, &str)]) -> Vec<String> {
    let index = (words.len() - 1).to_string();
    let mut all = vec![
        ("COMPLETE", "bash"),
        ("_CLAP_IFS", "\n"),
        ("_CLAP_COMPLETE_INDEX", index.as_str()),
        ("_CLAP_COMPLETE_COMP_TYPE", "9"),
        ("_CLAP_COMPLETE_SPACE", "true"),
    ];
    all.extend_from_slice(env);
    let mut args = vec!["--"];
    args.extend_from_slice(words);
    let out = Tool::Rudder.run_with_env(&args, &all).ok();
    out.stdout
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// [`complete`] without the flags offered alongside values.
fn complete_values(words: &[&str], env: &[(&str, &str)]) -> Vec<String> {
    let mut v = complete(words, env);
    v.retain(|c| !c.starts_with('-'));
    v
}

/// Completion answers subcommands, flags, and live release names,
/// revisions and namespaces from the cluster.
#[test]
fn completion_answers_from_the_cluster() {
    let ns = TestNs::new("cli-complete");
    let other = TestNs::new("cli-complete-other");
    let web = chart("web").to_string_lossy().into_owned();
    ns.helm4(["install", "alpha", &web]).ok();
    ns.helm4(["upgrade", "alpha", &web, "--set", "message=two"])
        .ok();
    ns.helm4(["install", "beta", &web]).ok();
    other.helm4(["install", "gamma", &web]).ok();
    let n = ns.name.as_str();

    let subs = complete(&["rudder", "st"], &[]);
    assert_eq!(subs, ["status"]);
    let flags = complete(&["rudder", "list", "--all-n"], &[]);
    assert_eq!(flags, ["--all-namespaces"]);

    assert_eq!(
        complete_values(&["rudder", "status", "-n", n, ""], &[]),
        ["alpha", "beta"]
    );
    assert_eq!(
        complete_values(&["rudder", "-n", n, "history", "b"], &[]),
        ["beta"]
    );
    assert_eq!(
        complete_values(&["rudder", "get", "values", ""], &[("HELM_NAMESPACE", n)]),
        ["alpha", "beta"]
    );
    assert_eq!(
        complete_values(&["rudder", "status", "--namespace", &other.name, ""], &[]),
        ["gamma"]
    );
    let revisions = complete_values(
        &["rudder", "status", "alpha", "-n", n, "--revision", ""],
        &[],
    );
    assert_eq!(revisions, ["2", "1"], "newest first");
    let rollback = complete_values(&["rudder", "rollback", "-n", n, "alpha", ""], &[]);
    assert_eq!(rollback, ["2", "1"]);
    let namespaces = complete_values(&["rudder", "list", "-n", "cli-complete-"], &[]);
    assert!(
        namespaces.contains(&ns.name) && namespaces.contains(&other.name),
        "{namespaces:?}"
    );
    let contexts = complete_values(&["rudder", "list", "--kube-context", ""], &[]);
    assert_eq!(contexts, ["admin", "restricted"]);
}

/// The scripts `rudder completion <shell>` prints are valid for that
/// shell (checked by each shell that is installed; bash always is).
#[test]
fn completion_scripts_are_valid() {
    for (shell, check) in [
        ("bash", Some(("bash", "-n"))),
        ("zsh", Some(("zsh", "-n"))),
        ("fish", Some(("fish", "-n"))),
        ("powershell", None),
    ] {
        let out = Tool::Rudder.run(["completion", shell]).ok();
        assert!(out.stdout.contains("COMPLETE"), "{out}");
        let Some((prog, flag)) = check else { continue };
        if shell != "bash" && Command::new(prog).arg("--version").output().is_err() {
            continue; // not installed here; bash is required
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join(format!("rudder.{shell}"));
        std::fs::write(&file, &out.stdout).expect("write");
        let res = Command::new(prog)
            .arg(flag)
            .arg(&file)
            .output()
            .expect(prog);
        assert!(
            res.status.success(),
            "{shell} rejects the script: {}",
            String::from_utf8_lossy(&res.stderr)
        );
    }
    let bad = Tool::Rudder.run(["completion", "tcsh"]).failed();
    assert!(bad.stderr.starts_with("Error: "), "{bad}");
}

/// The man page renders and documents every subcommand.
#[test]
fn man_page_renders() {
    let page = Tool::Rudder.run(["man"]).ok().stdout;
    let help = Tool::Rudder.run(["--help"]).ok().stdout;
    // Every subcommand --help lists is in the page.
    let commands: Vec<&str> = help
        .split("Commands:")
        .nth(1)
        .expect("commands in --help")
        .lines()
        .skip(1) // the rest of the `Commands:` line
        .take_while(|l| !l.trim().is_empty())
        // A long description wraps onto deeper-indented lines.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(commands.len() >= 9, "{help}");
    for c in commands {
        assert!(
            page.contains(&format!(".SH \"RUDDER {}", c.to_uppercase())),
            "the man page lacks `{c}`"
        );
    }
    if Command::new("man").arg("--version").output().is_ok() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("rudder.1");
        std::fs::write(&file, &page).expect("write");
        let out = Command::new("man")
            .args(["-l", "-P", "cat"])
            .arg(&file)
            .env("MANWIDTH", "100")
            .output()
            .expect("man");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains("--kube-as-user"), "{text}");
    }
}

/// `version` reports the commit this binary was built from.
#[test]
fn version_names_the_build() {
    let head = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(repo_root())
        .output()
        .expect("git");
    let head = String::from_utf8_lossy(&head.stdout).trim().to_string();
    let short = Tool::Rudder.run(["version", "--short"]).ok().stdout;
    assert_eq!(
        short,
        format!("v{}+g{}\n", env!("CARGO_PKG_VERSION"), &head[..7])
    );
    let full = Tool::Rudder.run(["version"]).ok().stdout;
    assert!(
        full.starts_with(&format!(
            "version.BuildInfo{{Version:\"v{}\", GitCommit:\"{head}\", GitTreeState:\"",
            env!("CARGO_PKG_VERSION")
        )),
        "{full}"
    );
    let t = Tool::Rudder
        .run(["version", "--template", "{{.Version}}"])
        .ok()
        .stdout;
    assert_eq!(t, format!("v{}", env!("CARGO_PKG_VERSION")));
}

/// `helm plugin install helm-plugin/` works with helm v3 and v4, and
/// `helm rudder list -A` prints what rudder prints (imitating the helm it
/// runs under).
#[test]
fn helm_plugin_lists_like_rudder() {
    let ns = TestNs::new("cli-plugin");
    ns.helm4(["install", "plugged", &chart("web").to_string_lossy()])
        .ok();
    let plugin_dir = repo_root().join("helm-plugin");
    let rudder = rudder_bin();
    for (helm, compat) in [(Tool::Helm3, Some("v3")), (Tool::Helm4, None)] {
        // helm's default plugin directory, $HELM_DATA_HOME/plugins: helm
        // v4 (4.2) links a local directory there even when HELM_PLUGINS
        // says otherwise, so a private data home is what isolates it.
        let home = tempfile::tempdir().expect("tempdir");
        let data_s = home.path().join("data").to_string_lossy().into_owned();
        let env = [("HELM_DATA_HOME", data_s.as_str())];
        let install = helm.run_with_env(["plugin", "install", &plugin_dir.to_string_lossy()], &env);
        assert!(install.status.success(), "{install}");
        let listed = helm.run_with_env(["plugin", "list"], &env).ok();
        assert!(listed.stdout.contains("rudder"), "{listed}");
        let mut env_run = env.to_vec();
        let rudder_s = rudder.to_string_lossy().into_owned();
        env_run.push(("RUDDER_BIN", rudder_s.as_str()));
        let filter = "^plugged$".to_string();
        let via_helm: Out = helm.run_with_env(["rudder", "list", "-A", "-f", &filter], &env_run);
        let mut direct_args = vec![];
        if let Some(c) = compat {
            direct_args.extend(["--compat", c]);
        }
        direct_args.extend(["list", "-A", "-f", &filter]);
        let direct = Tool::Rudder.run(&direct_args).ok();
        assert!(via_helm.status.success(), "{via_helm}");
        assert_eq!(via_helm.stdout, direct.stdout, "{via_helm}\n{direct}");
        assert!(via_helm.stdout.contains("plugged"), "{via_helm}");
    }
}

/// The binary needs nothing at run time beyond the C library (rustls, no
/// OpenSSL).
#[test]
fn binary_links_only_libc() {
    let lock = std::fs::read_to_string(repo_root().join("Cargo.lock")).expect("Cargo.lock");
    assert!(
        !lock.contains("name = \"openssl-sys\"") && !lock.contains("name = \"openssl\""),
        "OpenSSL crept into the dependency tree"
    );
    let out = Command::new("ldd").arg(rudder_bin()).output().expect("ldd");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "ldd failed: {text}");
    // glibc itself, its maths library, the unwinder, the loader and the
    // kernel's vDSO.
    let allowed = [
        "linux-vdso",
        "libc.so",
        "libm.so",
        "libgcc_s.so",
        "ld-linux",
    ];
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let first = line.split_whitespace().next().unwrap_or_default();
        let base = first.rsplit('/').next().unwrap_or(first);
        assert!(
            allowed.iter().any(|a| base.starts_with(a)),
            "unexpected run-time dependency: {line}\n{text}"
        );
    }
}

/// `--kube-ca-file` replaces the kubeconfig's CA and
/// `--kube-tls-server-name` the name the certificate is checked against:
/// each works with the right value and fails with a wrong one.
#[test]
fn ca_file_and_tls_server_name_are_used() {
    let ns = TestNs::new("cli-tls");
    let ca = cluster().dir.join("pki/ca.crt");
    assert!(ca.is_file(), "the cluster's CA at {}", ca.display());
    let ca = ca.to_string_lossy().into_owned();
    ns.rudder(["list", "--kube-ca-file", &ca]).ok();
    let other_ca = "/etc/ssl/certs/ca-certificates.crt";
    if Path::new(other_ca).is_file() {
        let out = ns.rudder(["list", "--kube-ca-file", other_ca]).failed();
        assert!(out.stderr.contains("cluster unreachable"), "{out}");
        let by_env = ns.run_env(Tool::Rudder, ["list"], &[("HELM_KUBECAFILE", other_ca)]);
        by_env.failed();
    }
    ns.rudder(["list", "--kube-tls-server-name", "kubernetes.default"])
        .ok();
    let out = ns
        .rudder(["list", "--kube-tls-server-name", "wrong.invalid"])
        .failed();
    assert!(out.stderr.contains("cluster unreachable"), "{out}");
    ns.run_env(
        Tool::Rudder,
        ["list"],
        &[("HELM_KUBETLS_SERVER_NAME", "wrong.invalid")],
    )
    .failed();
}

/// The provenance flags are refused, not ignored: a `--verify` that
/// verified nothing would pass an unsigned chart. Nothing is downloaded or
/// written first.
#[test]
fn provenance_flags_are_refused() {
    let home = crate::harness::Home::new();
    let dest = home.dir.join("dest");
    std::fs::create_dir_all(&dest).expect("dest");
    let dest_arg = dest.to_string_lossy().into_owned();
    let web = chart("web").to_string_lossy().into_owned();
    let cases: [(&[&str], &str); 4] = [
        (
            &["pull", "myrepo/web", "--verify", "-d", &dest_arg],
            "--verify",
        ),
        (&["pull", "myrepo/web", "--prov", "-d", &dest_arg], "--prov"),
        (&["show", "chart", &web, "--verify"], "--verify"),
        (&["dependency", "build", &dest_arg, "--verify"], "--verify"),
    ];
    for (args, flag) in cases {
        let out = home.run(Tool::Rudder, args).failed();
        assert_eq!(out.code(), 1, "{out}");
        assert_eq!(
            out.stderr,
            format!(
                "Error: {flag} is not supported: rudder does not handle provenance files (.prov) yet, so it cannot check a chart's signature\n"
            ),
            "{out}"
        );
        assert!(out.stdout.is_empty(), "{out}");
    }
    assert_eq!(std::fs::read_dir(&dest).expect("dest").count(), 0);
}
