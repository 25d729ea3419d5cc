//! Stage 3 — naming: every Rust identifier the emitters write for a spec entity is decided here, once, and stored
//! in the IR; each is claimed in the Rust scope it is declared in, next to the identifiers the generated code
//! declares itself, so that every clash is found in one place and reported with both of its sources.
//!
//! An entity's identifiers derive from one name — its spec name, or the `TO` of its rename ([`Renames`]) — by the
//! case conversions of [`crate::names`]: the consumed API `shop` gives `ShopClient`, the `Clients` field `shop` and
//! the constants `SHOP_…`. One module per generated module: `client`, `rest`, `mcp`; `scope` holds the scopes and
//! the clash diagnostic, [`renames`] the rename table.

mod client;
mod mcp;
pub mod renames;
mod rest;
mod scope;

use self::renames::is_rename_target;
pub use self::renames::{Rename, Renames};
use self::scope::{Clashes, Origin, Scope};
use crate::diagnostic::{Code, Diagnostics, Pos};
use crate::ir::{Capability, ExposedInput, Operation};
use crate::names;

/// Decides every Rust identifier of `cap`, applying `renames`, and reports clashes, renames that name nothing and
/// renames to something that is not a name.
pub fn name(cap: &mut Capability, renames: &Renames, d: &mut Diagnostics) {
    let mut n = Namer::new(renames, d);
    client::name(&mut n, cap);
    rest::name(&mut n, cap);
    mcp::name(&mut n, cap);
    n.report_unmatched();
}

/// An entity's name for Rust: what its identifiers derive from, and where it comes from.
struct Named {
    base: String,
    origin: Origin,
}

/// The naming pass's state: the rename table, which of its renames matched, and the clash reports.
struct Namer<'a> {
    renames: &'a Renames,
    /// Per rename: whether a key of the spec matched it.
    matched: Vec<bool>,
    /// Every key the spec offers, for suggestions.
    keys: Vec<String>,
    clashes: Clashes<'a>,
}

impl<'a> Namer<'a> {
    fn new(renames: &'a Renames, d: &'a mut Diagnostics) -> Self {
        let mut clashes = Clashes::new(d);
        for r in renames.iter().filter(|r| !is_rename_target(&r.to)) {
            clashes.diagnostics().error(
                Code::Rename,
                Pos::UNKNOWN,
                format!(
                    "rename `{} = {}` ({}): `{}` is not a name (`^[A-Za-z][A-Za-z0-9_-]*$`)",
                    r.from, r.to, r.origin, r.to
                ),
            );
        }
        Namer {
            renames,
            matched: vec![false; renames.len()],
            keys: Vec::new(),
            clashes,
        }
    }

    /// The entity with rename key `key`, written at `pos`, a `kind` (`consumed operation`…): its identifiers derive
    /// from its rename's `TO` when there is a valid one, and from `spec_base` otherwise.
    fn entity(&mut self, kind: &'static str, key: String, pos: Pos, spec_base: &str) -> Named {
        let rename = self.renames.position(&key).and_then(|i| {
            self.matched[i] = true;
            self.renames.get(i).filter(|r| is_rename_target(&r.to))
        });
        let base = rename.map_or(spec_base, |r| r.to.as_str()).to_owned();
        let renamed = rename.map(|r| r.to.clone());
        self.keys.push(key.clone());
        Named {
            base,
            origin: Origin {
                kind,
                name: key,
                pos,
                renamed,
            },
        }
    }

    /// Declares `ident` in `scope`; a clash is reported.
    fn claim(&mut self, scope: &mut Scope, ident: &str, origin: &Origin) {
        self.clashes.claim(scope, ident, origin);
    }

    /// An input of the REST operation or MCP tool `owner` (`ns.name`), which calls `op`: its field and local
    /// variable, the local claimed in `locals`. An input the exposure adds for an unmapped parameter is named like
    /// that parameter (renamed with it), unless it is renamed itself.
    fn input(
        &mut self,
        owner: &str,
        op: &Operation,
        i: &mut ExposedInput,
        locals: &mut Scope,
    ) -> Origin {
        let param = op.params().find(|p| i.for_param && p.name == i.name);
        let spec_base = param.map_or(i.name.as_str(), |p| p.ident.as_str());
        let key = format!("{owner}.{}", i.name);
        let Named { base, origin } = self.entity("input", key, i.pos, spec_base);
        i.ident = names::field_ident(&base);
        // `in_2fa` for `_2fa`, `in_type` for `type_`: one underscore, or rustc warns the name is not snake case.
        i.local = format!("in_{}", i.ident.trim_matches('_'));
        self.claim(locals, &i.local, &origin);
        origin
    }

    /// Reports every rename whose key matched nothing.
    fn report_unmatched(self) {
        let Namer {
            renames,
            matched,
            keys,
            mut clashes,
        } = self;
        for (r, _) in renames.iter().zip(matched).filter(|(_, m)| !m) {
            let near = names::closest(&r.from, keys.iter().map(String::as_str))
                .map(|k| format!("; did you mean `{k}`?"))
                .unwrap_or_default();
            clashes.diagnostics().error(
                Code::Rename,
                Pos::UNKNOWN,
                format!(
                    "rename `{} = {}` ({}): `{}` names nothing in the spec (keys: a namespace, `namespace.operation`, `namespace.operation.parameter`, `{{{{VAR}}}}`){near}",
                    r.from, r.to, r.origin, r.from
                ),
            );
        }
    }
}
