//! The `rudder` command line: a thin shell over the `rudder` library.
//! Parsing and dispatch live in [`cli`]; this file only maps the outcome
//! to an exit status.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
