//! The REST module's names: per REST adapter its handler module, router constructor and constants; per operation
//! its handler and path struct; per input its path struct field and local variable.

use super::scope::Scope;
use super::{Named, Namer};
use crate::ir::{
    Auth, Capability, ConsumedApi, InputLocation, RestAdapter, RestIdents, RestOperation,
};
use crate::names;

/// The types the REST module imports.
const MODULE_TYPES: &[&str] = &["Arc", "Router", "Clients"];

/// The functions the REST module imports (axum's method routers).
const MODULE_VALUES: &[&str] = &["get", "post", "put", "patch", "delete"];

/// The types a handler module imports.
const HANDLER_TYPES: &[&str] = &[
    "Arc",
    "Path",
    "PathRejection",
    "RawQuery",
    "State",
    "Response",
    "rt",
];

/// A handler's arguments and locals besides one local per input.
const HANDLER_LOCALS: &[&str] = &[
    "c", "path", "raw", "headers", "body", "doc", "query", "k", "v",
];

/// A REST adapter's handler module, what its operations declare into.
struct Module<'a> {
    ns: &'a str,
    module: &'a str,
    handlers: Scope,
    types: Scope,
}

pub(super) fn name(n: &mut Namer, cap: &mut Capability) {
    let mut types = Scope::with_generated("the types and modules of the REST module", MODULE_TYPES);
    let mut values = Scope::with_generated(
        "the functions and constants of the REST module",
        MODULE_VALUES,
    );
    for a in &mut cap.rest {
        name_adapter(n, &cap.apis, a, &mut types, &mut values);
    }
}

fn name_adapter(
    n: &mut Namer,
    apis: &[ConsumedApi],
    a: &mut RestAdapter,
    types: &mut Scope,
    values: &mut Scope,
) {
    let ns = a.namespace.clone();
    let Named { base, origin } = n.entity("REST namespace", ns.clone(), a.namespace_pos, &ns);
    let module = names::fn_ident(&base);
    let prefix = names::const_ident(&base);
    a.idents = RestIdents {
        router_fn: format!("{module}_router"),
        port_const: format!("{prefix}_PORT"),
        address_const: format!("{prefix}_ADDRESS"),
        routes_const: format!("{prefix}_ROUTES"),
        openapi_consts: [
            format!("{prefix}_OPENAPI"),
            format!("{prefix}_OPENAPI_BEARER"),
        ],
        auth_fn: inbound_fn(&a.inbound, &module),
        module,
    };
    let idents = &a.idents;
    n.claim(values, &idents.router_fn, &origin);
    n.claim(types, &idents.module, &origin);
    n.claim(values, &idents.port_const, &origin);
    n.claim(values, &idents.address_const, &origin);
    n.claim(values, &idents.routes_const, &origin);
    for c in &idents.openapi_consts {
        n.claim(values, c, &origin);
    }
    if let Some(f) = &idents.auth_fn {
        n.claim(values, f, &origin);
    }
    super::client::name_credentials(n, &prefix, &mut a.inbound, &mut [], &origin, values);
    let module = idents.module.clone();
    let mut scopes = Module {
        ns: &ns,
        module: &module,
        handlers: Scope::new(format!("the handlers of `{module}`")),
        types: Scope::with_generated(format!("the types of `{module}`"), HANDLER_TYPES),
    };
    for op in a.routes.iter_mut().flat_map(|r| &mut r.operations) {
        name_operation(n, apis, op, &mut scopes);
    }
}

/// The function building an adapter's inbound authentication (`shop_rest_auth`), when it has one.
pub(super) fn inbound_fn(inbound: &Auth, module: &str) -> Option<String> {
    (*inbound != Auth::None).then(|| format!("{module}_auth"))
}

/// An operation of a REST adapter: its handler, claimed among the module's handlers, its path struct among the
/// module's types, and its inputs.
fn name_operation(n: &mut Namer, apis: &[ConsumedApi], op: &mut RestOperation, m: &mut Module) {
    let key = format!("{}.{}", m.ns, op.name);
    let Named { base, origin } = n.entity("REST operation", key.clone(), op.pos, &op.name);
    op.ident = names::fn_ident(&base);
    let has_path = op
        .call
        .inputs
        .iter()
        .any(|i| i.location == InputLocation::Path);
    op.path_type = has_path.then(|| names::type_ident(&base, "Path"));
    n.claim(&mut m.handlers, &op.ident, &origin);
    if let Some(t) = &op.path_type {
        n.claim(&mut m.types, t, &origin);
    }
    let called = &apis[op.call.target.api].operations[op.call.target.op];
    let handler = format!("`{}::{}`", m.module, op.ident);
    let mut locals = Scope::with_generated(format!("the variables of {handler}"), HANDLER_LOCALS);
    let path_type = op.path_type.as_deref().unwrap_or_default();
    let mut fields = Scope::new(format!("the fields of `{path_type}`"));
    for i in &mut op.call.inputs {
        let input = n.input(&key, called, i, &mut locals);
        if i.location == InputLocation::Path {
            n.claim(&mut fields, &i.ident, &input);
        }
    }
}
