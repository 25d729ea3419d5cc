//! Reads `spec/logto.naftiko.yaml` with a plain YAML parser — independently of the compiler — and derives, for each
//! exposed REST operation, one request and what the upstream must receive for it. Logto's OpenAPI document
//! (`spec/logto.openapi.json`, read as plain JSON) says what the MCP tools' arguments must further carry: the request
//! body's schema, and the parameters' descriptions and constraints.

use std::collections::BTreeMap;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_yaml::Value;

pub const SPEC_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/logto.naftiko.yaml");
pub const OPENAPI_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/logto.openapi.json");

/// The dialect repair: a line that directly follows a line that is only `with:` and sits at the same indentation is
/// re-indented under it (`with:` / `name: rest.name` means `with: {name: rest.name}`). Returns the text and the
/// number of repairs.
pub fn repair(text: &str) -> (String, usize) {
    let mut out = String::with_capacity(text.len() + 64);
    let mut repairs = 0;
    let mut prev: Option<&str> = None;
    for line in text.lines() {
        let indent = |l: &str| l.len() - l.trim_start().len();
        match prev {
            Some(p)
                if p.trim_end().ends_with("with:")
                    && p.trim() == "with:"
                    && !line.trim().is_empty()
                    && indent(line) == indent(p) =>
            {
                out.push_str("  ");
                repairs += 1;
            }
            _ => {}
        }
        out.push_str(line);
        out.push('\n');
        prev = Some(line);
    }
    (out, repairs)
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub location: String,
    pub ty: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ConsumedOp {
    pub name: String,
    pub method: String,
    pub path: String,
    pub params: Vec<Param>,
}

#[derive(Debug, Clone)]
pub struct ExposedOp {
    pub name: String,
    pub method: String,
    pub path: String,
    /// `namespace.operation`
    pub call: String,
    pub with: BTreeMap<String, String>,
}

/// A declared input of an MCP tool (`tools[].inputParameters[]`).
#[derive(Debug, Clone)]
pub struct ToolInput {
    pub name: String,
    /// `string` when absent.
    pub ty: String,
    pub description: Option<String>,
    /// `required: true` written in the spec.
    pub required: bool,
}

/// A tool's annotations: the spec's `hints`, with the format's defaults for those absent (`readOnly: false`,
/// `destructive: true`, `idempotent: false`, `openWorld: true`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hints {
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
    pub open_world: bool,
}

/// One exposed MCP tool (`exposes[type=mcp].tools[]`).
#[derive(Debug, Clone)]
pub struct ExposedTool {
    /// The exposure's namespace.
    pub namespace: String,
    pub name: String,
    pub description: Option<String>,
    /// `label`, the tool's title.
    pub label: Option<String>,
    pub hints: Hints,
    /// `namespace.operation`
    pub call: String,
    pub with: BTreeMap<String, String>,
    pub inputs: Vec<ToolInput>,
}

/// One exposed MCP server (`exposes[type=mcp]`).
#[derive(Debug, Clone)]
pub struct McpExposure {
    pub namespace: String,
    pub description: Option<String>,
}

/// One operation of Logto's OpenAPI document, `$ref`s inlined.
#[derive(Debug, Clone)]
pub struct OpenApiOp {
    /// The document's path, with its own placeholder names.
    pub path: String,
    /// The parameter objects (`name`, `in`, `description`, `schema`).
    pub params: Vec<serde_json::Value>,
    /// The schema of the `application/json` request body, when the operation takes one.
    pub body: Option<serde_json::Value>,
}

impl OpenApiOp {
    /// The parameter `name` located `in`.
    pub fn param(&self, location: &str, name: &str) -> Option<&serde_json::Value> {
        self.params
            .iter()
            .find(|p| p["in"] == location && p["name"] == name)
    }
}

#[derive(Debug)]
pub struct Spec {
    /// By `namespace.operation`.
    pub consumed: BTreeMap<String, ConsumedOp>,
    pub exposed_rest: Vec<ExposedOp>,
    pub mcp: Vec<McpExposure>,
    /// Every tool of every MCP exposure, in spec order.
    pub tools: Vec<ExposedTool>,
    pub repairs: usize,
    /// The operations of Logto's OpenAPI document, by `METHOD /path/{}` (placeholders anonymised).
    pub openapi: BTreeMap<String, OpenApiOp>,
}

fn s(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn seq<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_sequence)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// `{x}` and `{{x}}` placeholders of a path, in order.
pub fn placeholders(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let after = rest[start..].trim_start_matches('{');
        let end = after.find('}').expect("a closed placeholder");
        out.push(after[..end].to_owned());
        rest = after[end..].trim_start_matches('}');
    }
    out
}

/// A path with its placeholders anonymised (`/api/applications/{id}/roles` → `/api/applications/{}/roles`), to match
/// the spec's paths with the OpenAPI document's whatever their placeholders are named.
pub fn anonymised(path: &str) -> String {
    let mut out = path.to_owned();
    for p in placeholders(path) {
        out = out
            .replace(&format!("{{{{{p}}}}}"), "{}")
            .replace(&format!("{{{p}}}"), "{}");
    }
    out
}

/// The key of an operation in [`Spec::openapi`].
fn openapi_key(method: &str, path: &str) -> String {
    format!("{} {}", method.to_ascii_uppercase(), anonymised(path))
}

/// `v` with every local `$ref` (`#/components/...`) replaced by what it points to (siblings of a `$ref` are kept).
fn inline_refs(v: &serde_json::Value, root: &serde_json::Value, depth: usize) -> serde_json::Value {
    use serde_json::Value as J;
    assert!(depth < 64, "$ref cycle in the OpenAPI document");
    match v {
        J::Object(m) => {
            if let Some(J::String(r)) = m.get("$ref") {
                let pointer = r
                    .strip_prefix('#')
                    .unwrap_or_else(|| panic!("a local $ref: {r}"));
                let mut target = root
                    .pointer(pointer)
                    .unwrap_or_else(|| panic!("$ref {r} resolves"))
                    .clone();
                if let J::Object(t) = &mut target {
                    for (k, sibling) in m.iter().filter(|(k, _)| *k != "$ref") {
                        t.insert(k.clone(), sibling.clone());
                    }
                }
                return inline_refs(&target, root, depth + 1);
            }
            J::Object(
                m.iter()
                    .map(|(k, c)| (k.clone(), inline_refs(c, root, depth)))
                    .collect(),
            )
        }
        J::Array(a) => J::Array(a.iter().map(|c| inline_refs(c, root, depth)).collect()),
        other => other.clone(),
    }
}

/// Reads `spec/logto.openapi.json`: its operations by method and anonymised path.
pub fn load_openapi() -> BTreeMap<String, OpenApiOp> {
    let text = std::fs::read_to_string(OPENAPI_PATH).expect("read the OpenAPI document");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("the OpenAPI document is JSON");
    let mut out = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let item = item.as_object().expect("a path item");
        let shared = item
            .get("parameters")
            .and_then(|p| p.as_array())
            .cloned()
            .unwrap_or_default();
        for (method, op) in item {
            if !matches!(
                method.as_str(),
                "get" | "put" | "post" | "delete" | "patch" | "head" | "options"
            ) {
                continue;
            }
            let mut params: Vec<serde_json::Value> = Vec::new();
            let own = op["parameters"].as_array().cloned().unwrap_or_default();
            for p in own.iter().chain(&shared) {
                let p = inline_refs(p, &doc, 0);
                if !params
                    .iter()
                    .any(|q| q["in"] == p["in"] && q["name"] == p["name"])
                {
                    params.push(p);
                }
            }
            let body = op
                .pointer("/requestBody/content/application~1json/schema")
                .map(|b| inline_refs(b, &doc, 0));
            let prev = out.insert(
                openapi_key(method, path),
                OpenApiOp {
                    path: path.clone(),
                    params,
                    body,
                },
            );
            assert!(
                prev.is_none(),
                "{method} {path}: one operation per anonymised path"
            );
        }
    }
    out
}

pub fn load() -> Spec {
    let text = std::fs::read_to_string(SPEC_PATH).expect("read the spec");
    let (repaired, repairs) = repair(&text);
    let doc: Value = serde_yaml::from_str(&repaired).expect("the repaired spec is plain YAML");
    let cap = doc.get("capability").expect("capability");
    let mut consumed = BTreeMap::new();
    for api in seq(cap, "consumes") {
        let ns = s(api, "namespace").expect("consumes[].namespace");
        for res in seq(api, "resources") {
            let path = s(res, "path").expect("resource path");
            for op in seq(res, "operations") {
                let name = s(op, "name").expect("operation name");
                let params = seq(op, "inputParameters")
                    .iter()
                    .map(|p| Param {
                        name: s(p, "name").expect("parameter name"),
                        location: s(p, "in").expect("parameter in"),
                        ty: s(p, "type").unwrap_or_else(|| "string".into()),
                        description: s(p, "description"),
                    })
                    .collect();
                let method = s(op, "method").unwrap_or_else(|| "GET".into());
                let prev = consumed.insert(
                    format!("{ns}.{name}"),
                    ConsumedOp {
                        name,
                        method,
                        path: path.clone(),
                        params,
                    },
                );
                assert!(prev.is_none(), "operation names are unique");
            }
        }
    }
    let mut exposed_rest = Vec::new();
    for exp in seq(cap, "exposes") {
        if s(exp, "type").as_deref() != Some("rest") {
            continue;
        }
        for res in seq(exp, "resources") {
            let path = s(res, "path").expect("exposed path");
            assert!(
                res.get("inputParameters").is_none(),
                "resource-level inputs are outside what this test derives"
            );
            for op in seq(res, "operations") {
                assert!(
                    op.get("inputParameters").is_none(),
                    "operation-level exposed inputs are outside what this test derives ({path})"
                );
                let with = with_of(op);
                exposed_rest.push(ExposedOp {
                    name: s(op, "name").expect("exposed operation name"),
                    method: s(op, "method").unwrap_or_else(|| "GET".into()),
                    path: path.clone(),
                    call: s(op, "call").expect("call"),
                    with,
                });
            }
        }
    }
    let mut mcp = Vec::new();
    let mut tools = Vec::new();
    for exp in seq(cap, "exposes") {
        if s(exp, "type").as_deref() != Some("mcp") {
            continue;
        }
        let namespace = s(exp, "namespace").expect("mcp namespace");
        for key in ["resources", "prompts"] {
            assert!(
                exp.get(key).is_none(),
                "MCP {key} are outside what this test derives"
            );
        }
        mcp.push(McpExposure {
            namespace: namespace.clone(),
            description: s(exp, "description"),
        });
        for tool in seq(exp, "tools") {
            let name = s(tool, "name").expect("tool name");
            let hint = |key: &str, default: bool| -> bool {
                match tool.get("hints").and_then(|h| h.get(key)) {
                    None => default,
                    Some(v) => v
                        .as_bool()
                        .unwrap_or_else(|| panic!("{name}: hints.{key} is a boolean")),
                }
            };
            let hints = Hints {
                read_only: hint("readOnly", false),
                destructive: hint("destructive", true),
                idempotent: hint("idempotent", false),
                open_world: hint("openWorld", true),
            };
            let inputs = seq(tool, "inputParameters")
                .iter()
                .map(|p| ToolInput {
                    name: s(p, "name").expect("tool input name"),
                    ty: s(p, "type").unwrap_or_else(|| "string".into()),
                    description: s(p, "description"),
                    required: p.get("required").and_then(Value::as_bool) == Some(true),
                })
                .collect();
            tools.push(ExposedTool {
                namespace: namespace.clone(),
                description: s(tool, "description"),
                label: s(tool, "label"),
                hints,
                call: s(tool, "call").expect("tool call"),
                with: with_of(tool),
                inputs,
                name,
            });
        }
    }
    Spec {
        consumed,
        exposed_rest,
        mcp,
        tools,
        repairs,
        openapi: load_openapi(),
    }
}

/// An operation's or tool's `with:` mapping, values as text.
fn with_of(op: &Value) -> BTreeMap<String, String> {
    match op.get("with") {
        None | Some(Value::Null) => BTreeMap::new(),
        Some(Value::Mapping(m)) => m
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().expect("with key").to_owned(),
                    match v {
                        Value::String(s) => s.clone(),
                        other => serde_yaml::to_string(other)
                            .expect("with value")
                            .trim()
                            .to_owned(),
                    },
                )
            })
            .collect(),
        Some(other) => panic!("with: is not a mapping: {other:?}"),
    }
}

/// Percent-encodes a value as one path segment: everything but RFC 3986 unreserved characters.
pub fn encode_segment(v: &str) -> String {
    /// Everything but the unreserved characters: ASCII letters and digits, `-`, `.`, `_` and `~`.
    const RESERVED: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    utf8_percent_encode(v, RESERVED).to_string()
}

/// One expected upstream query entry.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryPart {
    /// `key=value`
    Pair(String, String),
    /// An object parameter's entries, form-exploded (in any order among themselves).
    Exploded(Vec<(String, String)>),
}

/// One request through the gateway and what the upstream must see for it.
#[derive(Debug, Clone)]
pub struct Case {
    pub exposed: ExposedOp,
    pub consumed: ConsumedOp,
    pub method: String,
    /// Path and query to send to the gateway.
    pub request_target: String,
    pub body: Option<String>,
    pub upstream_path: String,
    pub upstream_query: Vec<QueryPart>,
}

/// The distinctive value sent for an exposed path input.
pub fn path_value(param: &str, index: usize) -> String {
    format!("v-{param}-{index}")
}

/// A JSON body with unusual (but valid) spacing, escapes and number forms, which must arrive byte-identical.
pub fn body_for(op: &str) -> String {
    format!(
        r#"{{"op" : "{op}",  "n":[1, 2.50, -0, 1E3],"s":"caf\u00e9 \"q\"","nested" : {{ "a":null,"b":true }} }}"#
    )
}

impl ExposedOp {
    /// Where a consumed parameter comes from: `Ok(exposed input)` (by `with: {param: rest.input}`, or by name) or
    /// `Err(literal)`.
    pub fn source(&self, param: &str) -> Result<String, String> {
        match self.with.get(param) {
            Some(v) => match v.strip_prefix("rest.") {
                Some(input) => Ok(input.to_owned()),
                None => {
                    assert!(
                        !v.starts_with("{{") && !v.starts_with("tools."),
                        "{}: with value `{v}` is outside what this test derives",
                        self.name
                    );
                    Err(v.clone())
                }
            },
            None => Ok(param.to_owned()),
        }
    }
}

impl Spec {
    pub fn case(&self, e: &ExposedOp, index: usize) -> Case {
        let consumed = self
            .consumed
            .get(&e.call)
            .unwrap_or_else(|| panic!("`call: {}` names a consumed operation", e.call))
            .clone();
        let exposed_inputs = placeholders(&e.path);
        let value_of = |input: &str| -> String {
            assert!(
                exposed_inputs.iter().any(|i| i == input),
                "{}: exposed input `{input}` is a placeholder of `{}`",
                e.name,
                e.path
            );
            path_value(input, index)
        };
        // The exposed path, filled in.
        let mut request_path = e.path.clone();
        for p in &exposed_inputs {
            request_path = request_path.replace(&format!("{{{p}}}"), &path_value(p, index));
        }
        // The consumed path, filled in from the bound inputs, each value encoded as a segment.
        let mut upstream_path = consumed.path.clone();
        for p in placeholders(&consumed.path) {
            let value = match e.source(&p) {
                Ok(input) => value_of(&input),
                Err(literal) => literal,
            };
            let encoded = encode_segment(&value);
            upstream_path = upstream_path
                .replace(&format!("{{{{{p}}}}}"), &encoded)
                .replace(&format!("{{{p}}}"), &encoded);
        }
        // Query parameters, in declaration order.
        let mut sent: Vec<(String, String)> = Vec::new();
        let mut upstream_query = Vec::new();
        for p in consumed.params.iter().filter(|p| p.location == "query") {
            match e.source(&p.name) {
                Err(literal) => upstream_query.push(QueryPart::Pair(p.name.clone(), literal)),
                Ok(input) => match p.ty.as_str() {
                    "object" => {
                        let entries = vec![
                            ("search.name".to_owned(), "x".to_owned()),
                            ("mode.name".to_owned(), "like".to_owned()),
                        ];
                        sent.extend(entries.iter().cloned());
                        upstream_query.push(QueryPart::Exploded(entries));
                    }
                    ty => {
                        let v = match ty {
                            "integer" => "3".to_owned(),
                            "number" => "1.5".to_owned(),
                            "boolean" => "true".to_owned(),
                            "string" => format!("s-{input}"),
                            other => panic!("{}: query type `{other}`", e.name),
                        };
                        sent.push((input.clone(), v.clone()));
                        upstream_query.push(QueryPart::Pair(p.name.clone(), v));
                    }
                },
            }
        }
        let mut request_target = request_path;
        if !sent.is_empty() {
            let q: Vec<String> = sent.iter().map(|(k, v)| format!("{k}={v}")).collect();
            request_target = format!("{request_target}?{}", q.join("&"));
        }
        let method = e.method.to_ascii_uppercase();
        let body = matches!(method.as_str(), "POST" | "PUT" | "PATCH").then(|| body_for(&e.name));
        Case {
            exposed: e.clone(),
            consumed,
            method,
            request_target,
            body,
            upstream_path,
            upstream_query,
        }
    }

    pub fn cases(&self) -> Vec<Case> {
        self.exposed_rest
            .iter()
            .enumerate()
            .map(|(i, e)| self.case(e, i + 1))
            .collect()
    }
}

/// Checks received query pairs against the expectation (object entries compared as a set, at their position).
pub fn query_matches(expected: &[QueryPart], got: &[(String, String)]) -> Result<(), String> {
    let mut i = 0;
    for part in expected {
        match part {
            QueryPart::Pair(k, v) => {
                if got.get(i) != Some(&(k.clone(), v.clone())) {
                    return Err(format!("pair {i}: expected {k}={v}, got {:?}", got.get(i)));
                }
                i += 1;
            }
            QueryPart::Exploded(entries) => {
                let Some(block) = got.get(i..i + entries.len()) else {
                    return Err(format!("missing exploded entries {entries:?}"));
                };
                let mut a = block.to_vec();
                let mut b = entries.clone();
                a.sort();
                b.sort();
                if a != b {
                    return Err(format!("exploded entries: expected {b:?}, got {a:?}"));
                }
                i += entries.len();
            }
        }
    }
    if i != got.len() {
        return Err(format!("unexpected extra pairs {:?}", &got[i..]));
    }
    Ok(())
}

/// What feeds an MCP tool argument (README rule 14: declared inputs, then unbound path parameters, then unbound
/// query parameters, then `body`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    Declared,
    PathParam,
    QueryParam,
    Body,
}

/// One argument an MCP tool must accept, as the spec says.
#[derive(Debug, Clone)]
pub struct ToolArg {
    pub name: String,
    /// The JSON Schema type: `string`, `integer`, `number`, `boolean` or `object`.
    pub ty: String,
    pub required: bool,
    /// The spec's description, when it gives one.
    pub description: Option<String>,
    pub kind: ArgKind,
    /// What Logto's OpenAPI document says of the argument, when its operation is there: the parameter object
    /// (`description`, `schema`) of a path or query argument, the request body's schema of `body`.
    pub openapi: Option<serde_json::Value>,
}

impl ToolArg {
    /// The OpenAPI document's description of a path or query argument.
    pub fn openapi_description(&self) -> Option<&str> {
        match self.kind {
            ArgKind::Body => None,
            _ => self.openapi.as_ref()?.get("description")?.as_str(),
        }
    }

    /// The OpenAPI document's schema of the argument: a parameter's `schema`, or the body's.
    pub fn openapi_schema(&self) -> Option<&serde_json::Value> {
        let oa = self.openapi.as_ref()?;
        match self.kind {
            ArgKind::Body => Some(oa),
            _ => oa.get("schema"),
        }
    }
}

/// One call of an MCP tool with every argument given, and what the upstream must see for it.
#[derive(Debug, Clone)]
pub struct ToolCase {
    pub tool: ExposedTool,
    /// The consumed operation's method, upper-case.
    pub method: String,
    /// The tool's arguments, in rule-14 order.
    pub args: Vec<ToolArg>,
    /// A valid call: every argument given.
    pub arguments: serde_json::Map<String, serde_json::Value>,
    /// The exact bytes the upstream must receive (`POST`/`PUT`/`PATCH`).
    pub body: Option<Vec<u8>>,
    pub upstream_path: String,
    pub upstream_query: Vec<QueryPart>,
}

/// The value sent for a string argument: it needs encoding in a path segment and in a query.
pub fn tool_string_value(arg: &str, index: usize) -> String {
    format!("v/{arg} {index}?é&x=#")
}

/// The entries sent for an object (form-exploded) argument.
pub fn tool_object_value(index: usize) -> serde_json::Value {
    serde_json::json!({
        "search.name": format!("x {index}"),
        "mode.name": "like",
        "a&b": "c=d#",
    })
}

/// A JSON object body with nesting, escapes, non-ASCII text and varied numbers. Its keys are in sorted order, so
/// that its compact serialisation does not depend on how a JSON map orders keys.
pub fn tool_body(tool: &str, index: usize) -> serde_json::Value {
    serde_json::json!({
        "a": [1, 2.5, -3, 12_345_678_901_234_567_890u64, 1e300, index],
        "b": {"nested": null, "t": true, "x": []},
        "op": tool,
        "text": format!("tool {tool} \"q\" é\n☃ \\ </script>"),
        "zz": "",
    })
}

/// The smallest value a schema of Logto's OpenAPI document accepts: each required property filled in, the first
/// alternative of a `oneOf`/`anyOf`, the first value of an `enum`, the literal of Logto's `format: "\"literal\""`.
pub fn minimal_value(schema: &serde_json::Value) -> serde_json::Value {
    use serde_json::{Value as J, json};
    if let Some(J::String(f)) = schema.get("format")
        && let Some(literal) = f.strip_prefix('"').and_then(|f| f.strip_suffix('"'))
    {
        return J::from(literal);
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(J::as_array)
        .and_then(|e| e.iter().find(|v| !v.is_null()))
    {
        return first.clone();
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(first) = schema
            .get(key)
            .and_then(J::as_array)
            .and_then(|a| a.first())
        {
            return minimal_value(first);
        }
    }
    if let Some(all) = schema.get("allOf").and_then(J::as_array) {
        let mut out = serde_json::Map::new();
        for s in all {
            if let J::Object(m) = minimal_value(s) {
                out.extend(m);
            }
        }
        return J::Object(out);
    }
    let ty = match schema.get("type") {
        Some(J::String(t)) => t.as_str(),
        Some(J::Array(ts)) => ts
            .iter()
            .filter_map(J::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ if schema.get("properties").is_some() => "object",
        _ => "any",
    };
    let min = |key: &str| schema.get(key).and_then(J::as_u64).unwrap_or(0);
    match ty {
        "string" => J::from(match schema.get("format").and_then(J::as_str) {
            Some("url" | "uri") => "https://example.com/e2e".to_owned(),
            Some("email") => "e2e@example.com".to_owned(),
            _ => "x".repeat(min("minLength").max(1) as usize),
        }),
        "integer" | "number" => schema.get("minimum").cloned().unwrap_or_else(|| json!(1)),
        "boolean" => J::Bool(true),
        "null" => J::Null,
        "array" => {
            let item = minimal_value(schema.get("items").unwrap_or(&J::Null));
            J::Array(vec![item; min("minItems") as usize])
        }
        // An object, or a value the document leaves open ("Validator function"): an object with its required
        // properties.
        _ => {
            let mut out = serde_json::Map::new();
            for r in schema
                .get("required")
                .and_then(J::as_array)
                .into_iter()
                .flatten()
                .filter_map(J::as_str)
            {
                let s = schema
                    .pointer(&format!("/properties/{r}"))
                    .unwrap_or(&J::Null);
                out.insert(r.to_owned(), minimal_value(s));
            }
            J::Object(out)
        }
    }
}

/// Every property name a body schema declares, its alternatives' included.
fn declared_properties(schema: &serde_json::Value, out: &mut Vec<String>) {
    if let Some(props) = schema
        .get("properties")
        .and_then(serde_json::Value::as_object)
    {
        out.extend(props.keys().cloned());
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        for s in schema
            .get(key)
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
        {
            declared_properties(s, out);
        }
    }
}

/// A body a tool's model accepts, whose bytes still test forwarding: the smallest value of the document's schema
/// (when the document describes the body), plus the members of [`tool_body`] the schema does not declare — which a
/// gateway that forwards the body as given passes on, and one that rebuilt it from its model would drop. Keys in
/// sorted order, as in [`tool_body`].
pub fn valid_tool_body(
    schema: Option<&serde_json::Value>,
    tool: &str,
    index: usize,
) -> serde_json::Value {
    let serde_json::Value::Object(exotic) = tool_body(tool, index) else {
        unreachable!("tool_body is an object")
    };
    let Some(schema) = schema else {
        return serde_json::Value::Object(exotic);
    };
    let serde_json::Value::Object(minimal) = minimal_value(schema) else {
        panic!("{tool}: the body's schema is not an object's: {schema}")
    };
    let mut declared = Vec::new();
    declared_properties(schema, &mut declared);
    let mut all: Vec<(String, serde_json::Value)> = exotic
        .into_iter()
        .filter(|(k, _)| !declared.contains(k))
        .chain(minimal)
        .collect();
    assert!(
        all.iter().any(|(k, _)| k == "text"),
        "{tool}: the body keeps its unusual text (the schema declares `text`)"
    );
    all.sort_by(|a, b| a.0.cmp(&b.0));
    serde_json::Value::Object(all.into_iter().collect())
}

/// What the upstream must receive for one tool call.
#[derive(Debug, Clone)]
pub struct Upstream {
    /// Upper-case.
    pub method: String,
    /// Still percent-encoded, as the upstream receives it.
    pub path: String,
    pub query: Vec<QueryPart>,
    /// The exact bytes of the body, when the call gives one.
    pub body: Option<Vec<u8>>,
}

impl ExposedTool {
    /// Where a consumed parameter comes from: `Ok(argument)` (an input, by `with:` or by name) or `Err(literal)`.
    fn source(&self, param: &str) -> Result<String, String> {
        let Some(v) = self.with.get(param) else {
            return Ok(param.to_owned());
        };
        let ns_prefix = format!("{}.", self.namespace);
        match v
            .strip_prefix("tools.")
            .or_else(|| v.strip_prefix(ns_prefix.as_str()))
        {
            Some(input) => {
                assert!(
                    self.inputs.iter().any(|i| i.name == input),
                    "{}: `with: {param}: {v}` names a declared input",
                    self.name
                );
                Ok(input.to_owned())
            }
            None => {
                assert!(
                    !v.starts_with("{{") && !v.starts_with("rest.") && !v.starts_with('$'),
                    "{}: with value `{v}` is outside what this test derives",
                    self.name
                );
                Err(v.clone())
            }
        }
    }
}

impl Spec {
    /// A tool by name.
    pub fn tool(&self, name: &str) -> &ExposedTool {
        self.tools
            .iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("no tool `{name}` in the spec"))
    }

    /// The consumed operation a tool calls.
    pub fn tool_operation(&self, t: &ExposedTool) -> ConsumedOp {
        let consumed = self
            .consumed
            .get(&t.call)
            .unwrap_or_else(|| panic!("{}: `call: {}` names a consumed operation", t.name, t.call))
            .clone();
        for p in &consumed.params {
            assert!(
                p.location == "query" || p.location == "path",
                "{}: a parameter `in: {}` is outside what this test derives",
                t.name,
                p.location
            );
        }
        let path_params = placeholders(&consumed.path);
        for k in t.with.keys() {
            assert!(
                path_params.contains(k)
                    || consumed
                        .params
                        .iter()
                        .any(|p| p.location == "query" && &p.name == k),
                "{}: `with` key `{k}` is a parameter of `{}`",
                t.name,
                t.call
            );
        }
        consumed
    }

    /// The OpenAPI document's operation for a consumed one (same method, same path but for placeholder names).
    pub fn openapi_op(&self, consumed: &ConsumedOp) -> Option<&OpenApiOp> {
        self.openapi
            .get(&openapi_key(&consumed.method, &consumed.path))
    }

    /// The arguments a tool must accept (README rules 12 and 14).
    pub fn tool_args(&self, t: &ExposedTool) -> Vec<ToolArg> {
        let consumed = self.tool_operation(t);
        let method = consumed.method.to_ascii_uppercase();
        let path_params = placeholders(&consumed.path);
        let query_params: Vec<&Param> = consumed
            .params
            .iter()
            .filter(|p| p.location == "query")
            .collect();
        let declared = |name: &str| t.inputs.iter().any(|i| i.name == name);
        let oa = self.openapi_op(&consumed);
        // The document's parameter for a consumed path placeholder (matched by position: the names may differ) or
        // query parameter (matched by name).
        let oa_path = |p: &str| -> Option<serde_json::Value> {
            let oa = oa?;
            let k = path_params.iter().position(|q| q == p)?;
            let name = placeholders(&oa.path).into_iter().nth(k)?;
            oa.param("path", &name).cloned()
        };
        let oa_query = |p: &str| -> Option<serde_json::Value> { oa?.param("query", p).cloned() };
        let mut args: Vec<ToolArg> = Vec::new();
        for input in &t.inputs {
            let feeds_path = path_params
                .iter()
                .any(|p| t.source(p).as_deref() == Ok(input.name.as_str()));
            let feeds_query = query_params
                .iter()
                .any(|p| t.source(&p.name).as_deref() == Ok(input.name.as_str()));
            assert!(
                feeds_path || feeds_query,
                "{}: declared input `{}` feeds no parameter (outside what this test derives)",
                t.name,
                input.name
            );
            if feeds_path {
                assert_eq!(
                    input.ty, "string",
                    "{}: `{}` feeds a path parameter",
                    t.name, input.name
                );
            }
            let fed = path_params
                .iter()
                .find(|p| t.source(p).as_deref() == Ok(input.name.as_str()))
                .and_then(|p| oa_path(p))
                .or_else(|| {
                    query_params
                        .iter()
                        .find(|p| t.source(&p.name).as_deref() == Ok(input.name.as_str()))
                        .and_then(|p| oa_query(&p.name))
                });
            args.push(ToolArg {
                name: input.name.clone(),
                ty: input.ty.clone(),
                required: feeds_path || input.required,
                description: input.description.clone(),
                kind: ArgKind::Declared,
                openapi: fed,
            });
        }
        for p in &path_params {
            if let Ok(name) = t.source(p)
                && !declared(&name)
                && !args.iter().any(|a| a.name == name)
            {
                let param = consumed.params.iter().find(|q| &q.name == p);
                args.push(ToolArg {
                    description: param.and_then(|q| q.description.clone()),
                    name,
                    ty: "string".into(),
                    required: true,
                    kind: ArgKind::PathParam,
                    openapi: oa_path(p),
                });
            }
        }
        for p in &query_params {
            if let Ok(name) = t.source(&p.name)
                && !declared(&name)
            {
                args.push(ToolArg {
                    name,
                    ty: p.ty.clone(),
                    required: false,
                    description: p.description.clone(),
                    kind: ArgKind::QueryParam,
                    openapi: oa_query(&p.name),
                });
            }
        }
        if matches!(method.as_str(), "POST" | "PUT" | "PATCH") {
            // A body the document describes is required when its schema requires a field.
            let schema = oa.and_then(|o| o.body.clone());
            let required = schema
                .as_ref()
                .and_then(|s| s.get("required"))
                .and_then(serde_json::Value::as_array)
                .is_some_and(|r| !r.is_empty());
            args.push(ToolArg {
                name: "body".into(),
                ty: "object".into(),
                required,
                description: None,
                kind: ArgKind::Body,
                openapi: schema,
            });
        }
        args
    }

    /// What the upstream must receive when a tool is called with `arguments` (valid ones: every required argument
    /// given, each of its type).
    pub fn tool_upstream(
        &self,
        t: &ExposedTool,
        arguments: &serde_json::Map<String, serde_json::Value>,
    ) -> Upstream {
        let consumed = self.tool_operation(t);
        let text_of = |v: &serde_json::Value| -> String {
            match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            }
        };
        let mut path = consumed.path.clone();
        for p in placeholders(&consumed.path) {
            let value = match t.source(&p) {
                Ok(arg) => text_of(
                    arguments
                        .get(&arg)
                        .unwrap_or_else(|| panic!("{}: the call gives `{arg}`", t.name)),
                ),
                Err(literal) => literal,
            };
            let encoded = encode_segment(&value);
            path = path
                .replace(&format!("{{{{{p}}}}}"), &encoded)
                .replace(&format!("{{{p}}}"), &encoded);
        }
        let mut query = Vec::new();
        for p in consumed.params.iter().filter(|p| p.location == "query") {
            match t.source(&p.name) {
                Err(literal) => query.push(QueryPart::Pair(p.name.clone(), literal)),
                Ok(arg) => match arguments.get(&arg) {
                    None | Some(serde_json::Value::Null) => {}
                    Some(serde_json::Value::Object(m)) => query.push(QueryPart::Exploded(
                        m.iter().map(|(k, v)| (k.clone(), text_of(v))).collect(),
                    )),
                    Some(v) => query.push(QueryPart::Pair(p.name.clone(), text_of(v))),
                },
            }
        }
        let method = consumed.method.to_ascii_uppercase();
        let body = matches!(method.as_str(), "POST" | "PUT" | "PATCH")
            .then(|| arguments.get("body"))
            .flatten()
            .map(|b| serde_json::to_vec(b).expect("a JSON body"));
        Upstream {
            method,
            path,
            query,
            body,
        }
    }

    /// The tool, its arguments and one valid call of it, every argument given (values derived from `index`).
    pub fn tool_case(&self, t: &ExposedTool, index: usize) -> ToolCase {
        let args = self.tool_args(t);
        let mut arguments = serde_json::Map::new();
        for (position, a) in args.iter().enumerate() {
            // Numbers differ between the arguments of one tool, so that swapped bindings show.
            let n = (index * 100 + position + 1) as i64;
            let v = match (a.kind, a.ty.as_str()) {
                (ArgKind::Body, _) => valid_tool_body(a.openapi.as_ref(), &t.name, index),
                // A string the document lists the values of: the first (the tool refuses any other).
                (_, "string") => match a
                    .openapi_schema()
                    .and_then(|s| s.get("enum"))
                    .and_then(|e| e.get(0))
                {
                    Some(listed) => listed.clone(),
                    None => serde_json::Value::from(tool_string_value(&a.name, index)),
                },
                (_, "integer") => serde_json::Value::from(n),
                (_, "number") => serde_json::Value::from(n as f64 + 0.5),
                (_, "boolean") => serde_json::Value::from(true),
                (_, "object") => tool_object_value(index),
                (_, other) => panic!("{}: argument type `{other}`", t.name),
            };
            arguments.insert(a.name.clone(), v);
        }
        let up = self.tool_upstream(t, &arguments);
        ToolCase {
            tool: t.clone(),
            method: up.method,
            args,
            arguments,
            body: up.body,
            upstream_path: up.path,
            upstream_query: up.query,
        }
    }

    pub fn tool_cases(&self) -> Vec<ToolCase> {
        self.tools
            .iter()
            .enumerate()
            .map(|(i, t)| self.tool_case(t, i + 1))
            .collect()
    }
}
