//! `registry login|logout` and `push`: parse the flags, call
//! `rudder::registry`, print helm's lines (stderr for v3, stdout for v4).

use std::io::{BufRead as _, Write as _};
use std::path::PathBuf;

use clap::{Args, Subcommand};
use rudder::compat::Compat;
use rudder::registry::{self, RegistryOptions};

use super::Failure;
use super::settings::Settings;
use super::source::RegistryTlsFlags;

/// `registry` subcommands.
#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// login to a registry
    Login(LoginArgs),
    /// logout from a registry
    Logout(LogoutArgs),
}

/// `registry login` flags.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// the registry host (helm's `MinimumNArgs(1)`: extra arguments are ignored)
    #[arg(value_name = "HOST")]
    pub args: Vec<String>,
    /// registry username
    #[arg(short = 'u', long)]
    pub username: Option<String>,
    /// registry password or identity token
    #[arg(short = 'p', long)]
    pub password: Option<String>,
    /// read password or identity token from stdin
    #[arg(long = "password-stdin")]
    pub password_stdin: bool,
    /// allow connections to TLS registry without certs
    #[arg(long)]
    pub insecure: bool,
    /// `--cert-file`, `--key-file`, `--ca-file`
    #[command(flatten)]
    pub tls: RegistryTlsFlags,
    /// use insecure HTTP connections for the chart upload
    #[arg(long = "plain-http")]
    pub plain_http: bool,
}

/// `registry logout` arguments.
#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// the registry host (extra arguments are ignored, as by helm)
    #[arg(value_name = "HOST")]
    pub args: Vec<String>,
}

/// `push` flags.
#[derive(Debug, Args)]
pub struct PushArgs {
    /// the packaged chart (.tgz) and the destination, `oci://host/namespace`
    /// (helm's `MinimumNArgs(2)`: extra arguments are ignored)
    #[arg(value_name = "CHART REMOTE")]
    pub args: Vec<String>,
    /// `--cert-file`, `--key-file`, `--ca-file`
    #[command(flatten)]
    pub tls: RegistryTlsFlags,
    /// skip tls certificate checks for the chart upload
    #[arg(long = "insecure-skip-tls-verify")]
    pub insecure_skip_tls_verify: bool,
    /// use insecure HTTP connections for the chart upload
    #[arg(long = "plain-http")]
    pub plain_http: bool,
    /// chart repository username where to locate the requested chart
    #[arg(long)]
    pub username: Option<String>,
    /// chart repository password where to locate the requested chart
    #[arg(long)]
    pub password: Option<String>,
}

/// Prints registry-client lines where helm does: stderr for v3, stdout
/// for v4 (returned, so the CLI's stdout handling applies).
pub fn registry_output(compat: Compat, text: &str) -> String {
    match compat {
        Compat::V3 => {
            eprint!("{text}");
            String::new()
        }
        Compat::V4 => text.to_string(),
    }
}

/// helm's warning line for each version.
fn warn(compat: Compat, v3: &str, v4_msg: &str, attrs: &str) {
    match compat {
        Compat::V3 => eprintln!("WARNING: {v3}"),
        Compat::V4 => eprintln!("level=WARN msg={v4_msg:?}{attrs}"),
    }
}

/// cobra's `MinimumNArgs(n)` message.
fn at_least<'a>(
    n: usize,
    cmd: &str,
    usage: &str,
    args: &'a [String],
) -> Result<&'a [String], Failure> {
    if args.len() < n {
        let plural = if n == 1 { "" } else { "s" };
        return Err(Failure(format!(
            "\"rudder {cmd}\" requires at least {n} argument{plural}\n\nUsage:  rudder {cmd} {usage} [flags]"
        )));
    }
    Ok(args)
}

/// Runs `registry login|logout`.
pub async fn run(settings: &Settings, cmd: RegistryCommand) -> Result<String, Failure> {
    let compat = settings.compat;
    match cmd {
        RegistryCommand::Login(a) => {
            let raw = at_least(1, "registry login", "[host]", &a.args)?[0].clone();
            let (username, password) = credentials(compat, &a)?;
            let host = login_host(compat, &raw);
            let opts = a.tls.registry_options(settings, a.insecure, a.plain_http);
            registry::login(&host, &username, &password, &opts).await?;
            Ok(registry_output(compat, "Login Succeeded\n"))
        }
        RegistryCommand::Logout(a) => {
            // Logout takes the argument as it is (no scheme or path
            // handling, no warning) in both versions.
            let host = at_least(1, "registry logout", "[host]", &a.args)?[0].clone();
            let opts = RegistryOptions {
                registry_config: settings.paths.registry_config.clone(),
                compat,
                ..RegistryOptions::default()
            };
            registry::logout(&host, &opts).await?;
            Ok(registry_output(
                compat,
                &format!("Removing login credentials for {host}\n"),
            ))
        }
    }
}

/// v3 keeps only the host of `oci://host/path`; v4 warns about a path and
/// lets the reference check fail.
fn login_host(compat: Compat, raw: &str) -> String {
    match compat {
        Compat::V3 => {
            let s = ["oci://", "https://", "http://"]
                .iter()
                .find_map(|p| raw.strip_prefix(p))
                .unwrap_or(raw);
            s.split('/').next().unwrap_or(s).to_string()
        }
        Compat::V4 => {
            if let Some((h, _)) = raw.split_once('/') {
                warn(
                    compat,
                    "",
                    "registry login currently only supports registry hostname, not a repository path",
                    &format!(" host={raw} suggested={h}"),
                );
            }
            raw.to_string()
        }
    }
}

/// helm's `getUsernamePassword`: stdin, prompts, or the flags (with the
/// insecure-password warning).
fn credentials(compat: Compat, a: &LoginArgs) -> Result<(String, String), Failure> {
    let mut username = a.username.clone().unwrap_or_default();
    let mut password = a.password.clone().unwrap_or_default();
    if a.password_stdin {
        let mut all = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut all)?;
        let p = all.strip_suffix('\n').unwrap_or(&all);
        password = p.strip_suffix('\r').unwrap_or(p).to_string();
    } else if password.is_empty() {
        if username.is_empty() {
            username = prompt("Username: ")?.trim().to_string();
        }
        if username.is_empty() {
            password = prompt_secret("Token: ")?;
            if password.is_empty() {
                return Err(Failure("token required".into()));
            }
        } else {
            password = prompt_secret("Password: ")?;
            if password.is_empty() {
                return Err(Failure("password required".into()));
            }
        }
    } else {
        warn(
            compat,
            "Using --password via the CLI is insecure. Use --password-stdin.",
            "using --password via the CLI is insecure. Use --password-stdin",
            "",
        );
    }
    Ok((username, password))
}

/// Prints a prompt on stdout and reads one line from stdin (helm's
/// `readLine`, not silent).
fn prompt(text: &str) -> Result<String, Failure> {
    print!("{text}");
    std::io::stdout().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let l = line.strip_suffix('\n').unwrap_or(&line);
    Ok(l.strip_suffix('\r').unwrap_or(l).to_string())
}

/// helm's silent `readLine`: the terminal's echo off while the secret is
/// typed; like Go's `term.ReadPassword`, a stdin that is not a terminal
/// is an error.
fn prompt_secret(text: &str) -> Result<String, Failure> {
    use std::io::IsTerminal as _;
    print!("{text}");
    std::io::stdout().flush()?;
    if !std::io::stdin().is_terminal() {
        return Err(Failure("inappropriate ioctl for device".into()));
    }
    let stty = |arg: &str| {
        std::process::Command::new("stty")
            .arg(arg)
            .stdin(std::process::Stdio::inherit())
            .status()
    };
    let _ = stty("-echo");
    let mut line = String::new();
    let read = std::io::stdin().lock().read_line(&mut line);
    let _ = stty("echo");
    println!();
    read?;
    let l = line.strip_suffix('\n').unwrap_or(&line);
    Ok(l.strip_suffix('\r').unwrap_or(l).to_string())
}

/// Runs `push CHART oci://...`.
pub async fn push(settings: &Settings, a: PushArgs) -> Result<String, Failure> {
    let compat = settings.compat;
    let pos = at_least(2, "push", "[chart] [remote]", &a.args)?;
    let (chart, remote) = (PathBuf::from(&pos[0]), pos[1].clone());
    let opts = RegistryOptions {
        username: a.username.unwrap_or_default(),
        password: a.password.unwrap_or_default(),
        ..a.tls
            .registry_options(settings, a.insecure_skip_tls_verify, a.plain_http)
    };
    let pushed = registry::push(&chart, &remote, &opts).await?;
    // helm hands its printing registry client to the pusher only when the
    // destination starts with `oci://` exactly; `OCI://...` still pushes
    // (URL schemes are case-insensitive) but prints nothing.
    if !remote.starts_with("oci://") {
        return Ok(String::new());
    }
    Ok(registry_output(compat, &registry::pushed_lines(&pushed)))
}
