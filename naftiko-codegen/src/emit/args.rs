//! What REST handlers and MCP tool functions share: the expressions that feed a consumed operation's parameters from
//! the exposure's inputs, bound values and literals.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::client::{binding_field, query_type};
use super::ident;
use crate::ir::{ArgSource, Call, ExposedInput, Operation, Param, ParamType};

/// The local variable an input is parsed into.
pub(crate) fn local(i: &ExposedInput) -> proc_macro2::Ident {
    format_ident!("in_{}", i.ident.trim_end_matches('_'))
}

fn source<'a>(call: &'a Call, p: &Param) -> (&'a ArgSource, Option<&'a ExposedInput>) {
    static UNBOUND: ArgSource = ArgSource::Literal(String::new());
    let src = call
        .args
        .iter()
        .find(|a| a.param == p.name)
        .map(|a| &a.source);
    let input = match src {
        Some(ArgSource::Input(n)) => call.inputs.iter().find(|i| &i.name == n),
        _ => None,
    };
    // The resolver binds every consumed parameter; a missing binding cannot reach the emitter.
    (src.unwrap_or(&UNBOUND), input)
}

/// `&str` of a bound value, or an early return of `unbound(VAR)` (the adapter runtime's error for a missing one).
fn bound(var: &str) -> TokenStream {
    let f = ident(&binding_field(var));
    quote!(c.bindings.#f.as_ref().ok_or_else(|| rt::unbound(#var))?.expose())
}

/// The arguments of the client call: path parameters (`&str`), then `&query`; the caller appends the body.
/// Also returns the statement that builds `query`, when the operation has query parameters. `place` gives the place
/// holding an input once parsed: `Option<T>`, or `T` when the input is required.
pub(crate) fn call_args(
    call: &Call,
    op: &Operation,
    place: impl Fn(&ExposedInput) -> TokenStream,
) -> (Vec<TokenStream>, TokenStream) {
    let mut args = Vec::new();
    for p in &op.path_params {
        args.push(match source(call, p) {
            (ArgSource::Input(_), Some(i)) => {
                let place = place(i);
                quote!(&#place)
            }
            (ArgSource::Bound(var), _) => bound(var),
            (ArgSource::Literal(l), _) => quote!(#l),
            (ArgSource::Input(n), None) => quote!(#n),
        });
    }
    if op.query_params.is_empty() {
        return (args, quote!());
    }
    let t = format_ident!("{}", query_type(op));
    let fields = op.query_params.iter().map(|p| {
        let f = ident(&p.ident);
        let wrap = |v: TokenStream| if p.required { v } else { quote!(Some(#v)) };
        let v = match source(call, p) {
            (ArgSource::Input(_), Some(i)) => {
                let place = place(i);
                // An input that feeds this parameter only is moved; one that feeds several is cloned.
                let uses = call
                    .args
                    .iter()
                    .filter(|a| matches!(&a.source, ArgSource::Input(n) if *n == i.name))
                    .count();
                let v = if uses > 1 && matches!(i.ty, ParamType::String | ParamType::Object) {
                    quote!(#place.clone())
                } else {
                    quote!(#place)
                };
                if i.required && !p.required {
                    quote!(Some(#v))
                } else {
                    v
                }
            }
            (ArgSource::Bound(var), _) => wrap({
                let b = bound(var);
                quote!(#b.to_owned())
            }),
            (ArgSource::Literal(l), _) => wrap(literal(p.ty, l)),
            (ArgSource::Input(n), None) => wrap(quote!(#n.to_owned())),
        };
        quote!(#f: #v,)
    });
    args.push(quote!(&query));
    (args, quote!(let query = #t { #(#fields)* };))
}

/// A literal of a parameter's type (the resolver has checked that it parses).
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
