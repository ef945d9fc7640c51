//! Registry interop against the real distribution registry (TLS + htpasswd
//! and plain HTTP) with the real helm v3 and v4: helm pushes and rudder
//! pulls (a grid of `--version` inputs resolved like `helm pull`), rudder
//! pushes and helm pulls (manifest and config identical to helm's),
//! credentials written by one and used by the other, and the error texts.
//! None of these tests needs the cluster.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use rudder::compat::Compat;
use rudder::fetch::ClientOptions;
use rudder::registry::{self, RegistryOptions};

use crate::harness::{Home, Out, Tool, block_on, chart, registry_plain, registry_tls};

const HELMS: [(Tool, Compat); 2] = [(Tool::Helm3, Compat::V3), (Tool::Helm4, Compat::V4)];

fn compat_flag(c: Compat) -> &'static str {
    match c {
        Compat::V3 => "v3",
        Compat::V4 => "v4",
    }
}

/// A repository path unique to this run (the registries outlive a test).
fn unique(prefix: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

/// `helm package --version V` of a fixture chart into `dest`.
fn package(home: &Home, fixture: &str, version: &str, dest: &Path) -> PathBuf {
    std::fs::create_dir_all(dest).expect("package dir");
    home.run(
        Tool::Helm4,
        [
            "package".as_ref(),
            chart(fixture).as_os_str(),
            "--version".as_ref(),
            version.as_ref(),
            "-d".as_ref(),
            dest.as_os_str(),
        ],
    )
    .ok();
    let name = format!("{fixture}-{version}.tgz");
    let p = dest.join(name);
    assert!(p.is_file(), "no archive {}", p.display());
    p
}

/// Where helm prints registry lines: stderr (v3) or stdout (v4).
fn registry_stream(out: &Out, compat: Compat) -> &str {
    match compat {
        Compat::V3 => &out.stderr,
        Compat::V4 => &out.stdout,
    }
}

fn args<'a>(v: &'a [&'a str]) -> Vec<&'a std::ffi::OsStr> {
    v.iter().map(|s| s.as_ref()).collect()
}

/// `tool push TGZ TARGET <conn>` in `home`.
fn push(home: &Home, tool: Tool, tgz: &Path, target: &str, conn: &[&str]) -> Out {
    let tgz = tgz.to_string_lossy();
    let mut v = vec!["push", &tgz, target];
    v.extend_from_slice(conn);
    home.run(tool, args(&v))
}

/// A rudder command line with `--compat`.
fn rudder(home: &Home, compat: Compat, a: &[&str]) -> Out {
    rudder_full(home, compat, a, None)
}

/// [`rudder`] with `stdin` as its standard input, if any.
fn rudder_full(home: &Home, compat: Compat, a: &[&str], stdin: Option<&[u8]>) -> Out {
    let mut v = vec!["--compat", compat_flag(compat)];
    v.extend_from_slice(a);
    home.run_full(Tool::Rudder, args(&v), &[], stdin)
}

/// helm logs in with `helm_login` in one fresh home, rudder (`--compat`)
/// in another with the same `[host, username, ca, password]`; both must
/// succeed and print the same registry lines. Returns (helm's home,
/// rudder's home, helm's output, rudder's output).
fn login_twins(
    tool: Tool,
    compat: Compat,
    helm_login: impl FnOnce(&Home) -> Out,
    [host, username, ca, password]: [&str; 4],
) -> (Home, Home, Out, Out) {
    let helm_home = Home::new();
    let ours_home = Home::new();
    let theirs = helm_login(&helm_home).ok();
    let ours = rudder_login(&ours_home, compat, host, username, ca, password).ok();
    assert_eq!(
        registry_stream(&ours, compat),
        registry_stream(&theirs, compat),
        "{tool:?} login lines"
    );
    (helm_home, ours_home, theirs, ours)
}

/// `rudder --compat C registry login HOST --username U --password-stdin
/// --ca-file CA` with `password` on stdin: helm's login in the harness.
fn rudder_login(
    home: &Home,
    compat: Compat,
    host: &str,
    username: &str,
    ca: &str,
    password: &str,
) -> Out {
    rudder_full(
        home,
        compat,
        &[
            "registry",
            "login",
            host,
            "--username",
            username,
            "--password-stdin",
            "--ca-file",
            ca,
        ],
        Some(password.as_bytes()),
    )
}

fn plain_opts(home: &Home, compat: Compat) -> RegistryOptions {
    RegistryOptions {
        plain_http: true,
        registry_config: home.registry_config.clone(),
        compat,
        ..RegistryOptions::default()
    }
}

fn tls_opts(home: &Home, compat: Compat) -> RegistryOptions {
    RegistryOptions {
        client: ClientOptions {
            ca_file: Some(registry_tls().ca_file.clone()),
            ..ClientOptions::default()
        },
        registry_config: home.registry_config.clone(),
        compat,
        ..RegistryOptions::default()
    }
}

/// helm's `pull` for one case next to rudder's library pull: the same
/// file (name and bytes) and the same lines, or the same error.
fn compare_pull(
    home: &Home,
    (tool, compat): (Tool, Compat),
    reference: &str,
    version: &str,
    devel: bool,
    opts: &RegistryOptions,
    extra: &[&str],
) -> String {
    let dir = home.dir.join(unique("pulled"));
    std::fs::create_dir_all(&dir).expect("pull dir");
    let d = dir.to_string_lossy().to_string();
    let mut a = vec!["pull", reference, "-d", &d];
    if !version.is_empty() {
        a.extend(["--version", version]);
    }
    if devel {
        a.push("--devel");
    }
    a.extend_from_slice(extra);
    let helm = home.run(tool, args(&a));
    let ours = block_on(registry::pull(reference, version, devel, opts));
    let case = format!("{tool:?} pull {reference} --version {version:?} devel={devel}");
    match ours {
        Ok(p) => {
            assert!(
                helm.status.success(),
                "{case}: rudder pulled, helm failed: {helm}"
            );
            assert_eq!(
                registry_stream(&helm, compat),
                registry::pulled_lines(&p),
                "{case}"
            );
            let files: Vec<String> = std::fs::read_dir(&dir)
                .expect("read pull dir")
                .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
                .collect();
            assert_eq!(files, vec![p.file_name.clone()], "{case}");
            let theirs = std::fs::read(dir.join(&p.file_name)).expect("helm's file");
            assert!(theirs == p.bytes, "{case}: archive bytes differ");
            format!("ok {}", p.file_name)
        }
        Err(e) => {
            assert!(
                !helm.status.success(),
                "{case}: helm pulled, rudder failed with {e}: {helm}"
            );
            assert_eq!(helm.stderr, format!("Error: {e}\n"), "{case}");
            format!("error {e}")
        }
    }
}

/// helm v4 pushes several versions to the plain registry; for a grid of
/// references and `--version`/`--devel` inputs, rudder's pull resolves
/// exactly what helm v3 and v4 pull (same file name and bytes, same
/// `Pulled:`/`Digest:` lines), or fails with the same error.
#[test]
fn helm_pushes_rudder_pulls_version_grid() {
    let reg = registry_plain();
    let home = Home::new();
    let ns = unique("grid");
    let pk = home.dir.join("pk");
    let versions = ["0.9.0", "1.0.0", "1.2.3", "1.2.4+build.7", "2.0.0-rc.1"];
    let mut digests = Vec::new();
    for v in versions {
        let tgz = package(&home, "web", v, &pk);
        let out = push(&home, Tool::Helm4, &tgz, &reg.oci(&ns), &["--plain-http"]).ok();
        let digest = out
            .stdout
            .lines()
            .find_map(|l| l.strip_prefix("Digest: "))
            .expect("digest line")
            .to_string();
        digests.push(digest);
    }
    let base = reg.oci(&format!("{ns}/web"));
    let missing = reg.oci(&format!("{ns}/nope"));
    let d100 = &digests[1];
    let cases: Vec<(String, &str, bool)> = vec![
        (base.clone(), "", false),
        (base.clone(), "", true),
        (base.clone(), "1.2.3", false),
        (base.clone(), "1.2", false),
        (base.clone(), "~1.2.0", false),
        (base.clone(), ">=1.0.0 <2.0.0", false),
        (base.clone(), "^1", false),
        (base.clone(), ">5", false),
        (base.clone(), "latest", false),
        (base.clone(), "2.0.0-rc.1", false),
        (base.clone(), ">0.0.0-0", false),
        (base.clone(), "1.2.4+build.7", false),
        (base.clone(), "*", false),
        (base.clone(), "<1.0.0", false),
        (format!("{base}:1.2.3"), "", false),
        (format!("{base}:1.2.3"), "1.2.4", false),
        (format!("{base}:1.2.4+build.7"), "", false),
        (format!("{base}:1.2.4_build.7"), "", false),
        (format!("{base}:1.2.4+build.7"), "1.2.4+build.7", false),
        (format!("{base}:1.2.4_build.7"), "1.2.4+build.7", false),
        (format!("{base}:2.0.0-rc.1"), "", false),
        (format!("{base}@{d100}"), "", false),
        (format!("{base}@{d100}"), "1.0.0", false),
        (format!("{base}@{d100}"), "1.2.3", false),
        (format!("{base}:9.9.9"), "", false),
        (missing.clone(), "", false),
        (missing, "1.0.0", false),
        (format!("{base}:Bad+Tag!"), "", false),
        (format!("oci://{}", reg.host), "", false),
        (reg.oci(&format!("{ns}/Web")), "1.0.0", false),
        (format!("{base}@sha256:abc"), "", false),
    ];
    let mut results = Vec::new();
    for h in HELMS {
        let opts = plain_opts(&home, h.1);
        for (r, v, devel) in &cases {
            results.push(compare_pull(
                &home,
                h,
                r,
                v,
                *devel,
                &opts,
                &["--plain-http"],
            ));
        }
    }
    // The grid exercises both outcomes, not only one.
    assert!(
        results.iter().filter(|r| r.starts_with("ok")).count() >= 20,
        "{results:#?}"
    );
    assert!(
        results.iter().filter(|r| r.starts_with("error")).count() >= 10,
        "{results:#?}"
    );
}

/// The same pull without `--plain-http` against the plain registry: v3
/// falls back to http, v4 fails with Go's text.
#[test]
fn plain_registry_without_plain_http_pull() {
    let reg = registry_plain();
    let home = Home::new();
    let ns = unique("noplain");
    let tgz = package(&home, "web", "0.3.0", &home.dir.join("pk"));
    push(&home, Tool::Helm4, &tgz, &reg.oci(&ns), &["--plain-http"]).ok();
    for h in HELMS {
        let opts = RegistryOptions {
            plain_http: false,
            ..plain_opts(&home, h.1)
        };
        for v in ["0.3.0", ""] {
            compare_pull(
                &home,
                h,
                &reg.oci(&format!("{ns}/web")),
                v,
                false,
                &opts,
                &[],
            );
        }
    }
}

fn curl_json(url: &str, accept: &str) -> String {
    let reg = registry_tls();
    let out = std::process::Command::new("curl")
        .args(["-sS", "--fail", "--cacert"])
        .arg(&reg.ca_file)
        .args(["-u", &format!("{}:{}", reg.username, reg.password)])
        .args(["-H", &format!("Accept: {accept}"), url])
        .output()
        .expect("curl");
    assert!(
        out.status.success(),
        "curl {url}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// The manifest and config a push left in the TLS registry, read with
/// raw HTTP.
fn stored(repo: &str, tag: &str) -> (String, String) {
    let reg = registry_tls();
    let manifest = curl_json(
        &format!("https://{}/v2/{repo}/manifests/{tag}", reg.host),
        "application/vnd.oci.image.manifest.v1+json",
    );
    let v: serde_json::Value = serde_json::from_str(&manifest).expect("manifest json");
    let digest = v["config"]["digest"].as_str().expect("config digest");
    let config = curl_json(
        &format!("https://{}/v2/{repo}/blobs/{digest}", reg.host),
        "*/*",
    );
    (manifest, config)
}

/// rudder logs in and pushes to the TLS registry; helm pushes the same
/// archive (with a `.prov` beside it, and a `+` version) elsewhere: the
/// stored manifests and configs are byte-identical, the output lines are
/// helm's, and helm v3/v4 pull and `show chart` what rudder pushed.
#[test]
fn rudder_pushes_helm_pulls_identical_manifest() {
    let reg = registry_tls();
    let ca = reg.ca_file.to_string_lossy().to_string();
    for (tool, compat) in HELMS {
        let home = Home::new();
        reg.login(&home, tool).ok();
        let pk = home.dir.join("pk");
        for (version, prov) in [("1.0.0", false), ("1.2.4+build.7", true)] {
            let tgz = package(&home, "web", version, &pk);
            if prov {
                let mut p = tgz.as_os_str().to_owned();
                p.push(".prov");
                std::fs::write(
                    PathBuf::from(p),
                    "-----BEGIN PGP SIGNED MESSAGE-----\nnot checked\n",
                )
                .expect("prov");
            }
            let ours_ns = unique("rpush");
            let theirs_ns = unique("hpush");
            let tgz_s = tgz.to_string_lossy().to_string();
            let ours = rudder(
                &home,
                compat,
                &["push", &tgz_s, &reg.oci(&ours_ns), "--ca-file", &ca],
            )
            .ok();
            let theirs = home
                .run(
                    tool,
                    args(&["push", &tgz_s, &reg.oci(&theirs_ns), "--ca-file", &ca]),
                )
                .ok();
            let tag = version.replace('+', "_");
            assert_eq!(
                registry_stream(&ours, compat),
                registry_stream(&theirs, compat).replace(&theirs_ns, &ours_ns),
                "{tool:?} push output"
            );
            assert_eq!(
                stored(&format!("{ours_ns}/web"), &tag),
                stored(&format!("{theirs_ns}/web"), &tag),
                "{tool:?} {version}: manifest and config"
            );
            for (t, _) in HELMS {
                let dir = home.dir.join(unique("hp"));
                std::fs::create_dir_all(&dir).expect("pull dir");
                let r = reg.oci(&format!("{ours_ns}/web"));
                home.run(
                    t,
                    args(&[
                        "pull",
                        &r,
                        "--version",
                        version,
                        "--ca-file",
                        &ca,
                        "-d",
                        &dir.to_string_lossy(),
                    ]),
                )
                .ok();
                let got = std::fs::read(dir.join(format!("web-{version}.tgz"))).expect("pulled");
                assert!(
                    got == std::fs::read(&tgz).expect("tgz"),
                    "{t:?} pulled other bytes"
                );
                let show = home
                    .run(
                        t,
                        args(&["show", "chart", &r, "--version", version, "--ca-file", &ca]),
                    )
                    .ok();
                assert!(
                    show.stdout.contains(&format!("version: {version}")),
                    "{show}"
                );
            }
        }
    }
}

/// `rudder registry login` writes the same config.json as helm's (bytes
/// and modes), helm uses rudder's credentials and rudder uses helm's;
/// logout leaves the same file; output lines as helm prints them.
#[test]
fn login_logout_credentials_interop() {
    let reg = registry_tls();
    let ca = reg.ca_file.to_string_lossy().to_string();
    for (tool, compat) in HELMS {
        let (helm_home, ours_home, theirs, ours) = login_twins(
            tool,
            compat,
            |h: &Home| reg.login(h, tool),
            [&reg.host, &reg.username, &ca, &reg.password],
        );
        assert_eq!(ours.stdout, theirs.stdout, "{tool:?}");
        let a = std::fs::read(&helm_home.registry_config).expect("helm's config");
        let b = std::fs::read(&ours_home.registry_config).expect("rudder's config");
        assert_eq!(
            String::from_utf8_lossy(&b),
            String::from_utf8_lossy(&a),
            "{tool:?} config.json"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = |p: &Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
            assert_eq!(
                mode(&ours_home.registry_config),
                mode(&helm_home.registry_config)
            );
            let parent = |h: &Home| h.registry_config.parent().expect("dir").to_path_buf();
            assert_eq!(mode(&parent(&ours_home)), mode(&parent(&helm_home)));
        }
        // helm with rudder's credentials; rudder with helm's.
        let ns = unique("creds");
        let tgz = package(&ours_home, "web", "0.5.0", &ours_home.dir.join("pk"));
        push(&ours_home, tool, &tgz, &reg.oci(&ns), &["--ca-file", &ca]).ok();
        let pulled = block_on(registry::pull(
            &reg.oci(&format!("{ns}/web")),
            "0.5.0",
            false,
            &tls_opts(&helm_home, compat),
        ))
        .expect("rudder pulls with helm's credentials");
        assert_eq!(pulled.bytes, std::fs::read(&tgz).expect("tgz"));
        // Logout: same lines, same file left behind.
        let theirs = helm_home
            .run(tool, args(&["registry", "logout", &reg.host]))
            .ok();
        let ours = rudder(&ours_home, compat, &["registry", "logout", &reg.host]).ok();
        assert_eq!(
            registry_stream(&ours, compat),
            registry_stream(&theirs, compat)
        );
        assert_eq!(
            std::fs::read_to_string(&ours_home.registry_config).expect("rudder's config"),
            std::fs::read_to_string(&helm_home.registry_config).expect("helm's config"),
            "{tool:?} config.json after logout"
        );
        // Logged out: pushing now fails for both with oras' text.
        let again = unique("out");
        let t = push(
            &helm_home,
            tool,
            &tgz,
            &reg.oci(&again),
            &["--ca-file", &ca],
        )
        .failed();
        let tgz_s = tgz.to_string_lossy();
        let o = rudder(
            &ours_home,
            compat,
            &["push", &tgz_s, &reg.oci(&again), "--ca-file", &ca],
        )
        .failed();
        assert_eq!(o.stderr, t.stderr, "{tool:?} push without credentials");
        assert!(o.stderr.contains("basic credential not found"), "{o}");
    }
}

/// Login prompts with a stdin that is not a terminal: the same prompts
/// and the same failure as helm.
#[test]
fn login_prompts_like_helm() {
    let reg = registry_plain();
    for (tool, compat) in HELMS {
        let home = Home::new();
        for (extra, stdin) in [
            (vec!["-u", "user"], "pw\n"),
            (vec![], "user\n"),
            (vec![], "\n"),
        ] {
            let mut a = vec!["registry", "login", reg.host.as_str(), "--plain-http"];
            a.extend(extra.iter().copied());
            let theirs = home.run_full(tool, args(&a), &[], Some(stdin.as_bytes()));
            let mut o = vec!["--compat", compat_flag(compat)];
            o.extend(a.iter().copied());
            let ours = home.run_full(Tool::Rudder, args(&o), &[], Some(stdin.as_bytes()));
            assert_eq!(ours.code(), theirs.code(), "{tool:?} {a:?}");
            assert_eq!(ours.stdout, theirs.stdout, "{tool:?} {a:?}");
            assert_eq!(ours.stderr, theirs.stderr, "{tool:?} {a:?}");
        }
    }
}

/// Error texts, each compared with what helm v3/v4 print in the same run.
#[test]
fn registry_errors_match_helm() {
    let tls = registry_tls();
    let plain = registry_plain();
    let ca = tls.ca_file.to_string_lossy().to_string();
    for (tool, compat) in HELMS {
        let home = Home::new();
        let tgz = package(&home, "web", "0.7.0", &home.dir.join("pk"));
        let tgz_s = tgz.to_string_lossy().to_string();
        let pk = home.dir.join("pk").to_string_lossy().to_string();
        let missing = home.dir.join("nope.tgz").to_string_lossy().to_string();
        let flags_ns = unique("flags");
        let pairs: Vec<Vec<String>> = vec![
            // Logins: a wrong password, no CA.
            vec![
                "registry",
                "login",
                &tls.host,
                "-u",
                &tls.username,
                "-p",
                "wrong",
                "--ca-file",
                &ca,
            ],
            vec![
                "registry",
                "login",
                &tls.host,
                "-u",
                &tls.username,
                "-p",
                &tls.password,
            ],
            // Push destinations and files.
            vec![
                "push",
                &tgz_s,
                &format!("{}/charts", plain.host),
                "--plain-http",
            ],
            vec!["push", &tgz_s, "example.com/charts", "--plain-http"],
            vec!["push", &pk, &plain.oci("x"), "--plain-http"],
            vec!["push", &missing, &plain.oci("x"), "--plain-http"],
            // A plain registry without --plain-http.
            vec!["push", &tgz_s, &plain.oci(&unique("noplain"))],
            // --username/--password on push, right and wrong; no CA.
            vec![
                "push",
                &tgz_s,
                &tls.oci(&flags_ns),
                "--ca-file",
                &ca,
                "--username",
                &tls.username,
                "--password",
                &tls.password,
            ],
            vec![
                "push",
                &tgz_s,
                &tls.oci(&flags_ns),
                "--ca-file",
                &ca,
                "--username",
                &tls.username,
                "--password",
                "wrong",
            ],
            vec![
                "push",
                &tgz_s,
                &tls.oci(&flags_ns),
                "--username",
                &tls.username,
                "--password",
                &tls.password,
            ],
            vec![
                "push",
                &tgz_s,
                &tls.oci(&flags_ns),
                "--insecure-skip-tls-verify",
                "--username",
                &tls.username,
                "--password",
                &tls.password,
            ],
            // An unreadable CA file; a file that is not an archive.
            vec!["push", &tgz_s, &plain.oci("ca"), "--ca-file", &missing],
            vec!["push", "/etc/hostname", &plain.oci("ca"), "--plain-http"],
            // Argument counts (extra arguments are ignored).
            vec!["push", &tgz_s],
            vec!["registry", "login"],
            vec!["registry", "logout"],
            vec!["registry", "logout", "a", "b"],
            // An upper-case scheme pushes silently; a `..` in the path.
            vec![
                "push",
                &tgz_s,
                &plain.oci(&flags_ns).replace("oci://", "OCI://"),
                "--plain-http",
            ],
            vec![
                "push",
                &tgz_s,
                &format!("{}/../{flags_ns}", plain.oci("zz")),
                "--plain-http",
            ],
            // --insecure login without the CA.
            vec![
                "registry",
                "login",
                &tls.host,
                "-u",
                &tls.username,
                "-p",
                &tls.password,
                "--insecure",
            ],
            // A path in the login host.
            vec![
                "registry",
                "login",
                &format!("{}/charts", plain.host),
                "-u",
                "u",
                "-p",
                "p",
                "--plain-http",
            ],
        ]
        .into_iter()
        .map(|v| v.into_iter().map(String::from).collect())
        .collect();
        for a in pairs {
            let a: Vec<&str> = a.iter().map(String::as_str).collect();
            let theirs = home.run(tool, args(&a));
            let ours = rudder(&home, compat, &a);
            assert_eq!(
                ours.code(),
                theirs.code(),
                "{tool:?} {a:?}: {ours} vs {theirs}"
            );
            // cobra's usage errors name the program.
            let theirs_err = theirs
                .stderr
                .replace("\"helm ", "\"rudder ")
                .replace("Usage:  helm ", "Usage:  rudder ");
            assert_eq!(ours.stderr, theirs_err, "{tool:?} {a:?}");
            assert_eq!(ours.stdout, theirs.stdout, "{tool:?} {a:?}");
        }
    }
}

/// The Bearer-token registry: rudder logs in (OAuth2 POST, as helm),
/// pushes and pulls like helm v3/v4, and asks the token server for the
/// same scopes in the same order (v4 `pull,push` at once, v3 `pull`
/// first).
#[test]
fn token_registry_login_push_pull_scopes() {
    let reg = crate::harness::registry_token();
    let ca = reg.ca_file.to_string_lossy().to_string();
    for (tool, compat) in HELMS {
        let (helm_home, ours_home, _, _) = login_twins(
            tool,
            compat,
            |h: &Home| reg.login(h, tool),
            [&reg.host, &reg.username, &ca, &reg.password],
        );
        assert_eq!(
            std::fs::read_to_string(&ours_home.registry_config).expect("rudder's config"),
            std::fs::read_to_string(&helm_home.registry_config).expect("helm's config")
        );
        let tgz = package(&ours_home, "web", "0.8.0", &ours_home.dir.join("pk"));
        let tgz_s = tgz.to_string_lossy().to_string();
        let theirs_ns = unique("tokh");
        let ours_ns = unique("tokr");
        // The scopes one tool asked for about its own repository.
        let scopes_for = |ns: &str, from: usize| -> Vec<String> {
            reg.token_requests()[from..]
                .iter()
                .filter(|r| r.query.contains(&format!("%3A{ns}%2F")))
                .map(|r| format!("{} {}", r.method, r.query.replace(ns, "NS")))
                // helm's oras copies blobs concurrently, so it may ask for
                // the same scope twice at once: compare the scopes in the
                // order first asked.
                .fold(Vec::new(), |mut seen: Vec<String>, q| {
                    if !seen.contains(&q) {
                        seen.push(q);
                    }
                    seen
                })
        };
        let before = reg.token_requests().len();
        let t = helm_home
            .run(
                tool,
                args(&["push", &tgz_s, &reg.oci(&theirs_ns), "--ca-file", &ca]),
            )
            .ok();
        let theirs_scopes = scopes_for(&theirs_ns, before);
        let before = reg.token_requests().len();
        let o = rudder(
            &ours_home,
            compat,
            &["push", &tgz_s, &reg.oci(&ours_ns), "--ca-file", &ca],
        )
        .ok();
        let ours_scopes = scopes_for(&ours_ns, before);
        assert_eq!(
            registry_stream(&o, compat),
            registry_stream(&t, compat).replace(&theirs_ns, &ours_ns)
        );
        assert!(!theirs_scopes.is_empty());
        assert_eq!(ours_scopes, theirs_scopes, "{tool:?} push token requests");
        // Pull through the token flow with rudder's stored credentials.
        let opts = RegistryOptions {
            client: ClientOptions {
                ca_file: Some(reg.ca_file.clone()),
                ..ClientOptions::default()
            },
            registry_config: ours_home.registry_config.clone(),
            compat,
            ..RegistryOptions::default()
        };
        for v in ["0.8.0", ""] {
            compare_pull(
                &ours_home,
                (tool, compat),
                &reg.oci(&format!("{theirs_ns}/web")),
                v,
                false,
                &opts,
                &["--ca-file", &ca],
            );
        }
    }
}

/// Hand-made manifests in the plain registry (a legacy layer type, no
/// chart layer, a foreign config, nothing at all): rudder's pull warns or
/// fails exactly as helm v3/v4 do.
#[test]
fn odd_manifests_pull_like_helm() {
    use rudder::registry::client::{Client, CredentialSource, Descriptor};
    let reg = registry_plain();
    let home = Home::new();
    let ns = unique("odd");
    let tgz = package(&home, "web", "0.4.0", &home.dir.join("pk"));
    let data = std::fs::read(&tgz).expect("tgz");
    let config = br#"{"name":"web","version":"0.4.0","apiVersion":"v2"}"#.to_vec();
    let http = ClientOptions::default().build().expect("http client");
    let client = Client::new(http, true, CredentialSource::None, Compat::V4);
    let repo = format!("{ns}/web");
    let scope = vec![format!("repository:{repo}:pull,push")];
    let put = |tag: &str, config_type: &str, layers: &[(&str, &[u8])]| {
        let cfg = Descriptor::of(config_type, &config);
        let mut ls = Vec::new();
        block_on(client.push_blob(&reg.host, &repo, &cfg, &config, &scope)).expect("config blob");
        for (t, bytes) in layers {
            let d = Descriptor::of(t, bytes);
            block_on(client.push_blob(&reg.host, &repo, &d, bytes, &scope)).expect("layer blob");
            ls.push(d);
        }
        let m = registry::ops::manifest_json(&cfg, &ls, &Default::default());
        block_on(client.put_manifest(
            &reg.host,
            &repo,
            tag,
            registry::OCI_MANIFEST_MEDIA_TYPE,
            m.as_bytes(),
            &scope,
        ))
        .expect("manifest");
    };
    put(
        "0.4.0",
        registry::CONFIG_MEDIA_TYPE,
        &[(registry::LEGACY_CHART_LAYER_MEDIA_TYPE, &data)],
    );
    put(
        "0.4.1",
        registry::CONFIG_MEDIA_TYPE,
        &[("application/x-other", &data)],
    );
    put(
        "0.4.2",
        "application/x-config",
        &[(registry::CHART_LAYER_MEDIA_TYPE, &data)],
    );
    put("0.4.3", "application/x-config", &[]);
    put(
        "0.4.4",
        "application/x-config",
        &[(registry::PROV_LAYER_MEDIA_TYPE, b"prov")],
    );
    let mut results = Vec::new();
    for h in HELMS {
        let opts = plain_opts(&home, h.1);
        for v in ["0.4.0", "0.4.1", "0.4.2", "0.4.3", "0.4.4"] {
            results.push(compare_pull(
                &home,
                h,
                &reg.oci(&repo),
                v,
                false,
                &opts,
                &["--plain-http"],
            ));
        }
    }
    assert!(results.iter().any(|r| r.starts_with("ok")), "{results:#?}");
}

/// The manifest and config a push left in the plain registry.
fn stored_plain(repo: &str, tag: &str) -> (String, String) {
    let reg = registry_plain();
    let get = |url: String, accept: &str| {
        let out = std::process::Command::new("curl")
            .args(["-sS", "--fail", "-H", &format!("Accept: {accept}"), &url])
            .output()
            .expect("curl");
        assert!(
            out.status.success(),
            "curl {url}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    };
    let manifest = get(
        format!("http://{}/v2/{repo}/manifests/{tag}", reg.host),
        "application/vnd.oci.image.manifest.v1+json",
    );
    let v: serde_json::Value = serde_json::from_str(&manifest).expect("manifest json");
    let digest = v["config"]["digest"].as_str().expect("config digest");
    let config = get(
        format!("http://{}/v2/{repo}/blobs/{digest}", reg.host),
        "*/*",
    );
    (manifest, config)
}

/// Real-world charts (maintainers, sources, keywords, annotations,
/// dependencies, kubeVersion...) and the umbrella fixture pushed by rudder
/// and by helm v3/v4: byte-identical manifests and config blobs.
#[test]
fn real_charts_push_like_helm() {
    let reg = registry_plain();
    let home = Home::new();
    let real = crate::harness::realcharts();
    let mut dirs: Vec<PathBuf> = [
        "podinfo",
        "ingress-nginx",
        "prometheus-node-exporter",
        "nginx",
        "grafana-sampling",
    ]
    .iter()
    .map(|c| real.join(c))
    .collect();
    dirs.push(chart("umbrella"));
    let mut compared = 0;
    for dir in dirs {
        let dest = home.dir.join(unique("pk"));
        let tgz = home.package(Tool::Helm4, &dir, &dest);
        let tgz_s = tgz.to_string_lossy().to_string();
        for (tool, compat) in HELMS {
            let ours_ns = unique("realr");
            let theirs_ns = unique("realh");
            let o = rudder(
                &home,
                compat,
                &["push", &tgz_s, &reg.oci(&ours_ns), "--plain-http"],
            )
            .ok();
            let t = home
                .run(
                    tool,
                    args(&["push", &tgz_s, &reg.oci(&theirs_ns), "--plain-http"]),
                )
                .ok();
            assert_eq!(
                registry_stream(&o, compat),
                registry_stream(&t, compat).replace(&theirs_ns, &ours_ns),
                "{tool:?} {}",
                dir.display()
            );
            let pushed = registry_stream(&t, compat)
                .lines()
                .find_map(|l| l.strip_prefix("Pushed: "))
                .expect("Pushed line")
                .to_string();
            let (repo_tag, tag) = pushed.rsplit_once(':').expect("tag");
            let name = repo_tag.rsplit('/').next().expect("name");
            assert_eq!(
                stored_plain(&format!("{ours_ns}/{name}"), tag),
                stored_plain(&format!("{theirs_ns}/{name}"), tag),
                "{tool:?} {}",
                dir.display()
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 12);
}

/// A Docker credential helper (`credsStore`) on PATH: helm and rudder both
/// store the login through it (the same `store` input) and push with the
/// secret it returns.
#[test]
fn credential_helper_store_and_get() {
    let reg = registry_tls();
    let ca = reg.ca_file.to_string_lossy().to_string();
    for (tool, compat) in HELMS {
        let mut seen = Vec::new();
        for t in [tool, Tool::Rudder] {
            let home = Home::new();
            let bin = home.dir.join("bin");
            std::fs::create_dir_all(&bin).expect("bin");
            let log = home.dir.join("helper.log");
            let script = format!(
                "#!/bin/sh\nin=$(cat)\necho \"$1 $in\" >> {log}\ncase \"$1\" in\n get) printf '{{\"ServerURL\":\"%s\",\"Username\":\"{u}\",\"Secret\":\"{p}\"}}' \"$in\";;\n store|erase) ;;\n *) exit 1;;\nesac\n",
                log = log.display(),
                u = reg.username,
                p = reg.password,
            );
            let helper = bin.join("docker-credential-rudder-test");
            std::fs::write(&helper, script).expect("helper");
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt as _;
                std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755))
                    .expect("chmod");
            }
            std::fs::create_dir_all(home.registry_config.parent().expect("dir")).expect("dir");
            std::fs::write(&home.registry_config, "{\"credsStore\": \"rudder-test\"}")
                .expect("config");
            let path = format!(
                "{}:{}",
                bin.display(),
                std::env::var("PATH").unwrap_or_default()
            );
            let env = [("PATH", path.as_str())];
            let mut pre = Vec::new();
            if t == Tool::Rudder {
                pre = vec!["--compat", compat_flag(compat)];
            }
            let mut login = pre.clone();
            login.extend([
                "registry",
                "login",
                &reg.host,
                "-u",
                &reg.username,
                "--password-stdin",
                "--ca-file",
                &ca,
            ]);
            let out = home
                .run_full(t, args(&login), &env, Some(reg.password.as_bytes()))
                .ok();
            assert!(
                registry_stream(&out, compat).contains("Login Succeeded"),
                "{out}"
            );
            let tgz = package(&home, "web", "0.9.1", &home.dir.join("pk"));
            let mut push = pre.clone();
            let dest = reg.oci(&unique("helper"));
            let tgz_s = tgz.to_string_lossy().to_string();
            push.extend(["push", &tgz_s, &dest, "--ca-file", &ca]);
            home.run_full(t, args(&push), &env, None).ok();
            let logged = std::fs::read_to_string(&log).expect("helper log");
            let stored: Vec<&str> = logged.lines().filter(|l| l.starts_with("store ")).collect();
            assert_eq!(stored.len(), 1, "{t:?}: {logged}");
            let v: serde_json::Value =
                serde_json::from_str(stored[0].trim_start_matches("store ")).expect("store json");
            assert!(
                logged.lines().any(|l| l == format!("get {}", reg.host)),
                "{t:?}: {logged}"
            );
            // The config file still names the store and holds no secret.
            let config = std::fs::read_to_string(&home.registry_config).expect("config");
            assert!(!config.contains(&reg.password), "{config}");
            seen.push((v, config));
        }
        assert_eq!(seen[0].0, seen[1].0, "{tool:?} store input");
        assert_eq!(seen[0].1, seen[1].1, "{tool:?} config after login");
    }
}

/// Credentials found only in Docker's file (`~/.docker/config.json`, or
/// `$DOCKER_CONFIG/config.json`) are used by helm and rudder alike; an
/// entry in helm's own file wins over Docker's.
#[test]
fn docker_config_fallback_like_helm() {
    use base64::Engine as _;
    let reg = registry_tls();
    let ca = reg.ca_file.to_string_lossy().to_string();
    let good = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{}", reg.username, reg.password));
    let bad = base64::engine::general_purpose::STANDARD.encode(format!("{}:wrong", reg.username));
    let entry = |auth: &str| {
        format!(
            "{{\"auths\": {{\"{}\": {{\"auth\": \"{auth}\"}}}}}}",
            reg.host
        )
    };
    for (tool, compat) in HELMS {
        // (docker dir relative to home, DOCKER_CONFIG set, helm's own entry)
        for (docker_dir, set_env, helm_entry) in [
            (".docker", false, None),
            ("dockercfg", true, None),
            (".docker", false, Some(bad.clone())),
        ] {
            let home = Home::new();
            let dir = home.dir.join(docker_dir);
            std::fs::create_dir_all(&dir).expect("docker dir");
            std::fs::write(dir.join("config.json"), entry(&good)).expect("docker config");
            if let Some(e) = &helm_entry {
                std::fs::create_dir_all(home.registry_config.parent().expect("dir")).expect("dir");
                std::fs::write(&home.registry_config, entry(e)).expect("helm config");
            }
            let dir_s = dir.to_string_lossy().to_string();
            let env: Vec<(&str, &str)> = if set_env {
                vec![("DOCKER_CONFIG", dir_s.as_str())]
            } else {
                vec![]
            };
            let tgz = package(&home, "web", "0.9.2", &home.dir.join("pk"));
            let tgz_s = tgz.to_string_lossy().to_string();
            let ns = unique("docker");
            let theirs = home.run_full(
                tool,
                args(&["push", &tgz_s, &reg.oci(&ns), "--ca-file", &ca]),
                &env,
                None,
            );
            let ours = home.run_full(
                Tool::Rudder,
                args(&[
                    "--compat",
                    compat_flag(compat),
                    "push",
                    &tgz_s,
                    &reg.oci(&ns),
                    "--ca-file",
                    &ca,
                ]),
                &env,
                None,
            );
            let case = format!(
                "{tool:?} {docker_dir} env={set_env} helm entry={}",
                helm_entry.is_some()
            );
            assert_eq!(ours.code(), theirs.code(), "{case}: {ours} vs {theirs}");
            assert_eq!(ours.stderr, theirs.stderr, "{case}");
            assert_eq!(ours.stdout, theirs.stdout, "{case}");
            assert_eq!(
                theirs.status.success(),
                helm_entry.is_none(),
                "{case}: {theirs}"
            );
        }
    }
}

/// The token registry reached as `localhost:PORT` while its realm names
/// 127.0.0.1: oras refuses the loopback realm; rudder fails the same way
/// as helm v3/v4.
#[test]
fn loopback_realm_refused_like_helm() {
    let reg = crate::harness::registry_token();
    let ca = reg.ca_file.to_string_lossy().to_string();
    let port = reg.host.rsplit(':').next().expect("port");
    let host = format!("localhost:{port}");
    for (tool, compat) in HELMS {
        let home = Home::new();
        let a = [
            "registry",
            "login",
            host.as_str(),
            "-u",
            reg.username.as_str(),
            "--password-stdin",
            "--ca-file",
            ca.as_str(),
        ];
        let theirs = home.run_full(tool, args(&a), &[], Some(reg.password.as_bytes()));
        let mut o = vec!["--compat", compat_flag(compat)];
        o.extend(a);
        let ours = home.run_full(Tool::Rudder, args(&o), &[], Some(reg.password.as_bytes()));
        assert_eq!(ours.code(), theirs.code(), "{tool:?}: {ours} vs {theirs}");
        assert_eq!(ours.stderr, theirs.stderr, "{tool:?}");
        assert!(ours.stderr.contains("is a loopback"), "{ours}");
    }
}
