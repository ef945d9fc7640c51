//! The chart-source flags several commands share (credentials and TLS for
//! chart repositories and registries) and their one conversion each into
//! the library's options, so `show`, `pull`, `package`, `dependency`,
//! `repo add`, `push` and `registry login` cannot drift apart.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use rudder::compat::Compat;
use rudder::fetch::ClientOptions;
use rudder::registry::RegistryOptions;
use rudder::repo::LocateOptions;
use rudder::repo::deps::DepOptions;

use super::Failure;
use super::settings::Settings;

/// `--username` and `--password` for a chart repository.
#[derive(Debug, Args, Clone, Default)]
pub struct CredentialFlags {
    /// chart repository username where to locate the requested chart
    #[arg(long, default_value = "")]
    pub username: String,
    /// chart repository password where to locate the requested chart
    #[arg(long, default_value = "")]
    pub password: String,
}

/// The client certificate, CA bundle and verification flags for a chart
/// download.
#[derive(Debug, Args, Clone, Default)]
pub struct TlsFlags {
    /// identify HTTPS client using this SSL certificate file
    #[arg(long = "cert-file", default_value = "")]
    pub cert_file: String,
    /// identify HTTPS client using this SSL key file
    #[arg(long = "key-file", default_value = "")]
    pub key_file: String,
    /// verify certificates of HTTPS-enabled servers using this CA bundle
    #[arg(long = "ca-file", default_value = "")]
    pub ca_file: String,
    /// skip tls certificate checks for the chart download
    #[arg(long = "insecure-skip-tls-verify")]
    pub insecure_skip_tls_verify: bool,
}

impl TlsFlags {
    /// The TLS settings of these flags (an empty path is no file, as in
    /// helm).
    pub fn client(&self, timeout: Option<Duration>) -> ClientOptions {
        let p = |s: &str| (!s.is_empty()).then(|| PathBuf::from(s));
        ClientOptions {
            ca_file: p(&self.ca_file),
            cert_file: p(&self.cert_file),
            key_file: p(&self.key_file),
            insecure_skip_tls_verify: self.insecure_skip_tls_verify,
            timeout,
        }
    }
}

/// Credentials, `--pass-credentials` and TLS: what `repo add`, `pull` and
/// `show` take to reach a chart repository.
#[derive(Debug, Args, Clone, Default)]
pub struct AuthFlags {
    /// `--username`, `--password`
    #[command(flatten)]
    pub creds: CredentialFlags,
    /// pass credentials to all domains
    #[arg(long = "pass-credentials")]
    pub pass_credentials: bool,
    /// the TLS flags
    #[command(flatten)]
    pub tls: TlsFlags,
}

/// What locating a chart needs beyond the auth flags.
pub struct Locate<'a> {
    /// `--version`
    pub version: &'a str,
    /// `--devel`
    pub devel: bool,
    /// `--repo`
    pub repo: &'a str,
    /// `--plain-http`
    pub plain_http: bool,
}

impl AuthFlags {
    /// helm's `LocateChart` options for these flags.
    pub fn locate_options(&self, settings: &Settings, l: Locate<'_>) -> LocateOptions {
        LocateOptions {
            paths: Some(settings.paths.clone()),
            compat: settings.compat,
            version: l.version.to_string(),
            devel: l.devel,
            repo_url: l.repo.to_string(),
            username: self.creds.username.clone(),
            password: self.creds.password.clone(),
            pass_credentials_all: self.pass_credentials,
            client: self.tls.client(None),
            plain_http: l.plain_http,
            on_warning: Some(super::repo::warning_sink(settings.compat)),
        }
    }
}

/// The options of `dependency update|build` (also run by `package -u`).
pub fn dep_options(
    settings: &Settings,
    skip_refresh: bool,
    plain_http: bool,
    creds: &CredentialFlags,
    tls: &TlsFlags,
) -> DepOptions {
    DepOptions {
        paths: settings.paths.clone(),
        compat: settings.compat,
        skip_refresh,
        plain_http,
        // `repo::deps` fills in registry_config (from `paths`), compat and
        // plain_http from the fields above.
        registry: RegistryOptions {
            client: tls.client(None),
            username: creds.username.clone(),
            password: creds.password.clone(),
            ..Default::default()
        },
        on_registry_lines: match settings.compat {
            Compat::V3 => |t: &str| eprint!("{t}"),
            Compat::V4 => |t: &str| print!("{t}"),
        },
    }
}

/// The registry client's certificate flags (`push`, `registry login`).
#[derive(Debug, Args, Clone, Default)]
pub struct RegistryTlsFlags {
    /// identify registry client using this SSL certificate file
    #[arg(long = "cert-file")]
    pub cert_file: Option<PathBuf>,
    /// identify registry client using this SSL key file
    #[arg(long = "key-file")]
    pub key_file: Option<PathBuf>,
    /// verify certificates of HTTPS-enabled servers using this CA bundle
    #[arg(long = "ca-file")]
    pub ca_file: Option<PathBuf>,
}

impl RegistryTlsFlags {
    /// The registry options for these flags; `insecure` is `--insecure`
    /// for login and `--insecure-skip-tls-verify` for push.
    pub fn registry_options(
        self,
        settings: &Settings,
        insecure: bool,
        plain_http: bool,
    ) -> RegistryOptions {
        RegistryOptions {
            client: ClientOptions {
                ca_file: self.ca_file,
                cert_file: self.cert_file,
                key_file: self.key_file,
                insecure_skip_tls_verify: insecure,
                timeout: None,
            },
            plain_http,
            registry_config: settings.paths.registry_config.clone(),
            compat: settings.compat,
            ..RegistryOptions::default()
        }
    }
}

/// Refuses the provenance flags rather than ignoring them: rudder reads no
/// `.prov` files yet, and a `--verify` that silently verified nothing would
/// let an unsigned or tampered chart through.
pub fn refuse_provenance(verify: bool, prov: bool) -> Result<(), Failure> {
    let flag = match (verify, prov) {
        (true, _) => "--verify",
        (false, true) => "--prov",
        (false, false) => return Ok(()),
    };
    Err(Failure(format!(
        "{flag} is not supported: rudder does not handle provenance files (.prov) yet, so it cannot check a chart's signature"
    )))
}
