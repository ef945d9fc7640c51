//! `rudder man`: the manual page, generated from the flag definitions, so
//! it can never disagree with `--help`. One page, with a section per
//! subcommand.

use clap::CommandFactory as _;

use super::Failure;
use super::args::Cli;

/// The man page (roff) for rudder and every subcommand.
pub fn render() -> Result<String, Failure> {
    let cmd = Cli::command();
    let mut buf = Vec::new();
    let man = clap_mangen::Man::new(cmd.clone());
    man.render(&mut buf).map_err(|e| Failure(e.to_string()))?;
    // Subcommands (and theirs), each as a section of the same page.
    let mut stack: Vec<(String, clap::Command)> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| (format!("rudder {}", s.get_name()), s.clone()))
        .collect();
    stack.reverse();
    while let Some((path, sub)) = stack.pop() {
        let mut children: Vec<(String, clap::Command)> = sub
            .get_subcommands()
            .filter(|s| !s.is_hide_set())
            .map(|s| (format!("{path} {}", s.get_name()), s.clone()))
            .collect();
        children.reverse();
        buf.extend_from_slice(format!(".SH \"{}\"\n", path.to_uppercase()).as_bytes());
        let sub = sub.display_name(path.clone()).bin_name(path.clone());
        let man = clap_mangen::Man::new(sub);
        type Part = fn(&clap_mangen::Man, &mut dyn std::io::Write) -> std::io::Result<()>;
        let parts: [Part; 3] = [
            clap_mangen::Man::render_description_section,
            clap_mangen::Man::render_synopsis_section,
            clap_mangen::Man::render_options_section,
        ];
        for part in parts {
            let mut section = Vec::new();
            part(&man, &mut section).map_err(|e| Failure(e.to_string()))?;
            // Demote the generated `.SH` headings below the command's.
            let text = String::from_utf8_lossy(&section).replace(".SH ", ".SS ");
            buf.extend_from_slice(text.as_bytes());
        }
        stack.extend(children);
    }
    String::from_utf8(buf).map_err(|e| Failure(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn the_page_covers_every_subcommand_and_global_flag() {
        let page = render().map_err(|e| e.0).expect("renders");
        assert!(
            page.starts_with(".ie") || page.contains(".TH rudder"),
            "a man page"
        );
        for sub in [
            "RUDDER LIST",
            "RUDDER HISTORY",
            "RUDDER STATUS",
            "RUDDER GET VALUES",
            "RUDDER GET METADATA",
            "RUDDER ROLLBACK",
            "RUDDER UNINSTALL",
            "RUDDER RECOVER",
            "RUDDER VERSION",
            "RUDDER COMPLETION",
        ] {
            assert!(page.contains(&format!(".SH \"{sub}\"")), "section {sub}");
        }
        for flag in ["kube\\-as\\-user", "burst\\-limit", "history\\-max"] {
            assert!(page.contains(flag), "flag {flag}");
        }
    }
}
