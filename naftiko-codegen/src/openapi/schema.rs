//! OpenAPI 3.0 schemas → JSON Schema, and the dialects the emitters write.
//!
//! [`canonical`] turns a schema of the document into one self-contained JSON Schema (draft 2020-12, which OpenAPI 3.1
//! shares): `$ref`s inlined, `nullable` written as a `null` type, the `format: "\"X\""` by which Logto's documents
//! state a literal written as `enum: ["X"]`. The other functions derive what each consumer of a schema accepts from
//! that one form:
//!
//! - [`for_types`]: what the Rust models are generated from (typify): constraints the upstream enforces itself
//!   (lengths, patterns, ranges, formats) left out, so that a model is built from plain values;
//! - [`for_output`]: what a tool's output schema says of its structured content;
//! - [`for_tools`]: what MCP clients accept as a tool's input schema: one `type` per property, `anyOf` for `oneOf`,
//!   no `format`, `pattern` or `examples`.

use serde_json::{Map, Value};

/// How deep `$ref`s are followed; deeper (a recursive schema) is left as any value.
const MAX_REF_DEPTH: usize = 16;

/// `schema`, a schema of `doc`, as one self-contained JSON Schema.
pub fn canonical(doc: &Value, schema: &Value) -> Value {
    convert(doc, schema, 0)
}

fn convert(doc: &Value, schema: &Value, depth: usize) -> Value {
    let Value::Object(obj) = schema else {
        // `true`/`false` schemas and anything malformed: kept as they are.
        return schema.clone();
    };
    if let Some(Value::String(r)) = obj.get("$ref") {
        return match resolve_ref(doc, r) {
            Some(target) if depth < MAX_REF_DEPTH => convert(doc, target, depth + 1),
            _ => Value::Object(Map::new()),
        };
    }
    let mut out = map_children(obj, &mut |child| convert(doc, child, depth));
    // OpenAPI 3.0 only: handled below.
    for key in [
        "nullable",
        "example",
        "discriminator",
        "xml",
        "externalDocs",
    ] {
        out.remove(key);
    }
    for key in ["exclusiveMinimum", "exclusiveMaximum"] {
        if out.get(key).is_some_and(Value::is_boolean) {
            out.remove(key);
        }
    }
    // `format: "\"Totp\""`: a literal, as Logto's documents write one.
    if let Some(Value::String(f)) = out.get("format")
        && let Some(literal) = quoted_literal(f)
    {
        out.remove("format");
        out.insert("enum".into(), Value::Array(vec![literal]));
    }
    if let Some(example) = obj.get("example") {
        out.insert("examples".into(), Value::Array(vec![example.clone()]));
    }
    for (bound, exclusive) in [
        ("minimum", "exclusiveMinimum"),
        ("maximum", "exclusiveMaximum"),
    ] {
        if obj.get(exclusive) == Some(&Value::Bool(true))
            && let Some(b) = out.remove(bound)
        {
            out.insert(exclusive.into(), b);
        }
    }
    if is_validator_function(&out) {
        // Logto's documents write a value checked by custom code as an object "Validator function"; real values
        // are strings (`redirectUris`), so it documents only that there is a value.
        out.remove("type");
    }
    collapse_alternatives(&mut out);
    if obj.get("nullable") == Some(&Value::Bool(true)) {
        return nullable(out);
    }
    Value::Object(out)
}

/// `{"type": "object", "description": "Validator function"}` and nothing else.
fn is_validator_function(schema: &Map<String, Value>) -> bool {
    schema.len() == 2
        && schema.get("type") == Some(&Value::from("object"))
        && schema.get("description") == Some(&Value::from("Validator function"))
}

/// `oneOf`/`anyOf` with the same alternative twice: each once; one alternative left: that alternative itself.
fn collapse_alternatives(schema: &mut Map<String, Value>) {
    for key in ["oneOf", "anyOf"] {
        let Some(Value::Array(alts)) = schema.get_mut(key) else {
            continue;
        };
        let mut unique: Vec<Value> = Vec::with_capacity(alts.len());
        for alt in alts.drain(..) {
            if !unique.contains(&alt) {
                unique.push(alt);
            }
        }
        if let [Value::Object(only)] = unique.as_slice() {
            let only = only.clone();
            schema.remove(key);
            for (k, v) in only {
                schema.entry(k).or_insert(v);
            }
        } else {
            schema.insert(key.into(), Value::Array(unique));
        }
    }
}

/// A string `"X"` (JSON-quoted) as the JSON value `X`.
fn quoted_literal(format: &str) -> Option<Value> {
    if format.len() >= 2 && format.starts_with('"') && format.ends_with('"') {
        serde_json::from_str(format).ok()
    } else {
        None
    }
}

/// `schema`, also accepting `null`.
fn nullable(mut schema: Map<String, Value>) -> Value {
    if let Some(Value::Array(values)) = schema.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
    match schema.get_mut("type") {
        Some(Value::String(t)) => {
            let t = std::mem::take(t);
            schema.insert("type".into(), Value::Array(vec![t.into(), "null".into()]));
            Value::Object(schema)
        }
        Some(Value::Array(types)) => {
            if !types.contains(&Value::from("null")) {
                types.push("null".into());
            }
            Value::Object(schema)
        }
        _ => {
            let mut description = Map::new();
            for key in ["description", "title", "default"] {
                if let Some(v) = schema.remove(key) {
                    description.insert(key.into(), v);
                }
            }
            let mut out = description;
            out.insert(
                "anyOf".into(),
                Value::Array(vec![
                    Value::Object(schema),
                    serde_json::json!({"type": "null"}),
                ]),
            );
            Value::Object(out)
        }
    }
}

/// The value a local reference (`#/components/schemas/X`) points at.
pub fn resolve_ref<'a>(doc: &'a Value, r: &str) -> Option<&'a Value> {
    doc.pointer(r.strip_prefix('#')?)
}

/// Keywords the Rust models do not check: the upstream validates them.
const UNCHECKED: &[&str] = &[
    "format",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minItems",
    "maxItems",
    "uniqueItems",
    "examples",
    "patternProperties",
];

/// A canonical schema as the Rust models are generated from it.
pub fn for_types(schema: &Value) -> Value {
    map_schemas(schema, &|obj| {
        for k in UNCHECKED {
            obj.remove(*k);
        }
        // An empty `enum` accepts nothing; a model cannot hold it, so it holds what the type does.
        if matches!(obj.get("enum"), Some(Value::Array(v)) if v.is_empty()) {
            obj.remove("enum");
        }
    })
}

/// A canonical schema as a tool's output schema, which clients validate structured content against: what the
/// upstream documents, without `pattern`s (written for JavaScript's regular expressions), `format`s or examples.
pub fn for_output(schema: &Value) -> Value {
    map_schemas(schema, &|obj| {
        for k in ["format", "pattern", "examples", "patternProperties"] {
            obj.remove(k);
        }
    })
}

/// A canonical schema as MCP clients accept it in a tool's input schema.
pub fn for_tools(schema: &Value) -> Value {
    map_schemas(schema, &|obj| {
        for k in ["format", "pattern", "examples", "patternProperties"] {
            obj.remove(k);
        }
        if let Some(Value::Array(types)) = obj.get("type") {
            let single: Vec<&Value> = types.iter().filter(|t| *t != "null").collect();
            match single.as_slice() {
                [one] => {
                    let one = (*one).clone();
                    obj.insert("type".into(), one);
                }
                _ => {
                    obj.remove("type");
                }
            }
        }
        if let Some(Value::Array(values)) = obj.get_mut("enum") {
            values.retain(|v| !v.is_null());
        }
        if let Some(one_of) = obj.remove("oneOf") {
            obj.insert("anyOf".into(), one_of);
        }
        // `anyOf: [X, {type: null}]`, the nullable form: X.
        if let Some(Value::Array(any)) = obj.get("anyOf") {
            let rest: Vec<&Value> = any.iter().filter(|v| !is_null_schema(v)).collect();
            if rest.len() == 1
                && rest.len() < any.len()
                && let Value::Object(inner) = rest[0].clone()
            {
                obj.remove("anyOf");
                for (k, v) in inner {
                    obj.entry(k).or_insert(v);
                }
            }
        }
    })
}

fn is_null_schema(v: &Value) -> bool {
    v.get("type") == Some(&Value::from("null"))
}

/// `schema` with `f` applied to every schema object in it, innermost first.
fn map_schemas(schema: &Value, f: &dyn Fn(&mut Map<String, Value>)) -> Value {
    let Value::Object(obj) = schema else {
        return schema.clone();
    };
    let mut out = map_children(obj, &mut |child| map_schemas(child, f));
    f(&mut out);
    Value::Object(out)
}

/// A copy of the schema object `obj`, each schema it holds — a property's, the items', an alternative… — replaced
/// by what `child` makes of it.
fn map_children(
    obj: &Map<String, Value>,
    child: &mut dyn FnMut(&Value) -> Value,
) -> Map<String, Value> {
    obj.iter()
        .map(|(key, value)| {
            let value = match (key.as_str(), value) {
                ("properties" | "patternProperties", Value::Object(props)) => {
                    Value::Object(props.iter().map(|(k, v)| (k.clone(), child(v))).collect())
                }
                ("items" | "additionalProperties" | "not", v) => child(v),
                ("oneOf" | "anyOf" | "allOf", Value::Array(all)) => {
                    Value::Array(all.iter().map(&mut *child).collect())
                }
                _ => value.clone(),
            };
            (key.clone(), value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn refs_are_inlined_and_nullable_becomes_a_null_type() {
        let doc = json!({"components": {"schemas": {"S": {"type": "string", "nullable": true}}}});
        let s = canonical(
            &doc,
            &json!({"type": "object", "properties": {"a": {"$ref": "#/components/schemas/S"}}}),
        );
        assert_eq!(
            s,
            json!({"type": "object", "properties": {"a": {"type": ["string", "null"]}}})
        );
    }

    #[test]
    fn a_quoted_format_is_a_literal() {
        let s = canonical(&json!({}), &json!({"type": "string", "format": "\"Totp\""}));
        assert_eq!(s, json!({"type": "string", "enum": ["Totp"]}));
        let s = canonical(&json!({}), &json!({"type": "string", "format": "url"}));
        assert_eq!(s, json!({"type": "string", "format": "url"}));
    }

    #[test]
    fn nullable_without_a_type_is_any_of_null() {
        let s = canonical(
            &json!({}),
            &json!({"nullable": true, "description": "d", "oneOf": [{"type": "string"}, {"type": "integer"}]}),
        );
        assert_eq!(
            s,
            json!({"description": "d", "anyOf": [{"oneOf": [{"type": "string"}, {"type": "integer"}]}, {"type": "null"}]})
        );
        assert_eq!(
            for_tools(&s),
            json!({"description": "d", "anyOf": [{"type": "string"}, {"type": "integer"}]})
        );
        // One alternative is that alternative.
        let s = canonical(
            &json!({}),
            &json!({"nullable": true, "oneOf": [{"type": "string"}, {"type": "string"}]}),
        );
        assert_eq!(s, json!({"type": ["string", "null"]}));
    }

    #[test]
    fn a_recursive_ref_ends_in_any_value() {
        let doc = json!({"components": {"schemas": {"N": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/N"}}}}}});
        let s = canonical(&doc, &json!({"$ref": "#/components/schemas/N"}));
        assert!(s.to_string().contains("{}"));
    }

    #[test]
    fn tool_schemas_have_one_type_per_property() {
        let s = json!({"type": "object", "properties": {"a": {"type": ["string", "null"], "enum": ["x", null], "format": "url"}, "b": {"oneOf": [{"type": "string"}, {"type": "integer"}]}}});
        assert_eq!(
            for_tools(&s),
            json!({"type": "object", "properties": {"a": {"type": "string", "enum": ["x"]}, "b": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}})
        );
    }
}
