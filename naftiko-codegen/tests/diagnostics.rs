//! Diagnostics: one test per error class, each pinning the code, the message and the exact `line:col`.
//!
//! Every spec here is a small variation of [`BASE`], a minimal spec that compiles without a single diagnostic.
//! Variations are whole-line edits ([`replace_line`], [`insert_after`]), so the YAML stays readable. Expected
//! positions are mostly computed from the text ([`pos_in`]), and some are also written out as numbers — the line
//! numbers in the comments refer to the edited spec.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use naftiko_codegen::ir::{
    ArgBinding, ArgSource, Auth, InputLocation, KeyPlacement, OutputMapping, ParamType, PathStep,
    Shape, ShapeSource, ShapeType, ValueSource,
};
use naftiko_codegen::{Code, Compiled, Diagnostic, Pos, Renames, Severity, compile, compile_with};

/// A minimal valid spec: one consumed operation, exposed once over REST and once as an MCP tool.
const BASE: &str = r"naftiko: 1.0.0-alpha2
info:
  label: Mini
  description: A minimal spec.
capability:
  consumes:
    - type: http
      namespace: api
      baseUri: https://[tenant].example.com
      authentication:
        type: bearer
        token: '{{TOKEN}}'
      resources:
        - name: items
          path: /items/{id}
          operations:
            - name: getitem
              method: GET
              inputParameters:
                - name: id
                  in: path
              outputParameters:
                - name: result
                  type: object
                  value: $.
  exposes:
    - type: rest
      port: 8080
      namespace: api-rest
      resources:
        - path: /items/{id}
          operations:
            - method: GET
              name: getitem
              call: api.getitem
              outputParameters:
                - type: object
                  mapping: $.
    - type: mcp
      port: 9090
      namespace: api-mcp
      tools:
        - name: getitem
          description: Get an item
          call: api.getitem
  binds:
    - namespace: env
      keys:
        TOKEN: TOKEN
";

// Whole lines of BASE, indentation included; each occurs exactly once.
const REST_METHOD: &str = "            - method: GET";
const REST_CALL: &str = "              call: api.getitem";
const REST_MAPPING: &str = "                  mapping: $.";
const TOOL_NAME: &str = "        - name: getitem";
const TOOL_CALL: &str = "          call: api.getitem";
const CONSUMED_METHOD: &str = "              method: GET";
const CONSUMED_PATH_PARAM_IN: &str = "                  in: path";

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

/// Replaces the one line of `src` equal to `line` (indentation included) with `new` (zero or more lines).
fn replace_line(src: &str, line: &str, new: &[&str]) -> String {
    let hits = src.lines().filter(|l| *l == line).count();
    assert_eq!(hits, 1, "line {line:?} must occur exactly once in the spec");
    let mut out = String::new();
    for l in src.lines() {
        if l == line {
            for n in new {
                out.push_str(n);
                out.push('\n');
            }
        } else {
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

/// Inserts `new` after the one line of `src` equal to `line`.
fn insert_after(src: &str, line: &str, new: &[&str]) -> String {
    let mut lines = vec![line];
    lines.extend_from_slice(new);
    replace_line(src, line, &lines)
}

/// The position (1-based line, column counted in characters) of `needle` inside `context`, where `context` occurs
/// exactly once in `src`.
fn pos_in(src: &str, context: &str, needle: &str) -> Pos {
    assert_eq!(
        src.matches(context).count(),
        1,
        "{context:?} must occur exactly once in the spec"
    );
    let start = src.find(context).unwrap()
        + context
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} is not in {context:?}"));
    let before = &src[..start];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = src[line_start..start].chars().count() + 1;
    Pos::new(u32::try_from(line).unwrap(), u32::try_from(col).unwrap())
}

/// The position of `needle`, which occurs exactly once in `src`.
fn pos_of(src: &str, needle: &str) -> Pos {
    pos_in(src, needle, needle)
}

/// Every diagnostic of `c`, one per line, for assertion messages.
fn dump(c: &Compiled) -> String {
    c.diagnostics
        .sorted()
        .iter()
        .map(|d| format!("  {:?} {:?} {} {}", d.severity, d.code, d.pos, d.message))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Compiles `src`, which must produce exactly one diagnostic, and returns it. An error must leave no IR.
fn sole(src: &str) -> Diagnostic {
    let c = compile(src);
    let all = c.diagnostics.sorted();
    assert_eq!(
        all.len(),
        1,
        "expected exactly one diagnostic, got:\n{}\n--- spec ---\n{src}",
        dump(&c)
    );
    let d = all.into_iter().next().unwrap();
    assert_eq!(
        c.ir.is_some(),
        d.severity == Severity::Warning,
        "IR must be produced exactly when there are only warnings"
    );
    d
}

/// Compiles `src` and returns the one diagnostic with `code` (there may be others with other codes).
fn one_with(src: &str, code: Code) -> (Compiled, Diagnostic) {
    let c = compile(src);
    let hits: Vec<Diagnostic> = c
        .diagnostics
        .sorted()
        .into_iter()
        .filter(|d| d.code == code)
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "expected exactly one {code:?} diagnostic, got:\n{}",
        dump(&c)
    );
    let d = hits.into_iter().next().unwrap();
    (c, d)
}

#[track_caller]
fn assert_diag(d: &Diagnostic, severity: Severity, code: Code, pos: Pos, message: &str) {
    assert_eq!(
        (d.severity, d.code, d.pos, d.message.as_str()),
        (severity, code, pos, message),
        "diagnostic differs (left: actual, right: expected)"
    );
}

#[track_caller]
fn assert_error(d: &Diagnostic, code: Code, pos: Pos, message: &str) {
    assert_diag(d, Severity::Error, code, pos, message);
}

/// Asserts that `src` reports exactly one problem, "not supported yet: `feature`", at `pos`.
#[track_caller]
fn assert_unsupported(src: &str, pos: Pos, feature: &str) {
    let d = sole(src);
    assert!(d.message.starts_with("not supported yet: "), "{d:?}");
    assert_error(
        &d,
        Code::Unsupported,
        pos,
        &format!("not supported yet: {feature}"),
    );
}

// ---------------------------------------------------------------------------------------------------------------
// The base and the helpers themselves
// ---------------------------------------------------------------------------------------------------------------

#[test]
fn base_spec_compiles_without_any_diagnostic() {
    let c = compile(BASE);
    assert!(c.diagnostics.is_empty(), "{}", dump(&c));
    let ir = c.ir.expect("IR of a clean spec");
    assert_eq!(ir.apis.len(), 1);
    assert_eq!(ir.rest.len(), 1);
    assert_eq!(ir.mcp.len(), 1);
}

#[test]
fn position_helper_counts_lines_and_characters_from_one() {
    assert_eq!(pos_of(BASE, "naftiko: "), Pos::new(1, 1));
    assert_eq!(pos_in(BASE, "naftiko: 1.0.0", "1.0.0"), Pos::new(1, 10));
    assert_eq!(
        pos_in(BASE, "  namespace: api-mcp", "api-mcp"),
        Pos::new(41, 18)
    );
    assert_eq!(pos_in("a: 1\nb: 'ééé', c", "c", "c"), Pos::new(2, 11));
}

// ---------------------------------------------------------------------------------------------------------------
// Malformed YAML
// ---------------------------------------------------------------------------------------------------------------

#[test]
fn syntax_error_over_indented_line() {
    // 3:   label: Mini
    // 4:     bad: x        <- a continuation of `Mini`, then a `:` where no mapping may start
    let src = insert_after(BASE, "  label: Mini", &["    bad: x"]);
    let d = sole(&src);
    assert_eq!((d.severity, d.code), (Severity::Error, Code::Syntax));
    assert_eq!(d.pos, Pos::new(4, 8));
    assert_eq!(d.pos, pos_in(&src, "    bad: x", ":"));
    assert!(d.message.starts_with("malformed spec: "), "{}", d.message);
    assert!(
        d.message
            .contains("mapping values are not allowed in this context"),
        "{}",
        d.message
    );
    assert!(
        !d.message.contains(" at line "),
        "the library's own location suffix must be stripped: {}",
        d.message
    );
}

#[test]
fn syntax_error_under_indented_line() {
    // 40:      port: 9090   <- one space short of its siblings
    let src = replace_line(BASE, "      port: 9090", &["     port: 9090"]);
    let d = sole(&src);
    assert_eq!((d.severity, d.code), (Severity::Error, Code::Syntax));
    assert_eq!(d.pos, Pos::new(40, 6));
    assert_eq!(d.pos, pos_of(&src, "port: 9090"));
    assert!(d.message.starts_with("malformed spec: "), "{}", d.message);
    assert!(
        d.message.contains("did not find expected '-' indicator"),
        "{}",
        d.message
    );
}

#[test]
fn syntax_error_unclosed_flow_mapping() {
    // 49:         TOKEN: {a: b      <- never closed; the document ends
    let src = replace_line(BASE, "        TOKEN: TOKEN", &["        TOKEN: {a: b"]);
    let d = sole(&src);
    assert_eq!((d.severity, d.code), (Severity::Error, Code::Syntax));
    assert_eq!(d.pos, Pos::new(49, 16));
    assert_eq!(d.pos, pos_of(&src, "{a: b"));
    assert!(d.message.starts_with("malformed spec: "), "{}", d.message);
    assert!(d.message.contains("unclosed bracket '{'"), "{}", d.message);
}

#[test]
fn syntax_error_unclosed_flow_mapping_before_more_keys() {
    // 4:   tags: {a: b
    // 5:   description: A minimal spec.   <- the scanner notices at this `:`
    let src = insert_after(BASE, "  label: Mini", &["  tags: {a: b"]);
    let d = sole(&src);
    assert_eq!((d.severity, d.code), (Severity::Error, Code::Syntax));
    assert_eq!(d.pos, Pos::new(5, 14));
    assert!(
        d.message.contains("did not find expected ',' or '}'"),
        "{}",
        d.message
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Missing, unknown and repeated fields; version
// ---------------------------------------------------------------------------------------------------------------

#[test]
fn missing_name_of_consumed_operation() {
    // 17:             - method: GET     <- the operation; its `name:` is gone
    let src = replace_line(BASE, "            - name: getitem", &[]);
    let src = replace_line(&src, CONSUMED_METHOD, &["            - method: GET"]);
    let (c, d) = one_with(&src, Code::MissingField);
    assert_error(
        &d,
        Code::MissingField,
        Pos::new(17, 15),
        "missing required field `name` in consumed operation",
    );
    assert_eq!(
        d.pos,
        pos_in(
            &src,
            "- method: GET\n              inputParameters",
            "method"
        )
    );
    assert!(c.ir.is_none());
}

#[test]
fn missing_namespace_of_exposures() {
    // 39:     - type: mcp       <- the exposure; its `namespace:` is gone
    let src = replace_line(BASE, "      namespace: api-mcp", &[]);
    assert_error(
        &sole(&src),
        Code::MissingField,
        Pos::new(39, 7),
        "missing required field `namespace` in an mcp exposure",
    );

    let src = replace_line(BASE, "      namespace: api-rest", &[]);
    assert_error(
        &sole(&src),
        Code::MissingField,
        pos_in(&src, "- type: rest", "type"),
        "missing required field `namespace` in a rest exposure",
    );
}

#[test]
fn missing_name_and_call_of_mcp_tool() {
    let src = replace_line(BASE, TOOL_NAME, &[]);
    let src = replace_line(
        &src,
        "          description: Get an item",
        &["        - description: Get an item"],
    );
    assert_error(
        &sole(&src),
        Code::MissingField,
        pos_of(&src, "description: Get an item"),
        "missing required field `name` in MCP tool",
    );

    let src = replace_line(BASE, TOOL_CALL, &[]);
    assert_error(
        &sole(&src),
        Code::MissingField,
        pos_in(&src, "- name: getitem\n          description", "name"),
        "missing required field `call` in MCP tool",
    );
}

#[test]
fn version_other_than_alpha2_points_at_the_value() {
    let src = BASE.replacen("naftiko: 1.0.0-alpha2", "naftiko: 1.0.0-alpha1", 1);
    let d = sole(&src);
    assert_error(
        &d,
        Code::Version,
        Pos::new(1, 10),
        "unsupported format version `1.0.0-alpha1`: this compiler reads `naftiko: 1.0.0-alpha2`",
    );

    // A number is read as its text.
    let src = BASE.replacen("naftiko: 1.0.0-alpha2", "naftiko: 1.0", 1);
    assert_error(
        &sole(&src),
        Code::Version,
        Pos::new(1, 10),
        "unsupported format version `1.0`: this compiler reads `naftiko: 1.0.0-alpha2`",
    );
}

#[test]
fn unknown_field_points_at_the_key() {
    // 4:   colour: blue
    // `info` only describes: a field it does not have (a later format's `version`, say) is a warning.
    let src = insert_after(BASE, "  label: Mini", &["  colour: blue"]);
    assert_diag(
        &sole(&src),
        Severity::Warning,
        Code::UnknownField,
        Pos::new(4, 3),
        "unknown field `colour` in info is ignored; it has: label, description, tags, created, modified, stakeholders",
    );
    // Elsewhere it is an error.
    let src = insert_after(BASE, "capability:", &["  colour: blue"]);
    let d = sole(&src);
    assert_eq!(
        (d.severity, d.code),
        (Severity::Error, Code::UnknownField),
        "{}",
        d.message
    );

    // Columns count characters, not bytes.
    let src = replace_line(BASE, "info:", &["info: {label: 'ééé', colour: x}"]);
    let src = replace_line(&src, "  label: Mini", &[]);
    let src = replace_line(&src, "  description: A minimal spec.", &[]);
    let d = sole(&src);
    assert_eq!((d.code, d.pos), (Code::UnknownField, Pos::new(2, 22)));
    assert_eq!(d.pos, pos_of(&src, "colour"));
}

#[test]
fn repeated_key_is_a_duplicate_name_with_both_positions() {
    // 3:   label: Mini
    // 4:   label: Maxi
    let src = insert_after(BASE, "  label: Mini", &["  label: Maxi"]);
    assert_error(
        &sole(&src),
        Code::DuplicateName,
        Pos::new(4, 3),
        "`label` is given twice in this info (first given at 3:3)",
    );

    // A repeated key that is not a binding expression after an empty `with:` is not the dialect repair.
    let src = insert_after(
        BASE,
        "              name: getitem",
        &["              name: other"],
    );
    let first = pos_of(&src, "name: getitem\n              name: other");
    assert_error(
        &sole(&src),
        Code::DuplicateName,
        pos_of(&src, "name: other"),
        &format!("`name` is given twice in this exposed operation (first given at {first})"),
    );
}

// ---------------------------------------------------------------------------------------------------------------
// References: call, with, bindings, path parameters
// ---------------------------------------------------------------------------------------------------------------

#[test]
fn call_to_unknown_namespace_points_at_the_value() {
    // 35:               call: nope.getitem
    let src = replace_line(BASE, REST_CALL, &["              call: nope.getitem"]);
    let d = sole(&src);
    assert_error(
        &d,
        Code::UnknownCall,
        Pos::new(35, 21),
        "`call: nope.getitem` names an unknown namespace `nope` (consumed: api)",
    );
    assert_eq!(d.pos, pos_in(&src, "call: nope.getitem", "nope.getitem"));
}

#[test]
fn call_to_unknown_operation_points_at_the_value() {
    // 45:           call: api.getitems
    let src = replace_line(BASE, TOOL_CALL, &["          call: api.getitems"]);
    let d = sole(&src);
    assert_error(
        &d,
        Code::UnknownCall,
        Pos::new(45, 17),
        "`call: api.getitems` names an unknown operation `getitems` of `api`; did you mean `api.getitem`?",
    );
    assert_eq!(d.pos, pos_in(&src, "call: api.getitems", "api.getitems"));

    let src = replace_line(BASE, REST_CALL, &["              call: getitem"]);
    assert_error(
        &sole(&src),
        Code::UnknownCall,
        pos_in(&src, "call: getitem", "getitem"),
        "`call: getitem` must be `namespace.operation`",
    );
}

#[test]
fn with_key_that_is_not_a_parameter_points_at_the_key() {
    // 36:               with:
    // 37:                 idd: rest.id
    let src = insert_after(
        BASE,
        REST_CALL,
        &["              with:", "                idd: rest.id"],
    );
    let d = sole(&src);
    assert_error(
        &d,
        Code::UnknownWithKey,
        Pos::new(37, 17),
        "`with` key `idd` is not a parameter of `api.getitem` (its parameters: id)",
    );
    assert_eq!(d.pos, pos_of(&src, "idd"));
}

#[test]
fn with_value_naming_a_missing_rest_input() {
    // 37:                 id: rest.ident
    let src = insert_after(
        BASE,
        REST_CALL,
        &["              with:", "                id: rest.ident"],
    );
    assert_error(
        &sole(&src),
        Code::UnknownInput,
        Pos::new(37, 21),
        "`rest.ident` names an input that does not exist (inputs: id)",
    );
}

#[test]
fn with_value_naming_a_missing_mcp_input() {
    // 47:             id: tools.ident
    let src = insert_after(
        BASE,
        TOOL_CALL,
        &["          with:", "            id: tools.ident"],
    );
    let d = sole(&src);
    assert_error(
        &d,
        Code::UnknownInput,
        Pos::new(47, 17),
        "`tools.ident` names an input that does not exist (inputs: none)",
    );
    assert_eq!(d.pos, pos_of(&src, "tools.ident"));

    // The REST prefix in a tool.
    let src = insert_after(
        BASE,
        TOOL_CALL,
        &["          with:", "            id: rest.id"],
    );
    assert_error(
        &sole(&src),
        Code::UnknownInput,
        pos_of(&src, "rest.id"),
        "`rest.id` refers to REST inputs, but this is an MCP tool: write `tools.id`",
    );
}

#[test]
fn unbound_variable() {
    // 12:         token: '{{SECRET}}'     <- the position is the value's, at its opening quote
    let src = BASE.replacen("'{{TOKEN}}'", "'{{SECRET}}'", 1);
    let d = sole(&src);
    assert_error(
        &d,
        Code::UnknownBinding,
        Pos::new(12, 16),
        "`{{SECRET}}` is not bound: no `binds` entry declares `SECRET` (bound: TOKEN)",
    );
    assert_eq!(d.pos, pos_of(&src, "'{{SECRET}}'"));

    // In a `with:` value.
    let src = insert_after(
        BASE,
        REST_CALL,
        &["              with:", "                id: '{{MISSING}}'"],
    );
    assert_error(
        &sole(&src),
        Code::UnknownBinding,
        pos_of(&src, "'{{MISSING}}'"),
        "`{{MISSING}}` is not bound: no `binds` entry declares `MISSING` (bound: TOKEN)",
    );
}

#[test]
fn exposed_path_that_cannot_supply_a_consumed_path_parameter() {
    // 31:         - path: /items
    // 33:             - method: GET      <- the operation that calls `api.getitem`
    let src = replace_line(
        BASE,
        "        - path: /items/{id}",
        &["        - path: /items"],
    );
    let d = sole(&src);
    assert_error(
        &d,
        Code::UnsuppliedPathParam,
        Pos::new(33, 15),
        "path parameter `id` of `api.getitem` is not supplied: the exposed path `/items` has no `{id}`, no input `id` is declared, and `with:` does not map it",
    );
    assert_eq!(
        d.pos,
        pos_in(&src, "- method: GET\n              name: getitem", "method")
    );
}

#[test]
fn typed_path_parameter_takes_an_input_of_any_type_but_object() {
    // The consumed `id` is declared an integer: the REST placeholder (a string) feeds it as is, and the MCP tool
    // takes an integer; both are sent as text.
    let typed = insert_after(
        BASE,
        CONSUMED_PATH_PARAM_IN,
        &["                  type: integer"],
    );
    let c = compile(&typed);
    assert!(c.diagnostics.is_empty(), "{}", dump(&c));
    let ir = c.ir.unwrap();
    let rest_input = &ir.rest[0].routes[0].operations[0].call.inputs[0];
    assert_eq!(
        (rest_input.name.as_str(), rest_input.ty),
        ("id", ParamType::String)
    );
    let tool_input = &ir.mcp[0].tools[0].call.inputs[0];
    assert_eq!(
        (tool_input.name.as_str(), tool_input.ty, tool_input.required),
        ("id", ParamType::Integer, true)
    );

    // An object cannot be a path segment: not as a REST path input…
    let src = insert_after(
        BASE,
        REST_CALL,
        &[
            "              inputParameters:",
            "                - name: id",
            "                  in: path",
            "                  type: object",
        ],
    );
    assert_error(
        &sole(&src),
        Code::InvalidValue,
        pos_in(&src, "in: path\n                  type: object", "object"),
        "path input `id` cannot be an object",
    );
    // … nor as a tool input feeding a path parameter.
    let src = insert_after(
        BASE,
        TOOL_CALL,
        &[
            "          with:",
            "            id: tools.x",
            "          inputParameters:",
            "            - name: x",
            "              type: object",
        ],
    );
    assert_error(
        &sole(&src),
        Code::InvalidValue,
        pos_of(&src, "tools.x"),
        "input `x` is an object but path parameter `id` of `api.getitem` is text",
    );
}

#[test]
fn input_bound_by_name_must_fit_the_parameter() {
    // The consumed operation gains a required integer query parameter `page`; the REST operation declares an input
    // `page` of its own, which `page` is bound to by name.
    let paged = insert_after(
        BASE,
        CONSUMED_PATH_PARAM_IN,
        &[
            "                - name: page",
            "                  in: query",
            "                  type: integer",
            "                  required: true",
        ],
    );
    let declared = |ty: &str| {
        insert_after(
            &paged,
            REST_CALL,
            &[
                "              inputParameters:",
                "                - name: page",
                "                  in: query",
                &format!("                  type: {ty}"),
            ],
        )
    };
    // Of another type: an error at the input.
    let src = declared("string");
    assert_error(
        &sole(&src),
        Code::InvalidValue,
        pos_in(
            &src,
            "- name: page\n                  in: query\n                  type: string",
            "page",
        ),
        "input `page` (bound by name) is a string but parameter `page` of `api.getitem` is an integer",
    );
    // Of its type: the input is required, as the parameter is, though it does not say so.
    let c = compile(&declared("integer"));
    assert!(c.diagnostics.is_empty(), "{}", dump(&c));
    let ir = c.ir.unwrap();
    let input = &ir.rest[0].routes[0].operations[0].call.inputs[1];
    assert_eq!((input.name.as_str(), input.required), ("page", true));
}

#[test]
fn tool_input_feeding_a_required_parameter_is_required() {
    // The consumed operation gains a required integer query parameter `page`, which the tool feeds from its declared
    // input `p` (mapped) or `page` (by name); neither says `required: true`.
    let paged = insert_after(
        BASE,
        CONSUMED_PATH_PARAM_IN,
        &[
            "                - name: page",
            "                  in: query",
            "                  type: integer",
            "                  required: true",
        ],
    );
    for (with, input) in [
        (&["          with:", "            page: tools.p"][..], "p"),
        (&[][..], "page"),
    ] {
        let mut lines = with.to_vec();
        let name = format!("            - name: {input}");
        lines.extend([
            "          inputParameters:",
            &name,
            "              type: integer",
        ]);
        let src = insert_after(&paged, TOOL_CALL, &lines);
        let c = compile(&src);
        assert!(c.diagnostics.is_empty(), "{}", dump(&c));
        let ir = c.ir.unwrap();
        let i = &ir.mcp[0].tools[0].call.inputs[0];
        assert_eq!((i.name.as_str(), i.required), (input, true), "{src}");
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Whole-capability checks
// ---------------------------------------------------------------------------------------------------------------

#[test]
fn duplicate_rest_route() {
    // 33:             - method: GET     (first)
    // 39:             - method: GET     (again, same path)
    let src = insert_after(
        BASE,
        REST_MAPPING,
        &[
            "            - method: GET",
            "              name: again",
            "              call: api.getitem",
        ],
    );
    assert_error(
        &sole(&src),
        Code::DuplicateRoute,
        Pos::new(39, 15),
        "`GET /items/{id}` is exposed twice in `api-rest` (first at 33:15)",
    );

    // The same route under another placeholder name.
    let src = insert_after(
        BASE,
        REST_MAPPING,
        &[
            "        - path: /items/{key}",
            "          operations:",
            "            - method: GET",
            "              name: again",
            "              call: api.getitem",
            "              with:",
            "                id: rest.key",
        ],
    );
    assert_error(
        &sole(&src),
        Code::DuplicateRoute,
        pos_in(&src, "- method: GET\n              name: again", "method"),
        "`GET /items/{key}` answers the same requests as `GET /items/{id}` (at 33:15) in `api-rest`",
    );
}

#[test]
fn one_path_shape_one_set_of_placeholder_names() {
    // 33:             - method: GET     <- `/items/{id}`, first
    // 41:             - method: DELETE  <- `/items/{key}`: the same path to axum, under another name
    let src = insert_after(
        BASE,
        REST_MAPPING,
        &[
            "        - path: /items/{key}",
            "          operations:",
            "            - method: DELETE",
            "              name: delitem",
            "              call: api.getitem",
            "              with:",
            "                id: rest.key",
        ],
    );
    assert_error(
        &sole(&src),
        Code::DuplicateRoute,
        Pos::new(41, 15),
        "`DELETE /items/{key}` names the placeholders of `/items/{id}` (at 33:15) otherwise in `api-rest`: one path, one set of names",
    );
    // `{{id}}` is `{id}` written otherwise: one route.
    let src = src
        .replace("/items/{key}", "/items/{{id}}")
        .replace("id: rest.key", "id: rest.id");
    let c = compile(&src);
    assert!(c.diagnostics.is_empty(), "{}", dump(&c));
}

#[test]
fn exposed_placeholder_must_be_a_whole_segment_named_without_a_star() {
    let exposed_path = "        - path: /items/{id}";
    let src = replace_line(BASE, exposed_path, &["        - path: /items/{id}.json"]);
    assert_error(
        &sole(&src),
        Code::InvalidValue,
        pos_of(&src, "/items/{id}.json"),
        "placeholder `{id}` of the exposed path `/items/{id}.json` must be a whole path segment (axum routes take one parameter per segment, alone)",
    );
    let src = replace_line(BASE, exposed_path, &["        - path: /items/{id*}"]);
    let src = insert_after(
        &src,
        REST_CALL,
        &["              with:", "                id: rest.id*"],
    );
    assert_error(
        &sole(&src),
        Code::InvalidValue,
        pos_of(&src, "/items/{id*}"),
        "placeholder `{id*}` of the exposed path `/items/{id*}` cannot contain `*` (axum refuses it in a parameter name)",
    );
}

#[test]
fn duplicate_mcp_tool() {
    // 43:         - name: getitem
    // 46:         - name: getitem
    let src = insert_after(
        BASE,
        TOOL_CALL,
        &["        - name: getitem", "          call: api.getitem"],
    );
    assert_error(
        &sole(&src),
        Code::DuplicateTool,
        Pos::new(46, 17),
        "MCP tool `getitem` is declared twice in `api-mcp` (first at 43:17)",
    );
}

#[test]
fn invalid_mcp_tool_name() {
    // 43:         - name: get item
    let src = replace_line(BASE, TOOL_NAME, &["        - name: get item"]);
    let d = sole(&src);
    assert_error(
        &d,
        Code::InvalidToolName,
        Pos::new(43, 17),
        "MCP tool name `get item` must match `^[A-Za-z0-9_.-]{1,64}$` (what MCP clients accept)",
    );
    assert_eq!(d.pos, pos_of(&src, "get item"));

    // 64 characters are fine, 65 are not.
    let ok = replace_line(
        BASE,
        TOOL_NAME,
        &[&format!("        - name: {}", "a".repeat(64))],
    );
    assert!(compile(&ok).diagnostics.is_empty());
    let long = "a".repeat(65);
    let src = replace_line(BASE, TOOL_NAME, &[&format!("        - name: {long}")]);
    assert_error(
        &sole(&src),
        Code::InvalidToolName,
        Pos::new(43, 17),
        &format!(
            "MCP tool name `{long}` must match `^[A-Za-z0-9_.-]{{1,64}}$` (what MCP clients accept)"
        ),
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Rust identifier clashes: each points at both sources, the second in the message and as a note
// ---------------------------------------------------------------------------------------------------------------

/// Asserts that `d` is a clash reported at `at`, with a note pointing at `first`.
#[track_caller]
fn assert_clash(d: &Diagnostic, at: Pos, first: Pos, message: &str) {
    assert_error(d, Code::IdentClash, at, message);
    assert_eq!(
        d.notes.iter().map(|n| n.pos).collect::<Vec<_>>(),
        [first],
        "the note points at the first source"
    );
}

#[test]
fn ident_clash_between_consumed_namespaces() {
    // 8:       namespace: api
    // 24:      namespace: my-api     (a second consumed API)
    let src = replace_line(BASE, "      namespace: api", &["      namespace: myApi"]);
    let src = replace_line(&src, REST_CALL, &["              call: myApi.getitem"]);
    let src = replace_line(&src, TOOL_CALL, &["          call: myApi.getitem"]);
    let src = insert_after(
        &src,
        "                  value: $.",
        &[
            "    - type: http",
            "      namespace: my-api",
            "      baseUri: https://other.example.com",
            "      resources:",
            "        - name: others",
            "          path: /others",
            "          operations:",
            "            - name: listothers",
        ],
    );
    let d = sole(&src);
    assert_clash(
        &d,
        Pos::new(27, 18),
        Pos::new(8, 18),
        "`my_api` (from consumed namespace `my-api` at 27:18) clashes with `my_api` (from consumed namespace `myApi` at 8:18) among the fields of `Clients`; rename one",
    );
    assert_eq!(d.pos, pos_in(&src, "namespace: my-api", "my-api"));
    assert_eq!(d.notes[0].pos, pos_in(&src, "namespace: myApi", "myApi"));
    let rendered = d.render("spec.yaml", Some(&src));
    assert!(
        rendered.contains("\nspec.yaml:8:18: note: `my_api` comes from consumed namespace `myApi` here\n  |\n8 |       namespace: myApi\n  |                  ^"),
        "{rendered}"
    );
}

#[test]
fn ident_clash_between_rest_exposures_with_one_namespace() {
    // 29:       namespace: api-rest     (the first)
    // 48:       namespace: api-rest     (the second, on another port)
    let src = BASE.replacen(
        "  binds:\n",
        "    - type: rest\n      port: 8081\n      namespace: api-rest\n      resources:\n        - path: /things/{id}\n          operations:\n            - method: GET\n              call: api.getitem\n  binds:\n",
        1,
    );
    let d = sole(&src);
    assert_clash(
        &d,
        Pos::new(48, 18),
        Pos::new(29, 18),
        "`api_rest_router` (from REST namespace `api-rest` at 48:18) clashes with `api_rest_router` (from REST namespace `api-rest` at 29:18) among the functions and constants of the REST module; rename one",
    );
    assert_eq!(
        d.pos,
        pos_in(&src, "8081\n      namespace: api-rest", "api-rest")
    );
}

#[test]
fn ident_clash_between_mcp_tools() {
    // 46:         - name: get-item
    // 48:         - name: get_item
    let src = insert_after(
        BASE,
        TOOL_CALL,
        &[
            "        - name: get-item",
            "          call: api.getitem",
            "        - name: get_item",
            "          call: api.getitem",
        ],
    );
    let d = sole(&src);
    assert_clash(
        &d,
        Pos::new(48, 17),
        Pos::new(46, 17),
        "`get_item` (from MCP tool `api-mcp.get_item` at 48:17) clashes with `get_item` (from MCP tool `api-mcp.get-item` at 46:17) among the tool functions of `api_mcp`; rename one",
    );
    assert_eq!(d.pos, pos_of(&src, "get_item"));
}

#[test]
fn ident_clash_between_consumed_operations() {
    // Both are valid operation names (`^[a-zA-Z0-9-]+$`) and both become `get_item`.
    let src = insert_after(
        BASE,
        "                  value: $.",
        &[
            "            - name: get-item",
            "              method: POST",
            "            - name: getItem",
            "              method: PUT",
        ],
    );
    let (c, d) = one_with(&src, Code::IdentClash);
    let first = pos_in(&src, "- name: get-item", "name");
    let second = pos_in(&src, "- name: getItem", "name");
    assert_clash(
        &d,
        second,
        first,
        &format!(
            "`get_item` (from consumed operation `api.getItem` at {second}) clashes with `get_item` (from consumed operation `api.get-item` at {first}) among the methods of `ApiClient`; rename one"
        ),
    );
    assert_eq!(c.diagnostics.error_count(), 1, "{}", dump(&c));
}

/// Adds query parameters `page-size` and `page_size` to the consumed operation.
fn clashing_query_params() -> String {
    insert_after(
        BASE,
        CONSUMED_PATH_PARAM_IN,
        &[
            "                - name: page-size",
            "                  in: query",
            "                - name: page_size",
            "                  in: query",
        ],
    )
}

#[test]
fn ident_clash_between_query_parameters_points_at_the_parameters() {
    // 22:                 - name: page-size
    // 24:                 - name: page_size
    // The REST operation and the MCP tool take both as inputs, whose variables clash too: the same two places,
    // reported once.
    let src = clashing_query_params();
    let d = sole(&src);
    assert_clash(
        &d,
        Pos::new(24, 25),
        Pos::new(22, 25),
        "`page_size` (from parameter `api.getitem.page_size` at 24:25) clashes with `page_size` (from parameter `api.getitem.page-size` at 22:25) among the fields of `GetitemQuery`; rename one",
    );
    assert_eq!(d.pos, pos_of(&src, "page_size"));
}

#[test]
fn ident_clash_between_mcp_tool_inputs_points_at_the_inputs() {
    let src = insert_after(
        BASE,
        TOOL_CALL,
        &[
            "          inputParameters:",
            "            - name: page-size",
            "            - name: page_size",
        ],
    );
    let d = sole(&src);
    let first = pos_of(&src, "page-size");
    let second = pos_of(&src, "page_size");
    assert_clash(
        &d,
        second,
        first,
        &format!(
            "`in_page_size` (from input `api-mcp.getitem.page_size` at {second}) clashes with `in_page_size` (from input `api-mcp.getitem.page-size` at {first}) among the variables of `api_mcp::getitem`; rename one"
        ),
    );
}

#[test]
fn ident_clash_with_a_name_the_generated_code_uses() {
    // Every client has a `new` method already.
    let src = insert_after(
        BASE,
        "                  value: $.",
        &["            - name: new", "              method: POST"],
    );
    let (_, d) = one_with(&src, Code::IdentClash);
    let at = pos_in(&src, "- name: new", "name");
    assert_error(
        &d,
        Code::IdentClash,
        at,
        &format!(
            "`new` (from consumed operation `api.new` at {at}) clashes with `new`, which the generated code uses among the methods of `ApiClient`; rename it"
        ),
    );
    assert!(d.notes.is_empty());
}

// ---------------------------------------------------------------------------------------------------------------
// Authentication of consumed APIs
// ---------------------------------------------------------------------------------------------------------------

/// BASE with its bearer authentication (lines 11 and 12) replaced by `lines`, from line 11; `{{APP}}` and
/// `{{USER}}` are bound besides `{{TOKEN}}`.
fn with_auth(lines: &[&str]) -> String {
    let src = replace_line(BASE, "        token: '{{TOKEN}}'", &[]);
    let src = replace_line(&src, "        type: bearer", lines);
    insert_after(
        &src,
        "        TOKEN: TOKEN",
        &["        APP: APP_KEY", "        USER: USER"],
    )
}

/// The authentication of `src`'s consumed API, which compiles without a diagnostic.
#[track_caller]
fn auth_of(src: &str) -> (Auth, Option<String>) {
    let c = compile(src);
    assert!(
        c.diagnostics.is_empty(),
        "{}\n--- spec ---\n{src}",
        dump(&c)
    );
    let api = c.ir.unwrap().apis.remove(0);
    (api.auth, api.idents.auth_fn)
}

/// The keys of an `apikey` authentication: placement, name, variable and constant.
#[track_caller]
fn keys_of(auth: &Auth) -> Vec<(KeyPlacement, &str, &str, &str)> {
    let Auth::ApiKey { keys } = auth else {
        panic!("apikey authentication: {auth:?}");
    };
    keys.iter()
        .map(|k| {
            let ValueSource::Bound(var) = &k.value.value else {
                panic!("a bound value: {k:?}");
            };
            (
                k.placement,
                k.name.as_str(),
                var.as_str(),
                k.value.const_ident.as_str(),
            )
        })
        .collect()
}

#[test]
fn api_key_in_the_formats_form() {
    let (auth, auth_fn) = auth_of(&with_auth(&[
        "        type: apikey",
        "        key: X-Api-Key",
        "        value: '{{TOKEN}}'",
        "        placement: header",
    ]));
    assert_eq!(
        keys_of(&auth),
        [(
            KeyPlacement::Header,
            "X-Api-Key",
            "TOKEN",
            "API_X_API_KEY_VAR"
        )]
    );
    assert_eq!(auth_fn.as_deref(), Some("api_auth"));
    let (auth, _) = auth_of(&with_auth(&[
        "        type: apikey",
        "        key: api_key",
        "        value: '{{TOKEN}}'",
        "        placement: query",
    ]));
    assert_eq!(
        keys_of(&auth),
        [(KeyPlacement::Query, "api_key", "TOKEN", "API_API_KEY_VAR")]
    );
    // Without a placement, a header (the format's default).
    let (auth, _) = auth_of(&with_auth(&[
        "        type: apikey",
        "        key: X-Api-Key",
        "        value: '{{TOKEN}}'",
    ]));
    assert_eq!(keys_of(&auth)[0].0, KeyPlacement::Header);
}

#[test]
fn api_key_in_the_generators_forms() {
    // `in` and `name` for `placement` and `key`.
    let (auth, _) = auth_of(&with_auth(&[
        "        type: apikey",
        "        in: query",
        "        name: appid",
        "        value: '{{TOKEN}}'",
    ]));
    assert_eq!(
        keys_of(&auth),
        [(KeyPlacement::Query, "appid", "TOKEN", "API_APPID_VAR")]
    );
    // `headers`: several headers, each with its value.
    let (auth, auth_fn) = auth_of(&with_auth(&[
        "        type: apikey",
        "        headers:",
        "          X-Api-Key: '{{TOKEN}}'",
        "          X-App-Key: '{{APP}}'",
    ]));
    assert_eq!(
        keys_of(&auth),
        [
            (
                KeyPlacement::Header,
                "X-Api-Key",
                "TOKEN",
                "API_X_API_KEY_VAR"
            ),
            (
                KeyPlacement::Header,
                "X-App-Key",
                "APP",
                "API_X_APP_KEY_VAR"
            ),
        ]
    );
    assert_eq!(auth_fn.as_deref(), Some("api_auth"));
}

#[test]
fn basic_authentication() {
    let (auth, auth_fn) = auth_of(&with_auth(&[
        "        type: basic",
        "        username: '{{USER}}'",
        "        password: '{{TOKEN}}'",
    ]));
    let Auth::Basic { username, password } = &auth else {
        panic!("basic authentication: {auth:?}");
    };
    assert_eq!(
        (&username.value, username.const_ident.as_str()),
        (&ValueSource::Bound("USER".into()), "API_BASIC_USERNAME_VAR")
    );
    assert_eq!(
        (&password.value, password.const_ident.as_str()),
        (
            &ValueSource::Bound("TOKEN".into()),
            "API_BASIC_PASSWORD_VAR"
        )
    );
    assert_eq!(auth_fn.as_deref(), Some("api_auth"));
    // A user name is no secret: written literally, it does not warn. Nor does an empty password (some APIs take
    // their key as the user name).
    let (auth, _) = auth_of(&with_auth(&[
        "        type: basic",
        "        username: gateway",
        "        password: ''",
    ]));
    let Auth::Basic { username, password } = &auth else {
        panic!("basic authentication: {auth:?}");
    };
    assert_eq!(
        (
            &username.value,
            username.const_ident.as_str(),
            &password.value
        ),
        (
            &ValueSource::Literal("gateway".into()),
            "API_BASIC_USERNAME",
            &ValueSource::Literal(String::new())
        )
    );
    // A bearer token needs no function: `Auth::Bearer` takes the one value.
    assert_eq!(auth_of(BASE).1, None);
}

#[test]
fn literal_secrets_are_warnings() {
    let cases: [(&[&str], &str, &str); 4] = [
        (
            &["        type: bearer", "        token: s3cret"],
            "s3cret",
            "bearer `token`",
        ),
        (
            &[
                "        type: apikey",
                "        key: X-Api-Key",
                "        value: s3cret",
            ],
            "s3cret",
            "apikey `value`",
        ),
        (
            &[
                "        type: apikey",
                "        headers:",
                "          X-Api-Key: '{{TOKEN}}'",
                "          X-App-Key: s3cret",
            ],
            "s3cret",
            "apikey header `X-App-Key`",
        ),
        (
            &[
                "        type: basic",
                "        username: gateway",
                "        password: s3cret",
            ],
            "s3cret",
            "basic `password`",
        ),
    ];
    for (lines, value, what) in cases {
        let src = with_auth(lines);
        assert_diag(
            &sole(&src),
            Severity::Warning,
            Code::Dialect,
            pos_of(&src, value),
            &format!(
                "{what} is a literal: it will be compiled into the binary; bind it with `{{{{VAR}}}}` instead"
            ),
        );
    }
}

#[test]
fn unknown_and_unsupported_authentication_types() {
    // 11:         type: hmac     <- at the value
    let src = with_auth(&["        type: hmac", "        token: '{{TOKEN}}'"]);
    assert_error(
        &sole(&src),
        Code::InvalidValue,
        Pos::new(11, 15),
        "authentication type `hmac` is not one of bearer, basic, apikey, digest, oauth2",
    );
    let src = with_auth(&[
        "        type: digest",
        "        username: '{{USER}}'",
        "        password: '{{TOKEN}}'",
    ]);
    assert_unsupported(
        &src,
        pos_of(&src, "digest"),
        "authentication type `digest` (`bearer`, `basic` and `apikey` are implemented)",
    );
}

#[test]
fn missing_authentication_fields_point_at_the_authentication() {
    // 11:         type: apikey     <- the authentication object starts at its first key
    let at = Pos::new(11, 9);
    let cases: [(&[&str], Code, &str); 4] = [
        (
            &["        type: apikey", "        value: '{{TOKEN}}'"],
            Code::MissingField,
            "missing required field `key` in apikey authentication (the header or query parameter the key is sent as; or `headers`, for several headers)",
        ),
        (
            &["        type: apikey", "        key: X-Api-Key"],
            Code::MissingField,
            "missing required field `value` in apikey authentication",
        ),
        (
            &["        type: basic", "        username: '{{USER}}'"],
            Code::MissingField,
            "missing required field `password` in basic authentication",
        ),
        (
            &["        type: bearer"],
            Code::MissingField,
            "missing required field `token` in bearer authentication",
        ),
    ];
    for (lines, code, message) in cases {
        let src = with_auth(lines);
        assert_error(&sole(&src), code, at, message);
        assert_eq!(at, pos_in(&src, "authentication:\n        type", "type"));
    }
}

#[test]
fn authentication_fields_of_another_type_point_at_the_key() {
    let src = with_auth(&[
        "        type: basic",
        "        username: '{{USER}}'",
        "        password: '{{TOKEN}}'",
        "        token: '{{TOKEN}}'",
    ]);
    assert_error(
        &sole(&src),
        Code::UnknownField,
        pos_of(&src, "token: "),
        "`token` is not a field of basic authentication",
    );
    let src = with_auth(&[
        "        type: apikey",
        "        key: X-Api-Key",
        "        headers:",
        "          X-App-Key: '{{APP}}'",
    ]);
    assert_error(
        &sole(&src),
        Code::UnknownField,
        pos_of(&src, "key: X"),
        "`key` is not a field of apikey authentication with `headers` (each header is a key and its value)",
    );
    let src = with_auth(&[
        "        type: bearer",
        "        token: '{{TOKEN}}'",
        "        placement: header",
    ]);
    assert_error(
        &sole(&src),
        Code::UnknownField,
        pos_of(&src, "placement: "),
        "`placement` is not a field of bearer authentication",
    );
}

#[test]
fn api_key_given_twice_or_badly() {
    let two_names = with_auth(&[
        "        type: apikey",
        "        key: X-Api-Key",
        "        name: X-Api-Key",
        "        value: '{{TOKEN}}'",
    ]);
    assert_error(
        &sole(&two_names),
        Code::DuplicateName,
        pos_of(&two_names, "name: X"),
        "`name` and `key` (at 12:9) both name the API key; give one",
    );
    let two_placements = with_auth(&[
        "        type: apikey",
        "        key: X-Api-Key",
        "        value: '{{TOKEN}}'",
        "        placement: header",
        "        in: query",
    ]);
    assert_error(
        &sole(&two_placements),
        Code::DuplicateName,
        pos_of(&two_placements, "in: query"),
        "`in` and `placement` (at 14:9) both place the API key; give one",
    );
    let cookie = with_auth(&[
        "        type: apikey",
        "        in: cookie",
        "        name: session",
        "        value: '{{TOKEN}}'",
    ]);
    assert_error(
        &sole(&cookie),
        Code::InvalidValue,
        pos_of(&cookie, "cookie"),
        "API key `in: cookie` is not one of header, query",
    );
    let bad_header = with_auth(&[
        "        type: apikey",
        "        key: X Api Key",
        "        value: '{{TOKEN}}'",
    ]);
    assert_error(
        &sole(&bad_header),
        Code::InvalidValue,
        pos_of(&bad_header, "X Api Key"),
        "API key header `X Api Key` is not a header name (letters, digits and any of !#$%&'*+-.^_`|~)",
    );
    let twice = with_auth(&[
        "        type: apikey",
        "        headers:",
        "          X-Api-Key: '{{TOKEN}}'",
        "          x-api-key: '{{APP}}'",
    ]);
    assert_error(
        &sole(&twice),
        Code::DuplicateName,
        pos_of(&twice, "x-api-key"),
        "header `x-api-key` is given twice (first as `X-Api-Key`; header names ignore case)",
    );
    let none = with_auth(&["        type: apikey", "        headers: {}"]);
    assert_error(
        &sole(&none),
        Code::InvalidValue,
        pos_of(&none, "{}"),
        "apikey `headers` lists no header",
    );
    let empty = with_auth(&[
        "        type: apikey",
        "        key: X-Api-Key",
        "        value: ''",
    ]);
    assert_error(
        &sole(&empty),
        Code::InvalidValue,
        pos_of(&empty, "''"),
        "apikey `value` is empty",
    );
}

#[test]
fn credentials_are_a_bound_value_or_a_literal() {
    let unbound = with_auth(&[
        "        type: apikey",
        "        headers:",
        "          X-Api-Key: '{{NOPE}}'",
    ]);
    assert_error(
        &sole(&unbound),
        Code::UnknownBinding,
        pos_of(&unbound, "'{{NOPE}}'"),
        "`{{NOPE}}` is not bound: no `binds` entry declares `NOPE` (bound: TOKEN, APP, USER)",
    );
    let within = with_auth(&[
        "        type: apikey",
        "        key: Authorization",
        "        value: 'Token {{TOKEN}}'",
    ]);
    assert_unsupported(
        &within,
        pos_of(&within, "'Token"),
        "`{{VAR}}` within a longer apikey `value` (it is `{{VAR}}` or a literal)",
    );
    let colon = with_auth(&[
        "        type: basic",
        "        username: 'me:you'",
        "        password: '{{TOKEN}}'",
    ]);
    assert_error(
        &sole(&colon),
        Code::InvalidValue,
        pos_of(&colon, "'me:you'"),
        "basic `username` must not contain `:` (it separates the user name from the password)",
    );
}

#[test]
fn api_key_constants_that_clash_point_at_both_keys() {
    // 13:           X-Key: '{{TOKEN}}'
    // 14:           X_Key: '{{APP}}'      <- both `API_X_KEY_VAR`
    let src = with_auth(&[
        "        type: apikey",
        "        headers:",
        "          X-Key: '{{TOKEN}}'",
        "          X_Key: '{{APP}}'",
    ]);
    assert_clash(
        &sole(&src),
        Pos::new(14, 18),
        Pos::new(13, 18),
        "`API_X_KEY_VAR` (from API key `api: X_Key` at 14:18) clashes with `API_X_KEY_VAR` (from API key `api: X-Key` at 13:18) among the constants of the client module; rename one",
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Renames
// ---------------------------------------------------------------------------------------------------------------

fn renamed(src: &str, renames: &[(&str, &str)]) -> Compiled {
    let mut table = Renames::new();
    for (from, to) in renames {
        table.insert(*from, *to, "--rename");
    }
    compile_with(src, &table)
}

#[test]
fn rename_resolves_a_clash() {
    // The exposures' inputs for the parameters are named like them: one rename is enough.
    let src = clashing_query_params();
    let c = renamed(&src, &[("api.getitem.page_size", "size")]);
    assert!(c.diagnostics.is_empty(), "{}", dump(&c));
    let ir = c.ir.unwrap();
    let idents: Vec<&str> = ir.apis[0].operations[0]
        .query_params
        .iter()
        .map(|p| p.ident.as_str())
        .collect();
    assert_eq!(idents, ["page_size", "size"]);
    let locals: Vec<&str> = ir.mcp[0].tools[0]
        .call
        .inputs
        .iter()
        .map(|i| i.local.as_str())
        .collect();
    assert_eq!(locals, ["in_id", "in_page_size", "in_size"]);
}

#[test]
fn rename_that_causes_a_clash() {
    let src = insert_after(
        BASE,
        "                  value: $.",
        &[
            "            - name: listitems",
            "              method: POST",
        ],
    );
    let c = renamed(&src, &[("api.listitems", "getitem")]);
    let d: Vec<&Diagnostic> = c
        .diagnostics
        .iter_errors()
        .filter(|d| d.code == Code::IdentClash)
        .collect();
    assert_eq!(d.len(), 1, "{}", dump(&c));
    let first = pos_in(&src, "- name: getitem\n              method: GET", "name");
    let second = pos_in(&src, "- name: listitems", "name");
    assert_clash(
        d[0],
        second,
        first,
        &format!(
            "`getitem` (from consumed operation `api.listitems` at {second}, renamed `getitem`) clashes with `getitem` (from consumed operation `api.getitem` at {first}) among the methods of `ApiClient`; rename one"
        ),
    );
    assert!(c.ir.is_none());
}

#[test]
fn rename_of_a_key_that_names_nothing() {
    let c = renamed(BASE, &[("api.getitme", "fetch"), ("nowhere", "x")]);
    let errors: Vec<Diagnostic> = c.diagnostics.sorted();
    assert_eq!(errors.len(), 2, "{}", dump(&c));
    assert_error(
        &errors[0],
        Code::Rename,
        Pos::UNKNOWN,
        "rename `api.getitme = fetch` (--rename): `api.getitme` names nothing in the spec (keys: a namespace, `namespace.operation`, `namespace.operation.parameter`, `{{VAR}}`); did you mean `api.getitem`?",
    );
    assert_error(
        &errors[1],
        Code::Rename,
        Pos::UNKNOWN,
        "rename `nowhere = x` (--rename): `nowhere` names nothing in the spec (keys: a namespace, `namespace.operation`, `namespace.operation.parameter`, `{{VAR}}`)",
    );
    assert!(c.ir.is_none());
}

#[test]
fn rename_to_something_that_is_not_a_name() {
    let c = renamed(BASE, &[("api", "my api")]);
    let d = c.diagnostics.sorted();
    assert_eq!(d.len(), 1, "{}", dump(&c));
    assert_error(
        &d[0],
        Code::Rename,
        Pos::UNKNOWN,
        "rename `api = my api` (--rename): `my api` is not a name (`^[A-Za-z][A-Za-z0-9_-]*$`)",
    );
}

#[test]
fn config_rename_shows_in_the_generated_files() {
    let out = naftiko_codegen::Config::new("spec.yaml")
        .rename("api-rest", "items")
        .rename("api.getitem", "fetch")
        .generate_from_source(BASE)
        .unwrap();
    let rest = out.files.iter().find(|f| f.name == "rest.rs").unwrap();
    assert!(
        rest.contents
            .contains("pub fn items_router(clients: Arc<Clients>) -> Router {")
    );
    assert!(
        rest.contents
            .contains(".route(\"/items/{id}\", get(items::getitem))")
    );
    assert!(rest.contents.contains("c.api.fetch(&path.id).await"));
    let client = out.files.iter().find(|f| f.name == "client.rs").unwrap();
    assert!(
        client
            .contents
            .contains("pub async fn fetch(&self, id: &str)")
    );
}

#[test]
fn renames_change_rust_names_only() {
    let c = renamed(
        BASE,
        &[
            ("api", "store"),
            ("api.getitem", "fetch-item"),
            ("api.getitem.id", "item_id"),
            ("{{TOKEN}}", "api_token"),
            ("api-rest", "rest"),
            ("api-rest.getitem", "get"),
            ("api-mcp", "agents"),
            ("api-mcp.getitem", "get_one"),
        ],
    );
    assert!(c.diagnostics.is_empty(), "{}", dump(&c));
    let ir = c.ir.unwrap();
    let api = &ir.apis[0];
    assert_eq!(api.namespace, "api");
    assert_eq!(
        (
            api.idents.client_type.as_str(),
            api.idents.clients_field.as_str(),
            api.idents.base_uri_const.as_str()
        ),
        ("StoreClient", "store", "STORE_BASE_URI")
    );
    assert_eq!(api.operations[0].ident, "fetch_item");
    assert_eq!(api.operations[0].path_params[0].ident, "item_id");
    assert_eq!(ir.binds[0].field, "api_token");
    assert_eq!(ir.rest[0].idents.router_fn, "rest_router");
    let op = &ir.rest[0].routes[0].operations[0];
    assert_eq!((op.name.as_str(), op.ident.as_str()), ("getitem", "get"));
    assert_eq!(op.path_type.as_deref(), Some("GetPath"));
    assert_eq!(ir.rest[0].routes[0].path.template, "/items/{id}");
    assert_eq!(ir.mcp[0].idents.server_type, "AgentsServer");
    let tool = &ir.mcp[0].tools[0];
    assert_eq!(
        (tool.name.as_str(), tool.ident.as_str()),
        ("getitem", "get_one")
    );
}

/// A name that becomes an identifier with a leading or trailing underscore (`_2fa`, `type_`) gives the local its
/// input is parsed into one underscore only (`in_2fa`, `in_type`): rustc warns about `in__2fa`.
#[test]
fn input_locals_are_snake_case() {
    for (name, ident, local) in [("2fa", "_2fa", "in_2fa"), ("type", "type_", "in_type")] {
        let src = BASE
            .replace("{id}", &format!("{{{name}}}"))
            .replace("- name: id", &format!("- name: {name}"));
        let c = compile(&src);
        assert!(c.diagnostics.is_empty(), "{}", dump(&c));
        let ir = c.ir.unwrap();
        let input = &ir.mcp[0].tools[0].call.inputs[0];
        assert_eq!((input.ident.as_str(), input.local.as_str()), (ident, local));
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Not supported yet
// ---------------------------------------------------------------------------------------------------------------

#[test]
fn unsupported_steps_on_exposed_operation() {
    // 36:               steps: []
    let src = insert_after(BASE, REST_CALL, &["              steps: []"]);
    assert_unsupported(&src, Pos::new(36, 15), "`steps` (orchestrated operations)");
}

#[test]
fn unsupported_steps_on_mcp_tool() {
    // 46:           steps: []
    let src = insert_after(BASE, TOOL_CALL, &["          steps: []"]);
    assert_unsupported(&src, Pos::new(46, 11), "`steps` (orchestrated tools)");
}

#[test]
fn unsupported_output_raw_format_xml() {
    // 19:               outputRawFormat: xml     <- at the value
    let src = insert_after(
        BASE,
        CONSUMED_METHOD,
        &["              outputRawFormat: xml"],
    );
    assert_unsupported(
        &src,
        pos_in(&src, "outputRawFormat: xml", "xml"),
        "`outputRawFormat: xml` (only `json` is implemented)",
    );
    assert_eq!(pos_of(&src, "xml"), Pos::new(19, 32));
}

#[test]
fn unsupported_mcp_resources() {
    // 42:       resources:
    let src = insert_after(
        BASE,
        "      namespace: api-mcp",
        &[
            "      resources:",
            "        - name: readme",
            "          uri: data://readme",
        ],
    );
    assert_unsupported(&src, Pos::new(42, 7), "MCP `resources`");
}

#[test]
fn unsupported_mcp_prompts() {
    // 42:       prompts: []
    let src = insert_after(BASE, "      namespace: api-mcp", &["      prompts: []"]);
    assert_unsupported(&src, Pos::new(42, 7), "MCP `prompts`");
}

#[test]
fn unsupported_aggregates() {
    // 6:   aggregates: []
    let src = insert_after(BASE, "capability:", &["  aggregates: []"]);
    assert_unsupported(&src, Pos::new(6, 3), "`aggregates` (domain functions)");
}

#[test]
fn unsupported_two_object_query_inputs_in_a_rest_operation() {
    // Two object query parameters: the MCP tool takes both as arguments; the REST operation could not tell which
    // query keys go to which. 39:             - method: GET     <- at the REST operation
    let src = insert_after(
        BASE,
        CONSUMED_PATH_PARAM_IN,
        &[
            "                - name: filter",
            "                  in: query",
            "                  type: object",
            "                - name: sort",
            "                  in: query",
            "                  type: object",
        ],
    );
    assert_unsupported(
        &src,
        pos_in(&src, "- method: GET\n              name: getitem", "method"),
        "more than one `object` query input in a REST operation (`filter`, `sort`)",
    );
    assert_eq!(
        pos_in(&src, "- method: GET\n              name: getitem", "method"),
        Pos::new(39, 15)
    );
}

/// BASE with a header parameter `X-Trace` and an array query parameter `tag` on the consumed operation.
fn with_header_and_array() -> String {
    insert_after(
        BASE,
        CONSUMED_PATH_PARAM_IN,
        &[
            "                - name: X-Trace",
            "                  in: header",
            "                  required: true",
            "                - name: tag",
            "                  in: query",
            "                  type: array",
        ],
    )
}

#[test]
fn header_parameters_and_array_query_parameters_are_inputs_of_both_exposures() {
    let src = with_header_and_array();
    let c = compile(&src);
    assert!(c.diagnostics.is_empty(), "{}", dump(&c));
    let ir = c.ir.unwrap();
    let op = &ir.apis[0].operations[0];
    let header = &op.header_params[0];
    assert_eq!(
        (header.name.as_str(), header.ty, header.required),
        ("X-Trace", ParamType::String, true)
    );
    let tag = &op.query_params[0];
    assert_eq!(
        (tag.name.as_str(), tag.ty, tag.required),
        ("tag", ParamType::Array, false)
    );
    // REST: the header is read from the request's header of that name, the array from repeated query keys; path
    // inputs first, then query inputs, then header inputs.
    let inputs: Vec<_> = ir.rest[0].routes[0].operations[0]
        .call
        .inputs
        .iter()
        .map(|i| (i.name.as_str(), i.location, i.ty, i.required))
        .collect();
    assert_eq!(
        inputs,
        [
            ("id", InputLocation::Path, ParamType::String, true),
            ("tag", InputLocation::Query, ParamType::Array, false),
            ("X-Trace", InputLocation::Header, ParamType::String, true),
        ]
    );
    // MCP: plain arguments.
    let tool: Vec<_> = ir.mcp[0].tools[0]
        .call
        .inputs
        .iter()
        .map(|i| (i.name.as_str(), i.ty, i.required))
        .collect();
    assert_eq!(
        tool,
        [
            ("id", ParamType::String, true),
            ("X-Trace", ParamType::String, true),
            ("tag", ParamType::Array, false),
        ]
    );

    // A declared REST header input, and `with:` binding the consumed header to it and to a bound value.
    let src = insert_after(
        &with_header_and_array(),
        REST_CALL,
        &[
            "              with:",
            "                X-Trace: rest.trace",
            "              inputParameters:",
            "                - name: trace",
            "                  in: header",
            "                  type: integer",
        ],
    );
    let src = insert_after(
        &src,
        TOOL_CALL,
        &["          with:", "            X-Trace: '{{TOKEN}}'"],
    );
    let c = compile(&src);
    assert!(c.diagnostics.is_empty(), "{}", dump(&c));
    let ir = c.ir.unwrap();
    let call = &ir.rest[0].routes[0].operations[0].call;
    let trace = call.inputs.iter().find(|i| i.name == "trace").unwrap();
    assert_eq!(
        (trace.location, trace.ty, trace.required),
        (InputLocation::Header, ParamType::Integer, true)
    );
    assert!(call.args.contains(&ArgBinding {
        param: "X-Trace".into(),
        source: ArgSource::Input("trace".into()),
    }));
    let tool = &ir.mcp[0].tools[0].call;
    assert!(tool.args.contains(&ArgBinding {
        param: "X-Trace".into(),
        source: ArgSource::Bound("TOKEN".into()),
    }));
    assert!(tool.inputs.iter().all(|i| i.name != "X-Trace"));
}

#[test]
fn header_parameters_are_text_named_as_headers() {
    let header = |name: &str, ty: &str| {
        insert_after(
            BASE,
            CONSUMED_PATH_PARAM_IN,
            &[
                &format!("                - name: {name}"),
                "                  in: header",
                &format!("                  type: {ty}"),
            ],
        )
    };
    let src = header("X-Tags", "array");
    assert_error(
        &sole(&src),
        Code::InvalidValue,
        pos_of(&src, "array"),
        "header parameter `X-Tags` cannot be an array",
    );
    let src = header("X-Filter", "object");
    assert_error(
        &sole(&src),
        Code::InvalidValue,
        pos_in(
            &src,
            "type: object\n              outputParameters",
            "object",
        ),
        "header parameter `X-Filter` cannot be an object",
    );
    let src = header("content-length", "integer");
    assert_error(
        &sole(&src),
        Code::InvalidValue,
        pos_of(&src, "content-length"),
        "header parameter `content-length` cannot be sent: the HTTP client sets that header itself",
    );
    // A placeholder of the path declared as a header.
    let src = replace_line(
        BASE,
        CONSUMED_PATH_PARAM_IN,
        &["                  in: header"],
    );
    assert_eq!(
        compile(&src)
            .diagnostics
            .sorted()
            .iter()
            .find(|d| d.code == Code::InvalidValue)
            .map(|d| d.message.as_str()),
        Some("`id` is a placeholder of the path `/items/{id}` but is declared `in: header`")
    );
    // An exposed header input: named as a header, one piece of text.
    let src = insert_after(
        BASE,
        REST_CALL,
        &[
            "              inputParameters:",
            "                - name: X-Tags",
            "                  in: header",
            "                  type: array",
        ],
    );
    assert_error(
        &sole(&src),
        Code::InvalidValue,
        pos_of(&src, "array"),
        "header input `X-Tags` cannot be an array",
    );
    let src = insert_after(
        BASE,
        REST_CALL,
        &[
            "              inputParameters:",
            "                - name: X(Trace)",
            "                  in: header",
        ],
    );
    assert_error(
        &sole(&src),
        Code::InvalidValue,
        pos_of(&src, "X(Trace)"),
        "header input `X(Trace)` is not a valid header name (letters, digits and !#$%&'*+-.^_`|~)",
    );
    // A header parameter fed by an input that is not one piece of text.
    let src = insert_after(
        &header("X-Trace", "string"),
        TOOL_CALL,
        &[
            "          with:",
            "            X-Trace: tools.x",
            "          inputParameters:",
            "            - name: x",
            "              type: array",
        ],
    );
    assert_error(
        &sole(&src),
        Code::InvalidValue,
        pos_of(&src, "tools.x"),
        "input `x` is an array but header parameter `X-Trace` of `api.getitem` is text",
    );
}

#[test]
fn array_parameters() {
    // A path parameter cannot be an array.
    let src = insert_after(
        BASE,
        CONSUMED_PATH_PARAM_IN,
        &["                  type: array"],
    );
    // (It is then read as an undeclared placeholder, which is a warning.)
    assert_error(
        &one_with(&src, Code::InvalidValue).1,
        Code::InvalidValue,
        pos_of(&src, "array"),
        "path parameter `id` cannot be an array",
    );
    // An array query parameter takes an array input, not a string.
    let src = insert_after(
        &with_header_and_array(),
        REST_CALL,
        &[
            "              inputParameters:",
            "                - name: tag",
            "                  in: query",
            "                  type: string",
        ],
    );
    let d = one_with(&src, Code::InvalidValue).1;
    assert_eq!(
        d.message,
        "input `tag` (bound by name) is a string but parameter `tag` of `api.getitem` is an array"
    );
    // No array literals in `with:`.
    let src = insert_after(
        &with_header_and_array(),
        TOOL_CALL,
        &["          with:", "            tag: a"],
    );
    assert_unsupported(
        &src,
        pos_in(&src, "tag: a\n", "a\n"),
        "array literals in `with:`",
    );
    // A tool input of type `array` that feeds nothing is an array input all the same.
    let src = insert_after(
        BASE,
        TOOL_CALL,
        &[
            "          inputParameters:",
            "            - name: ids",
            "              type: array",
            "              description: Some ids",
        ],
    );
    let c = compile(&src);
    let ir = c.ir.unwrap();
    let ids = ir.mcp[0].tools[0]
        .call
        .inputs
        .iter()
        .find(|i| i.name == "ids")
        .unwrap();
    assert_eq!(ids.ty, ParamType::Array);
}

#[test]
fn consumed_output_mapping_other_than_whole_response_is_unsupported() {
    // A consumed output parameter's `value`.
    let src = replace_line(
        BASE,
        "                  value: $.",
        &["                  value: $.data"],
    );
    assert_unsupported(
        &src,
        pos_of(&src, "$.data"),
        "consumed output mapping `$.data` (only `$.`, the whole response, is implemented)",
    );
    assert_eq!(pos_of(&src, "$.data"), Pos::new(25, 26));
}

/// BASE with the REST operation's output parameter replaced by `lines` (indented as its `- type:` entry).
fn rest_output(lines: &[&str]) -> String {
    let src = replace_line(BASE, REST_MAPPING, &[]);
    let indented: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("                - {l}")
            } else {
                format!("                  {l}")
            }
        })
        .collect();
    let indented: Vec<&str> = indented.iter().map(String::as_str).collect();
    replace_line(&src, "                - type: object", &indented)
}

fn rest_output_of(c: &Compiled) -> OutputMapping {
    c.ir.as_ref().expect("compiles").rest[0].routes[0].operations[0]
        .call
        .output
        .clone()
}

#[test]
fn whole_response_outputs_stay_the_byte_passthrough() {
    for lines in [
        &["type: object", "mapping: $."][..],
        &["type: object", "mapping: $"],
        &["type: array", "mapping: $."],
        &["type: object"],
    ] {
        let src = rest_output(lines);
        let c = compile(&src);
        assert!(c.diagnostics.is_empty(), "{}", dump(&c));
        assert_eq!(rest_output_of(&c), OutputMapping::Whole, "{lines:?}");
    }
}

#[test]
fn shaped_output_compiles_mappings_relative_to_their_object_and_items() {
    let src = rest_output(&[
        "type: object",
        "properties:",
        "  name:",
        "    type: string",
        "    mapping: $.vessel_name",
        "  owner:",
        "    type: object",
        "    mapping: $.owner",
        "    properties:",
        "      since:",
        "        type: integer",
        "        mapping: $.years[0]",
        "  crew:",
        "    type: array",
        "    mapping: $.crew[*].name",
        "    items:",
        "      type: string",
        "  kind:",
        "    type: string",
        "    value: vessel",
        "  version:",
        "    type: number",
        "    const: 2.5",
    ]);
    let c = compile(&src);
    assert!(c.diagnostics.is_empty(), "{}", dump(&c));
    let OutputMapping::Shaped(s) = rest_output_of(&c) else {
        panic!("expected a shaped output");
    };
    let key = |k: &str| PathStep::Key(k.into());
    let leaf = |ty, source| Shape {
        ty,
        source,
        properties: None,
        items: None,
    };
    assert_eq!(
        s,
        Shape {
            ty: ShapeType::Object,
            source: ShapeSource::Path(vec![]),
            properties: Some(vec![
                (
                    "name".into(),
                    leaf(
                        ShapeType::String,
                        ShapeSource::Path(vec![key("vessel_name")])
                    )
                ),
                (
                    "owner".into(),
                    Shape {
                        ty: ShapeType::Object,
                        source: ShapeSource::Path(vec![key("owner")]),
                        properties: Some(vec![(
                            "since".into(),
                            leaf(
                                ShapeType::Integer,
                                ShapeSource::Path(vec![key("years"), PathStep::Index(0)])
                            )
                        )]),
                        items: None,
                    }
                ),
                (
                    "crew".into(),
                    Shape {
                        ty: ShapeType::Array,
                        source: ShapeSource::Path(vec![key("crew"), PathStep::Each, key("name")]),
                        properties: None,
                        items: Some(Box::new(leaf(ShapeType::String, ShapeSource::Path(vec![])))),
                    }
                ),
                (
                    "kind".into(),
                    leaf(
                        ShapeType::String,
                        ShapeSource::Const(serde_json::json!("vessel"))
                    )
                ),
                (
                    "version".into(),
                    leaf(
                        ShapeType::Number,
                        ShapeSource::Const(serde_json::json!(2.5))
                    )
                ),
            ]),
            items: None,
        }
    );
}

#[test]
fn jsonpath_forms_outside_the_compiled_ones_are_unsupported_at_the_mapping() {
    for (mapping, feature) in [
        ("$..name", "recursive descent `..`"),
        ("$.crew[?(@.rank == 'captain')]", "filters `[?()]`"),
        ("$.crew.length()", "functions and script expressions"),
        ("$.crew[0:2]", "array slices `[a:b]`"),
        ("$.crew[-1]", "negative indexes `[-n]`"),
    ] {
        let line = format!("mapping: \"{mapping}\"");
        let src = rest_output(&["type: array", &line]);
        assert_unsupported(
            &src,
            pos_in(&src, &line, "\""),
            &format!("{feature} in the output mapping `{mapping}`"),
        );
    }
}

#[test]
fn shaped_outputs_that_cannot_be_written_are_errors_at_their_place() {
    // A mapping that is not a JSONPath.
    let src = rest_output(&["type: string", "mapping: data"]);
    let d = sole(&src);
    assert_error(
        &d,
        Code::InvalidValue,
        pos_in(&src, "mapping: data", "data"),
        "the output mapping `data` is not a JSONPath: it must start with `$`",
    );

    // A list (`[*]`) where one value belongs.
    let src = rest_output(&["type: string", "mapping: $.crew[*].name"]);
    let d = sole(&src);
    assert_error(
        &d,
        Code::InvalidValue,
        pos_of(&src, "$.crew[*].name"),
        "the mapping `$.crew[*].name` matches a list (`[*]`): its output must be of type `array`, not `string`",
    );

    // A leaf with nothing to write.
    let src = rest_output(&["type: object", "properties:", "  name:", "    type: string"]);
    let d = sole(&src);
    assert_error(
        &d,
        Code::MissingField,
        pos_in(&src, "    type: string", "type"),
        "output property `name` of type `string` needs a `mapping` or a `value`",
    );

    // A static value that is not of the declared type, and one with a template.
    let src = rest_output(&["type: number", "value: many"]);
    let d = sole(&src);
    assert_error(
        &d,
        Code::InvalidValue,
        pos_of(&src, "many"),
        "the output `value` `many` is not of type `number`",
    );
    let src = rest_output(&["type: integer", "const: 2.5"]);
    let d = sole(&src);
    assert_error(
        &d,
        Code::InvalidValue,
        pos_of(&src, "2.5"),
        "the output `const` 2.5 is not of type `integer`",
    );
    let src = rest_output(&["type: string", "value: '{{x}}'"]);
    assert_unsupported(
        &src,
        pos_of(&src, "'{{x}}'"),
        "Mustache templates in an output `value`",
    );

    // A named output (mock or orchestrated): that alone is reported.
    let src = rest_output(&["name: shipName", "type: string", "value: '{{x}}'"]);
    assert_unsupported(
        &src,
        pos_in(&src, "name: shipName", "name"),
        "named output parameters (mock and orchestrated outputs)",
    );

    // `properties` on an array, and a type the format does not have.
    let src = rest_output(&["type: array", "mapping: $.", "properties: {}"]);
    let d = sole(&src);
    assert_error(
        &d,
        Code::InvalidValue,
        pos_of(&src, "properties"),
        "`properties` belong to an output of type `object`, not `array`",
    );
    let src = rest_output(&["type: date", "mapping: $.at"]);
    let d = sole(&src);
    assert_error(
        &d,
        Code::InvalidValue,
        pos_of(&src, "date"),
        "output parameter has type `date`; expected one of: string, number, integer, boolean, object, array",
    );
}

#[test]
fn unsupported_skill_exposure() {
    // 39:     - type: skill     <- at the value
    let src = replace_line(BASE, "    - type: mcp", &["    - type: skill"]);
    assert_unsupported(&src, Pos::new(39, 13), "`skill` exposures");
}

// ---------------------------------------------------------------------------------------------------------------
// Warnings: the spec still compiles
// ---------------------------------------------------------------------------------------------------------------

#[test]
fn inferred_path_parameter_is_a_warning() {
    // 17:             - name: getitem      <- at the operation's name; `id` is in the path but not declared
    let src = replace_line(BASE, "              inputParameters:", &[]);
    let src = replace_line(&src, "                - name: id", &[]);
    let src = replace_line(&src, CONSUMED_PATH_PARAM_IN, &[]);
    let c = compile(&src);
    let d = sole(&src);
    assert_diag(
        &d,
        Severity::Warning,
        Code::InferredPathParam,
        Pos::new(17, 21),
        "path parameter `id` of `api.getitem` is not declared; read as a required string (path `/items/{id}`)",
    );
    assert_eq!(
        d.pos,
        pos_in(&src, "- name: getitem\n              method", "getitem")
    );
    assert!(!c.diagnostics.has_errors());
    let ir = c.ir.expect("warnings only: the IR is produced");
    let op = &ir.apis[0].operations[0];
    assert_eq!(op.path_params.len(), 1);
    assert_eq!(op.path_params[0].name, "id");
    assert!(!op.path_params[0].declared);
    assert!(op.path_params[0].required);
}

#[test]
fn dialect_repair_of_with_followed_by_repeated_name_is_a_warning() {
    // The consumed and exposed paths use `{name}`; the exposed operation is written the way the spec generator
    // writes it, with the `with:` entry dedented to the level of the operation's own `name:`:
    //
    // 34:               name: getitem
    // 35:               call: api.getitem
    // 36:               with:
    // 37:               name: rest.name
    let named = BASE.replace("/items/{id}", "/items/{name}");
    let named = replace_line(
        &named,
        "                - name: id",
        &["                - name: name"],
    );
    assert!(compile(&named).diagnostics.is_empty());
    let src = insert_after(
        &named,
        REST_CALL,
        &["              with:", "              name: rest.name"],
    );
    let c = compile(&src);
    let d = sole(&src);
    assert_diag(
        &d,
        Severity::Warning,
        Code::Dialect,
        Pos::new(37, 15),
        "`name: rest.name` after an empty `with:` is read as `with: {name: rest.name}`",
    );
    assert_eq!(d.pos, pos_of(&src, "name: rest.name"));
    let ir = c.ir.expect("warnings only: the IR is produced");
    let op = &ir.rest[0].routes[0].operations[0];
    assert_eq!(
        op.name, "getitem",
        "the first `name:` stays the operation's name"
    );
    assert_eq!(
        op.call.args,
        vec![ArgBinding {
            param: "name".into(),
            source: ArgSource::Input("name".into()),
        }]
    );
}

#[test]
fn rest_operation_with_a_body_calling_one_without_is_a_warning() {
    // 33:             - method: POST      <- the exposed operation; the consumed `api.getitem` is a GET
    let src = replace_line(BASE, REST_METHOD, &["            - method: POST"]);
    let c = compile(&src);
    let d = sole(&src);
    assert_diag(
        &d,
        Severity::Warning,
        Code::IgnoredBody,
        Pos::new(33, 23),
        "`POST /items/{id}` calls `api.getitem`, a `GET`, which sends no body: the request's body is ignored",
    );
    assert_eq!(d.pos, pos_in(&src, "- method: POST", "POST"));
    let ir = c.ir.expect("warnings only: the IR is produced");
    assert!(
        !ir.rest[0].routes[0].operations[0].call.body,
        "the handler reads no body"
    );
}

#[test]
fn rest_operation_without_a_body_calling_one_with_forwards_the_body() {
    // The exposed operation stays a GET; the consumed one becomes a POST.
    let src = replace_line(BASE, CONSUMED_METHOD, &["              method: POST"]);
    let c = compile(&src);
    assert!(c.diagnostics.is_empty(), "{}", dump(&c));
    let ir = c.ir.expect("no diagnostics: the IR is produced");
    let op = &ir.rest[0].routes[0].operations[0];
    assert_eq!(op.method.as_str(), "GET");
    assert!(op.call.body, "the GET handler reads and forwards the body");
    assert!(ir.mcp[0].tools[0].call.body, "and the tool takes a `body`");
}

// ---------------------------------------------------------------------------------------------------------------
// Several errors in one run
// ---------------------------------------------------------------------------------------------------------------

#[test]
fn several_errors_are_reported_in_one_run() {
    // 33:             - method: GET                 (the route, first)
    // 41:               call: api.nosuch            unknown call
    // 42:             - method: GET                 duplicate route
    // 49:         - name: get item                  bad tool name
    let src = insert_after(
        BASE,
        REST_MAPPING,
        &[
            "            - method: DELETE",
            "              name: delitem",
            "              call: api.nosuch",
            "            - method: GET",
            "              name: again",
            "              call: api.getitem",
        ],
    );
    let src = replace_line(&src, TOOL_NAME, &["        - name: get item"]);
    let c = compile(&src);
    assert!(c.ir.is_none());
    let errors = c.diagnostics.sorted();
    assert_eq!(errors.len(), 3, "{}", dump(&c));

    assert_error(
        &errors[0],
        Code::UnknownCall,
        Pos::new(41, 21),
        "`call: api.nosuch` names an unknown operation `nosuch` of `api`",
    );
    assert_eq!(errors[0].pos, pos_of(&src, "api.nosuch"));

    assert_error(
        &errors[1],
        Code::DuplicateRoute,
        Pos::new(42, 15),
        "`GET /items/{id}` is exposed twice in `api-rest` (first at 33:15)",
    );
    assert_eq!(
        errors[1].pos,
        pos_in(&src, "- method: GET\n              name: again", "method")
    );

    assert_error(
        &errors[2],
        Code::InvalidToolName,
        Pos::new(49, 17),
        "MCP tool name `get item` must match `^[A-Za-z0-9_.-]{1,64}$` (what MCP clients accept)",
    );
    assert_eq!(errors[2].pos, pos_of(&src, "get item"));

    let rendered = c.diagnostics.render("spec.yaml", Some(&src));
    assert!(
        rendered.starts_with("spec.yaml:41:21: error: "),
        "{rendered}"
    );
    assert!(
        rendered.contains("\nspec.yaml:42:15: error: "),
        "{rendered}"
    );
    assert!(
        rendered.contains("\nspec.yaml:49:17: error: "),
        "{rendered}"
    );
    assert!(
        rendered.ends_with("spec.yaml: 3 errors, 0 warnings\n"),
        "{rendered}"
    );
}

// ---------------------------------------------------------------------------------------------------------------
// The real spec
// ---------------------------------------------------------------------------------------------------------------

const LOGTO: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../spec/logto.naftiko.yaml"
));

#[test]
fn logto_spec_compiles_with_warnings_only() {
    let c = compile(LOGTO);
    assert!(!c.diagnostics.has_errors(), "{}", dump(&c));
    assert!(c.ir.is_some());
}

#[test]
fn logto_spec_with_an_unknown_call_reports_it_at_the_value() {
    let src = LOGTO.replacen("call: logto.getapplication", "call: logto.nosuchop", 1);
    assert_ne!(src, LOGTO);
    let c = compile(&src);
    assert!(c.diagnostics.has_errors());
    assert!(c.ir.is_none());
    let errors: Vec<&Diagnostic> = c.diagnostics.iter_errors().collect();
    assert_eq!(errors.len(), 1, "{}", dump(&c));
    let expected = pos_of(&src, "logto.nosuchop");
    assert_error(
        errors[0],
        Code::UnknownCall,
        expected,
        "`call: logto.nosuchop` names an unknown operation `nosuchop` of `logto`",
    );
    // And the position is where a reader finds it.
    let line = src.lines().nth(expected.line as usize - 1).unwrap();
    let at: String = line.chars().skip(expected.col as usize - 1).collect();
    assert_eq!(at, "logto.nosuchop");
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------------------------

#[test]
fn render_shows_file_line_col_severity_message_and_a_caret() {
    let src = BASE.replacen("naftiko: 1.0.0-alpha2", "naftiko: 1.0.0-alpha1", 1);
    let d = sole(&src);
    let r = d.render("spec.yaml", Some(&src));
    assert!(
        r.starts_with(
            "spec.yaml:1:10: error: unsupported format version `1.0.0-alpha1`: this compiler reads `naftiko: 1.0.0-alpha2`"
        ),
        "{r}"
    );
    assert_eq!(
        r,
        concat!(
            "spec.yaml:1:10: error: unsupported format version `1.0.0-alpha1`: this compiler reads `naftiko: 1.0.0-alpha2`\n",
            "  |\n",
            "1 | naftiko: 1.0.0-alpha1\n",
            "  |          ^",
        )
    );
    // Without the source, one line.
    assert_eq!(
        d.render("spec.yaml", None),
        "spec.yaml:1:10: error: unsupported format version `1.0.0-alpha1`: this compiler reads `naftiko: 1.0.0-alpha2`"
    );

    // A two-digit line: the caret still stands under the value.
    let src = replace_line(BASE, REST_CALL, &["              call: nope.getitem"]);
    let d = sole(&src);
    let r = d.render("spec.yaml", Some(&src));
    assert!(
        r.starts_with(&format!("spec.yaml:35:21: error: {}\n", d.message)),
        "{r}"
    );
    let lines: Vec<&str> = r.lines().collect();
    assert_eq!(lines.len(), 4, "{r}");
    assert_eq!(lines[2], "35 |               call: nope.getitem");
    assert_eq!(lines[3].find('^'), lines[2].find("nope.getitem"), "{r}");

    // Warnings render as warnings.
    let src = replace_line(BASE, "              inputParameters:", &[]);
    let src = replace_line(&src, "                - name: id", &[]);
    let src = replace_line(&src, CONSUMED_PATH_PARAM_IN, &[]);
    let d = sole(&src);
    assert!(
        d.render("spec.yaml", Some(&src))
            .starts_with(&format!("spec.yaml:17:21: warning: {}", d.message)),
    );
}

// ---------------------------------------------------------------------------------------------------------------
// A consumed API's own `inputParameters`: fixed headers and query parameters
// ---------------------------------------------------------------------------------------------------------------

/// BASE with the API-level parameters `lines` (and the bound variable `VERSION`).
fn with_api_params(lines: &[&str]) -> String {
    let mut new = vec!["      inputParameters:"];
    new.extend_from_slice(lines);
    let src = insert_after(BASE, "      baseUri: https://[tenant].example.com", &new);
    insert_after(
        &src,
        "        TOKEN: TOKEN",
        &["        VERSION: API_VERSION"],
    )
}

#[test]
fn api_level_parameters_are_fixed_headers_and_query_parameters() {
    let src = with_api_params(&[
        "        - name: Api-Version",
        "          in: header",
        "          value: '{{VERSION}}'",
        "        - name: locale",
        "          in: query",
        "          value: fr",
        "          type: string",
        "          description: Always French.",
    ]);
    let c = compile(&src);
    assert!(c.diagnostics.is_empty(), "{}", dump(&c));
    let api = c.ir.unwrap().apis.remove(0);
    let params: Vec<(KeyPlacement, &str, &ValueSource, &str)> = api
        .params
        .iter()
        .map(|p| {
            (
                p.placement,
                p.name.as_str(),
                &p.value.value,
                p.value.const_ident.as_str(),
            )
        })
        .collect();
    assert_eq!(
        params,
        [
            (
                KeyPlacement::Header,
                "Api-Version",
                &ValueSource::Bound("VERSION".into()),
                "API_API_VERSION_VAR"
            ),
            (
                KeyPlacement::Query,
                "locale",
                &ValueSource::Literal("fr".into()),
                "API_LOCALE"
            ),
        ]
    );
    assert_eq!(api.idents.params_fn.as_deref(), Some("api_params"));
}

#[test]
fn api_level_parameter_problems_are_reported_together() {
    let src = with_api_params(&[
        "        - name: Bad Header",
        "          in: header",
        "          value: x",
        "        - name: X-Version",
        "          in: header",
        "          value: v1",
        "        - name: x-version",
        "          in: header",
        "          value: v2",
        "        - name: tenant",
        "          in: path",
        "          value: t",
        "        - name: Accept",
        "          in: header",
        "        - name: Locale",
        "          in: query",
        "          value: [a, b]",
        "        - name: Unbound",
        "          in: header",
        "          value: '{{NOPE}}'",
    ]);
    let c = compile(&src);
    let got: Vec<(Code, Pos, String)> = c
        .diagnostics
        .sorted()
        .into_iter()
        .map(|d| (d.code, d.pos, d.message))
        .collect();
    let at = |needle: &str| pos_of(&src, needle);
    let first = got
        .iter()
        .map(|(code, pos, message)| format!("{code:?} {pos} {message}"))
        .collect::<Vec<_>>()
        .join("\n");
    let expected = [
        (
            Code::InvalidValue,
            at("Bad Header"),
            "parameter header `Bad Header` is not a header name (letters, digits and any of !#$%&'*+-.^_`|~)",
        ),
        (
            Code::DuplicateName,
            at("x-version"),
            "header `x-version` is given twice (first as `X-Version`) (header names ignore case)",
        ),
        (
            Code::Unsupported,
            pos_in(&src, "in: path\n          value: t", "path"),
            "not supported yet: API-level `in: path` parameters (`header` and `query` are implemented)",
        ),
        (
            Code::Unsupported,
            at("Accept"),
            "not supported yet: API-level parameter `Accept` without a `value` (one every operation's caller would give)",
        ),
        (
            Code::InvalidValue,
            at("[a, b]"),
            "the value of parameter `Locale` is a string, not a list or a mapping",
        ),
    ];
    for (code, pos, message) in expected {
        assert!(
            got.iter()
                .any(|(c, p, m)| (*c, *p, m.as_str()) == (code, pos, message)),
            "missing {code:?} {pos} {message}\n--- got ---\n{first}"
        );
    }
    // The unbound variable is reported where it is used, as for authentication.
    assert!(
        got.iter()
            .any(|(_, p, m)| *p == at("'{{NOPE}}'") && m.contains("NOPE")),
        "{first}"
    );
    assert_eq!(got.len(), 6, "{first}");
}

#[test]
fn an_exposures_authentication_is_read_like_a_consumed_apis() {
    let src = insert_after(
        BASE,
        "      namespace: api-mcp",
        &[
            "      authentication:",
            "        type: bearer",
            "        token: '{{TOKEN}}'",
        ],
    );
    let c = compile(&src);
    assert!(c.diagnostics.is_empty(), "{}", dump(&c));
    let mcp = c.ir.unwrap().mcp.remove(0);
    assert!(
        matches!(mcp.inbound, Auth::Bearer { .. }),
        "{:?}",
        mcp.inbound
    );
    assert_eq!(mcp.idents.auth_fn.as_deref(), Some("api_mcp_auth"));

    // An API key in the query would be read by the adapter's routes as one of their own parameters.
    let src = insert_after(
        BASE,
        "      namespace: api-mcp",
        &[
            "      authentication:",
            "        type: apikey",
            "        in: query",
            "        name: key",
            "        value: '{{TOKEN}}'",
        ],
    );
    assert_unsupported(
        &src,
        pos_in(&src, "name: key\n        value: '{{TOKEN}}'", "'{{TOKEN}}'"),
        "an exposure's API key in the query (`key`; a header is implemented)",
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Ikanos 1.0.0-beta4 documents: the same rules, positions in the Ikanos text
// ---------------------------------------------------------------------------------------------------------------

/// [`BASE`] as an Ikanos 1.0.0-beta4 document: named items keyed by name, `display` for `label`.
const IKANOS_BASE: &str = r"ikanos: 1.0.0-beta4
info:
  display: Mini
  description: A minimal spec.
  version: 1.2.0
capability:
  consumes:
    - type: http
      namespace: api
      baseUri: https://[tenant].example.com
      authentication:
        type: bearer
        token: '{{TOKEN}}'
      resources:
        items:
          path: /items/{id}
          tags: [items]
          operations:
            getitem:
              method: GET
              inputParameters:
                id:
                  in: path
              outputParameters:
                result:
                  type: object
                  value: $.
  exposes:
    - type: rest
      port: 8080
      namespace: api-rest
      resources:
        items:
          path: /items/{id}
          operations:
            getitem:
              method: GET
              display: Get an item
              call: api.getitem
              outputParameters:
                - type: object
                  mapping: $.
    - type: mcp
      port: 9090
      namespace: api-mcp
      tools:
        getitem:
          description: Get an item
          display: Get an item
          call: api.getitem
  binds:
    - namespace: env
      keys:
        TOKEN: TOKEN
";

const IKANOS_TOOL_DESCRIPTION: &str = "          description: Get an item";

#[test]
fn ikanos_base_spec_compiles_like_its_naftiko_twin() {
    let c = compile(IKANOS_BASE);
    assert!(c.diagnostics.is_empty(), "{}", dump(&c));
    let (ikanos, naftiko) = (c.ir.unwrap(), compile(BASE).ir.unwrap());
    assert_eq!(ikanos.apis[0].operations[0].name, "getitem");
    assert_eq!(ikanos.mcp[0].tools[0].name, "getitem");
    assert_eq!(ikanos.mcp[0].tools[0].title.as_deref(), Some("Get an item"));
    assert_eq!(ikanos.label, naftiko.label);
}

#[test]
fn ikanos_keyed_item_stands_where_its_key_does() {
    // A keyed tool without `call`: reported at the tool's key.
    let src = IKANOS_BASE.replacen("          call: api.getitem\n  binds:", "  binds:", 1);
    assert_error(
        &sole(&src),
        Code::MissingField,
        pos_of(&src, "getitem:\n          description"),
        "missing required field `call` in MCP tool",
    );

    // A keyed consumed operation given twice (the parser passes repeated keys): the second key, the first's position.
    let src = insert_after(
        IKANOS_BASE,
        "                  value: $.",
        &["            getitem:", "              method: POST"],
    );
    let first = pos_in(
        &src,
        "            getitem:\n              method: GET\n              inputParameters:",
        "getitem",
    );
    let (_, d) = one_with(&src, Code::DuplicateName);
    assert_error(
        &d,
        Code::DuplicateName,
        pos_in(
            &src,
            "            getitem:\n              method: POST",
            "getitem",
        ),
        &format!("operation `api.getitem` is declared twice (first at {first})"),
    );

    // A `with` key inside keyed maps points at the key.
    let src = insert_after(
        IKANOS_BASE,
        "          call: api.getitem",
        &["          with:", "            nope: x"],
    );
    let (_, d) = one_with(&src, Code::UnknownWithKey);
    assert_eq!(d.pos, pos_of(&src, "nope: x"));
}

#[test]
fn ikanos_keys_of_the_other_format_are_unknown() {
    // `name` inside a keyed entry: the key names it.
    let src = insert_after(
        IKANOS_BASE,
        IKANOS_TOOL_DESCRIPTION,
        &["          name: getitem"],
    );
    assert_error(
        &sole(&src),
        Code::UnknownField,
        pos_of(&src, "name: getitem"),
        "unknown field `name` in MCP tool; expected one of: display, tags, description, inputParameters, ref, call, \
         with, steps, mappings, hints, outputParameters",
    );
    // `label` is Naftiko's `display`; in `info`, an unknown key is a warning.
    let src = IKANOS_BASE.replacen("  display: Mini", "  display: Mini\n  label: Mini", 1);
    let d = sole(&src);
    assert_diag(
        &d,
        Severity::Warning,
        Code::UnknownField,
        Pos::new(4, 3),
        "unknown field `label` in info is ignored; it has: display, version, description, tags, created, \
         modified, stakeholders",
    );
    let src = IKANOS_BASE.replacen("  display: Mini\n", "", 1);
    assert_error(
        &sole(&src),
        Code::MissingField,
        Pos::new(3, 3),
        "missing required field `display` in info",
    );
    // And the reverse: `display` in a Naftiko document.
    let src = insert_after(BASE, TOOL_NAME, &["          display: Get an item"]);
    let (_, d) = one_with(&src, Code::UnknownField);
    assert_eq!(d.pos, pos_of(&src, "display: Get an item"));
    assert!(
        d.message
            .starts_with("unknown field `display` in MCP tool; expected one of: name, label,")
    );
}

#[test]
fn ikanos_shapes_of_the_other_format_are_wrong_shapes() {
    // A list of named tools in an Ikanos document.
    let src = IKANOS_BASE.replacen(
        "        getitem:\n          description: Get an item",
        "        - name: getitem\n          description: Get an item",
        1,
    );
    let d = sole(&src);
    assert_eq!(
        (d.code, d.pos),
        (Code::Syntax, pos_of(&src, "- name: getitem"))
    );
    assert_eq!(
        d.message,
        "malformed spec: expected MCP tools keyed by name, found a list (a list of named items is Naftiko's form; \
         Ikanos keys them by name)"
    );
    // Tools keyed by name in a Naftiko document.
    let src = BASE.replacen(
        "        - name: getitem\n          description: Get an item",
        "        getitem:\n          description: Get an item",
        1,
    );
    let d = sole(&src);
    assert_eq!((d.code, d.pos), (Code::Syntax, pos_of(&src, "getitem:\n")));
    assert_eq!(
        d.message,
        "malformed spec: expected a list of MCP tools, found a mapping (items keyed by name are Ikanos' form; this \
         document is `naftiko: 1.0.0-alpha2`)"
    );
}

#[test]
fn ikanos_version_other_than_beta4_points_at_the_value() {
    let src = IKANOS_BASE.replacen("ikanos: 1.0.0-beta4", "ikanos: 1.0.0-beta2", 1);
    assert_error(
        &sole(&src),
        Code::Version,
        Pos::new(1, 9),
        "unsupported format version `1.0.0-beta2`: this compiler reads `ikanos: 1.0.0-beta4`",
    );
    // The other format's version key is not a key of an Ikanos document.
    let src = IKANOS_BASE.replacen("info:", "naftiko: 1.0.0-alpha2\ninfo:", 1);
    let (_, d) = one_with(&src, Code::UnknownField);
    assert_eq!(d.pos, Pos::new(2, 1));
}

#[test]
fn ikanos_features_not_implemented_are_reported_where_they_stand() {
    // A `from`-style import of a consumed API is read as Naftiko's `location`: here, a file that is not there.
    let src = IKANOS_BASE.replacen(
        "  consumes:\n",
        "  consumes:\n    - import: shared\n      from: ./no-such-shared.yml\n",
        1,
    );
    let (_, d) = one_with(&src, Code::Import);
    assert_eq!(d.pos, pos_of(&src, "./no-such-shared.yml"));
    assert!(
        d.message.starts_with("cannot read `./no-such-shared.yml`"),
        "{}",
        d.message
    );
    // A `from`-style import of a binding and of an exposure is not supported yet.
    let src = IKANOS_BASE.replacen(
        "  binds:\n",
        "  binds:\n    - from: ./binds.yml\n      import: env2\n",
        1,
    );
    assert_unsupported(
        &src,
        pos_of(&src, "from: ./binds.yml"),
        "imported binds (`from`/`import`)",
    );
    let src = IKANOS_BASE.replacen(
        "  exposes:\n",
        "  exposes:\n    - from: ./exposes.yml\n      import: more\n",
        1,
    );
    assert_unsupported(
        &src,
        pos_of(&src, "from: ./exposes.yml"),
        "imported exposes (`from`/`import`)",
    );
    // Keys Ikanos adds, each inserted before a line of the base.
    for (before, key, feature) in [
        (
            "      authentication:",
            "      tunnel: {type: ziti, service: api}",
            "`tunnel` (reverse-tunnel transport)",
        ),
        (
            "              display: Get an item",
            "              responses: {'200': {description: OK}}",
            "`responses` (response contracts)",
        ),
        (
            "              inputParameters:",
            "              outputMediaType: application/json",
            "`outputMediaType`",
        ),
        (
            "      namespace: api-mcp",
            "      ttlMs: 1000",
            "`ttlMs` (MCP caching hints)",
        ),
    ] {
        let src = replace_line(IKANOS_BASE, before, &[key, before]);
        assert_unsupported(&src, pos_of(&src, key.trim_start()), feature);
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Request body templates
// ---------------------------------------------------------------------------------------------------------------

/// BASE with its consumed operation a POST whose `body` is `lines`.
fn with_body(lines: &[&str]) -> String {
    let mut new = vec!["              method: POST", "              body:"];
    new.extend_from_slice(lines);
    replace_line(BASE, CONSUMED_METHOD, &new)
}

#[test]
fn a_body_template_names_the_values_it_takes() {
    let src = with_body(&[
        r#"                '{"name": "{{tools.name}}", "tags": {{tags}}, "again": "{{name}}"}'"#,
    ]);
    // The REST operation maps the values to its path input; the MCP tool takes each as an argument.
    let mapped = insert_after(
        &src,
        REST_CALL,
        &[
            "              with:",
            "                name: rest.id",
            "                tags: rest.id",
        ],
    );
    let c = compile(&mapped);
    assert!(c.ir.is_some(), "{}", dump(&c));
    let op = &c.ir.as_ref().unwrap().apis[0].operations[0];
    let names: Vec<&str> = op.body_params.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["name", "tags"]);
    assert!(
        !op.body,
        "a templated operation does not forward the caller's body"
    );
    let t = op.template.as_ref().unwrap();
    assert_eq!(t.content_type, "application/json");
    let tool = &c.ir.as_ref().unwrap().mcp[0].tools[0];
    assert!(tool.call.inputs.iter().any(|i| i.name == "tags"));
    // Without `with:`, the REST operation, which has no input of those names, cannot supply them: one error each.
    let c = compile(&src);
    let unsupplied: Vec<String> = c
        .diagnostics
        .sorted()
        .into_iter()
        .filter(|d| d.code == Code::UnsuppliedPathParam)
        .map(|d| d.message)
        .collect();
    assert_eq!(unsupplied.len(), 2, "{}", dump(&c));
    assert!(
        unsupplied[0].starts_with("`{{name}}` of the body of `api.getitem` is not supplied"),
        "{}",
        unsupplied[0]
    );
}

#[test]
fn body_template_problems_are_errors_at_the_body() {
    let cases: &[(&[&str], &str)] = &[
        (
            &[r#"                '{"name": "{{name"}'"#],
            "the body template of `api.getitem` is malformed: a `{{` is not closed",
        ),
        (
            &[r#"                '{"name": {{name}} }}'"#],
            "the body template of `api.getitem` is not JSON once its values are filled in",
        ),
        (
            &["                type: yaml", "                data: x"],
            "request body type `yaml` is not one of json, text, xml, sparql, formUrlEncoded, multipartForm",
        ),
        (
            &[
                "                type: formUrlEncoded",
                "                data:",
                "                  count: 3",
            ],
            "form field `count` is a string, not 3",
        ),
        (
            &[
                "                type: multipartForm",
                "                data: []",
            ],
            "not supported yet: `multipartForm` request bodies",
        ),
        (
            &[r#"                '{"token": "{{TOKEN}}"}'"#],
            "not supported yet: bound values in a request body (`{{TOKEN}}` in the body of `api.getitem`)",
        ),
        (
            &[r#"                '{"items": [{{#items}}1{{/items}}]}'"#],
            "not supported yet: Mustache `{{#…}}` tags in the body of `api.getitem` (only `{{name}}` values)",
        ),
    ];
    for (lines, message) in cases {
        let src = with_body(lines);
        let c = compile(&src);
        let all = c.diagnostics.sorted();
        assert!(
            all.iter()
                .any(|d| d.severity == Severity::Error && d.message.starts_with(message)),
            "missing {message:?}\n{}",
            dump(&c)
        );
    }
    // A GET sends no body.
    let src = insert_after(BASE, CONSUMED_METHOD, &["              body: '{}'"]);
    let (_, d) = one_with(&src, Code::InvalidValue);
    assert_eq!(d.pos, pos_of(&src, "body: '{}'"));
    assert_eq!(
        d.message,
        "`api.getitem` is a GET request, which sends no body (POST, PUT and PATCH do)"
    );
}

#[test]
fn a_body_input_reads_one_value_of_the_body() {
    let body_input = |value: &str| {
        insert_after(
            BASE,
            REST_CALL,
            &[
                "              inputParameters:",
                "                - name: note",
                "                  in: body",
                value,
            ],
        )
    };
    let src = body_input("                  value: $.items[*].note");
    let (_, d) = one_with(&src, Code::InvalidValue);
    assert_eq!(d.pos, pos_of(&src, "$.items[*].note"));
    assert_eq!(
        d.message,
        "body input `note` reads one value of the body: `$.items[*].note` selects several"
    );
    let src = body_input("                  value: $.");
    let (_, d) = one_with(&src, Code::InvalidValue);
    assert!(
        d.message.ends_with("`$.` is the whole body"),
        "{}",
        d.message
    );
    // Without `value`, `$.note`.
    let src = body_input("                  description: A note.");
    let c = compile(&src);
    let op = &c.ir.as_ref().unwrap().rest[0].routes[0].operations[0];
    let note = op.call.inputs.iter().find(|i| i.name == "note").unwrap();
    assert_eq!(note.location, InputLocation::Body);
    assert_eq!(note.body_path, [PathStep::Key("note".into())]);
}

#[test]
fn a_consumed_parameters_value_binds_it_when_a_call_does_not() {
    let with_value = |value: &str| {
        insert_after(
            BASE,
            CONSUMED_PATH_PARAM_IN,
            &[
                "                - name: mode",
                "                  in: query",
                value,
            ],
        )
    };
    let binding = |src: &str| {
        let c = compile(src);
        assert!(c.ir.is_some(), "{}", dump(&c));
        let tool = c.ir.unwrap().mcp.remove(0).tools.remove(0);
        let b = tool.call.args.iter().find(|a| a.param == "mode").cloned();
        (
            b.map(|b| b.source),
            tool.call
                .inputs
                .iter()
                .map(|i| i.name.clone())
                .collect::<Vec<_>>(),
        )
    };
    assert_eq!(
        binding(&with_value("                  value: full")).0,
        Some(ArgSource::Literal("full".into()))
    );
    assert_eq!(
        binding(&with_value("                  value: '{{TOKEN}}'")).0,
        Some(ArgSource::Bound("TOKEN".into()))
    );
    // `{{level}}` is the caller's input `level`, which the MCP tool adds (the REST operation, which has none, maps
    // the parameter itself).
    let src = with_value("                  value: '{{tools.level}}'");
    let src = insert_after(
        &src,
        REST_CALL,
        &["              with:", "                mode: fast"],
    );
    let (source, inputs) = binding(&src);
    assert_eq!(source, Some(ArgSource::Input("level".into())));
    assert!(inputs.contains(&"level".to_owned()), "{inputs:?}");

    let src = with_value("                  value: 'mode-{{level}}'");
    let (_, d) = one_with(&src, Code::Unsupported);
    assert_eq!(d.pos, pos_of(&src, "'mode-{{level}}'"));
}

#[test]
fn an_in_body_parameter_names_the_forwarded_body() {
    let body_param = [
        "                - name: body",
        "                  in: body",
        "                  type: object",
        "                  description: Request body (JSON).",
    ];
    // On a POST: the caller's JSON body is forwarded, as without it.
    let src = replace_line(BASE, CONSUMED_METHOD, &["              method: POST"]);
    let src = insert_after(&src, CONSUMED_PATH_PARAM_IN, &body_param);
    let c = compile(&src);
    assert!(c.ir.is_some(), "{}", dump(&c));
    assert!(c.ir.unwrap().apis[0].operations[0].body);
    // On a GET: an error at its `in`.
    let src = insert_after(BASE, CONSUMED_PATH_PARAM_IN, &body_param);
    let (_, d) = one_with(&src, Code::InvalidValue);
    assert_eq!(d.pos, pos_in(&src, "in: body", "body"));
    assert_eq!(
        d.message,
        "an `in: body` parameter of a GET request, which sends no body (POST, PUT and PATCH do)"
    );
}

#[test]
fn a_tool_answered_without_a_call_is_a_mock_tool_not_supported_yet() {
    let src = replace_line(
        BASE,
        TOOL_CALL,
        &[
            "          outputParameters:",
            "            - name: id",
            "              type: string",
            "              value: '{{id}}'",
        ],
    );
    let (_, d) = one_with(&src, Code::Unsupported);
    assert_eq!(
        d.pos,
        pos_in(
            &src,
            "outputParameters:\n            - name: id",
            "outputParameters"
        )
    );
    assert_eq!(
        d.message,
        "not supported yet: mock tools (`outputParameters` answered without a `call`)"
    );
}
