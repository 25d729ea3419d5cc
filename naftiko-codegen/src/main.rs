//! `naftiko-codegen`: check a Naftiko capability spec, or generate Rust from it.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "naftiko-codegen",
    version,
    about = "Build-time compiler for Naftiko capability specs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Report every error and warning of a spec; exit 1 if there is an error.
    Check {
        /// The spec (YAML, `naftiko: 1.0.0-alpha2`).
        spec: PathBuf,
    },
    /// Generate the Rust modules of a spec into a directory.
    Generate {
        /// The spec (YAML, `naftiko: 1.0.0-alpha2`).
        spec: PathBuf,
        /// Output directory (created if missing; files are only touched when they change).
        #[arg(long)]
        out: PathBuf,
        /// Leave out the typed client module (and with it the adapters, which call through it).
        #[arg(long)]
        no_client: bool,
        /// Leave out the REST adapters.
        #[arg(long)]
        no_rest: bool,
        /// Leave out the MCP adapters.
        #[arg(long)]
        no_mcp: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { spec } => {
            let source = match std::fs::read_to_string(&spec) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("{}: error: cannot read the spec: {e}", spec.display());
                    return ExitCode::from(1);
                }
            };
            let compiled = naftiko_codegen::compile(&source);
            let display = spec.display().to_string();
            eprint!("{}", compiled.diagnostics.render(&display, Some(&source)));
            if compiled.diagnostics.has_errors() {
                ExitCode::from(1)
            } else {
                if compiled.diagnostics.is_empty() {
                    eprintln!("{display}: ok");
                }
                ExitCode::SUCCESS
            }
        }
        Command::Generate {
            spec,
            out,
            no_client,
            no_rest,
            no_mcp,
        } => {
            let config = naftiko_codegen::Config::new(&spec)
                .out_dir(&out)
                .client(!no_client)
                .rest(!no_rest)
                .mcp(!no_mcp);
            match config.generate() {
                Ok(output) => {
                    eprint!("{}", output.rendered);
                    match naftiko_codegen::write_files(&out, &output.files) {
                        Ok(written) => {
                            eprintln!(
                                "{}: {} files generated in {} ({} changed)",
                                spec.display(),
                                output.files.len(),
                                out.display(),
                                written.len()
                            );
                            ExitCode::SUCCESS
                        }
                        Err(e) => {
                            eprintln!("error: {e}");
                            ExitCode::from(1)
                        }
                    }
                }
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::from(1)
                }
            }
        }
    }
}
