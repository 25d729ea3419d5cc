//! The axum REST adapter module: per REST exposure, a `Router` constructor and one handler per exposed operation.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::client::{binding_field, clients_field, param_rust_type, query_type};
use super::{doc_lines, ident};
use crate::ir::{
    ArgSource, Capability, ExposedInput, InputLocation, Param, ParamType, RestAdapter,
    RestOperation,
};
use crate::names;

pub fn emit(cap: &Capability) -> TokenStream {
    let adapters = cap.rest.iter().map(|a| adapter(cap, a));
    let mut methods: Vec<&str> = cap
        .rest
        .iter()
        .flat_map(|a| &a.routes)
        // Only a route's first method is the free function (`get(…)`); the others are methods (`.post(…)`).
        .filter_map(|r| r.operations.first())
        .map(|o| o.method.as_str())
        .collect();
    methods.sort_unstable();
    methods.dedup();
    let methods = methods
        .iter()
        .map(|m| format_ident!("{}", m.to_lowercase()));
    quote! {
        //! Generated axum REST adapters.

        use std::sync::Arc;

        use axum::Router;
        use axum::routing::{#(#methods),*};

        use super::client::Clients;

        #(#adapters)*
    }
}

fn adapter(cap: &Capability, a: &RestAdapter) -> TokenStream {
    let prefix = names::const_ident(&a.namespace);
    let port_const = format_ident!("{prefix}_PORT");
    let routes_const = format_ident!("{prefix}_ROUTES");
    let port = a.port;
    let module = ident(&names::fn_ident(&a.namespace));
    let router_fn = format_ident!("{}_router", names::fn_ident(&a.namespace));
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
            let m = format_ident!("{}", op.method.as_str().to_lowercase());
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
    let handlers = a
        .routes
        .iter()
        .flat_map(|r| r.operations.iter())
        .map(|op| handler(cap, op));
    let mut doc = vec![format!(
        "The `{}` REST adapter: {} routes.",
        a.namespace,
        table.len()
    )];
    if let Some(d) = &a.description {
        doc.push(String::new());
        doc.push(d.clone());
    }
    let router_doc = doc_lines(&doc);
    let module_doc = format!(" Handlers of `{}`.", a.namespace);
    let ops = || a.routes.iter().flat_map(|r| r.operations.iter());
    let body_imports = if ops().any(|o| o.body) {
        quote! {
            use axum::body::Bytes;
            use axum::extract::rejection::BytesRejection;
        }
    } else {
        quote!()
    };
    let path_imports = if ops().any(|o| o.inputs.iter().any(|i| i.location == InputLocation::Path))
    {
        quote! {
            use axum::extract::Path;
            use axum::extract::rejection::PathRejection;
        }
    } else {
        quote!()
    };
    quote! {
        #[doc = #port_doc]
        pub const #port_const: u16 = #port;

        #[doc = #routes_doc]
        pub const #routes_const: &[(&str, &str)] = &[#(#table),*];

        #router_doc
        pub fn #router_fn(clients: Arc<Clients>) -> Router {
            Router::new()
                #(#routes)*
                .with_state(clients)
        }

        #[doc = #module_doc]
        pub mod #module {
            use std::sync::Arc;

            #body_imports
            #path_imports
            use axum::extract::{RawQuery, State};
            use axum::response::Response;

            use super::super::client::*;
            use super::super::rest_runtime as rt;

            #(#handlers)*
        }
    }
}

fn path_struct(op: &RestOperation) -> String {
    format!("{}Path", names::type_ident(&op.name))
}

fn handler(cap: &Capability, op: &RestOperation) -> TokenStream {
    let api = &cap.apis[op.call.api];
    let called = cap.operation(op.call);
    let client_field = ident(&clients_field(api));
    let name = ident(&op.ident);
    let path_inputs: Vec<&ExposedInput> = op
        .inputs
        .iter()
        .filter(|i| i.location == InputLocation::Path)
        .collect();
    let query_inputs: Vec<&ExposedInput> = op
        .inputs
        .iter()
        .filter(|i| i.location == InputLocation::Query)
        .collect();

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
    let mut items = Vec::new();
    if !path_inputs.is_empty() {
        let t = format_ident!("{}", path_struct(op));
        let fields = path_inputs.iter().map(|i| {
            let f = ident(&i.ident);
            let rename = &i.name;
            quote! {
                #[serde(rename = #rename)]
                pub #f: String,
            }
        });
        items.push(quote! {
            #[derive(serde::Deserialize)]
            pub struct #t {
                #(#fields)*
            }
        });
        params.push(quote!(path: Result<Path<#t>, PathRejection>));
        prelude.push(quote!(let Path(path) = path.map_err(rt::bad_path)?;));
    }
    params.push(quote!(RawQuery(raw): RawQuery));
    if query_inputs.is_empty() {
        prelude.push(quote!(rt::no_query(raw.as_deref())?;));
    } else {
        let object = query_inputs.iter().find(|i| i.ty == ParamType::Object);
        let accepted: Vec<&str> = query_inputs
            .iter()
            .filter(|i| i.ty != ParamType::Object)
            .map(|i| i.name.as_str())
            .collect();
        for i in &query_inputs {
            let f = local(i);
            let ty = param_rust_type(i.ty);
            prelude.push(quote!(let mut #f: Option<#ty> = None;));
        }
        let arms = query_inputs
            .iter()
            .filter(|i| i.ty != ParamType::Object)
            .map(|i| {
                let f = local(i);
                let key = &i.name;
                let parse = format_ident!("parse_{}", i.ty.as_str());
                quote!(#key => rt::set_once(&mut #f, #key, rt::#parse(#key, &v)?)?,)
            });
        let fallback = match object {
            Some(o) => {
                let f = local(o);
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
            let f = local(i);
            let key = &i.name;
            prelude.push(quote!(let #f = rt::required(#f, #key)?;));
        }
    }
    if op.body {
        params.push(quote!(body: Result<Bytes, BytesRejection>));
        prelude.push(quote!(let body = rt::json_body(body)?;));
    }

    let mut args = Vec::new();
    for p in &called.path_params {
        args.push(path_arg(op, p));
    }
    if !called.query_params.is_empty() {
        let t = format_ident!("{}", query_type(called));
        let fields = called.query_params.iter().map(|p| {
            let f = ident(&p.ident);
            let v = query_arg(op, p);
            quote!(#f: #v,)
        });
        prelude.push(quote!(let query = #t { #(#fields)* };));
        args.push(quote!(&query));
    }
    if op.body {
        args.push(quote!(body.as_deref()));
    }
    let call = ident(&called.ident);
    quote! {
        #(#items)*

        #doc
        pub async fn #name(#(#params),*) -> Result<Response, rt::Problem> {
            #(#prelude)*
            Ok(rt::respond(c.#client_field.#call(#(#args),*).await))
        }
    }
}

fn local(i: &ExposedInput) -> proc_macro2::Ident {
    format_ident!("in_{}", i.ident.trim_end_matches('_'))
}

fn source<'a>(op: &'a RestOperation, p: &Param) -> (&'a ArgSource, Option<&'a ExposedInput>) {
    let a = op.args.iter().find(|a| a.param == p.name);
    let src = a.map(|a| &a.source);
    let input = match src {
        Some(ArgSource::Input(n)) => op.inputs.iter().find(|i| &i.name == n),
        _ => None,
    };
    // The resolver binds every consumed parameter; a missing binding cannot reach the emitter.
    (src.unwrap_or(&UNBOUND), input)
}

static UNBOUND: ArgSource = ArgSource::Literal(String::new());

/// The `&str` expression for a consumed path parameter.
fn path_arg(op: &RestOperation, p: &Param) -> TokenStream {
    match source(op, p) {
        (ArgSource::Input(_), Some(i)) if i.location == InputLocation::Path => {
            let f = ident(&i.ident);
            quote!(&path.#f)
        }
        (ArgSource::Input(_), Some(i)) => {
            let f = local(i);
            quote!(&#f)
        }
        (ArgSource::Bound(var), _) => bound(var),
        (ArgSource::Literal(l), _) => quote!(#l),
        (ArgSource::Input(n), None) => quote!(#n),
    }
}

fn bound(var: &str) -> TokenStream {
    let f = ident(&binding_field(var));
    quote!(c.bindings.#f.as_ref().ok_or_else(|| rt::unbound(#var))?.expose())
}

/// The field expression of a consumed query parameter.
fn query_arg(op: &RestOperation, p: &Param) -> TokenStream {
    let wrap = |v: TokenStream| if p.required { v } else { quote!(Some(#v)) };
    match source(op, p) {
        (ArgSource::Input(_), Some(i)) if i.location == InputLocation::Path => {
            let f = ident(&i.ident);
            wrap(quote!(path.#f.clone()))
        }
        (ArgSource::Input(_), Some(i)) => {
            let f = local(i);
            let v = if matches!(i.ty, ParamType::String | ParamType::Object) {
                quote!(#f.clone())
            } else {
                quote!(#f)
            };
            if i.required && !p.required {
                quote!(Some(#v))
            } else {
                v
            }
        }
        (ArgSource::Bound(var), _) => {
            let v = bound(var);
            wrap(quote!(#v.to_owned()))
        }
        (ArgSource::Literal(l), _) => wrap(literal(p.ty, l)),
        (ArgSource::Input(n), None) => wrap(quote!(#n.to_owned())),
    }
}

/// A literal of a parameter's type (the resolver has checked it parses).
pub(crate) fn literal(ty: ParamType, l: &str) -> TokenStream {
    match ty {
        ParamType::Integer => {
            let v = proc_macro2::Literal::i64_suffixed(l.parse().unwrap_or_default());
            quote!(#v)
        }
        ParamType::Number => {
            let v = proc_macro2::Literal::f64_suffixed(l.parse().unwrap_or_default());
            quote!(#v)
        }
        ParamType::Boolean => {
            if l == "true" {
                quote!(true)
            } else {
                quote!(false)
            }
        }
        ParamType::String | ParamType::Object => quote!(#l.to_owned()),
    }
}
