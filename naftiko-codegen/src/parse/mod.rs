//! Stage 1 — parse: YAML text → the serde model of the format, with source positions.

pub mod format;
pub mod model;

use std::cell::Cell;

use serde_saphyr::{DuplicateKeyPolicy, Options};

use crate::diagnostic::{Code, Diagnostic, Pos, Severity};
pub use format::Format;
pub use model::Document;

thread_local! {
    /// The `Pos::file` of the document being read on this thread: serde gives the model's visitors no context, and
    /// a list item keeps only its line and column (see [`model::pos_of`]).
    static FILE: Cell<u32> = const { Cell::new(0) };
}

fn file_being_parsed() -> u32 {
    FILE.get()
}

/// Runs `f` with the positions read from the model (as it parses, or later from its lists' items) in the file
/// `file`: the parse of an imported document, and the resolution of what it declares.
pub(crate) fn in_file<R>(file: u32, f: impl FnOnce() -> R) -> R {
    /// Restores the file of the positions when `f` ends.
    struct Restore(u32);
    impl Drop for Restore {
        fn drop(&mut self) {
            FILE.set(self.0);
        }
    }
    let _restore = Restore(FILE.replace(file));
    f()
}

/// Parses a spec, in the format its version key tells ([`Format::of`]). The only errors here are malformed YAML and
/// values of the wrong shape (which include a list where the format keys items by name, and the reverse); everything
/// else (missing, unknown and repeated keys, bad values) is recorded in the model for the resolver to report.
pub fn parse(source: &str) -> Result<Document, Diagnostic> {
    parse_file(source, 0)
}

/// Parses a document whose positions are in the file `file` (see [`Pos::file`]): an imported one.
pub fn parse_file(source: &str, file: u32) -> Result<Document, Diagnostic> {
    in_file(file, || parse_document(source)).map_err(|d| Diagnostic {
        pos: d.pos.in_file(file),
        ..d
    })
}

fn parse_document(source: &str) -> Result<Document, Diagnostic> {
    let _reading = format::Reading::start(Format::of(source));
    let mut options = Options::default();
    // Repeated keys reach the model's visitors, which record them: this spec's dialect relies on one repair of a
    // repeated key (see `resolve`), and every other repetition becomes a diagnostic with both positions.
    options.duplicate_keys = DuplicateKeyPolicy::PassThrough;
    options.with_snippet = false;
    // The parser's budget guards against hostile documents (alias bombs, deep nesting); its node and event caps are
    // raised so that specs of many thousand operations still read. Alias and depth limits stay as they are.
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = 8_000_000;
    budget.max_events = 32_000_000;
    options.budget = Some(budget);
    match serde_saphyr::from_str_with_options::<Document>(source, options) {
        Ok(doc) => Ok(doc),
        Err(err) => {
            let pos = err
                .location()
                .map(|l| {
                    Pos::new(
                        u32::try_from(l.line()).unwrap_or(u32::MAX),
                        u32::try_from(l.column()).unwrap_or(u32::MAX),
                    )
                })
                .unwrap_or(Pos::UNKNOWN);
            let text = err.without_snippet().to_string();
            // The library's message may end with its own " at line X column Y"; the position is ours to print.
            let message = strip_location_suffix(text.lines().next().unwrap_or("malformed YAML"));
            Err(Diagnostic {
                severity: Severity::Error,
                code: Code::Syntax,
                pos,
                message: format!("malformed spec: {message}"),
                notes: Vec::new(),
            })
        }
    }
}

fn strip_location_suffix(message: &str) -> String {
    let message = match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => message,
    };
    // The library phrases some errors for Rust programmers; say them in the spec's terms.
    let message = match message.find("; use Option<") {
        Some(i) => &message[..i],
        None => message,
    };
    message
        .trim_end()
        .replace(
            "cannot deserialize null into string",
            "a value is required here (found nothing)",
        )
        .replace("invalid u32", "expected a whole number")
}
