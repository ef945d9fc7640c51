//! `rudder package` against `helm package` v3 and v4: the output line,
//! the gzip header fields, and the decompressed tar entry by entry (name,
//! order, mode, owner, type, content; mtimes equal under v4, the time of
//! packaging under v3).

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::fixtures_and_real;
use crate::harness::{Tool, chart};

#[derive(Debug, PartialEq, Eq)]
struct Entry {
    name: String,
    mode: u32,
    uid: u64,
    gid: u64,
    user: Vec<u8>,
    group: Vec<u8>,
    kind: u8,
    mtime: u64,
    data: Vec<u8>,
}

/// Gzip header fields: FLG, MTIME, XFL, OS, extra, comment.
type GzHeader = (u8, u32, u8, u8, Vec<u8>, Vec<u8>);

fn read_tgz(path: &Path) -> (GzHeader, Vec<Entry>) {
    let raw = std::fs::read(path).expect("read tgz");
    assert_eq!(&raw[..3], b"\x1f\x8b\x08", "{} is gzip", path.display());
    let flg = raw[3];
    let mtime = u32::from_le_bytes([raw[4], raw[5], raw[6], raw[7]]);
    let mut i = 10;
    let mut extra = Vec::new();
    if flg & 4 != 0 {
        let len = usize::from(u16::from_le_bytes([raw[i], raw[i + 1]]));
        extra = raw[i + 2..i + 2 + len].to_vec();
        i += 2 + len;
    }
    let mut comment = Vec::new();
    if flg & 16 != 0 {
        let end = raw[i..].iter().position(|b| *b == 0).expect("comment end") + i;
        comment = raw[i..end].to_vec();
    }
    let header = (flg, mtime, raw[8], raw[9], extra, comment);
    let mut tar_bytes = Vec::new();
    flate2::read::GzDecoder::new(&raw[..])
        .read_to_end(&mut tar_bytes)
        .expect("gunzip");
    let mut archive = tar::Archive::new(&tar_bytes[..]);
    let mut entries = Vec::new();
    for e in archive.entries().expect("tar") {
        let mut e = e.expect("entry");
        let h = e.header().clone();
        let mut data = Vec::new();
        e.read_to_end(&mut data).expect("entry data");
        entries.push(Entry {
            name: String::from_utf8_lossy(&e.path_bytes()).into_owned(),
            mode: h.mode().expect("mode"),
            uid: h.uid().expect("uid"),
            gid: h.gid().expect("gid"),
            user: h.username_bytes().map(<[u8]>::to_vec).unwrap_or_default(),
            group: h.groupname_bytes().map(<[u8]>::to_vec).unwrap_or_default(),
            kind: h.entry_type().as_byte(),
            mtime: h.mtime().expect("mtime"),
            data,
        });
    }
    (header, entries)
}

/// helm writes subcharts in Go map order (random): compare the parent's
/// own entries in order, and each subchart's block (in order) by name.
fn grouped(entries: Vec<Entry>) -> (Vec<Entry>, std::collections::BTreeMap<String, Vec<Entry>>) {
    let mut own = Vec::new();
    let mut subs: std::collections::BTreeMap<String, Vec<Entry>> = Default::default();
    for e in entries {
        let parts: Vec<&str> = e.name.splitn(4, '/').collect();
        if parts.len() == 4 && parts[1] == "charts" {
            subs.entry(parts[2].to_string()).or_default().push(e);
        } else {
            own.push(e);
        }
    }
    (own, subs)
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

fn package_both(src: &Path, tool: Tool, work: &Path) {
    let compat = if tool == Tool::Helm3 { "v3" } else { "v4" };
    let hdir = work.join(format!("helm-{compat}"));
    let rdir = work.join(format!("rudder-{compat}"));
    let start = now();
    let helm = tool.run([
        "package".as_ref(),
        src.as_os_str(),
        "-d".as_ref(),
        hdir.as_os_str(),
    ]);
    let rudder = Tool::Rudder.run([
        "--compat".as_ref(),
        compat.as_ref(),
        "package".as_ref(),
        src.as_os_str(),
        "-d".as_ref(),
        rdir.as_os_str(),
    ]);
    let end = now() + 1;
    let norm = |s: &str, d: &Path| s.replace(&d.to_string_lossy().into_owned(), "<DEST>");
    assert_eq!(
        norm(&rudder.stdout, &rdir),
        norm(&helm.stdout, &hdir),
        "{helm}\n{rudder}"
    );
    assert_eq!(rudder.stderr, helm.stderr, "{helm}\n{rudder}");
    assert_eq!(rudder.code(), helm.code(), "{helm}\n{rudder}");
    if !helm.status.success() {
        return;
    }
    let file = |d: &Path| -> PathBuf {
        let mut files: Vec<_> = std::fs::read_dir(d)
            .expect("dest dir")
            .map(|e| e.expect("entry").path())
            .collect();
        assert_eq!(files.len(), 1, "one archive in {}", d.display());
        files.remove(0)
    };
    let (hf, rf) = (file(&hdir), file(&rdir));
    assert_eq!(hf.file_name(), rf.file_name());
    let (hh, he) = read_tgz(&hf);
    let (rh, mut re) = read_tgz(&rf);
    assert_eq!(rh, hh, "gzip header of {}", src.display());
    if tool == Tool::Helm3 {
        // v3 stamps every entry with the time of packaging.
        for (h, r) in he.iter().zip(re.iter_mut()) {
            assert!((start..=end).contains(&h.mtime) && (start..=end).contains(&r.mtime));
            r.mtime = h.mtime;
        }
    }
    let (h_own, h_subs) = grouped(he);
    let (r_own, r_subs) = grouped(re);
    assert_eq!(r_own, h_own, "entries of {} ({compat})", src.display());
    assert_eq!(
        r_subs,
        h_subs,
        "subchart entries of {} ({compat})",
        src.display()
    );
}

#[test]
fn package_matches_helm_on_fixture_and_real_charts() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let sources = fixtures_and_real(&super::FIXTURES);
    for (i, src) in sources.iter().enumerate() {
        for tool in [Tool::Helm3, Tool::Helm4] {
            let work = tmp.path().join(i.to_string());
            package_both(src, tool, &work);
        }
    }
}

#[test]
fn package_flags_and_errors_match_helm() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let src = chart("web");
    for tool in [Tool::Helm3, Tool::Helm4] {
        let compat = if tool == Tool::Helm3 { "v3" } else { "v4" };
        for (i, extra) in [
            vec!["--version", "9.8.7-beta.1", "--app-version", "2.0 final"],
            vec!["--version", "not-a-version"],
        ]
        .into_iter()
        .enumerate()
        {
            let hdir = tmp.path().join(format!("h{compat}{i}"));
            let rdir = tmp.path().join(format!("r{compat}{i}"));
            let mut hargs = vec![
                "package",
                src.to_str().expect("utf-8"),
                "-d",
                hdir.to_str().expect("utf-8"),
            ];
            hargs.extend(&extra);
            let mut rargs = vec![
                "--compat",
                compat,
                "package",
                src.to_str().expect("utf-8"),
                "-d",
                rdir.to_str().expect("utf-8"),
            ];
            rargs.extend(&extra);
            let helm = tool.run(&hargs);
            let rudder = Tool::Rudder.run(&rargs);
            let norm = |s: &str, d: &Path| s.replace(&d.to_string_lossy().into_owned(), "<DEST>");
            assert_eq!(norm(&rudder.stdout, &rdir), norm(&helm.stdout, &hdir));
            assert_eq!(rudder.stderr, helm.stderr);
            assert_eq!(rudder.code(), helm.code());
            if helm.status.success() {
                let name = "web-9.8.7-beta.1.tgz";
                let (_, he) = read_tgz(&hdir.join(name));
                let (_, re) = read_tgz(&rdir.join(name));
                assert_eq!(
                    re[0].data, he[0].data,
                    "Chart.yaml with --version/--app-version"
                );
            }
        }
        // No argument, a missing path, a file, a chart with missing
        // dependencies, a schema that is not JSON.
        let bad = tmp.path().join(format!("badschema-{compat}"));
        std::fs::create_dir_all(&bad).expect("mkdir");
        std::fs::write(
            bad.join("Chart.yaml"),
            "apiVersion: v2\nname: bad\nversion: 1.0.0\n",
        )
        .expect("write");
        std::fs::write(bad.join("values.schema.json"), "{not json").expect("write");
        let missing = tmp.path().join(format!("missingdeps-{compat}"));
        std::fs::create_dir_all(&missing).expect("mkdir");
        std::fs::write(
            missing.join("Chart.yaml"),
            "apiVersion: v2\nname: m\nversion: 1.0.0\ndependencies:\n- name: redis\n  version: 1.0.0\n- name: pg\n",
        )
        .expect("write");
        let out = tmp.path().join(format!("out-{compat}"));
        let file = src.join("Chart.yaml");
        for args in [
            vec!["package".to_string()],
            vec![
                "package".into(),
                tmp.path().join("nope").to_string_lossy().into_owned(),
            ],
            vec!["package".into(), file.to_string_lossy().into_owned()],
            vec![
                "package".into(),
                bad.to_string_lossy().into_owned(),
                "-d".into(),
                out.to_string_lossy().into_owned(),
            ],
            vec![
                "package".into(),
                missing.to_string_lossy().into_owned(),
                "-d".into(),
                out.to_string_lossy().into_owned(),
            ],
        ] {
            let helm = tool.run(&args);
            let mut r = vec!["--compat".to_string(), compat.to_string()];
            r.extend(args.iter().cloned());
            let rudder = Tool::Rudder.run(&r);
            assert_eq!(rudder.stdout, helm.stdout, "{helm}\n{rudder}");
            assert_eq!(rudder.stderr, helm.stderr, "{helm}\n{rudder}");
            assert_eq!(rudder.code(), helm.code(), "{helm}\n{rudder}");
        }
    }
}
