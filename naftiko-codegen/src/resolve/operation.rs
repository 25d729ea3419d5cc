//! Consumed operations: method, path, header and query parameters (path ones declared, or inferred from the path),
//! output.

use std::collections::BTreeMap;

use super::Resolver;
use super::binds::{Reference, bound_var};
use super::fields::{items, method, param_type, report_extra, req, text, unsupported};
use super::outputs::output_mapping;
use crate::diagnostic::{Code, Pos};
use crate::ir::{ArgSource, Operation, OutputMapping, Param, ParamType, PathTemplate};
use crate::names;
use crate::parse::model::{self, Field};

/// Headers the HTTP client writes from the request itself, which a parameter cannot set.
const TRANSPORT_HEADERS: &[&str] = &["Host", "Content-Length", "Transfer-Encoding", "Connection"];

/// The parameters an operation declares (`inputParameters`).
#[derive(Default)]
struct Declared {
    /// `in: path`, by name; ordered by the path later.
    path: BTreeMap<String, Param>,
    /// `in: query`, in declaration order.
    query: Vec<Param>,
    /// `in: header`, in declaration order.
    header: Vec<Param>,
    /// Where each `in: body` parameter is declared.
    body: Vec<Pos>,
    /// Every declared name, where it is declared.
    seen: BTreeMap<String, Pos>,
}

impl Resolver<'_> {
    /// A consumed operation of the API `ns`, on the resource path `path` (absent when the resource has none).
    pub(super) fn operation(
        &mut self,
        o: &model::ConsumedOperation,
        at: Pos,
        ns: &str,
        path: Option<&PathTemplate>,
    ) -> Option<Operation> {
        report_extra(o, self.d);
        self.ikanos_consumed_operation(o);
        let name = req(&o.name, "name", "consumed operation", at, self.d);
        let method = method(&o.method, self.d);
        self.consumed_output(o);
        let mut declared = Declared::default();
        for p in items(&o.input_parameters) {
            self.declared_param(&p.value, model::pos_of(p), path, &mut declared);
        }
        let op_name = name.map(|n| n.value.as_str()).unwrap_or_default();
        let inferred_at = name.map(|n| n.pos).unwrap_or(at);
        let path_params = match path {
            Some(path) => {
                self.path_params(path, &mut declared, &format!("{ns}.{op_name}"), inferred_at)
            }
            None => Vec::new(),
        };
        if let Some(&at) = declared.body.get(1) {
            self.d.error(
                Code::DuplicateName,
                at,
                format!(
                    "a second `in: body` parameter (the first at {}): an operation sends one body",
                    declared.body[0]
                ),
            );
        }
        if let Some(&at) = declared.body.first() {
            match method {
                Some(m) if !m.has_body() => self.d.error(
                    Code::InvalidValue,
                    at,
                    format!(
                        "an `in: body` parameter of a {} request, which sends no body (POST, PUT and PATCH do)",
                        m.as_str()
                    ),
                ),
                _ if o.body.is_some() => self.d.error(
                    Code::InvalidValue,
                    at,
                    "an `in: body` parameter of an operation whose `body` template writes the body",
                ),
                _ => {}
            }
        }
        let template = o
            .body
            .as_ref()
            .and_then(|b| self.body_template(b, method, &format!("{ns}.{op_name}")));
        let name = name?;
        if !names::is_kebab_ident(&name.value) {
            self.d.error(
                Code::InvalidValue,
                name.pos,
                format!(
                    "operation name `{}` must match `^[a-zA-Z0-9-]+$`",
                    name.value
                ),
            );
        }
        let method = method?;
        Some(Operation {
            ident: String::new(),
            raw_ident: String::new(),
            query_type: None,
            name: name.value.clone(),
            description: text(&o.description),
            method,
            path: path?.clone(),
            path_params,
            query_params: declared.query,
            header_params: declared.header,
            body: method.has_body() && o.body.is_none(),
            body_params: template.as_ref().map(|t| t.1.clone()).unwrap_or_default(),
            template: template.map(|t| t.0),
            output: OutputMapping::Whole,
            pos: at,
            typing: None,
        })
    }

    /// What the operation says of its output: JSON, the whole response.
    fn consumed_output(&mut self, o: &model::ConsumedOperation) {
        if let Some(f) = &o.output_raw_format
            && f.value != "json"
        {
            self.d.unsupported(
                f.pos,
                format!(
                    "`outputRawFormat: {}` (only `json` is implemented)",
                    f.value
                ),
            );
        }
        unsupported(&o.output_schema, "`outputSchema`", self.d);
        let outs = items(&o.output_parameters);
        if outs.len() > 1 {
            self.d.unsupported(
                model::pos_of(&outs[1]),
                "several consumed output parameters (one `value: $.` is implemented)",
            );
        }
        let what = "consumed output parameter";
        for p in outs {
            let p_pos = model::pos_of(p);
            report_extra(&p.value, self.d);
            req(&p.value.name, "name", what, p_pos, self.d);
            req(&p.value.r#type, "type", what, p_pos, self.d);
            output_mapping(req(&p.value.value, "value", what, p_pos, self.d), self.d);
        }
    }

    /// A consumed parameter's `value`: where its value comes from when a call does not map it. `{{name}}` (also
    /// `{{tools.name}}`, `{{rest.name}}`) is the caller's input `name`; `{{VAR}}` a bound value (declared in `binds`,
    /// or `{{env.VAR}}`); any other scalar a literal.
    fn param_value(&mut self, v: &model::Field<model::Any>) -> Option<ArgSource> {
        let model::Any::Scalar(s) = &v.value else {
            self.d.error(
                Code::InvalidValue,
                v.pos,
                "a parameter's `value` is a string, a number or a boolean",
            );
            return None;
        };
        let text = s.as_text()?;
        let Some(inner) = bound_var(text) else {
            if text.contains("{{") {
                self.d.unsupported(
                    v.pos,
                    "`{{…}}` within a longer parameter `value` (it is `{{name}}` or a literal)",
                );
                return None;
            }
            return Some(ArgSource::Literal(text.to_owned()));
        };
        match self.reference(inner) {
            Reference::Bound => Some(ArgSource::Bound(self.bound_ref(inner, v.pos))),
            Reference::Input(name) => Some(ArgSource::Input(name.to_owned())),
        }
    }

    /// One declared parameter, added to `declared` unless it is invalid or repeated.
    fn declared_param(
        &mut self,
        p: &model::ConsumedInputParameter,
        p_pos: Pos,
        path: Option<&PathTemplate>,
        declared: &mut Declared,
    ) {
        report_extra(p, self.d);
        let what = "consumed input parameter";
        let pname = req(&p.name, "name", what, p_pos, self.d);
        let loc = req(&p.r#in, "in", what, p_pos, self.d);
        let ty = param_type(&p.r#type, self.d);
        let value = p.value.as_ref().and_then(|v| self.param_value(v));
        let (Some(pname), Some(loc), Some(ty)) = (pname, loc, ty) else {
            return;
        };
        if !names::is_param_name(&pname.value) {
            self.d.error(
                Code::InvalidValue,
                pname.pos,
                format!(
                    "parameter name `{}` must match `^[a-zA-Z0-9-_*]+$`",
                    pname.value
                ),
            );
            return;
        }
        if let Some(first) = declared.seen.insert(pname.value.clone(), pname.pos) {
            self.d.error(
                Code::DuplicateName,
                pname.pos,
                format!(
                    "parameter `{}` is declared twice (first at {first})",
                    pname.value
                ),
            );
            return;
        }
        let param = |required: bool| Param {
            ident: String::new(),
            name: pname.value.clone(),
            ty,
            description: text(&p.description),
            required,
            declared: true,
            pos: pname.pos,
            schema: None,
            value: value.clone(),
        };
        let required = p.required.as_ref().is_some_and(|r| r.value);
        match loc.value.as_str() {
            "query" => declared.query.push(param(required)),
            "path" => {
                if self.valid_path_param(p, p_pos, pname, ty, path) {
                    declared.path.insert(pname.value.clone(), param(true));
                }
            }
            "header" => {
                if self.valid_header_param(p, p_pos, pname, ty) {
                    declared.header.push(param(required));
                }
            }
            // The caller's JSON body, which POST, PUT and PATCH forward (see `operation`): as the spec generator
            // writes it, one parameter that names and describes it.
            "body" => declared.body.push(loc.pos),
            "cookie" | "environment" => {
                self.d
                    .unsupported(loc.pos, format!("`in: {}` parameters", loc.value));
            }
            other => self.d.error(
                Code::InvalidValue,
                loc.pos,
                format!(
                    "`in: {other}` is not one of query, path, header, cookie, body, environment"
                ),
            ),
        }
    }

    /// Whether a declared `in: header` parameter can be one: named as a header, and one piece of text (not an
    /// object or an array).
    fn valid_header_param(
        &mut self,
        p: &model::ConsumedInputParameter,
        p_pos: Pos,
        pname: &Field<String>,
        ty: ParamType,
    ) -> bool {
        if !names::is_header_name(&pname.value) {
            self.d.error(
                Code::InvalidValue,
                pname.pos,
                format!(
                    "header parameter `{}` is not a valid header name (letters, digits and !#$%&'*+-.^_`|~)",
                    pname.value
                ),
            );
            return false;
        }
        if TRANSPORT_HEADERS
            .iter()
            .any(|h| h.eq_ignore_ascii_case(&pname.value))
        {
            self.d.error(
                Code::InvalidValue,
                pname.pos,
                format!(
                    "header parameter `{}` cannot be sent: the HTTP client sets that header itself",
                    pname.value
                ),
            );
            return false;
        }
        self.scalar_param(p, p_pos, pname, ty, "header")
    }

    /// Whether a parameter sent as text (`what`: a path or header parameter) has a type that is one piece of text,
    /// reporting an object or an array.
    fn scalar_param(
        &mut self,
        p: &model::ConsumedInputParameter,
        p_pos: Pos,
        pname: &Field<String>,
        ty: ParamType,
        what: &str,
    ) -> bool {
        if ty.is_scalar() {
            return true;
        }
        self.d.error(
            Code::InvalidValue,
            p.r#type.as_ref().map(|t| t.pos).unwrap_or(p_pos),
            format!(
                "{what} parameter `{}` cannot be {} {}",
                pname.value,
                ty.article(),
                ty.as_str()
            ),
        );
        false
    }

    /// Whether a declared `in: path` parameter can be one: not an object or an array, not optional, and in the
    /// path.
    fn valid_path_param(
        &mut self,
        p: &model::ConsumedInputParameter,
        p_pos: Pos,
        pname: &Field<String>,
        ty: ParamType,
        path: Option<&PathTemplate>,
    ) -> bool {
        if !self.scalar_param(p, p_pos, pname, ty, "path") {
            return false;
        }
        if let Some(r) = &p.required
            && !r.value
        {
            self.d.error(
                Code::InvalidValue,
                r.pos,
                format!("path parameter `{}` is always required", pname.value),
            );
        }
        if let Some(t) = path.filter(|t| !t.params().any(|n| n == pname.value)) {
            // Names are case-sensitive: `{imo_number}` is not `IMO_Number`.
            let other_case = t
                .params()
                .find(|n| n.eq_ignore_ascii_case(&pname.value))
                .map(|n| {
                    format!(
                        ": the path has `{{{n}}}`, which differs in case (names are case-sensitive)"
                    )
                })
                .unwrap_or_default();
            self.d.error(
                Code::InvalidValue,
                pname.pos,
                format!(
                    "path parameter `{}` does not appear in the path `{}`{other_case}",
                    pname.value, t.template
                ),
            );
            return false;
        }
        true
    }

    /// The path parameters in path order: the declared ones, and a required string for each placeholder that is not
    /// declared (with a warning). `called` names the operation (`ns.op`) in that warning.
    fn path_params(
        &mut self,
        path: &PathTemplate,
        declared: &mut Declared,
        called: &str,
        inferred_at: Pos,
    ) -> Vec<Param> {
        let mut params = Vec::new();
        for n in path.params() {
            if let Some(p) = declared.path.remove(n) {
                params.push(p);
                continue;
            }
            let elsewhere = [("query", &declared.query), ("header", &declared.header)]
                .into_iter()
                .find(|(_, params)| params.iter().any(|q| q.name == n));
            if let Some((loc, _)) = elsewhere {
                self.d.error(
                    Code::InvalidValue,
                    declared.seen.get(n).copied().unwrap_or(inferred_at),
                    format!(
                        "`{n}` is a placeholder of the path `{}` but is declared `in: {loc}`",
                        path.template
                    ),
                );
                continue;
            }
            self.d.warning(
                Code::InferredPathParam,
                inferred_at,
                format!(
                    "path parameter `{n}` of `{called}` is not declared; read as a required string (path `{}`)",
                    path.template
                ),
            );
            params.push(Param {
                ident: String::new(),
                name: n.to_owned(),
                ty: ParamType::String,
                description: None,
                required: true,
                declared: false,
                pos: inferred_at,
                schema: None,
                value: None,
            });
        }
        params
    }
}
