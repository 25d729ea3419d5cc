//! Stage 3 — check: rules over the resolved IR as a whole (uniqueness, names the targets accept). Together with the
//! resolver's reports, every diagnostic of a spec comes out of one run.

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostic::{Code, Diagnostics, Pos};
use crate::ir::Capability;
use crate::names;

pub fn check(cap: &Capability, d: &mut Diagnostics) {
    let mut c = Clashes {
        d,
        reported: BTreeSet::new(),
    };
    check_in(cap, &mut c);
}

/// Reports names that become the same Rust identifier, each pair once (a clash of consumed parameters would
/// otherwise be reported again for every exposure that inherits them).
struct Clashes<'d> {
    d: &'d mut Diagnostics,
    reported: BTreeSet<(String, String)>,
}

fn check_in(cap: &Capability, c: &mut Clashes<'_>) {
    for api in &cap.apis {
        c.clashes(
            api.operations
                .iter()
                .map(|o| (o.name.as_str(), o.ident.as_str(), o.pos)),
            &format!("operations of `{}`", api.namespace),
        );
        for op in &api.operations {
            c.clashes(
                op.path_params
                    .iter()
                    .chain(&op.query_params)
                    .map(|p| (p.name.as_str(), p.ident.as_str(), p.pos)),
                &format!("parameters of `{}.{}`", api.namespace, op.name),
            );
        }
    }
    for rest in &cap.rest {
        let mut seen: BTreeMap<(String, &str), (Pos, String)> = BTreeMap::new();
        for route in &rest.routes {
            for op in &route.operations {
                let key = (route.path.shape(), op.method.as_str());
                let shown = format!("{} {}", op.method.as_str(), route.path.template);
                if let Some((first, first_shown)) = seen.get(&key) {
                    c.d.error(
                        Code::DuplicateRoute,
                        op.pos,
                        if *first_shown == shown {
                            format!("`{shown}` is exposed twice in `{}` (first at {first})", rest.namespace)
                        } else {
                            format!(
                                "`{shown}` answers the same requests as `{first_shown}` (at {first}) in `{}`",
                                rest.namespace
                            )
                        },
                    );
                } else {
                    seen.insert(key, (op.pos, shown));
                }
                c.clashes(
                    op.call
                        .inputs
                        .iter()
                        .map(|i| (i.name.as_str(), i.ident.as_str(), i.pos)),
                    &format!("inputs of REST operation `{}`", op.name),
                );
            }
        }
        c.clashes(
            rest.routes
                .iter()
                .flat_map(|r| &r.operations)
                .map(|o| (o.name.as_str(), o.ident.as_str(), o.pos)),
            &format!("operations of `{}`", rest.namespace),
        );
    }
    for mcp in &cap.mcp {
        let mut seen: BTreeMap<&str, Pos> = BTreeMap::new();
        for tool in &mcp.tools {
            if !names::is_tool_name(&tool.name) {
                c.d.error(
                    Code::InvalidToolName,
                    tool.pos,
                    format!(
                        "MCP tool name `{}` must match `^[A-Za-z0-9_.-]{{1,64}}$` (what MCP clients accept)",
                        tool.name
                    ),
                );
            }
            match seen.get(tool.name.as_str()) {
                Some(first) => c.d.error(
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
            c.clashes(
                tool.call
                    .inputs
                    .iter()
                    .map(|i| (i.name.as_str(), i.ident.as_str(), i.pos)),
                &format!("inputs of MCP tool `{}`", tool.name),
            );
        }
        let mut distinct: Vec<_> = Vec::new();
        for t in &mcp.tools {
            if seen.get(t.name.as_str()) == Some(&t.pos) {
                distinct.push((t.name.as_str(), t.ident.as_str(), t.pos));
            }
        }
        c.clashes(
            distinct.into_iter(),
            &format!("tools of `{}`", mcp.namespace),
        );
    }
}

impl Clashes<'_> {
    /// Reports distinct names that become the same Rust identifier.
    fn clashes<'a>(&mut self, items: impl Iterator<Item = (&'a str, &'a str, Pos)>, what: &str) {
        let mut seen: BTreeMap<&str, (&str, Pos)> = BTreeMap::new();
        for (name, ident, pos) in items {
            match seen.get(ident) {
                Some((first, first_pos)) if *first != name => {
                    if self.reported.insert((first.to_string(), name.to_owned())) {
                        self.d.error(
                            Code::IdentClash,
                            pos,
                            format!(
                                "`{name}` and `{first}` (at {first_pos}) both become the Rust identifier `{ident}` among the {what}; rename one"
                            ),
                        );
                    }
                }
                Some(_) => {}
                None => {
                    seen.insert(ident, (name, pos));
                }
            }
        }
    }
}
