//! Mutations of a spec's text, as proptest strategies, and a small spec to mutate: shared by the robustness test
//! (the compiler never panics and stays consistent, whatever it reads) and the compile check (every spec the
//! compiler accepts generates code that builds).

use proptest::prelude::*;
use proptest::sample::{Index, select};

pub fn join(lines: &[impl AsRef<str>]) -> String {
    let mut s = String::new();
    for l in lines {
        s.push_str(l.as_ref());
        s.push('\n');
    }
    s
}

pub fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Where the value of a scalar line starts: `key: value`, `- key: value` or `- value`.
pub fn scalar_value_start(line: &str) -> Option<usize> {
    let trimmed = line.trim_start();
    let indent = line.len() - trimmed.len();
    let body = trimmed.strip_prefix("- ").unwrap_or(trimmed);
    let body_start = line.len() - body.len();
    match body.find(": ") {
        Some(i)
            if body[..i]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_$-".contains(c)) =>
        {
            Some(body_start + i + 2)
        }
        None if trimmed.starts_with("- ") && !body.ends_with(':') => Some(indent + 2),
        _ => None,
    }
}

/// Values of other types and shapes for a scalar.
pub fn replacements() -> Vec<String> {
    let mut v: Vec<String> = [
        "0",
        "-1",
        "65536",
        "99999999999999999999999",
        "1.5",
        "1e400",
        ".nan",
        "-.inf",
        "0x1F",
        "~",
        "null",
        "true",
        "false",
        "[]",
        "{}",
        "[a, b]",
        "{a: b}",
        "[[[]]]",
        "''",
        "\"\"",
        "' '",
        "日本語 🦀 ünïcödé",
        "\"\\u0000\\t\\r\\n\"",
        "\"\\u202e\\ufeff\"",
        "\"line 1\\nline 2 */ /* x\"",
        "\"\\r\\n\"",
        "\"\\u2028\\u0085\\u000b\"",
        "\"\\\\\"",
        "'/ starts with a slash'",
        "'//! inner'",
        "'*/'",
        "\"#[doc]\"",
        "{{X}}",
        "'{{X}}'",
        "'{{LOGTO_TOKEN}}'",
        "'{{lower}}'",
        "'{{'",
        "'}}'",
        "'{{}}'",
        "rest.zzz",
        "tools.zzz",
        "logto.zzz",
        "logto.",
        "logto",
        "rest.",
        ".x",
        "a.b.c",
        "$.",
        "$.a[0]",
        "/",
        "/{",
        "/{}",
        "/{{a}",
        "/{a}/{a}",
        "/a/{b}/{{c}}",
        "'/{id'",
        "https://[",
        "https://[]",
        "https://[x].y/[z]",
        "'https://[tenant_id].logto.app/{id}'",
        "self",
        "Self",
        "super",
        "crate",
        "type",
        "r#type",
        "_",
        "__",
        "123abc",
        "a b",
        "-",
        "--",
        "*",
        "a*",
        "'*'",
        "&anchor v",
        "*nope",
        "!!binary aGk=",
        "!!str 1",
        "!custom x",
        "|",
        ">-",
        "'a: b'",
        "a: b",
        "- x",
        "# comment",
        "'@'",
        "'`'",
        "'%'",
        "GET",
        "get",
        "TRACE",
        "CONNECT",
        "rest",
        "mcp",
        "http",
        "stdio",
        "object",
        "integer",
        "number",
        "boolean",
        "array",
        "query",
        "path",
        "header",
        "cookie",
        "body",
        "bearer",
        "basic",
        "apikey",
        "json",
        "xml",
        "env",
        "listapplications",
        "getapplication",
        "logto.getapplication",
        "logto-rest",
        "LOGTO_TOKEN",
        "1.0.0-alpha1",
        "1.0.0-alpha2",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    v.push("x".repeat(65));
    v.push("x".repeat(5000));
    v.push(format!("logto.{}", "y".repeat(300)));
    v.push(format!("'{}'", "{{A}}".repeat(200)));
    v
}

#[derive(Debug, Clone)]
pub enum Mutation {
    /// Cut the text at a byte offset (moved back to a char boundary).
    Truncate(Index),
    DeleteLine(Index),
    /// Delete up to `len` lines from a start line.
    DeleteRange(Index, usize),
    /// Repeat a line `times` more times.
    DuplicateLine(Index, usize),
    SwapLines(Index, Index),
    /// Give a line a new indentation.
    Reindent(Index, usize),
    /// Replace the value of a scalar line (`interesting` picks a non-`description:` line).
    ReplaceScalar {
        interesting: bool,
        line: Index,
        with: String,
    },
    /// Insert characters at a byte offset (moved back to a char boundary).
    Insert(Index, String),
}

impl Mutation {
    pub fn apply(&self, text: &str) -> String {
        let mut ls: Vec<String> = text.lines().map(str::to_owned).collect();
        if ls.is_empty() {
            ls.push(String::new());
        }
        let n = ls.len();
        match self {
            Mutation::Truncate(at) => {
                let at = floor_char_boundary(text, at.index(text.len() + 1));
                return text[..at].to_owned();
            }
            Mutation::Insert(at, what) => {
                let at = floor_char_boundary(text, at.index(text.len() + 1));
                let mut s = text.to_owned();
                s.insert_str(at, what);
                return s;
            }
            Mutation::DeleteLine(i) => {
                ls.remove(i.index(n));
            }
            Mutation::DeleteRange(i, len) => {
                let start = i.index(n);
                let end = (start + len).min(n);
                ls.drain(start..end);
            }
            Mutation::DuplicateLine(i, times) => {
                let i = i.index(n);
                let l = ls[i].clone();
                for _ in 0..*times {
                    ls.insert(i, l.clone());
                }
            }
            Mutation::SwapLines(i, j) => ls.swap(i.index(n), j.index(n)),
            Mutation::Reindent(i, indent) => {
                let i = i.index(n);
                ls[i] = format!("{}{}", " ".repeat(*indent), ls[i].trim_start());
            }
            Mutation::ReplaceScalar {
                interesting,
                line,
                with,
            } => {
                let candidates: Vec<usize> = ls
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| scalar_value_start(l).is_some())
                    .filter(|(_, l)| {
                        let is_description = l
                            .trim_start()
                            .trim_start_matches("- ")
                            .starts_with("description:");
                        is_description != *interesting
                    })
                    .map(|(i, _)| i)
                    .collect();
                if !candidates.is_empty() {
                    let i = candidates[line.index(candidates.len())];
                    if let Some(start) = scalar_value_start(&ls[i]) {
                        ls[i].replace_range(start.., with);
                    }
                }
            }
        }
        join(&ls)
    }
}

pub fn inserted_text() -> impl Strategy<Value = String> {
    let special = select(vec![
        '\0', '\t', '\r', '\n', ' ', ':', '-', '?', ',', '[', ']', '{', '}', '&', '*', '!', '|',
        '>', '"', '\'', '#', '%', '@', '`', '\\', '\u{7f}', '\u{85}', '\u{a0}', '\u{2028}',
        '\u{feff}', '\u{fffd}', '🦀',
    ]);
    let ch = prop_oneof![3 => any::<char>(), 2 => special, 2 => any::<u8>().prop_map(char::from)];
    prop::collection::vec(ch, 1..16).prop_map(|v| v.into_iter().collect())
}

pub fn truncate() -> impl Strategy<Value = Mutation> {
    any::<Index>().prop_map(Mutation::Truncate)
}
pub fn delete_line() -> impl Strategy<Value = Mutation> {
    any::<Index>().prop_map(Mutation::DeleteLine)
}
pub fn delete_range() -> impl Strategy<Value = Mutation> {
    (any::<Index>(), 1usize..=64).prop_map(|(i, n)| Mutation::DeleteRange(i, n))
}
pub fn duplicate_line() -> impl Strategy<Value = Mutation> {
    (any::<Index>(), 1usize..=3).prop_map(|(i, n)| Mutation::DuplicateLine(i, n))
}
pub fn swap_lines() -> impl Strategy<Value = Mutation> {
    (any::<Index>(), any::<Index>()).prop_map(|(i, j)| Mutation::SwapLines(i, j))
}
pub fn reindent() -> impl Strategy<Value = Mutation> {
    (any::<Index>(), 0usize..=24).prop_map(|(i, n)| Mutation::Reindent(i, n))
}
pub fn replace_scalar() -> impl Strategy<Value = Mutation> {
    (
        prop::bool::weighted(0.85),
        any::<Index>(),
        select(replacements()),
    )
        .prop_map(|(interesting, line, with)| Mutation::ReplaceScalar {
            interesting,
            line,
            with,
        })
}
pub fn insert() -> impl Strategy<Value = Mutation> {
    (any::<Index>(), inserted_text()).prop_map(|(i, s)| Mutation::Insert(i, s))
}
pub fn any_mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        truncate(),
        delete_line(),
        delete_range(),
        duplicate_line(),
        swap_lines(),
        reindent(),
        replace_scalar(),
        insert(),
    ]
}

/// A small spec in the Logto spec's dialect (query, path and object parameters, a bearer token bound from the
/// environment, a REST and an MCP exposure, hints, the `with:` repair), cheap enough to mutate exhaustively.
pub const MINI: &str = "\
naftiko: 1.0.0-alpha2
info:
  label: Mini
  description: A small spec in the Logto dialect.
  tags:
    - Mini
capability:
  consumes:
    - type: http
      namespace: logto
      baseUri: https://[tenant_id].logto.app
      description: Mini HTTP API.
      authentication:
        type: bearer
        token: '{{LOGTO_TOKEN}}'
      resources:
        - name: api-applications
          path: /api/applications
          operations:
            - name: listapplications
              method: GET
              description: Get applications
              inputParameters:
                - name: page
                  in: query
                  type: integer
                  description: Page number (starts from 1).
                - name: search_params
                  in: query
                  type: object
              outputRawFormat: json
              outputParameters:
                - name: result
                  type: object
                  value: $.
        - name: api-applications-id-secrets-name
          path: /api/applications/{id}/secrets/{name}
          operations:
            - name: deleteapplicationsecret
              method: DELETE
              description: Delete application secret
              inputParameters:
                - name: name
                  in: path
                  type: string
                  required: true
              outputRawFormat: json
              outputParameters:
                - name: result
                  type: object
                  value: $.
  exposes:
    - type: rest
      port: 8080
      namespace: logto-rest
      description: REST adapter.
      resources:
        - path: /api/applications
          name: listapplications
          operations:
            - method: GET
              name: listapplications
              description: Get applications
              call: logto.listapplications
              outputParameters:
                - type: object
                  mapping: $.
        - path: /api/applications/{id}/secrets/{name}
          name: deleteapplicationsecret
          operations:
            - method: DELETE
              name: deleteapplicationsecret
              description: Delete application secret
              call: logto.deleteapplicationsecret
              with:
              name: rest.name
              outputParameters:
                - type: object
                  mapping: $.
    - type: mcp
      port: 9090
      namespace: logto-mcp
      transport: http
      description: MCP adapter.
      tools:
        - name: listapplications
          description: Get applications
          hints:
            readOnly: true
            destructive: false
            idempotent: true
          call: logto.listapplications
          with:
            page: tools.page
          inputParameters:
            - name: page
              type: integer
              description: Page number (starts from 1).
          outputParameters:
            - type: object
              mapping: $.
  binds:
    - namespace: env
      keys:
        LOGTO_TOKEN: LOGTO_TOKEN
";
