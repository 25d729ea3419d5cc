//! Stage 2 — resolve: the serde model → the IR. Every reference (`call`, `with`, `{{VAR}}`, path placeholders) is
//! looked up here; every problem found is reported and resolution goes on, so one run reports them all.

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostic::{Code, Diagnostics, Pos};
use crate::ir::*;
use crate::names;
use crate::parse::model::{self, Entries, ExtraKey, Field, List, Scalar, SpecObject};

/// The only version of the format this compiler reads.
pub const FORMAT_VERSION: &str = "1.0.0-alpha2";

/// Resolves a parsed document. Returns the IR when the document was complete enough to build one; the IR of a
/// document with errors is only fit for further checking, never for emitting.
pub fn resolve(doc: &model::Document, d: &mut Diagnostics) -> Option<Capability> {
    let root = Pos::new(1, 1);
    report_extra(doc, d);
    match req(&doc.naftiko, "naftiko", model::Document::WHAT, root, d) {
        Some(v) if v.value != FORMAT_VERSION => d.error(
            Code::Version,
            v.pos,
            format!(
                "unsupported format version `{}`: this compiler reads `naftiko: {FORMAT_VERSION}`",
                v.value
            ),
        ),
        _ => {}
    }
    let (label, description) = match req(&doc.info, "info", model::Document::WHAT, root, d) {
        Some(info) => {
            report_extra(&info.value, d);
            let label =
                req(&info.value.label, "label", "info", info.pos, d).map(|f| clean_text(&f.value));
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
    if let Some(f) = &doc.binds {
        d.unsupported(
            f.key_pos,
            "file-scope `binds` (declare them under `capability.binds`)",
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
    let cap = r.capability(&cap.value, cap.pos)?;
    Some(Capability {
        label: label.unwrap_or_default(),
        description,
        ..cap
    })
}

struct Resolver<'d> {
    d: &'d mut Diagnostics,
    binds: Vec<BoundKey>,
    /// Per consumed API, operation name → index: `call:` lookups stay O(log n).
    op_indexes: Vec<BTreeMap<String, usize>>,
}

/// Reports unknown and repeated keys of an object. Repeated keys that a dialect repair consumes are filtered out by
/// the caller before this runs (see [`Resolver::with_entries`]).
fn report_extra<T: SpecObject>(obj: &T, d: &mut Diagnostics) {
    report_extra_keys(obj, obj.extra().iter(), d);
}

fn report_extra_keys<'a, T: SpecObject>(
    obj: &T,
    extra: impl Iterator<Item = &'a ExtraKey>,
    d: &mut Diagnostics,
) {
    for e in extra {
        if e.duplicate {
            let first = obj
                .key_pos(&e.name)
                .map(|p| format!(" (first given at {p})"))
                .unwrap_or_default();
            d.error(
                Code::DuplicateName,
                e.pos,
                format!("`{}` is given twice in this {}{first}", e.name, T::WHAT),
            );
        } else {
            d.error(
                Code::UnknownField,
                e.pos,
                format!(
                    "unknown field `{}` in {}; expected one of: {}",
                    e.name,
                    T::WHAT,
                    T::KEYS.join(", ")
                ),
            );
        }
    }
}

/// A required field: reports its absence at `at` (the position of the object that lacks it).
fn req<'a, T>(
    f: &'a Option<Field<T>>,
    key: &str,
    what: &str,
    at: Pos,
    d: &mut Diagnostics,
) -> Option<&'a Field<T>> {
    if f.is_none() {
        d.error(
            Code::MissingField,
            at,
            format!("missing required field `{key}` in {what}"),
        );
    }
    f.as_ref()
}

fn text(f: &Option<Field<String>>) -> Option<String> {
    f.as_ref()
        .map(|f| clean_text(&f.value))
        .filter(|s| !s.is_empty())
}

/// Free text (labels, descriptions) as the emitters may use it: line breaks normalised to `\n` (a lone `\r` is not
/// allowed in a Rust doc comment), other control characters dropped, surrounding white space trimmed.
fn clean_text(s: &str) -> String {
    s.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|c| *c == '\n' || *c == '\t' || !c.is_control())
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Reports a field that is part of the format but not implemented yet.
fn unsupported<T>(f: &Option<Field<T>>, feature: &str, d: &mut Diagnostics) {
    if let Some(f) = f {
        d.unsupported(f.key_pos, feature);
    }
}

/// Reports a field that the format has in general but not in this variant (`tools` on a REST exposure, say).
fn not_here<T>(f: &Option<Field<T>>, key: &str, here: &str, d: &mut Diagnostics) {
    if let Some(f) = f {
        d.error(
            Code::UnknownField,
            f.key_pos,
            format!("`{key}` is not a field of {here}"),
        );
    }
}

fn items<T>(f: &Option<Field<List<T>>>) -> &[serde_saphyr::Spanned<T>] {
    f.as_ref().map(|f| f.value.0.as_slice()).unwrap_or(&[])
}

fn port(f: &Field<u32>, d: &mut Diagnostics) -> Option<u16> {
    match u16::try_from(f.value) {
        Ok(p) if p > 0 => Some(p),
        _ => {
            d.error(
                Code::InvalidValue,
                f.pos,
                format!("port {} is out of range 1..=65535", f.value),
            );
            None
        }
    }
}

/// Splits a template at its placeholders. `open`/`close` are the placeholder delimiters (`{`/`}` for paths, where
/// `{{x}}` is accepted too; `[`/`]` for base URIs).
pub(crate) fn split_template(
    template: &str,
    open: char,
    close: char,
) -> Result<Vec<TemplatePart>, String> {
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find(open) {
        if start > 0 {
            parts.push(TemplatePart::Literal(rest[..start].to_owned()));
        }
        let after = &rest[start + open.len_utf8()..];
        let double = open == '{' && after.starts_with('{');
        let inner_start = if double { &after[1..] } else { after };
        let Some(end) = inner_start.find(close) else {
            return Err(format!("unclosed `{open}` in `{template}`"));
        };
        let name = &inner_start[..end];
        let mut tail = &inner_start[end + close.len_utf8()..];
        if double {
            match tail.strip_prefix('}') {
                Some(t) => tail = t,
                None => {
                    return Err(format!(
                        "`{{{{{name}}}` is not closed by `}}}}` in `{template}`"
                    ));
                }
            }
        }
        if !names::is_param_name(name) {
            return Err(format!(
                "placeholder `{open}{name}{close}` in `{template}` is not a parameter name (letters, digits, `_`, `-`)"
            ));
        }
        parts.push(TemplatePart::Param(name.to_owned()));
        rest = tail;
    }
    if rest.contains(close) {
        return Err(format!("unmatched `{close}` in `{template}`"));
    }
    if !rest.is_empty() {
        parts.push(TemplatePart::Literal(rest.to_owned()));
    }
    Ok(parts)
}

fn path_template(f: &Field<String>, d: &mut Diagnostics) -> Option<PathTemplate> {
    if !f.value.starts_with('/') {
        d.error(
            Code::InvalidValue,
            f.pos,
            format!("path `{}` must start with `/`", f.value),
        );
        return None;
    }
    if f.value.contains(['?', '#']) || f.value.chars().any(char::is_whitespace) {
        d.error(
            Code::InvalidValue,
            f.pos,
            format!(
                "path `{}` must not contain a query, a fragment or white space",
                f.value
            ),
        );
        return None;
    }
    match split_template(&f.value, '{', '}') {
        Ok(parts) => {
            let mut seen = BTreeSet::new();
            for p in &parts {
                if let TemplatePart::Param(n) = p
                    && !seen.insert(n.as_str())
                {
                    d.error(
                        Code::DuplicateName,
                        f.pos,
                        format!("path parameter `{n}` appears twice in `{}`", f.value),
                    );
                }
            }
            Some(PathTemplate {
                template: f.value.clone(),
                parts,
            })
        }
        Err(e) => {
            d.error(Code::InvalidValue, f.pos, e);
            None
        }
    }
}

fn method(f: &Option<Field<String>>, d: &mut Diagnostics) -> Option<Method> {
    match f {
        // The format's default.
        None => Some(Method::Get),
        Some(f) => {
            let m = Method::parse(&f.value);
            if m.is_none() {
                d.error(
                    Code::InvalidValue,
                    f.pos,
                    format!(
                        "method `{}` is not one of GET, POST, PUT, PATCH, DELETE",
                        f.value
                    ),
                );
            }
            m
        }
    }
}

fn param_type(f: &Option<Field<String>>, d: &mut Diagnostics) -> Option<ParamType> {
    match f {
        // This spec dialect's default for untyped parameters.
        None => Some(ParamType::String),
        Some(f) if f.value == "array" => {
            d.unsupported(f.pos, "parameters of type `array`");
            None
        }
        Some(f) => {
            let t = ParamType::parse(&f.value);
            if t.is_none() {
                d.error(
                    Code::InvalidValue,
                    f.pos,
                    format!(
                        "type `{}` is not one of string, integer, number, boolean, object",
                        f.value
                    ),
                );
            }
            t
        }
    }
}

/// `$.` or absent: the whole response. Anything else is a JSONPath the compiler does not evaluate yet.
fn output_mapping(mapping: Option<&Field<String>>, d: &mut Diagnostics) -> OutputMapping {
    if let Some(m) = mapping
        && m.value.trim() != "$."
        && m.value.trim() != "$"
    {
        d.unsupported(
            m.pos,
            format!(
                "output mapping `{}` (only `$.`, the whole response, is implemented)",
                m.value
            ),
        );
    }
    OutputMapping::Whole
}

fn exposed_output(
    list: &Option<Field<List<model::MappedOutputParameter>>>,
    d: &mut Diagnostics,
) -> OutputMapping {
    let outs = items(list);
    if outs.len() > 1 {
        d.unsupported(
            model::pos_of(&outs[1]),
            "several output parameters (one `{type: object, mapping: $.}` is implemented)",
        );
    }
    for o in outs {
        let o_pos = model::pos_of(o);
        let o = &o.value;
        report_extra(o, d);
        if let Some(t) = req(&o.r#type, "type", "output parameter", o_pos, d)
            && t.value != "object"
        {
            d.unsupported(
                t.pos,
                format!(
                    "output parameter of type `{}` (only `object` is implemented)",
                    t.value
                ),
            );
        }
        unsupported(&o.r#const, "output `const`", d);
        unsupported(&o.value, "output `value` (static outputs)", d);
        unsupported(&o.properties, "output `properties` (shaped outputs)", d);
        unsupported(&o.items, "output `items` (shaped outputs)", d);
        unsupported(&o.name, "named output parameters", d);
        output_mapping(o.mapping.as_ref(), d);
    }
    OutputMapping::Whole
}

fn article(t: ParamType) -> &'static str {
    match t {
        ParamType::Integer | ParamType::Object => "an",
        _ => "a",
    }
}

/// The placeholders of an exposed path, each a required string input.
fn placeholder_inputs(path: &PathTemplate, pos: Pos) -> Vec<ExposedInput> {
    path.params()
        .map(|n| ExposedInput {
            name: n.to_owned(),
            ident: names::field_ident(n),
            ty: ParamType::String,
            description: None,
            required: true,
            location: InputLocation::Path,
            pos,
        })
        .collect()
}

/// One `with:` entry as written.
struct WithEntry {
    key: String,
    key_pos: Pos,
    value: Scalar,
    value_pos: Pos,
}

/// What a `with:` value means.
enum WithValue {
    Input { name: String, pos: Pos },
    Bound { var: String },
    Literal(String),
}

/// The kind of exposure a `with:` is evaluated in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Rest,
    Mcp,
}

impl Ctx {
    fn prefix(self) -> &'static str {
        match self {
            Ctx::Rest => "rest",
            Ctx::Mcp => "tools",
        }
    }
}

impl Resolver<'_> {
    fn capability(&mut self, cap: &model::Capability, at: Pos) -> Option<Capability> {
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
        let mut apis: Vec<ConsumedApi> = Vec::new();
        let mut seen_ns: BTreeMap<String, Pos> = BTreeMap::new();
        for c in items(&cap.consumes) {
            if let Some(api) = self.consumes(&c.value, model::pos_of(c)) {
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
        }
        let mut rest = Vec::new();
        let mut mcp = Vec::new();
        for e in items(&cap.exposes) {
            self.exposure(&e.value, model::pos_of(e), &apis, &mut rest, &mut mcp);
        }
        Some(Capability {
            label: String::new(),
            description: None,
            apis,
            binds: std::mem::take(&mut self.binds),
            rest,
            mcp,
        })
    }

    fn binding(&mut self, b: &model::Binding, at: Pos) {
        report_extra(b, self.d);
        let ns = req(&b.namespace, "namespace", "binding", at, self.d);
        unsupported(
            &b.location,
            "binding `location` (external value providers; without it, values come from the environment)",
            self.d,
        );
        let Some(keys) = req(&b.keys, "keys", "binding", at, self.d) else {
            return;
        };
        for (var, key) in &keys.value.entries {
            let var_pos = model::pos_of(var);
            if !names::is_binding_var(&var.value) {
                self.d.error(
                    Code::InvalidValue,
                    var_pos,
                    format!(
                        "bound variable `{}` must be SCREAMING_SNAKE_CASE (`^[A-Z][A-Z0-9_]*$`)",
                        var.value
                    ),
                );
                continue;
            }
            let Some(k) = key.value.as_text().filter(|k| !k.is_empty()) else {
                self.d.error(
                    Code::InvalidValue,
                    model::pos_of(key),
                    format!("bound variable `{}` needs the key to read", var.value),
                );
                continue;
            };
            if self.binds.iter().any(|b| b.var == var.value) {
                self.d.error(
                    Code::DuplicateName,
                    var_pos,
                    format!("bound variable `{}` is declared twice", var.value),
                );
                continue;
            }
            self.binds.push(BoundKey {
                var: var.value.clone(),
                namespace: ns.map(|n| n.value.clone()).unwrap_or_default(),
                key: k.to_owned(),
            });
        }
    }

    /// `{{VAR}}` → `Some(VAR)`.
    fn bound_var(s: &str) -> Option<&str> {
        s.trim()
            .strip_prefix("{{")
            .and_then(|s| s.strip_suffix("}}"))
            .map(str::trim)
    }

    fn check_bound(&mut self, var: &str, pos: Pos) {
        if !self.binds.iter().any(|b| b.var == var) {
            let known: Vec<&str> = self.binds.iter().map(|b| b.var.as_str()).collect();
            self.d.error(
                Code::UnknownBinding,
                pos,
                format!(
                    "`{{{{{var}}}}}` is not bound: no `binds` entry declares `{var}` (bound: {})",
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                ),
            );
        }
    }

    fn consumes(&mut self, c: &model::ConsumesHttp, at: Pos) -> Option<ConsumedApi> {
        report_extra(c, self.d);
        if c.location.is_some() || c.import.is_some() {
            let pos = c
                .location
                .as_ref()
                .or(c.import.as_ref())
                .map(|f| f.key_pos)
                .unwrap_or(at);
            self.d
                .unsupported(pos, "imported consumes (`location`/`import`)");
            return None;
        }
        not_here(&c.r#as, "as", "an inline consumed API", self.d);
        if let Some(t) = req(&c.r#type, "type", "consumed API", at, self.d)
            && t.value != "http"
        {
            self.d
                .unsupported(t.pos, format!("consumed API of type `{}`", t.value));
        }
        unsupported(&c.input_parameters, "API-level `inputParameters`", self.d);
        let namespace = req(&c.namespace, "namespace", "consumed API", at, self.d);
        if let Some(ns) = namespace
            && !names::is_kebab_ident(&ns.value)
        {
            self.d.error(
                Code::InvalidValue,
                ns.pos,
                format!("namespace `{}` must match `^[a-zA-Z0-9-]+$`", ns.value),
            );
        }
        let base_uri = req(&c.base_uri, "baseUri", "consumed API", at, self.d).and_then(|b| {
            if !(b.value.starts_with("https://") || b.value.starts_with("http://")) {
                self.d.error(
                    Code::InvalidValue,
                    b.pos,
                    format!(
                        "baseUri `{}` must start with `https://` or `http://`",
                        b.value
                    ),
                );
                return None;
            }
            if b.value.contains(['{', '}', '?', '#']) {
                self.d.error(
                    Code::InvalidValue,
                    b.pos,
                    format!(
                        "baseUri `{}` must not contain path parameters, a query or a fragment",
                        b.value
                    ),
                );
                return None;
            }
            let template = b.value.trim_end_matches('/');
            match split_template(template, '[', ']') {
                Ok(parts) => Some(BaseUri {
                    template: template.to_owned(),
                    parts,
                }),
                Err(e) => {
                    self.d.error(Code::InvalidValue, b.pos, e);
                    None
                }
            }
        });
        let auth = match &c.authentication {
            None => Auth::None,
            Some(a) => self.auth(&a.value, a.pos),
        };
        let ns_name = namespace.map(|n| n.value.clone()).unwrap_or_default();
        let mut operations: Vec<Operation> = Vec::new();
        let mut op_index: BTreeMap<String, usize> = BTreeMap::new();
        for r in items(&c.resources) {
            let r_pos = model::pos_of(r);
            let r = &r.value;
            report_extra(r, self.d);
            req(&r.name, "name", "consumed resource", r_pos, self.d);
            unsupported(
                &r.input_parameters,
                "resource-level `inputParameters`",
                self.d,
            );
            let path = req(&r.path, "path", "consumed resource", r_pos, self.d)
                .and_then(|p| path_template(p, self.d));
            req(
                &r.operations,
                "operations",
                "consumed resource",
                r_pos,
                self.d,
            );
            for o in items(&r.operations) {
                let o_pos = model::pos_of(o);
                if let Some(op) = self.operation(&o.value, o_pos, &ns_name, path.as_ref()) {
                    if let Some(&first) = op_index.get(&op.name) {
                        let first: Pos = operations[first].pos;
                        self.d.error(
                            Code::DuplicateName,
                            o.value.name.as_ref().map(|n| n.pos).unwrap_or(o_pos),
                            format!(
                                "operation `{ns_name}.{}` is declared twice (first at {first})",
                                op.name
                            ),
                        );
                        continue;
                    }
                    op_index.insert(op.name.clone(), operations.len());
                    operations.push(op);
                }
            }
        }
        Some(ConsumedApi {
            namespace: namespace?.value.clone(),
            description: text(&c.description),
            base_uri: base_uri?,
            auth,
            operations,
        })
    }

    fn auth(&mut self, a: &model::Authentication, at: Pos) -> Auth {
        report_extra(a, self.d);
        let Some(t) = req(&a.r#type, "type", "authentication", at, self.d) else {
            return Auth::None;
        };
        if t.value != "bearer" {
            self.d.unsupported(
                t.pos,
                format!(
                    "authentication type `{}` (only `bearer` is implemented)",
                    t.value
                ),
            );
            return Auth::None;
        }
        for (f, key) in [
            (&a.username, "username"),
            (&a.password, "password"),
            (&a.key, "key"),
            (&a.value, "value"),
            (&a.placement, "placement"),
            (&a.authorization_server_uri, "authorizationServerUri"),
            (&a.resource, "resource"),
            (&a.scopes, "scopes"),
            (&a.audience, "audience"),
            (&a.token_endpoint, "tokenEndpoint"),
            (&a.token_validation, "tokenValidation"),
        ] {
            not_here(f, key, "bearer authentication", self.d);
        }
        let Some(tok) = req(&a.token, "token", "bearer authentication", at, self.d) else {
            return Auth::None;
        };
        let Some(raw) = tok.value.as_text() else {
            self.d
                .error(Code::InvalidValue, tok.pos, "bearer `token` is empty");
            return Auth::None;
        };
        let token = match Self::bound_var(raw) {
            Some(var) => {
                self.check_bound(var, tok.pos);
                ValueSource::Bound(var.to_owned())
            }
            None => {
                self.d.warning(
                    Code::Dialect,
                    tok.pos,
                    "bearer `token` is a literal: it will be compiled into the binary; bind it with `{{VAR}}` instead",
                );
                ValueSource::Literal(raw.to_owned())
            }
        };
        Auth::Bearer { token }
    }

    fn operation(
        &mut self,
        o: &model::ConsumedOperation,
        at: Pos,
        ns: &str,
        path: Option<&PathTemplate>,
    ) -> Option<Operation> {
        report_extra(o, self.d);
        let name = req(&o.name, "name", "consumed operation", at, self.d);
        let method = method(&o.method, self.d);
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
        unsupported(
            &o.body,
            "request `body` templates (the caller's JSON body is forwarded as is)",
            self.d,
        );
        let outs = items(&o.output_parameters);
        if outs.len() > 1 {
            self.d.unsupported(
                model::pos_of(&outs[1]),
                "several consumed output parameters (one `value: $.` is implemented)",
            );
        }
        for p in outs {
            let p_pos = model::pos_of(p);
            report_extra(&p.value, self.d);
            req(
                &p.value.name,
                "name",
                "consumed output parameter",
                p_pos,
                self.d,
            );
            req(
                &p.value.r#type,
                "type",
                "consumed output parameter",
                p_pos,
                self.d,
            );
            output_mapping(
                req(
                    &p.value.value,
                    "value",
                    "consumed output parameter",
                    p_pos,
                    self.d,
                ),
                self.d,
            );
        }
        let op_name = name.map(|n| n.value.clone()).unwrap_or_default();

        let mut declared_path: BTreeMap<String, (Param, Pos)> = BTreeMap::new();
        let mut query: Vec<Param> = Vec::new();
        let mut seen: BTreeMap<String, Pos> = BTreeMap::new();
        for p in items(&o.input_parameters) {
            let p_pos = model::pos_of(p);
            let p = &p.value;
            report_extra(p, self.d);
            let pname = req(&p.name, "name", "consumed input parameter", p_pos, self.d);
            let loc = req(&p.r#in, "in", "consumed input parameter", p_pos, self.d);
            unsupported(
                &p.value,
                "parameter `value` (static or computed parameter values)",
                self.d,
            );
            let ty = param_type(&p.r#type, self.d);
            let (Some(pname), Some(loc), Some(ty)) = (pname, loc, ty) else {
                continue;
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
                continue;
            }
            if let Some(first) = seen.insert(pname.value.clone(), pname.pos) {
                self.d.error(
                    Code::DuplicateName,
                    pname.pos,
                    format!(
                        "parameter `{}` is declared twice (first at {first})",
                        pname.value
                    ),
                );
                continue;
            }
            let param = |required: bool| Param {
                ident: names::field_ident(&pname.value),
                name: pname.value.clone(),
                ty,
                description: text(&p.description),
                required,
                declared: true,
                pos: pname.pos,
            };
            match loc.value.as_str() {
                "query" => query.push(param(p.required.as_ref().is_some_and(|r| r.value))),
                "path" => {
                    if ty == ParamType::Object {
                        self.d.error(
                            Code::InvalidValue,
                            p.r#type.as_ref().map(|t| t.pos).unwrap_or(p_pos),
                            format!("path parameter `{}` cannot be an object", pname.value),
                        );
                        continue;
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
                    if path.is_some_and(|t| !t.params().any(|n| n == pname.value)) {
                        self.d.error(
                            Code::InvalidValue,
                            pname.pos,
                            format!(
                                "path parameter `{}` does not appear in the path `{}`",
                                pname.value,
                                path.map(|t| t.template.as_str()).unwrap_or_default()
                            ),
                        );
                        continue;
                    }
                    declared_path.insert(pname.value.clone(), (param(true), pname.pos));
                }
                "header" | "cookie" | "body" | "environment" => {
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
        let mut path_params = Vec::new();
        if let Some(path) = path {
            for n in path.params() {
                match declared_path.remove(n) {
                    Some((p, _)) => path_params.push(p),
                    None => {
                        if query.iter().any(|q| q.name == n) {
                            self.d.error(
                                Code::InvalidValue,
                                seen.get(n).copied().unwrap_or(at),
                                format!("`{n}` is a placeholder of the path `{}` but is declared `in: query`", path.template),
                            );
                            continue;
                        }
                        self.d.warning(
                            Code::InferredPathParam,
                            name.map(|n| n.pos).unwrap_or(at),
                            format!(
                                "path parameter `{n}` of `{ns}.{op_name}` is not declared; read as a required string (path `{}`)",
                                path.template
                            ),
                        );
                        path_params.push(Param {
                            ident: names::field_ident(n),
                            name: n.to_owned(),
                            ty: ParamType::String,
                            description: None,
                            required: true,
                            declared: false,
                            pos: name.map(|n| n.pos).unwrap_or(at),
                        });
                    }
                }
            }
        }
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
            ident: names::fn_ident(&name.value),
            name: name.value.clone(),
            description: text(&o.description),
            method,
            path: path?.clone(),
            path_params,
            query_params: query,
            body: method.has_body(),
            output: OutputMapping::Whole,
            pos: at,
        })
    }

    fn exposure(
        &mut self,
        e: &model::Exposure,
        at: Pos,
        apis: &[ConsumedApi],
        rest: &mut Vec<RestAdapter>,
        mcp: &mut Vec<McpAdapter>,
    ) {
        report_extra(e, self.d);
        let Some(t) = req(&e.r#type, "type", "exposure", at, self.d) else {
            return;
        };
        match t.value.as_str() {
            "rest" => {
                if let Some(a) = self.rest(e, at, apis) {
                    rest.push(a);
                }
            }
            "mcp" => {
                if let Some(a) = self.mcp(e, at, apis) {
                    mcp.push(a);
                }
            }
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

    fn exposure_common(&mut self, e: &model::Exposure, at: Pos, what: &str) -> Option<String> {
        unsupported(
            &e.address,
            "exposure `address` (the bind address is set when the gateway starts)",
            self.d,
        );
        unsupported(
            &e.authentication,
            "exposure `authentication` (inbound auth is configured when the gateway starts)",
            self.d,
        );
        not_here(&e.skills, "skills", what, self.d);
        not_here(&e.management, "management", what, self.d);
        not_here(&e.observability, "observability", what, self.d);
        let ns = req(&e.namespace, "namespace", what, at, self.d)?;
        if !names::is_kebab_ident(&ns.value) {
            self.d.error(
                Code::InvalidValue,
                ns.pos,
                format!("namespace `{}` must match `^[a-zA-Z0-9-]+$`", ns.value),
            );
        }
        Some(ns.value.clone())
    }

    fn rest(&mut self, e: &model::Exposure, at: Pos, apis: &[ConsumedApi]) -> Option<RestAdapter> {
        let what = "a rest exposure";
        let ns = self.exposure_common(e, at, what);
        not_here(&e.tools, "tools", what, self.d);
        not_here(&e.prompts, "prompts", what, self.d);
        not_here(&e.transport, "transport", what, self.d);
        let port = req(&e.port, "port", "rest exposure", at, self.d).and_then(|p| port(p, self.d));
        let mut routes: Vec<RestRoute> = Vec::new();
        // Normalised path → index in `routes`.
        let mut route_index: BTreeMap<String, usize> = BTreeMap::new();
        for r in items(&e.resources) {
            let r_pos = model::pos_of(r);
            let r = &r.value;
            report_extra(r, self.d);
            for (f, key) in [
                (&r.uri, "uri"),
                (&r.mime_type, "mimeType"),
                (&r.call, "call"),
                (&r.with, "with"),
                (&r.steps, "steps"),
                (&r.mappings, "mappings"),
                (&r.output_parameters, "outputParameters"),
                (&r.location, "location"),
            ] {
                not_here(
                    f,
                    key,
                    "a REST resource (it belongs on its operations)",
                    self.d,
                );
            }
            unsupported(&r.forward, "`forward` (header forwarding)", self.d);
            let Some(path) = req(&r.path, "path", "exposed resource", r_pos, self.d)
                .and_then(|p| path_template(p, self.d))
            else {
                continue;
            };
            if r.operations.is_none() && r.forward.is_none() {
                self.d.error(
                    Code::MissingField,
                    r_pos,
                    "missing required field `operations` in exposed resource",
                );
            }
            let path_pos = r.path.as_ref().map(|p| p.pos).unwrap_or(r_pos);
            let normalized = path.normalized();
            let mut resource_inputs = placeholder_inputs(&path, path_pos);
            self.declared_inputs(items(&r.input_parameters), &path, &mut resource_inputs);
            for o in items(&r.operations) {
                let o_pos = model::pos_of(o);
                let Some(op) = self.rest_operation(
                    &o.value,
                    o_pos,
                    apis,
                    &path,
                    &resource_inputs,
                    ns.as_deref(),
                ) else {
                    continue;
                };
                match route_index.get(&normalized) {
                    Some(&i) => routes[i].operations.push(op),
                    None => {
                        route_index.insert(normalized.clone(), routes.len());
                        routes.push(RestRoute {
                            path: path.clone(),
                            operations: vec![op],
                        });
                    }
                }
            }
        }
        Some(RestAdapter {
            namespace: ns?,
            description: text(&e.description),
            port: port?,
            routes,
        })
    }

    /// Adds (or describes) the declared REST inputs to `inputs`.
    fn declared_inputs(
        &mut self,
        declared: &[serde_saphyr::Spanned<model::ExposedInputParameter>],
        path: &PathTemplate,
        inputs: &mut Vec<ExposedInput>,
    ) {
        for p in declared {
            let p_pos = model::pos_of(p);
            let p = &p.value;
            report_extra(p, self.d);
            let name = req(&p.name, "name", "exposed input parameter", p_pos, self.d);
            let loc = req(&p.r#in, "in", "exposed input parameter", p_pos, self.d);
            unsupported(&p.pattern, "input `pattern`", self.d);
            unsupported(&p.value, "input `value`", self.d);
            let ty = param_type(&p.r#type, self.d);
            let (Some(name), Some(loc), Some(ty)) = (name, loc, ty) else {
                continue;
            };
            let location = match loc.value.as_str() {
                "path" => InputLocation::Path,
                "query" => InputLocation::Query,
                "header" | "cookie" | "body" => {
                    self.d
                        .unsupported(loc.pos, format!("exposed `in: {}` inputs", loc.value));
                    continue;
                }
                other => {
                    self.d.error(
                        Code::InvalidValue,
                        loc.pos,
                        format!("`in: {other}` is not one of query, path, header, cookie, body"),
                    );
                    continue;
                }
            };
            let in_path = path.params().any(|n| n == name.value);
            if (location == InputLocation::Path) != in_path {
                self.d.error(
                    Code::InvalidValue,
                    loc.pos,
                    if in_path {
                        format!(
                            "`{}` is a placeholder of `{}`: declare it `in: path`",
                            name.value, path.template
                        )
                    } else {
                        format!(
                            "path input `{}` does not appear in `{}`",
                            name.value, path.template
                        )
                    },
                );
                continue;
            }
            let input = ExposedInput {
                name: name.value.clone(),
                ident: names::field_ident(&name.value),
                ty,
                description: text(&p.description),
                required: location == InputLocation::Path
                    || p.required.as_ref().is_some_and(|r| r.value),
                location,
                pos: name.pos,
            };
            match inputs.iter_mut().find(|i| i.name == input.name) {
                Some(existing)
                    if existing.location == InputLocation::Path
                        && existing.description.is_none() =>
                {
                    *existing = input
                }
                Some(_) => self.d.error(
                    Code::DuplicateName,
                    name.pos,
                    format!("input `{}` is declared twice", name.value),
                ),
                None => inputs.push(input),
            }
        }
    }

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

    /// The `with:` entries of an exposed operation or tool, including the dialect repair: the spec generator this
    /// dialect comes from sometimes loses the indentation of a `with:` entry whose key is also a key of the
    /// operation, writing
    ///
    /// ```yaml
    /// with:
    /// name: rest.name
    /// ```
    ///
    /// which YAML reads as an empty `with:` and a second `name:`. When `with:` is empty and a repeated key's value
    /// is a binding expression (`rest.X`, `tools.X`, `<namespace>.X`, `{{VAR}}`), the entry is read as belonging to
    /// `with:`, with a warning. Returns the entries and the extra keys left to report.
    fn with_entries<'a, T: SpecObject>(
        &mut self,
        obj: &'a T,
        with: &'a Option<Field<Entries<Scalar>>>,
        ns: Option<&str>,
        ctx: Ctx,
    ) -> (Vec<WithEntry>, Vec<&'a ExtraKey>) {
        let mut entries: Vec<WithEntry> = with
            .iter()
            .flat_map(|w| w.value.entries.iter())
            .map(|(k, v)| WithEntry {
                key: k.value.clone(),
                key_pos: model::pos_of(k),
                value: v.value.clone(),
                value_pos: model::pos_of(v),
            })
            .collect();
        let empty_with = with.as_ref().filter(|w| w.value.was_null);
        let mut left = Vec::new();
        for e in obj.extra() {
            let repair = match (empty_with, &e.scalar) {
                (Some(w), Some(s)) if e.duplicate && e.pos > w.key_pos => match &s.value {
                    Scalar::Str(v) if Self::is_binding_expr(v, ns, ctx) => Some(s),
                    _ => None,
                },
                _ => None,
            };
            match repair {
                Some(s) => {
                    let v = s.value.as_text().unwrap_or_default();
                    self.d.warning(
                        Code::Dialect,
                        e.pos,
                        format!(
                            "`{}: {v}` after an empty `with:` is read as `with: {{{}: {v}}}`",
                            e.name, e.name
                        ),
                    );
                    entries.push(WithEntry {
                        key: e.name.clone(),
                        key_pos: e.pos,
                        value: s.value.clone(),
                        value_pos: model::pos_of(s),
                    });
                }
                None => left.push(e),
            }
        }
        (entries, left)
    }

    fn is_binding_expr(v: &str, ns: Option<&str>, ctx: Ctx) -> bool {
        Self::bound_var(v).is_some()
            || v.split_once('.').is_some_and(|(p, x)| {
                (p == ctx.prefix() || Some(p) == ns) && names::is_param_name(x)
            })
    }

    /// Resolves a `with:` value.
    fn with_value(
        &mut self,
        v: &Scalar,
        pos: Pos,
        ns: Option<&str>,
        ctx: Ctx,
    ) -> Option<WithValue> {
        let text = match v {
            Scalar::Null => {
                self.d
                    .error(Code::InvalidValue, pos, "a `with:` value is empty");
                return None;
            }
            Scalar::Str(s) => s.as_str(),
            other => {
                return Some(WithValue::Literal(
                    other.as_text().unwrap_or_default().to_owned(),
                ));
            }
        };
        if let Some(var) = Self::bound_var(text) {
            self.check_bound(var, pos);
            return Some(WithValue::Bound {
                var: var.to_owned(),
            });
        }
        if let Some((prefix, name)) = text.split_once('.')
            && names::is_param_name(name)
        {
            if prefix == ctx.prefix() || Some(prefix) == ns {
                return Some(WithValue::Input {
                    name: name.to_owned(),
                    pos,
                });
            }
            let other = match ctx {
                Ctx::Rest => "tools",
                Ctx::Mcp => "rest",
            };
            if prefix == other {
                self.d.error(
                    Code::UnknownInput,
                    pos,
                    format!(
                        "`{text}` refers to {} inputs, but this is {}: write `{}.{name}`",
                        if other == "rest" { "REST" } else { "MCP tool" },
                        if ctx == Ctx::Rest {
                            "a REST operation"
                        } else {
                            "an MCP tool"
                        },
                        ctx.prefix()
                    ),
                );
                return None;
            }
        }
        if text.starts_with('$') {
            self.d
                .unsupported(pos, format!("expression `{text}` in `with:`"));
            return None;
        }
        Some(WithValue::Literal(text.to_owned()))
    }

    /// Binds every parameter of the called operation. `inputs` are the exposure's inputs; `implicit` says whether
    /// unbound parameters may add inputs (MCP tools, REST query parameters) or must find one (REST path parameters).
    #[allow(clippy::too_many_arguments)]
    fn bind_args(
        &mut self,
        op: &Operation,
        api_ns: &str,
        entries: &[WithEntry],
        inputs: &mut Vec<ExposedInput>,
        ns: Option<&str>,
        ctx: Ctx,
        at: Pos,
        exposed_path: Option<&PathTemplate>,
    ) -> Vec<ArgBinding> {
        let mut mapped: BTreeMap<&str, ArgSource> = BTreeMap::new();
        for WithEntry {
            key,
            key_pos,
            value,
            value_pos,
        } in entries
        {
            let Some(param) = op
                .path_params
                .iter()
                .chain(&op.query_params)
                .find(|p| &p.name == key)
            else {
                let params: Vec<&str> = op
                    .path_params
                    .iter()
                    .chain(&op.query_params)
                    .map(|p| p.name.as_str())
                    .collect();
                self.d.error(
                    Code::UnknownWithKey,
                    *key_pos,
                    format!(
                        "`with` key `{key}` is not a parameter of `{api_ns}.{}` (its parameters: {})",
                        op.name,
                        if params.is_empty() { "none".into() } else { params.join(", ") }
                    ),
                );
                continue;
            };
            if mapped.contains_key(param.name.as_str()) {
                self.d.error(
                    Code::DuplicateName,
                    *key_pos,
                    format!("`with` maps `{key}` twice"),
                );
                continue;
            }
            let Some(v) = self.with_value(value, *value_pos, ns, ctx) else {
                continue;
            };
            let source = match v {
                WithValue::Input { name, pos } => {
                    if !inputs.iter().any(|i| i.name == name) {
                        let known: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
                        self.d.error(
                            Code::UnknownInput,
                            pos,
                            format!(
                                "`{}.{name}` names an input that does not exist (inputs: {})",
                                ctx.prefix(),
                                if known.is_empty() {
                                    "none".into()
                                } else {
                                    known.join(", ")
                                }
                            ),
                        );
                        continue;
                    }
                    let is_path = op.path_params.iter().any(|p| p.name == param.name);
                    if let Some(i) = inputs.iter_mut().find(|i| i.name == name) {
                        if i.ty != param.ty {
                            self.d.error(
                                Code::InvalidValue,
                                pos,
                                format!(
                                    "input `{name}` is {} {} but parameter `{key}` of `{api_ns}.{}` is {} {}",
                                    article(i.ty),
                                    i.ty.as_str(),
                                    op.name,
                                    article(param.ty),
                                    param.ty.as_str()
                                ),
                            );
                            continue;
                        }
                        // An input that feeds a required parameter is required.
                        i.required |= param.required || is_path;
                    }
                    ArgSource::Input(name)
                }
                WithValue::Bound { var } => {
                    if param.ty != ParamType::String {
                        self.d.error(
                            Code::InvalidValue,
                            *value_pos,
                            format!(
                                "`{{{{{var}}}}}` is a string but parameter `{key}` of `{api_ns}.{}` is {} {}",
                                op.name,
                                article(param.ty),
                                param.ty.as_str()
                            ),
                        );
                        continue;
                    }
                    ArgSource::Bound(var)
                }
                WithValue::Literal(l) => {
                    let ok = match param.ty {
                        ParamType::String => true,
                        ParamType::Integer => l.parse::<i64>().is_ok(),
                        ParamType::Number => l.parse::<f64>().is_ok_and(f64::is_finite),
                        ParamType::Boolean => l == "true" || l == "false",
                        ParamType::Object => {
                            self.d.unsupported(*value_pos, "object literals in `with:`");
                            continue;
                        }
                    };
                    if !ok {
                        self.d.error(
                            Code::InvalidValue,
                            *value_pos,
                            format!(
                                "`{l}` is not a valid {} for parameter `{key}` of `{api_ns}.{}`",
                                param.ty.as_str(),
                                op.name
                            ),
                        );
                        continue;
                    }
                    ArgSource::Literal(l)
                }
            };
            mapped.insert(&param.name, source);
        }
        let mut args = Vec::new();
        for (p, is_path) in op
            .path_params
            .iter()
            .map(|p| (p, true))
            .chain(op.query_params.iter().map(|p| (p, false)))
        {
            if let Some(src) = mapped.remove(p.name.as_str()) {
                args.push(ArgBinding {
                    param: p.name.clone(),
                    source: src,
                });
                continue;
            }
            // Unmapped: the exposed input of the same name.
            if !inputs.iter().any(|i| i.name == p.name) {
                if is_path && ctx == Ctx::Rest {
                    self.d.error(
                        Code::UnsuppliedPathParam,
                        at,
                        format!(
                            "path parameter `{}` of `{api_ns}.{}` is not supplied: the exposed path `{}` has no `{{{}}}`, no input `{}` is declared, and `with:` does not map it",
                            p.name,
                            op.name,
                            exposed_path.map(|t| t.template.as_str()).unwrap_or_default(),
                            p.name,
                            p.name
                        ),
                    );
                    continue;
                }
                inputs.push(ExposedInput {
                    name: p.name.clone(),
                    ident: names::field_ident(&p.name),
                    ty: p.ty,
                    description: p.description.clone(),
                    required: p.required,
                    pos: at,
                    location: if is_path {
                        InputLocation::Path
                    } else {
                        InputLocation::Query
                    },
                });
            }
            args.push(ArgBinding {
                param: p.name.clone(),
                source: ArgSource::Input(p.name.clone()),
            });
        }
        args
    }

    fn rest_operation(
        &mut self,
        o: &model::ExposedOperation,
        at: Pos,
        apis: &[ConsumedApi],
        path: &PathTemplate,
        resource_inputs: &[ExposedInput],
        ns: Option<&str>,
    ) -> Option<RestOperation> {
        let (entries, extra) = self.with_entries(o, &o.with, ns, Ctx::Rest);
        report_extra_keys(o, extra.into_iter(), self.d);
        unsupported(&o.r#ref, "`ref` (aggregate functions)", self.d);
        unsupported(&o.steps, "`steps` (orchestrated operations)", self.d);
        unsupported(&o.mappings, "`mappings` (orchestrated operations)", self.d);
        let method = method(&o.method, self.d);
        let output = exposed_output(&o.output_parameters, self.d);
        let mut inputs = resource_inputs.to_vec();
        self.declared_inputs(items(&o.input_parameters), path, &mut inputs);
        let call = match (&o.call, &o.steps, &o.r#ref) {
            (Some(c), _, _) => self.lookup_call(c, apis),
            (None, None, None) => {
                self.d.error(
                    Code::MissingField,
                    at,
                    "missing required field `call` in exposed operation",
                );
                None
            }
            _ => None,
        }?;
        let api = &apis[call.api];
        let op = &api.operations[call.op];
        let args = self.bind_args(
            op,
            &api.namespace,
            &entries,
            &mut inputs,
            ns,
            Ctx::Rest,
            at,
            Some(path),
        );
        // Path inputs first, in path order; then query inputs in order.
        inputs.sort_by_key(|i| match i.location {
            InputLocation::Path => (
                0,
                path.params()
                    .position(|n| n == i.name)
                    .unwrap_or(usize::MAX),
            ),
            InputLocation::Query => (1, 0),
        });
        let name = o
            .name
            .as_ref()
            .map(|n| n.value.clone())
            .unwrap_or_else(|| op.name.clone());
        let method = method?;
        Some(RestOperation {
            ident: names::fn_ident(&name),
            name,
            description: text(&o.description).or_else(|| op.description.clone()),
            method,
            call,
            inputs,
            args,
            body: method.has_body(),
            output,
            pos: at,
        })
    }

    fn mcp(&mut self, e: &model::Exposure, at: Pos, apis: &[ConsumedApi]) -> Option<McpAdapter> {
        let what = "an mcp exposure";
        let ns = self.exposure_common(e, at, what);
        if let Some(r) = &e.resources {
            self.d.unsupported(r.key_pos, "MCP `resources`");
        }
        unsupported(&e.prompts, "MCP `prompts`", self.d);
        let transport = match &e.transport {
            None => McpTransport::Http,
            Some(t) => match t.value.as_str() {
                "http" => McpTransport::Http,
                "stdio" => McpTransport::Stdio,
                other => {
                    self.d.error(
                        Code::InvalidValue,
                        t.pos,
                        format!("MCP transport `{other}` is not one of http, stdio"),
                    );
                    McpTransport::Http
                }
            },
        };
        let port = e.port.as_ref().and_then(|p| port(p, self.d));
        req(&e.tools, "tools", "mcp exposure", at, self.d);
        let mut tools = Vec::new();
        for t in items(&e.tools) {
            if let Some(tool) = self.tool(&t.value, model::pos_of(t), apis, ns.as_deref()) {
                tools.push(tool);
            }
        }
        Some(McpAdapter {
            namespace: ns?,
            description: text(&e.description),
            port,
            transport,
            tools,
        })
    }

    fn tool(
        &mut self,
        t: &model::McpTool,
        at: Pos,
        apis: &[ConsumedApi],
        ns: Option<&str>,
    ) -> Option<Tool> {
        let (entries, extra) = self.with_entries(t, &t.with, ns, Ctx::Mcp);
        report_extra_keys(t, extra.into_iter(), self.d);
        unsupported(&t.r#ref, "`ref` (aggregate functions)", self.d);
        unsupported(&t.steps, "`steps` (orchestrated tools)", self.d);
        unsupported(&t.mappings, "`mappings` (orchestrated tools)", self.d);
        let name = req(&t.name, "name", "MCP tool", at, self.d);
        let output = exposed_output(&t.output_parameters, self.d);
        let mut hints = Hints::default();
        if let Some(h) = &t.hints {
            report_extra(&h.value, self.d);
            let v = &h.value;
            if let Some(x) = &v.read_only {
                hints.read_only = x.value;
            }
            if let Some(x) = &v.destructive {
                hints.destructive = x.value;
            }
            if let Some(x) = &v.idempotent {
                hints.idempotent = x.value;
            }
            if let Some(x) = &v.open_world {
                hints.open_world = x.value;
            }
        }
        let call = match (&t.call, &t.steps, &t.r#ref) {
            (Some(c), _, _) => self.lookup_call(c, apis),
            (None, None, None) => {
                self.d.error(
                    Code::MissingField,
                    at,
                    "missing required field `call` in MCP tool",
                );
                None
            }
            _ => None,
        };
        // Declared inputs: required follows where the input ends up — a consumed path parameter is required, a query
        // parameter optional — unless `required:` says otherwise.
        let mut declared: Vec<(ExposedInput, Option<bool>)> = Vec::new();
        for p in items(&t.input_parameters) {
            let p_pos = model::pos_of(p);
            let p = &p.value;
            report_extra(p, self.d);
            let pname = req(&p.name, "name", "MCP tool input parameter", p_pos, self.d);
            let ty = param_type(&p.r#type, self.d);
            let (Some(pname), Some(ty)) = (pname, ty) else {
                continue;
            };
            if declared.iter().any(|(i, _)| i.name == pname.value)
                || pname.value == "body" && call.is_some_and(|c| apis[c.api].operations[c.op].body)
            {
                self.d.error(
                    Code::DuplicateName,
                    pname.pos,
                    format!("tool input `{}` is declared twice", pname.value),
                );
                continue;
            }
            declared.push((
                ExposedInput {
                    name: pname.value.clone(),
                    ident: names::field_ident(&pname.value),
                    ty,
                    description: text(&p.description),
                    required: false,
                    location: InputLocation::Query,
                    pos: pname.pos,
                },
                p.required.as_ref().map(|r| r.value),
            ));
        }
        let mut inputs: Vec<ExposedInput> = declared.iter().map(|(i, _)| i.clone()).collect();
        let call = call?;
        let api = &apis[call.api];
        let op = &api.operations[call.op];
        let args = self.bind_args(
            op,
            &api.namespace,
            &entries,
            &mut inputs,
            ns,
            Ctx::Mcp,
            at,
            None,
        );
        for (input, explicit) in &declared {
            let feeds_path = args.iter().any(|a| {
                a.source == ArgSource::Input(input.name.clone())
                    && op.path_params.iter().any(|p| p.name == a.param)
            });
            if let Some(i) = inputs.iter_mut().find(|i| i.name == input.name) {
                i.required = explicit.unwrap_or(feeds_path) || feeds_path;
                if feeds_path {
                    i.location = InputLocation::Path;
                }
            }
        }
        let name = name?;
        Some(Tool {
            ident: names::fn_ident(&name.value),
            name: name.value.clone(),
            title: text(&t.label),
            description: text(&t.description).or_else(|| op.description.clone()),
            hints,
            call,
            inputs,
            args,
            body: op.body,
            output,
            pos: name.pos,
        })
    }
}
