//! Build information for `rudder version`: the git commit and tree state
//! and the compiler version, read locally at build time (no network).
//! `RUDDER_GIT_COMMIT` / `RUDDER_GIT_TREE_STATE` override them (for builds
//! from a source tarball without `.git`).

use std::process::Command;

fn main() {
    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git").args(args).output().ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let commit = std::env::var("RUDDER_GIT_COMMIT")
        .ok()
        .or_else(|| git(&["rev-parse", "HEAD"]))
        .unwrap_or_default();
    let state = std::env::var("RUDDER_GIT_TREE_STATE")
        .ok()
        .unwrap_or_else(
            || match git(&["status", "--porcelain", "--untracked-files=no"]) {
                Some(s) if s.is_empty() => "clean".into(),
                Some(_) => "dirty".into(),
                None => String::new(),
            },
        );
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let rustc_version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .and_then(|v| v.split(' ').nth(1).map(str::to_string))
        .unwrap_or_default();
    println!("cargo:rustc-env=RUDDER_GIT_COMMIT={commit}");
    println!("cargo:rustc-env=RUDDER_GIT_TREE_STATE={state}");
    println!("cargo:rustc-env=RUDDER_RUSTC_VERSION={rustc_version}");
    println!("cargo:rerun-if-env-changed=RUDDER_GIT_COMMIT");
    println!("cargo:rerun-if-env-changed=RUDDER_GIT_TREE_STATE");
    // Rebuild when HEAD moves (a commit, a checkout), not on every edit:
    // the tree state is as of the last build after HEAD moved. Worktrees
    // keep HEAD in their own git dir and refs in the common one.
    for (dir_arg, files) in [
        ("--git-dir", &["HEAD"][..]),
        ("--git-common-dir", &["packed-refs", "refs/heads"][..]),
    ] {
        if let Some(dir) = git(&["rev-parse", dir_arg]) {
            for f in files {
                println!("cargo:rerun-if-changed={dir}/{f}");
            }
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
