//! Shell completion, as helm's: `rudder completion bash|zsh|fish|powershell`
//! prints a script that calls rudder back (`COMPLETE=<shell> rudder -- <words>`)
//! for every completion, so subcommands and flags come from the flag
//! definitions and release names, revisions, namespaces and contexts come
//! live from the cluster. Cluster look-ups read metadata only (no record
//! bodies) and give up quietly: a completion never prints an error.

use std::ffi::OsStr;
use std::time::Duration;

use clap::CommandFactory as _;
use clap_complete::engine::{ArgValueCompleter, CompletionCandidate};
use clap_complete::env::{Bash, CompleteEnv, EnvCompleter, Fish, Powershell, Zsh};

use rudder::storage::{Driver as _, Scope};

use super::Failure;
use super::args::Cli;
use super::settings::Settings;

/// The environment variable that switches rudder into completion mode.
const VAR: &str = "COMPLETE";

/// How long a live look-up may take before the shell gets nothing.
const BUDGET: Duration = Duration::from_secs(5);

/// Answers a completion request and exits, if this run is one.
pub fn complete_if_asked() {
    CompleteEnv::with_factory(Cli::command)
        .var(VAR)
        .bin("rudder")
        .completer("rudder")
        .complete();
}

/// The registration script for `shell`.
pub fn script(shell: &str) -> Result<String, Failure> {
    let shells: [&dyn EnvCompleter; 4] = [&Bash, &Zsh, &Fish, &Powershell];
    let Some(completer) = shells.iter().find(|s| s.name() == shell) else {
        return Err(Failure(format!(
            "unsupported shell {shell:?}: use bash, zsh, fish or powershell"
        )));
    };
    let mut buf = Vec::new();
    completer
        .write_registration(VAR, "rudder", "rudder", "rudder", &mut buf)
        .map_err(|e| Failure(e.to_string()))?;
    String::from_utf8(buf).map_err(|e| Failure(e.to_string()))
}

/// What a value completer completes.
#[derive(Clone, Copy, Debug)]
enum Kind {
    /// Release names (a command's positional arguments).
    Release,
    /// `rollback <RELEASE> [REVISION]`: a release, then its revisions.
    ReleaseThenRevision,
    /// `--revision` of the release named on the line.
    Revision,
    /// `-n/--namespace`.
    Namespace,
    /// `--kube-context`.
    Context,
}

/// Completes `-o/--output`.
pub fn formats() -> clap_complete::engine::ArgValueCandidates {
    clap_complete::engine::ArgValueCandidates::new(|| {
        ["table", "json", "yaml"]
            .into_iter()
            .map(CompletionCandidate::new)
            .collect()
    })
}

/// Completes release names.
pub fn releases() -> ArgValueCompleter {
    ArgValueCompleter::new(|cur: &OsStr| live(Kind::Release, cur))
}

/// Completes `rollback`'s release and then revision.
pub fn release_then_revision() -> ArgValueCompleter {
    ArgValueCompleter::new(|cur: &OsStr| live(Kind::ReleaseThenRevision, cur))
}

/// Completes revisions of the release on the line.
pub fn revisions() -> ArgValueCompleter {
    ArgValueCompleter::new(|cur: &OsStr| live(Kind::Revision, cur))
}

/// Completes namespaces.
pub fn namespaces() -> ArgValueCompleter {
    ArgValueCompleter::new(|cur: &OsStr| live(Kind::Namespace, cur))
}

/// Completes kubeconfig contexts.
pub fn contexts() -> ArgValueCompleter {
    ArgValueCompleter::new(|cur: &OsStr| live(Kind::Context, cur))
}

/// The words of the line being completed, up to (not including) the one
/// under the cursor: what the shell passed after `--`, cut at
/// `_CLAP_COMPLETE_INDEX` when the shell says where the cursor is.
fn line_words() -> Vec<String> {
    let args: Vec<String> = std::env::args().collect();
    let mut words: Vec<String> = match args.iter().position(|a| a == "--") {
        Some(i) => args[i + 1..].to_vec(),
        None => Vec::new(),
    };
    let index = std::env::var("_CLAP_COMPLETE_INDEX")
        .ok()
        .and_then(|i| i.parse::<usize>().ok())
        .unwrap_or(words.len().saturating_sub(1));
    words.truncate(index);
    words
}

/// The line split into global flags (with their values) and positional
/// words after the subcommand path, using the flag definitions to know
/// which flags take a value.
struct Line {
    /// Flags rudder's global settings understand, to rebuild [`Settings`].
    flags: Vec<String>,
    /// The subcommand path (`["get", "values"]`).
    path: Vec<String>,
    /// Positional arguments after the subcommand.
    positionals: Vec<String>,
    /// `-A`: releases of every namespace.
    all_namespaces: bool,
}

fn parse_line(words: &[String]) -> Line {
    let root = Cli::command();
    let mut cmd = &root;
    let mut line = Line {
        flags: Vec::new(),
        path: Vec::new(),
        positionals: Vec::new(),
        all_namespaces: false,
    };
    // Flags that take a value anywhere on the line.
    let takes_value = |cmd: &clap::Command, word: &str| -> Option<(bool, bool)> {
        let (name, inline) = match word.split_once('=') {
            Some((n, _)) => (n, true),
            None => (word, false),
        };
        let arg = if let Some(long) = name.strip_prefix("--") {
            cmd.get_arguments().chain(root.get_arguments()).find(|a| {
                a.get_long() == Some(long)
                    || a.get_all_aliases().is_some_and(|al| al.contains(&long))
            })
        } else {
            let c = name.strip_prefix('-')?.chars().next()?;
            cmd.get_arguments()
                .chain(root.get_arguments())
                .find(|a| a.get_short() == Some(c))
        }?;
        let global = root.get_arguments().any(|g| g.get_id() == arg.get_id());
        let value = arg.get_action().takes_values() && !inline && name.len() == word.len();
        // `-nfoo`: a short flag with its value attached.
        let attached = !name.starts_with("--") && word.len() > 2;
        Some((global, value && !attached))
    };
    let mut i = 1; // words[0] is the program
    while i < words.len() {
        let w = &words[i];
        if w == "-A" || w == "--all-namespaces" {
            line.all_namespaces = true;
        } else if w.starts_with('-') && w.len() > 1 {
            let (global, needs_value) = takes_value(cmd, w).unwrap_or((false, false));
            if needs_value {
                i += 1;
                // A flag whose value is the word being completed is left
                // out: it has no value yet.
                if global && let Some(v) = words.get(i) {
                    line.flags.extend([w.clone(), v.clone()]);
                }
            } else if global {
                line.flags.push(w.clone());
            }
        } else if let Some(sub) = cmd
            .get_subcommands()
            .find(|s| s.get_name() == w || s.get_all_aliases().any(|a| a == w))
            .filter(|_| line.positionals.is_empty())
        {
            line.path.push(sub.get_name().to_string());
            cmd = sub;
        } else {
            line.positionals.push(w.clone());
        }
        i += 1;
    }
    line
}

/// Candidates from the cluster, or none if it cannot be asked in time.
fn live(kind: Kind, current: &OsStr) -> Vec<CompletionCandidate> {
    let current = current.to_string_lossy().into_owned();
    let line = parse_line(&line_words());
    let kind = match kind {
        Kind::ReleaseThenRevision if !line.positionals.is_empty() => Kind::Revision,
        Kind::ReleaseThenRevision => Kind::Release,
        k => k,
    };
    if let Kind::Context = kind {
        return filter(contexts_from_kubeconfig(&line), &current);
    }
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return Vec::new();
    };
    let found = runtime.block_on(async {
        tokio::time::timeout(BUDGET, lookup(kind, &line))
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default()
    });
    filter(found, &current)
}

fn filter(found: Vec<CompletionCandidate>, current: &str) -> Vec<CompletionCandidate> {
    found
        .into_iter()
        .filter(|c| c.get_value().to_string_lossy().starts_with(current))
        .collect()
}

/// Settings as the line sets them (its global flags), for the look-up.
fn settings_for(line: &Line) -> Result<Settings, Failure> {
    let mut argv = vec!["rudder".to_string()];
    argv.extend(line.flags.iter().cloned());
    argv.push("version".into());
    let cli = <Cli as clap::Parser>::try_parse_from(argv).map_err(|e| Failure(e.to_string()))?;
    Settings::new(cli.global)
}

async fn lookup(kind: Kind, line: &Line) -> Result<Vec<CompletionCandidate>, Failure> {
    let settings = settings_for(line)?;
    let (storage, conn) = settings.storage_unchecked().await?;
    match kind {
        Kind::Namespace => {
            use k8s_openapi::api::core::v1::Namespace;
            let api: kube::Api<Namespace> = kube::Api::all(conn.client.clone());
            let list = api.list_metadata(&kube::api::ListParams::default()).await?;
            Ok(list
                .items
                .into_iter()
                .filter_map(|n| n.metadata.name)
                .map(CompletionCandidate::new)
                .collect())
        }
        Kind::Revision => {
            let Some(release) = line.positionals.first() else {
                return Ok(Vec::new());
            };
            let listing = storage
                .driver()
                .list_meta(Scope::Namespace(storage.namespace()), &[("name", release)])
                .await?;
            let mut revs: Vec<(i64, String)> = listing
                .items
                .iter()
                .filter_map(|m| {
                    let status = m.labels.get("status").cloned().unwrap_or_default();
                    m.revision().map(|r| (r, status))
                })
                .collect();
            revs.sort_unstable();
            revs.dedup_by_key(|(r, _)| *r);
            Ok(revs
                .into_iter()
                .rev()
                .map(|(r, status)| {
                    CompletionCandidate::new(r.to_string()).help(Some(status.into()))
                })
                .collect())
        }
        _ => {
            let scope = if line.all_namespaces {
                Scope::All
            } else {
                Scope::Namespace(storage.namespace())
            };
            let listing = storage.driver().list_meta(scope, &[]).await?;
            let mut names: Vec<String> = listing
                .items
                .iter()
                .filter_map(|m| m.release_name().map(str::to_string))
                .filter(|n| !line.positionals.contains(n))
                .collect();
            names.sort_unstable();
            names.dedup();
            Ok(names.into_iter().map(CompletionCandidate::new).collect())
        }
    }
}

/// Context names from the kubeconfig the line (or the environment) names.
fn contexts_from_kubeconfig(line: &Line) -> Vec<CompletionCandidate> {
    let explicit = line
        .flags
        .iter()
        .position(|f| f == "--kubeconfig")
        .and_then(|i| line.flags.get(i + 1))
        .cloned()
        .or_else(|| {
            line.flags
                .iter()
                .find_map(|f| f.strip_prefix("--kubeconfig=").map(str::to_string))
        });
    let kc = match explicit {
        Some(p) => kube::config::Kubeconfig::read_from(p).ok(),
        None => kube::config::Kubeconfig::read().ok(),
    };
    kc.map(|kc| {
        kc.contexts
            .into_iter()
            .map(|c| CompletionCandidate::new(c.name))
            .collect()
    })
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{parse_line, script};

    fn words(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn the_line_splits_into_globals_path_and_positionals() {
        let l = parse_line(&words(
            "rudder -n team get values --revision 3 web -o json --kube-context=dev",
        ));
        assert_eq!(l.flags, ["-n", "team", "--kube-context=dev"]);
        assert_eq!(l.path, ["get", "values"]);
        assert_eq!(l.positionals, ["web"]);
        let l = parse_line(&words("rudder rollback --wait=watcher web"));
        assert_eq!(l.path, ["rollback"]);
        assert_eq!(l.positionals, ["web"]);
        let l = parse_line(&words("rudder ls -A"));
        assert_eq!(l.path, ["list"]);
        assert!(l.all_namespaces);
        let l = parse_line(&words("rudder list -n"));
        assert!(l.flags.is_empty(), "-n awaits the word being completed");
    }

    #[test]
    fn scripts_exist_for_helms_shells_only() {
        for shell in ["bash", "zsh", "fish", "powershell"] {
            let s = script(shell).expect("script");
            assert!(s.contains("COMPLETE"), "{shell}: calls rudder back");
        }
        assert!(script("tcsh").is_err());
    }
}
