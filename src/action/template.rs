//! helm's `template` flow (`helm template` = a client-only, dry-run
//! install named `release-name`): the release name, the chart checks,
//! dependency processing, capabilities, coalesced and schema-checked
//! values, the render, the assembly, and what `helm template` prints
//! (`--show-only`, `--skip-tests`, `--no-hooks`, `--output-dir`,
//! `--include-crds`, `--post-renderer`).
//!
//! Locating and loading the chart (and `--dependency-update`) happen
//! before, in the front end, because they may need the network.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::chart::dependencies::check_missing;
use crate::chart::model::{Chart, Values};
use crate::compat::Compat;
use crate::render::capabilities::Capabilities;
use crate::render::manifest::{AssembleOptions, Assembled, template_output};
use crate::render::split::split_manifests;
use crate::render::{ReleaseInfo, RenderError};
use crate::sprig::Env;

/// helm's `template` release name when none is given.
pub const DEFAULT_NAME: &str = "release-name";

/// Where Sprig's randomness and clock come from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EnvSource {
    /// The system's (real randomness, the real clock and zone).
    #[default]
    System,
    /// Fixed: a seeded generator and a frozen clock in UTC (tests).
    Fixed {
        /// The generator's seed.
        seed: u64,
        /// The frozen time.
        now: jiff::Timestamp,
    },
}

impl EnvSource {
    /// The Sprig environment.
    pub fn env(self) -> Env {
        match self {
            EnvSource::System => Env::system(),
            EnvSource::Fixed { seed, now } => Env::fixed(seed, now),
        }
    }
}

/// An executable the manifest is piped through (helm v3's
/// `--post-renderer`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PostRenderer {
    /// The executable, as given.
    pub binary: String,
    /// `--post-renderer-args`.
    pub args: Vec<String>,
}

/// Everything `template` takes besides the chart and the user values.
#[derive(Clone, Debug, Default)]
pub struct TemplateOptions {
    /// Which helm to imitate.
    pub compat: Compat,
    /// The release name (see [`release_name`]).
    pub name: String,
    /// `.Release.Namespace`.
    pub namespace: String,
    /// `--kube-version`.
    pub kube_version: Option<String>,
    /// `--api-versions`.
    pub api_versions: Vec<String>,
    /// `--is-upgrade`.
    pub is_upgrade: bool,
    /// `--skip-schema-validation`.
    pub skip_schema_validation: bool,
    /// `--include-crds`.
    pub include_crds: bool,
    /// `--skip-tests`.
    pub skip_tests: bool,
    /// `--no-hooks`.
    pub no_hooks: bool,
    /// `--show-only` patterns.
    pub show_only: Vec<String>,
    /// `--output-dir`.
    pub output_dir: Option<PathBuf>,
    /// `--release-name`: write under `<output-dir>/<name>`.
    pub use_release_name: bool,
    /// `--render-subchart-notes` (notes are never printed by `template`).
    pub subchart_notes: bool,
    /// `--enable-dns`.
    pub enable_dns: bool,
    /// `--post-renderer`.
    pub post_renderer: Option<PostRenderer>,
    /// Sprig's randomness and clock.
    pub env: EnvSource,
}

/// Why `template` failed.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// A failure before a release exists (name, chart, values, schema):
    /// helm prints it as is.
    #[error("{0}")]
    Input(String),
    /// A failure while rendering or assembling: helm has a (partial)
    /// release then, and `helm template` adds `Use --debug flag to render
    /// out invalid YAML`.
    #[error("{message}")]
    Render {
        /// helm's message.
        message: String,
        /// What helm prints with `--debug`: the raw files.
        raw: String,
    },
    /// Something the native renderer does not do; `--renderer auto`
    /// falls back to helm on it.
    #[error("{0}")]
    Unsupported(String),
    /// Writing `--output-dir` files failed (Go's `*PathError` text).
    #[error("{0}")]
    Io(String),
}

impl TemplateError {
    /// The error's kind.
    pub fn kind(&self) -> crate::ErrorKind {
        match self {
            TemplateError::Io(_) => crate::ErrorKind::Failed,
            _ => crate::ErrorKind::InvalidInput,
        }
    }

    /// The text after `Error: ` on helm's stderr (without `--debug`).
    pub fn cli_message(&self) -> String {
        match self {
            TemplateError::Render { message, .. } => {
                format!("{message}\n\nUse --debug flag to render out invalid YAML")
            }
            other => other.to_string(),
        }
    }
}

impl From<RenderError> for TemplateError {
    fn from(e: RenderError) -> TemplateError {
        match crate::render::fallback::unsupported(&e) {
            Some(what) => TemplateError::Unsupported(what),
            None => TemplateError::Render {
                message: e.to_string(),
                raw: String::new(),
            },
        }
    }
}

/// What `template` produced.
#[derive(Clone, Debug, Default)]
pub struct TemplateOutput {
    /// stdout, exactly as helm prints it.
    pub stdout: String,
    /// The assembled release parts (for callers that want more than text).
    pub assembled: Assembled,
}

/// helm's `NameAndChart` as `template` calls it (its name is preset to
/// `release-name`): `args` are `[NAME] CHART`; returns the name and the
/// chart reference.
///
/// # Errors
///
/// helm's argument errors.
pub fn release_name(
    args: &[String],
    generate_name: bool,
    name_template: &str,
    compat: Compat,
) -> Result<(String, String), TemplateError> {
    let input = |s: &str| TemplateError::Input(s.to_owned());
    if args.len() > 2 {
        return Err(TemplateError::Input(format!(
            "expected at most two arguments, unexpected arguments: {}",
            args[2..].join(", ")
        )));
    }
    if args.len() == 2 {
        if generate_name {
            return Err(input("cannot set --generate-name and also specify a name"));
        }
        if !name_template.is_empty() {
            return Err(input("cannot set --name-template and also specify a name"));
        }
        return Ok((args[0].clone(), args[1].clone()));
    }
    let Some(chart) = args.first() else {
        return Err(input("requires at least 1 arg(s), only received 0"));
    };
    if !name_template.is_empty() {
        let name = render_name_template(name_template, compat)?;
        return Ok((name, chart.clone()));
    }
    Ok((DEFAULT_NAME.to_owned(), chart.clone()))
}

/// helm's `TemplateName`: the template executed with Sprig and no data.
fn render_name_template(text: &str, _compat: Compat) -> Result<String, TemplateError> {
    use crate::gotemplate::Templates;
    use crate::gotemplate::Value;
    let env = Env::system();
    let mut t = Templates::new("name-template", crate::sprig::funcs(&env));
    t.parse("name-template", text.as_bytes())
        .map_err(|e| TemplateError::Input(e.to_string()))?;
    let out = t
        .execute("name-template", Value::Invalid)
        .map_err(|e| TemplateError::Input(e.to_string()))?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// helm's checks on a loaded chart before installing it: only application
/// charts, and every declared dependency present (`--dependency-update`
/// is the front end's answer to the latter).
///
/// # Errors
///
/// helm's messages (`library charts are not installable`, the missing
/// dependency text).
pub fn check_chart(chart: &Chart, compat: Compat) -> Result<(), TemplateError> {
    let kind = &chart.metadata.chart_type;
    if !(kind.is_empty() || kind == "application") {
        return Err(TemplateError::Input(format!(
            "{kind} charts are not installable"
        )));
    }
    check_missing(chart).map_err(|e| TemplateError::Input(e.install_message(compat)))
}

/// Renders `chart` with the user values `user` as `helm template` does
/// and returns helm's stdout. `--output-dir` files are written here, and
/// their `wrote <path>` lines are part of the returned stdout. The lines
/// helm logs on stderr on the way (also before failing) go to `log` as
/// they happen.
///
/// # Errors
///
/// [`TemplateError`] with helm's message.
pub fn template(
    mut chart: Chart,
    user: &Values,
    opts: &TemplateOptions,
    log: &mut dyn FnMut(&str),
) -> Result<TemplateOutput, TemplateError> {
    let compat = opts.compat;
    if opts.post_renderer.is_some() && compat == Compat::V4 {
        // helm v4's --post-renderer names a plugin and re-encodes every
        // document through kyaml; neither is implemented natively.
        return Err(TemplateError::Unsupported(
            "helm v4 post-renderer plugins are not supported by the native renderer".into(),
        ));
    }
    if let Err(e) = crate::release::name::validate_name(&opts.name) {
        let inner = format!("release name {:?}: {e}", opts.name);
        return Err(TemplateError::Input(match compat {
            Compat::V3 => inner,
            Compat::V4 => {
                log(&super::deploy_render::slog_error(
                    "release name check failed",
                    &inner,
                ));
                format!("release name check failed: {inner}")
            }
        }));
    }
    super::deploy_render::process_dependencies(&mut chart, user, compat, log)?;
    let caps = Capabilities::offline(compat, opts.kube_version.as_deref(), &opts.api_versions)
        .map_err(TemplateError::Input)?;
    let values =
        super::deploy_render::render_values(&chart, user, compat, opts.skip_schema_validation)?;
    // From here on helm has a release, and errors get the --debug hint.
    super::deploy_render::check_kube_version(&chart, &caps, compat)?;
    let setup = super::deploy_render::RenderSetup {
        compat,
        release: ReleaseInfo {
            name: opts.name.clone(),
            namespace: opts.namespace.clone(),
            revision: 1,
            is_install: !opts.is_upgrade,
            is_upgrade: opts.is_upgrade,
        },
        capabilities: caps,
        env: opts.env,
        enable_dns: opts.enable_dns,
        assemble: AssembleOptions {
            compat,
            subchart_notes: opts.subchart_notes,
            include_crds: opts.include_crds,
            hide_secret: false,
        },
    };
    let mut assembled = super::deploy_render::render_assembled(&chart, &values, &setup, None)?;
    for line in &assembled.logs {
        log(line);
    }
    let stdout = finish(&mut assembled, opts)?;
    crate::render::discard(chart);
    crate::render::discard(values);
    Ok(TemplateOutput { stdout, assembled })
}

/// What `helm template` prints (and writes, with `--output-dir`) for an
/// assembled release: the post-renderer, `--output-dir`, hooks,
/// `--skip-tests`, `--no-hooks` and `--show-only` applied.
///
/// # Errors
///
/// helm's post-renderer, file and `--show-only` errors.
pub fn finish(assembled: &mut Assembled, opts: &TemplateOptions) -> Result<String, TemplateError> {
    let mut stdout = String::new();
    if let Some(dir) = &opts.output_dir {
        write_output_dir(assembled, dir, opts, &mut stdout)?;
    } else if let Some(pr) = &opts.post_renderer {
        assembled.manifest = run_post_renderer(pr, &assembled.manifest)?;
    }
    let printed = template_output(
        assembled,
        opts.no_hooks || opts.output_dir.is_some(),
        opts.skip_tests,
    );
    if opts.show_only.is_empty() {
        stdout.push_str(&printed);
    } else {
        stdout.push_str(&show_only(&printed, &opts.show_only, opts.compat)?);
    }
    Ok(stdout)
}

/// `--output-dir`: CRDs (with `--include-crds`) and manifests written as
/// helm's `renderResources` writes them, then hooks as `helm template`
/// does; the manifest text stays empty. `wrote <path>` lines go to
/// `stdout`.
fn write_output_dir(
    a: &mut Assembled,
    dir: &Path,
    opts: &TemplateOptions,
    stdout: &mut String,
) -> Result<(), TemplateError> {
    let dir_text = dir.to_string_lossy().into_owned();
    let release_dir = if opts.use_release_name {
        go_join(&dir_text, &opts.name)
    } else {
        dir_text.clone()
    };
    let mut written: BTreeMap<String, bool> = BTreeMap::new();
    if opts.include_crds {
        for crd in &a.crds {
            // helm writes CRDs under the bare --output-dir, even with
            // --release-name.
            let data = String::from_utf8_lossy(&crd.data).into_owned();
            let append = written.get(&crd.filename).copied().unwrap_or(false);
            write_to_file(&dir_text, &crd.filename, &data, append, stdout)?;
            written.insert(crd.filename.clone(), true);
        }
    }
    for m in &a.manifests {
        let append = written.get(&m.name).copied().unwrap_or(false);
        write_to_file(&release_dir, &m.name, &m.content, append, stdout)?;
        written.insert(m.name.clone(), true);
    }
    if !opts.no_hooks {
        for h in &a.hooks {
            if opts.skip_tests && h.events.iter().any(|e| e == "test") {
                continue;
            }
            // helm appends to a hook's file whenever it already exists,
            // from this run or an earlier one.
            let exists = Path::new(&release_dir).join(&h.path).exists();
            write_to_file(&release_dir, &h.path, &h.manifest, exists, stdout)?;
        }
    }
    a.manifest.clear();
    Ok(())
}

/// helm's `writeToFile`.
fn write_to_file(
    dir: &str,
    name: &str,
    data: &str,
    append: bool,
    stdout: &mut String,
) -> Result<(), TemplateError> {
    let file_name = format!("{dir}/{name}");
    let path = Path::new(&file_name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| {
            TemplateError::Io(crate::values::options::go_os_error(
                "mkdir",
                &parent.to_string_lossy(),
                &e,
            ))
        })?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(!append)
        .truncate(!append)
        .append(append)
        .open(path)
        .map_err(|e| {
            TemplateError::Io(crate::values::options::go_os_error("open", &file_name, &e))
        })?;
    f.write_all(format!("---\n# Source: {name}\n{data}\n").as_bytes())
        .map_err(|e| {
            TemplateError::Io(crate::values::options::go_os_error("write", &file_name, &e))
        })?;
    stdout.push_str(&format!("wrote {file_name}\n"));
    Ok(())
}

/// `filepath.Join`.
fn go_join(a: &str, b: &str) -> String {
    crate::chart::load::go_clean(&format!("{a}/{b}"))
}

/// helm v3's exec post-renderer: the manifest on stdin, stdout as the new
/// manifest.
pub(crate) fn run_post_renderer(
    pr: &PostRenderer,
    manifest: &str,
) -> Result<String, TemplateError> {
    use std::process::{Command, Stdio};
    let wrap = |m: String| TemplateError::Render {
        message: format!("error while running post render on files: {m}"),
        raw: String::new(),
    };
    let mut child = Command::new(&pr.binary)
        .args(&pr.args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| wrap(format!("error while running command {}: {e}", pr.binary)))?;
    if let Some(mut stdin) = child.stdin.take() {
        let input = manifest.as_bytes().to_vec();
        // Fed from a thread so a renderer writing before it has read
        // everything cannot deadlock us.
        std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
    }
    let out = child
        .wait_with_output()
        .map_err(|e| wrap(format!("error while running command {}: {e}", pr.binary)))?;
    if !out.status.success() {
        let code = out.status.code().unwrap_or(-1);
        return Err(wrap(format!(
            "error while running command {}. error output:\n{}: exit status {code}",
            pr.binary,
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `--show-only`: the printed text re-split into documents, each whose
/// `# Source: <chart>/<path>` matches a pattern printed as
/// `---\n<doc>\n`, pattern by pattern.
fn show_only(printed: &str, patterns: &[String], compat: Compat) -> Result<String, TemplateError> {
    let docs = split_manifests(printed, compat);
    let mut out = String::new();
    let mut picked = Vec::new();
    for pattern in patterns {
        let mut missing = true;
        for doc in &docs {
            let Some(path) = source_path(doc) else {
                continue;
            };
            if !go_match(pattern, path) {
                continue;
            }
            picked.push(doc.as_str());
            missing = false;
        }
        if missing {
            return Err(TemplateError::Input(format!(
                "could not find template {pattern} in chart"
            )));
        }
    }
    for d in picked {
        out.push_str("---\n");
        out.push_str(d);
        out.push('\n');
    }
    Ok(out)
}

/// helm's `# Source: [^/]+/(.+)` (RE2 and the regex crate agree: the
/// negated class crosses newlines, `.` does not).
static SOURCE_RE: std::sync::LazyLock<Option<regex::Regex>> =
    std::sync::LazyLock::new(|| regex::Regex::new("# Source: [^/]+/(.+)").ok());

/// The capture of helm's source pattern in `doc`, if it matches.
fn source_path(doc: &str) -> Option<&str> {
    SOURCE_RE
        .as_ref()?
        .captures(doc)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str())
}

/// Go's `filepath.Match` (Unix): `*` and `?` do not cross `/`, classes
/// `[...]` with ranges and `^` negation, `\` escapes. A malformed pattern
/// matches nothing (helm ignores the error).
pub fn go_match(pattern: &str, name: &str) -> bool {
    match_here(pattern.as_bytes(), name.as_bytes()).unwrap_or(false)
}

fn match_here(p: &[u8], s: &[u8]) -> Option<bool> {
    let (mut pi, mut si) = (0, 0);
    // Backtracking point for the last `*`.
    let mut star: Option<(usize, usize)> = None;
    loop {
        if pi < p.len() {
            match p[pi] {
                b'*' => {
                    star = Some((pi, si));
                    pi += 1;
                    continue;
                }
                b'?' if si < s.len() && s[si] != b'/' => {
                    let width = utf8_width(s[si]);
                    pi += 1;
                    si += width.min(s.len() - si);
                    continue;
                }
                b'[' if si < s.len() && s[si] != b'/' => {
                    let (ok, next) = class_match(p, pi, s, si)?;
                    if ok {
                        pi = next;
                        si += utf8_width(s[si]).min(s.len() - si);
                        continue;
                    }
                }
                b'\\' if pi + 1 < p.len() && si < s.len() && p[pi + 1] == s[si] => {
                    pi += 2;
                    si += 1;
                    continue;
                }
                b'\\' if pi + 1 >= p.len() => return None,
                c if c != b'*'
                    && c != b'?'
                    && c != b'['
                    && c != b'\\'
                    && si < s.len()
                    && c == s[si] =>
                {
                    pi += 1;
                    si += 1;
                    continue;
                }
                _ => {}
            }
        } else if si == s.len() {
            return Some(true);
        }
        // Mismatch: let the last `*` take one more byte (not a `/`).
        match star {
            Some((sp, ss)) if ss < s.len() && s[ss] != b'/' => {
                star = Some((sp, ss + 1));
                pi = sp + 1;
                si = ss + 1;
            }
            _ => return Some(false),
        }
    }
}

fn utf8_width(b: u8) -> usize {
    match b {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

/// Matches one byte of `s` at `si` against the class starting at `p[pi]`
/// (`[`); returns whether it matched and the index after the class.
fn class_match(p: &[u8], pi: usize, s: &[u8], si: usize) -> Option<(bool, usize)> {
    let mut i = pi + 1;
    let negate = i < p.len() && p[i] == b'^';
    if negate {
        i += 1;
    }
    let c = s[si];
    let mut matched = false;
    let mut first = true;
    loop {
        if i >= p.len() {
            return None;
        }
        if p[i] == b']' && !first {
            i += 1;
            break;
        }
        first = false;
        let lo = class_char(p, &mut i)?;
        let mut hi = lo;
        if i < p.len() && p[i] == b'-' {
            i += 1;
            hi = class_char(p, &mut i)?;
        }
        if lo <= c && c <= hi {
            matched = true;
        }
    }
    Some((matched != negate, i))
}

fn class_char(p: &[u8], i: &mut usize) -> Option<u8> {
    if *i >= p.len() || p[*i] == b'-' || p[*i] == b']' {
        return None;
    }
    if p[*i] == b'\\' {
        *i += 1;
        if *i >= p.len() {
            return None;
        }
    }
    let c = p[*i];
    *i += 1;
    Some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Go's filepath/match_test.go table (the Unix cases).
    #[test]
    fn go_match_table() {
        let cases: &[(&str, &str, bool)] = &[
            ("abc", "abc", true),
            ("*", "abc", true),
            ("*c", "abc", true),
            ("a*", "a", true),
            ("a*", "abc", true),
            ("a*", "ab/c", false),
            ("a*/b", "abc/b", true),
            ("a*/b", "a/c/b", false),
            ("a*b*c*d*e*/f", "axbxcxdxe/f", true),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/f", true),
            ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", false),
            ("a*b?c*x", "abxbbxdbxebxczzx", true),
            ("a*b?c*x", "abxbbxdbxebxczzy", false),
            ("ab[c]", "abc", true),
            ("ab[b-d]", "abc", true),
            ("ab[e-g]", "abc", false),
            ("ab[^c]", "abc", false),
            ("ab[^b-d]", "abc", false),
            ("ab[^e-g]", "abc", true),
            ("a\\*b", "a*b", true),
            ("a\\*b", "ab", false),
            ("a?b", "a☺b", true),
            ("a[^a]b", "a☺b", true),
            ("a???b", "a☺b", false),
            ("a[^a][^a][^a]b", "a☺b", false),
            ("*x", "xxx", true),
            ("templates/*.yaml", "templates/a.yaml", true),
            ("templates/*", "templates/sub/a.yaml", false),
        ];
        for (p, s, want) in cases {
            assert_eq!(go_match(p, s), *want, "{p} {s}");
        }
    }

    #[test]
    fn source_capture() {
        assert_eq!(
            source_path("# Source: chart/templates/a.yaml\nkind: A"),
            Some("templates/a.yaml")
        );
        assert_eq!(source_path("kind: A\n"), None);
        assert_eq!(source_path("# Source: a\nb/c\n"), Some("c"));
    }

    #[test]
    fn names() {
        let args = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            release_name(&args(&["./c"]), true, "", Compat::V4).ok(),
            Some(("release-name".to_owned(), "./c".to_owned()))
        );
        assert_eq!(
            release_name(&args(&["n", "./c"]), true, "", Compat::V4)
                .err()
                .map(|e| e.to_string())
                .as_deref(),
            Some("cannot set --generate-name and also specify a name")
        );
    }
}
