//! helm's registry operations: `registry login|logout`, `push`, `pull`
//! with helm's version resolution for `oci://` references, and the tag
//! listing behind upgrade availability.

use std::path::{Path, PathBuf};

use super::client::{Client, CredentialSource, Descriptor};
use super::credentials::{Credential, CredentialStore, server_address_from_registry};
use super::reference::{Reference, push_destination};
use super::{
    CHART_LAYER_MEDIA_TYPE, CONFIG_MEDIA_TYPE, LEGACY_CHART_LAYER_MEDIA_TYPE,
    OCI_MANIFEST_MEDIA_TYPE, PROV_LAYER_MEDIA_TYPE, RegistryError, UNDERSCORE_MESSAGE,
};
use crate::chart::{Maintainer, Metadata};
use crate::compat::Compat;
use crate::fetch::ClientOptions;
use crate::gojson::GoValue;

/// How to reach a registry: TLS flags, `--plain-http`, `--username` /
/// `--password`, the credentials file, and which helm to imitate.
#[derive(Clone, Debug, Default)]
pub struct RegistryOptions {
    /// `--ca-file`, `--cert-file`, `--key-file`, `--insecure-skip-tls-verify`.
    pub client: ClientOptions,
    /// `--plain-http`: talk http instead of https.
    pub plain_http: bool,
    /// `--username` (used only together with `password`, like helm).
    pub username: String,
    /// `--password`.
    pub password: String,
    /// `HELM_REGISTRY_CONFIG` / `--registry-config`.
    pub registry_config: PathBuf,
    /// helm v3 or v4 behaviour.
    pub compat: Compat,
}

impl RegistryOptions {
    fn store(&self) -> CredentialStore {
        CredentialStore::new(self.registry_config.clone())
    }

    /// A client with `--username/--password` when both are set, else the
    /// credentials file (helm's `NewClient`).
    ///
    /// # Errors
    ///
    /// Bad TLS settings.
    pub fn client(&self) -> Result<Client, RegistryError> {
        let creds = if !self.username.is_empty() && !self.password.is_empty() {
            CredentialSource::Static(Credential::basic(&self.username, &self.password))
        } else {
            CredentialSource::Store(self.store())
        };
        Ok(Client::new(
            self.client.build()?,
            self.plain_http,
            creds,
            self.compat,
        ))
    }
}

/// `registry login`: pings `/v2/` with the credential (OAuth2 forced
/// first, then not, as helm does) and stores it in the credentials file.
///
/// # Errors
///
/// `invalid reference: invalid registry ...`, `authenticating to "h": ...`,
/// or a credentials file error.
pub async fn login(
    host: &str,
    username: &str,
    password: &str,
    opts: &RegistryOptions,
) -> Result<(), RegistryError> {
    super::reference::validate_registry(host)?;
    let cred = Credential::basic(username, password);
    let client = Client::new(
        opts.client.build()?,
        opts.plain_http,
        CredentialSource::Static(cred.clone()),
        opts.compat,
    );
    client.set_force_oauth2(true);
    if client.ping(host).await.is_err() {
        client.set_force_oauth2(false);
        client
            .ping(host)
            .await
            .map_err(|e| RegistryError::Authenticating {
                host: host.to_string(),
                source: Box::new(e),
            })?;
    }
    opts.store().put(&server_address_from_registry(host), &cred)
}

/// `registry logout`: removes the host's credential (no error when there
/// is none, like oras v2).
///
/// # Errors
///
/// A credentials file error.
pub async fn logout(host: &str, opts: &RegistryOptions) -> Result<(), RegistryError> {
    opts.store().delete(&server_address_from_registry(host))
}

/// The result of a push.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pushed {
    /// `host/repo/chart:tag` as printed after `Pushed: `.
    pub reference: String,
    /// The manifest digest.
    pub digest: String,
    /// The manifest bytes pushed.
    pub manifest: Vec<u8>,
    /// The config blob pushed.
    pub config: Vec<u8>,
}

/// `Pushed:`/`Digest:` and, for a tag with `_`, helm's note.
pub fn pushed_lines(p: &Pushed) -> String {
    let mut out = format!("Pushed: {}\nDigest: {}\n", p.reference, p.digest);
    // helm looks at the tag only (a pull looks at the whole reference).
    let last = p.reference.rsplit('/').next().unwrap_or_default();
    if last
        .split_once(':')
        .is_some_and(|(_, tag)| tag.contains('_'))
    {
        out.push_str(&format!("{} contains an underscore.\n", p.reference));
        out.push_str(UNDERSCORE_MESSAGE);
        out.push('\n');
    }
    out
}

/// `helm push CHART.tgz oci://host/ns`: pushes the archive (and a sibling
/// `.prov`) as `host/ns/<name>:<version>`.
///
/// # Errors
///
/// helm's texts: a bad destination, `<path>: no such file`, `cannot push
/// directory, must provide chart archive (.tgz)`, a chart load error, or
/// `failed to perform "<op>" on destination: <oras error>`.
pub async fn push(
    chart_path: &Path,
    remote: &str,
    opts: &RegistryOptions,
) -> Result<Pushed, RegistryError> {
    let dest = push_destination(remote)?;
    let stat = match std::fs::metadata(chart_path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(RegistryError::Invalid(format!(
                "{}: no such file",
                chart_path.display()
            )));
        }
        Err(e) => return Err(RegistryError::Chart(e.to_string())),
    };
    if stat.is_dir() {
        return Err(RegistryError::Invalid(
            "cannot push directory, must provide chart archive (.tgz)".into(),
        ));
    }
    let chart = crate::chart::load::load_as(chart_path, opts.compat)
        .map_err(|e| RegistryError::Chart(e.to_string()))?;
    let data = std::fs::read(chart_path).map_err(|e| RegistryError::Chart(e.to_string()))?;
    let mut prov_path = chart_path.as_os_str().to_owned();
    prov_path.push(".prov");
    let prov = std::fs::read(PathBuf::from(prov_path)).ok();
    // The creation annotation is the archive's modification time.
    let created = stat
        .modified()
        .ok()
        .and_then(|t| jiff::Timestamp::try_from(t).ok())
        .unwrap_or_else(jiff::Timestamp::now);
    let created = created.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let raw = format!(
        "{}:{}",
        path_join(&dest, &chart.metadata.name),
        chart.metadata.version
    );
    let reference = Reference::parse(&raw)?;
    push_bytes(
        &data,
        prov.as_deref(),
        &chart.metadata,
        &created,
        &reference,
        opts,
    )
    .await
}

/// The config blob: `json.Marshal` of the chart's metadata.
pub fn metadata_json(m: &Metadata) -> String {
    let strings = |v: &[String]| GoValue::Array(v.iter().cloned().map(GoValue::String).collect());
    let maintainers = m
        .maintainers
        .iter()
        .map(|mt: &Maintainer| {
            GoValue::struct_builder()
                .field_omitempty("name", mt.name.clone())
                .field_omitempty("email", mt.email.clone())
                .field_omitempty("url", mt.url.clone())
                .build()
        })
        .collect();
    let deps = m
        .dependencies
        .iter()
        .map(|d| {
            GoValue::struct_builder()
                .field("name", d.name.clone())
                .field_omitempty("version", d.version.clone())
                .field("repository", d.repository.clone())
                .field_omitempty("condition", d.condition.clone())
                .field_omitempty("tags", strings(&d.tags))
                .field_omitempty("enabled", d.enabled)
                .field_omitempty("import-values", GoValue::Array(d.import_values.clone()))
                .field_omitempty("alias", d.alias.clone())
                .build()
        })
        .collect();
    let annotations = GoValue::Map(
        m.annotations
            .iter()
            .map(|(k, v)| (k.clone(), GoValue::String(v.clone())))
            .collect(),
    );
    let v = GoValue::struct_builder()
        .field_omitempty("name", m.name.clone())
        .field_omitempty("home", m.home.clone())
        .field_omitempty("sources", strings(&m.sources))
        .field_omitempty("version", m.version.clone())
        .field_omitempty("description", m.description.clone())
        .field_omitempty("keywords", strings(&m.keywords))
        .field_omitempty("maintainers", GoValue::Array(maintainers))
        .field_omitempty("icon", m.icon.clone())
        .field_omitempty("apiVersion", m.api_version.clone())
        .field_omitempty("condition", m.condition.clone())
        .field_omitempty("tags", m.tags.clone())
        .field_omitempty("appVersion", m.app_version.clone())
        .field_omitempty("deprecated", m.deprecated)
        .field_omitempty("annotations", annotations)
        .field_omitempty("kubeVersion", m.kube_version.clone())
        .field_omitempty("dependencies", GoValue::Array(deps))
        .field_omitempty("type", m.chart_type.clone())
        .build();
    go_json(&v)
}

fn go_json(v: &GoValue) -> String {
    let mut out = String::new();
    // Only strings, bools and maps/arrays of them: nothing can fail.
    let _ =
        crate::gojson::json::write_value(&mut out, v, crate::gojson::json::Encoder::EncodingJson);
    out
}

/// helm's manifest annotations: the OCI ones from Chart.yaml plus the
/// chart's own annotations (except title and version).
pub fn manifest_annotations(
    m: &Metadata,
    created: &str,
) -> std::collections::BTreeMap<String, String> {
    let mut a = std::collections::BTreeMap::new();
    let mut add = |k: &str, v: &str| {
        if !v.trim().is_empty() {
            a.insert(format!("org.opencontainers.image.{k}"), v.to_string());
        }
    };
    add("description", &m.description);
    add("title", &m.name);
    add("version", &m.version);
    add("url", &m.home);
    add("created", created);
    if let Some(s) = m.sources.first() {
        add("source", s);
    }
    if !m.maintainers.is_empty() {
        let mut s = String::new();
        for (i, mt) in m.maintainers.iter().enumerate() {
            s.push_str(&mt.name);
            if !mt.email.is_empty() {
                s.push_str(&format!(" ({})", mt.email));
            }
            if i + 1 < m.maintainers.len() {
                s.push_str(", ");
            }
        }
        add("authors", &s);
    }
    for (k, v) in &m.annotations {
        if k != "org.opencontainers.image.title" && k != "org.opencontainers.image.version" {
            a.insert(k.clone(), v.clone());
        }
    }
    a
}

fn descriptor_json(d: &Descriptor) -> GoValue {
    GoValue::struct_builder()
        .field("mediaType", d.media_type.clone())
        .field("digest", d.digest.clone())
        .field(
            "size",
            GoValue::Int(i64::try_from(d.size).unwrap_or(i64::MAX)),
        )
        .build()
}

/// The image manifest helm writes (no top-level `mediaType`).
pub fn manifest_json(
    config: &Descriptor,
    layers: &[Descriptor],
    annotations: &std::collections::BTreeMap<String, String>,
) -> String {
    let v = GoValue::struct_builder()
        .field("schemaVersion", GoValue::Int(2))
        .field("config", descriptor_json(config))
        .field(
            "layers",
            GoValue::Array(layers.iter().map(descriptor_json).collect()),
        )
        .field_omitempty(
            "annotations",
            GoValue::Map(
                annotations
                    .iter()
                    .map(|(k, v)| (k.clone(), GoValue::String(v.clone())))
                    .collect(),
            ),
        )
        .build();
    go_json(&v)
}

fn repo_scope(repository: &str, actions: &str) -> Vec<String> {
    vec![format!("repository:{repository}:{actions}")]
}

/// Pushes prepared content as `reference` (oras' copy from memory: the
/// manifest's existence first, then the missing blobs, then the manifest
/// under its tag).
///
/// # Errors
///
/// `failed to perform "<op>" on destination: ...`.
pub async fn push_bytes(
    data: &[u8],
    prov: Option<&[u8]>,
    meta: &Metadata,
    created: &str,
    reference: &Reference,
    opts: &RegistryOptions,
) -> Result<Pushed, RegistryError> {
    let config = metadata_json(meta).into_bytes();
    let config_desc = Descriptor::of(CONFIG_MEDIA_TYPE, &config);
    let chart_desc = Descriptor::of(CHART_LAYER_MEDIA_TYPE, data);
    let mut blobs: Vec<(Descriptor, &[u8])> = vec![(chart_desc, data)];
    if let Some(p) = prov {
        blobs.push((Descriptor::of(PROV_LAYER_MEDIA_TYPE, p), p));
    }
    blobs.sort_by(|a, b| a.0.digest.cmp(&b.0.digest));
    let layers: Vec<Descriptor> = blobs.iter().map(|b| b.0.clone()).collect();
    let manifest =
        manifest_json(&config_desc, &layers, &manifest_annotations(meta, created)).into_bytes();
    let manifest_desc = Descriptor::of(OCI_MANIFEST_MEDIA_TYPE, &manifest);
    let client = opts.client()?;
    let (reg, repo) = (&reference.registry, &reference.repository);
    let push_scope = repo_scope(repo, "pull,push");
    // helm v3's oras asks for pull access for the existence checks first.
    let exists_scope = match opts.compat {
        Compat::V3 => repo_scope(repo, "pull"),
        Compat::V4 => push_scope.clone(),
    };
    let dest = |op: &'static str| {
        move |e: RegistryError| RegistryError::Copy {
            op,
            target: "destination",
            source: Box::new(e),
        }
    };
    let present = client
        .exists(reg, repo, "manifests", &manifest_desc.digest, &exists_scope)
        .await
        .map_err(dest("Exists"))?;
    if !present {
        let mut all: Vec<(Descriptor, &[u8])> = vec![(config_desc, &config)];
        all.extend(blobs.iter().cloned());
        for (desc, bytes) in all {
            let have = client
                .exists(reg, repo, "blobs", &desc.digest, &exists_scope)
                .await
                .map_err(dest("Exists"))?;
            if !have {
                client
                    .push_blob(reg, repo, &desc, bytes, &push_scope)
                    .await
                    .map_err(dest("Push"))?;
            }
        }
    }
    client
        .put_manifest(
            reg,
            repo,
            &reference.tag,
            OCI_MANIFEST_MEDIA_TYPE,
            &manifest,
            &push_scope,
        )
        .await
        .map_err(dest(if present { "Tag" } else { "Push" }))?;
    Ok(Pushed {
        reference: reference.to_string(),
        digest: manifest_desc.digest,
        manifest,
        config,
    })
}

/// Go's `path.Join` of two parts (cleaned, no empty segments).
fn path_join(a: &str, b: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in a.split('/').chain(b.split('/')) {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// A pulled chart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pulled {
    /// The chart archive.
    pub bytes: Vec<u8>,
    /// The provenance file, when the manifest has one.
    pub prov: Option<Vec<u8>>,
    /// The reference as printed after `Pulled: `.
    pub reference: String,
    /// The manifest digest.
    pub digest: String,
    /// The file name helm saves it under (`demo-1.2.3.tgz`,
    /// `demo@sha256-<hex>.tgz`).
    pub file_name: String,
    /// The chart version (from the config blob).
    pub version: String,
    /// The chart name (from the config blob).
    pub name: String,
    /// The chart layer had the deprecated `application/tar+gzip` type.
    pub legacy_media_type: bool,
}

/// The warning for a legacy layer, `Pulled:`/`Digest:` and, for a
/// reference with `_`, helm's note: one text for `pull`, `install`...
pub fn pulled_lines(p: &Pulled) -> String {
    let mut out = String::new();
    if p.legacy_media_type {
        out.push_str(&format!(
            "Warning: chart media type {LEGACY_CHART_LAYER_MEDIA_TYPE} is deprecated\n"
        ));
    }
    out.push_str(&format!("Pulled: {}\nDigest: {}\n", p.reference, p.digest));
    if p.reference.contains('_') {
        out.push_str(&format!("{} contains an underscore.\n", p.reference));
        out.push_str(UNDERSCORE_MESSAGE);
        out.push('\n');
    }
    out
}

/// The tags of `repository` (`host/repo`, `oci://` optional) that are
/// strict semantic versions, `_` read as `+`, newest first, as helm's
/// `Client.Tags` returns them.
///
/// # Errors
///
/// A bad reference, or the registry's error (raw oras text).
pub async fn tags(repository: &str, opts: &RegistryOptions) -> Result<Vec<String>, RegistryError> {
    let r = Reference::parse(repository)?;
    let client = opts.client()?;
    semver_tags(&client, &r).await
}

async fn semver_tags(client: &Client, r: &Reference) -> Result<Vec<String>, RegistryError> {
    let raw = client
        .tags(
            &r.registry,
            &r.repository,
            &repo_scope(&r.repository, "pull"),
        )
        .await?;
    let mut versions: Vec<crate::semver::Version> = raw
        .iter()
        .filter_map(|t| crate::semver::Version::parse_strict(&t.replace('_', "+")).ok())
        .collect();
    versions.sort_by(|a, b| b.cmp(a));
    Ok(versions.iter().map(|v| v.to_string()).collect())
}

/// helm's `GetTagMatchingVersionOrConstraint` (tags newest first).
fn tag_matching(tags: &[String], version: &str, compat: Compat) -> Result<String, RegistryError> {
    let constraint = if version.is_empty() {
        crate::semver::Constraints::parse("*")
    } else {
        if let Some(t) = tags.iter().find(|t| *t == version) {
            return Ok(t.clone());
        }
        crate::semver::Constraints::parse(version)
    }
    .map_err(|e| RegistryError::Invalid(e.to_string()))?;
    for t in tags {
        if let Ok(v) = crate::semver::Version::parse(t)
            && constraint.check(&v)
        {
            return Ok(t.clone());
        }
    }
    let could = match compat {
        Compat::V3 => "Could",
        Compat::V4 => "could",
    };
    Err(RegistryError::NotFound(format!(
        "{could} not locate a version matching provided version string {version}"
    )))
}

/// Where a chart reference and `--version` lead (helm's
/// `ValidateReference`): the reference to pull.
async fn resolve(
    client: &Client,
    raw: &str,
    version: &str,
    compat: Compat,
) -> Result<Reference, RegistryError> {
    let r = Reference::parse(raw)?;
    let mut version = version.to_string();
    if version.is_empty() {
        version = r.tag.clone();
    } else if !r.tag.is_empty() && r.tag != version {
        // Compared as given: `demo:1.2.4+b` (tag `1.2.4_b`) with
        // `--version 1.2.4+b` is a mismatch for helm too.
        return Err(RegistryError::Invalid(format!(
            "chart reference and version mismatch: {version} is not {}",
            r.tag
        )));
    }
    if !r.digest.is_empty() {
        if version.is_empty() {
            return Ok(Reference {
                tag: String::new(),
                ..r
            });
        }
        let tagged = r.with_tag(&version);
        // An untagged digest is fine; a tag naming other content is not.
        if let Ok((desc, _)) = client
            .fetch_manifest(
                &r.registry,
                &r.repository,
                &tagged.tag,
                &repo_scope(&r.repository, "pull"),
            )
            .await
            && desc.digest != r.digest
        {
            return Err(RegistryError::Invalid(format!(
                "chart reference digest mismatch: {} is not {}",
                desc.digest, r.digest
            )));
        }
        return Ok(Reference {
            tag: String::new(),
            ..r
        });
    }
    let tag = if crate::semver::Version::parse(&version).is_ok() {
        version
    } else {
        // helm lists tags with the reference as given (oras' parser, no
        // `+` → `_`), so `demo:1.2.4+b` fails here as it does in helm.
        super::reference::validate_oras(raw)?;
        let tags = semver_tags(client, &r).await?;
        if tags.is_empty() {
            let unable = match compat {
                Compat::V3 => "Unable",
                Compat::V4 => "unable",
            };
            return Err(RegistryError::NotFound(format!(
                "{unable} to locate any tags in provided repository: {raw}"
            )));
        }
        tag_matching(&tags, &version, compat)?
    };
    Ok(r.with_tag(&tag))
}

/// `helm pull oci://...` (and the chart fetch of install/upgrade/show):
/// resolves the version (§7.5), fetches the manifest, checks its layers
/// and returns the chart archive.
///
/// # Errors
///
/// helm's texts for bad references, mismatches, missing versions or
/// layers, and raw oras errors from the registry.
pub async fn pull(
    reference: &str,
    version: &str,
    devel: bool,
    opts: &RegistryOptions,
) -> Result<Pulled, RegistryError> {
    let version = if version.is_empty() && devel {
        ">0.0.0-0"
    } else {
        version
    };
    let client = opts.client()?;
    let r = resolve(&client, reference, version, opts.compat).await?;
    let scope = repo_scope(&r.repository, "pull");
    let src = |op: &'static str| {
        move |e: RegistryError| RegistryError::Copy {
            op,
            target: "source",
            source: Box::new(e),
        }
    };
    let (desc, manifest) = client
        .fetch_manifest(&r.registry, &r.repository, r.reference(), &scope)
        .await
        .map_err(src("FetchReference"))?;
    #[derive(serde::Deserialize)]
    struct Desc {
        #[serde(rename = "mediaType", default)]
        media_type: String,
        #[serde(default)]
        digest: String,
        #[serde(default)]
        size: u64,
    }
    #[derive(serde::Deserialize)]
    struct Manifest {
        config: Option<Desc>,
        #[serde(default)]
        layers: Vec<Desc>,
    }
    let m: Manifest = serde_json::from_slice(&manifest)
        .map_err(|e| RegistryError::Content(format!("failed to parse manifest: {e}")))?;
    let allowed = [
        CONFIG_MEDIA_TYPE,
        CHART_LAYER_MEDIA_TYPE,
        LEGACY_CHART_LAYER_MEDIA_TYPE,
    ];
    let successors: Vec<Descriptor> = m
        .config
        .into_iter()
        .chain(m.layers)
        .map(|d| Descriptor {
            media_type: d.media_type,
            digest: d.digest,
            size: d.size,
        })
        .collect();
    let kept: Vec<&Descriptor> = successors
        .iter()
        .filter(|d| allowed.contains(&d.media_type.as_str()))
        .collect();
    let found = kept.len() + 1;
    if found < 2 {
        return Err(RegistryError::Content(format!(
            "manifest does not contain minimum number of descriptors (2), descriptors found: {found}"
        )));
    }
    let config = kept
        .iter()
        .rev()
        .find(|d| d.media_type == CONFIG_MEDIA_TYPE);
    let chart = kept.iter().rev().find(|d| {
        d.media_type == CHART_LAYER_MEDIA_TYPE || d.media_type == LEGACY_CHART_LAYER_MEDIA_TYPE
    });
    let Some(config) = config else {
        return Err(RegistryError::Content(format!(
            "could not load config with mediatype {CONFIG_MEDIA_TYPE}"
        )));
    };
    let Some(chart) = chart else {
        return Err(RegistryError::Content(format!(
            "manifest does not contain a layer with mediatype {CHART_LAYER_MEDIA_TYPE}"
        )));
    };
    let config_bytes = client
        .fetch_blob(&r.registry, &r.repository, config, &scope)
        .await
        .map_err(src("Fetch"))?;
    let bytes = client
        .fetch_blob(&r.registry, &r.repository, chart, &scope)
        .await
        .map_err(src("Fetch"))?;
    let prov = match successors
        .iter()
        .find(|d| d.media_type == PROV_LAYER_MEDIA_TYPE)
    {
        Some(d) => client
            .fetch_blob(&r.registry, &r.repository, d, &scope)
            .await
            .ok(),
        None => None,
    };
    #[derive(serde::Deserialize, Default)]
    struct Meta {
        #[serde(default)]
        name: String,
        #[serde(default)]
        version: String,
    }
    let meta: Meta = serde_json::from_slice(&config_bytes)
        .map_err(|e| RegistryError::Content(format!("unable to parse chart metadata: {e}")))?;
    // helm names the file after the last path element, `:` → `-`
    // (`demo:1.2.3` → `demo-1.2.3.tgz`, `demo@sha256:x` → `demo@sha256-x.tgz`).
    let base = match (r.tag.is_empty(), r.digest.is_empty()) {
        (false, _) => format!("{}:{}", last(&r.repository), r.tag.replace('_', "+")),
        _ => format!("{}@{}", last(&r.repository), r.digest),
    };
    let file_name = match base.rfind(':') {
        Some(i) => format!("{}-{}.tgz", &base[..i], &base[i + 1..]),
        None => format!("{base}.tgz"),
    };
    Ok(Pulled {
        bytes,
        prov,
        reference: r.to_string(),
        digest: desc.digest,
        file_name,
        version: meta.version,
        name: meta.name,
        legacy_media_type: chart.media_type == LEGACY_CHART_LAYER_MEDIA_TYPE,
    })
}

fn last(repo: &str) -> &str {
    repo.rsplit('/').next().unwrap_or(repo)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn config_and_manifest_json() {
        let m = Metadata {
            name: "demo".into(),
            version: "1.2.3".into(),
            description: "A <chart> & more".into(),
            api_version: "v2".into(),
            app_version: "1.16.0".into(),
            chart_type: "application".into(),
            maintainers: vec![Maintainer {
                name: "a".into(),
                email: "a@x".into(),
                url: String::new(),
            }],
            annotations: [
                (
                    "org.opencontainers.image.title".to_string(),
                    "x".to_string(),
                ),
                ("k".to_string(), "v".to_string()),
            ]
            .into(),
            ..Metadata::default()
        };
        assert_eq!(
            metadata_json(&m),
            r#"{"name":"demo","version":"1.2.3","description":"A \u003cchart\u003e \u0026 more","maintainers":[{"name":"a","email":"a@x"}],"apiVersion":"v2","appVersion":"1.16.0","annotations":{"k":"v","org.opencontainers.image.title":"x"},"type":"application"}"#
        );
        let a = manifest_annotations(&m, "2026-01-02T03:04:05Z");
        assert_eq!(a["org.opencontainers.image.title"], "demo");
        assert_eq!(a["org.opencontainers.image.authors"], "a (a@x)");
        assert_eq!(a["k"], "v");
        let c = Descriptor::of(CONFIG_MEDIA_TYPE, b"{}");
        let j = manifest_json(&c, &[], &Default::default());
        assert_eq!(
            j,
            format!(
                r#"{{"schemaVersion":2,"config":{{"mediaType":"{CONFIG_MEDIA_TYPE}","digest":"{}","size":2}},"layers":[]}}"#,
                c.digest
            )
        );
        assert_eq!(path_join("h:5000/charts/", "demo"), "h:5000/charts/demo");
    }

    #[test]
    fn tag_matching_follows_helm() {
        let tags: Vec<String> = ["2.0.0", "1.2.4+b", "1.2.3", "1.0.0-rc.1"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let m = |v: &str| tag_matching(&tags, v, Compat::V4).map_err(|e| e.to_string());
        assert_eq!(m("").unwrap(), "2.0.0");
        assert_eq!(m("~1.2.0").unwrap(), "1.2.4+b");
        assert_eq!(m("1.2.4+b").unwrap(), "1.2.4+b");
        assert_eq!(m(">0.0.0-0 <1.0.0").unwrap(), "1.0.0-rc.1");
        assert_eq!(
            m(">5").unwrap_err(),
            "could not locate a version matching provided version string >5"
        );
        assert_eq!(
            tag_matching(&tags, ">5", Compat::V3)
                .unwrap_err()
                .to_string(),
            "Could not locate a version matching provided version string >5"
        );
        assert_eq!(m("latest").unwrap_err(), "improper constraint: \"latest\"");
    }

    #[test]
    fn output_lines() {
        let p = Pushed {
            reference: "h/c/my_chart:1.0.0".into(),
            digest: "sha256:x".into(),
            manifest: vec![],
            config: vec![],
        };
        assert_eq!(
            pushed_lines(&p),
            "Pushed: h/c/my_chart:1.0.0\nDigest: sha256:x\n"
        );
        let p = Pushed {
            reference: "h/c/demo:1.0.0_b".into(),
            ..p
        };
        assert!(
            pushed_lines(&p).contains("h/c/demo:1.0.0_b contains an underscore.\n\nOCI artifact")
        );
        let pulled = Pulled {
            bytes: vec![],
            prov: None,
            reference: "h/c/demo:1.0.0".into(),
            digest: "sha256:y".into(),
            file_name: "demo-1.0.0.tgz".into(),
            version: "1.0.0".into(),
            name: "demo".into(),
            legacy_media_type: true,
        };
        assert_eq!(
            pulled_lines(&pulled),
            "Warning: chart media type application/tar+gzip is deprecated\nPulled: h/c/demo:1.0.0\nDigest: sha256:y\n"
        );
    }
}
