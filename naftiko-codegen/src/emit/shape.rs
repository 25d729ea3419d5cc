//! Shaped outputs: the straight-line code that writes an exposure's answer from the upstream's parsed body, and the
//! JSON Schema of that answer.

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::{Map, Value, json};

use crate::ir::{OutputMapping, PathStep, Shape, ShapeSource, ShapeType};

/// What follows the client call (a `Result<Response, Error>`) to shape its answer: nothing for the whole response.
pub fn after_call(rt: &TokenStream, output: &OutputMapping) -> TokenStream {
    match output {
        OutputMapping::Whole => quote!(),
        OutputMapping::Shaped(s) => {
            let write = write(s, &quote!(v));
            // A shape of constants reads nothing.
            let (v, import) = if uses(s) {
                (quote!(v), quote!(use #rt::shape as sh;))
            } else {
                (quote!(_), quote!())
            };
            quote! {
                .and_then(|r| r.shape(|#v, out| {
                    #import
                    #write
                }))
            }
        }
    }
}

/// Statements writing `s` into `out`, with `cx` (an `Option<&Value>`) the value its mapping is relative to.
fn write(s: &Shape, cx: &TokenStream) -> TokenStream {
    let path = match &s.source {
        ShapeSource::Const(c) => {
            let text = c.to_string();
            return quote!(out.literal(#text););
        }
        ShapeSource::Path(p) => p,
    };
    let each = path.contains(&PathStep::Each);
    let steps = steps(path);
    // The value the mapping reaches (none is `$.`, the current value); a mapping with `[*]` goes through `sh::all`.
    let at = if path.is_empty() {
        quote!(#cx)
    } else {
        quote!(sh::at(#cx, &[#(#steps),*]))
    };
    if let Some(props) = &s.properties {
        let members = props.iter().map(|(name, p)| {
            let w = write(p, &quote!(v));
            quote! {
                out.key(#name);
                #w
            }
        });
        let object = quote! {
            out.begin_object();
            #(#members)*
            out.end_object();
        };
        // Without a mapping the object shapes the current value, whatever it is; with one, it is null unless the
        // mapping reaches an object.
        if path.is_empty() {
            return object;
        }
        let bind = if props.iter().any(|(_, p)| uses(p)) {
            quote!(v @ Some(_))
        } else {
            quote!(Some(_))
        };
        return quote! {
            match sh::object(#at) {
                #bind => { #object }
                None => out.null(),
            }
        };
    }
    if let Some(item) = &s.items {
        let w = write(item, &quote!(v));
        let (var, rebind) = if uses(item) {
            (quote!(v), quote!(let v = Some(v);))
        } else {
            (quote!(_), quote!())
        };
        return if each {
            quote! {
                out.begin_array();
                for #var in sh::all(#cx, &[#(#steps),*]) {
                    #rebind
                    #w
                }
                out.end_array();
            }
        } else {
            quote! {
                match sh::elements(#at) {
                    Some(a) => {
                        out.begin_array();
                        for #var in a {
                            #rebind
                            #w
                        }
                        out.end_array();
                    }
                    None => out.null(),
                }
            }
        };
    }
    if each {
        return quote!(out.values(&sh::all(#cx, &[#(#steps),*])););
    }
    let kind = kind(s.ty);
    quote!(out.typed(#kind, #at);)
}

/// Whether what `s` writes reads the value its mapping is relative to.
pub fn uses(s: &Shape) -> bool {
    match &s.source {
        ShapeSource::Const(_) => false,
        ShapeSource::Path(p) if p.is_empty() => match &s.properties {
            Some(props) => props.iter().any(|(_, p)| uses(p)),
            None => true,
        },
        ShapeSource::Path(_) => true,
    }
}

fn steps(path: &[PathStep]) -> Vec<TokenStream> {
    steps_of(path, &quote!(sh::Step))
}

/// The runtime's steps of a compiled path, `step` naming the runtime's `shape::Step`.
pub(super) fn steps_of(path: &[PathStep], step: &TokenStream) -> Vec<TokenStream> {
    path.iter()
        .map(|s| match s {
            PathStep::Key(k) => quote!(#step::Key(#k)),
            PathStep::Index(i) => {
                let i = proc_macro2::Literal::usize_unsuffixed(*i);
                quote!(#step::Index(#i))
            }
            PathStep::Each => quote!(#step::Each),
        })
        .collect()
}

fn kind(t: ShapeType) -> TokenStream {
    match t {
        ShapeType::String => quote!(sh::Kind::String),
        ShapeType::Number => quote!(sh::Kind::Number),
        ShapeType::Integer => quote!(sh::Kind::Integer),
        ShapeType::Boolean => quote!(sh::Kind::Boolean),
        ShapeType::Object => quote!(sh::Kind::Object),
        ShapeType::Array => quote!(sh::Kind::Array),
    }
}

/// The JSON Schema of what `s` writes: its type (or `null`, for a value the upstream did not send), an object's
/// properties (all present: a missing one is `null`) and an array's items; a constant is its `const`.
pub fn schema(s: &Shape) -> Value {
    if let ShapeSource::Const(c) = &s.source {
        return json!({"type": s.ty.as_str(), "const": c});
    }
    let mut o = Map::new();
    let nullable = match &s.source {
        // An object of properties without a mapping is always written.
        ShapeSource::Path(p) => !(p.is_empty() && s.properties.is_some()),
        ShapeSource::Const(_) => false,
    };
    let each = matches!(&s.source, ShapeSource::Path(p) if p.contains(&PathStep::Each));
    o.insert(
        "type".into(),
        if nullable && !each {
            json!([s.ty.as_str(), "null"])
        } else {
            json!(s.ty.as_str())
        },
    );
    if let Some(props) = &s.properties {
        let mut p = Map::new();
        for (name, shape) in props {
            p.insert(name.clone(), schema(shape));
        }
        o.insert("properties".into(), Value::Object(p));
        o.insert(
            "required".into(),
            Value::Array(props.iter().map(|(n, _)| json!(n)).collect()),
        );
    }
    if let Some(item) = &s.items {
        o.insert("items".into(), schema(item));
    }
    Value::Object(o)
}

/// The JSON Schema of a shaped tool's structured content: the shape's, wrapped as the runtime wraps answers that are
/// not objects (`{"items": [...], "totalNumber": n}` for an array, `{"value": ...}` for anything else; see the
/// runtime's `result_json`). A shaped answer that is `null` (an object whose mapping found none) is wrapped too.
pub fn tool_schema(s: &Shape) -> Value {
    let mut inner = schema(s);
    let nullable = matches!(inner["type"], Value::Array(_));
    if nullable {
        inner["type"] = json!(s.ty.as_str());
    }
    let mut wrapped = match s.ty {
        ShapeType::Object => inner,
        ShapeType::Array => json!({
            "type": "object",
            "properties": {
                "items": inner,
                "totalNumber": {"type": "integer", "description": "The total number of entries (`Total-Number`), when the upstream counts them."},
            },
            "required": ["items"],
        }),
        _ => {
            inner["type"] = json!([s.ty.as_str(), "null"]);
            return json!({
                "type": "object",
                "properties": {"value": inner},
                "required": ["value"],
            });
        }
    };
    // A null answer (the mapping found no object or array) comes as `{"value": null}`.
    if nullable {
        wrapped.as_object_mut().map(|o| o.remove("required"));
        wrapped["properties"]["value"] = json!({"type": "null"});
    }
    wrapped
}
