//! `values::ValueOptions::merge` (and so `strvals`) against the values
//! helm's templates see for the same flags, types included, and against
//! helm's error text for flags it rejects.

use rudder::values::ValueOptions;
use rudder::values::options::DefaultReader;

use super::{BOTH, HelmOut, helm, probe_chart, probe_lines, probe_types, rudder_types};

/// One case: flags as helm takes them.
type Case = &'static [&'static str];

const CASES: &[Case] = &[
    &[
        "--set",
        "a=1,b=007,c=1.5,d=TRUE,e=null,f=,g={x,2},h.i=0,j=-5,k=+7,l=1e3",
    ],
    &[
        "--set",
        "big=9223372036854775807,bigger=9223372036854775808,neg=-9223372036854775808",
    ],
    &["--set", "list[2]=x,list[0]=y", "--set", "list[1].name=z"],
    &["--set", "n[0][1]=a,n[1][0].b=c"],
    &["--set", r"a\.b=c\,d,e=f\=g,h=i\\j,k\[0\]=l"],
    &["--set", "a.b.c=1", "--set", "a.b.d=2,a.e=3"],
    &["--set", "a={}", "--set", "b={ , }", "--set", "c={a}x=1"],
    &["--set", "a[0]", "--set", "x=1"],
    &["--set", "a=b=c", "--set", "name=  spaced  "],
    &["--set", "ünï=cödé,emoji=🚀"],
    &["--set-string", "a=1,b=true,c=null,d={1,2}"],
    &[
        "--set-json",
        r#"a={"x":1,"y":[1,2.5,"s",null,true]},b=[1,2],c="s",d=null,e=,f=12345678901234567890"#,
    ],
    &["--set-json", "a=1", "--set-json", " b = 2 , c=3"],
    &["--set-json", r#"l[1]={"k":"v"}"#],
    &["--set-literal", "a=x,y=z{1},b\\.c"],
    &["--set-literal", "l[0]=1,2", "--set-literal", "m.n=a.b=c"],
    &["-f", "one.yaml", "-f", "two.yaml"],
    &[
        "-f",
        "one.yaml",
        "--set",
        "m.x=9,list=null",
        "--set-string",
        "m.y=2",
        "--set-json",
        r#"m={"z":3}"#,
    ],
    &[
        "-f",
        "two.yaml",
        "--set-file",
        "f=file.txt,g=one.yaml",
        "--set",
        "f=overridden",
    ],
    &["--set-file", "f=file.txt", "--set-literal", "f=lit"],
    &["--set", "a=1", "--set-json", "a=2", "--set-string", "a=3"],
    // Errors.
    &["--set", "a"],
    &["--set", "a,b=1"],
    &["--set", "a.=1"],
    &["--set", "a[0]x=1"],
    &["--set", "a[-1]=1"],
    &["--set", "a[x]=1"],
    &["--set", "a[99999999999999999999]=1"],
    &["--set", "a[65537]=1"],
    &["--set", "a[65536]=1"],
    &["--set", "a={1,2"],
    &["--set", "a=1,a.b=2"],
    &["--set", "a=1,a[0]=2"],
    &["--set", "a[0]=1,a[0][0]=2"],
    &[
        "--set",
        "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a1.b1.c1.d1.e1=1",
    ],
    &[
        "--set",
        "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a1.b1.c1.d1=1",
    ],
    &["--set", "a[0"],
    &["--set-json", "a={bad"],
    &["--set-json", "a"],
    &["--set-json", r#"{"a":1,"b":{"c":[1,2]}}"#],
    &["--set-json", r#"{"a":1"#],
    &["--set-string", "x"],
    &["--set-literal", "x"],
    &["--set-file", "f=missing.txt"],
    &["-f", "missing.yaml"],
];

fn options_for(case: &[&str]) -> ValueOptions {
    let mut o = ValueOptions::default();
    let mut it = case.iter();
    while let (Some(flag), Some(val)) = (it.next(), it.next()) {
        let v = (*val).to_owned();
        match *flag {
            "-f" => o.value_files.push(v),
            "--set" => o.values.push(v),
            "--set-string" => o.string_values.push(v),
            "--set-json" => o.json_values.push(v),
            "--set-literal" => o.literal_values.push(v),
            "--set-file" => o.file_values.push(v),
            other => panic!("unknown flag {other}"),
        }
    }
    o
}

#[test]
fn user_values_from_flags_match_helm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let chart = probe_chart(dir.path(), "probe", "");
    std::fs::write(
        dir.path().join("one.yaml"),
        "m: {x: 1, y: [1]}\nlist: [a, b]\ns: one\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("two.yaml"),
        "m: {y: 2, w: {q: 1}}\ns: two\nt: yes\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("file.txt"), "line1\nline2 ü\n").expect("write");
    // helm resolves relative paths against its working directory; so does
    // the reader here once the process is in `dir`... which tests must not
    // change, so paths are made absolute on both sides instead.
    let abs = |s: &str| -> String {
        let mut out = s.to_owned();
        for name in [
            "one.yaml",
            "two.yaml",
            "file.txt",
            "missing.txt",
            "missing.yaml",
        ] {
            out = out.replace(name, &dir.path().join(name).display().to_string());
        }
        out
    };
    let mut failures = Vec::new();
    let mut compared = 0;
    for case in CASES {
        let args: Vec<String> = case.iter().map(|a| abs(a)).collect();
        let owned: Vec<&str> = args.iter().map(String::as_str).collect();
        let opts = options_for(&owned);
        for compat in BOTH {
            let mut full = vec!["template", "x", chart.to_str().expect("utf8")];
            full.extend(owned.iter().copied());
            let out: HelmOut = helm(compat, dir.path(), &full);
            let ours = opts.merge(&DefaultReader::default(), compat);
            compared += 1;
            // (a) The user values helm would store: the `config` member of
            // a client-side dry-run install (no cluster contact).
            if let Ok(values) = &ours {
                let mut install = vec![
                    "install",
                    "x",
                    chart.to_str().expect("utf8"),
                    "--dry-run=client",
                    "-o",
                    "json",
                ];
                install.extend(owned.iter().copied());
                // helm v3 asks the cluster for its version even in client
                // mode, so this runs against the test cluster.
                let tool = match compat {
                    rudder::compat::Compat::V3 => crate::harness::Tool::Helm3,
                    rudder::compat::Compat::V4 => crate::harness::Tool::Helm4,
                };
                let inst = tool.run(&install);
                let stored = serde_json::from_str::<serde_json::Value>(&inst.stdout)
                    .ok()
                    .and_then(|r| r.get("config").cloned());
                let ours_json: serde_json::Value = serde_json::from_str(
                    &rudder::gojson::to_json(&rudder::gojson::GoValue::Map(values.clone()))
                        .expect("json"),
                )
                .expect("parse");
                // helm leaves `config` out when there are no user values.
                let same =
                    stored.as_ref() == Some(&ours_json) || (values.is_empty() && stored.is_none());
                if !same {
                    failures.push(format!(
                        "{compat:?} {case:?}: stored config\n  rudder: {ours_json}\n  helm:   {stored:?} ({})",
                        inst.stderr.trim_end()
                    ));
                }
            }
            let verdict = match (&ours, out.ok) {
                (Ok(values), true) => {
                    let theirs = probe_lines(&out.stdout);
                    let theirs_types = probe_types(&out.stdout);
                    let ours_json =
                        rudder::gojson::to_json(&rudder::gojson::GoValue::Map(values.clone()));
                    let ours_json: serde_json::Value =
                        serde_json::from_str(&ours_json.expect("json")).expect("parse");
                    let ours_types = rudder_types(values);
                    if theirs.first() == Some(&ours_json) && theirs_types == ours_types {
                        None
                    } else {
                        Some(format!(
                            "values\n  rudder: {ours_json}\n  helm:   {theirs:?}\n  rudder types: {ours_types:?}\n  helm types:   {theirs_types:?}"
                        ))
                    }
                }
                (Err(e), false) => {
                    let want = format!("Error: {e}");
                    if out.stderr.trim_end() == want {
                        None
                    } else {
                        Some(format!(
                            "error\n  rudder: {want}\n  helm:   {}",
                            out.stderr.trim_end()
                        ))
                    }
                }
                (Ok(v), false) => Some(format!(
                    "rudder accepted ({v:?}), helm: {}",
                    out.stderr.trim_end()
                )),
                (Err(e), true) => Some(format!(
                    "rudder rejected ({e}), helm accepted: {}",
                    out.stdout
                )),
            };
            if let Some(v) = verdict {
                failures.push(format!("{compat:?} {case:?}: {v}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {compared} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// `-f http://…` goes through helm's HTTP getter: the body of a 200, and
/// `failed to fetch <url> : <status>` otherwise.
#[test]
fn values_files_from_http_match_helm() {
    let repo = crate::harness::servers::chart_repo();
    let served = repo.new_dir("values-http");
    std::fs::write(
        served.path.join("v.yaml"),
        "fromUrl: {a: 1, on: yes}\nlist: [x]\n",
    )
    .expect("write");
    std::fs::write(served.path.join("gone.yaml"), "a: 1\n").expect("write");
    std::fs::write(served.path.join("gone.yaml.status"), "404").expect("write");
    let dir = tempfile::tempdir().expect("tempdir");
    let chart = probe_chart(dir.path(), "probe", "");
    let good = repo.url_plain(&format!("{}/v.yaml", served.name));
    let gone = repo.url_plain(&format!("{}/gone.yaml", served.name));
    let mut failures = Vec::new();
    for url in [&good, &gone] {
        let opts = ValueOptions {
            value_files: vec![url.clone()],
            ..ValueOptions::default()
        };
        for compat in BOTH {
            let mut args = vec!["template", "x", chart.to_str().expect("utf8")];
            for f in &opts.value_files {
                args.push("-f");
                args.push(f);
            }
            let out = helm(compat, dir.path(), &args);
            let ours = opts.merge(&DefaultReader::default(), compat);
            match (&ours, out.ok) {
                (Ok(v), true) => {
                    let ours_json: serde_json::Value = serde_json::from_str(
                        &rudder::gojson::to_json(&rudder::gojson::GoValue::Map(v.clone()))
                            .expect("json"),
                    )
                    .expect("parse");
                    if probe_lines(&out.stdout).first() != Some(&ours_json) {
                        failures.push(format!(
                            "{compat:?} {url}: rudder {ours_json}, helm {}",
                            out.stdout
                        ));
                    }
                }
                (Err(e), false) => {
                    let want = format!("Error: {e}");
                    if out.stderr.trim_end() != want {
                        failures.push(format!(
                            "{compat:?} {url}:\n  rudder: {want}\n  helm:   {}",
                            out.stderr.trim_end()
                        ));
                    }
                }
                _ => failures.push(format!(
                    "{compat:?} {url}: rudder {ours:?}, helm {}{}",
                    out.stdout, out.stderr
                )),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
