//! Every exposed REST operation of the spec, once, through the gateway: what the upstream receives and what the
//! caller gets. The operations come from reading `spec/logto.naftiko.yaml` with a plain YAML parser, not from the
//! compiler, so that a generator mistake shows up here.

use crate::support::spec::{self, query_matches};
use e2e_tests::{Gateway, GatewayOptions, MockUpstream, Reply, http_client};

const TOKEN: &str = "logto-token-ops-5c1e9a";

fn reply_for(method: &str, name: &str, i: usize) -> Reply {
    // Unusual spacing and escapes: the caller must get these bytes unchanged.
    let body = format!(r#"{{ "op" : "{name}", "items":[1, 2.0, "\u00e9"] , "i": {i} }}"#);
    let r = match method {
        "DELETE" => Reply::empty(204),
        "POST" => Reply::json(201, body),
        _ => Reply::json(200, body),
    };
    r.header("Total-Number", &(1000 + i).to_string())
        .header("Total-Number-Is-Capped", "false")
        .header("X-Not-Passed", "1")
}

#[test]
fn the_dialect_repair_happens_exactly_four_times() {
    let text = std::fs::read_to_string(spec::SPEC_PATH).unwrap();
    assert!(
        serde_yaml::from_str::<serde_yaml::Value>(&text).is_err(),
        "the raw spec is expected to need the repair (duplicate `name` keys)"
    );
    let (_, repairs) = spec::repair(&text);
    assert_eq!(repairs, 4);
}

#[test]
fn the_spec_routes_are_the_generated_routes() {
    let spec = spec::load();
    assert_eq!(spec.consumed.len(), 60, "consumed operations");
    let from_spec: Vec<(String, String)> = spec
        .exposed_rest
        .iter()
        .map(|e| (e.method.to_ascii_uppercase(), e.path.clone()))
        .collect();
    let generated: Vec<(String, String)> = logto_gateway::generated::rest::LOGTO_REST_ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(from_spec, generated);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_exposed_operation_reaches_its_upstream_operation() {
    let spec = spec::load();
    assert_eq!(spec.repairs, 4, "dialect repairs");
    let cases = spec.cases();
    assert_eq!(cases.len(), 60, "exposed REST operations");

    let mock = MockUpstream::start().await;
    let gw = Gateway::start(&GatewayOptions::bearer(mock.url(), TOKEN)).await;
    let upstream_host = mock.url().trim_start_matches("http://").to_owned();
    let client = http_client();
    let mut failures: Vec<String> = Vec::new();
    let mut tested = 0;
    let mut with_query = 0;
    let mut with_exploded = 0;
    let mut with_body = 0;

    for (i, case) in cases.iter().enumerate() {
        let name = &case.exposed.name;
        let reply = reply_for(&case.method, name, i);
        mock.set_default(reply.clone());
        let mut fail = |what: String| {
            failures.push(format!(
                "{name} ({} {}): {what}",
                case.method, case.exposed.path
            ))
        };

        let method = reqwest::Method::from_bytes(case.method.as_bytes()).unwrap();
        let mut req = client.request(method, gw.at(&case.request_target));
        if let Some(b) = &case.body {
            req = req
                .header("content-type", "application/json")
                .body(b.clone());
        }
        let resp = req.send().await.unwrap();
        tested += 1;
        with_query += usize::from(case.request_target.contains('?'));
        with_exploded += usize::from(
            case.upstream_query
                .iter()
                .any(|q| matches!(q, spec::QueryPart::Exploded(_))),
        );
        with_body += usize::from(case.body.is_some());

        // What the caller got.
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.bytes().await.unwrap();
        if status != reply.status {
            fail(format!(
                "status {status}, expected {} (body {:?})",
                reply.status,
                String::from_utf8_lossy(&body)
            ));
        }
        let total = headers.get("total-number").and_then(|v| v.to_str().ok());
        if total != Some((1000 + i).to_string().as_str()) {
            fail(format!("Total-Number {total:?}, expected {}", 1000 + i));
        }
        let capped = headers
            .get("total-number-is-capped")
            .and_then(|v| v.to_str().ok());
        if capped != Some("false") {
            fail(format!("Total-Number-Is-Capped {capped:?}"));
        }
        if headers.contains_key("x-not-passed") {
            fail("an unrelated upstream header was passed through".into());
        }
        if body != reply.body {
            fail(format!(
                "caller body {:?}, expected {:?}",
                String::from_utf8_lossy(&body),
                String::from_utf8_lossy(&reply.body)
            ));
        }
        if reply.status == 204 {
            if headers.contains_key("content-type") {
                fail("a 204 carries a content type".into());
            }
        } else {
            let ct = headers.get("content-type").and_then(|v| v.to_str().ok());
            if ct != Some("application/json") {
                fail(format!("content type {ct:?}"));
            }
        }

        // What the upstream got.
        let got = mock.take_requests();
        if got.len() != 1 {
            fail(format!(
                "the upstream received {} requests: {got:?}",
                got.len()
            ));
            continue;
        }
        let r = &got[0];
        if r.method != case.consumed.method.to_ascii_uppercase() {
            fail(format!(
                "upstream method {}, expected {}",
                r.method, case.consumed.method
            ));
        }
        if r.path != case.upstream_path {
            fail(format!(
                "upstream path {}, expected {}",
                r.path, case.upstream_path
            ));
        }
        if let Err(e) = query_matches(&case.upstream_query, &r.query_pairs()) {
            fail(format!("upstream query {:?}: {e}", r.query));
        }
        if case.upstream_query.is_empty() && r.query.is_some() {
            fail(format!("upstream query {:?}, expected none", r.query));
        }
        let auth = r.header_all("authorization");
        if auth != [format!("Bearer {TOKEN}")] {
            fail(format!("upstream Authorization {auth:?}"));
        }
        let host = r.header_all("host");
        if host != [upstream_host.clone()] {
            fail(format!("upstream Host {host:?}, expected {upstream_host}"));
        }
        match &case.body {
            Some(b) => {
                if r.body != b.as_bytes() {
                    fail(format!("upstream body {:?}, expected {b:?}", r.body_text()));
                }
                if r.header("content-type").as_deref() != Some("application/json") {
                    fail(format!(
                        "upstream content type {:?}",
                        r.header("content-type")
                    ));
                }
            }
            None => {
                if !r.body.is_empty() {
                    fail(format!("upstream body {:?}, expected none", r.body_text()));
                }
                if r.header("content-type").is_some() {
                    fail(format!(
                        "upstream content type {:?} without a body",
                        r.header("content-type")
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(tested, 60, "operations tested");
    // The derivation covered what it claims to cover.
    assert_eq!(with_query, 7, "operations with query parameters");
    assert_eq!(
        with_exploded, 3,
        "operations with an object-typed query parameter"
    );
    assert_eq!(with_body, 27, "operations with a body");
    gw.stop().await.unwrap();
}
