//! The Logto spec compiles with no error and exactly the expected warnings: one per inferred path parameter, and one
//! per dialect repair of a `with:` entry.

use naftiko_codegen::{Code, compile};

const SPEC: &str = include_str!("../../spec/logto.naftiko.yaml");

/// Every `(operation, parameter)` whose `{parameter}` stands in the consumed path without an `in: path` declaration.
const INFERRED: &[(&str, &str)] = &[
    ("getapplication", "id"),
    ("updateapplication", "id"),
    ("deleteapplication", "id"),
    ("updateapplicationcustomdata", "applicationId"),
    ("listapplicationroles", "applicationId"),
    ("assignapplicationroles", "applicationId"),
    ("replaceapplicationroles", "applicationId"),
    ("deleteapplicationrole", "applicationId"),
    ("deleteapplicationrole", "roleId"),
    ("listapplicationprotectedappmetadatacustomdomains", "id"),
    ("createapplicationprotectedappmetadatacustomdomai", "id"),
    ("deleteapplicationprotectedappmetadatacustomdomai", "id"),
    ("listapplicationorganizations", "id"),
    ("deleteapplicationlegacysecret", "id"),
    ("listapplicationsecrets", "id"),
    ("createapplicationsecret", "id"),
    ("deleteapplicationsecret", "id"),
    ("updateapplicationsecret", "id"),
    ("createapplicationuserconsentscope", "applicationId"),
    ("listapplicationuserconsentscopes", "applicationId"),
    ("deleteapplicationuserconsentscope", "applicationId"),
    ("deleteapplicationuserconsentscope", "scopeId"),
    ("replaceapplicationsigninexperience", "applicationId"),
    ("getapplicationsigninexperience", "applicationId"),
    ("listapplicationuserconsentorganizations", "id"),
    ("listapplicationuserconsentorganizations", "userId"),
    ("replaceapplicationuserconsentorganizations", "id"),
    ("replaceapplicationuserconsentorganizations", "userId"),
    ("createapplicationuserconsentorganization", "id"),
    ("createapplicationuserconsentorganization", "userId"),
    ("deleteapplicationuserconsentorganization", "id"),
    ("deleteapplicationuserconsentorganization", "userId"),
    ("deleteapplicationuserconsentorganization", "organizationId"),
    ("deleteoidckey", "keyId"),
    ("getconnector", "id"),
    ("updateconnector", "id"),
    ("deleteconnector", "id"),
    ("createconnectortest", "factoryId"),
    ("createconnectorauthorizationuri", "connectorId"),
    ("getconnectorfactory", "id"),
    ("getresource", "id"),
    ("updateresource", "id"),
    ("deleteresource", "id"),
    ("updateresourceisdefault", "id"),
    ("listresourcescopes", "resourceId"),
    ("createresourcescope", "resourceId"),
];

#[test]
fn logto_spec_compiles_without_errors() {
    let c = compile(SPEC);
    let errors: Vec<_> = c.diagnostics.iter_errors().collect();
    assert!(errors.is_empty(), "unexpected errors: {errors:#?}");
    let ir = c.ir.expect("IR of an error-free spec");
    assert_eq!(ir.apis.len(), 1);
    assert_eq!(ir.apis[0].operations.len(), 60);
    assert_eq!(ir.rest.len(), 1);
    assert_eq!(
        ir.rest[0]
            .routes
            .iter()
            .map(|r| r.operations.len())
            .sum::<usize>(),
        60
    );
    assert_eq!(ir.mcp.len(), 1);
    assert_eq!(ir.mcp[0].tools.len(), 60);
}

#[test]
fn logto_spec_warns_exactly_for_inferred_path_parameters() {
    let c = compile(SPEC);
    let mut got: Vec<(String, String)> = c
        .diagnostics
        .iter_warnings()
        .filter(|d| d.code == Code::InferredPathParam)
        .map(|d| {
            // "path parameter `P` of `logto.OP` is not declared; …"
            let mut ticks = d.message.split('`').skip(1).step_by(2);
            let param = ticks.next().unwrap_or_default().to_owned();
            let op = ticks
                .next()
                .unwrap_or_default()
                .trim_start_matches("logto.")
                .to_owned();
            (op, param)
        })
        .collect();
    let mut want: Vec<(String, String)> = INFERRED
        .iter()
        .map(|(o, p)| (o.to_string(), p.to_string()))
        .collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);
    assert_eq!(got.len(), 46);
}

#[test]
fn logto_spec_dialect_repairs_are_reported_where_they_happen() {
    let c = compile(SPEC);
    let dialect: Vec<(u32, u32, &str)> = c
        .diagnostics
        .sorted()
        .iter()
        .filter(|d| d.code == Code::Dialect)
        .map(|d| {
            (
                d.pos.line,
                d.pos.col,
                if d.message.contains("rest.name") {
                    "rest"
                } else {
                    "tools"
                },
            )
        })
        .collect();
    assert_eq!(
        dialect,
        vec![
            (943, 15, "rest"),
            (955, 15, "rest"),
            (1630, 11, "tools"),
            (1647, 11, "tools")
        ]
    );
    // Those are the only other warnings.
    assert_eq!(c.diagnostics.iter_warnings().count(), 46 + 4);
}

#[test]
fn logto_spec_with_binding_repair_maps_the_secret_name() {
    let ir = compile(SPEC).ir.unwrap();
    let route = ir.rest[0]
        .routes
        .iter()
        .find(|r| r.path.template == "/api/applications/{id}/secrets/{name}")
        .unwrap();
    for op in &route.operations {
        assert!(
            op.call.args.iter().any(|a| a.param == "name"
                && a.source == naftiko_codegen::ir::ArgSource::Input("name".into())),
            "{}: {:?}",
            op.name,
            op.call.args
        );
    }
}
