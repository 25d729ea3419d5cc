//! REST exposures: resources, their inputs (path placeholders and declared parameters), and the operations that
//! call consumed ones, grouped into one route per path.

use std::collections::BTreeMap;

use super::Resolver;
use super::call::{CallSite, Called, Ctx};
use super::fields::{
    items, method, not_here, param_type, port, report_extra, report_extra_keys, req, text,
    unsupported,
};
use super::outputs::{compile_path, exposed_output};
use super::templates::path_template;
use crate::diagnostic::{Code, Pos};
use crate::ir::{
    Call, ConsumedApi, ExposedInput, InputLocation, Method, ParamType, PathStep, PathTemplate,
    RestAdapter, RestIdents, RestOperation, RestRoute, TemplatePart,
};
use crate::names;
use crate::parse::model;

/// The resource an exposed operation belongs to.
struct Resource<'a> {
    path: &'a PathTemplate,
    /// Its placeholders and declared inputs, which each of its operations starts from.
    inputs: &'a [ExposedInput],
}

/// The placeholders of an exposed path, each a required string input.
fn placeholder_inputs(path: &PathTemplate, pos: Pos) -> Vec<ExposedInput> {
    path.params()
        .map(|n| ExposedInput {
            name: n.to_owned(),
            ident: String::new(),
            local: String::new(),
            for_param: false,
            ty: ParamType::String,
            description: None,
            required: true,
            location: InputLocation::Path,
            body_path: Vec::new(),
            pos,
        })
        .collect()
}

impl Resolver<'_> {
    pub(super) fn rest(
        &mut self,
        e: &model::Exposure,
        at: Pos,
        apis: &[ConsumedApi],
    ) -> Option<RestAdapter> {
        let what = "a rest exposure";
        let ns = self.exposure_common(e, at, what);
        let inbound = self.inbound_auth(e);
        not_here(&e.tools, "tools", what, self.d);
        not_here(&e.prompts, "prompts", what, self.d);
        not_here(&e.transport, "transport", what, self.d);
        let port = req(&e.port, "port", "rest exposure", at, self.d).and_then(|p| port(p, self.d));
        let mut routes: Vec<RestRoute> = Vec::new();
        // Normalised path → index in `routes`.
        let mut route_index: BTreeMap<String, usize> = BTreeMap::new();
        let ns_name = ns.map(|n| n.value.as_str());
        for r in items(&e.resources) {
            let Some((path, ops)) = self.rest_resource(&r.value, model::pos_of(r), apis, ns_name)
            else {
                continue;
            };
            let normalized = path.normalized();
            for op in ops {
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
        let ns = ns?;
        Some(RestAdapter {
            namespace: ns.value.clone(),
            namespace_pos: ns.pos,
            description: text(&e.description),
            address: super::exposes::address(&e.address, self.d),
            port: port?,
            inbound,
            routes,
            idents: RestIdents::default(),
        })
    }

    /// One exposed resource: its path and its operations.
    fn rest_resource(
        &mut self,
        r: &model::ExposedResource,
        r_pos: Pos,
        apis: &[ConsumedApi],
        ns: Option<&str>,
    ) -> Option<(PathTemplate, Vec<RestOperation>)> {
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
        let path = req(&r.path, "path", "exposed resource", r_pos, self.d)
            .and_then(|p| path_template(p, self.d))?;
        if r.operations.is_none() && r.forward.is_none() {
            self.d.error(
                Code::MissingField,
                r_pos,
                "missing required field `operations` in exposed resource",
            );
        }
        let path_pos = r.path.as_ref().map(|p| p.pos).unwrap_or(r_pos);
        self.routable(&path, path_pos);
        let mut inputs = placeholder_inputs(&path, path_pos);
        self.declared_inputs(items(&r.input_parameters), &path, &mut inputs);
        let resource = Resource {
            path: &path,
            inputs: &inputs,
        };
        let ops = items(&r.operations)
            .iter()
            .filter_map(|o| self.rest_operation(&o.value, model::pos_of(o), apis, &resource, ns))
            .collect();
        Some((path, ops))
    }

    /// Whether axum can route `path`: each placeholder a whole path segment, named without `*` (axum refuses the
    /// router otherwise, when the gateway starts).
    fn routable(&mut self, path: &PathTemplate, pos: Pos) {
        let parts = &path.parts;
        for (i, part) in parts.iter().enumerate() {
            let TemplatePart::Param(name) = part else {
                continue;
            };
            let alone = matches!(parts.get(i.wrapping_sub(1)), Some(TemplatePart::Literal(l)) if l.ends_with('/'))
                && match parts.get(i + 1) {
                    None => true,
                    Some(TemplatePart::Literal(l)) => l.starts_with('/'),
                    Some(TemplatePart::Param(_)) => false,
                };
            let problem = if !alone {
                "must be a whole path segment (axum routes take one parameter per segment, alone)"
            } else if name.contains('*') {
                "cannot contain `*` (axum refuses it in a parameter name)"
            } else {
                continue;
            };
            self.d.error(
                Code::InvalidValue,
                pos,
                format!(
                    "placeholder `{{{name}}}` of the exposed path `{}` {problem}",
                    path.template
                ),
            );
        }
    }

    /// Adds (or describes) the declared REST inputs to `inputs`.
    fn declared_inputs(
        &mut self,
        declared: &[serde_saphyr::Spanned<model::ExposedInputParameter>],
        path: &PathTemplate,
        inputs: &mut Vec<ExposedInput>,
    ) {
        for p in declared {
            let Some(input) = self.declared_input(&p.value, model::pos_of(p), path) else {
                continue;
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
                    input.pos,
                    format!("input `{}` is declared twice", input.name),
                ),
                None => inputs.push(input),
            }
        }
    }

    /// One declared REST input, if valid: `in: path` exactly for the path's placeholders, `in: query`, `in: header`
    /// (named as a header, one piece of text), or `in: body` (a value of the request's JSON body, where its `value`
    /// says: `$.user.id`; `$.name` by default).
    fn declared_input(
        &mut self,
        p: &model::ExposedInputParameter,
        p_pos: Pos,
        path: &PathTemplate,
    ) -> Option<ExposedInput> {
        report_extra(p, self.d);
        let name = req(&p.name, "name", "exposed input parameter", p_pos, self.d);
        let loc = req(&p.r#in, "in", "exposed input parameter", p_pos, self.d);
        unsupported(&p.pattern, "input `pattern`", self.d);
        let ty = param_type(&p.r#type, self.d);
        let (name, loc, ty) = (name?, loc?, ty?);
        let location = match loc.value.as_str() {
            "path" => InputLocation::Path,
            "query" => InputLocation::Query,
            "body" => InputLocation::Body,
            "header" => InputLocation::Header,
            "cookie" => {
                self.d
                    .unsupported(loc.pos, format!("exposed `in: {}` inputs", loc.value));
                return None;
            }
            other => {
                self.d.error(
                    Code::InvalidValue,
                    loc.pos,
                    format!("`in: {other}` is not one of query, path, header, cookie, body"),
                );
                return None;
            }
        };
        let body_path = match location {
            InputLocation::Body => self.body_input_path(p, &name.value)?,
            _ => {
                unsupported(&p.value, "input `value`", self.d);
                Vec::new()
            }
        };
        let what = match location {
            InputLocation::Path => "path",
            InputLocation::Header => "header",
            InputLocation::Query | InputLocation::Body => "query",
        };
        if matches!(location, InputLocation::Path | InputLocation::Header) && !ty.is_scalar() {
            self.d.error(
                Code::InvalidValue,
                p.r#type.as_ref().map_or(p_pos, |t| t.pos),
                format!(
                    "{what} input `{}` cannot be {} {}",
                    name.value,
                    ty.article(),
                    ty.as_str()
                ),
            );
            return None;
        }
        if location == InputLocation::Header && !names::is_header_name(&name.value) {
            self.d.error(
                Code::InvalidValue,
                name.pos,
                format!(
                    "header input `{}` is not a valid header name (letters, digits and !#$%&'*+-.^_`|~)",
                    name.value
                ),
            );
            return None;
        }
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
            return None;
        }
        Some(ExposedInput {
            name: name.value.clone(),
            ident: String::new(),
            local: String::new(),
            for_param: false,
            ty,
            description: text(&p.description),
            required: location == InputLocation::Path
                || p.required.as_ref().is_some_and(|r| r.value),
            location,
            body_path,
            pos: name.pos,
        })
    }

    /// Where an `in: body` input's value is in the request's JSON body: its `value`, a JSONPath to one value
    /// (`$.user.id`, `$.items[0]`), or `$.name`.
    fn body_input_path(
        &mut self,
        p: &model::ExposedInputParameter,
        name: &str,
    ) -> Option<Vec<PathStep>> {
        let Some(v) = &p.value else {
            return Some(vec![PathStep::Key(name.to_owned())]);
        };
        let model::Any::Scalar(model::Scalar::Str(path)) = &v.value else {
            self.d.error(
                Code::InvalidValue,
                v.pos,
                format!("the `value` of body input `{name}` is a JSONPath such as `$.user.id`"),
            );
            return None;
        };
        let steps = compile_path(path, v.pos, self.d)?;
        if steps.is_empty() || steps.contains(&PathStep::Each) {
            self.d.error(
                Code::InvalidValue,
                v.pos,
                format!(
                    "body input `{name}` reads one value of the body: `{path}` {}",
                    if steps.is_empty() {
                        "is the whole body"
                    } else {
                        "selects several"
                    }
                ),
            );
            return None;
        }
        Some(steps)
    }

    fn rest_operation(
        &mut self,
        o: &model::ExposedOperation,
        at: Pos,
        apis: &[ConsumedApi],
        resource: &Resource,
        ns: Option<&str>,
    ) -> Option<RestOperation> {
        let site = CallSite {
            ctx: Ctx::Rest,
            ns,
            pos: at,
            path: Some(resource.path),
        };
        let (entries, extra) = self.with_entries(o, &o.with, &site);
        report_extra_keys(o, extra.into_iter(), self.d);
        self.ikanos_exposed_operation(o);
        unsupported(&o.r#ref, "`ref` (aggregate functions)", self.d);
        unsupported(&o.steps, "`steps` (orchestrated operations)", self.d);
        unsupported(&o.mappings, "`mappings` (orchestrated operations)", self.d);
        let method = method(&o.method, self.d);
        let output = exposed_output(&o.output_parameters, self.d);
        let mut inputs = resource.inputs.to_vec();
        self.declared_inputs(items(&o.input_parameters), resource.path, &mut inputs);
        let orchestrated = o.steps.is_some() || o.r#ref.is_some();
        let what = "exposed operation";
        let target = self.called_operation(&o.call, orchestrated, at, what, apis)?;
        let api = &apis[target.api];
        let op = &api.operations[target.op];
        let called = Called {
            ns: &api.namespace,
            op,
        };
        let args = self.bind_args(&site, &called, &entries, &mut inputs);
        self.one_object_input(&inputs, at);
        // Path inputs first, in path order; then query inputs, then header inputs, in order.
        inputs.sort_by_key(|i| match i.location {
            InputLocation::Path => (
                0,
                resource
                    .path
                    .params()
                    .position(|n| n == i.name)
                    .unwrap_or(usize::MAX),
            ),
            InputLocation::Query => (1, 0),
            InputLocation::Header => (2, 0),
            InputLocation::Body => (3, 0),
        });
        let name = o
            .name
            .as_ref()
            .map_or_else(|| op.name.clone(), |n| n.value.clone());
        let method = method?;
        let reads_body = inputs.iter().any(|i| i.location == InputLocation::Body);
        if method.has_body() && !op.body && !reads_body {
            let pos = o.method.as_ref().map_or(at, |m| m.pos);
            self.ignored_body(pos, method, resource.path, &called);
        }
        Some(RestOperation {
            ident: String::new(),
            path_type: None,
            name,
            description: text(&o.description).or_else(|| op.description.clone()),
            method,
            call: Call {
                target,
                inputs,
                args,
                body: op.body,
                output,
            },
            pos: at,
        })
    }

    /// The body follows the consumed operation: a GET that calls a POST forwards the request's body, and a POST that
    /// calls a GET has none to forward, which is worth a warning.
    fn ignored_body(&mut self, pos: Pos, method: Method, path: &PathTemplate, called: &Called) {
        let why = match called.op.template {
            Some(_) => "which writes its own body from its template".to_owned(),
            None => format!("a `{}`, which sends no body", called.op.method.as_str()),
        };
        self.d.warning(
            Code::IgnoredBody,
            pos,
            format!(
                "`{} {}` calls `{}.{}`, {why}: the request's body is ignored",
                method.as_str(),
                path.template,
                called.ns,
                called.op.name,
            ),
        );
    }

    /// A REST operation has at most one `object` query input: it takes every query key no other input takes, and two
    /// could not share them.
    fn one_object_input(&mut self, inputs: &[ExposedInput], at: Pos) {
        let objects: Vec<String> = inputs
            .iter()
            .filter(|i| i.location == InputLocation::Query && i.ty == ParamType::Object)
            .map(|i| format!("`{}`", i.name))
            .collect();
        if objects.len() > 1 {
            self.d.unsupported(
                at,
                format!(
                    "more than one `object` query input in a REST operation ({})",
                    objects.join(", ")
                ),
            );
        }
    }
}
