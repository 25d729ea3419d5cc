//! `naftiko-codegen`: a build-time compiler for Naftiko capability specs (`naftiko: 1.0.0-alpha2`).
//!
//! The pipeline, one module per stage:
//!
//! 1. [`parse`] — YAML → a serde model of the format, with source positions;
//! 2. [`resolve`] — model → [`ir`], every reference looked up (no serde type past this point);
//! 3. [`naming`] — every Rust identifier decided once (with the user's [`Renames`]) and checked for clashes;
//! 4. [`check`] — rules over the whole IR; together with the others', all diagnostics come out of one run;
//! 5. [`emit`] — IR → Rust files (`quote` → `syn` → `prettyplease`), deterministic.
//!
//! Use [`Config`] from a build script or a tool:
//!
//! ```no_run
//! naftiko_codegen::Config::new("spec/logto.naftiko.yaml")
//!     .out_dir("src/generated")
//!     .write()
//!     .map_err(|e| e.to_string())?;
//! # Ok::<(), String>(())
//! ```
//!
//! The semantics of the spec dialect this compiler reads are written down in the crate's `README.md`.

pub mod check;
pub mod diagnostic;
pub mod emit;
pub mod ir;
pub mod names;
pub mod naming;
pub mod parse;
pub mod resolve;

use std::fmt;
use std::path::{Path, PathBuf};

pub use diagnostic::{Code, Diagnostic, Diagnostics, Note, Pos, Severity};
pub use emit::{GeneratedFile, Modules};
pub use naming::{Rename, Renames};

/// The result of compiling a spec: the IR when there were no errors, and every diagnostic.
#[derive(Debug)]
pub struct Compiled {
    pub ir: Option<ir::Capability>,
    pub diagnostics: Diagnostics,
}

/// Parses, resolves, names and checks `source`. Never panics; every problem is a diagnostic.
pub fn compile(source: &str) -> Compiled {
    compile_with(source, &Renames::new())
}

/// [`compile`], with Rust names chosen by `renames`.
pub fn compile_with(source: &str, renames: &Renames) -> Compiled {
    let mut diagnostics = Diagnostics::new();
    let doc = match parse::parse(source) {
        Ok(doc) => doc,
        Err(d) => {
            diagnostics.error(d.code, d.pos, d.message);
            return Compiled {
                ir: None,
                diagnostics,
            };
        }
    };
    let mut ir = resolve::resolve(&doc, &mut diagnostics);
    if let Some(ir) = &mut ir {
        naming::name(ir, renames, &mut diagnostics);
        check::check(ir, &mut diagnostics);
    }
    let ir = if diagnostics.has_errors() { None } else { ir };
    Compiled { ir, diagnostics }
}

/// What went wrong in [`Config::generate`] or [`Config::write`].
#[derive(Debug)]
pub enum Error {
    /// The spec could not be read, or an output file could not be written.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The spec has errors; the rendered diagnostics (warnings included) are in the message.
    Spec {
        rendered: String,
        diagnostics: Diagnostics,
    },
    /// A setting of the [`Config`] is not usable (a runtime path that is not a Rust path).
    Config(String),
    /// A rename file has lines that are not renames; each is named with its file and line.
    Renames(String),
    /// An emitter produced code that does not parse (a compiler bug).
    Internal(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Spec { rendered, .. } => f.write_str(rendered.trim_end()),
            Error::Config(m) | Error::Renames(m) | Error::Internal(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

/// Compiler configuration, builder style (like `prost_build::Config`).
#[derive(Debug, Clone)]
pub struct Config {
    spec: PathBuf,
    display: Option<String>,
    out_dir: Option<PathBuf>,
    modules: Modules,
    runtime_path: String,
    renames: Renames,
}

/// The outcome of [`Config::generate`].
#[derive(Debug)]
pub struct Output {
    pub files: Vec<GeneratedFile>,
    /// Warnings (there are no errors in a successful output).
    pub diagnostics: Diagnostics,
    /// The diagnostics rendered for a terminal.
    pub rendered: String,
}

impl Config {
    pub fn new(spec: impl Into<PathBuf>) -> Self {
        Config {
            spec: spec.into(),
            display: None,
            out_dir: None,
            modules: Modules::default(),
            runtime_path: emit::DEFAULT_RUNTIME_PATH.to_owned(),
            renames: Renames::new(),
        }
    }

    /// The path generated code names the runtime crate by (default `::naftiko_runtime`): a re-export
    /// (`crate::deps::naftiko_runtime`), or a module of the generated crate itself that holds the runtime's source
    /// (as `cargo xtask vendor-client` writes it), as prost-build's `Config::prost_path` does.
    pub fn runtime_path(mut self, path: impl Into<String>) -> Self {
        self.runtime_path = path.into();
        self
    }

    /// How the spec is named in diagnostics and in the generated files' preamble (default: its path as given).
    pub fn display_name(mut self, name: impl Into<String>) -> Self {
        self.display = Some(name.into());
        self
    }

    /// Where [`Config::write`] puts the files (default: `$OUT_DIR`, for build scripts).
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Emit the typed client module (on by default).
    pub fn client(mut self, on: bool) -> Self {
        self.modules.client = on;
        self
    }

    /// Emit the MCP adapters (on by default; they need the client).
    pub fn mcp(mut self, on: bool) -> Self {
        self.modules.mcp = on;
        self
    }

    /// Emit the REST adapters (on by default; they need the client).
    pub fn rest(mut self, on: bool) -> Self {
        self.modules.rest = on;
        self
    }

    /// Derives the Rust identifiers of the entity `from` names from `to` instead of its spec name (see [`Renames`]
    /// for the keys). A later rename of the same key replaces an earlier one.
    pub fn rename(mut self, from: impl Into<String>, to: impl Into<String>) -> Self {
        self.renames.insert(from, to, "Config::rename");
        self
    }

    /// Adds a rename table (read from a file with [`Renames::read`], say), after the renames given so far.
    pub fn renames(mut self, renames: Renames) -> Self {
        self.renames.extend(renames);
        self
    }

    fn display(&self) -> String {
        self.display
            .clone()
            .unwrap_or_else(|| self.spec.display().to_string().replace('\\', "/"))
    }

    /// Compiles the spec and returns the files, without writing anything.
    pub fn generate(&self) -> Result<Output, Error> {
        let source = std::fs::read_to_string(&self.spec).map_err(|source| Error::Io {
            path: self.spec.clone(),
            source,
        })?;
        self.generate_from_source(&source)
    }

    /// Like [`Config::generate`], from the spec's text.
    pub fn generate_from_source(&self, source: &str) -> Result<Output, Error> {
        let display = self.display();
        let compiled = compile_with(source, &self.renames);
        let rendered = compiled.diagnostics.render(&display, Some(source));
        let Some(ir) = compiled.ir else {
            return Err(Error::Spec {
                rendered,
                diagnostics: compiled.diagnostics,
            });
        };
        if !emit::is_runtime_path(&self.runtime_path) {
            return Err(Error::Config(format!(
                "the runtime path `{}` is not a Rust path (e.g. `::naftiko_runtime`)",
                self.runtime_path
            )));
        }
        let files =
            emit::emit(&ir, &display, self.modules, &self.runtime_path).map_err(Error::Internal)?;
        Ok(Output {
            files,
            diagnostics: compiled.diagnostics,
            rendered,
        })
    }

    /// Compiles the spec and writes the files to the output directory, touching only files whose contents change.
    /// Returns the paths written.
    pub fn write(&self) -> Result<Vec<PathBuf>, Error> {
        let out = self.generate()?;
        let dir = match &self.out_dir {
            Some(d) => d.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or_else(|| Error::Io {
                    path: PathBuf::from("$OUT_DIR"),
                    source: std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "no out_dir given and OUT_DIR is not set",
                    ),
                })?,
        };
        write_files(&dir, &out.files)
    }
}

/// Writes `files` into `dir`, touching only those whose contents differ. Returns the paths written.
pub fn write_files(dir: &Path, files: &[GeneratedFile]) -> Result<Vec<PathBuf>, Error> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_owned(),
        source,
    })?;
    let mut written = Vec::new();
    for f in files {
        let path = dir.join(&f.name);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(f.contents.as_str()) {
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| Error::Io {
                path: parent.to_owned(),
                source,
            })?;
        }
        std::fs::write(&path, &f.contents).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}

/// The files of `dir` that differ from `files` (changed or missing), and the `.rs` files in `dir` that would not be
/// generated (stale leftovers).
pub fn stale_files(dir: &Path, files: &[GeneratedFile]) -> Vec<PathBuf> {
    let mut stale: Vec<PathBuf> = files
        .iter()
        .filter(|f| {
            std::fs::read_to_string(dir.join(&f.name)).ok().as_deref() != Some(f.contents.as_str())
        })
        .map(|f| dir.join(&f.name))
        .collect();
    if let Ok(entries) = std::fs::read_dir(dir) {
        let mut extra: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
            .filter(|p| {
                !files
                    .iter()
                    .any(|f| p.file_name().is_some_and(|n| n == f.name.as_str()))
            })
            .collect();
        extra.sort();
        stale.extend(extra);
    }
    stale
}
