//! Consumed APIs (`capability.consumes[]`): namespace, base URI, authentication, and their resources' operations.

use std::collections::BTreeMap;

use super::Resolver;
use super::binds::bound_var;
use super::fields::{items, not_here, report_extra, req, text, unsupported};
use super::templates::{base_uri, path_template};
use crate::diagnostic::{Code, Pos};
use crate::ir::{
    ApiIdents, Auth, BaseUri, ConsumedApi, Credential, FixedParam, KeyPlacement, Operation,
    ValueSource,
};
use crate::names;
use crate::parse::model::{self, SpecObject};

impl Resolver<'_> {
    pub(super) fn consumes(&mut self, c: &model::ConsumesHttp, at: Pos) -> Option<ConsumedApi> {
        report_extra(c, self.d);
        self.ikanos_consumes(c);
        if c.location.is_some() || c.from.is_some() || c.import.is_some() {
            return self.imported(c, at);
        }
        not_here(&c.r#as, "as", "an inline consumed API", self.d);
        if let Some(t) = req(&c.r#type, "type", "consumed API", at, self.d)
            && t.value != "http"
        {
            self.d
                .unsupported(t.pos, format!("consumed API of type `{}`", t.value));
        }
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
        let params = self.fixed_params(&c.input_parameters);
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
            params,
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

    pub(super) fn auth(&mut self, a: &model::Authentication, at: Pos) -> Auth {
        report_extra(a, self.d);
        let Some(t) = req(&a.r#type, "type", "authentication", at, self.d) else {
            return Auth::None;
        };
        match t.value.as_str() {
            "bearer" => self.bearer_auth(a, at),
            "basic" => self.basic_auth(a, at),
            "apikey" => self.api_key_auth(a, at),
            "digest" | "oauth2" => {
                self.d.unsupported(
                    t.pos,
                    format!(
                        "authentication type `{}` (`bearer`, `basic` and `apikey` are implemented)",
                        t.value
                    ),
                );
                Auth::None
            }
            other => {
                self.d.error(
                    Code::InvalidValue,
                    t.pos,
                    format!(
                        "authentication type `{other}` is not one of bearer, basic, apikey, digest, oauth2"
                    ),
                );
                Auth::None
            }
        }
    }

    /// Reports every field of `a` that `kind` authentication (`bearer authentication`) does not have.
    fn only_fields(&mut self, a: &model::Authentication, fields: &[&str], kind: &str) {
        for key in model::Authentication::KEYS {
            if let Some(pos) = a.key_pos(key).filter(|_| !fields.contains(key)) {
                self.d.error(
                    Code::UnknownField,
                    pos,
                    format!("`{key}` is not a field of {kind}"),
                );
            }
        }
    }

    /// `type: bearer`: `token`.
    fn bearer_auth(&mut self, a: &model::Authentication, at: Pos) -> Auth {
        self.only_fields(a, &["type", "token"], "bearer authentication");
        let Some(tok) = req(&a.token, "token", "bearer authentication", at, self.d) else {
            return Auth::None;
        };
        match self.credential(&tok.value, tok.pos, "bearer `token`", Secrecy::Secret) {
            Some(token) => Auth::Bearer { token },
            None => Auth::None,
        }
    }

    /// `type: basic`: `username` and `password`.
    fn basic_auth(&mut self, a: &model::Authentication, at: Pos) -> Auth {
        self.only_fields(a, &["type", "username", "password"], "basic authentication");
        let what = "basic authentication";
        let username = req(&a.username, "username", what, at, self.d)
            .and_then(|u| self.credential(&u.value, u.pos, "basic `username`", Secrecy::Name));
        if let Some(Credential {
            value: ValueSource::Literal(u),
            pos,
            ..
        }) = &username
            && u.contains(':')
        {
            self.d.error(
                Code::InvalidValue,
                *pos,
                "basic `username` must not contain `:` (it separates the user name from the password)",
            );
        }
        let password = req(&a.password, "password", what, at, self.d).and_then(|p| {
            self.credential(
                &p.value,
                p.pos,
                "basic `password`",
                Secrecy::SecretMayBeEmpty,
            )
        });
        match (username, password) {
            (Some(username), Some(password)) => Auth::Basic { username, password },
            _ => Auth::None,
        }
    }

    /// `type: apikey`: the format's `key`, `value` and `placement` (or this dialect's `name` and `in`), or this
    /// dialect's `headers`, a map of header names to values.
    fn api_key_auth(&mut self, a: &model::Authentication, at: Pos) -> Auth {
        let fields = ["type", "key", "value", "placement", "in", "name", "headers"];
        self.only_fields(a, &fields, "apikey authentication");
        if let Some(headers) = &a.headers {
            for key in ["key", "name", "value", "placement", "in"] {
                if let Some(pos) = a.key_pos(key) {
                    self.d.error(
                        Code::UnknownField,
                        pos,
                        format!(
                            "`{key}` is not a field of apikey authentication with `headers` (each header is a key and its value)"
                        ),
                    );
                }
            }
            return self.api_key_headers(&headers.value, headers.pos);
        }
        let name = match (&a.key, &a.name) {
            (Some(k), Some(n)) => {
                self.d.error(
                    Code::DuplicateName,
                    n.key_pos,
                    format!(
                        "`name` and `key` (at {}) both name the API key; give one",
                        k.key_pos
                    ),
                );
                None
            }
            (Some(f), None) | (None, Some(f)) => Some(f),
            (None, None) => {
                self.d.error(
                    Code::MissingField,
                    at,
                    "missing required field `key` in apikey authentication (the header or query parameter the key is sent as; or `headers`, for several headers)",
                );
                None
            }
        };
        let placement = match (&a.placement, &a.r#in) {
            (Some(p), Some(i)) => {
                self.d.error(
                    Code::DuplicateName,
                    i.key_pos,
                    format!(
                        "`in` and `placement` (at {}) both place the API key; give one",
                        p.key_pos
                    ),
                );
                None
            }
            (Some(p), None) => self.placement(p, "placement"),
            (None, Some(i)) => self.placement(i, "in"),
            // The format's default.
            (None, None) => Some(KeyPlacement::Header),
        };
        let value = req(&a.value, "value", "apikey authentication", at, self.d)
            .and_then(|v| self.credential(&v.value, v.pos, "apikey `value`", Secrecy::Secret));
        let (Some(name), Some(placement), Some(value)) = (name, placement, value) else {
            return Auth::None;
        };
        if !self.key_name(&name.value, name.pos, placement, "API key") {
            return Auth::None;
        }
        Auth::ApiKey {
            keys: vec![FixedParam {
                placement,
                name: name.value.clone(),
                value,
            }],
        }
    }

    /// `headers:` of an API key authentication: each entry a header and its value.
    fn api_key_headers(&mut self, headers: &model::Entries<model::Scalar>, at: Pos) -> Auth {
        if headers.entries.is_empty() {
            self.d
                .error(Code::InvalidValue, at, "apikey `headers` lists no header");
            return Auth::None;
        }
        let mut keys: Vec<FixedParam> = Vec::new();
        let mut ok = true;
        for (name, value) in &headers.entries {
            let name_pos = model::pos_of(name);
            if !self.key_name(&name.value, name_pos, KeyPlacement::Header, "API key") {
                ok = false;
                continue;
            }
            if let Some(first) = keys
                .iter()
                .find(|k| k.name.eq_ignore_ascii_case(&name.value))
            {
                self.d.error(
                    Code::DuplicateName,
                    name_pos,
                    format!(
                        "header `{}` is given twice (first as `{}`; header names ignore case)",
                        name.value, first.name
                    ),
                );
                ok = false;
                continue;
            }
            let what = format!("apikey header `{}`", name.value);
            match self.credential(&value.value, model::pos_of(value), &what, Secrecy::Secret) {
                Some(value) => keys.push(FixedParam {
                    placement: KeyPlacement::Header,
                    name: name.value.clone(),
                    value,
                }),
                None => ok = false,
            }
        }
        match ok {
            true => Auth::ApiKey { keys },
            false => Auth::None,
        }
    }

    /// `placement: header|query` (or `in:`).
    fn placement(&mut self, f: &model::Field<String>, key: &str) -> Option<KeyPlacement> {
        match f.value.as_str() {
            "header" => Some(KeyPlacement::Header),
            "query" => Some(KeyPlacement::Query),
            other => {
                self.d.error(
                    Code::InvalidValue,
                    f.pos,
                    format!("API key `{key}: {other}` is not one of header, query"),
                );
                None
            }
        }
    }

    /// Whether `name` can be the name of `what` (`API key`, `parameter`) sent as `placement`; reports it when it
    /// cannot.
    pub(super) fn key_name(
        &mut self,
        name: &str,
        pos: Pos,
        placement: KeyPlacement,
        what: &str,
    ) -> bool {
        let problem = match placement {
            KeyPlacement::Header if !names::is_header_name(name) => format!(
                "{what} header `{name}` is not a header name (letters, digits and any of !#$%&'*+-.^_`|~)"
            ),
            KeyPlacement::Query if name.is_empty() => {
                format!("{what} query parameter has an empty name")
            }
            _ => return true,
        };
        self.d.error(Code::InvalidValue, pos, problem);
        false
    }

    /// A credential, `what` (`bearer `token``): `{{VAR}}`, a bound value, or a literal. A literal secret warns: it
    /// would be compiled into the binary.
    pub(super) fn credential(
        &mut self,
        value: &model::Scalar,
        pos: Pos,
        what: &str,
        secrecy: Secrecy,
    ) -> Option<Credential> {
        let raw = value
            .as_text()
            .filter(|raw| !raw.is_empty() || secrecy == Secrecy::SecretMayBeEmpty);
        let Some(raw) = raw else {
            self.d
                .error(Code::InvalidValue, pos, format!("{what} is empty"));
            return None;
        };
        let value = match bound_var(raw) {
            Some(var) => {
                self.check_bound(var, pos);
                ValueSource::Bound(var.to_owned())
            }
            None if raw.contains("{{") => {
                self.d.unsupported(
                    pos,
                    format!(
                        "`{{{{VAR}}}}` within a longer {what} (it is `{{{{VAR}}}}` or a literal)"
                    ),
                );
                return None;
            }
            None => {
                if secrecy != Secrecy::Name && !raw.is_empty() {
                    self.d.warning(
                        Code::Dialect,
                        pos,
                        format!(
                            "{what} is a literal: it will be compiled into the binary; bind it with `{{{{VAR}}}}` instead"
                        ),
                    );
                }
                ValueSource::Literal(raw.to_owned())
            }
        };
        Some(Credential {
            value,
            pos,
            const_ident: String::new(),
        })
    }
}

/// How a credential is read: a secret (a literal one warns), a secret that may be empty (a password), or a name (a
/// user name, which may be written literally).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Secrecy {
    Secret,
    SecretMayBeEmpty,
    Name,
}
