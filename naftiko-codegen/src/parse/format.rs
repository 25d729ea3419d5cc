//! The two formats a document may be written in, and which one the parser is reading.
//!
//! Naftiko 1.0.0-alpha2 (`naftiko: 1.0.0-alpha2`) and its successor Ikanos 1.0.0-beta4 (`ikanos: 1.0.0-beta4`)
//! describe the same capabilities. Ikanos writes the named items of a consumed API or an exposure (resources,
//! operations, parameters, tools, …) as mappings keyed by their name instead of lists of objects with a `name`,
//! spells `label` as `display`, and adds keys of its own (`tags`, `info.version`, `from`-style imports, …). One serde
//! model reads both: the model's visitors ask [`reading`] which format the document is in, so that each accepts the
//! shapes and keys of that format only and the other format's are reported, not silently taken.

use std::cell::Cell;

/// The format of a document, told by its version key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// `naftiko: 1.0.0-alpha2`.
    #[default]
    Naftiko,
    /// `ikanos: 1.0.0-beta4`.
    Ikanos,
}

impl Format {
    /// The key that names the format's version at the top of a document.
    pub fn version_key(self) -> &'static str {
        match self {
            Format::Naftiko => "naftiko",
            Format::Ikanos => "ikanos",
        }
    }

    /// The one version of the format this compiler reads.
    pub fn version(self) -> &'static str {
        match self {
            Format::Naftiko => "1.0.0-alpha2",
            Format::Ikanos => "1.0.0-beta4",
        }
    }

    /// The key that names a thing for people: `label` or `display`.
    pub fn label_key(self) -> &'static str {
        match self {
            Format::Naftiko => "label",
            Format::Ikanos => "display",
        }
    }

    /// The format and its version, as a document declares them (`ikanos: 1.0.0-beta4`).
    pub fn declaration(self) -> String {
        format!("{}: {}", self.version_key(), self.version())
    }

    /// The format of `source`: Ikanos when a top-level line declares `ikanos:`, Naftiko otherwise.
    pub fn of(source: &str) -> Format {
        let ikanos = source.lines().any(|l| {
            let l = l.strip_prefix(['"', '\'']).unwrap_or(l);
            l.strip_prefix("ikanos")
                .map(|rest| rest.strip_prefix(['"', '\'']).unwrap_or(rest))
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        });
        match ikanos {
            true => Format::Ikanos,
            false => Format::Naftiko,
        }
    }
}

/// Where a key of the model exists: in both formats, or in one only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum In {
    Both,
    Naftiko,
    Ikanos,
}

impl In {
    pub fn has(self, format: Format) -> bool {
        match self {
            In::Both => true,
            In::Naftiko => format == Format::Naftiko,
            In::Ikanos => format == Format::Ikanos,
        }
    }
}

/// How the named items of a kind are written in an Ikanos document (Naftiko writes all of them as lists).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keying {
    /// A list (consumed APIs, exposures, bindings: each names itself by `namespace`).
    List,
    /// A mapping keyed by the item's name.
    Map,
    /// Either: a list of unnamed items, or a mapping keyed by name (output parameters: mapped ones are listed, mock
    /// and orchestrated ones are keyed).
    Either,
}

thread_local! {
    static READING: Cell<Format> = const { Cell::new(Format::Naftiko) };
}

/// The format of the document being parsed on this thread.
pub fn reading() -> Format {
    READING.with(Cell::get)
}

/// Reads documents of `format` on this thread until dropped, when the previous format is restored.
pub struct Reading(Format);

impl Reading {
    pub fn start(format: Format) -> Reading {
        Reading(READING.with(|r| r.replace(format)))
    }
}

impl Drop for Reading {
    fn drop(&mut self) {
        READING.with(|r| r.set(self.0));
    }
}
