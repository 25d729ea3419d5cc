//! Diagnostics: every problem found in a spec, with the line and column it points at.
//!
//! The compiler never stops at the first problem it can recover from: parse, resolve and check all push into one
//! [`Diagnostics`] sink, and the caller renders the whole list at once.

use std::fmt;
use std::path::{Component, Path, PathBuf};

/// A position in a source file, 1-based. `line == 0` means "no position known" (rare: only for problems that are
/// about the document as a whole). `file` is 0 in the spec itself, and `n` in the `n`th file it imports (see
/// [`Diagnostics::sources`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos {
    pub file: u32,
    pub line: u32,
    pub col: u32,
}

impl Pos {
    pub const UNKNOWN: Pos = Pos {
        file: 0,
        line: 0,
        col: 0,
    };

    /// A position in the spec itself.
    pub fn new(line: u32, col: u32) -> Self {
        Pos { file: 0, line, col }
    }

    /// This position, in the file `file`.
    pub fn in_file(self, file: u32) -> Self {
        Pos { file, ..self }
    }

    pub fn is_known(self) -> bool {
        self.line > 0
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// What kind of problem a diagnostic reports. Tests match on this rather than on message wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    /// The document is not well-formed YAML, or a value has the wrong shape.
    Syntax,
    /// A field the format requires is absent.
    MissingField,
    /// A field the format does not have.
    UnknownField,
    /// An imported consumed API that cannot be read or is not in its file, or an import cycle.
    Import,
    /// `naftiko:` names a version this compiler does not read.
    Version,
    /// A value outside what the format allows (bad method, bad type name, bad port…).
    InvalidValue,
    /// `call:` names a namespace or operation that does not exist.
    UnknownCall,
    /// A `with:` key that is not a parameter of the called operation.
    UnknownWithKey,
    /// A `with:` value that names an exposed input which does not exist.
    UnknownInput,
    /// A `{{VAR}}` that no `binds` entry provides.
    UnknownBinding,
    /// A consumed path parameter the exposure cannot supply.
    UnsuppliedPathParam,
    /// Two REST operations share path and method, or two paths of one shape name their placeholders differently.
    DuplicateRoute,
    /// Two MCP tools share a name.
    DuplicateTool,
    /// Two entries of the same kind share a name (operations, namespaces, parameters…).
    DuplicateName,
    /// An MCP tool name outside `^[A-Za-z0-9_.-]{1,64}$`.
    InvalidToolName,
    /// Two names become the same Rust identifier, or one becomes an identifier the generated code already uses.
    IdentClash,
    /// A rename that names nothing in the spec, or whose new name cannot become a Rust identifier.
    Rename,
    /// A feature of the format this compiler does not implement yet.
    Unsupported,
    /// A warning: the spec uses this spec generator's dialect rather than the schema's letter.
    Dialect,
    /// A path parameter used in a consumed path but not declared.
    InferredPathParam,
    /// A warning: a REST operation whose method has a body calls an operation that sends none.
    IgnoredBody,
    /// The OpenAPI overlay: an operation or parameter its document does not type (a warning), or a document that
    /// names no consumed API (an error).
    OpenApi,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    pub pos: Pos,
    pub message: String,
    /// Other places the problem involves (the first of two clashing names, say).
    pub notes: Vec<Note>,
}

/// A file other than the spec that positions point into: a file the spec imports consumed APIs from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Where it was read from.
    pub path: PathBuf,
    /// How diagnostics name it: relative to the spec's folder (`shared/registry.yaml`), or absolute.
    pub name: String,
    /// Its text (`None`: it could not be read).
    pub text: Option<String>,
}

/// Another place a diagnostic points at, with what is there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub pos: Pos,
    pub message: String,
}

impl Diagnostic {
    /// Renders the diagnostic as `FILE:LINE:COL: SEVERITY: MESSAGE`, followed by the source line and a caret when
    /// `source` is given and the position is known; then each note the same way, as `FILE:LINE:COL: note: …`.
    /// Positions in imported files are rendered as if in `file`; [`Diagnostics::render_one`] names those files.
    pub fn render(&self, file: &str, source: Option<&str>) -> String {
        self.render_in(&|_| (file.to_owned(), source))
    }

    /// Renders with the name and text of each position's file from `files`.
    fn render_in<'s>(&self, files: &dyn Fn(u32) -> (String, Option<&'s str>)) -> String {
        let (name, text) = files(self.pos.file);
        let severity = self.severity.to_string();
        let mut out = located(&name, self.pos, &severity, &self.message, text);
        for n in &self.notes {
            let (name, text) = files(n.pos.file);
            out.push('\n');
            out.push_str(&located(&name, n.pos, "note", &n.message, text));
        }
        out
    }
}

/// `FILE:LINE:COL: LABEL: MESSAGE`, and the source line with a caret under the column.
fn located(file: &str, pos: Pos, label: &str, message: &str, source: Option<&str>) -> String {
    let mut out = if pos.is_known() {
        format!("{file}:{pos}: {label}: {message}")
    } else {
        format!("{file}: {label}: {message}")
    };
    if let Some(line) = source
        .filter(|_| pos.is_known())
        .and_then(|s| s.lines().nth(pos.line as usize - 1))
    {
        let gutter = pos.line.to_string();
        let pad = " ".repeat(gutter.len());
        // Columns count characters; keep tabs so the caret lines up under them.
        let lead: String = line
            .chars()
            .take(pos.col.saturating_sub(1) as usize)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        out.push_str(&format!("\n{pad} |\n{gutter} | {line}\n{pad} | {lead}^"));
    }
    out
}

/// The sink every compiler stage reports into.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
    /// The files positions point into besides the spec, `Pos::file` `n` at index `n - 1`.
    sources: Vec<Source>,
}

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn error(&mut self, code: Code, pos: Pos, message: impl Into<String>) {
        self.error_noting(code, pos, message, Vec::new());
    }

    /// An error that also points at other places.
    pub fn error_noting(
        &mut self,
        code: Code,
        pos: Pos,
        message: impl Into<String>,
        notes: Vec<Note>,
    ) {
        self.items.push(Diagnostic {
            severity: Severity::Error,
            code,
            pos,
            message: message.into(),
            notes,
        });
    }

    pub fn warning(&mut self, code: Code, pos: Pos, message: impl Into<String>) {
        self.items.push(Diagnostic {
            severity: Severity::Warning,
            code,
            pos,
            message: message.into(),
            notes: Vec::new(),
        });
    }

    pub fn unsupported(&mut self, pos: Pos, feature: impl fmt::Display) {
        self.error(
            Code::Unsupported,
            pos,
            format!("not supported yet: {feature}"),
        );
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn error_count(&self) -> usize {
        self.iter_errors().count()
    }

    pub fn iter_errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| d.severity == Severity::Error)
    }

    pub fn iter_warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Warning)
    }

    /// All diagnostics in source order (errors before warnings at the same position), deduplicated.
    pub fn sorted(&self) -> Vec<Diagnostic> {
        let mut v = self.items.clone();
        v.sort_by(|a, b| {
            (a.pos, a.severity, a.code, &a.message).cmp(&(b.pos, b.severity, b.code, &b.message))
        });
        v.dedup();
        v
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    /// Adds `note` to every diagnostic reported since there were `since` of them, but those in the file `except`.
    pub fn note_since(&mut self, since: usize, except: u32, note: &Note) {
        for d in self.items.iter_mut().skip(since) {
            if d.pos.file != except {
                d.notes.push(note.clone());
            }
        }
    }

    /// Adds a file that positions may point into; returns the `Pos::file` of its positions.
    pub fn add_source(&mut self, source: Source) -> u32 {
        self.sources.push(source);
        u32::try_from(self.sources.len()).unwrap_or(u32::MAX)
    }

    /// The files positions point into besides the spec (the files it imports), in the order they were read.
    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// The source `file` of a position (`None` for the spec itself, 0).
    pub fn source(&self, file: u32) -> Option<&Source> {
        let index = usize::try_from(file).ok()?.checked_sub(1)?;
        self.sources.get(index)
    }

    /// How diagnostics name the file of `pos` when the spec is named `spec`: `spec` itself, or an imported file's name
    /// in the spec's folder as `spec` names it (`api/shared/registry.yaml` for `shared/registry.yaml` beside
    /// `api/spec.yaml`).
    pub fn file_name(&self, pos: Pos, spec: &str) -> String {
        match self.source(pos.file) {
            None => spec.to_owned(),
            Some(s) if Path::new(&s.name).is_absolute() => s.name.clone(),
            Some(s) => {
                let dir = Path::new(spec).parent().unwrap_or(Path::new(""));
                normalize(&dir.join(&s.name))
                    .display()
                    .to_string()
                    .replace('\\', "/")
            }
        }
    }

    /// Renders one diagnostic as [`Diagnostic::render`] does, each position in its own file: the spec `file`, whose
    /// text is `source`, or an imported one (whose text is shown when `source` is given).
    pub fn render_one(&self, d: &Diagnostic, file: &str, source: Option<&str>) -> String {
        d.render_in(&|f| match f {
            0 => (file.to_owned(), source),
            _ => (
                self.file_name(Pos::UNKNOWN.in_file(f), file),
                source.and(self.source(f).and_then(|s| s.text.as_deref())),
            ),
        })
    }

    /// Renders every diagnostic, one block each, with a closing summary line.
    pub fn render(&self, file: &str, source: Option<&str>) -> String {
        let mut out = String::new();
        for d in self.sorted() {
            out.push_str(&self.render_one(&d, file, source));
            out.push('\n');
        }
        let (e, w) = (self.error_count(), self.iter_warnings().count());
        if e + w > 0 {
            out.push_str(&format!(
                "{file}: {e} error{}, {w} warning{}\n",
                if e == 1 { "" } else { "s" },
                if w == 1 { "" } else { "s" }
            ));
        }
        out
    }
}

/// `path` with its `.` components dropped and each `dir/..` pair resolved, without looking at the file system.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                let up = matches!(out.components().next_back(), Some(Component::Normal(_)));
                if up {
                    out.pop();
                } else if !out.has_root() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}
