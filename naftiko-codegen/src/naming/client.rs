//! The client module's names: per consumed API its client type, `Clients` field and constants; per operation its
//! method and query struct; per parameter its method argument or query field; per bound variable its `Bindings`
//! field.

use super::scope::Origin;
use super::scope::Scope;
use super::{Named, Namer};
use crate::ir::{
    ApiIdents, Auth, BoundKey, Capability, ConsumedApi, Credential, FixedParam, Model, Operation,
    Param, ResponseModel, ValueSource,
};
use crate::names;
use crate::openapi::schema;

/// The types (and modules) the client module declares or imports itself.
const CLIENT_TYPES: &[&str] = &[
    "runtime",
    "Bindings",
    "Clients",
    "ApiKey",
    "Auth",
    "FixedParam",
    "Error",
    "KeyFile",
    "Method",
    "Query",
    "Response",
    "Secret",
    "Transport",
    "Typed",
    "types",
];

/// What the `types` module declares besides the models (typify's conversion errors).
const MODEL_MODULE_ITEMS: &[&str] = &["error"];

/// The fields of `Clients` besides one per consumed API.
const CLIENTS_FIELDS: &[&str] = &["bindings"];

/// The methods of every client besides one per operation.
const CLIENT_METHODS: &[&str] = &["new", "transport"];

/// The arguments and locals of a client method besides its path parameters.
const METHOD_ARGS: &[&str] = &["path", "query", "body", "h"];

/// The client module's scopes that every consumed API declares into.
struct Module {
    types: Scope,
    consts: Scope,
    /// The module's functions (`shop_auth`).
    fns: Scope,
    clients_fields: Scope,
}

pub(super) fn name(n: &mut Namer, cap: &mut Capability) {
    let mut module = Module {
        types: Scope::with_generated("the types of the client module", CLIENT_TYPES),
        consts: Scope::new("the constants of the client module"),
        fns: Scope::new("the functions of the client module"),
        clients_fields: Scope::with_generated("the fields of `Clients`", CLIENTS_FIELDS),
    };
    let mut models = Models {
        scope: Scope::with_generated(
            "the types of the client module's `types`",
            MODEL_MODULE_ITEMS,
        ),
        list: Vec::new(),
        by_schema: Vec::new(),
    };
    for api in &mut cap.apis {
        name_api(n, api, &mut module);
        name_models(n, api, &mut models);
    }
    cap.models = models.list;
    let mut fields = Scope::new("the fields of `Bindings`");
    for b in &mut cap.binds {
        name_bound(n, b, &mut fields);
    }
}

fn name_api(n: &mut Namer, api: &mut ConsumedApi, module: &mut Module) {
    let ns = api.namespace.clone();
    let Named { base, origin } = n.entity("consumed namespace", ns.clone(), api.namespace_pos, &ns);
    let prefix = names::const_ident(&base);
    api.idents = ApiIdents {
        client_type: names::type_ident(&base, "Client"),
        clients_field: names::fn_ident(&base),
        base_uri_const: format!("{prefix}_BASE_URI"),
        placeholders_const: format!("{prefix}_BASE_URI_PLACEHOLDERS"),
        auth_fn: match &api.auth {
            Auth::Basic { .. } | Auth::ApiKey { .. } => {
                Some(names::fn_ident(&format!("{base}_auth")))
            }
            Auth::None | Auth::Bearer { .. } => None,
        },
        params_fn: (!api.params.is_empty()).then(|| names::fn_ident(&format!("{base}_params"))),
    };
    let idents = &api.idents;
    n.claim(&mut module.clients_fields, &idents.clients_field, &origin);
    n.claim(&mut module.types, &idents.client_type, &origin);
    for c in [&idents.base_uri_const, &idents.placeholders_const] {
        n.claim(&mut module.consts, c, &origin);
    }
    for f in [&idents.auth_fn, &idents.params_fn].into_iter().flatten() {
        n.claim(&mut module.fns, f, &origin);
    }
    name_credentials(
        n,
        &prefix,
        &mut api.auth,
        &mut api.params,
        &origin,
        &mut module.consts,
    );
    let client = idents.client_type.clone();
    let mut methods = Scope::with_generated(format!("the methods of `{client}`"), CLIENT_METHODS);
    for op in &mut api.operations {
        name_operation(n, &ns, &client, op, &mut methods, &mut module.types);
    }
}

/// The constants of `auth`'s credentials, each naming its bound variable (`…_VAR`) or holding its literal:
/// `{P}_BEARER_TOKEN`, `{P}_BASIC_USERNAME` and `{P}_BASIC_PASSWORD`, and `{P}_{NAME}` for the API key `NAME`
/// (`SHOP_X_API_KEY_VAR` for the header `X-Api-Key`), and `{P}_{NAME}` for the fixed parameter `NAME`. An API key's
/// or a fixed parameter's constant is claimed as its own (two of one API may clash); the others as the API's.
pub(super) fn name_credentials(
    n: &mut Namer,
    prefix: &str,
    auth: &mut Auth,
    params: &mut [FixedParam],
    api: &Origin,
    consts: &mut Scope,
) {
    let mut named: Vec<(&mut Credential, String, Option<Origin>)> = match auth {
        Auth::None => Vec::new(),
        Auth::Bearer { token } => vec![(token, "BEARER_TOKEN".into(), None)],
        Auth::Basic { username, password } => vec![
            (username, "BASIC_USERNAME".into(), None),
            (password, "BASIC_PASSWORD".into(), None),
        ],
        Auth::ApiKey { keys } => keys
            .iter_mut()
            .map(|k| {
                let origin = Origin {
                    kind: "API key",
                    name: format!("{}: {}", api.name, k.name),
                    pos: k.value.pos,
                    renamed: None,
                };
                (&mut k.value, names::const_ident(&k.name), Some(origin))
            })
            .collect(),
    };
    named.extend(params.iter_mut().map(|p| {
        let origin = Origin {
            kind: "fixed parameter",
            name: format!("{}: {}", api.name, p.name),
            pos: p.value.pos,
            renamed: None,
        };
        (&mut p.value, names::const_ident(&p.name), Some(origin))
    }));
    for (c, role, origin) in named {
        c.const_ident = match c.value {
            ValueSource::Bound(_) => format!("{prefix}_{role}_VAR"),
            ValueSource::Literal(_) => format!("{prefix}_{role}"),
        };
        n.claim(consts, &c.const_ident, origin.as_ref().unwrap_or(api));
    }
}

/// The models of the `types` module: each named once, a response schema met again reusing its model.
struct Models {
    scope: Scope,
    list: Vec<Model>,
    /// The canonical text of each response model's schema, with its index in `list`.
    by_schema: Vec<(String, usize)>,
}

impl Models {
    /// The model of `schema`: an existing response model with the same schema, or a new one named `name`.
    fn model(
        &mut self,
        n: &mut Namer,
        name: String,
        schema: serde_json::Value,
        read: bool,
        origin: &Origin,
    ) -> String {
        let text = schema.to_string();
        if read && let Some((_, i)) = self.by_schema.iter().find(|(t, _)| *t == text) {
            return self.list[*i].name.clone();
        }
        n.claim(&mut self.scope, &name, origin);
        if read {
            self.by_schema.push((text, self.list.len()));
        }
        self.list.push(Model {
            name: name.clone(),
            schema,
            read,
        });
        name
    }
}

/// The models of `api`'s typed operations: `{Operation}Request` for a body; for a response, the model of the same
/// schema when there is one, else `X` for a `GetX` operation (`GetApplication` → `Application`), `{Operation}Item`
/// for the items of an array, `{Operation}Response` otherwise. `Get` operations are named first, so that the
/// responses of the others that share their schema share their name.
fn name_models(n: &mut Namer, api: &mut ConsumedApi, models: &mut Models) {
    let ns = api.namespace.clone();
    let mut order: Vec<usize> = (0..api.operations.len()).collect();
    order.sort_by_key(|&i| !is_get(&api.operations[i]));
    for i in order {
        let op = &mut api.operations[i];
        let get = is_get(op);
        let Some(typing) = &mut op.typing else {
            continue;
        };
        let key = format!("{ns}.{}", op.name);
        let Named { base, origin } =
            n.entity("consumed operation", key, op.pos, &typing.operation_id);
        let base = names::type_ident(&base, "");
        if let Some(body) = &typing.body {
            let name = names::type_ident(&base, "Request");
            typing.types.body =
                Some(models.model(n, name, schema::for_types(body), false, &origin));
        }
        typing.types.response = match &typing.response {
            None => ResponseModel::Empty,
            Some(response) => {
                let response = schema::for_types(response);
                match array_items(&response) {
                    Some(items) => {
                        let name = names::type_ident(&base, "Item");
                        ResponseModel::ListOf(models.model(n, name, items, true, &origin))
                    }
                    None => {
                        let name = match base.strip_prefix("Get") {
                            Some(rest) if get && rest.starts_with(char::is_uppercase) => {
                                rest.to_owned()
                            }
                            _ => names::type_ident(&base, "Response"),
                        };
                        ResponseModel::Named(models.model(n, name, response, true, &origin))
                    }
                }
            }
        };
    }
}

/// A `GET` whose `operationId` reads `Get…`.
fn is_get(op: &Operation) -> bool {
    op.method == crate::ir::Method::Get
        && op
            .typing
            .as_ref()
            .is_some_and(|t| t.operation_id.starts_with("Get"))
}

/// The items' schema of an array schema.
fn array_items(schema: &serde_json::Value) -> Option<serde_json::Value> {
    let is_array = match schema.get("type")? {
        serde_json::Value::String(t) => t == "array",
        _ => false,
    };
    is_array.then(|| schema.get("items").cloned()).flatten()
}

/// A consumed operation of `ns`, a method of `client`, claimed among its `methods`; its query struct among the
/// module's `types`.
fn name_operation(
    n: &mut Namer,
    ns: &str,
    client: &str,
    op: &mut Operation,
    methods: &mut Scope,
    types: &mut Scope,
) {
    let key = format!("{ns}.{}", op.name);
    let spec_base = op
        .typing
        .as_ref()
        .map_or(op.name.as_str(), |t| t.operation_id.as_str());
    let Named { base, origin } = n.entity("consumed operation", key.clone(), op.pos, spec_base);
    op.ident = names::fn_ident(&base);
    op.raw_ident = match &op.typing {
        Some(_) => format!("{}_raw", op.ident),
        None => op.ident.clone(),
    };
    op.query_type = (!op.query_params.is_empty()).then(|| names::type_ident(&base, "Query"));
    n.claim(methods, &op.ident, &origin);
    if op.raw_ident != op.ident {
        n.claim(methods, &op.raw_ident, &origin);
    }
    if let Some(t) = &op.query_type {
        n.claim(types, t, &origin);
    }
    let what = format!("the arguments of `{client}::{}`", op.ident);
    let mut args = Scope::with_generated(what, METHOD_ARGS);
    for p in op
        .path_params
        .iter_mut()
        .chain(&mut op.header_params)
        .chain(&mut op.body_params)
    {
        name_param(n, &key, p, &mut args);
    }
    let query_type = op.query_type.as_deref().unwrap_or_default();
    let mut fields = Scope::new(format!("the fields of `{query_type}`"));
    for p in &mut op.query_params {
        name_param(n, &key, p, &mut fields);
    }
}

/// A parameter of the operation `op` (`ns.op`), claimed in `scope`.
fn name_param(n: &mut Namer, op: &str, p: &mut Param, scope: &mut Scope) {
    let key = format!("{op}.{}", p.name);
    let Named { base, origin } = n.entity("parameter", key, p.pos, &p.name);
    p.ident = names::field_ident(&base);
    n.claim(scope, &p.ident, &origin);
}

/// A bound variable's field of `Bindings` (`{{LOGTO_TOKEN}}` → `logto_token`).
fn name_bound(n: &mut Namer, b: &mut BoundKey, fields: &mut Scope) {
    let key = format!("{{{{{}}}}}", b.var);
    let Named { base, origin } = n.entity("bound variable", key, b.pos, &b.var.to_lowercase());
    b.field = names::fn_ident(&base);
    n.claim(fields, &b.field, &origin);
}
