//! The gateway as an OAuth 2.1 protected resource, with the real Logto of `../shared/real-logto` as authorization
//! server: Logto issues the access tokens (client credentials of two machine-to-machine apps), the gateway checks
//! them against Logto's published keys, and calls Logto with its own M2M token.
//!
//! In Logto, through its Management API: an API resource with the scopes `read` and `write`; two roles, one holding
//! `read`, one both; two M2M apps, each with one role. Then both adapters are called with their tokens, with tokens
//! for another resource, expired, garbled and unsigned ones; then Logto's signing keys are rotated (through the
//! gateway's own route for it) and new tokens, signed by the new key, are accepted. The official MCP Python SDK, as
//! a client implementing MCP authorization, finds its way from the gateway's first `401` to a Logto token on its
//! own.
//!
//! A test binary of its own: it restarts Logto's core (Logto OSS without Redis loads its signing keys when it
//! starts), which no other test may see, and it holds the real Logto exclusively meanwhile.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use e2e_tests::issuer::Seen;
use e2e_tests::real_logto::{Direct, RealLogto};
use e2e_tests::{Gateway, GatewayOptions, McpGateway, http_client};
use serde_json::{Value, json};

/// Names of every object this test creates start with this; leftovers of an interrupted run are deleted first.
const PREFIX: &str = "naftiko-oauth-e2e";
/// The API resource's indicator: the gateway's MCP URL (`http://127.0.0.1:PORT/mcp`), as a deployment publishes it.
static RESOURCE: OnceLock<String> = OnceLock::new();

fn resource() -> &'static str {
    RESOURCE.get().expect("the resource is set first")
}

/// Where the metadata document of the resource is: RFC 9728's path on the resource's host.
fn metadata_url() -> String {
    resource().replace("/mcp", "/.well-known/oauth-protected-resource/mcp")
}

/// What the test made in Logto.
struct Made {
    resource_id: String,
    roles: Vec<String>,
    /// (id, secret) of the app holding `read`.
    reader: (String, String),
    /// (id, secret) of the app holding `read` and `write`.
    writer: (String, String),
}

async fn read(resp: reqwest::Response) -> Seen {
    Seen::read(resp).await
}

async fn mcp(gw: &McpGateway, token: Option<&str>, message: &Value) -> Seen {
    let mut req = http_client()
        .post(format!("{}/mcp", gw.url))
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "2025-11-25")
        .body(message.to_string());
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    read(req.send().await.unwrap()).await
}

fn call(tool: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": arguments}})
}

fn list() -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
}

async fn rest(gw: &Gateway, method: reqwest::Method, path: &str, token: Option<&str>) -> Seen {
    let mut req = http_client().request(method, gw.at(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    read(req.send().await.unwrap()).await
}

/// A token's decoded header and claims.
fn decoded(token: &str) -> (Value, Value) {
    let mut parts = token.split('.');
    let mut part = || -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap()).unwrap()
    };
    (part(), part())
}

/// A 401 with `WWW-Authenticate: Bearer error="invalid_token"` naming the metadata document, and a JSON problem
/// whose message contains `why`.
fn assert_invalid(seen: &Seen, why: &str, what: &str) {
    assert_eq!(seen.status, 401, "{what}: {seen:?}");
    assert!(
        seen.challenge.starts_with("Bearer error=\"invalid_token\"")
            && seen
                .challenge
                .contains(&format!("resource_metadata=\"{}\"", metadata_url())),
        "{what}: {}",
        seen.challenge
    );
    assert_eq!(seen.body["code"], "gateway.invalid_token", "{what}");
    assert!(
        seen.body["message"].as_str().unwrap().contains(why),
        "{what}: {}",
        seen.body["message"]
    );
}

/// A 403 naming the write scope.
fn assert_needs_write(seen: &Seen, what: &str) {
    assert_eq!(seen.status, 403, "{what}: {seen:?}");
    assert!(
        seen.challenge
            .starts_with("Bearer error=\"insufficient_scope\"")
            && seen.challenge.ends_with("scope=\"write\""),
        "{what}: {}",
        seen.challenge
    );
    assert_eq!(seen.body["code"], "gateway.insufficient_scope", "{what}");
}

/// A tool result, from a 200 JSON-RPC answer.
fn result(seen: &Seen, what: &str) -> Value {
    assert_eq!(seen.status, 200, "{what}: {seen:?}");
    seen.body
        .get("result")
        .cloned()
        .unwrap_or_else(|| panic!("{what}: no result in {}", seen.body))
}

async fn delete_leftovers(direct: &Direct) {
    for (list, item) in [
        ("/api/applications?page_size=100", "/api/applications/"),
        ("/api/roles?page_size=100", "/api/roles/"),
        ("/api/resources?page_size=100", "/api/resources/"),
    ] {
        let all = direct.ok("GET", list, None).await;
        for o in all.as_array().unwrap() {
            if o["name"].as_str().is_some_and(|n| n.starts_with(PREFIX)) {
                direct
                    .ok(
                        "DELETE",
                        &format!("{item}{}", o["id"].as_str().unwrap()),
                        None,
                    )
                    .await;
            }
        }
    }
}

async fn app(direct: &Direct, name: &str) -> (String, String) {
    let a = direct
        .ok(
            "POST",
            "/api/applications",
            Some(json!({"name": format!("{PREFIX}-{name}"), "type": "MachineToMachine"})),
        )
        .await;
    (
        a["id"].as_str().unwrap().to_owned(),
        a["secret"].as_str().unwrap_or_default().to_owned(),
    )
}

async fn make(direct: &Direct) -> Made {
    let resource = direct
        .ok(
            "POST",
            "/api/resources",
            Some(json!({"name": format!("{PREFIX}-gateway"), "indicator": resource()})),
        )
        .await;
    let resource_id = resource["id"].as_str().unwrap().to_owned();
    let scope = |name: &'static str| {
        let path = format!("/api/resources/{resource_id}/scopes");
        async move {
            let s = direct
                .ok(
                    "POST",
                    &path,
                    Some(
                        json!({"name": name, "description": format!("{name} through the gateway")}),
                    ),
                )
                .await;
            s["id"].as_str().unwrap().to_owned()
        }
    };
    let read = scope("read").await;
    let write = scope("write").await;
    let role = |name: &'static str, scopes: Vec<String>| async move {
        let r = direct
            .ok(
                "POST",
                "/api/roles",
                Some(json!({
                    "name": format!("{PREFIX}-{name}"),
                    "description": name,
                    "type": "MachineToMachine",
                    "scopeIds": scopes,
                })),
            )
            .await;
        r["id"].as_str().unwrap().to_owned()
    };
    let reading = role("reader", vec![read.clone()]).await;
    let writing = role("writer", vec![read, write]).await;
    let reader = app(direct, "reader").await;
    let writer = app(direct, "writer").await;
    for (app, role) in [(&reader.0, &reading), (&writer.0, &writing)] {
        direct
            .ok(
                "POST",
                &format!("/api/applications/{app}/roles"),
                Some(json!({"roleIds": [role]})),
            )
            .await;
    }
    Made {
        resource_id,
        roles: vec![reading, writing],
        reader,
        writer,
    }
}

/// Runs `tests/python/oauth_check.py` as the app `(id, secret)`, calling `calls` in order; its JSON report.
async fn sdk(
    py: &Path,
    gw: &McpGateway,
    issuer: &str,
    (id, secret): &(String, String),
    mode: &str,
    calls: &[(&str, Value)],
) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/oauth_check.py");
    let mut cmd = tokio::process::Command::new(py);
    cmd.arg(script)
        .args(["--url", &format!("{}/mcp", gw.url)])
        .args([
            "--issuer",
            issuer,
            "--client-id",
            id,
            "--scope",
            "read write",
        ])
        .args(["--mode", mode])
        .env("OAUTH_CLIENT_SECRET", secret)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    for (name, arguments) in calls {
        cmd.arg("--call").arg(name).arg(arguments.to_string());
    }
    let out = tokio::time::timeout(Duration::from_secs(60), cmd.output())
        .await
        .expect("oauth_check.py finishes within 60 s")
        .expect("run oauth_check.py");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "oauth_check.py ({mode}) failed ({}):\n{stderr}",
        out.status
    );
    assert!(
        !stderr.contains(secret.as_str()),
        "the client secret shows: {stderr}"
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "oauth_check.py printed no JSON report ({e}): {}\nstderr: {stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logto_access_tokens_authorize_callers_by_scope() {
    let Some(logto) = RealLogto::find().await else {
        return;
    };
    let _only_us = logto.exclusive().await;
    let direct = logto.direct();
    delete_leftovers(&direct).await;
    // The MCP adapter's address first: it is the resource's indicator.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    RESOURCE
        .set(format!("http://{}/mcp", listener.local_addr().unwrap()))
        .unwrap();
    let made = make(&direct).await;
    let token = |(id, secret): &(String, String)| {
        let logto = logto.clone();
        let (id, secret) = (id.clone(), secret.clone());
        async move {
            logto
                .client_credentials(&id, &secret, resource(), "read write")
                .await
        }
    };
    let reader = token(&made.reader).await;
    let writer = token(&made.writer).await;
    // Logto grants what each app's role holds, of the scopes asked for.
    assert_eq!(decoded(&reader).1["scope"], "read");
    assert_eq!(decoded(&writer).1["scope"], "read write");
    assert_eq!(decoded(&reader).1["aud"], resource());

    // Both adapters, as `serve` starts them, sharing one resource server (and its key cache).
    let issuer = format!("{}/oidc", logto.endpoint);
    let mut args =
        GatewayOptions::m2m(&logto.endpoint, &logto.app_id, &logto.app_secret).serve_args();
    args.upstream.m2m_resource = Some(logto.resource.clone());
    args.oauth.oauth_issuer = Some(issuer.clone());
    args.oauth.oauth_audience = Some(resource().to_owned());
    // No clock skew, so that a token that lives one second is seen expired two seconds later.
    args.oauth.oauth_clock_skew = 0;
    let config = args.validate().expect("the OAuth configuration is valid");
    let rest_gw = Gateway::start_with_config(config.clone()).await;
    let mcp_gw = McpGateway::start_on(config, listener).await;

    // The metadata document: public, at the RFC 9728 path of the resource and at the root path, on both ports.
    let metadata = json!({
        "resource": resource(),
        "authorization_servers": [issuer],
        "scopes_supported": ["read", "write"],
        "bearer_methods_supported": ["header"],
    });
    for url in [
        format!("{}/.well-known/oauth-protected-resource/mcp", mcp_gw.url),
        format!("{}/.well-known/oauth-protected-resource", mcp_gw.url),
        rest_gw.at("/.well-known/oauth-protected-resource"),
    ] {
        let seen = read(http_client().get(&url).send().await.unwrap()).await;
        assert_eq!((seen.status, &seen.body), (200, &metadata), "{url}");
    }

    // No token: 401, pointing at the metadata document, with the scopes to ask for.
    let seen = mcp(&mcp_gw, None, &list()).await;
    assert_eq!(seen.status, 401, "{seen:?}");
    assert_eq!(
        seen.challenge,
        format!(
            r#"Bearer resource_metadata="{}", scope="read write""#,
            metadata_url()
        )
    );
    let seen = rest(&rest_gw, reqwest::Method::GET, "/api/applications", None).await;
    assert_eq!(seen.status, 401, "{seen:?}");

    // The reader: lists tools, calls a read tool (its answer is Logto's, fetched with the gateway's own token: Logto
    // itself refuses the reader's token, which is not for its Management API).
    let tools = result(&mcp(&mcp_gw, Some(&reader), &list()).await, "tools/list");
    assert_eq!(tools["tools"].as_array().unwrap().len(), 60);
    let listed = result(
        &mcp(&mcp_gw, Some(&reader), &call("listapplications", json!({}))).await,
        "reader listapplications",
    );
    assert_ne!(listed["isError"], true, "{listed}");
    let names: Vec<&str> = listed["structuredContent"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert!(
        names.contains(&format!("{PREFIX}-reader").as_str()),
        "{names:?}"
    );
    let own = e2e_tests::real_logto::send(
        &http_client(),
        "GET",
        &format!("{}/api/applications", logto.endpoint),
        Some(&reader),
        None,
    )
    .await;
    assert_eq!(own.status, 401, "Logto takes the reader's token: {own:?}");

    // The reader may not write: 403 before Logto is called (the application is still there).
    let victim = app(&direct, "victim").await.0;
    let seen = mcp(
        &mcp_gw,
        Some(&reader),
        &call("deleteapplication", json!({"id": victim})),
    )
    .await;
    assert_needs_write(&seen, "reader deleteapplication over MCP");
    let seen = rest(
        &rest_gw,
        reqwest::Method::DELETE,
        &format!("/api/applications/{victim}"),
        Some(&reader),
    )
    .await;
    assert_needs_write(&seen, "reader DELETE over REST");
    let seen = rest(
        &rest_gw,
        reqwest::Method::GET,
        &format!("/api/applications/{victim}"),
        Some(&reader),
    )
    .await;
    assert_eq!(seen.status, 200, "the victim is still there: {seen:?}");

    // The writer may do both.
    let got = result(
        &mcp(
            &mcp_gw,
            Some(&writer),
            &call("getapplication", json!({"id": victim})),
        )
        .await,
        "writer getapplication",
    );
    assert_eq!(got["structuredContent"]["id"], victim.as_str());
    let deleted = result(
        &mcp(
            &mcp_gw,
            Some(&writer),
            &call("deleteapplication", json!({"id": victim})),
        )
        .await,
        "writer deleteapplication",
    );
    assert_ne!(deleted["isError"], true, "{deleted}");
    let gone = direct
        .call("GET", &format!("/api/applications/{victim}"), None)
        .await;
    assert_eq!(gone.status, 404, "the writer deleted it: {gone:?}");
    let victim = app(&direct, "victim").await.0;
    let seen = rest(
        &rest_gw,
        reqwest::Method::DELETE,
        &format!("/api/applications/{victim}"),
        Some(&writer),
    )
    .await;
    assert_eq!(seen.status, 204, "writer DELETE over REST: {seen:?}");

    // A token for another resource (Logto's Management API): 401.
    let other = logto
        .client_credentials(&logto.app_id, &logto.app_secret, &logto.resource, "all")
        .await;
    assert_invalid(
        &mcp(&mcp_gw, Some(&other), &list()).await,
        "audience",
        "a token for another resource",
    );
    // A garbled signature, and the same claims unsigned (`alg: none`): 401.
    let mut garbled = reader.clone();
    let last = garbled.pop().unwrap();
    garbled.push(if last == 'A' { 'B' } else { 'A' });
    let mut sig = reader.rsplit('.').next().unwrap().to_owned();
    sig.replace_range(10..14, "AAAA");
    let (head, _) = reader.rsplit_once('.').unwrap();
    let resigned = format!("{head}.{sig}");
    for (bad, what) in [
        (&garbled, "a token with its last character changed"),
        (&resigned, "a token with its signature changed"),
    ] {
        assert_invalid(&mcp(&mcp_gw, Some(bad), &list()).await, "signature", what);
    }
    let (header, claims) = decoded(&reader);
    let mut none_header = header.clone();
    none_header["alg"] = json!("none");
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(none_header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    assert_invalid(
        &mcp(&mcp_gw, Some(&unsigned), &list()).await,
        "not a signed JWT",
        "alg: none",
    );
    assert_invalid(
        &rest(
            &rest_gw,
            reqwest::Method::GET,
            "/api/applications",
            Some(&unsigned),
        )
        .await,
        "not a signed JWT",
        "alg: none over REST",
    );

    // An expired token: the resource's tokens live one second for a moment.
    direct
        .ok(
            "PATCH",
            &format!("/api/resources/{}", made.resource_id),
            Some(json!({"accessTokenTtl": 1})),
        )
        .await;
    let short = token(&made.reader).await;
    direct
        .ok(
            "PATCH",
            &format!("/api/resources/{}", made.resource_id),
            Some(json!({"accessTokenTtl": 3600})),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_invalid(
        &mcp(&mcp_gw, Some(&short), &list()).await,
        "expired",
        "an expired token",
    );

    // The MCP Python SDK, as a client that implements MCP authorization: given only the URL, the issuer and its
    // credentials, it follows the first 401 to the metadata document, then to Logto's token endpoint.
    if let Some(py) = e2e_tests::mcp_bridge::python() {
        let victim = app(&direct, "victim").await.0;
        let calls = [
            ("listapplications", json!({})),
            ("deleteapplication", json!({"id": victim})),
        ];
        let report = sdk(&py, &mcp_gw, &issuer, &made.reader, "legacy", &calls).await;
        assert_eq!(report["tools"], 60, "{report}");
        assert_eq!(report["token_scope"], "read", "{report}");
        assert_eq!(report["calls"][0]["result"]["is_error"], false, "{report}");
        // The SDK raises on the HTTP 403 (after asking Logto for the missing scope, which the reader does not hold).
        assert!(
            report["calls"][1]["error"].is_string(),
            "the reader's delete: {report}"
        );
        let still = direct
            .call("GET", &format!("/api/applications/{victim}"), None)
            .await;
        assert_eq!(still.status, 200, "the reader deleted nothing: {still:?}");
        let report = sdk(&py, &mcp_gw, &issuer, &made.writer, "auto", &calls).await;
        assert_eq!(report["token_scope"], "read write", "{report}");
        for (i, c) in report["calls"].as_array().unwrap().iter().enumerate() {
            assert_eq!(c["result"]["is_error"], false, "call {i}: {report}");
        }
        let gone = direct
            .call("GET", &format!("/api/applications/{victim}"), None)
            .await;
        assert_eq!(gone.status, 404, "the writer deleted it: {gone:?}");
    }

    // Logto's signing keys rotated through the gateway's own route (the writer's token), Logto restarted to sign
    // with the new key: a new token names a key the gateway has not seen, which it fetches.
    let old_kid = decoded(&writer).0["kid"].as_str().unwrap().to_owned();
    let seen = rest(
        &rest_gw,
        reqwest::Method::POST,
        "/api/configs/oidc/private-keys/rotate",
        Some(&reader),
    )
    .await;
    assert_needs_write(&seen, "reader rotates the keys");
    let rotated = http_client()
        .post(rest_gw.at("/api/configs/oidc/private-keys/rotate"))
        .bearer_auth(&writer)
        .json(&json!({"signingKeyAlgorithm": "EC"}))
        .send()
        .await
        .unwrap();
    let rotated = read(rotated).await;
    assert_eq!(rotated.status, 200, "{rotated:?}");
    assert_eq!(
        rotated.body.as_array().unwrap().len(),
        2,
        "{:?}",
        rotated.body
    );
    logto.restart_core().await;
    let fresh = token(&made.writer).await;
    let new_kid = decoded(&fresh).0["kid"].as_str().unwrap().to_owned();
    assert_ne!(new_kid, old_kid, "Logto signs with the new key");
    let listed = result(
        &mcp(&mcp_gw, Some(&fresh), &call("listapplications", json!({}))).await,
        "a token signed by the new key",
    );
    assert_ne!(listed["isError"], true, "{listed}");
    let seen = rest(
        &rest_gw,
        reqwest::Method::GET,
        "/api/resources",
        Some(&fresh),
    )
    .await;
    assert_eq!(seen.status, 200, "REST with the new key: {seen:?}");
    // Logto keeps publishing the key before the rotation (it keeps two): a token it signed is still good. (Should
    // the server have been left with keys rotated but not loaded, by an interrupted run, that key is gone, and so
    // is the token's validity.)
    let jwks: Value = http_client()
        .get(format!("{issuer}/jwks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let published = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k["kid"] == old_kid.as_str());
    let seen = rest(
        &rest_gw,
        reqwest::Method::GET,
        "/api/resources",
        Some(&writer),
    )
    .await;
    assert_eq!(
        seen.status,
        if published { 200 } else { 401 },
        "REST with the previous key (published: {published}): {seen:?}"
    );
    let seen = read(
        http_client()
            .get(format!(
                "{}/.well-known/oauth-protected-resource/mcp",
                mcp_gw.url
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (seen.status, &seen.body),
        (200, &metadata),
        "the metadata document after the rotation"
    );

    for app in [&made.reader.0, &made.writer.0] {
        direct
            .ok("DELETE", &format!("/api/applications/{app}"), None)
            .await;
    }
    for role in &made.roles {
        direct
            .ok("DELETE", &format!("/api/roles/{role}"), None)
            .await;
    }
    direct
        .ok(
            "DELETE",
            &format!("/api/resources/{}", made.resource_id),
            None,
        )
        .await;
    delete_leftovers(&direct).await;
}
