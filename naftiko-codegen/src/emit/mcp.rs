//! The rmcp MCP adapter module: per MCP exposure, a static tool table, a `ServerHandler`, and one function per tool
//! that validates the arguments and calls the typed client.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::{Map, Value, json};

use super::args::call_args;
use super::parts::{Block, Parts};
use super::schemas;
use super::{doc_lines, ident};
use crate::ir::{Capability, McpAdapter, OutputMapping, ParamType, Tool};
use crate::openapi::schema;

/// The name of the body argument of POST/PUT/PATCH tools.
pub const BODY_ARG: &str = "body";

/// Adds the parts of the MCP adapter module to `file`.
pub(crate) fn emit<'a>(cap: &'a Capability, runtime: &'a str, file: &mut Parts<'a>) {
    file.items(move || header(runtime));
    for a in &cap.mcp {
        file.items(move || tool_table(cap, a));
        file.items(move || {
            let auth_fn = a.idents.auth_fn.as_deref();
            super::inbound::items(cap, runtime, &a.namespace, &a.inbound, auth_fn)
        });
        file.items(move || server(a));
        file.block(
            Block::Mod,
            &a.tools,
            move |fns| tools_module(a, runtime, fns),
            move |t| tool_fn(cap, runtime, t),
        );
    }
}

/// The module's documentation and imports.
fn header(runtime: &str) -> TokenStream {
    let rt = super::runtime_path(runtime);
    quote! {
        //! Generated MCP adapters (rmcp): tool tables, servers and tool functions.

        use std::sync::Arc;

        use rmcp::handler::server::ServerHandler;
        use rmcp::model::{
            CallToolRequestParams, CallToolResponse, ErrorData, ListToolsResult, PaginatedRequestParams,
            ServerConfig, Tool,
        };
        use rmcp::service::{RequestContext, RoleServer};

        use super::client::Clients;
        use #rt::mcp::{self as rt, ToolDef};
    }
}

/// The JSON Schema of a tool's arguments: one `type` per property, no `$ref`, `$defs`, `format` or type arrays, no
/// `oneOf` (`anyOf` instead). A typed operation's body is the `body` property, with the body's schema from the
/// OpenAPI document (its properties, `required`, enums, descriptions and defaults), and the parameters' enums and
/// defaults come from there too.
pub fn input_schema(cap: &Capability, tool: &Tool) -> String {
    let op = cap.operation(tool.call.target);
    let mut props = Map::new();
    let mut required = Vec::new();
    for i in &tool.call.inputs {
        let p = schemas::input_property(op, &tool.call, i);
        props.insert(i.name.clone(), Value::Object(p));
        if i.required {
            required.push(Value::String(i.name.clone()));
        }
    }
    if tool.call.body {
        let sent = format!(
            "The JSON request body sent to {} ({} {}).",
            cap.apis[tool.call.target.api].namespace,
            op.method.as_str(),
            op.path.template
        );
        let typed = op
            .typing
            .as_ref()
            .and_then(|t| Some((t.body.as_ref()?, t.body_required)));
        let body = match typed {
            Some((schema, body_required)) => {
                if body_required {
                    required.push(Value::String(BODY_ARG.into()));
                }
                let mut schema = schema::for_tools(schema);
                if let Value::Object(o) = &mut schema {
                    o.entry("description").or_insert(Value::String(sent));
                }
                schema
            }
            None => json!({"type": "object", "description": sent}),
        };
        props.insert(BODY_ARG.into(), body);
    }
    let mut schema = Map::new();
    schema.insert("type".into(), Value::String("object".into()));
    schema.insert("properties".into(), Value::Object(props));
    if !required.is_empty() {
        schema.insert("required".into(), Value::Array(required));
    }
    Value::Object(schema).to_string()
}

/// The JSON Schema of a tool's structured content: a shaped output's, from its shape; otherwise, when the called
/// operation's successful response is documented, an object as the upstream sends it, or an array as the tool wraps
/// it (`{"items": [...], "totalNumber": n}`, see the runtime's `result_json`).
pub fn output_schema(cap: &Capability, tool: &Tool) -> Option<String> {
    if let OutputMapping::Shaped(s) = &tool.call.output {
        return Some(super::shape::tool_schema(s).to_string());
    }
    let op = cap.operation(tool.call.target);
    let response = schema::for_output(op.typing.as_ref()?.response.as_ref()?);
    let ty = response.get("type")?.as_str()?;
    let schema = match ty {
        "object" => response,
        "array" => json!({
            "type": "object",
            "properties": {
                "items": response,
                "totalNumber": {"type": "integer", "description": "The total number of entries (`Total-Number`), when the upstream counts them."},
            },
            "required": ["items"],
        }),
        _ => return None,
    };
    Some(schema.to_string())
}

/// The constants of `a` and its tool table.
/// The toolset of `t`: the group of the consumed operation's path, or the consumed API's namespace.
fn toolset<'c>(cap: &'c Capability, t: &Tool) -> &'c str {
    cap.operation(t.call.target)
        .path
        .group()
        .unwrap_or(&cap.apis[t.call.target.api].namespace)
}

fn tool_table(cap: &Capability, a: &McpAdapter) -> TokenStream {
    let tools_const = ident(&a.idents.tools_const);
    let toolsets_const = ident(&a.idents.toolsets_const);
    let mut toolsets: Vec<&str> = Vec::new();
    for t in &a.tools {
        let s = toolset(cap, t);
        if !toolsets.contains(&s) {
            toolsets.push(s);
        }
    }
    let name_const = ident(&a.idents.name_const);
    let instr_const = ident(&a.idents.instructions_const);
    let port_const = ident(&a.idents.port_const);
    let address_const = ident(&a.idents.address_const);
    let address = super::opt_str(a.address.as_deref());
    let ns = &a.namespace;
    let instructions = match &a.description {
        Some(d) => quote!(Some(#d)),
        None => quote!(None),
    };
    let port = match a.port {
        Some(p) => quote!(Some(#p)),
        None => quote!(None),
    };
    let defs = a.tools.iter().map(|t| {
        let name = &t.name;
        let title = super::opt_str(t.title.as_deref());
        let description = super::opt_str(t.description.as_deref());
        let schema = input_schema(cap, t);
        let output = super::opt_str(output_schema(cap, t).as_deref());
        let set = toolset(cap, t);
        let (ro, de, id, ow) = (
            t.hints.read_only,
            t.hints.destructive,
            t.hints.idempotent,
            t.hints.open_world,
        );
        quote! {
            ToolDef {
                name: #name,
                title: #title,
                description: #description,
                input_schema: #schema,
                output_schema: #output,
                read_only: #ro,
                destructive: #de,
                idempotent: #id,
                open_world: #ow,
                toolset: #set,
            },
        }
    });
    let tools_doc = format!(" The tools of `{ns}`, in spec order.");
    quote! {
        /// The server name announced in `initialize` (the exposure's namespace).
        pub const #name_const: &str = #ns;
        /// The instructions announced in `initialize` (the exposure's description).
        pub const #instr_const: Option<&str> = #instructions;
        /// The port the spec gives this adapter.
        pub const #port_const: Option<u16> = #port;
        /// The host name or IP address the spec gives this adapter (`address`); where the server listens is chosen
        /// when it starts.
        pub const #address_const: Option<&str> = #address;

        #[doc = #tools_doc]
        pub static #tools_const: &[ToolDef] = &[#(#defs)*];
        /// The toolsets of its tools, in order: each the first segment of the consumed paths its tools call (after
        /// `api` and a version), what `rt::Selection` chooses tools by.
        pub const #toolsets_const: &[&str] = &[#(#toolsets),*];
    }
}

/// The server of `a`: its tool dispatch ([`Dispatch`](rt::Dispatch)) and its rmcp [`ServerHandler`].
fn server(a: &McpAdapter) -> TokenStream {
    let tools_const = ident(&a.idents.tools_const);
    let name_const = ident(&a.idents.name_const);
    let instr_const = ident(&a.idents.instructions_const);
    let server = ident(&a.idents.server_type);
    let module = ident(&a.idents.module);
    let arms = a.tools.iter().enumerate().map(|(i, t)| {
        let name = &t.name;
        let f = ident(&t.ident);
        quote!(#name if self.served[#i] => #module::#f(clients, args).await,)
    });
    let tools_count = match a.tools.len() {
        1 => "1 tool".to_owned(),
        n => format!("{n} tools"),
    };
    let server_doc = format!(" The `{}` MCP server: {tools_count}.", a.namespace);
    quote! {
        #[doc = #server_doc]
        ///
        /// [`new`](Self::new) builds the tool table once; clones share it, so a server per session or per request (as
        /// a stateless streamable HTTP service makes) costs a few reference counts.
        #[derive(Clone)]
        pub struct #server {
            clients: Arc<Clients>,
            /// The tools served, as `tools/list` lists them.
            tools: Arc<[Tool]>,
            /// Per tool of the table, whether it is served: a tool that is not is an unknown tool.
            served: Arc<[bool]>,
            config: Arc<ServerConfig>,
        }

        impl #server {
            /// The server of every tool.
            pub fn new(clients: Arc<Clients>) -> Self {
                Self::with_selection(clients, &rt::Selection::all())
            }

            /// The server of the tools `selection` chooses.
            pub fn with_selection(clients: Arc<Clients>, selection: &rt::Selection) -> Self {
                let served = selection.mask(#tools_const);
                Self {
                    clients,
                    tools: rt::served_tools(#tools_const, &served),
                    served,
                    config: Arc::new(rt::server_config(#name_const, env!("CARGO_PKG_VERSION"), #instr_const)),
                }
            }
        }

        impl rt::Dispatch for #server {
            async fn call_tool(&self, name: &str, args: Option<rmcp::model::JsonObject>) -> Option<rt::Outcome> {
                let clients = &*self.clients;
                let result = match name {
                    #(#arms)*
                    _ => return None,
                };
                Some(match result {
                    Ok(called) => rt::Outcome::Called(called),
                    Err(refusal) => rt::Outcome::Refused(refusal),
                })
            }
        }

        impl ServerHandler for #server {
            fn get_info(&self) -> ServerConfig {
                ServerConfig::clone(&self.config)
            }

            async fn list_tools(
                &self,
                _request: Option<PaginatedRequestParams>,
                _context: RequestContext<RoleServer>,
            ) -> Result<ListToolsResult, ErrorData> {
                Ok(ListToolsResult::with_all_items(self.tools.to_vec()))
            }

            fn get_tool(&self, name: &str) -> Option<Tool> {
                self.tools.iter().find(|t| t.name == name).cloned()
            }

            async fn call_tool(
                &self,
                request: CallToolRequestParams,
                _context: RequestContext<RoleServer>,
            ) -> Result<CallToolResponse, ErrorData> {
                match rt::Dispatch::call_tool(self, &request.name, request.arguments).await {
                    Some(outcome) => Ok(outcome.into_result().into()),
                    None => Err(ErrorData::invalid_params(
                        format!("unknown tool `{}`", request.name.escape_default()),
                        None,
                    )),
                }
            }
        }
    }
}

/// The module of `a`'s tool functions, around `fns`.
fn tools_module(a: &McpAdapter, runtime: &str, fns: TokenStream) -> TokenStream {
    let rt = super::runtime_path(runtime);
    let module = ident(&a.idents.module);
    let module_doc = format!(" Tool functions of `{}`.", a.namespace);
    quote! {
        #[doc = #module_doc]
        pub mod #module {
            use rmcp::model::{CallToolResult, JsonObject};

            use super::super::client::*;
            use #rt::client::{Error, Response};
            use #rt::mcp as rt;

            #fns
        }
    }
}

fn tool_fn(cap: &Capability, runtime: &str, t: &Tool) -> TokenStream {
    let api = &cap.apis[t.call.target.api];
    let op = cap.operation(t.call.target);
    let client_field = ident(&api.idents.clients_field);
    let call = ident(&op.raw_ident);
    let name = ident(&t.ident);
    let mut accepted: Vec<&str> = t.call.inputs.iter().map(|i| i.name.as_str()).collect();
    if t.call.body {
        accepted.push(BODY_ARG);
    }
    let mut doc = vec![format!("`{}` → `{}.{}`", t.name, api.namespace, op.name)];
    if let Some(d) = &t.description {
        doc.insert(0, String::new());
        doc.insert(0, d.clone());
    }
    let doc = doc_lines(&doc);
    let mut body = Vec::new();
    for i in &t.call.inputs {
        let f = ident(&i.local);
        let key = &i.name;
        let getter = format_ident!("{}", i.ty.as_str());
        let ty = i.ty.as_str();
        if i.required {
            body.push(quote!(let #f = rt::required(a.#getter(#key)?, #key, #ty, ACCEPTED)?;));
        } else {
            body.push(quote!(let #f = a.#getter(#key)?;));
        }
        if !super::args::is_used(&t.call, i) {
            body.push(quote!(let _ = #f;));
        }
        // The values the input schema lists, when the OpenAPI document gives the parameter an enum.
        let listed: Vec<String> = schemas::input_property(op, &t.call, i)
            .get("enum")
            .and_then(|e| e.as_array())
            .map(|e| {
                e.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        if i.ty == ParamType::String && !listed.is_empty() {
            body.push(if i.required {
                quote!(rt::one_of(&#f, #key, &[#(#listed),*])?;)
            } else {
                quote! {
                    if let Some(v) = &#f {
                        rt::one_of(v, #key, &[#(#listed),*])?;
                    }
                }
            });
        }
    }
    if t.call.body {
        let model = op
            .typing
            .as_ref()
            .and_then(|typing| Some((typing.types.body.as_deref()?, typing.body_required)));
        body.push(match model {
            Some((m, true)) => {
                let m = ident(m);
                quote! {
                    let body = rt::required(a.body_as::<super::super::client::types::#m>(#BODY_ARG)?, #BODY_ARG, "object", ACCEPTED)?;
                    let body = Some(body);
                }
            }
            Some((m, false)) => {
                let m = ident(m);
                quote!(let body = a.body_as::<super::super::client::types::#m>(#BODY_ARG)?;)
            }
            None => quote!(let body = a.body(#BODY_ARG)?;),
        });
    }
    let (mut args, query) = call_args(cap, &t.call, &super::runtime_path(runtime), |i| {
        let l = ident(&i.local);
        quote!(#l)
    });
    body.push(query);
    if t.call.body {
        args.push(quote!(body.as_ref()));
    }
    let shape = super::shape::after_call(&super::runtime_path(runtime), &t.call.output);
    let args_check = if accepted.is_empty() {
        quote!(rt::Args::new(args, ACCEPTED)?;)
    } else {
        quote!(let mut a = rt::Args::new(args, ACCEPTED)?;)
    };
    quote! {
        #doc
        pub async fn #name(c: &Clients, args: Option<JsonObject>) -> Result<Result<Response, Error>, CallToolResult> {
            const ACCEPTED: &[&str] = &[#(#accepted),*];
            #args_check
            #(#body)*
            Ok(c.#client_field.#call(#(#args),*).await #shape)
        }
    }
}
