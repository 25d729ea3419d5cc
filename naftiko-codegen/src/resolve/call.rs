//! The call of a consumed operation from an exposure: each consumed parameter bound to an exposed input, a bound
//! value or a literal, from the `with:` entries and, for the unmapped ones, by name.

use std::collections::BTreeMap;

use super::Resolver;
use super::binds::bound_var;
use crate::diagnostic::{Code, Pos};
use crate::ir::{
    ArgBinding, ArgSource, ExposedInput, InputLocation, Operation, Param, ParamType, PathTemplate,
};
use crate::names;
use crate::parse::model::Scalar;

/// The kind of exposure a call is made from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Ctx {
    Rest,
    Mcp,
}

impl Ctx {
    /// The prefix that names this kind's inputs in `with:` values (`rest.X`, `tools.X`).
    pub(super) fn prefix(self) -> &'static str {
        match self {
            Ctx::Rest => "rest",
            Ctx::Mcp => "tools",
        }
    }

    fn other_prefix(self) -> &'static str {
        match self {
            Ctx::Rest => Ctx::Mcp.prefix(),
            Ctx::Mcp => Ctx::Rest.prefix(),
        }
    }
}

/// Where a consumed operation is called from.
pub(super) struct CallSite<'a> {
    pub ctx: Ctx,
    /// The exposure's namespace: `<namespace>.X` names an input, like `rest.X` or `tools.X`.
    pub ns: Option<&'a str>,
    /// The exposing operation or tool.
    pub pos: Pos,
    /// REST: the exposed path, where an unmapped consumed path parameter must find its input.
    pub path: Option<&'a PathTemplate>,
}

impl CallSite<'_> {
    /// Whether `prefix.X` names one of this site's inputs.
    pub(super) fn names_inputs(&self, prefix: &str) -> bool {
        prefix == self.ctx.prefix() || Some(prefix) == self.ns
    }
}

/// The consumed operation called, with its API's namespace (for messages).
pub(super) struct Called<'a> {
    pub ns: &'a str,
    pub op: &'a Operation,
}

impl<'a> Called<'a> {
    fn params(&self) -> impl Iterator<Item = &'a Param> + use<'a> {
        let op: &'a Operation = self.op;
        op.params()
    }

    fn is_path_param(&self, name: &str) -> bool {
        self.op.path_params.iter().any(|p| p.name == name)
    }

    /// A value of the body template: any input feeds it, written as the template's place asks.
    fn is_body_param(&self, name: &str) -> bool {
        self.op.body_params.iter().any(|p| p.name == name)
    }

    fn is_header_param(&self, name: &str) -> bool {
        self.op.header_params.iter().any(|p| p.name == name)
    }
}

/// The input an exposure adds for the unmapped parameter `p` of `called`, named and typed like it: a clash of its name
/// is one of the parameter's.
fn added_input(called: &Called, p: &Param) -> ExposedInput {
    ExposedInput {
        name: p.name.clone(),
        ident: String::new(),
        local: String::new(),
        for_param: true,
        ty: p.ty,
        description: p.description.clone(),
        required: p.required,
        pos: p.pos,
        location: if called.is_path_param(&p.name) {
            InputLocation::Path
        } else if called.is_header_param(&p.name) {
            InputLocation::Header
        } else {
            InputLocation::Query
        },
        body_path: Vec::new(),
    }
}

/// One `with:` entry as written.
pub(super) struct WithEntry {
    pub key: String,
    pub key_pos: Pos,
    pub value: Scalar,
    pub value_pos: Pos,
}

/// What a `with:` value means.
enum WithValue {
    Input { name: String, pos: Pos },
    Bound { var: String },
    Literal(String),
}

fn list_or_none(names: &[&str]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

impl Resolver<'_> {
    /// Binds every parameter of the called operation: the `with:` entries first, then each unmapped parameter to
    /// the exposed input of the same name. `inputs` are the site's inputs; an unmapped parameter without an input
    /// adds one, except a REST path parameter, which must find one.
    pub(super) fn bind_args(
        &mut self,
        site: &CallSite,
        called: &Called,
        entries: &[WithEntry],
        inputs: &mut Vec<ExposedInput>,
    ) -> Vec<ArgBinding> {
        let mut mapped: BTreeMap<&str, ArgSource> = BTreeMap::new();
        for e in entries {
            let Some(param) = self.with_param(called, e, &mapped) else {
                continue;
            };
            if let Some(source) = self.with_source(site, called, param, e, inputs) {
                mapped.insert(&param.name, source);
            }
        }
        let mut args = Vec::new();
        for p in called.params() {
            let source = match (mapped.remove(p.name.as_str()), p.value.clone()) {
                (Some(source), _) => source,
                (None, Some(value)) => match self.value_source(site, called, p, value, inputs) {
                    Some(source) => source,
                    None => continue,
                },
                (None, None) if self.bind_by_name(site, called, p, inputs) => {
                    ArgSource::Input(p.name.clone())
                }
                (None, None) => continue,
            };
            args.push(ArgBinding {
                param: p.name.clone(),
                source,
            });
        }
        args
    }

    /// The parameter a `with:` key names, unless it names none or one already mapped.
    fn with_param<'o>(
        &mut self,
        called: &Called<'o>,
        e: &WithEntry,
        mapped: &BTreeMap<&str, ArgSource>,
    ) -> Option<&'o Param> {
        let key = &e.key;
        let Some(param) = called.params().find(|p| &p.name == key) else {
            let params: Vec<&str> = called.params().map(|p| p.name.as_str()).collect();
            self.d.error(
                Code::UnknownWithKey,
                e.key_pos,
                format!(
                    "`with` key `{key}` is not a parameter of `{}.{}` (its parameters: {})",
                    called.ns,
                    called.op.name,
                    list_or_none(&params)
                ),
            );
            return None;
        };
        if mapped.contains_key(param.name.as_str()) {
            self.d.error(
                Code::DuplicateName,
                e.key_pos,
                format!("`with` maps `{key}` twice"),
            );
            return None;
        }
        Some(param)
    }

    /// Where a `with:` entry says `param` gets its value, if that is valid for the parameter.
    fn with_source(
        &mut self,
        site: &CallSite,
        called: &Called,
        param: &Param,
        e: &WithEntry,
        inputs: &mut [ExposedInput],
    ) -> Option<ArgSource> {
        match self.with_value(&e.value, e.value_pos, site)? {
            WithValue::Input { name, pos } => {
                self.input_source(site, called, param, inputs, name, pos)
            }
            WithValue::Bound { var } => {
                if param.ty != ParamType::String {
                    self.d.error(
                        Code::InvalidValue,
                        e.value_pos,
                        format!(
                            "`{{{{{var}}}}}` is a string but parameter `{}` of `{}.{}` is {} {}",
                            param.name,
                            called.ns,
                            called.op.name,
                            param.ty.article(),
                            param.ty.as_str()
                        ),
                    );
                    return None;
                }
                Some(ArgSource::Bound(var))
            }
            WithValue::Literal(l) => self.literal_source(called, param, l, e.value_pos),
        }
    }

    /// `param` fed by the exposed input `name`, which must exist and be able to feed it ([`Resolver::feed`]).
    fn input_source(
        &mut self,
        site: &CallSite,
        called: &Called,
        param: &Param,
        inputs: &mut [ExposedInput],
        name: String,
        pos: Pos,
    ) -> Option<ArgSource> {
        let Some(i) = inputs.iter_mut().find(|i| i.name == name) else {
            let known: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
            let other_case = known
                .iter()
                .find(|k| k.eq_ignore_ascii_case(&name))
                .map(|k| format!("; `{k}` differs only in case (names are case-sensitive)"))
                .unwrap_or_default();
            self.d.error(
                Code::UnknownInput,
                pos,
                format!(
                    "`{}.{name}` names an input that does not exist (inputs: {}){other_case}",
                    site.ctx.prefix(),
                    list_or_none(&known)
                ),
            );
            return None;
        };
        self.feed(called, param, i, pos, "")
            .then_some(ArgSource::Input(name))
    }

    /// Whether input `i` can feed `param`, reporting at `pos` when it cannot: a query parameter takes an input of
    /// its type; a path or header parameter, whose value is sent as text, an input of any type but `object` and
    /// `array`. An input that
    /// feeds a required or path parameter becomes required. `how` says how the input was bound, for the message.
    fn feed(
        &mut self,
        called: &Called,
        param: &Param,
        i: &mut ExposedInput,
        pos: Pos,
        how: &str,
    ) -> bool {
        let is_path = called.is_path_param(&param.name);
        let is_text = is_path || called.is_header_param(&param.name);
        let fits = if is_text {
            i.ty.is_scalar()
        } else {
            called.is_body_param(&param.name) || i.ty == param.ty
        };
        if !fits {
            self.d.error(
                Code::InvalidValue,
                pos,
                format!(
                    "input `{}`{how} is {} {} but {} `{}` of `{}.{}` {}",
                    i.name,
                    i.ty.article(),
                    i.ty.as_str(),
                    if is_path {
                        "path parameter"
                    } else if is_text {
                        "header parameter"
                    } else {
                        "parameter"
                    },
                    param.name,
                    called.ns,
                    called.op.name,
                    if is_text {
                        "is text".to_owned()
                    } else {
                        format!("is {} {}", param.ty.article(), param.ty.as_str())
                    }
                ),
            );
            return false;
        }
        i.required |= param.required || is_path;
        true
    }

    /// A literal for `param`, which must parse as the parameter's type.
    fn literal_source(
        &mut self,
        called: &Called,
        param: &Param,
        l: String,
        pos: Pos,
    ) -> Option<ArgSource> {
        let ok = match param.ty {
            ParamType::String => true,
            ParamType::Integer => l.parse::<i64>().is_ok(),
            ParamType::Number => l.parse::<f64>().is_ok_and(f64::is_finite),
            ParamType::Boolean => l == "true" || l == "false",
            ParamType::Object | ParamType::Array => {
                self.d
                    .unsupported(pos, format!("{} literals in `with:`", param.ty.as_str()));
                return None;
            }
        };
        if !ok {
            self.d.error(
                Code::InvalidValue,
                pos,
                format!(
                    "`{l}` is not a valid {} for parameter `{}` of `{}.{}`",
                    param.ty.as_str(),
                    param.name,
                    called.ns,
                    called.op.name
                ),
            );
            return None;
        }
        Some(ArgSource::Literal(l))
    }

    /// Binds an unmapped parameter to the input of the same name, adding that input when there is none (a REST path
    /// parameter cannot be added: it is an error). Returns whether the parameter is bound.
    fn bind_by_name(
        &mut self,
        site: &CallSite,
        called: &Called,
        p: &Param,
        inputs: &mut Vec<ExposedInput>,
    ) -> bool {
        if let Some(i) = inputs.iter_mut().find(|i| i.name == p.name) {
            let pos = i.pos;
            return self.feed(called, p, i, pos, " (bound by name)");
        }
        let is_path = called.is_path_param(&p.name);
        if called.is_body_param(&p.name) && site.ctx == Ctx::Rest {
            self.d.error(
                Code::UnsuppliedPathParam,
                site.pos,
                format!(
                    "`{{{{{}}}}}` of the body of `{}.{}` is not supplied: declare an input `{}` (in the path, the query or the body) or map it in `with:`",
                    p.name, called.ns, called.op.name, p.name
                ),
            );
            return false;
        }
        if is_path && site.ctx == Ctx::Rest {
            self.d.error(
                Code::UnsuppliedPathParam,
                site.pos,
                format!(
                    "path parameter `{}` of `{}.{}` is not supplied: the exposed path `{}` has no `{{{}}}`, no input `{}` is declared, and `with:` does not map it",
                    p.name,
                    called.ns,
                    called.op.name,
                    site.path.map(|t| t.template.as_str()).unwrap_or_default(),
                    p.name,
                    p.name
                ),
            );
            return false;
        }
        inputs.push(added_input(called, p));
        true
    }

    /// Where an unmapped parameter's `value` says its value comes from: an input of the caller (an MCP tool adds it
    /// when it has none of that name), a bound value, or a literal.
    fn value_source(
        &mut self,
        site: &CallSite,
        called: &Called,
        p: &Param,
        value: ArgSource,
        inputs: &mut Vec<ExposedInput>,
    ) -> Option<ArgSource> {
        match value {
            ArgSource::Input(name) => {
                if site.ctx == Ctx::Mcp && !inputs.iter().any(|i| i.name == name) {
                    inputs.push(ExposedInput {
                        name: name.clone(),
                        for_param: false,
                        ..added_input(called, p)
                    });
                }
                self.input_source(site, called, p, inputs, name, p.pos)
            }
            ArgSource::Bound(var) if p.ty != ParamType::String => {
                self.d.error(
                    Code::InvalidValue,
                    p.pos,
                    format!(
                        "`{{{{{var}}}}}` is a string but parameter `{}` of `{}.{}` is {} {}",
                        p.name,
                        called.ns,
                        called.op.name,
                        p.ty.article(),
                        p.ty.as_str()
                    ),
                );
                None
            }
            ArgSource::Bound(var) => Some(ArgSource::Bound(var)),
            ArgSource::Literal(l) => self.literal_source(called, p, l, p.pos),
        }
    }

    /// Resolves a `with:` value: an input (`rest.X`, `tools.X`, `<namespace>.X`), a bound value (`{{VAR}}`) or a
    /// literal.
    fn with_value(&mut self, v: &Scalar, pos: Pos, site: &CallSite) -> Option<WithValue> {
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
        if let Some(inner) = bound_var(text) {
            // `{{tools.x}}`, `{{rest.x}}`, `{{<namespace>.x}}`, or `{{x}}` that is not a bound variable's name:
            // the exposed input `x`, as Mustache templates of the format name them.
            let input = match inner.split_once('.') {
                Some((prefix, name)) if site.names_inputs(prefix) => Some(name),
                None if !names::is_binding_var(inner) && names::is_param_name(inner) => Some(inner),
                _ => None,
            };
            if let Some(name) = input {
                return Some(WithValue::Input {
                    name: name.to_owned(),
                    pos,
                });
            }
            return Some(WithValue::Bound {
                var: self.bound_ref(inner, pos),
            });
        }
        if let Some((prefix, name)) = text.split_once('.')
            && names::is_param_name(name)
        {
            if site.names_inputs(prefix) {
                return Some(WithValue::Input {
                    name: name.to_owned(),
                    pos,
                });
            }
            if prefix == site.ctx.other_prefix() {
                self.d.error(
                    Code::UnknownInput,
                    pos,
                    format!(
                        "`{text}` refers to {} inputs, but this is {}: write `{}.{name}`",
                        if site.ctx == Ctx::Rest {
                            "MCP tool"
                        } else {
                            "REST"
                        },
                        if site.ctx == Ctx::Rest {
                            "a REST operation"
                        } else {
                            "an MCP tool"
                        },
                        site.ctx.prefix()
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
}
