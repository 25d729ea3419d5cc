//! The models generated from Logto's OpenAPI document read what Logto sends, including what a later Logto may add,
//! and refuse requests Logto would refuse.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use logto_gateway::generated::client::types::{
    Application, ApplicationType, CreateApplicationRequest, CreateApplicationRequestType,
};
use serde_json::json;

/// An application as Logto 1.37.1 answers `GET /api/applications/{id}`.
fn application() -> serde_json::Value {
    json!({
        "tenantId": "default", "id": "xidsvf58r2llq0naxz10p", "name": "billing", "secret": "#internal:…",
        "description": null, "type": "MachineToMachine",
        "oidcClientMetadata": {"redirectUris": ["https://example.com/callback"], "postLogoutRedirectUris": []},
        "customClientMetadata": {}, "protectedAppMetadata": null, "customData": {}, "isThirdParty": false,
        "createdAt": 1796196681139_u64, "isAdmin": false
    })
}

#[test]
fn a_logto_application_reads_into_its_model() {
    let app: Application = serde_json::from_value(application()).unwrap();
    assert_eq!(app.name, "billing");
    assert_eq!(app.type_, ApplicationType::MachineToMachine);
    assert_eq!(app.description, None);
    assert_eq!(app.type_.to_string(), "MachineToMachine");
}

#[test]
fn fields_and_enum_values_a_later_logto_adds_do_not_break_a_read() {
    let mut later = application();
    later["type"] = json!("Quantum");
    later["bornAt"] = json!({"planet": "Mars"});
    let app: Application = serde_json::from_value(later).unwrap();
    assert_eq!(app.type_, ApplicationType::Other("Quantum".into()));
    assert_eq!(app.type_.as_str(), "Quantum");
    // Written back as it came.
    assert_eq!(
        serde_json::to_value(&app).unwrap()["type"],
        json!("Quantum")
    );
    assert_eq!(ApplicationType::from("SPA"), ApplicationType::Spa);
}

#[test]
fn a_request_refuses_what_logto_would_refuse() {
    let ok: CreateApplicationRequest =
        serde_json::from_value(json!({"name": "billing", "type": "MachineToMachine"})).unwrap();
    assert_eq!(ok.type_, CreateApplicationRequestType::MachineToMachine);
    let e =
        serde_json::from_value::<CreateApplicationRequest>(json!({"name": "x", "type": "Nope"}))
            .unwrap_err()
            .to_string();
    assert!(
        e.contains("unknown variant `Nope`") && e.contains("`MachineToMachine`"),
        "{e}"
    );
    let e = serde_json::from_value::<CreateApplicationRequest>(json!({"type": "SPA"}))
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing field `name`"), "{e}");
}
