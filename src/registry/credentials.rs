//! Registry credentials in Docker's `config.json` format, as helm keeps
//! them in `HELM_REGISTRY_CONFIG` (oras-go's file store): read with
//! Docker's own file as the fallback, written tab-indented through a
//! temporary file and a rename, unknown keys kept.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde_json::value::RawValue;

use super::RegistryError;

/// A credential for one registry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Credential {
    /// The user name (Basic auth, token requests).
    pub username: String,
    /// The password.
    pub password: String,
    /// An identity (refresh) token: `identitytoken`.
    pub refresh_token: String,
    /// A registry (access) token used as it is: `registrytoken`.
    pub access_token: String,
}

impl Credential {
    /// A user name and password.
    pub fn basic(username: &str, password: &str) -> Credential {
        Credential {
            username: username.into(),
            password: password.into(),
            ..Credential::default()
        }
    }

    /// Whether nothing is set (oras' `EmptyCredential`).
    pub fn is_empty(&self) -> bool {
        *self == Credential::default()
    }
}

/// The key a registry's credential is stored under (oras'
/// `ServerAddressFromRegistry`): Docker Hub's legacy address for `docker.io`.
pub fn server_address_from_registry(registry: &str) -> String {
    if registry == "docker.io" {
        "https://index.docker.io/v1/".into()
    } else {
        registry.into()
    }
}

/// The key for a host a request went to (oras' `ServerAddressFromHostname`).
pub fn server_address_from_hostname(host: &str) -> String {
    if host == "registry-1.docker.io" {
        "https://index.docker.io/v1/".into()
    } else {
        host.into()
    }
}

/// One `auths` entry as oras encodes it (field order of its Go struct).
#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
struct AuthConfig {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    auth: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    identitytoken: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    registrytoken: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    username: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    password: String,
}

/// A parsed `config.json`: the top-level members kept as they were read
/// (so unknown keys survive a rewrite), the `auths` entries by server.
#[derive(Debug, Default)]
struct ConfigFile {
    content: BTreeMap<String, Box<RawValue>>,
    auths: BTreeMap<String, Box<RawValue>>,
    creds_store: String,
    cred_helpers: BTreeMap<String, String>,
}

impl ConfigFile {
    fn load(path: &Path) -> Result<ConfigFile, RegistryError> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ConfigFile::default()),
            Err(e) => {
                return Err(RegistryError::Credentials(format!(
                    "failed to open config file at {}: {e}",
                    path.display()
                )));
            }
        };
        let bad = |e: serde_json::Error| {
            RegistryError::Credentials(format!(
                "failed to decode config file at {}: invalid config format: {e}",
                path.display()
            ))
        };
        let content: BTreeMap<String, Box<RawValue>> =
            serde_json::from_slice(&bytes).map_err(bad)?;
        let mut file = ConfigFile::default();
        if let Some(raw) = content.get("auths") {
            file.auths = serde_json::from_str(raw.get()).map_err(bad)?;
        }
        if let Some(raw) = content.get("credsStore") {
            file.creds_store = serde_json::from_str(raw.get()).map_err(bad)?;
        }
        if let Some(raw) = content.get("credHelpers") {
            file.cred_helpers = serde_json::from_str(raw.get()).map_err(bad)?;
        }
        file.content = content;
        Ok(file)
    }

    fn helper_for(&self, server: &str) -> Option<&str> {
        self.cred_helpers
            .get(server)
            .map(String::as_str)
            .or(Some(self.creds_store.as_str()))
            .filter(|h| !h.is_empty())
    }

    fn get(&self, server: &str) -> Result<Credential, RegistryError> {
        if let Some(helper) = self.helper_for(server) {
            return helper_get(helper, server);
        }
        let Some(raw) = self.auths.get(server) else {
            return Ok(Credential::default());
        };
        let entry: AuthConfig = serde_json::from_str(raw.get())
            .map_err(|e| RegistryError::Credentials(format!("invalid auth configuration: {e}")))?;
        let mut cred = Credential {
            refresh_token: entry.identitytoken,
            access_token: entry.registrytoken,
            ..Credential::default()
        };
        if entry.auth.is_empty() {
            cred.username = entry.username;
            cred.password = entry.password;
        } else {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(entry.auth.as_bytes())
                .ok()
                .and_then(|b| String::from_utf8(b).ok());
            let Some((user, pass)) = decoded.as_deref().and_then(|d| d.split_once(':')) else {
                return Err(RegistryError::Credentials(format!(
                    "invalid auth configuration: invalid auth field for {server:?}"
                )));
            };
            cred.username = user.into();
            cred.password = pass.into();
        }
        Ok(cred)
    }

    fn save(&mut self, path: &Path) -> Result<(), RegistryError> {
        let io = |e: std::io::Error| {
            RegistryError::Credentials(format!(
                "failed to save config file at {}: {e}",
                path.display()
            ))
        };
        let auths = serde_json::to_string(&self.auths).map_err(|e| io(std::io::Error::other(e)))?;
        let auths = RawValue::from_string(auths).map_err(|e| io(std::io::Error::other(e)))?;
        self.content.insert("auths".into(), auths);
        let mut compact = String::from("{");
        for (i, (k, v)) in self.content.iter().enumerate() {
            if i > 0 {
                compact.push(',');
            }
            crate::gojson::escape::write_string(
                &mut compact,
                k,
                crate::gojson::escape::Escaping::EncodingJson,
            );
            compact.push(':');
            compact.push_str(&go_compact(v.get()));
        }
        compact.push('}');
        let text = crate::gojson::json::indent(&compact, "\t");
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        if let Some(dir) = dir {
            create_private_dir(dir).map_err(io)?;
        }
        let mut tmp = tempfile_in(dir.unwrap_or(Path::new("."))).map_err(io)?;
        tmp.1.write_all(text.as_bytes()).map_err(io)?;
        tmp.1.sync_all().map_err(io)?;
        drop(tmp.1);
        std::fs::rename(&tmp.0, path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp.0);
            io(e)
        })
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

/// A new 0600 file next to the target (same file system, so the rename is
/// atomic).
fn tempfile_in(dir: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let pid = std::process::id();
    for n in 0..100u32 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let p = dir.join(format!(".config.json.{pid}.{nanos}.{n}.tmp"));
        match opts.open(&p) {
            Ok(f) => return Ok((p, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("cannot create a temporary file"))
}

/// Go's `json.Compact` with `encoding/json`'s HTML escaping (what
/// `json.Marshal` does to a `json.RawMessage`).
fn go_compact(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in raw.chars() {
        if in_string {
            match c {
                _ if escaped => {
                    escaped = false;
                    out.push(c);
                }
                '\\' => {
                    escaped = true;
                    out.push(c);
                }
                '"' => {
                    in_string = false;
                    out.push(c);
                }
                '<' => out.push_str("\\u003c"),
                '>' => out.push_str("\\u003e"),
                '&' => out.push_str("\\u0026"),
                '\u{2028}' => out.push_str("\\u2028"),
                '\u{2029}' => out.push_str("\\u2029"),
                _ => out.push(c),
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_ascii_whitespace() {
            out.push(c);
        }
    }
    out
}

/// Docker's own configuration file: `$DOCKER_CONFIG/config.json`, else
/// `~/.docker/config.json`.
fn docker_config_path() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d).join("config.json"));
    }
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(".docker/config.json"))
}

/// helm's credential store: its own file first, Docker's as a read-only
/// fallback.
#[derive(Clone, Debug)]
pub struct CredentialStore {
    /// `HELM_REGISTRY_CONFIG`.
    pub path: PathBuf,
    /// Docker's `config.json` (read only; `None` disables the fallback).
    pub docker_path: Option<PathBuf>,
}

impl CredentialStore {
    /// The store for helm's file, with Docker's file from the environment.
    pub fn new(path: PathBuf) -> CredentialStore {
        CredentialStore {
            path,
            docker_path: docker_config_path(),
        }
    }

    /// The credential for a server address (after the docker.io mapping);
    /// empty when none is configured.
    ///
    /// # Errors
    ///
    /// An unreadable file or a failing credential helper.
    pub fn get(&self, server: &str) -> Result<Credential, RegistryError> {
        let cred = ConfigFile::load(&self.path)?.get(server)?;
        if !cred.is_empty() {
            return Ok(cred);
        }
        match &self.docker_path {
            Some(p) if p != &self.path => ConfigFile::load(p)?.get(server),
            _ => Ok(cred),
        }
    }

    /// Stores a credential in helm's file (or its configured helper).
    ///
    /// # Errors
    ///
    /// The file cannot be read or written, or the helper fails.
    pub fn put(&self, server: &str, cred: &Credential) -> Result<(), RegistryError> {
        let mut file = ConfigFile::load(&self.path)?;
        if let Some(helper) = file.helper_for(server) {
            return helper_store(helper, server, cred);
        }
        let entry = AuthConfig {
            auth: if cred.username.is_empty() && cred.password.is_empty() {
                String::new()
            } else {
                base64::engine::general_purpose::STANDARD
                    .encode(format!("{}:{}", cred.username, cred.password))
            },
            identitytoken: cred.refresh_token.clone(),
            registrytoken: cred.access_token.clone(),
            ..AuthConfig::default()
        };
        let raw = serde_json::to_string(&entry)
            .map_err(|e| RegistryError::Credentials(e.to_string()))
            .and_then(|s| {
                RawValue::from_string(s).map_err(|e| RegistryError::Credentials(e.to_string()))
            })?;
        file.auths.insert(server.into(), raw);
        file.save(&self.path)
    }

    /// Removes a server's credential from helm's file (or its helper); a
    /// server without one is not an error (oras).
    ///
    /// # Errors
    ///
    /// The file cannot be read or written, or the helper fails.
    pub fn delete(&self, server: &str) -> Result<(), RegistryError> {
        let mut file = ConfigFile::load(&self.path)?;
        if let Some(helper) = file.helper_for(server) {
            return helper_erase(helper, server);
        }
        if file.auths.remove(server).is_none() {
            return Ok(());
        }
        file.save(&self.path)
    }
}

/// Runs `docker-credential-<helper> <action>` with `input` on stdin.
fn run_helper(helper: &str, action: &str, input: &str) -> Result<String, RegistryError> {
    let program = format!("docker-credential-{helper}");
    let mut child = std::process::Command::new(&program)
        .arg(action)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| {
            RegistryError::Credentials(if e.kind() == std::io::ErrorKind::NotFound {
                format!("exec: {program:?}: executable file not found in $PATH")
            } else {
                format!("{program}: {e}")
            })
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(input.as_bytes())
            .map_err(|e| RegistryError::Credentials(format!("{program}: {e}")))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| RegistryError::Credentials(format!("{program}: {e}")))?;
    let stdout = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if out.status.success() {
        Ok(stdout)
    } else {
        Err(RegistryError::Helper(stdout))
    }
}

fn helper_get(helper: &str, server: &str) -> Result<Credential, RegistryError> {
    let out = match run_helper(helper, "get", server) {
        Ok(o) => o,
        Err(RegistryError::Helper(msg)) if msg.contains("credentials not found") => {
            return Ok(Credential::default());
        }
        Err(e) => return Err(e),
    };
    #[derive(serde::Deserialize)]
    struct Reply {
        #[serde(rename = "Username", default)]
        username: String,
        #[serde(rename = "Secret", default)]
        secret: String,
    }
    let reply: Reply = serde_json::from_str(&out)
        .map_err(|e| RegistryError::Credentials(format!("docker-credential-{helper}: {e}")))?;
    // Docker's convention for an identity token.
    Ok(if reply.username == "<token>" {
        Credential {
            refresh_token: reply.secret,
            ..Credential::default()
        }
    } else {
        Credential::basic(&reply.username, &reply.secret)
    })
}

fn helper_store(helper: &str, server: &str, cred: &Credential) -> Result<(), RegistryError> {
    let (user, secret) = if cred.refresh_token.is_empty() {
        (cred.username.as_str(), cred.password.as_str())
    } else {
        ("<token>", cred.refresh_token.as_str())
    };
    let input = serde_json::json!({"ServerURL": server, "Username": user, "Secret": secret});
    run_helper(helper, "store", &input.to_string()).map(|_| ())
}

fn helper_erase(helper: &str, server: &str) -> Result<(), RegistryError> {
    run_helper(helper, "erase", server).map(|_| ())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn writes_like_oras_and_keeps_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("registry/config.json");
        let store = CredentialStore {
            path: path.clone(),
            docker_path: None,
        };
        store
            .put("127.0.0.1:5443", &Credential::basic("user", "pass"))
            .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "{\n\t\"auths\": {\n\t\t\"127.0.0.1:5443\": {\n\t\t\t\"auth\": \"dXNlcjpwYXNz\"\n\t\t}\n\t}\n}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            let mode = std::fs::metadata(path.parent().unwrap())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o700);
        }
        std::fs::write(&path, r#"{"zz": {"b": 1, "a": [], "c": "<x>"}, "auths": {"h": {"auth": "dTpw", "email": "e"}}}"#).unwrap();
        assert_eq!(store.get("h").unwrap(), Credential::basic("u", "p"));
        store
            .put(
                "a:1",
                &Credential {
                    refresh_token: "tok".into(),
                    ..Credential::default()
                },
            )
            .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "{\n\t\"auths\": {\n\t\t\"a:1\": {\n\t\t\t\"identitytoken\": \"tok\"\n\t\t},\n\t\t\"h\": {\n\t\t\t\"auth\": \"dTpw\",\n\t\t\t\"email\": \"e\"\n\t\t}\n\t},\n\t\"zz\": {\n\t\t\"b\": 1,\n\t\t\"a\": [],\n\t\t\"c\": \"\\u003cx\\u003e\"\n\t}\n}"
        );
        store.delete("a:1").unwrap();
        store.delete("h").unwrap();
        store.delete("never").unwrap();
        assert!(store.get("h").unwrap().is_empty());
    }

    #[test]
    fn falls_back_to_docker_and_reports_missing_helpers() {
        let dir = tempfile::tempdir().unwrap();
        let docker = dir.path().join("docker.json");
        std::fs::write(
            &docker,
            r#"{"auths": {"h:1": {"username": "u", "password": "p"}}}"#,
        )
        .unwrap();
        let store = CredentialStore {
            path: dir.path().join("helm.json"),
            docker_path: Some(docker),
        };
        assert_eq!(store.get("h:1").unwrap(), Credential::basic("u", "p"));
        std::fs::write(
            dir.path().join("helm.json"),
            r#"{"credHelpers": {"x:1": "rudder-test-none"}}"#,
        )
        .unwrap();
        let e = store.get("x:1").unwrap_err().to_string();
        assert_eq!(
            e,
            "exec: \"docker-credential-rudder-test-none\": executable file not found in $PATH"
        );
        assert_eq!(
            server_address_from_registry("docker.io"),
            "https://index.docker.io/v1/"
        );
    }
}
