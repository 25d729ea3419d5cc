//! An exposure's inbound authentication (`authentication` of a REST or MCP adapter): the constants naming its bound
//! values or holding its literals, and the function building the runtime's `Auth` that
//! `naftiko_runtime::inbound::RequireAuthLayer` checks callers against.

use proc_macro2::TokenStream;
use quote::quote;

use super::client::{AuthFnTypes, auth_builder};
use super::ident;
use crate::ir::{Auth, Capability, ValueSource};

/// The items of `auth`, the inbound authentication of the adapter `ns` whose builder is `auth_fn`.
pub(super) fn items(
    cap: &Capability,
    runtime: &str,
    ns: &str,
    auth: &Auth,
    auth_fn: Option<&str>,
) -> TokenStream {
    let Some(name) = auth_fn else {
        return quote!();
    };
    let rt = super::runtime_path(runtime);
    let consts = auth.credentials().into_iter().map(|c| {
        let konst = ident(&c.const_ident);
        let (doc, value) = match &c.value {
            ValueSource::Bound(var) => (
                format!(
                    " The bound variable that holds a credential callers of `{ns}` send (`{{{{{var}}}}}`)."
                ),
                var,
            ),
            ValueSource::Literal(v) => (
                format!(" A credential callers of `{ns}` send, as the spec gives it literally."),
                v,
            ),
        };
        quote! {
            #[doc = #doc]
            pub const #konst: &str = #value;
        }
    });
    let credentials = auth.credentials();
    let mut uses = Vec::new();
    if credentials
        .iter()
        .any(|c| matches!(c.value, ValueSource::Bound(_)))
    {
        uses.push(quote!(self as runtime));
    }
    if matches!(auth, Auth::ApiKey { .. }) {
        uses.push(quote!(ApiKey));
    }
    uses.push(quote!(Auth));
    if credentials
        .iter()
        .any(|c| matches!(c.value, ValueSource::Literal(_)))
    {
        uses.push(quote!(Secret));
    }
    let types = AuthFnTypes {
        bindings: quote!(super::client::Bindings),
        result: quote!(Result<#rt::client::Auth, #rt::client::Error>),
        prelude: quote!(use #rt::client::{#(#uses),*};),
    };
    let builder = auth_builder(cap, name, auth, &types, |what| {
        vec![
            format!("What callers of `{ns}` must send: {what}."),
            String::new(),
            format!(
                "Serve the adapter behind `naftiko_runtime::inbound::RequireAuthLayer::new(&{name}(&bindings)?)?`, which refuses any other request with `401`."
            ),
        ]
    });
    quote! {
        #(#consts)*
        #builder
    }
}
