//! The exec fallback: `helm template` run from a helm binary with the same
//! inputs, for `--renderer helm`, and for `--renderer auto` when the
//! native renderer reports a feature it does not support.
//!
//! What is passed through: the chart (the located local path), the release
//! name, the namespace, the final *user* values (merged from every `-f` and
//! `--set*` flag, written to a temporary YAML file given as `-f`), the
//! kube version, API versions, `--is-upgrade`, `--include-crds`,
//! `--skip-tests`, `--no-hooks`, `--show-only`, `--output-dir`,
//! `--release-name`, `--skip-schema-validation`, `--render-subchart-notes`,
//! `--enable-dns` and the post-renderer.
//!
//! What cannot be passed: the revision (helm's `template` always renders
//! revision 1, as rudder does); the fixed randomness and clock of
//! `RUDDER_RENDER_SEED`/`RUDDER_RENDER_NOW` (helm uses real ones); and the
//! Go type of `--set` integers: they travel through the values file, so
//! helm reads them as float64 where a direct `--set` would give int64
//! (it shows only in templates comparing them with `eq`/`lt` to ints).

use std::path::PathBuf;

use super::RenderError;

/// Which renderer `template` uses (`--renderer`, `RUDDER_RENDERER`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Renderer {
    /// rudder's own (the default).
    #[default]
    Native,
    /// A `helm` binary.
    Helm,
    /// Native, falling back to helm on an unsupported feature.
    Auto,
}

impl Renderer {
    /// Parses `native`, `helm` or `auto`.
    ///
    /// # Errors
    ///
    /// The accepted values, for an unknown one.
    pub fn parse(s: &str) -> Result<Renderer, String> {
        match s {
            "native" | "" => Ok(Renderer::Native),
            "helm" => Ok(Renderer::Helm),
            "auto" => Ok(Renderer::Auto),
            other => Err(format!(
                "invalid renderer {other:?}: must be one of native, helm, auto"
            )),
        }
    }
}

/// The marker a native render error starts with when it is about a
/// feature rudder does not implement (rather than a broken chart), so
/// `--renderer auto` knows to fall back. The render layer raises such
/// errors as `RenderError::Template` texts starting with it until it has
/// a variant of its own.
pub const UNSUPPORTED_MARKER: &str = "rudder: unsupported: ";

/// The unsupported feature a render error reports, if that is what it is.
pub fn unsupported(e: &RenderError) -> Option<String> {
    let text = e.to_string();
    text.strip_prefix(UNSUPPORTED_MARKER).map(str::to_owned)
}

/// The helm binary: `RUDDER_HELM`, else `helm` from `PATH`.
pub fn helm_binary() -> PathBuf {
    match std::env::var_os("RUDDER_HELM") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from("helm"),
    }
}

/// What helm printed and how it exited.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HelmRun {
    /// stdout.
    pub stdout: Vec<u8>,
    /// stderr.
    pub stderr: Vec<u8>,
    /// The exit status (1 when killed by a signal).
    pub code: i32,
}

/// Runs `helm template <args>` with `helm`.
///
/// # Errors
///
/// The binary could not be started.
pub fn run_helm(helm: &std::path::Path, args: &[String]) -> Result<HelmRun, String> {
    let out = std::process::Command::new(helm)
        .arg("template")
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("running {}: {e}", helm.display()))?;
    Ok(HelmRun {
        stdout: out.stdout,
        stderr: out.stderr,
        code: out.status.code().unwrap_or(1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renderer_names() {
        assert_eq!(Renderer::parse("auto"), Ok(Renderer::Auto));
        assert_eq!(Renderer::parse("helm"), Ok(Renderer::Helm));
        assert_eq!(Renderer::parse("native"), Ok(Renderer::Native));
        assert!(Renderer::parse("go").is_err());
    }

    #[test]
    fn unsupported_marker() {
        let e = RenderError::Template(format!("{UNSUPPORTED_MARKER}x"));
        assert_eq!(unsupported(&e).as_deref(), Some("x"));
        assert_eq!(unsupported(&RenderError::Template("y".into())), None);
    }
}
