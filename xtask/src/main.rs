//! `cargo xtask`: project tasks.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Project tasks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate `logto-gateway/src/generated/` and the compiler's golden fixtures from their specs.
    Regen {
        /// Write nothing; exit 1 naming every file that is stale.
        #[arg(long)]
        check: bool,
    },
    /// Write the generated Logto client, with its runtime, as a standalone crate.
    VendorClient {
        /// The crate's directory (created if missing).
        dir: std::path::PathBuf,
        /// The crate's name.
        #[arg(long, default_value = "logto-client")]
        name: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = xtask::root();
    match cli.command {
        Command::VendorClient { dir, name } => match xtask::vendor_client(&root, &dir, &name) {
            Ok(written) => {
                for f in written {
                    eprintln!("wrote {}", f.display());
                }
                eprintln!(
                    "{name} written to {}; build it with `cargo build --manifest-path {}/Cargo.toml`",
                    dir.display(),
                    dir.display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::from(1)
            }
        },
        Command::Regen { check } => match xtask::regen(&root, check) {
            Err(e) => {
                eprintln!("{e}");
                ExitCode::from(1)
            }
            Ok(outcomes) => {
                let mut stale = 0;
                for o in &outcomes {
                    if o.target.spec.starts_with("spec/") {
                        eprint!("{}", o.rendered);
                    }
                    for f in &o.files {
                        if check {
                            stale += 1;
                            eprintln!("stale: {} (from {})", f.display(), o.target.spec);
                        } else {
                            eprintln!("wrote {}", f.display());
                        }
                    }
                }
                if check && stale > 0 {
                    eprintln!(
                        "{stale} generated file(s) are stale; run `cargo xtask regen` to update them"
                    );
                    ExitCode::from(1)
                } else {
                    if check {
                        eprintln!("generated files are up to date ({} specs)", outcomes.len());
                    }
                    ExitCode::SUCCESS
                }
            }
        },
    }
}
