//! What REST handlers and MCP tool functions share: the expressions that feed a consumed operation's parameters from
//! the exposure's inputs, bound values and literals.

use proc_macro2::TokenStream;
use quote::quote;

use super::ident;
use crate::ir::{ArgSource, Call, Capability, ExposedInput, Operation, Param, ParamType};

/// A call as an adapter function makes it: `place` gives the place holding an input once parsed (`Option<T>`, or
/// `T` when the input is required).
struct Site<'a, P> {
    cap: &'a Capability,
    call: &'a Call,
    place: P,
}

impl<P: Fn(&ExposedInput) -> TokenStream> Site<'_, P> {
    fn source(&self, p: &Param) -> (&ArgSource, Option<&ExposedInput>) {
        static UNBOUND: ArgSource = ArgSource::Literal(String::new());
        let src = self
            .call
            .args
            .iter()
            .find(|a| a.param == p.name)
            .map(|a| &a.source);
        let input = match src {
            Some(ArgSource::Input(n)) => self.call.inputs.iter().find(|i| &i.name == n),
            _ => None,
        };
        // The resolver binds every consumed parameter; a missing binding cannot reach the emitter.
        (src.unwrap_or(&UNBOUND), input)
    }

    /// `&str` of a bound value, or an early return of `unbound(VAR)` (the adapter runtime's error for a missing one).
    fn bound(&self, var: &str) -> TokenStream {
        let f = ident(self.cap.bound(var).map_or(var, |b| b.field.as_str()));
        quote!(c.bindings.#f.as_ref().ok_or_else(|| rt::unbound(#var))?.expose())
    }

    /// A path or header parameter's argument: `&str`, the text of an input of another type; `Option<&str>` for an
    /// optional header parameter.
    fn text_arg(&self, p: &Param) -> TokenStream {
        let wrap = |v: TokenStream| if p.required { v } else { quote!(Some(#v)) };
        match self.source(p) {
            (ArgSource::Input(_), Some(i)) => {
                let place = (self.place)(i);
                match (i.required || p.required, i.ty == ParamType::String) {
                    (true, true) => wrap(quote!(&#place)),
                    (true, false) => wrap(quote!(&#place.to_string())),
                    (false, true) => quote!(#place.as_deref()),
                    (false, false) => quote!(#place.map(|v| v.to_string()).as_deref()),
                }
            }
            (ArgSource::Bound(var), _) => wrap(self.bound(var)),
            (ArgSource::Literal(l), _) => wrap(quote!(#l)),
            (ArgSource::Input(n), None) => wrap(quote!(#n)),
        }
    }

    /// A body template value's argument: `&JsonValue` of an input of any type, of a bound value's text or of a
    /// literal.
    fn body_arg(&self, p: &Param, runtime: &TokenStream) -> TokenStream {
        let json = quote!(#runtime::client::json_value);
        match self.source(p) {
            (ArgSource::Input(_), Some(i)) => {
                let place = (self.place)(i);
                quote!(&#json(&#place))
            }
            (ArgSource::Bound(var), _) => {
                let b = self.bound(var);
                quote!(&#json(#b))
            }
            (ArgSource::Literal(l), _) | (ArgSource::Input(l), None) => quote!(&#json(#l)),
        }
    }

    /// A query parameter's field of the query struct.
    fn query_field(&self, p: &Param) -> TokenStream {
        let f = ident(&p.ident);
        let wrap = |v: TokenStream| if p.required { v } else { quote!(Some(#v)) };
        let v = match self.source(p) {
            (ArgSource::Input(_), Some(i)) => {
                let place = (self.place)(i);
                // An input that feeds this parameter only is moved; one that feeds several is cloned.
                let uses = self
                    .call
                    .args
                    .iter()
                    .filter(|a| matches!(&a.source, ArgSource::Input(n) if *n == i.name))
                    .count();
                let v = if uses > 1
                    && !matches!(
                        i.ty,
                        ParamType::Integer | ParamType::Number | ParamType::Boolean
                    ) {
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
                let b = self.bound(var);
                quote!(#b.to_owned())
            }),
            (ArgSource::Literal(l), _) => wrap(literal(p.ty, l)),
            (ArgSource::Input(n), None) => wrap(quote!(#n.to_owned())),
        };
        quote!(#f: #v,)
    }
}

/// The arguments of the client call `call` makes: path parameters (`&str`), header parameters (`&str`, or
/// `Option<&str>` when optional), then `&query`; the caller appends the
/// body. Also returns the statement that builds `query`, when the operation has query parameters. `place` gives the
/// place holding an input once parsed: `Option<T>`, or `T` when the input is required.
pub(crate) fn call_args(
    cap: &Capability,
    call: &Call,
    runtime: &TokenStream,
    place: impl Fn(&ExposedInput) -> TokenStream,
) -> (Vec<TokenStream>, TokenStream) {
    let site = Site { cap, call, place };
    let op: &Operation = cap.operation(call.target);
    let mut args: Vec<TokenStream> = op
        .path_params
        .iter()
        .chain(&op.header_params)
        .map(|p| site.text_arg(p))
        .collect();
    args.extend(op.body_params.iter().map(|p| site.body_arg(p, runtime)));
    let Some(t) = &op.query_type else {
        return (args, quote!());
    };
    let t = ident(t);
    let fields = op.query_params.iter().map(|p| site.query_field(p));
    args.push(quote!(&query));
    (args, quote!(let query = #t { #(#fields)* };))
}

/// Whether input `i` feeds a parameter of `call`: one that feeds none is still read (and checked), but not used.
pub(crate) fn is_used(call: &Call, i: &ExposedInput) -> bool {
    call.args
        .iter()
        .any(|a| matches!(&a.source, ArgSource::Input(n) if *n == i.name))
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
        // The resolver refuses object and array literals.
        ParamType::String | ParamType::Object | ParamType::Array => quote!(#l.to_owned()),
    }
}
