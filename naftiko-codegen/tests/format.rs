//! What the Naftiko format allows, read as real specs write it: `binds` at the document's root, no `info`, an
//! exposure's `address`, a consumed path without its leading `/`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use naftiko_codegen::{Code, Config, Severity, compile};

const SPEC: &str = r#"naftiko: 1.0.0-alpha2
binds:
  - namespace: env
    keys:
      NOTES_TOKEN: NOTES_TOKEN
capability:
  consumes:
    - type: http
      namespace: notes
      baseUri: https://notes.example
      authentication:
        type: bearer
        token: '{{NOTES_TOKEN}}'
      resources:
        - name: note
          path: v1/notes/{noteId}
          operations:
            - name: getnote
              method: GET
  exposes:
    - type: rest
      address: localhost
      port: 8080
      namespace: notes-rest
      resources:
        - path: /notes/{noteId}
          operations:
            - method: GET
              name: getnote
              call: notes.getnote
    - type: mcp
      address: 0.0.0.0
      port: 9090
      namespace: notes-mcp
      tools:
        - name: getnote
          description: Get a note.
          call: notes.getnote
"#;

#[test]
fn root_binds_no_info_an_address_and_a_relative_consumed_path_are_read() {
    let c = compile(SPEC);
    assert!(
        !c.diagnostics.has_errors(),
        "{}",
        c.diagnostics.render("spec.yaml", Some(SPEC))
    );
    let cap = c.ir.unwrap();
    // Without `info`, the capability is called after what it consumes.
    assert_eq!(cap.label, "notes");
    assert_eq!(cap.binds[0].var, "NOTES_TOKEN");
    assert_eq!(
        cap.apis[0].operations[0].path.template,
        "/v1/notes/{noteId}"
    );
    assert_eq!(cap.rest[0].address.as_deref(), Some("localhost"));
    assert_eq!(cap.mcp[0].address.as_deref(), Some("0.0.0.0"));

    let out = Config::new("spec.yaml").generate_from_source(SPEC).unwrap();
    let file = |n: &str| &out.files.iter().find(|f| f.name == n).unwrap().contents;
    assert!(
        file("rest.rs")
            .contains(r#"pub const NOTES_REST_ADDRESS: Option<&str> = Some("localhost");"#)
    );
    assert!(
        file("mcp.rs").contains(r#"pub const NOTES_MCP_ADDRESS: Option<&str> = Some("0.0.0.0");"#)
    );
    assert!(file("client.rs").contains(r#"path.push_str("/v1/notes/");"#));
}

#[test]
fn an_address_that_is_not_a_host_is_an_error_at_its_position() {
    let src = SPEC.replace("address: localhost", "address: 'local host/x'");
    let c = compile(&src);
    let e = c.diagnostics.iter_errors().next().expect("an error");
    assert_eq!(
        (e.code, e.pos.line, e.pos.col),
        (Code::InvalidValue, 22, 16)
    );
    assert_eq!(
        e.message,
        "address `local host/x` is not a host name or an IP address"
    );
    assert_eq!(e.severity, Severity::Error);
}

#[test]
fn mustache_references_name_inputs_or_bound_values_and_env_binds_from_the_environment() {
    use naftiko_codegen::ir::ArgSource;
    let src = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/format/spec.yaml"
    ))
    .unwrap();
    let c = compile(&src);
    assert!(
        c.diagnostics.is_empty(),
        "{}",
        c.diagnostics.render("spec.yaml", Some(&src))
    );
    let cap = c.ir.unwrap();
    // `{{imo}}` in a tool's `with:` is its input `imo`; `{{rest.imo}}` the REST operation's.
    let tool = &cap.mcp[0].tools[0];
    assert_eq!(tool.call.args[0].source, ArgSource::Input("imo".into()));
    let rest = &cap.rest[0].routes[0].operations[0];
    assert_eq!(rest.call.args[0].source, ArgSource::Input("imo".into()));
    // `{{env.FLEET_NAME}}`, declared by no `binds` entry, is read from the environment.
    assert_eq!(
        rest.call.args[1].source,
        ArgSource::Bound("FLEET_NAME".into())
    );
    let fleet = cap.bound("FLEET_NAME").unwrap();
    assert_eq!(
        (
            fleet.namespace.as_str(),
            fleet.key.as_str(),
            fleet.location.as_deref()
        ),
        ("env", "FLEET_NAME", None)
    );
    // A binding's `location` file, read at start-up.
    let token = cap.bound("REGISTRY_TOKEN").unwrap();
    assert_eq!(token.location.as_deref(), Some("./shared/secrets.yaml"));
}

#[test]
fn a_location_other_than_a_file_is_not_supported_yet_and_a_wrong_namespace_is_named() {
    let src = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/format/spec.yaml"
    ))
    .unwrap();
    let vault = src.replace("file:///./shared/secrets.yaml", "vault://kv/registry");
    let c = compile(&vault);
    let e = c.diagnostics.iter_errors().next().unwrap();
    assert_eq!((e.code, e.pos.line, e.pos.col), (Code::Unsupported, 7, 15));
    assert!(
        e.message
            .contains("binding `location` `vault://` (only `file://` is read)"),
        "{}",
        e.message
    );
    let wrong = src.replace("'{{env.FLEET_NAME}}'", "'{{env.REGISTRY_TOKEN}}'");
    let c = compile(&wrong);
    let e = c.diagnostics.iter_errors().next().unwrap();
    assert_eq!(
        e.message,
        "`{{env.REGISTRY_TOKEN}}`: `REGISTRY_TOKEN` is bound in namespace `registry-env`, not `env`"
    );
}

/// Spec bugs say what is wrong and where, without errors that only follow from them.
#[test]
fn an_empty_base_uri_and_names_that_differ_in_case_are_named_as_such() {
    let src = SPEC
        .replace("baseUri: https://notes.example", "baseUri: ''")
        .replace(
            "          path: v1/notes/{noteId}\n          operations:\n            - name: getnote\n              method: GET\n",
            "          path: v1/notes/{noteId}\n          operations:\n            - name: getnote\n              method: GET\n              inputParameters:\n                - name: NoteId\n                  in: path\n",
        );
    let c = compile(&src);
    let errors: Vec<String> = c
        .diagnostics
        .iter_errors()
        .map(|d| format!("{}:{} {}", d.pos.line, d.pos.col, d.message))
        .collect();
    assert_eq!(
        errors,
        [
            "10:16 baseUri is empty: give the API's `https://` or `http://` URL",
            "21:25 path parameter `NoteId` does not appear in the path `/v1/notes/{noteId}`: the path has `{noteId}`, which differs in case (names are case-sensitive)",
        ],
        "{}",
        c.diagnostics.render("spec.yaml", Some(&src))
    );
}
