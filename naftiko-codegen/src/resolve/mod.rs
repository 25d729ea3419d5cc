//! Stage 2 — resolve: the serde model → the IR. Every reference (`call`, `with`, `{{VAR}}`, path placeholders) is
//! looked up here; every problem found is reported and resolution goes on, so one run reports them all.
//!
//! One module per part of the spec: `binds` (bound values), `consumes` and `operation` (consumed APIs and their
//! operations), `exposes` (what every exposure shares), `rest` and `mcp` (the two exposure types), `call` (an
//! exposure's call of a consumed operation, its `with:` bindings), `repair` (the dialect repair of `with:`),
//! `templates` (paths and base URIs), `outputs`, `fields` (reading any object's fields), and `ikanos` (the version
//! key, and the keys only Ikanos documents have).

mod binds;
mod call;
mod consumes;
mod exposes;
mod fields;
mod ikanos;
mod mcp;
mod operation;
mod outputs;
mod repair;
mod rest;
mod templates;

use std::collections::BTreeMap;

use self::fields::{items, report_extra, req, text, unsupported, warn_extra};
use crate::diagnostic::{Code, Diagnostics, Pos};
use crate::ir::{BoundKey, Capability, ConsumedApi};
use crate::parse::model::{self, SpecObject};

/// Resolves a parsed document. Returns the IR when the document was complete enough to build one; the IR of a
/// document with errors is only fit for further checking, never for emitting.
pub fn resolve(doc: &model::Document, d: &mut Diagnostics) -> Option<Capability> {
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
    if let Some(f) = &doc.consumes {
        d.unsupported(
            f.key_pos,
            "file-scope `consumes` (declare them under `capability.consumes`)",
        );
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
            if let Some(first) = seen_ns.get(&api.namespace) {
                self.d.error(
                    Code::DuplicateName,
                    model::pos_of(c),
                    format!(
                        "consumed namespace `{}` is declared twice (first at {first})",
                        api.namespace
                    ),
                );
                continue;
            }
            seen_ns.insert(api.namespace.clone(), model::pos_of(c));
            apis.push(api);
        }
        apis
    }
}
