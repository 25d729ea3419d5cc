//! MCP exposures: transport, port, and tools with their annotations and final argument lists.

use super::Resolver;
use super::call::{CallSite, Called, Ctx};
use super::fields::{
    items, param_type, port, report_extra, report_extra_keys, req, text, unsupported,
};
use super::outputs::exposed_output;
use crate::diagnostic::{Code, Pos};
use crate::ir::{
    ArgBinding, ArgSource, Call, ConsumedApi, ExposedInput, Hints, InputLocation, McpAdapter,
    McpIdents, McpTransport, Operation, Tool,
};
use crate::parse::model::{self, Field};

/// A declared tool input, and whether it says `required: true`.
struct DeclaredInput {
    input: ExposedInput,
    required: bool,
}

impl Resolver<'_> {
    pub(super) fn mcp(
        &mut self,
        e: &model::Exposure,
        at: Pos,
        apis: &[ConsumedApi],
    ) -> Option<McpAdapter> {
        let what = "an mcp exposure";
        let ns = self.exposure_common(e, at, what);
        let inbound = self.inbound_auth(e);
        if let Some(r) = &e.resources {
            self.d.unsupported(r.key_pos, "MCP `resources`");
        }
        unsupported(&e.prompts, "MCP `prompts`", self.d);
        let transport = self.transport(&e.transport);
        let port = e.port.as_ref().and_then(|p| port(p, self.d));
        req(&e.tools, "tools", "mcp exposure", at, self.d);
        let ns_name = ns.map(|n| n.value.as_str());
        let tools = items(&e.tools)
            .iter()
            .filter_map(|t| self.tool(&t.value, model::pos_of(t), apis, ns_name))
            .collect();
        let ns = ns?;
        Some(McpAdapter {
            namespace: ns.value.clone(),
            namespace_pos: ns.pos,
            description: text(&e.description),
            address: super::exposes::address(&e.address, self.d),
            port,
            transport,
            inbound,
            tools,
            idents: McpIdents::default(),
        })
    }

    fn transport(&mut self, t: &Option<Field<String>>) -> McpTransport {
        let Some(t) = t else {
            return McpTransport::Http;
        };
        match t.value.as_str() {
            "http" => McpTransport::Http,
            "stdio" => McpTransport::Stdio,
            other => {
                self.d.error(
                    Code::InvalidValue,
                    t.pos,
                    format!("MCP transport `{other}` is not one of http, stdio"),
                );
                McpTransport::Http
            }
        }
    }

    fn tool(
        &mut self,
        t: &model::McpTool,
        at: Pos,
        apis: &[ConsumedApi],
        ns: Option<&str>,
    ) -> Option<Tool> {
        let site = CallSite {
            ctx: Ctx::Mcp,
            ns,
            pos: at,
            path: None,
        };
        let (entries, extra) = self.with_entries(t, &t.with, &site);
        report_extra_keys(t, extra.into_iter(), self.d);
        unsupported(&t.r#ref, "`ref` (aggregate functions)", self.d);
        unsupported(&t.steps, "`steps` (orchestrated tools)", self.d);
        unsupported(&t.mappings, "`mappings` (orchestrated tools)", self.d);
        let name = req(&t.name, "name", "MCP tool", at, self.d);
        // A tool without `call`, `steps` or `ref` whose `outputParameters` give its answer is the format's mock mode.
        if t.call.is_none()
            && t.steps.is_none()
            && t.r#ref.is_none()
            && let Some(outputs) = &t.output_parameters
        {
            self.d.unsupported(
                outputs.key_pos,
                "mock tools (`outputParameters` answered without a `call`)",
            );
            return None;
        }
        let output = exposed_output(&t.output_parameters, self.d);
        let hints = self.hints(&t.hints);
        let orchestrated = t.steps.is_some() || t.r#ref.is_some();
        let target = self.called_operation(&t.call, orchestrated, at, "MCP tool", apis);
        let body = target.is_some_and(|c| apis[c.api].operations[c.op].body);
        let declared = self.tool_inputs(items(&t.input_parameters), body);
        let mut inputs: Vec<ExposedInput> = declared.iter().map(|d| d.input.clone()).collect();
        let target = target?;
        let api = &apis[target.api];
        let op = &api.operations[target.op];
        let called = Called {
            ns: &api.namespace,
            op,
        };
        let args = self.bind_args(&site, &called, &entries, &mut inputs);
        require_declared_inputs(&declared, &args, op, &mut inputs);
        let name = name?;
        Some(Tool {
            ident: String::new(),
            name: name.value.clone(),
            title: text(super::ikanos::label(&t.label, &t.display)),
            description: text(&t.description).or_else(|| op.description.clone()),
            hints,
            call: Call {
                target,
                inputs,
                args,
                body: op.body,
                output,
            },
            pos: name.pos,
        })
    }

    /// The tool's annotations, the format's defaults where a hint is absent.
    fn hints(&mut self, h: &Option<Field<model::McpToolHints>>) -> Hints {
        let mut hints = Hints::default();
        let Some(h) = h else {
            return hints;
        };
        report_extra(&h.value, self.d);
        let v = &h.value;
        for (f, hint) in [
            (&v.read_only, &mut hints.read_only),
            (&v.destructive, &mut hints.destructive),
            (&v.idempotent, &mut hints.idempotent),
            (&v.open_world, &mut hints.open_world),
        ] {
            if let Some(x) = f {
                *hint = x.value;
            }
        }
        hints
    }

    /// The declared tool inputs, each name once; `body` is taken when the called operation forwards a body.
    fn tool_inputs(
        &mut self,
        declared: &[serde_saphyr::Spanned<model::McpToolInputParameter>],
        body: bool,
    ) -> Vec<DeclaredInput> {
        let mut inputs: Vec<DeclaredInput> = Vec::new();
        for p in declared {
            let p_pos = model::pos_of(p);
            let p = &p.value;
            report_extra(p, self.d);
            let pname = req(&p.name, "name", "MCP tool input parameter", p_pos, self.d);
            let ty = param_type(&p.r#type, self.d);
            let (Some(pname), Some(ty)) = (pname, ty) else {
                continue;
            };
            if inputs.iter().any(|d| d.input.name == pname.value) || pname.value == "body" && body {
                self.d.error(
                    Code::DuplicateName,
                    pname.pos,
                    format!("tool input `{}` is declared twice", pname.value),
                );
                continue;
            }
            inputs.push(DeclaredInput {
                input: ExposedInput {
                    name: pname.value.clone(),
                    ident: String::new(),
                    local: String::new(),
                    for_param: false,
                    ty,
                    description: text(&p.description),
                    required: false,
                    location: InputLocation::Query,
                    body_path: Vec::new(),
                    pos: pname.pos,
                },
                required: p.required.as_ref().is_some_and(|r| r.value),
            });
        }
        inputs
    }
}

/// A declared input is required when it feeds a consumed path parameter or a required query parameter (the binding
/// made it so), and otherwise as its `required:` says (optional when absent).
fn require_declared_inputs(
    declared: &[DeclaredInput],
    args: &[ArgBinding],
    op: &Operation,
    inputs: &mut [ExposedInput],
) {
    for d in declared {
        let feeds_path = args.iter().any(|a| {
            a.source == ArgSource::Input(d.input.name.clone())
                && op.path_params.iter().any(|p| p.name == a.param)
        });
        if let Some(i) = inputs.iter_mut().find(|i| i.name == d.input.name) {
            i.required |= d.required;
            if feeds_path {
                i.location = InputLocation::Path;
            }
        }
    }
}
