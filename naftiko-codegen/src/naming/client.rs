//! The client module's names: per consumed API its client type, `Clients` field and constants; per operation its
//! method and query struct; per parameter its method argument or query field; per bound variable its `Bindings`
//! field.

use super::scope::Scope;
use super::{Named, Namer};
use crate::ir::{
    ApiIdents, Auth, BoundKey, Capability, ConsumedApi, Operation, Param, ValueSource,
};
use crate::names;

/// The types (and modules) the client module declares or imports itself.
const CLIENT_TYPES: &[&str] = &[
    "runtime",
    "Bindings",
    "Clients",
    "Error",
    "Method",
    "Query",
    "Response",
    "Secret",
    "Transport",
];

/// The fields of `Clients` besides one per consumed API.
const CLIENTS_FIELDS: &[&str] = &["bindings"];

/// The methods of every client besides one per operation.
const CLIENT_METHODS: &[&str] = &["new", "transport"];

/// The arguments and locals of a client method besides its path parameters.
const METHOD_ARGS: &[&str] = &["path", "query", "body"];

/// The client module's scopes that every consumed API declares into.
struct Module {
    types: Scope,
    consts: Scope,
    clients_fields: Scope,
}

pub(super) fn name(n: &mut Namer, cap: &mut Capability) {
    let mut module = Module {
        types: Scope::with_generated("the types of the client module", CLIENT_TYPES),
        consts: Scope::new("the constants of the client module"),
        clients_fields: Scope::with_generated("the fields of `Clients`", CLIENTS_FIELDS),
    };
    for api in &mut cap.apis {
        name_api(n, api, &mut module);
    }
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
        token_const: match &api.auth {
            Auth::Bearer {
                token: ValueSource::Bound(_),
            } => Some(format!("{prefix}_BEARER_TOKEN_VAR")),
            Auth::Bearer {
                token: ValueSource::Literal(_),
            } => Some(format!("{prefix}_BEARER_TOKEN")),
            Auth::None => None,
        },
    };
    let idents = &api.idents;
    n.claim(&mut module.clients_fields, &idents.clients_field, &origin);
    n.claim(&mut module.types, &idents.client_type, &origin);
    for c in [&idents.base_uri_const, &idents.placeholders_const]
        .into_iter()
        .chain(&idents.token_const)
    {
        n.claim(&mut module.consts, c, &origin);
    }
    let client = idents.client_type.clone();
    let mut methods = Scope::with_generated(format!("the methods of `{client}`"), CLIENT_METHODS);
    for op in &mut api.operations {
        name_operation(n, &ns, &client, op, &mut methods, &mut module.types);
    }
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
    let Named { base, origin } = n.entity("consumed operation", key.clone(), op.pos, &op.name);
    op.ident = names::fn_ident(&base);
    op.query_type = (!op.query_params.is_empty()).then(|| names::type_ident(&base, "Query"));
    n.claim(methods, &op.ident, &origin);
    if let Some(t) = &op.query_type {
        n.claim(types, t, &origin);
    }
    let what = format!("the arguments of `{client}::{}`", op.ident);
    let mut args = Scope::with_generated(what, METHOD_ARGS);
    for p in &mut op.path_params {
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
