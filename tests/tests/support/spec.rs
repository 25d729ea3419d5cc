//! Reads `spec/logto.naftiko.yaml` with a plain YAML parser — independently of the compiler — and derives, for each
//! exposed REST operation, one request and what the upstream must receive for it.

use std::collections::BTreeMap;

use serde_yaml::Value;

pub const SPEC_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/logto.naftiko.yaml");

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

#[derive(Debug)]
pub struct Spec {
    /// By `namespace.operation`.
    pub consumed: BTreeMap<String, ConsumedOp>,
    pub exposed_rest: Vec<ExposedOp>,
    pub repairs: usize,
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
                let with = match op.get("with") {
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
                };
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
    Spec {
        consumed,
        exposed_rest,
        repairs,
    }
}

/// Percent-encodes a value as one path segment: everything but RFC 3986 unreserved characters.
pub fn encode_segment(v: &str) -> String {
    let mut out = String::new();
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
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
        // Where each consumed parameter comes from: `Ok(exposed input)` or `Err(literal)`.
        let source = |param: &str| -> Result<String, String> {
            match e.with.get(param) {
                Some(v) => match v.strip_prefix("rest.") {
                    Some(input) => Ok(input.to_owned()),
                    None => {
                        assert!(
                            !v.starts_with("{{") && !v.starts_with("tools."),
                            "{}: with value `{v}` is outside what this test derives",
                            e.name
                        );
                        Err(v.clone())
                    }
                },
                None => Ok(param.to_owned()),
            }
        };
        // The exposed path, filled in.
        let mut request_path = e.path.clone();
        for p in &exposed_inputs {
            request_path = request_path.replace(&format!("{{{p}}}"), &path_value(p, index));
        }
        // The consumed path, filled in from the bound inputs, each value encoded as a segment.
        let mut upstream_path = consumed.path.clone();
        for p in placeholders(&consumed.path) {
            let value = match source(&p) {
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
            match source(&p.name) {
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
