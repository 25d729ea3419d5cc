//! Stage 2 — resolve: the serde model → the IR. Every reference (`call`, `with`, `{{VAR}}`, path placeholders) is
//! looked up here; every problem found is reported and resolution goes on, so one run reports them all.
//!
//! One module per part of the spec: `binds` (bound values), `consumes` and `operation` (consumed APIs and their
//! operations), `exposes` (what every exposure shares), `rest` and `mcp` (the two exposure types), `call` (an
//! exposure's call of a consumed operation, its `with:` bindings), `repair` (the dialect repair of `with:`),
//! `templates` (paths and base URIs), `outputs`, `imports` (consumed APIs imported from other files), `fixed` (a
//! consumed API's fixed parameters), `fields` (reading any object's fields), and `ikanos` (the version key, and the
//! keys only Ikanos documents have).

mod binds;
mod body;
mod call;
mod consumes;
mod exposes;
mod fields;
mod fixed;
mod ikanos;
mod imports;
mod mcp;
mod operation;
mod outputs;
mod repair;
mod rest;
mod templates;

use std::collections::BTreeMap;
use std::path::Path;

use self::fields::{items, report_extra, req, text, unsupported, warn_extra};
use crate::diagnostic::{Code, Diagnostics, Pos};
use crate::ir::{BoundKey, Capability, ConsumedApi};
use crate::parse::model::{self, SpecObject};

/// Resolves a parsed document, the spec at `spec` (its imports are read relative to its folder; an empty path: the
/// working directory). Returns the IR when the document was complete enough to build one; the IR of a document with
/// errors is only fit for further checking, never for emitting.
pub fn resolve(doc: &model::Document, spec: &Path, d: &mut Diagnostics) -> Option<Capability> {
    let root = Pos::new(1, 1);
    report_extra(doc, d);
    let format = ikanos::version(doc, d);
    // `info` only describes: it may be left out, and a field it does not have is a warning.
    let (label, description) = match &doc.info {
        Some(info) => {
            warn_extra(&info.value, d);
            let label = ikanos::label(&info.value.label, &info.value.display);
            let label = req(label, format.label_key(), "info", info.pos, d)
                .map(|f| fields::clean_text(&f.value));
            (label, text(&info.value.description))
        }
        None => (None, None),
    };
    match (&doc.consumes, &doc.capability) {
        (Some(f), Some(_)) => d.unsupported(
            f.key_pos,
            "file-scope `consumes` beside a `capability` (declare them under `capability.consumes`)",
        ),
        (Some(f), None) => {
            d.error(
                Code::MissingField,
                f.key_pos,
                "this document only declares consumed APIs (root-level `consumes`), for capabilities to import \
                 (`location`/`import`): it has no `capability` to compile",
            );
            return None;
        }
        _ => {}
    }
    let cap = req(
        &doc.capability,
        "capability",
        model::Document::WHAT,
        root,
        d,
    )?;
    let mut r = Resolver {
        d,
        binds: Vec::new(),
        op_indexes: Vec::new(),
        imports: imports::Imports::new(spec),
    };
    // Bindings at the document's root (the format's file-wide ones) come first, then the capability's.
    for b in items(&doc.binds) {
        r.binding(&b.value, model::pos_of(b));
    }
    let cap = r.capability(&cap.value, cap.pos);
    Some(Capability {
        // Without `info`, the capability is called after what it consumes or exposes first.
        label: label.unwrap_or_else(|| {
            cap.apis
                .first()
                .map(|a| a.namespace.clone())
                .or_else(|| cap.rest.first().map(|r| r.namespace.clone()))
                .or_else(|| cap.mcp.first().map(|m| m.namespace.clone()))
                .unwrap_or_else(|| "capability".to_owned())
        }),
        description,
        ..cap
    })
}

/// The resolver's state: the diagnostics sink, and what later parts of the spec look up.
struct Resolver<'d> {
    d: &'d mut Diagnostics,
    /// The bound variables, declared before anything that names them is resolved.
    binds: Vec<BoundKey>,
    /// Per consumed API, operation name → index, for `call:` lookups.
    op_indexes: Vec<BTreeMap<String, usize>>,
    /// The documents consumed APIs are imported from.
    imports: imports::Imports,
}

impl Resolver<'_> {
    fn capability(&mut self, cap: &model::Capability, at: Pos) -> Capability {
        report_extra(cap, self.d);
        unsupported(&cap.aggregates, "`aggregates` (domain functions)", self.d);
        for b in items(&cap.binds) {
            self.binding(&b.value, model::pos_of(b));
        }
        if cap.consumes.is_none() && cap.exposes.is_none() {
            self.d.error(
                Code::MissingField,
                at,
                "capability needs `consumes`, `exposes`, or both",
            );
        }
        let apis = self.consumed_apis(cap);
        let mut rest = Vec::new();
        let mut mcp = Vec::new();
        for e in items(&cap.exposes) {
            self.exposure(&e.value, model::pos_of(e), &apis, &mut rest, &mut mcp);
        }
        Capability {
            label: String::new(),
            description: None,
            apis,
            binds: std::mem::take(&mut self.binds),
            rest,
            mcp,
            models: Vec::new(),
        }
    }

    /// The consumed APIs, each namespace once.
    fn consumed_apis(&mut self, cap: &model::Capability) -> Vec<ConsumedApi> {
        let mut apis: Vec<ConsumedApi> = Vec::new();
        let mut seen_ns: BTreeMap<String, Pos> = BTreeMap::new();
        for c in items(&cap.consumes) {
            let Some(api) = self.consumes(&c.value, model::pos_of(c)) else {
                continue;
            };
            // An imported API is named where its `as` (or `import`) is written.
            let (pos, hint) = match c.value.location.is_some() || c.value.import.is_some() {
                true => (api.namespace_pos, "; `as` imports it under another name"),
                false => (model::pos_of(c), ""),
            };
            if let Some(first) = seen_ns.get(&api.namespace) {
                self.d.error(
                    Code::DuplicateName,
                    pos,
                    format!(
                        "consumed namespace `{}` is declared twice (first at {first}){hint}",
                        api.namespace
                    ),
                );
                continue;
            }
            seen_ns.insert(api.namespace.clone(), pos);
            apis.push(api);
        }
        apis
    }
}
