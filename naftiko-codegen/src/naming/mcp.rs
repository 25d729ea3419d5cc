//! The MCP module's names: per MCP adapter its tool module, server type and constants; per tool its
//! function; per input its local variable.

use std::collections::BTreeSet;

use super::scope::Scope;
use super::{Named, Namer};
use crate::ir::{Capability, ConsumedApi, McpAdapter, McpIdents};
use crate::names;

/// The types the MCP module imports.
const MODULE_TYPES: &[&str] = &[
    "Arc",
    "ServerHandler",
    "CallToolRequestParams",
    "CallToolResponse",
    "ErrorData",
    "ListToolsResult",
    "PaginatedRequestParams",
    "ServerConfig",
    "Tool",
    "RequestContext",
    "RoleServer",
    "Clients",
    "ToolDef",
    "rt",
];

/// A tool function's arguments and locals besides one local per input.
const TOOL_LOCALS: &[&str] = &["c", "args", "a", "body", "query"];

pub(super) fn name(n: &mut Namer, cap: &mut Capability) {
    let mut types = Scope::with_generated("the types and modules of the MCP module", MODULE_TYPES);
    let mut values = Scope::new("the functions and constants of the MCP module");
    for a in &mut cap.mcp {
        name_adapter(n, &cap.apis, a, &mut types, &mut values);
    }
}

fn name_adapter(
    n: &mut Namer,
    apis: &[ConsumedApi],
    a: &mut McpAdapter,
    types: &mut Scope,
    values: &mut Scope,
) {
    let ns = a.namespace.clone();
    let Named { base, origin } = n.entity("MCP namespace", ns.clone(), a.namespace_pos, &ns);
    let module = names::fn_ident(&base);
    let prefix = names::const_ident(&base);
    a.idents = McpIdents {
        server_type: names::type_ident(&base, "Server"),
        tools_const: format!("{prefix}_TOOLS"),
        toolsets_const: format!("{prefix}_TOOLSETS"),
        name_const: format!("{prefix}_NAME"),
        instructions_const: format!("{prefix}_INSTRUCTIONS"),
        port_const: format!("{prefix}_PORT"),
        address_const: format!("{prefix}_ADDRESS"),
        auth_fn: super::rest::inbound_fn(&a.inbound, &module),
        module,
    };
    let idents = &a.idents;
    n.claim(types, &idents.module, &origin);
    n.claim(types, &idents.server_type, &origin);
    for c in [
        &idents.tools_const,
        &idents.toolsets_const,
        &idents.name_const,
        &idents.instructions_const,
        &idents.port_const,
        &idents.address_const,
    ] {
        n.claim(values, c, &origin);
    }
    if let Some(f) = &idents.auth_fn {
        n.claim(values, f, &origin);
    }
    super::client::name_credentials(n, &prefix, &mut a.inbound, &mut [], &origin, values);
    let module = idents.module.clone();
    let mut functions = Scope::new(format!("the tool functions of `{module}`"));
    let mut seen = BTreeSet::new();
    for t in &mut a.tools {
        let key = format!("{ns}.{}", t.name);
        let Named { base, origin } = n.entity("MCP tool", key.clone(), t.pos, &t.name);
        t.ident = names::fn_ident(&base);
        // A repeated tool name is a duplicate tool, which `check` reports; its function is not a second problem.
        if seen.insert(t.name.clone()) {
            n.claim(&mut functions, &t.ident, &origin);
        }
        let what = format!("the variables of `{module}::{}`", t.ident);
        let mut locals = Scope::with_generated(what, TOOL_LOCALS);
        let called = &apis[t.call.target.api].operations[t.call.target.op];
        for i in &mut t.call.inputs {
            n.input(&key, called, i, &mut locals);
        }
    }
}
