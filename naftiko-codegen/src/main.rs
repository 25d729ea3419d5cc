//! `naftiko-codegen`: check a Naftiko capability spec, or generate Rust from it.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use naftiko_codegen::Renames;

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
        #[command(flatten)]
        renames: RenameArgs,
        #[command(flatten)]
        openapi: OpenApiArgs,
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
        #[command(flatten)]
        renames: RenameArgs,
        #[command(flatten)]
        openapi: OpenApiArgs,
    },
}

/// OpenAPI documents that type the consumed APIs.
#[derive(Args)]
struct OpenApiArgs {
    /// The OpenAPI 3 document (JSON) of a consumed API, read at build time: models for its bodies and responses,
    /// Rust names from its `operationId`s, MCP input schemas with its body schemas. `NAMESPACE=PATH` when the spec
    /// consumes several APIs. Repeatable.
    #[arg(long = "openapi", value_name = "[NAMESPACE=]PATH")]
    documents: Vec<String>,
}

impl OpenApiArgs {
    fn apply(&self, mut config: naftiko_codegen::Config) -> naftiko_codegen::Config {
        for d in &self.documents {
            config = match d.split_once('=') {
                Some((ns, path))
                    if !ns.is_empty()
                        && ns
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
                {
                    config.openapi_for(ns, path)
                }
                _ => config.openapi(d),
            };
        }
        config
    }
}

/// Rust names chosen without touching the spec.
#[derive(Args)]
struct RenameArgs {
    /// Derive the Rust names of the entity FROM from TO instead of its spec name: FROM is a namespace,
    /// `namespace.operation` (or tool), `namespace.operation.parameter` (or input), or `{{VAR}}`. Repeatable.
    #[arg(long = "rename", value_name = "FROM=TO", value_parser = Renames::parse_entry)]
    entries: Vec<(String, String)>,
    /// A rename file: one `FROM = TO` per line, `#` comments. `--rename` flags override its entries.
    #[arg(long = "renames", value_name = "FILE")]
    file: Option<PathBuf>,
}

impl RenameArgs {
    fn table(&self) -> Result<Renames, naftiko_codegen::Error> {
        let mut table = match &self.file {
            Some(file) => Renames::read(file)?,
            None => Renames::new(),
        };
        for (from, to) in &self.entries {
            table.insert(from, to, "--rename");
        }
        Ok(table)
    }
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Check {
            spec,
            renames,
            openapi,
        } => check(&spec, &renames, &openapi),
        Command::Generate {
            spec,
            out,
            no_client,
            no_rest,
            no_mcp,
            renames,
            openapi,
        } => {
            let renames = match renames.table() {
                Ok(table) => table,
                Err(e) => return failure(e),
            };
            let config = naftiko_codegen::Config::new(&spec)
                .out_dir(&out)
                .layout(naftiko_codegen::Layout::Modules)
                .generated_by("`naftiko-codegen generate`")
                .build_script(false)
                .client(!no_client)
                .rest(!no_rest)
                .mcp(!no_mcp)
                .renames(renames);
            generate(&spec, &out, &openapi.apply(config))
        }
    }
}

fn failure(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("{e}");
    ExitCode::from(1)
}

fn check(spec: &std::path::Path, renames: &RenameArgs, openapi: &OpenApiArgs) -> ExitCode {
    let renames = match renames.table() {
        Ok(table) => table,
        Err(e) => return failure(e),
    };
    let source = match std::fs::read_to_string(spec) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{}: error: cannot read the spec: {e}", spec.display());
            return ExitCode::from(1);
        }
    };
    let display = spec.display().to_string();
    let config = openapi.apply(naftiko_codegen::Config::new(spec).renames(renames));
    let compiled = match config.compile_source(&source) {
        Ok(compiled) => compiled,
        Err(e) => return failure(e),
    };
    eprint!("{}", compiled.diagnostics.render(&display, Some(&source)));
    if compiled.diagnostics.has_errors() {
        return ExitCode::from(1);
    }
    if compiled.diagnostics.is_empty() {
        eprintln!("{display}: ok");
    }
    ExitCode::SUCCESS
}

fn generate(
    spec: &std::path::Path,
    out: &std::path::Path,
    config: &naftiko_codegen::Config,
) -> ExitCode {
    let output = match config.generate() {
        Ok(output) => output,
        Err(e) => return failure(e),
    };
    eprint!("{}", output.rendered);
    match naftiko_codegen::write_files(out, &output.files) {
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
