//! The `rudder` command line: a thin shell over the `rudder` library.

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "rudder", version = rudder::VERSION, about = "Helm release management, natively")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the client version.
    Version,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Version => println!("rudder {}", rudder::VERSION),
    }
    Ok(())
}
