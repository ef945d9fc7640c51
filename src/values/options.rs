//! helm's `pkg/cli/values` `Options.MergeValues`: the user-supplied values
//! of one command, built from `-f` files and the `--set` family flags.

use std::collections::BTreeMap;
use std::io::Read;

use super::ValuesError;
use super::strvals;
use crate::chart::model::Values;
use crate::compat::Compat;
use crate::fetch::ClientOptions;
use crate::gojson::GoValue;
use crate::gojson::yaml::{self, merge_maps};

/// The value flags of one helm command, in the order given on the
/// command line within each flag.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ValueOptions {
    /// `-f/--values`: files, `-` for stdin, or http(s) URLs.
    pub value_files: Vec<String>,
    /// `--set`.
    pub values: Vec<String>,
    /// `--set-string`.
    pub string_values: Vec<String>,
    /// `--set-json`.
    pub json_values: Vec<String>,
    /// `--set-literal`.
    pub literal_values: Vec<String>,
    /// `--set-file`.
    pub file_values: Vec<String>,
}

/// Where `-f` and `--set-file` contents come from.
pub trait ValueReader {
    /// The bytes behind `path` (a file, `-` for stdin, or a URL), or the
    /// error text helm prints for it.
    fn read(&self, path: &str) -> Result<Vec<u8>, String>;
}

/// helm's `readFile`: stdin for `-`, the HTTP getter for `http(s)://`
/// URLs, the file system otherwise.
#[derive(Clone, Debug, Default)]
pub struct DefaultReader {
    /// TLS settings for URLs.
    pub client: ClientOptions,
}

impl ValueReader for DefaultReader {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        if path.trim() == "-" {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| go_os_error("read", "/dev/stdin", &e))?;
            return Ok(buf);
        }
        let scheme = path.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
        if matches!(scheme.as_deref(), Some("http" | "https")) {
            return http_get(&self.client, path);
        }
        match std::fs::read(path) {
            Ok(b) => Ok(b),
            Err(e) if e.raw_os_error() == Some(21) => Err(go_os_error("read", path, &e)),
            Err(e) => Err(go_os_error("open", path, &e)),
        }
    }
}

/// Go's `*PathError` text: `<op> <path>: <errno text>`, the errno text
/// being the C library's, lower-cased as Go's syscall table spells it.
pub(crate) fn go_os_error(op: &str, path: &str, e: &std::io::Error) -> String {
    let text = match e.raw_os_error() {
        Some(code) => {
            let s = std::io::Error::from_raw_os_error(code).to_string();
            let s = s.split(" (os error").next().unwrap_or(&s).to_owned();
            let mut chars = s.chars();
            match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => s,
            }
        }
        None => e.to_string(),
    };
    format!("{op} {path}: {text}")
}

/// helm's HTTP getter for a values URL: the body of a 200 response, or
/// `failed to fetch <url> : <status>`.
fn http_get(options: &ClientOptions, url: &str) -> Result<Vec<u8>, String> {
    let options = options.clone();
    let url = url.to_owned();
    // The reader is synchronous; run the request on its own small runtime
    // in a thread so that this works inside and outside a tokio runtime.
    let worker = std::thread::spawn(move || -> Result<Vec<u8>, String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        rt.block_on(async {
            let client = options.build().map_err(|e| e.to_string())?;
            let resp = client
                .get(&url)
                .send()
                .await
                .map_err(|e| format!("Get {:?}: {e}", url))?;
            let status = resp.status();
            if status != reqwest::StatusCode::OK {
                return Err(format!(
                    "failed to fetch {url} : {} {}",
                    status.as_u16(),
                    status.canonical_reason().unwrap_or("")
                ));
            }
            resp.bytes()
                .await
                .map(|b| b.to_vec())
                .map_err(|e| e.to_string())
        })
    });
    worker
        .join()
        .unwrap_or_else(|_| Err("values download failed".to_owned()))
}

impl ValueOptions {
    /// `MergeValues`: `-f` files deep-merged in order, then `--set-json`,
    /// `--set`, `--set-string`, `--set-file` and `--set-literal`, each
    /// writing over what came before.
    pub fn merge(&self, reader: &dyn ValueReader, compat: Compat) -> Result<Values, ValuesError> {
        let mut base: Values = BTreeMap::new();
        for path in &self.value_files {
            let bytes = reader.read(path).map_err(ValuesError::Read)?;
            let current = match compat {
                Compat::V3 => yaml::from_slice_map(&bytes),
                Compat::V4 => yaml::from_slice_documents(&bytes),
            }
            .map_err(|source| ValuesError::Parse {
                path: path.clone(),
                source,
            })?;
            base = merge_maps(base, current);
        }
        for value in &self.json_values {
            let trimmed = value.trim();
            if compat == Compat::V4 && trimmed.starts_with('{') {
                let object: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_str(trimmed).map_err(|_| {
                        ValuesError::Flag(format!("failed parsing --set-json data JSON: {value}"))
                    })?;
                let map = object
                    .iter()
                    .map(|(k, v)| (k.clone(), GoValue::from_json(v)))
                    .collect();
                base = merge_maps(base, map);
            } else {
                strvals::parse_json(value, &mut base, compat).map_err(|_| {
                    ValuesError::Flag(format!("failed parsing --set-json data {value}"))
                })?;
            }
        }
        for value in &self.values {
            strvals::parse_into(value, &mut base, compat)
                .map_err(|e| ValuesError::Flag(format!("failed parsing --set data: {e}")))?;
        }
        for value in &self.string_values {
            strvals::parse_into_string(value, &mut base, compat)
                .map_err(|e| ValuesError::Flag(format!("failed parsing --set-string data: {e}")))?;
        }
        for value in &self.file_values {
            let mut read = |path: &str| -> Result<GoValue, String> {
                let bytes = reader.read(path)?;
                Ok(GoValue::String(
                    String::from_utf8_lossy(&bytes).into_owned(),
                ))
            };
            strvals::parse_into_file(value, &mut base, &mut read, compat)
                .map_err(|e| ValuesError::Flag(format!("failed parsing --set-file data: {e}")))?;
        }
        for value in &self.literal_values {
            strvals::parse_literal_into(value, &mut base, compat).map_err(|e| {
                ValuesError::Flag(format!("failed parsing --set-literal data: {e}"))
            })?;
        }
        Ok(base)
    }
}
