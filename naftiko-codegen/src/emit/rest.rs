//! The axum REST adapter module: per REST exposure, a `Router` constructor and one handler per exposed operation.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::args::call_args;
use super::client::param_rust_type;
use super::parts::{Block, Parts};
use super::{doc_lines, ident};
use crate::ir::{
    Call, Capability, ExposedInput, InputLocation, Method, ParamType, PathStep, RestAdapter,
    RestOperation,
};

/// axum's method router for `m` (`get`, `post`…).
fn routing_fn(m: Method) -> proc_macro2::Ident {
    format_ident!("{}", m.as_str().to_lowercase())
}

/// Adds the parts of the REST adapter module to `file`.
pub(crate) fn emit<'a>(cap: &'a Capability, runtime: &'a str, file: &mut Parts<'a>) {
    file.items(move || header(cap));
    for a in &cap.rest {
        adapter(cap, a, runtime, file);
    }
}

/// The module's documentation and imports.
fn header(cap: &Capability) -> TokenStream {
    let mut methods: Vec<Method> = cap
        .rest
        .iter()
        .flat_map(|a| &a.routes)
        // Only a route's first method is the free function (`get(…)`); the others are methods (`.post(…)`).
        .filter_map(|r| r.operations.first())
        .map(|o| o.method)
        .collect();
    methods.sort_unstable_by_key(|m| m.as_str());
    methods.dedup();
    let methods = methods.into_iter().map(routing_fn);
    quote! {
        //! Generated axum REST adapters.

        use std::sync::Arc;

        use axum::Router;
        use axum::routing::{#(#methods),*};

        use super::client::Clients;
    }
}

fn adapter<'a>(cap: &'a Capability, a: &'a RestAdapter, runtime: &'a str, file: &mut Parts<'a>) {
    file.items(move || router(cap, a, runtime));
    file.block(
        Block::Mod,
        a.routes.iter().flat_map(|r| &r.operations),
        move |handlers| handlers_module(a, runtime, handlers),
        move |op| handler(cap, runtime, op),
    );
}

/// The constants of `a` and its router constructor.
fn router(cap: &Capability, a: &RestAdapter, runtime: &str) -> TokenStream {
    let [openapi_const, openapi_bearer_const] =
        a.idents.openapi_consts.each_ref().map(|c| ident(c));
    let openapi = super::openapi_doc::document(cap, a, false);
    let openapi_bearer = super::openapi_doc::document(cap, a, true);
    let openapi_doc = format!(
        " The OpenAPI 3.1 document of `{}`, served at `GET /openapi.json`; `…_BEARER` when inbound authentication is on.",
        a.namespace
    );
    let port_const = ident(&a.idents.port_const);
    let address_const = ident(&a.idents.address_const);
    let address = super::opt_str(a.address.as_deref());
    let routes_const = ident(&a.idents.routes_const);
    let port = a.port;
    let module = ident(&a.idents.module);
    let router_fn = ident(&a.idents.router_fn);
    let port_doc = format!(" The port the spec gives `{}`.", a.namespace);
    let routes_doc = format!(
        " Every route of `{}`: method and path, in spec order.",
        a.namespace
    );
    let mut table = Vec::new();
    let mut routes = Vec::new();
    for r in &a.routes {
        let path = r.path.normalized();
        let mut chain = Vec::new();
        for (i, op) in r.operations.iter().enumerate() {
            let m = routing_fn(op.method);
            let h = ident(&op.ident);
            chain.push(if i == 0 {
                quote!(#m(#module::#h))
            } else {
                quote!(.#m(#module::#h))
            });
            let method = op.method.as_str();
            table.push(quote!((#method, #path)));
        }
        routes.push(quote!(.route(#path, #(#chain)*)));
    }
    let routes_count = match table.len() {
        1 => "1 route".to_owned(),
        n => format!("{n} routes"),
    };
    let mut doc = vec![format!(
        "The `{}` REST adapter: {routes_count}.",
        a.namespace
    )];
    if let Some(d) = &a.description {
        doc.push(String::new());
        doc.push(d.clone());
    }
    let router_doc = doc_lines(&doc);
    let inbound = super::inbound::items(
        cap,
        runtime,
        &a.namespace,
        &a.inbound,
        a.idents.auth_fn.as_deref(),
    );
    quote! {
        #[doc = #port_doc]
        pub const #port_const: u16 = #port;
        /// The host name or IP address the spec gives this adapter (`address`); where the server listens is chosen
        /// when it starts.
        pub const #address_const: Option<&str> = #address;

        #[doc = #routes_doc]
        pub const #routes_const: &[(&str, &str)] = &[#(#table),*];

        #[doc = #openapi_doc]
        pub const #openapi_const: &str = #openapi;
        #[doc = #openapi_doc]
        pub const #openapi_bearer_const: &str = #openapi_bearer;

        #inbound

        #router_doc
        pub fn #router_fn(clients: Arc<Clients>) -> Router {
            Router::new()
                #(#routes)*
                .with_state(clients)
        }
    }
}

/// The module of `a`'s handlers, around `handlers`.
fn handlers_module(a: &RestAdapter, runtime: &str, handlers: TokenStream) -> TokenStream {
    let rt = super::runtime_path(runtime);
    let module = ident(&a.idents.module);
    let module_doc = format!(" Handlers of `{}`.", a.namespace);
    let ops = || a.routes.iter().flat_map(|r| r.operations.iter());
    let path_imports = if ops().any(|o| {
        o.call
            .inputs
            .iter()
            .any(|i| i.location == InputLocation::Path)
    }) {
        quote! {
            use axum::extract::Path;
            use axum::extract::rejection::PathRejection;
        }
    } else {
        quote!()
    };
    quote! {
        #[doc = #module_doc]
        pub mod #module {
            use std::sync::Arc;

            #path_imports
            use axum::extract::{RawQuery, State};
            use axum::response::Response;

            use super::super::client::*;
            use #rt::rest as rt;

            #handlers
        }
    }
}

fn handler(cap: &Capability, runtime: &str, op: &RestOperation) -> TokenStream {
    let api = &cap.apis[op.call.target.api];
    let called = cap.operation(op.call.target);
    let client_field = ident(&api.idents.clients_field);
    let name = ident(&op.ident);
    let mut doc = vec![format!(
        "`{} …` → `{}.{}`",
        op.method.as_str(),
        api.namespace,
        called.name
    )];
    if let Some(d) = &op.description {
        doc.insert(0, String::new());
        doc.insert(0, d.clone());
    }
    let doc = doc_lines(&doc);

    let mut params = vec![quote!(State(c): State<Arc<Clients>>)];
    let mut prelude = Vec::new();
    if let Some(t) = &op.path_type {
        let t = ident(t);
        params.push(quote!(path: Result<Path<#t>, PathRejection>));
        prelude.push(quote!(let Path(path) = path.map_err(rt::bad_path)?;));
    }
    params.push(quote!(RawQuery(raw): RawQuery));
    prelude.extend(query_prelude(op));
    let header_inputs = header_prelude(op);
    if !header_inputs.is_empty() {
        params.push(quote!(headers: axum::http::HeaderMap));
        prelude.extend(header_inputs);
    }
    let body_inputs: Vec<&ExposedInput> = op
        .call
        .inputs
        .iter()
        .filter(|i| i.location == InputLocation::Body)
        .collect();
    if op.call.body || !body_inputs.is_empty() {
        params.push(quote!(body: rt::RequestBody));
        prelude.push(quote!(let body = rt::json_body(body)?;));
    }
    if !body_inputs.is_empty() {
        prelude.push(quote!(let doc = rt::body_document(body.as_deref())?;));
        let rtp = super::runtime_path(runtime);
        for i in body_inputs {
            prelude.extend(body_input(&op.call, i, &rtp));
        }
    }

    let (mut args, query) = call_args(cap, &op.call, &super::runtime_path(runtime), place);
    prelude.push(query);
    if op.call.body {
        args.push(quote!(body.as_deref()));
    }
    let call = ident(&called.raw_ident);
    let shape = super::shape::after_call(&super::runtime_path(runtime), &op.call.output);
    let path_struct = path_struct(op);
    quote! {
        #path_struct

        #doc
        pub async fn #name(#(#params),*) -> Result<Response, rt::Problem> {
            #(#prelude)*
            Ok(rt::respond(c.#client_field.#call(#(#args),*).await #shape))
        }
    }
}

/// The struct a handler reads its path inputs into, when it has any.
fn path_struct(op: &RestOperation) -> TokenStream {
    let Some(t) = &op.path_type else {
        return quote!();
    };
    let t = ident(t);
    let fields = op
        .call
        .inputs
        .iter()
        .filter(|i| i.location == InputLocation::Path)
        .map(|i| {
            let f = ident(&i.ident);
            let rename = &i.name;
            let ty = param_rust_type(i.ty);
            quote! {
                #[serde(rename = #rename)]
                pub #f: #ty,
            }
        });
    quote! {
        #[derive(serde::Deserialize)]
        pub struct #t {
            #(#fields)*
        }
    }
}

/// The statements that read a handler's query inputs from the raw query, each into its local; without query
/// inputs, the one that refuses any query.
fn query_prelude(op: &RestOperation) -> Vec<TokenStream> {
    let query_inputs: Vec<&ExposedInput> = op
        .call
        .inputs
        .iter()
        .filter(|i| i.location == InputLocation::Query)
        .collect();
    if query_inputs.is_empty() {
        return vec![quote!(rt::no_query(raw.as_deref())?;)];
    }
    let mut prelude = Vec::new();
    let object = query_inputs.iter().find(|i| i.ty == ParamType::Object);
    let accepted: Vec<&str> = query_inputs
        .iter()
        .filter(|i| i.ty != ParamType::Object)
        .map(|i| i.name.as_str())
        .collect();
    for i in &query_inputs {
        let f = ident(&i.local);
        let ty = param_rust_type(i.ty);
        prelude.push(quote!(let mut #f: Option<#ty> = None;));
    }
    let arms = query_inputs
        .iter()
        .filter(|i| i.ty != ParamType::Object)
        .map(|i| {
            let f = ident(&i.local);
            let key = &i.name;
            if i.ty == ParamType::Array {
                // Each repetition of the key is one element.
                return quote!(#key => #f.get_or_insert_with(Vec::new).push(v.into_owned()),);
            }
            let parse = format_ident!("parse_{}", i.ty.as_str());
            quote!(#key => rt::set_once(&mut #f, #key, rt::#parse(#key, &v)?)?,)
        });
    let fallback = match object {
        Some(o) => {
            let f = ident(&o.local);
            quote!(_ => rt::absorb(&mut #f, k, v)?,)
        }
        None => quote!(_ => return Err(rt::unknown_query(&k, &[#(#accepted),*])),),
    };
    prelude.push(quote! {
        for (k, v) in rt::query_pairs(raw.as_deref()) {
            match k.as_ref() {
                #(#arms)*
                #fallback
            }
        }
    });
    for i in query_inputs.iter().filter(|i| i.required) {
        let f = ident(&i.local);
        let key = &i.name;
        prelude.push(quote!(let #f = rt::required(#f, #key)?;));
    }
    for i in query_inputs
        .iter()
        .filter(|i| !super::args::is_used(&op.call, i))
    {
        let f = ident(&i.local);
        prelude.push(quote!(let _ = #f;));
    }
    prelude
}

/// The statements that read the `in: body` input `i` from `doc`, the request's JSON body, into its local.
fn body_input(call: &Call, i: &ExposedInput, rtp: &TokenStream) -> Vec<TokenStream> {
    let f = ident(&i.local);
    let name = &i.name;
    let steps = super::shape::steps_of(&i.body_path, &quote!(#rtp::shape::Step));
    let at: String = std::iter::once("$".to_owned())
        .chain(i.body_path.iter().map(|s| match s {
            PathStep::Key(k) => format!(".{k}"),
            PathStep::Index(n) => format!("[{n}]"),
            PathStep::Each => "[*]".to_owned(),
        }))
        .collect();
    let (ty, what) = match i.ty {
        ParamType::String => (quote!(String), "a string"),
        ParamType::Integer => (quote!(i64), "an integer"),
        ParamType::Number => (quote!(f64), "a number"),
        ParamType::Boolean => (quote!(bool), "a boolean"),
        ParamType::Object => (
            quote!(::std::collections::BTreeMap<String, String>),
            "an object of strings",
        ),
        ParamType::Array => (quote!(Vec<String>), "a list of strings"),
    };
    let mut out = vec![quote! {
        let #f: Option<#ty> = rt::body_input(doc.as_ref(), &[#(#steps),*], #name, #at, #what)?;
    }];
    if i.required {
        out.push(quote!(let #f = rt::required_in_body(#f, #name, #at)?;));
    }
    if !super::args::is_used(call, i) {
        out.push(quote!(let _ = #f;));
    }
    out
}

/// The statements that read a handler's header inputs from the request's headers, each into its local.
fn header_prelude(op: &RestOperation) -> Vec<TokenStream> {
    op.call
        .inputs
        .iter()
        .filter(|i| i.location == InputLocation::Header)
        .map(|i| {
            let f = ident(&i.local);
            let key = &i.name;
            let read = format_ident!("header_{}", i.ty.as_str());
            if i.required {
                quote!(let #f = rt::required_header(rt::#read(&headers, #key)?, #key)?;)
            } else {
                quote!(let #f = rt::#read(&headers, #key)?;)
            }
        })
        .collect()
}

/// Where a handler holds input `i` once parsed: a field of the path struct, or a local.
fn place(i: &ExposedInput) -> TokenStream {
    if i.location == InputLocation::Path {
        let f = ident(&i.ident);
        quote!(path.#f)
    } else {
        let l = ident(&i.local);
        quote!(#l)
    }
}
