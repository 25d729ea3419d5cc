//! A consumed API's own `inputParameters`: headers and query parameters with a fixed `value`, sent with every request
//! of the API (`Registry-Version: {{REGISTRY_VERSION}}`, `User-Agent: acme/1.0`).

use super::Resolver;
use super::consumes::Secrecy;
use super::fields::{items, report_extra, req};
use crate::diagnostic::Code;
use crate::ir::{FixedParam, KeyPlacement};
use crate::parse::model::{self, Any, Field, List};

impl Resolver<'_> {
    /// The API-level parameters, in the spec's order. Each is a header or a query parameter with a `value`: a literal,
    /// `{{VAR}}` or `{{env.VAR}}`. `type`, `description` and `required` describe it and are not read.
    pub(super) fn fixed_params(
        &mut self,
        params: &Option<Field<List<model::ConsumedInputParameter>>>,
    ) -> Vec<FixedParam> {
        let what = "API-level input parameter";
        let mut out: Vec<FixedParam> = Vec::new();
        for p in items(params) {
            let p_pos = model::pos_of(p);
            let p = &p.value;
            report_extra(p, self.d);
            let name = req(&p.name, "name", what, p_pos, self.d);
            let placement = req(&p.r#in, "in", what, p_pos, self.d).and_then(|loc| {
                match loc.value.as_str() {
                    "header" => Some(KeyPlacement::Header),
                    "query" => Some(KeyPlacement::Query),
                    "path" | "cookie" | "body" | "environment" => {
                        self.d.unsupported(
                            loc.pos,
                            format!("API-level `in: {}` parameters (`header` and `query` are implemented)", loc.value),
                        );
                        None
                    }
                    other => {
                        self.d.error(
                            Code::InvalidValue,
                            loc.pos,
                            format!("`in: {other}` is not one of path, query, header, cookie, body, environment"),
                        );
                        None
                    }
                }
            });
            let Some(value) = &p.value else {
                if let Some(n) = name {
                    self.d.unsupported(
                        n.pos,
                        format!(
                            "API-level parameter `{}` without a `value` (one every operation's caller would give)",
                            n.value
                        ),
                    );
                }
                continue;
            };
            let (Some(name), Some(placement)) = (name, placement) else {
                continue;
            };
            let Any::Scalar(scalar) = &value.value else {
                self.d.error(
                    Code::InvalidValue,
                    value.pos,
                    format!(
                        "the value of parameter `{}` is a string, not a list or a mapping",
                        name.value
                    ),
                );
                continue;
            };
            if !self.key_name(&name.value, name.pos, placement, "parameter") {
                continue;
            }
            let header = placement == KeyPlacement::Header;
            if let Some(first) = out.iter().find(|f| {
                f.placement == placement
                    && match header {
                        true => f.name.eq_ignore_ascii_case(&name.value),
                        false => f.name == name.value,
                    }
            }) {
                let ignore = if header {
                    " (header names ignore case)"
                } else {
                    ""
                };
                self.d.error(
                    Code::DuplicateName,
                    name.pos,
                    format!(
                        "{} `{}` is given twice (first as `{}`){ignore}",
                        placement.noun(),
                        name.value,
                        first.name
                    ),
                );
                continue;
            }
            let described = format!("the value of parameter `{}`", name.value);
            // A fixed value is not a secret by nature (`User-Agent`): a literal one does not warn.
            if let Some(value) = self.credential(scalar, value.pos, &described, Secrecy::Name) {
                out.push(FixedParam {
                    placement,
                    name: name.value.clone(),
                    value,
                });
            }
        }
        out
    }
}
