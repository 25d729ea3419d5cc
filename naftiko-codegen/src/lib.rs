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
//! Use [`Config`] from a build script, which writes `$OUT_DIR/naftiko.rs` for `naftiko_runtime::include_generated!()`
//! to include, tells cargo what it read, and shows the spec's warnings and errors through cargo:
//!
//! ```no_run
//! // build.rs
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     naftiko_codegen::Config::new("spec.yaml").write()?;
//!     Ok(())
//! }
//! ```
//!
//! or from a tool, into a directory of the crate's sources (`mod.rs` and a file per module):
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
pub mod openapi;
pub mod parse;
pub mod resolve;

use std::fmt;
use std::path::{Path, PathBuf};

pub use diagnostic::{Code, Diagnostic, Diagnostics, Note, Pos, Severity};
pub use emit::{GeneratedFile, Layout, Modules};
pub use naming::{Rename, Renames};

/// The result of compiling a spec: the IR when there were no errors, and every diagnostic.
#[derive(Debug)]
pub struct Compiled {
    pub ir: Option<ir::Capability>,
    pub diagnostics: Diagnostics,
}

/// Parses, resolves, names and checks `source`. Never panics; every problem is a diagnostic. The files it imports
/// consumed APIs from are read relative to the working directory (see [`Config::compile_source`] for a spec's own
/// folder).
pub fn compile(source: &str) -> Compiled {
    compile_with(source, &Renames::new())
}

/// [`compile`], with Rust names chosen by `renames`.
pub fn compile_with(source: &str, renames: &Renames) -> Compiled {
    compile_typed(source, renames, &[])
}

/// [`compile_with`], the consumed APIs typed from their OpenAPI documents (see [`openapi`]).
pub fn compile_typed(source: &str, renames: &Renames, overlays: &[openapi::Overlay]) -> Compiled {
    compile_at(Path::new(""), source, renames, overlays)
}

/// [`compile_typed`] of the text of the spec at `spec`, whose imports are read relative to its folder.
fn compile_at(
    spec: &Path,
    source: &str,
    renames: &Renames,
    overlays: &[openapi::Overlay],
) -> Compiled {
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
    let mut ir = resolve::resolve(&doc, spec, &mut diagnostics);
    if let Some(ir) = &mut ir {
        openapi::apply(ir, overlays, &mut diagnostics);
        naming::name(ir, renames, &mut diagnostics);
        check::check(ir, &mut diagnostics);
    }
    let ir = if diagnostics.has_errors() { None } else { ir };
    Compiled { ir, diagnostics }
}

/// What went wrong in [`Config::generate`] or [`Config::write`].
///
/// Its `Debug` form is its message, as `Display` writes it: a `main` (a build script's, say) that returns this error
/// prints the rendered diagnostics, each at its line and column.
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
    /// An OpenAPI document given to [`Config::openapi`] is not one.
    OpenApi(String),
    /// An emitter produced code that does not parse (a compiler bug).
    Internal(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Spec { rendered, .. } => f.write_str(rendered.trim_end()),
            Error::Config(m) | Error::Renames(m) | Error::OpenApi(m) | Error::Internal(m) => {
                f.write_str(m)
            }
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
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
    layout: Option<Layout>,
    generated_by: Option<String>,
    build_script: Option<bool>,
    /// OpenAPI documents, each with the consumed namespace it describes (none: the spec's only one).
    openapi: Vec<(Option<String>, PathBuf)>,
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
            layout: None,
            generated_by: None,
            build_script: None,
            openapi: Vec::new(),
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

    /// How the modules are laid out in files. Default: in a build script writing to `$OUT_DIR` (no
    /// [`Config::out_dir`] given), one file, `naftiko.rs`, with the modules inline, which
    /// `naftiko_runtime::include_generated!()` includes ([`Layout::inline`]); otherwise `mod.rs` and a file per
    /// module ([`Layout::Modules`]).
    pub fn layout(mut self, layout: Layout) -> Self {
        self.layout = Some(layout);
        self
    }

    /// What the preamble of the generated files names as their maker, such as `` `cargo xtask regen` ``. Default:
    /// ``naftiko-codegen in the build script of `PACKAGE` `` in a build script, `naftiko-codegen` otherwise.
    pub fn generated_by(mut self, what: impl Into<String>) -> Self {
        self.generated_by = Some(what.into());
        self
    }

    /// Whether [`Config::write`] runs in a cargo build script. There it prints, on standard output,
    /// `cargo:rerun-if-changed` for every file the compiler reads ([`Config::inputs`]), so that cargo runs the build
    /// script again when one changes, and only then, and `cargo:warning` for each line of every warning, so that
    /// cargo shows them; the errors of a spec are the message of the error it returns. Default: whether cargo's
    /// build-script variables `OUT_DIR` and `TARGET` are set.
    pub fn build_script(mut self, on: bool) -> Self {
        self.build_script = Some(on);
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

    /// Types the consumed API from its OpenAPI 3 document (JSON), read at build time: request and response models in
    /// the client module's `types`, Rust names from the `operationId`s, MCP input schemas with the bodies' schemas.
    /// For a spec that consumes one API; with several, see [`Config::openapi_for`]. See [`openapi`].
    pub fn openapi(mut self, path: impl Into<PathBuf>) -> Self {
        self.openapi.push((None, path.into()));
        self
    }

    /// [`Config::openapi`] for the consumed API of `namespace`.
    pub fn openapi_for(mut self, namespace: impl Into<String>, path: impl Into<PathBuf>) -> Self {
        self.openapi.push((Some(namespace.into()), path.into()));
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

    fn in_build_script(&self) -> bool {
        self.build_script.unwrap_or_else(|| {
            std::env::var_os("OUT_DIR").is_some() && std::env::var_os("TARGET").is_some()
        })
    }

    fn chosen_layout(&self) -> Layout {
        match &self.layout {
            Some(layout) => layout.clone(),
            None if self.out_dir.is_none() && self.in_build_script() => Layout::inline(),
            None => Layout::Modules,
        }
    }

    fn maker(&self) -> String {
        if let Some(by) = &self.generated_by {
            return by.clone();
        }
        if !self.in_build_script() {
            return "naftiko-codegen".to_owned();
        }
        match std::env::var("CARGO_PKG_NAME") {
            Ok(package) => format!("naftiko-codegen in the build script of `{package}`"),
            Err(_) => "naftiko-codegen in a build script".to_owned(),
        }
    }

    /// The files the compiler reads before it reads the spec: the spec, each rename file the [`Renames`] given were
    /// read from, and the OpenAPI documents. The files the spec imports consumed APIs from are known once it is read:
    /// [`Diagnostics::sources`] lists them (and [`Config::write`] tells cargo of them too).
    pub fn inputs(&self) -> Vec<PathBuf> {
        let mut inputs = vec![self.spec.clone()];
        inputs.extend(self.renames.files().iter().cloned());
        inputs.extend(self.openapi.iter().map(|(_, p)| p.clone()));
        inputs
    }

    /// How diagnostics name a file the spec refers to: relative to the spec's folder as the spec is named, when it is
    /// in that folder (`spec/logto.openapi.json` next to `spec/logto.naftiko.yaml`), else as given.
    fn display_beside_spec(&self, path: &Path) -> String {
        let display = self.display();
        let relative = self
            .spec
            .parent()
            .and_then(|dir| path.strip_prefix(dir).ok())
            .map(|rel| match display.rsplit_once('/') {
                Some((dir, _)) => format!("{dir}/{}", rel.display()),
                None => rel.display().to_string(),
            });
        relative
            .unwrap_or_else(|| path.display().to_string())
            .replace('\\', "/")
    }

    /// The OpenAPI documents given, read.
    fn overlays(&self) -> Result<Vec<openapi::Overlay>, Error> {
        self.openapi
            .iter()
            .map(|(namespace, path)| {
                let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
                    path: path.clone(),
                    source,
                })?;
                let display = self.display_beside_spec(path);
                let document = openapi::Document::parse(display, &text).map_err(Error::OpenApi)?;
                Ok(openapi::Overlay {
                    namespace: namespace.clone(),
                    document,
                })
            })
            .collect()
    }

    /// Compiles the spec and returns the files, without writing anything.
    pub fn generate(&self) -> Result<Output, Error> {
        let source = std::fs::read_to_string(&self.spec).map_err(|source| Error::Io {
            path: self.spec.clone(),
            source,
        })?;
        self.generate_from_source(&source)
    }

    /// Compiles the spec's text with this configuration's renames and OpenAPI documents, without emitting: every
    /// diagnostic, and the IR when there is no error. The files it imports consumed APIs from are read relative to
    /// the spec's folder; the diagnostics list them ([`Diagnostics::sources`]).
    pub fn compile_source(&self, source: &str) -> Result<Compiled, Error> {
        Ok(compile_at(
            &self.spec,
            source,
            &self.renames,
            &self.overlays()?,
        ))
    }

    /// Like [`Config::generate`], from the spec's text.
    pub fn generate_from_source(&self, source: &str) -> Result<Output, Error> {
        let display = self.display();
        let overlays = self.overlays()?;
        let compiled = compile_at(&self.spec, source, &self.renames, &overlays);
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
        let options = emit::Options {
            spec_display: &display,
            generated_by: &self.maker(),
            modules: self.modules,
            runtime_path: &self.runtime_path,
            layout: &self.chosen_layout(),
        };
        let files = emit::emit(&ir, &options).map_err(Error::Internal)?;
        Ok(Output {
            files,
            diagnostics: compiled.diagnostics,
            rendered,
        })
    }

    /// Compiles the spec and writes the files to the output directory, touching only files whose contents change.
    /// Returns the paths written. In a build script (see [`Config::build_script`]), it also tells cargo which files
    /// it read, and shows the warnings.
    pub fn write(&self) -> Result<Vec<PathBuf>, Error> {
        let build_script = self.in_build_script();
        if build_script {
            cargo_directives(self.inputs().iter().map(|p| rerun_if_changed(p)));
        }
        let out = self.generate();
        if build_script {
            // The files the spec imports are known once it is read, whether it compiles or not.
            let diagnostics = match &out {
                Ok(out) => Some(&out.diagnostics),
                Err(Error::Spec { diagnostics, .. }) => Some(diagnostics),
                Err(_) => None,
            };
            if let Some(diagnostics) = diagnostics {
                cargo_directives(imported_inputs(diagnostics).map(rerun_if_changed));
            }
        }
        let out = out?;
        if build_script {
            cargo_directives(cargo_warnings(&out.diagnostics, &self.display()));
        }
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

/// The files the spec imported consumed APIs from (or tried to), each once.
fn imported_inputs(diagnostics: &Diagnostics) -> impl Iterator<Item = &Path> {
    diagnostics.sources().iter().map(|s| s.path.as_path())
}

/// `cargo:rerun-if-changed` for `path`.
fn rerun_if_changed(path: &Path) -> String {
    format!("cargo:rerun-if-changed={}", path.display())
}

/// A `cargo:warning` for each line of every warning (`FILE:LINE:COL: warning: …`, and its notes), in source order.
fn cargo_warnings(diagnostics: &Diagnostics, display: &str) -> Vec<String> {
    diagnostics
        .sorted()
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .flat_map(|d| {
            diagnostics
                .render_one(d, display, None)
                .lines()
                .map(|line| format!("cargo:warning={line}"))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Prints directives to cargo on standard output. A directive that cannot be printed is lost: cargo then runs the
/// build script every time, or does not show a warning, and the build is still correct.
fn cargo_directives(lines: impl IntoIterator<Item = String>) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    for line in lines {
        let _ = writeln!(out, "{line}");
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    const MINIMAL: &str = include_str!("../tests/fixtures/minimal/spec.yaml");

    /// The minimal fixture with a path parameter left undeclared (a warning) or a call to an unknown operation (an
    /// error).
    fn minimal_with(declared: bool, call: &str) -> String {
        let declared = if declared {
            "              inputParameters:\n                - name: noteId\n                  in: path\n"
        } else {
            ""
        };
        MINIMAL
            .replacen(
                "              outputRawFormat: json\n",
                &format!("{declared}              outputRawFormat: json\n"),
                1,
            )
            .replacen("call: notes.getnote", &format!("call: {call}"), 1)
    }

    #[test]
    fn in_a_build_script_one_inline_file_names_the_build_script() {
        let config = Config::new("spec.yaml").build_script(true);
        let out = config.generate_from_source(MINIMAL).unwrap();
        let names: Vec<&str> = out.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["naftiko.rs"]);
        let first = out.files[0].contents.lines().next().unwrap();
        assert!(
            first.starts_with("// @generated by naftiko-codegen in the build script of `")
                || first.starts_with("// @generated by naftiko-codegen in a build script "),
            "{first}"
        );
        assert!(first.ends_with(" from spec.yaml — do not edit."), "{first}");

        // An output directory of one's own gets the module files, as does a run outside a build script.
        let out = config
            .clone()
            .out_dir("gen")
            .generate_from_source(MINIMAL)
            .unwrap();
        let names: Vec<&str> = out.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["client.rs", "mcp.rs", "mod.rs", "rest.rs"]);
        let out = Config::new("spec.yaml")
            .build_script(false)
            .generate_from_source(MINIMAL)
            .unwrap();
        assert_eq!(out.files.len(), 4);
        assert!(
            out.files[0]
                .contents
                .starts_with("// @generated by naftiko-codegen from spec.yaml — do not edit.\n")
        );

        // A layout and a maker of one's own.
        let out = config
            .layout(Layout::Inline("notes".into()))
            .generated_by("`make gen`")
            .generate_from_source(MINIMAL)
            .unwrap();
        assert_eq!(out.files[0].name, "notes.rs");
        assert!(
            out.files[0]
                .contents
                .starts_with("// @generated by `make gen` from spec.yaml — do not edit.\n")
        );
    }

    #[test]
    fn the_inputs_are_the_spec_and_the_rename_files() {
        let mut renames = Renames::parse("notes = memo\n", "x.renames").unwrap();
        assert!(renames.files().is_empty());
        let dir = std::env::temp_dir().join(format!("naftiko-inputs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("spec.renames");
        std::fs::write(&file, "notes-rest = rest\n").unwrap();
        renames.extend(Renames::read(&file).unwrap());
        let _ = std::fs::remove_dir_all(&dir);
        let config = Config::new("api/spec.yaml").renames(renames);
        assert_eq!(
            config.inputs(),
            [PathBuf::from("api/spec.yaml"), file.clone()]
        );
        let lines: Vec<String> = config
            .inputs()
            .iter()
            .map(|p| rerun_if_changed(p))
            .collect();
        assert_eq!(lines[0], "cargo:rerun-if-changed=api/spec.yaml");
        assert_eq!(
            lines[1],
            format!("cargo:rerun-if-changed={}", file.display())
        );
    }

    /// A build script runs again when a file the spec imports from changes, whether the spec compiles or not.
    #[test]
    fn the_imported_files_are_inputs_once_read() {
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/imported");
        let config = Config::new(fixture.join("spec.yaml"));
        let out = config.generate().unwrap();
        let apis = fixture.join("shared/apis.yaml");
        let lines: Vec<String> = imported_inputs(&out.diagnostics)
            .map(rerun_if_changed)
            .collect();
        assert_eq!(
            lines,
            [format!("cargo:rerun-if-changed={}", apis.display())]
        );
        let source = std::fs::read_to_string(fixture.join("spec.yaml")).unwrap();
        let broken = source.replace("call: tags.list-tags", "call: tags.nosuchop");
        let Err(Error::Spec { diagnostics, .. }) = config.generate_from_source(&broken) else {
            panic!("a call of an unknown operation is an error");
        };
        assert_eq!(imported_inputs(&diagnostics).collect::<Vec<_>>(), [apis]);
    }

    #[test]
    fn warnings_are_cargo_warnings_at_their_line_and_column() {
        let source = minimal_with(false, "notes.getnote");
        let out = Config::new("spec.yaml")
            .generate_from_source(&source)
            .unwrap();
        let lines = cargo_warnings(&out.diagnostics, "spec.yaml");
        assert!(!lines.is_empty());
        for line in &lines {
            assert!(
                line.starts_with("cargo:warning=spec.yaml:") && line.contains(": warning: "),
                "{line}"
            );
        }
        let clean = Config::new("spec.yaml")
            .generate_from_source(&minimal_with(true, "notes.getnote"))
            .unwrap();
        assert!(clean.diagnostics.is_empty(), "{}", clean.rendered);
        assert!(cargo_warnings(&clean.diagnostics, "spec.yaml").is_empty());
    }

    /// What `main` prints when it returns the error of a spec: the rendered diagnostics, at line:col.
    #[test]
    fn the_debug_form_of_an_error_is_its_message() {
        let source = minimal_with(true, "notes.nosuchop");
        let e = Config::new("spec.yaml")
            .generate_from_source(&source)
            .unwrap_err();
        let debug = format!("{e:?}");
        assert_eq!(debug, e.to_string());
        let line = source
            .lines()
            .position(|l| l.contains("notes.nosuchop"))
            .unwrap()
            + 1;
        assert!(
            debug.starts_with(&format!("spec.yaml:{line}:")) && debug.contains(": error: "),
            "{debug}"
        );
        assert!(debug.contains("call: notes.nosuchop\n"), "{debug}");
    }
}
