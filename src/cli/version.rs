//! `rudder version` in helm's shapes: the build info by default, `--short`
//! (`v0.1.0+g<commit>`), and `--template` with helm's field names.

use super::Failure;
use super::args::VersionArgs;

/// What `version` reports (helm's `BuildInfo`, with the Rust compiler's
/// version where helm has Go's).
struct BuildInfo {
    version: String,
    git_commit: &'static str,
    git_tree_state: &'static str,
    rust_version: &'static str,
}

impl BuildInfo {
    fn current() -> BuildInfo {
        BuildInfo {
            version: format!("v{}", rudder::VERSION),
            git_commit: env!("RUDDER_GIT_COMMIT"),
            git_tree_state: env!("RUDDER_GIT_TREE_STATE"),
            rust_version: env!("RUDDER_RUSTC_VERSION"),
        }
    }

    fn field(&self, name: &str) -> Option<&str> {
        Some(match name {
            "Version" => &self.version,
            "GitCommit" => self.git_commit,
            "GitTreeState" => self.git_tree_state,
            "RustVersion" => self.rust_version,
            _ => return None,
        })
    }
}

/// Renders `version`'s output.
pub fn run(a: &VersionArgs) -> Result<String, Failure> {
    render(&BuildInfo::current(), a)
}

fn render(b: &BuildInfo, a: &VersionArgs) -> Result<String, Failure> {
    if !a.template.is_empty() {
        // helm prints the template's output with no newline added.
        return template(b, &a.template);
    }
    if a.short {
        return Ok(match b.git_commit.get(..7) {
            Some(c) => format!("{}+g{c}\n", b.version),
            None => format!("{}\n", b.version),
        });
    }
    Ok(format!(
        "version.BuildInfo{{Version:{:?}, GitCommit:{:?}, GitTreeState:{:?}, RustVersion:{:?}}}\n",
        b.version, b.git_commit, b.git_tree_state, b.rust_version
    ))
}

/// The part of Go's templates that version templates use: text and
/// `{{.Field}}` (spaces and `-` trim markers allowed).
fn template(b: &BuildInfo, t: &str) -> Result<String, Failure> {
    let mut out = String::new();
    let mut rest = t;
    while let Some(open) = rest.find("{{") {
        let mut text = &rest[..open];
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            return Err(Failure(format!(
                "template: version:1: unclosed action in {t:?}"
            )));
        };
        let mut action = &after[..close];
        let mut next = &after[close + 2..];
        if let Some(a) = action.strip_prefix('-').filter(|a| a.starts_with(' ')) {
            text = text.trim_end();
            action = a;
        }
        if let Some(a) = action.strip_suffix('-').filter(|a| a.ends_with(' ')) {
            next = next.trim_start();
            action = a;
        }
        out.push_str(text);
        let action = action.trim();
        let value = action
            .strip_prefix('.')
            .and_then(|f| b.field(f))
            .ok_or_else(|| {
                Failure(format!(
                    "template: version:1: executing \"version\" at <{action}>: can't evaluate {action:?} (rudder supports {{{{.Version}}}}, {{{{.GitCommit}}}}, {{{{.GitTreeState}}}} and {{{{.RustVersion}}}})"
                ))
            })?;
        out.push_str(value);
        rest = next;
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{BuildInfo, VersionArgs, render};

    fn info() -> BuildInfo {
        BuildInfo {
            version: "v0.1.0".into(),
            git_commit: "0123456789abcdef0123456789abcdef01234567",
            git_tree_state: "clean",
            rust_version: "1.89.0",
        }
    }

    fn run(short: bool, template: &str) -> String {
        let a = VersionArgs {
            short,
            template: template.into(),
        };
        render(&info(), &a).map_err(|e| e.0).expect("renders")
    }

    #[test]
    fn shapes_are_helms() {
        assert_eq!(
            run(false, ""),
            "version.BuildInfo{Version:\"v0.1.0\", GitCommit:\"0123456789abcdef0123456789abcdef01234567\", GitTreeState:\"clean\", RustVersion:\"1.89.0\"}\n"
        );
        assert_eq!(run(true, ""), "v0.1.0+g0123456\n");
        assert_eq!(run(false, "{{.Version}}"), "v0.1.0");
        assert_eq!(run(false, "a {{- .Version -}} b"), "av0.1.0b");
        assert_eq!(
            run(false, "{{ .GitTreeState }}/{{.RustVersion}}\n"),
            "clean/1.89.0\n"
        );
        let a = VersionArgs {
            short: false,
            template: "{{.GoVersion}}".into(),
        };
        assert!(render(&info(), &a).is_err());
    }
}
