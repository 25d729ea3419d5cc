//! The client module's `types`: Rust models of the JSON Schemas the OpenAPI overlay gives the consumed operations,
//! generated with typify, deterministic.
//!
//! A model read from responses is forward compatible: a field the upstream adds later is ignored (no model refuses
//! unknown fields), and an enum of it keeps a value it does not know in an `Other(String)` variant rather than
//! failing the call. Those enums are written here, not by typify, which makes every enum closed: each string enum of
//! a response model (two values or more, outside `oneOf`/`anyOf` alternatives, where a closed literal tells the
//! alternatives apart) becomes a definition of its own, named after where it is first met and shared by every
//! schema with the same values, which typify is told not to generate. Request models keep closed enums: a value the
//! upstream would refuse is refused before it is sent.

use std::collections::BTreeMap;

use heck::ToUpperCamelCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::{Value, json};
use typify::{TypeSpace, TypeSpaceImpl, TypeSpaceSettings};

use crate::ir::Model;
use crate::names;

/// The items of the `types` module for `models`.
pub(crate) fn types(models: &[Model]) -> Result<TokenStream, String> {
    let mut enums = OpenEnums::default();
    let mut defs: BTreeMap<String, Value> = BTreeMap::new();
    for m in models {
        enums.taken.push(m.name.clone());
    }
    for m in models {
        let schema = if m.read {
            enums.open(&m.schema, &m.name, false)
        } else {
            m.schema.clone()
        };
        defs.insert(m.name.clone(), schema);
    }
    let mut settings = TypeSpaceSettings::default();
    settings.with_struct_builder(false);
    for e in &enums.list {
        defs.insert(e.name.clone(), json!({"type": "string", "enum": e.values}));
        settings.with_replacement(
            &e.name,
            &e.name,
            [TypeSpaceImpl::Display, TypeSpaceImpl::FromStr].into_iter(),
        );
    }
    let defs = defs
        .into_iter()
        .map(|(name, schema)| {
            let schema = serde_json::from_value(schema)
                .map_err(|e| format!("the schema of `{name}` is not a JSON Schema: {e}"))?;
            Ok((name, schema))
        })
        .collect::<Result<BTreeMap<String, schemars::schema::Schema>, String>>()?;
    let mut space = TypeSpace::new(&settings);
    space
        .add_ref_types(defs)
        .map_err(|e| format!("generating the models: {e}"))?;
    let models = space.to_stream();
    let open = enums.list.iter().map(open_enum);
    Ok(quote! {
        #models
        #(#open)*
    })
}

/// A string enum of a response model, open to values it does not list.
struct OpenEnum {
    name: String,
    description: Option<String>,
    values: Vec<String>,
}

#[derive(Default)]
struct OpenEnums {
    list: Vec<OpenEnum>,
    /// Every name of the module so far.
    taken: Vec<String>,
}

impl OpenEnums {
    /// `schema` (of the type `name`) with each string enum it holds replaced by a reference to an open enum;
    /// `in_alternative`: it is an alternative of a `oneOf`/`anyOf`, or inside one.
    fn open(&mut self, schema: &Value, name: &str, in_alternative: bool) -> Value {
        let Value::Object(obj) = schema else {
            return schema.clone();
        };
        if !in_alternative && let Some((values, nullable)) = string_enum(obj) {
            let description = obj.get("description").and_then(Value::as_str);
            let r = json!({"$ref": format!("#/definitions/{}", self.name_of(values, name, description))});
            return if nullable {
                json!({"anyOf": [r, {"type": "null"}]})
            } else {
                r
            };
        }
        let mut out = serde_json::Map::new();
        for (key, value) in obj {
            let value = match (key.as_str(), value) {
                ("properties", Value::Object(props)) => Value::Object(
                    props
                        .iter()
                        .map(|(k, v)| {
                            let child = format!("{name}{}", k.to_upper_camel_case());
                            (k.clone(), self.open(v, &child, in_alternative))
                        })
                        .collect(),
                ),
                ("items", v) => self.open(v, &format!("{name}Item"), in_alternative),
                ("additionalProperties", Value::Bool(false)) => continue,
                ("additionalProperties", v) => {
                    self.open(v, &format!("{name}Value"), in_alternative)
                }
                ("oneOf" | "anyOf", Value::Array(alts)) => {
                    Value::Array(alts.iter().map(|v| self.open(v, name, true)).collect())
                }
                ("allOf", Value::Array(parts)) => Value::Array(
                    parts
                        .iter()
                        .map(|v| self.open(v, name, in_alternative))
                        .collect(),
                ),
                _ => value.clone(),
            };
            out.insert(key.clone(), value);
        }
        Value::Object(out)
    }

    /// The open enum of `values`: the one already made for them, or a new one named after `wanted`.
    fn name_of(&mut self, values: Vec<String>, wanted: &str, description: Option<&str>) -> String {
        let mut sorted = values.clone();
        sorted.sort();
        if let Some(e) = self.list.iter().find(|e| {
            let mut v = e.values.clone();
            v.sort();
            v == sorted
        }) {
            return e.name.clone();
        }
        let mut name = names::type_ident(wanted, "");
        let mut n = 2;
        while self.taken.contains(&name) {
            name = format!("{}{n}", names::type_ident(wanted, ""));
            n += 1;
        }
        self.taken.push(name.clone());
        self.list.push(OpenEnum {
            name: name.clone(),
            description: description.map(str::to_owned),
            values,
        });
        name
    }
}

/// The values of a string enum of two values or more, and whether it also admits `null`.
fn string_enum(obj: &serde_json::Map<String, Value>) -> Option<(Vec<String>, bool)> {
    let Value::Array(values) = obj.get("enum")? else {
        return None;
    };
    let nullable = values.contains(&Value::Null)
        || matches!(obj.get("type"), Some(Value::Array(t)) if t.contains(&Value::from("null")));
    let strings: Vec<String> = values
        .iter()
        .filter(|v| !v.is_null())
        .map(|v| v.as_str().map(str::to_owned))
        .collect::<Option<_>>()?;
    let typed_string = match obj.get("type") {
        None => true,
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(t)) => t.iter().all(|t| t == "string" || t == "null"),
        Some(_) => false,
    };
    (typed_string && strings.len() >= 2).then_some((strings, nullable))
}

/// The Rust variant of each value, distinct, none named `Other`.
fn variants(values: &[String]) -> Vec<proc_macro2::Ident> {
    let mut taken: Vec<String> = vec!["Other".into()];
    values
        .iter()
        .map(|v| {
            let base = match v.to_upper_camel_case() {
                s if s.is_empty() => "Empty".to_owned(),
                s if s.starts_with(|c: char| c.is_ascii_digit()) => format!("V{s}"),
                s => names::type_ident(&s, ""),
            };
            let mut name = base.clone();
            let mut n = 2;
            while taken.contains(&name) {
                name = format!("{base}{n}");
                n += 1;
            }
            taken.push(name.clone());
            format_ident!("{}", name)
        })
        .collect()
}

fn open_enum(e: &OpenEnum) -> TokenStream {
    let name = format_ident!("{}", e.name);
    let variants = variants(&e.values);
    let values = &e.values;
    let mut doc = super::doc_opening(e.description.as_deref());
    doc.push(
        "A value not listed here, which a later version of the API may send, is kept in `Other`."
            .into(),
    );
    let doc = super::doc_lines(&doc);
    quote! {
        #doc
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        pub enum #name {
            #(
                #[serde(rename = #values)]
                #variants,
            )*
            /// A value this version does not know, as sent.
            #[serde(untagged)]
            Other(::std::string::String),
        }

        impl #name {
            /// The value as sent.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#variants => #values,)*
                    Self::Other(other) => other,
                }
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::convert::From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#values => Self::#variants,)*
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl ::std::str::FromStr for #name {
            type Err = ::std::convert::Infallible;

            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }
    }
}
