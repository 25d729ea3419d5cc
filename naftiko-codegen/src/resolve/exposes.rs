//! What every exposure (`capability.exposes[]`) shares: its type, its namespace, the fields no exposure implements
//! yet, and `call:` lookups of consumed operations.

use std::collections::BTreeMap;

use super::Resolver;
use super::fields::{not_here, report_extra, req};

use crate::diagnostic::{Code, Diagnostics, Pos};
use crate::ir::{Auth, ConsumedApi, KeyPlacement, McpAdapter, OpRef, RestAdapter};
use crate::names;
use crate::parse::model::{self, Field};

impl Resolver<'_> {
    /// One exposure, added to `rest` or `mcp` by its type.
    pub(super) fn exposure(
        &mut self,
        e: &model::Exposure,
        at: Pos,
        apis: &[ConsumedApi],
        rest: &mut Vec<RestAdapter>,
        mcp: &mut Vec<McpAdapter>,
    ) {
        report_extra(e, self.d);
        if self.ikanos_exposure(e) {
            return;
        }
        let Some(t) = req(&e.r#type, "type", "exposure", at, self.d) else {
            return;
        };
        match t.value.as_str() {
            "rest" => rest.extend(self.rest(e, at, apis)),
            "mcp" => mcp.extend(self.mcp(e, at, apis)),
            "skill" | "control" => self
                .d
                .unsupported(t.pos, format!("`{}` exposures", t.value)),
            other => self.d.error(
                Code::InvalidValue,
                t.pos,
                format!("exposure type `{other}` is not one of rest, mcp, skill, control"),
            ),
        }
    }

    /// The fields every exposure type reads alike; returns the namespace. (`address` is read by [`address`].)
    pub(super) fn exposure_common<'e>(
        &mut self,
        e: &'e model::Exposure,
        at: Pos,
        what: &str,
    ) -> Option<&'e Field<String>> {
        not_here(&e.skills, "skills", what, self.d);
        not_here(&e.management, "management", what, self.d);
        not_here(&e.observability, "observability", what, self.d);
        let ns = req(&e.namespace, "namespace", what, at, self.d)?;
        self.check_namespace(ns);
        Some(ns)
    }

    /// What the callers of an exposure must send (`authentication`): a bearer token, HTTP Basic credentials or API
    /// key headers, read like a consumed API's. An API key in the query is not supported yet: the adapter's routes
    /// would read it as one of their own parameters.
    pub(super) fn inbound_auth(&mut self, e: &model::Exposure) -> Auth {
        let Some(a) = &e.authentication else {
            return Auth::None;
        };
        let auth = self.auth(&a.value, a.pos);
        if let Auth::ApiKey { keys } = &auth
            && let Some(k) = keys.iter().find(|k| k.placement == KeyPlacement::Query)
        {
            self.d.unsupported(
                k.value.pos,
                format!(
                    "an exposure's API key in the query (`{}`; a header is implemented)",
                    k.name
                ),
            );
            return Auth::None;
        }
        auth
    }

    /// The consumed operation an exposed operation or tool calls. `orchestrated` says whether it has `steps` or
    /// `ref` instead (reported as not supported by the caller), so that a missing `call` is not reported too.
    pub(super) fn called_operation(
        &mut self,
        call: &Option<Field<String>>,
        orchestrated: bool,
        at: Pos,
        what: &str,
        apis: &[ConsumedApi],
    ) -> Option<OpRef> {
        match call {
            Some(c) => self.lookup_call(c, apis),
            None if !orchestrated => {
                self.d.error(
                    Code::MissingField,
                    at,
                    format!("missing required field `call` in {what}"),
                );
                None
            }
            None => None,
        }
    }

    /// Per consumed API, operation name → index, built on first use: `call:` lookups stay O(log n).
    fn op_index(&mut self, apis: &[ConsumedApi], api: usize) -> &BTreeMap<String, usize> {
        if self.op_indexes.len() != apis.len() {
            self.op_indexes = apis
                .iter()
                .map(|a| {
                    a.operations
                        .iter()
                        .enumerate()
                        .map(|(i, o)| (o.name.clone(), i))
                        .collect()
                })
                .collect();
        }
        &self.op_indexes[api]
    }

    fn lookup_call(&mut self, call: &Field<String>, apis: &[ConsumedApi]) -> Option<OpRef> {
        let Some((ns, op)) = call.value.split_once('.') else {
            self.d.error(
                Code::UnknownCall,
                call.pos,
                format!("`call: {}` must be `namespace.operation`", call.value),
            );
            return None;
        };
        let Some(api) = apis.iter().position(|a| a.namespace == ns) else {
            let known: Vec<&str> = apis.iter().map(|a| a.namespace.as_str()).collect();
            self.d.error(
                Code::UnknownCall,
                call.pos,
                format!(
                    "`call: {}` names an unknown namespace `{ns}` (consumed: {})",
                    call.value,
                    if known.is_empty() {
                        "none".into()
                    } else {
                        known.join(", ")
                    }
                ),
            );
            return None;
        };
        let Some(opi) = self.op_index(apis, api).get(op).copied() else {
            let near = names::closest(op, apis[api].operations.iter().map(|o| o.name.as_str()))
                .map(|n| format!("; did you mean `{ns}.{n}`?"))
                .unwrap_or_default();
            self.d.error(
                Code::UnknownCall,
                call.pos,
                format!(
                    "`call: {}` names an unknown operation `{op}` of `{ns}`{near}",
                    call.value
                ),
            );
            return None;
        };
        Some(OpRef { api, op: opi })
    }
}

/// An exposure's `address`: the host name or IP address it is meant to listen on.
pub(super) fn address(a: &Option<Field<String>>, d: &mut Diagnostics) -> Option<String> {
    let a = a.as_ref()?;
    let value = a.value.trim();
    if value.is_empty() || value.contains(|c: char| c.is_whitespace() || c == '/') {
        d.error(
            Code::InvalidValue,
            a.pos,
            format!("address `{}` is not a host name or an IP address", a.value),
        );
        return None;
    }
    Some(value.to_owned())
}
