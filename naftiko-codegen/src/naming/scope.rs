//! Scopes of Rust identifiers and their clashes: each identifier the naming pass decides is claimed in the scope it
//! is declared in (a module's types, a struct's fields, a function's arguments…), next to the identifiers the
//! generated code itself declares there; a second claim of the same identifier is a clash, reported with both of
//! its sources.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::diagnostic::{Code, Diagnostics, Note, Pos};

/// Where an identifier comes from: a spec entity, the name it is written with, and its rename if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Origin {
    /// What the entity is (`consumed namespace`, `REST operation`…).
    pub kind: &'static str,
    /// How the spec names it (`my-api`, `api.getitem`).
    pub name: String,
    pub pos: Pos,
    /// The name the rename table gives it instead, when it does.
    pub renamed: Option<String>,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} `{}` at {}", self.kind, self.name, self.pos)?;
        match &self.renamed {
            Some(to) => write!(f, ", renamed `{to}`"),
            None => Ok(()),
        }
    }
}

/// Who holds an identifier in a scope.
enum Holder {
    Spec(Origin),
    /// The generated code's own item (an import, a fixed field or method, a local variable).
    Generated,
}

/// One Rust scope: the identifiers declared in it, by whom.
pub(super) struct Scope {
    /// What the scope is, for messages: `the fields of `Clients``.
    what: String,
    taken: BTreeMap<String, Holder>,
}

impl Scope {
    pub fn new(what: impl Into<String>) -> Self {
        Scope {
            what: what.into(),
            taken: BTreeMap::new(),
        }
    }

    /// A scope where the generated code already declares `generated`.
    pub fn with_generated(what: impl Into<String>, generated: &[&str]) -> Self {
        let mut scope = Scope::new(what);
        for g in generated {
            scope.taken.insert((*g).to_owned(), Holder::Generated);
        }
        scope
    }
}

/// Reports clashes, each pair of places in the spec once: two names that clash usually clash in several scopes (the
/// `Clients` field, the client type and the constants of a consumed namespace; a parameter's field and the local
/// variables of the inputs an exposure adds for it).
pub(super) struct Clashes<'d> {
    d: &'d mut Diagnostics,
    reported: BTreeSet<(Pos, Pos)>,
}

impl<'d> Clashes<'d> {
    pub fn new(d: &'d mut Diagnostics) -> Self {
        Clashes {
            d,
            reported: BTreeSet::new(),
        }
    }

    pub fn diagnostics(&mut self) -> &mut Diagnostics {
        self.d
    }

    /// Declares `ident`, from `origin`, in `scope`; reports a clash when the scope already holds it.
    pub fn claim(&mut self, scope: &mut Scope, ident: &str, origin: &Origin) {
        let Some(holder) = scope.taken.get(ident) else {
            scope
                .taken
                .insert(ident.to_owned(), Holder::Spec(origin.clone()));
            return;
        };
        let key = match holder {
            Holder::Spec(first) => (first.pos, origin.pos),
            Holder::Generated => (Pos::UNKNOWN, origin.pos),
        };
        if !self.reported.insert(key) {
            return;
        }
        let what = &scope.what;
        match holder {
            Holder::Spec(first) => self.d.error_noting(
                Code::IdentClash,
                origin.pos,
                format!(
                    "`{ident}` (from {origin}) clashes with `{ident}` (from {first}) among {what}; rename one"
                ),
                vec![Note {
                    pos: first.pos,
                    message: format!("`{ident}` comes from {} `{}` here", first.kind, first.name),
                }],
            ),
            Holder::Generated => self.d.error(
                Code::IdentClash,
                origin.pos,
                format!(
                    "`{ident}` (from {origin}) clashes with `{ident}`, which the generated code uses among {what}; rename it"
                ),
            ),
        }
    }
}
