//! Consumed APIs (`capability.consumes[]`): namespace, base URI, authentication, and their resources' operations.

use std::collections::BTreeMap;

use super::Resolver;
use super::binds::bound_var;
use super::fields::{items, not_here, report_extra, req, text, unsupported};
use super::templates::{base_uri, path_template};
use crate::diagnostic::{Code, Pos};
use crate::ir::{ApiIdents, Auth, BaseUri, ConsumedApi, Operation, ValueSource};
use crate::names;
use crate::parse::model;

impl Resolver<'_> {
    pub(super) fn consumes(&mut self, c: &model::ConsumesHttp, at: Pos) -> Option<ConsumedApi> {
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
        if let Some(ns) = namespace {
            self.check_namespace(ns);
        }
        let base_uri = req(&c.base_uri, "baseUri", "consumed API", at, self.d)
            .and_then(|b| base_uri(b, self.d));
        let auth = match &c.authentication {
            None => Auth::None,
            Some(a) => self.auth(&a.value, a.pos),
        };
        let ns_name = namespace.map(|n| n.value.clone()).unwrap_or_default();
        let operations = self.consumed_operations(&c.resources, &ns_name);
        let namespace = namespace?;
        Some(ConsumedApi {
            namespace: namespace.value.clone(),
            namespace_pos: namespace.pos,
            description: text(&c.description),
            // A base URI in error keeps the API, so that calls to it resolve and report only their own problems.
            base_uri: base_uri.unwrap_or_else(|| BaseUri {
                template: String::new(),
                parts: Vec::new(),
            }),
            auth,
            operations,
            idents: ApiIdents::default(),
        })
    }

    /// A namespace (consumed or exposed) matches `^[a-zA-Z0-9-]+$`.
    pub(super) fn check_namespace(&mut self, ns: &model::Field<String>) {
        if !names::is_kebab_ident(&ns.value) {
            self.d.error(
                Code::InvalidValue,
                ns.pos,
                format!("namespace `{}` must match `^[a-zA-Z0-9-]+$`", ns.value),
            );
        }
    }

    /// The operations of every resource of the consumed API `ns`, each name once.
    fn consumed_operations(
        &mut self,
        resources: &Option<model::Field<model::List<model::ConsumedResource>>>,
        ns: &str,
    ) -> Vec<Operation> {
        let mut operations: Vec<Operation> = Vec::new();
        let mut op_index: BTreeMap<String, usize> = BTreeMap::new();
        for r in items(resources) {
            let r_pos = model::pos_of(r);
            let r = &r.value;
            report_extra(r, self.d);
            req(&r.name, "name", "consumed resource", r_pos, self.d);
            unsupported(
                &r.input_parameters,
                "resource-level `inputParameters`",
                self.d,
            );
            // The format allows a consumed path without its leading `/` (`users/{id}`): it is relative to the
            // base URI all the same.
            let path = req(&r.path, "path", "consumed resource", r_pos, self.d)
                .map(|p| model::Field {
                    key_pos: p.key_pos,
                    pos: p.pos,
                    value: match p.value.starts_with('/') {
                        true => p.value.clone(),
                        false => format!("/{}", p.value),
                    },
                })
                .and_then(|p| path_template(&p, self.d));
            let what = "consumed resource";
            req(&r.operations, "operations", what, r_pos, self.d);
            for o in items(&r.operations) {
                let o_pos = model::pos_of(o);
                let Some(op) = self.operation(&o.value, o_pos, ns, path.as_ref()) else {
                    continue;
                };
                if let Some(&first) = op_index.get(&op.name) {
                    let first = operations[first].pos;
                    self.d.error(
                        Code::DuplicateName,
                        o.value.name.as_ref().map(|n| n.pos).unwrap_or(o_pos),
                        format!(
                            "operation `{ns}.{}` is declared twice (first at {first})",
                            op.name
                        ),
                    );
                    continue;
                }
                op_index.insert(op.name.clone(), operations.len());
                operations.push(op);
            }
        }
        operations
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
        let token = match bound_var(raw) {
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
}
