//! `repositories.yaml` (helm's `repo.File`), read and written exactly as
//! helm does so that both tools share it: keys sorted (helm marshals
//! through JSON into YAML), every entry key written, mode 0600, written to
//! a temporary file and renamed, with `repo add` holding a `flock` on
//! `repositories.lock`.

use std::fs::File as FsFile;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::gojson::{GoTime, GoValue};

use super::RepoError;
use crate::gojson::decode::{self, Cx};

/// The repositories file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RepoFile {
    /// `apiVersion` (empty in a file first created by `repo add`).
    pub api_version: String,
    /// `generated` (`None`: Go's zero time, as `repo add` writes it).
    pub generated: Option<GoTime>,
    /// The repositories, in file order.
    pub repositories: Vec<Entry>,
}

/// One configured repository (helm's `repo.Entry`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    /// The repository name.
    pub name: String,
    /// The repository URL.
    pub url: String,
    /// Basic-auth user name.
    pub username: String,
    /// Basic-auth password (plain text, as helm stores it).
    pub password: String,
    /// Client certificate file.
    pub cert_file: String,
    /// Client key file.
    pub key_file: String,
    /// CA bundle.
    pub ca_file: String,
    /// Skip server certificate checks.
    pub insecure_skip_tls_verify: bool,
    /// Send credentials to every host, not only the repository's.
    pub pass_credentials_all: bool,
}

const ENTRY_FIELDS: &[&str] = &[
    "name",
    "url",
    "username",
    "password",
    "certFile",
    "keyFile",
    "caFile",
    "insecure_skip_tls_verify",
    "pass_credentials_all",
];

impl RepoFile {
    /// Parses the file the way helm's `yaml.Unmarshal` does (unknown keys
    /// ignored). Empty input is an empty file.
    pub fn parse(bytes: &[u8]) -> Result<RepoFile, RepoError> {
        let mut f = RepoFile::default();
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(f);
        }
        let value =
            crate::gojson::yaml::from_slice(bytes).map_err(|e| RepoError::Yaml(e.to_string()))?;
        let wrap = |e: decode::DecodeError| {
            RepoError::Yaml(format!("error unmarshaling JSON: while decoding JSON: {e}"))
        };
        let cx = Cx::top("repo.File", false).with_yaml(true);
        decode::object(
            &value,
            &cx,
            "repo.File",
            &["apiVersion", "generated", "repositories"],
            |field, v| {
                let cx = cx.field("File", field);
                match field {
                    "apiVersion" => f.api_version = decode::direct_string(v, &cx)?,
                    "generated" => f.generated = decode::time(v, &cx)?,
                    _ => f.repositories = entries(v, &cx)?,
                }
                Ok(())
            },
        )
        .map_err(wrap)?;
        Ok(f)
    }

    /// helm's `repo.LoadFile`: a missing or unreadable file is an error
    /// (`couldn't load repositories file (<path>): ...`).
    pub fn load(path: &Path) -> Result<RepoFile, RepoError> {
        let bytes = std::fs::read(path).map_err(|e| RepoError::LoadRepoFile {
            path: path.to_path_buf(),
            source: super::GoIoError::new("open", path, &e),
        })?;
        RepoFile::parse(&bytes)
    }

    /// Reads the file as `repo add` does: a missing file is an empty one.
    pub fn load_or_empty(path: &Path) -> Result<RepoFile, RepoError> {
        match std::fs::read(path) {
            Ok(b) => RepoFile::parse(&b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(RepoFile::default()),
            Err(e) => Err(RepoError::Io(super::GoIoError::new("open", path, &e))),
        }
    }

    /// The entry named `name`.
    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.repositories.iter().find(|e| e.name == name)
    }

    /// Whether an entry is named `name`.
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Replaces the entry of the same name in place, or appends it.
    pub fn update(&mut self, entry: Entry) {
        match self.repositories.iter_mut().find(|e| e.name == entry.name) {
            Some(e) => *e = entry,
            None => self.repositories.push(entry),
        }
    }

    /// Removes the entry named `name`; whether there was one.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.repositories.len();
        self.repositories.retain(|e| e.name != name);
        before != self.repositories.len()
    }

    /// The file as helm's `yaml.Marshal` writes it.
    pub fn to_yaml(&self) -> Result<String, RepoError> {
        let repos: Vec<GoValue> = self
            .repositories
            .iter()
            .map(|e| {
                GoValue::struct_builder()
                    .field("name", e.name.as_str())
                    .field("url", e.url.as_str())
                    .field("username", e.username.as_str())
                    .field("password", e.password.as_str())
                    .field("certFile", e.cert_file.as_str())
                    .field("keyFile", e.key_file.as_str())
                    .field("caFile", e.ca_file.as_str())
                    .field("insecure_skip_tls_verify", e.insecure_skip_tls_verify)
                    .field("pass_credentials_all", e.pass_credentials_all)
                    .build()
            })
            .collect();
        let v = GoValue::struct_builder()
            .field("apiVersion", self.api_version.as_str())
            .field("generated", decode::time_value(&self.generated))
            .field("repositories", GoValue::Array(repos))
            .build();
        sorted_yaml(&v)
    }

    /// Writes the file as helm's `File.WriteFile(path, 0600)`: parent
    /// directories created, a temporary file renamed over the old one.
    pub fn write(&self, path: &Path) -> Result<(), RepoError> {
        let text = self.to_yaml()?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| RepoError::Io(super::GoIoError::new("mkdir", dir, &e)))?;
        }
        atomic_write(path, text.as_bytes(), 0o600)
    }
}

fn entries(v: &GoValue, cx: &Cx) -> Result<Vec<Entry>, decode::DecodeError> {
    let items = match v {
        GoValue::Null => return Ok(Vec::new()),
        GoValue::Array(items) => items,
        other => return Err(cx.type_error(other, "[]*repo.Entry")),
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let mut e = Entry::default();
        decode::object(item, cx, "repo.Entry", ENTRY_FIELDS, |field, v| {
            let cx = cx.field("Entry", field);
            match field {
                "name" => e.name = decode::direct_string(v, &cx)?,
                "url" => e.url = decode::direct_string(v, &cx)?,
                "username" => e.username = decode::direct_string(v, &cx)?,
                "password" => e.password = decode::direct_string(v, &cx)?,
                "certFile" => e.cert_file = decode::direct_string(v, &cx)?,
                "keyFile" => e.key_file = decode::direct_string(v, &cx)?,
                "caFile" => e.ca_file = decode::direct_string(v, &cx)?,
                "insecure_skip_tls_verify" => e.insecure_skip_tls_verify = decode::boolean(v, &cx)?,
                _ => e.pass_credentials_all = decode::boolean(v, &cx)?,
            }
            Ok(())
        })?;
        out.push(e);
    }
    Ok(out)
}

/// sigs.k8s.io/yaml's `Marshal`: JSON, then YAML with every map's keys
/// sorted (structs become maps on the way).
pub(crate) fn sorted_yaml(v: &GoValue) -> Result<String, RepoError> {
    crate::output::yaml::to_yaml(&to_map(v)).map_err(|e| RepoError::Yaml(e.to_string()))
}

fn to_map(v: &GoValue) -> GoValue {
    match v {
        GoValue::Struct(fields) => {
            GoValue::Map(fields.iter().map(|(k, v)| (k.clone(), to_map(v))).collect())
        }
        GoValue::Map(m) => GoValue::Map(m.iter().map(|(k, v)| (k.clone(), to_map(v))).collect()),
        GoValue::Array(a) => GoValue::Array(a.iter().map(to_map).collect()),
        other => other.clone(),
    }
}

/// helm's `fileutil.AtomicWriteFile`: a temporary file in the same
/// directory, its mode set, renamed over `path`.
pub(crate) fn atomic_write(path: &Path, data: &[u8], mode: u32) -> Result<(), RepoError> {
    use std::io::Write as _;
    use std::os::unix::fs::PermissionsExt as _;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let base = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let io = |p: &Path, op: &str| {
        let p = p.to_path_buf();
        let op = op.to_string();
        move |e: std::io::Error| RepoError::Io(super::GoIoError::new(&op, &p, &e))
    };
    let mut n: u64 = u64::from(std::process::id());
    let (tmp, mut file) = loop {
        n = n.wrapping_mul(6364136223846793005).wrapping_add(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| u64::from(d.subsec_nanos()))
                .unwrap_or(1),
        );
        let tmp = dir.join(format!("{base}{}", n % 1_000_000_000));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io(&tmp, "open")(e)),
        }
    };
    let result = file
        .write_all(data)
        .and_then(|()| file.sync_all())
        .map_err(io(&tmp, "write"))
        .and_then(|()| {
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(mode))
                .map_err(io(&tmp, "chmod"))
        })
        .and_then(|()| std::fs::rename(&tmp, path).map_err(io(path, "rename")));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A held `flock` on the repositories lock file; released on drop.
#[derive(Debug)]
pub struct RepoLock {
    _file: FsFile,
}

/// The lock file helm uses for `path`: the extension replaced by `.lock`
/// (`repositories.yaml` → `repositories.lock`), or `.lock` appended.
pub fn lock_path(path: &Path) -> PathBuf {
    let s = path.to_string_lossy();
    let base_start = s.rfind('/').map_or(0, |i| i + 1);
    match s[base_start..].rfind('.') {
        Some(dot) if base_start + dot > 0 => {
            PathBuf::from(format!("{}.lock", &s[..base_start + dot]))
        }
        _ => PathBuf::from(format!("{s}.lock")),
    }
}

/// Takes the exclusive lock `repo add` takes, retrying each second for
/// up to 30 s as helm does; the file is created with mode 0600 (gofrs/flock).
pub fn lock(repo_file: &Path) -> Result<RepoLock, RepoError> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let path = lock_path(repo_file);
    let file = std::fs::OpenOptions::new()
        .read(true)
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| RepoError::Io(super::GoIoError::new("open", &path, &e)))?;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(RepoLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_secs(1));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(RepoError::Other("context deadline exceeded".into()));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(RepoError::Io(super::GoIoError::new("flock", &path, &e)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_string_fields_read_as_helm_reads_them() {
        let f = RepoFile::parse(
            b"apiVersion: v1\nrepositories:\n- name: 42\n  url: http://h\n  password: 1234\n  insecure_skip_tls_verify: true\n",
        );
        let Ok(f) = f else {
            panic!("parse failed");
        };
        assert_eq!(f.repositories[0].name, "42");
        assert_eq!(f.repositories[0].password, "1234");
        assert!(f.repositories[0].insecure_skip_tls_verify);
    }

    #[test]
    fn a_new_file_is_written_as_repo_add_writes_it() {
        let mut f = RepoFile::default();
        f.update(Entry {
            name: "myrepo".into(),
            url: "http://h/charts".into(),
            ..Entry::default()
        });
        assert_eq!(
            f.to_yaml().map_err(|e| e.to_string()),
            Ok("apiVersion: \"\"\ngenerated: \"0001-01-01T00:00:00Z\"\nrepositories:\n- caFile: \"\"\n  certFile: \"\"\n  insecure_skip_tls_verify: false\n  keyFile: \"\"\n  name: myrepo\n  pass_credentials_all: false\n  password: \"\"\n  url: http://h/charts\n  username: \"\"\n".to_string())
        );
    }

    #[test]
    fn type_errors_are_wrapped_as_sigs_yaml_does() {
        let e = RepoFile::parse(b"repositories:\n- name: [a]\n").map(|_| ());
        assert_eq!(
            e.map_err(|e| e.to_string()),
            Err("error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go struct field Entry.repositories.name of type string".to_string())
        );
    }

    #[test]
    fn lock_path_replaces_the_extension() {
        assert_eq!(
            lock_path(Path::new("/a/repositories.yaml")),
            PathBuf::from("/a/repositories.lock")
        );
        assert_eq!(
            lock_path(Path::new("/a.d/repos")),
            PathBuf::from("/a.d/repos.lock")
        );
        assert_eq!(lock_path(Path::new("/a/.yaml")), PathBuf::from("/a/.lock"));
    }
}
