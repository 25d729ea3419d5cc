//! The typed client module: one client struct per consumed API, one async method per consumed operation.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::parts::{Block, Parts};
use super::{doc_lines, doc_opening, ident};
use crate::ir::{
    Auth, BodyPiece, BodyPlace, BodyTemplate, Capability, ConsumedApi, Credential, KeyPlacement,
    Operation, Param, ParamType, ResponseModel, TemplatePart, ValueSource,
};

/// The Rust type a query parameter is held in.
pub fn param_rust_type(ty: ParamType) -> TokenStream {
    match ty {
        ParamType::String => quote!(String),
        ParamType::Integer => quote!(i64),
        ParamType::Number => quote!(f64),
        ParamType::Boolean => quote!(bool),
        ParamType::Object => quote!(std::collections::BTreeMap<String, String>),
        ParamType::Array => quote!(Vec<String>),
    }
}

/// Adds the parts of the client module to `file`; `models` is the source of its `types` module (empty: none).
pub(crate) fn emit<'a>(
    cap: &'a Capability,
    runtime: &'a str,
    models: &'a str,
    file: &mut Parts<'a>,
) {
    file.items(move || header(cap, runtime));
    if !cap.models.is_empty() {
        file.items(move || {
            // Printed by the compiler from tokens a moment ago: it parses.
            let models: TokenStream = models.parse().unwrap_or_default();
            quote! {
                /// The models of the consumed APIs' bodies and responses, generated from their OpenAPI documents.
                ///
                /// Forward compatible: fields they do not declare are ignored, and an enum of a response keeps a value
                /// it does not list in its `Other` variant.
                // typify's code: its only `unwrap` converts a schema's default, a constant, into its field's type.
                #[allow(
                    clippy::all,
                    clippy::pedantic,
                    clippy::unwrap_used,
                    dead_code,
                    irrefutable_let_patterns,
                    unused_imports
                )]
                pub mod types {
                    #models
                }
            }
        });
    }
    for a in &cap.apis {
        api(cap, a, file);
    }
}

/// The module's documentation and imports, the bindings and the clients.
fn header(cap: &Capability, runtime: &str) -> TokenStream {
    let bindings = bindings(cap);
    let clients = clients(cap);
    let mut doc = vec![format!("Typed clients for {}.", cap.label)];
    doc.push(String::new());
    doc.push(format!("Each method sends one upstream request through a shared [`Transport`]({}::client::Transport) and returns the upstream status, pagination headers and JSON body.", runtime.trim_start_matches("::")));
    if !cap.models.is_empty() {
        doc.push(String::new());
        doc.push("An operation the API's OpenAPI document types has two: one whose body and result are models of [`types`], and `…_raw`, which returns the response as sent.".to_owned());
    }
    let doc = doc.iter().map(|l| {
        let l = format!(" {l}");
        quote!(#![doc = #l])
    });
    let rt = super::runtime_path(runtime);
    let imports = imports(cap);
    let imports = if imports.is_empty() {
        quote!()
    } else {
        quote!(use #rt::client::{#(#imports),*};)
    };
    quote! {
        #(#doc)*

        #imports

        #bindings
        #clients
    }
}

/// What the module imports from the runtime's client: only what it uses, so that a spec without operations, path
/// parameters or bound values does not leave an import unused.
fn imports(cap: &Capability) -> Vec<TokenStream> {
    let ops = || cap.apis.iter().flat_map(|a| &a.operations);
    // The values `…_auth` and `…_params` functions read.
    let fn_credentials = || {
        cap.apis.iter().flat_map(|a| {
            let auth = match a.idents.auth_fn {
                Some(_) => a.auth.credentials(),
                None => Vec::new(),
            };
            auth.into_iter().chain(a.params.iter().map(|p| &p.value))
        })
    };
    let auth_fns = cap.apis.iter().any(|a| a.idents.auth_fn.is_some());
    let mut imports = Vec::new();
    if ops().any(|o| !o.path_params.is_empty() || o.template.is_some())
        || fn_credentials().any(|c| matches!(c.value, ValueSource::Bound(_)))
    {
        imports.push(quote!(self as runtime));
    }
    if cap
        .apis
        .iter()
        .any(|a| matches!(a.auth, Auth::ApiKey { .. }))
    {
        imports.push(quote!(ApiKey));
    }
    if auth_fns {
        imports.push(quote!(Auth));
    }
    // `Error`: the operations', the authentication functions' and `Bindings::load`'s.
    imports.push(quote!(Error));
    if cap.apis.iter().any(|a| a.idents.params_fn.is_some()) {
        imports.push(quote!(FixedParam));
    }
    if ops().any(|o| !o.header_params.is_empty()) {
        imports.push(quote!(Headers));
    }
    if ops().next().is_some() {
        imports.extend([quote!(Method), quote!(Query), quote!(Response)]);
    }
    if !cap.binds.is_empty() || fn_credentials().any(|c| matches!(c.value, ValueSource::Literal(_)))
    {
        imports.push(quote!(Secret));
    }
    if cap.binds.iter().any(|b| b.location.is_some()) {
        imports.push(quote!(KeyFile));
    }
    if !cap.apis.is_empty() {
        imports.push(quote!(Transport));
    }
    if ops().any(|o| o.typing.is_some()) {
        imports.push(quote!(Typed));
    }
    imports
}

fn bindings(cap: &Capability) -> TokenStream {
    let fields = cap.binds.iter().map(|b| {
        let f = ident(&b.field);
        let doc = match &b.location {
            Some(file) => format!(" `{{{{{}}}}}`, read from `{}` in `{file}`.", b.var, b.key),
            None => format!(" `{{{{{}}}}}`, read from `{}`.", b.var, b.key),
        };
        quote! {
            #[doc = #doc]
            pub #f: Option<Secret>,
        }
    });
    // The files the bindings read, each once, in order of first use.
    let mut files: Vec<&str> = Vec::new();
    for file in cap.binds.iter().filter_map(|b| b.location.as_deref()) {
        if !files.contains(&file) {
            files.push(file);
        }
    }
    let file_local = |file: &str| {
        format_ident!(
            "file_{}",
            files.iter().position(|f| *f == file).unwrap_or(0)
        )
    };
    let reads = cap.binds.iter().map(|b| {
        let f = ident(&b.field);
        let key = &b.key;
        match &b.location {
            Some(file) => {
                let local = file_local(file);
                quote!(#f: #local.get(#key),)
            }
            None => {
                quote!(#f: std::env::var(#key).ok().filter(|v| !v.is_empty()).map(Secret::new),)
            }
        }
    });
    let locals: Vec<_> = files.iter().map(|f| file_local(f)).collect();
    let (load_files, lenient_files): (Vec<TokenStream>, Vec<TokenStream>) = files
        .iter()
        .zip(&locals)
        .map(|(file, local)| {
            (
                quote!(let #local = KeyFile::read(#file)?;),
                quote!(let #local = KeyFile::read(#file).unwrap_or_default();),
            )
        })
        .unzip();
    let reads: Vec<TokenStream> = reads.collect();
    quote! {
        /// The values the spec binds from outside (`binds:`), read once at start-up: from the process environment, or
        /// from the file a binding's `location` names. Every bound value is treated as a secret: it never shows in
        /// `Debug` output.
        #[derive(Clone, Debug, Default)]
        pub struct Bindings {
            #(#fields)*
        }

        impl Bindings {
            /// Reads every bound value; an unset or empty one is `None`, and so is every value of a file that cannot
            /// be read ([`Bindings::load`] says which).
            pub fn from_env() -> Self {
                #(#lenient_files)*
                Self {
                    #(#reads)*
                }
            }

            /// Reads every bound value, failing on a file that cannot be read (naming it).
            pub fn load() -> Result<Self, Error> {
                #(#load_files)*
                Ok(Self {
                    #(#reads)*
                })
            }
        }
    }
}

fn clients(cap: &Capability) -> TokenStream {
    let fields = cap.apis.iter().map(|a| {
        let f = ident(&a.idents.clients_field);
        let t = ident(&a.idents.client_type);
        let doc = format!(" The client of `{}`.", a.namespace);
        quote! {
            #[doc = #doc]
            pub #f: #t,
        }
    });
    quote! {
        /// Every consumed API's client, and the bound values: what the adapters call through.
        #[derive(Clone, Debug)]
        pub struct Clients {
            #(#fields)*
            pub bindings: Bindings,
        }
    }
}

/// The constants, client type and query types of `api`.
fn api<'a>(cap: &'a Capability, api: &'a ConsumedApi, file: &mut Parts<'a>) {
    file.items(move || api_items(cap, api));
    file.block(
        Block::Impl,
        &api.operations,
        move |methods| {
            let client = ident(&api.idents.client_type);
            quote! {
                impl #client {
                    pub fn new(transport: Transport) -> Self {
                        Self { transport }
                    }

                    pub fn transport(&self) -> &Transport {
                        &self.transport
                    }

                    #methods
                }
            }
        },
        method,
    );
    file.items_of(
        api.operations
            .iter()
            .filter_map(|o| Some((o, o.query_type.as_deref()?))),
        query_struct,
    );
}

/// The constants of `api`, its authentication and its client type.
fn api_items(cap: &Capability, api: &ConsumedApi) -> TokenStream {
    let ns = &api.namespace;
    let client = ident(&api.idents.client_type);
    let base_const = ident(&api.idents.base_uri_const);
    let base = &api.base_uri.template;
    let placeholders: Vec<&str> = api.base_uri.placeholders().collect();
    let ph_const = ident(&api.idents.placeholders_const);
    let credential_consts = api.auth.credentials().into_iter().map(|c| {
        let name = ident(&c.const_ident);
        let what = credential_role(&api.auth, c, ns);
        match &c.value {
            ValueSource::Bound(var) => {
                let doc = format!(" The bound variable that holds {what} (`{{{{{var}}}}}`).");
                quote! {
                    #[doc = #doc]
                    pub const #name: &str = #var;
                }
            }
            ValueSource::Literal(value) => {
                let doc = format!(" {}, as the spec gives it literally.", capitalized(&what));
                quote! {
                    #[doc = #doc]
                    pub const #name: &str = #value;
                }
            }
        }
    });
    let auth_fn = auth_fn(cap, api);
    let params_fn = params_fn(cap, api);
    let param_consts = api.params.iter().map(|p| {
        let name = ident(&p.value.const_ident);
        let what = format!(
            "the {} `{}` every request to `{ns}` sends",
            p.placement.noun(),
            p.name
        );
        let doc = match &p.value.value {
            ValueSource::Bound(var) => {
                format!(" The bound variable that holds {what} (`{{{{{var}}}}}`).")
            }
            ValueSource::Literal(_) => format!(" The value of {what}."),
        };
        let value = match &p.value.value {
            ValueSource::Bound(v) | ValueSource::Literal(v) => v,
        };
        quote! {
            #[doc = #doc]
            pub const #name: &str = #value;
        }
    });
    let mut client_doc = vec![format!("Client for `{ns}`.")];
    if let Some(d) = &api.description {
        client_doc.push(String::new());
        client_doc.extend(d.lines().map(str::to_owned));
    }
    let client_doc = doc_lines(&client_doc);
    let base_doc =
        format!(" Base URI of `{ns}`; `[name]` placeholders are filled in from configuration.");
    quote! {
        #[doc = #base_doc]
        pub const #base_const: &str = #base;
        /// The placeholders of the base URI, in order.
        pub const #ph_const: &[&str] = &[#(#placeholders),*];
        #(#credential_consts)*
        #auth_fn
        #(#param_consts)*
        #params_fn

        #client_doc
        #[derive(Clone, Debug)]
        pub struct #client {
            transport: Transport,
        }
    }
}

/// What `c`, a credential of `auth`, is, for documentation: `the bearer token of `shop``.
fn credential_role(auth: &Auth, c: &Credential, ns: &str) -> String {
    match auth {
        Auth::None => String::new(),
        Auth::Bearer { .. } => format!("the bearer token of `{ns}`"),
        Auth::Basic { username, .. } if std::ptr::eq(username, c) => {
            format!("the user name of `{ns}`'s basic authentication")
        }
        Auth::Basic { .. } => format!("the password of `{ns}`'s basic authentication"),
        Auth::ApiKey { keys } => keys
            .iter()
            .find(|k| std::ptr::eq(&k.value, c))
            .map(|k| match k.placement {
                KeyPlacement::Header => {
                    format!("the API key `{ns}` sends as the header `{}`", k.name)
                }
                KeyPlacement::Query => {
                    format!(
                        "the API key `{ns}` sends as the query parameter `{}`",
                        k.name
                    )
                }
            })
            .unwrap_or_default(),
    }
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// For basic and API key authentication, the function that builds the runtime's `Auth` of `api` from the bound
/// values (`shop_auth(&bindings)`), with what the transport needs: the key names and where they go.
fn auth_fn(cap: &Capability, api: &ConsumedApi) -> TokenStream {
    let Some(name) = api.idents.auth_fn.as_deref() else {
        return quote!();
    };
    let ns = &api.namespace;
    let signature = AuthFnTypes {
        bindings: quote!(Bindings),
        result: quote!(Result<Auth, Error>),
        prelude: quote!(),
    };
    auth_builder(cap, name, &api.auth, &signature, |what| {
        vec![format!("How requests to `{ns}` authenticate: {what}.")]
    })
}

/// The types an authentication builder names, and what its body imports.
pub(super) struct AuthFnTypes {
    pub bindings: TokenStream,
    pub result: TokenStream,
    /// `use` items the body needs (none in the client module, which imports them).
    pub prelude: TokenStream,
}

/// The function `name(&Bindings) -> Result<Auth, Error>` building the runtime's `Auth` of `auth` from the bound values,
/// with what the transport or an inbound check needs: the key names and where they go. `doc` gives the opening of its
/// documentation from what the authentication is (`an API key in the header `X-Api-Key``).
pub(super) fn auth_builder(
    cap: &Capability,
    name: &str,
    auth: &Auth,
    types: &AuthFnTypes,
    doc: impl FnOnce(&str) -> Vec<String>,
) -> TokenStream {
    let name = ident(name);
    let value = |c: &Credential| credential_value(cap, c);
    let (what, expr) = match auth {
        Auth::Bearer { token } => {
            let t = value(token);
            (
                "a bearer token (`Authorization: Bearer …`)".to_owned(),
                quote!(Auth::Bearer(#t)),
            )
        }
        Auth::Basic { username, password } => {
            let (u, p) = (value(username), value(password));
            (
                "HTTP Basic (`Authorization: Basic …`)".to_owned(),
                quote!(Auth::Basic { username: #u, password: #p }),
            )
        }
        Auth::ApiKey { keys } => {
            let what: Vec<String> = keys
                .iter()
                .map(|k| format!("the {} `{}`", k.placement.noun(), k.name))
                .collect();
            let keys = keys.iter().map(|k| {
                let key = &k.name;
                let v = value(&k.value);
                match k.placement {
                    KeyPlacement::Header => quote!(ApiKey::header(#key, #v)),
                    KeyPlacement::Query => quote!(ApiKey::query(#key, #v)),
                }
            });
            let what = match what.split_last() {
                Some((last, [])) => format!("an API key in {last}"),
                Some((last, first)) => format!("API keys in {} and {last}", first.join(", ")),
                None => String::new(),
            };
            (what, quote!(Auth::ApiKeys(Vec::from([#(#keys),*]))))
        }
        Auth::None => return quote!(),
    };
    let bound = auth
        .credentials()
        .iter()
        .any(|c| matches!(c.value, ValueSource::Bound(_)));
    let mut doc = doc(&what);
    if bound {
        doc.push(String::new());
        doc.push(
            "Bound values are read from `bindings`; an unset one is an `Error::Config` naming it."
                .to_owned(),
        );
    }
    let doc = doc_lines(&doc);
    let bindings = match bound {
        true => quote!(bindings),
        false => quote!(_bindings),
    };
    let AuthFnTypes {
        bindings: bindings_ty,
        result,
        prelude,
    } = types;
    quote! {
        #doc
        pub fn #name(#bindings: &#bindings_ty) -> #result {
            #prelude
            Ok(#expr)
        }
    }
}

/// The expression that reads the value of `c` in a function over `bindings`: its bound value (an unset one is an
/// error naming it) or its literal.
pub(super) fn credential_value(cap: &Capability, c: &Credential) -> TokenStream {
    let konst = ident(&c.const_ident);
    match &c.value {
        ValueSource::Bound(var) => {
            let (field, key) = cap
                .bound(var)
                .map_or((var.to_lowercase(), var.as_str()), |b| {
                    (b.field.clone(), b.key.as_str())
                });
            let field = ident(&field);
            quote!(runtime::require_bound(&bindings.#field, #konst, #key)?)
        }
        ValueSource::Literal(_) => quote!(Secret::new(#konst)),
    }
}

/// The function that builds the fixed parameters of `api` (its own `inputParameters`) from the bound values
/// (`registry_params(&bindings)`), for `TransportConfig::with_params`.
fn params_fn(cap: &Capability, api: &ConsumedApi) -> TokenStream {
    let Some(name) = api.idents.params_fn.as_deref().map(ident) else {
        return quote!();
    };
    let ns = &api.namespace;
    let params = api.params.iter().map(|p| {
        let key = &p.name;
        let v = credential_value(cap, &p.value);
        match p.placement {
            KeyPlacement::Header => quote!(FixedParam::header(#key, #v)),
            KeyPlacement::Query => quote!(FixedParam::query(#key, #v)),
        }
    });
    let listed: Vec<String> = api
        .params
        .iter()
        .map(|p| format!("the {} `{}`", p.placement.noun(), p.name))
        .collect();
    let bound = api
        .params
        .iter()
        .any(|p| matches!(p.value.value, ValueSource::Bound(_)));
    let mut doc = vec![
        format!(
            "What every request to `{ns}` sends besides its own parameters, as the spec fixes it: {}.",
            listed.join(", ")
        ),
        String::new(),
        "Give them to the transport with `TransportConfig::with_params`.".to_owned(),
    ];
    if bound {
        doc.push(
            "Bound values are read from `bindings`; an unset one is an [`Error::Config`] naming it.".to_owned(),
        );
    }
    let doc = doc_lines(&doc);
    let bindings = match bound {
        true => quote!(bindings),
        false => quote!(_bindings),
    };
    quote! {
        #doc
        pub fn #name(#bindings: &Bindings) -> Result<Vec<FixedParam>, Error> {
            Ok(Vec::from([#(#params),*]))
        }
    }
}

/// The methods of `op`: the one returning the response as sent, and, when the operation is typed, the typed one.
fn method(op: &Operation) -> TokenStream {
    let raw = raw_method(op);
    let typed = typed_method(op);
    quote! {
        #typed
        #raw
    }
}

/// The typed method of a typed operation: its model as body, its response's model as result.
fn typed_method(op: &Operation) -> TokenStream {
    let Some(typing) = &op.typing else {
        return quote!();
    };
    let name = ident(&op.ident);
    let raw = ident(&op.raw_ident);
    let mut doc = doc_opening(op.description.as_deref());
    doc.push(format!(
        "`{} {}` (`{}`)",
        op.method.as_str(),
        op.path.template,
        typing.operation_id
    ));
    doc.push(String::new());
    doc.push(format!(
        "The response as sent, whatever its shape: [`Self::{}`].",
        op.raw_ident
    ));
    let doc = doc_lines(&doc);
    let mut params = Vec::new();
    let mut args = Vec::new();
    for p in op.path_params.iter().chain(&op.header_params) {
        let a = ident(&p.ident);
        params.push(text_arg(p));
        args.push(quote!(#a));
    }
    for p in &op.body_params {
        let a = ident(&p.ident);
        params.push(quote!(#a: &runtime::JsonValue));
        args.push(quote!(#a));
    }
    if let Some(t) = &op.query_type {
        let t = ident(t);
        params.push(quote!(query: &#t));
        args.push(quote!(query));
    }
    let mut generics = quote!();
    if op.body {
        match (&typing.types.body, typing.body_required) {
            (Some(t), true) => {
                let t = ident(t);
                params.push(quote!(body: &types::#t));
                args.push(quote!(Some(body)));
            }
            (Some(t), false) => {
                let t = ident(t);
                params.push(quote!(body: Option<&types::#t>));
                args.push(quote!(body));
            }
            (None, _) => {
                generics = quote!(<B: serde::Serialize + ?Sized>);
                params.push(quote!(body: Option<&B>));
                args.push(quote!(body));
            }
        }
    }
    let (result, finish) = match &typing.types.response {
        ResponseModel::Empty => (quote!(()), quote!(empty())),
        ResponseModel::Named(t) => {
            let t = ident(t);
            (quote!(types::#t), quote!(typed()))
        }
        ResponseModel::ListOf(t) => {
            let t = ident(t);
            (quote!(Vec<types::#t>), quote!(typed()))
        }
    };
    quote! {
        #doc
        pub async fn #name #generics(&self, #(#params),*) -> Result<Typed<#result>, Error> {
            self.#raw(#(#args),*).await?.#finish
        }
    }
}

/// The method that sends `op` and returns the response as sent.
fn raw_method(op: &Operation) -> TokenStream {
    let name = ident(&op.raw_ident);
    let http_method = format_ident!("{}", op.method.as_str());
    let mut doc = doc_opening(op.description.as_deref());
    doc.push(format!("`{} {}`", op.method.as_str(), op.path.template));
    for p in &op.header_params {
        let what = p
            .description
            .as_deref()
            .map(|d| format!(": {}", d.lines().next().unwrap_or_default()))
            .unwrap_or_default();
        doc.push(String::new());
        doc.push(format!(
            "`{}` is sent as the header `{}`{what}",
            p.ident, p.name
        ));
    }
    if op.typing.is_some() {
        doc.push(String::new());
        doc.push(format!(
            "Returns the response as sent; [`Self::{}`] reads it into its model.",
            op.ident
        ));
    }
    let doc = doc_lines(&doc);

    let mut args: Vec<TokenStream> = op
        .path_params
        .iter()
        .chain(&op.header_params)
        .map(text_arg)
        .collect();
    for p in &op.body_params {
        let a = ident(&p.ident);
        args.push(quote!(#a: &runtime::JsonValue));
    }
    if let Some(t) = &op.query_type {
        let t = ident(t);
        args.push(quote!(query: &#t));
    }
    if op.body {
        args.push(quote!(body: Option<&B>));
    }
    let generics = if op.body {
        quote!(<B: serde::Serialize + ?Sized>)
    } else {
        quote!()
    };

    let capacity = Literal::usize_unsuffixed(op.path.template.len() + 16 * op.path_params.len());
    let pushes = op.path.parts.iter().map(|part| match part {
        TemplatePart::Literal(s) if s.chars().count() == 1 => {
            let c = s.chars().next().unwrap_or('/');
            quote!(path.push(#c);)
        }
        TemplatePart::Literal(s) => quote!(path.push_str(#s);),
        TemplatePart::Param(n) => {
            let p = op.path_params.iter().find(|p| &p.name == n);
            let a = ident(p.map(|p| p.ident.as_str()).unwrap_or(n));
            quote!(runtime::push_segment(&mut path, #n, #a)?;)
        }
    });
    let query = query(op);
    // The headers are built before `q` is declared: a header parameter may be called `q`.
    let (headers, h) = if op.header_params.is_empty() {
        (quote!(), None)
    } else {
        let pushes = op.header_params.iter().map(|p| {
            let key = &p.name;
            let a = ident(&p.ident);
            if p.required {
                quote!(h.push(#key, #a)?;)
            } else {
                quote!(h.push_opt(#key, #a)?;)
            }
        });
        (
            quote! {
                let mut h = Headers::new();
                #(#pushes)*
            },
            Some(quote!(&h)),
        )
    };
    let body = if op.body {
        quote!(body)
    } else {
        quote!(None::<&()>)
    };
    let send = match (&op.template, h) {
        (Some(t), h) => {
            let write = template_body(op, t);
            let h = h.unwrap_or_else(|| quote!(&runtime::Headers::new()));
            quote! {
                #write
                self.transport.send_raw(Method::#http_method, &path, &q, #h, Some(body)).await
            }
        }
        (None, None) => quote!(self.transport.send(Method::#http_method, &path, &q, #body).await),
        (None, Some(h)) => {
            quote!(self.transport.send_with_headers(Method::#http_method, &path, &q, #h, #body).await)
        }
    };
    quote! {
        #doc
        pub async fn #name #generics(&self, #(#args),*) -> Result<Response, Error> {
            let mut path = String::with_capacity(#capacity);
            #(#pushes)*
            #headers
            #query
            #send
        }
    }
}

/// The statements that write `body`, the filled template `t` of `op`: its literal pieces as they are, each value as
/// its place asks.
fn template_body(op: &Operation, t: &BodyTemplate) -> TokenStream {
    let literal_len: usize = t
        .pieces
        .iter()
        .map(|p| match p {
            BodyPiece::Literal(l) => l.len(),
            BodyPiece::Value { .. } => 16,
        })
        .sum();
    let capacity = Literal::usize_unsuffixed(literal_len);
    let writes = t.pieces.iter().map(|p| match p {
        BodyPiece::Literal(l) => quote!(body.push_str(#l);),
        BodyPiece::Value { param, place } => {
            let a = ident(
                op.body_params
                    .iter()
                    .find(|p| &p.name == param)
                    .map_or(param.as_str(), |p| p.ident.as_str()),
            );
            let f = match place {
                BodyPlace::JsonString => quote!(push_json_string),
                BodyPlace::JsonValue => quote!(push_json),
                BodyPlace::Text => quote!(push_text),
                BodyPlace::Form => quote!(push_form),
            };
            quote!(runtime::#f(&mut body, #a);)
        }
    });
    let content_type = t.content_type;
    quote! {
        let mut body = String::with_capacity(#capacity);
        #(#writes)*
        let body = runtime::RawBody::new(body, #content_type);
    }
}

/// The argument of a path or header parameter, sent as text: `&str`, or `Option<&str>` for an optional header.
fn text_arg(p: &Param) -> TokenStream {
    let a = ident(&p.ident);
    if p.required {
        quote!(#a: &str)
    } else {
        quote!(#a: Option<&str>)
    }
}

/// The statements that build `q`, the query `op` sends, from its query struct.
fn query(op: &Operation) -> TokenStream {
    if op.query_params.is_empty() {
        return quote!(let q = Query::new(););
    }
    let pushes = op.query_params.iter().map(|p| {
        let key = &p.name;
        let f = ident(&p.ident);
        match (p.ty, p.required) {
            (ParamType::Object, true) => quote!(q.push_map(&query.#f);),
            (ParamType::Object, false) => quote! {
                if let Some(m) = &query.#f {
                    q.push_map(m);
                }
            },
            (ParamType::Array, true) => quote!(q.push_each(#key, &query.#f);),
            (ParamType::Array, false) => quote! {
                if let Some(v) = &query.#f {
                    q.push_each(#key, v);
                }
            },
            (_, true) => quote!(q.push(#key, &query.#f);),
            (ParamType::String, false) => quote!(q.push_opt(#key, query.#f.as_deref());),
            (_, false) => quote!(q.push_opt(#key, query.#f);),
        }
    });
    quote! {
        let mut q = Query::new();
        #(#pushes)*
    }
}

/// The query struct `t` of `op`.
fn query_struct((op, t): (&Operation, &str)) -> TokenStream {
    let t = ident(t);
    let doc = format!(" Query parameters of `{}`.", op.name);
    let fields = op.query_params.iter().map(|p| {
        let f = ident(&p.ident);
        let ty = param_rust_type(p.ty);
        let ty = if p.required { ty } else { quote!(Option<#ty>) };
        let mut d: Vec<String> = p
            .description
            .iter()
            .flat_map(|d| d.lines().map(str::to_owned))
            .collect();
        if p.ident != p.name {
            if !d.is_empty() {
                d.push(String::new());
            }
            d.push(format!("Sent as `{}`.", p.name));
        }
        let sent = match p.ty {
            ParamType::Object => {
                Some("Each entry is sent as its own query parameter (form-exploded).")
            }
            ParamType::Array => {
                Some("Each element is sent as its own query parameter, under this name.")
            }
            _ => None,
        };
        if let Some(sent) = sent {
            if !d.is_empty() {
                d.push(String::new());
            }
            d.push(sent.into());
        }
        let d = doc_lines(&d);
        quote! {
            #d
            pub #f: #ty,
        }
    });
    quote! {
        #[doc = #doc]
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct #t {
            #(#fields)*
        }
    }
}
