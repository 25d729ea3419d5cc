//! Stage 4 — check: rules over the resolved and named IR as a whole (routes and tools that must be unique, tool
//! names MCP clients accept). Together with the resolver's and the naming pass's reports, every diagnostic of a spec
//! comes out of one run.

use std::collections::BTreeMap;

use crate::diagnostic::{Code, Diagnostics, Pos};
use crate::ir::{Capability, McpAdapter, RestAdapter};
use crate::names;

pub fn check(cap: &Capability, d: &mut Diagnostics) {
    for rest in &cap.rest {
        routes(rest, d);
    }
    for mcp in &cap.mcp {
        tools(mcp, d);
    }
}

/// Two REST operations answering the same method on the same path shape; two paths of one shape that name their
/// placeholders differently (axum serves a shape under one set of names, and refuses the router otherwise).
fn routes(rest: &RestAdapter, d: &mut Diagnostics) {
    let mut seen: BTreeMap<(String, &str), (Pos, String)> = BTreeMap::new();
    // Shape → the first path of that shape (normalised, as written) and where.
    let mut shapes: BTreeMap<String, (String, &str, Pos)> = BTreeMap::new();
    for route in &rest.routes {
        for op in &route.operations {
            let key = (route.path.shape(), op.method.as_str());
            let shown = format!("{} {}", op.method.as_str(), route.path.template);
            let (first_normalized, first_path, first_pos) = shapes
                .entry(route.path.shape())
                .or_insert((route.path.normalized(), &route.path.template, op.pos))
                .clone();
            match seen.get(&key) {
                Some((first, first_shown)) => d.error(
                    Code::DuplicateRoute,
                    op.pos,
                    if *first_shown == shown {
                        format!(
                            "`{shown}` is exposed twice in `{}` (first at {first})",
                            rest.namespace
                        )
                    } else {
                        format!(
                            "`{shown}` answers the same requests as `{first_shown}` (at {first}) in `{}`",
                            rest.namespace
                        )
                    },
                ),
                None if first_normalized != route.path.normalized() => d.error(
                    Code::DuplicateRoute,
                    op.pos,
                    format!(
                        "`{shown}` names the placeholders of `{first_path}` (at {first_pos}) otherwise in `{}`: one path, one set of names",
                        rest.namespace
                    ),
                ),
                None => {
                    seen.insert(key, (op.pos, shown));
                }
            }
        }
    }
}

/// MCP tool names: what MCP clients accept, each once per adapter.
fn tools(mcp: &McpAdapter, d: &mut Diagnostics) {
    let mut seen: BTreeMap<&str, Pos> = BTreeMap::new();
    for tool in &mcp.tools {
        if !names::is_tool_name(&tool.name) {
            d.error(
                Code::InvalidToolName,
                tool.pos,
                format!(
                    "MCP tool name `{}` must match `^[A-Za-z0-9_.-]{{1,64}}$` (what MCP clients accept)",
                    tool.name
                ),
            );
        }
        match seen.get(tool.name.as_str()) {
            Some(first) => d.error(
                Code::DuplicateTool,
                tool.pos,
                format!(
                    "MCP tool `{}` is declared twice in `{}` (first at {first})",
                    tool.name, mcp.namespace
                ),
            ),
            None => {
                seen.insert(&tool.name, tool.pos);
            }
        }
    }
}
