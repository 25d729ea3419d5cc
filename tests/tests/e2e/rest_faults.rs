//! Faults, limits and hostile input, through the in-process gateway in front of the mock upstream.

use std::time::{Duration, Instant};

use crate::support::free_port;
use e2e_tests::mock::hangup_server;
use e2e_tests::{
    Gateway, GatewayOptions, MockUpstream, Reply, assert_took, http_client, logs, raw,
};
use serde_json::Value;

// Every secret of this module has a recognisable shape, so that the log check can look for all of them.
const LOGTO_TOKEN: &str = "SECRET-logto-token-3f9d2c71";
const INBOUND_TOKEN: &str = "SECRET-inbound-token-8a4e0b55";
const M2M_ID: &str = "m2m-app-id-e2e";
const M2M_SECRET: &str = "SECRET-m2m-app-secret-51c7d9e0";
const ISSUED_PREFIX: &str = "SECRET-issued-token-";

fn secrets() -> [&'static str; 4] {
    [LOGTO_TOKEN, INBOUND_TOKEN, M2M_SECRET, ISSUED_PREFIX]
}

fn assert_no_secret(what: &str, text: &str) {
    for s in secrets() {
        assert!(
            !text.contains(s),
            "{what} contains the secret `{s}`: {text}"
        );
    }
}

/// Mock + gateway with a fixed Logto token; logs are captured.
async fn setup(opts: impl FnOnce(GatewayOptions) -> GatewayOptions) -> (MockUpstream, Gateway) {
    logs::capture();
    let mock = MockUpstream::start().await;
    mock.set_token_prefix(ISSUED_PREFIX);
    let gw = Gateway::start(&opts(GatewayOptions::bearer(mock.url(), LOGTO_TOKEN))).await;
    (mock, gw)
}

/// Mock + gateway in machine-to-machine mode (tokens from the mock's `/oidc/token`).
async fn setup_m2m() -> (MockUpstream, Gateway) {
    logs::capture();
    let mock = MockUpstream::start().await;
    mock.set_token_prefix(ISSUED_PREFIX);
    let gw = Gateway::start(&GatewayOptions::m2m(mock.url(), M2M_ID, M2M_SECRET)).await;
    (mock, gw)
}

/// A gateway error: the status and a JSON body of exactly `{code, message}` (both strings).
async fn problem(resp: reqwest::Response) -> (u16, String, String) {
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = resp.text().await.unwrap();
    assert_no_secret("an error body", &text);
    assert_eq!(
        ct.as_deref(),
        Some("application/json"),
        "error content type ({text})"
    );
    let v: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("error body {text:?} is not JSON: {e}"));
    let obj = v
        .as_object()
        .unwrap_or_else(|| panic!("error body {text} is not an object"));
    assert_eq!(
        obj.len(),
        2,
        "error body has exactly code and message: {text}"
    );
    let code = obj["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no code in {text}"))
        .to_owned();
    let message = obj["message"]
        .as_str()
        .unwrap_or_else(|| panic!("no message in {text}"))
        .to_owned();
    (status, code, message)
}

fn raw_problem(r: &raw::RawResponse) -> (String, String) {
    let text = r.body_text();
    assert_no_secret("an error body", &text);
    assert_eq!(r.header("content-type"), Some("application/json"), "{text}");
    let v: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text:?} is not JSON: {e}"));
    (
        v["code"].as_str().unwrap_or_default().to_owned(),
        v["message"].as_str().unwrap_or_default().to_owned(),
    )
}

// ---------------------------------------------------------------------------------------------------------------
// Upstream faults

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_refused_is_502() {
    logs::capture();
    let gw = Gateway::start(&GatewayOptions::bearer(
        format!("http://127.0.0.1:{}", free_port()),
        LOGTO_TOKEN,
    ))
    .await;
    let resp = http_client()
        .get(gw.at("/api/applications"))
        .send()
        .await
        .unwrap();
    let (status, code, message) = problem(resp).await;
    assert_eq!(status, 502);
    assert_eq!(code, "gateway.upstream_unreachable", "{message}");
    assert!(
        !message.contains("127.0.0.1"),
        "the message names no upstream address: {message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_closing_the_connection_without_answering_is_502() {
    logs::capture();
    let addr = hangup_server().await;
    let gw = Gateway::start(&GatewayOptions::bearer(
        format!("http://{addr}"),
        LOGTO_TOKEN,
    ))
    .await;
    let resp = http_client()
        .get(gw.at("/api/resources"))
        .send()
        .await
        .unwrap();
    let (status, code, _) = problem(resp).await;
    assert_eq!(status, 502);
    assert!(code.starts_with("gateway.upstream_"), "{code}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_upstream_is_504_after_the_configured_timeout() {
    let (mock, gw) = setup(|o| o.upstream_timeout(0.3)).await;
    mock.set_default(Reply::json(200, "{}").delay(Duration::from_secs(3)));
    let start = Instant::now();
    let resp = http_client()
        .get(gw.at("/api/resources"))
        .send()
        .await
        .unwrap();
    let elapsed = start.elapsed();
    let (status, code, _) = problem(resp).await;
    assert_eq!(status, 504);
    assert_eq!(code, "gateway.upstream_timeout");
    assert_took(
        "answered",
        elapsed,
        Duration::from_millis(250),
        Duration::from_millis(2000),
    );
    assert_eq!(mock.api_requests().len(), 1, "no retry of a timed-out call");
}

/// `GET /api/applications/app-1` answers the upstream's `status`, content type and body, unchanged.
async fn assert_passed_through(
    client: &reqwest::Client,
    gw: &Gateway,
    status: u16,
    content_type: &str,
    body: &str,
) {
    let resp = client
        .get(gw.at("/api/applications/app-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), status, "{body}");
    assert_eq!(
        resp.headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap()),
        Some(content_type),
        "{body}"
    );
    assert_eq!(resp.text().await.unwrap(), body, "body of {status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_error_statuses_pass_through_with_their_body() {
    let (mock, gw) = setup(|o| o).await;
    let client = http_client();
    for (status, body) in [
        (
            404,
            r#"{"code":"entity.not_found","message":"The entity with id `x` was not found."}"#,
        ),
        (
            500,
            r#"{"code":"unexpected","message":"Internal server error.","data":{"a" : [1,2]}}"#,
        ),
        (
            400,
            r#"{"code":"guard.invalid_input","message":"Bad input."}"#,
        ),
        (
            409,
            r#"{"code":"resource.indicator_exists","message":"Exists."}"#,
        ),
        (
            422,
            r#"{"code":"application.invalid_type","message":"Nope."}"#,
        ),
        (403, r#"{"code":"auth.forbidden","message":"Forbidden."}"#),
        (503, r#"{"code":"unavailable","message":"Try later."}"#),
    ] {
        mock.set_default(Reply::json(status, body).header("Total-Number", "0"));
        assert_passed_through(&client, &gw, status, "application/json", body).await;
    }
    assert_eq!(mock.api_requests().len(), 7);
    // An error body that is not JSON passes through as it is, with its content type.
    for (status, content_type, body) in [
        (
            503,
            "text/plain; charset=utf-8",
            "Service Unavailable: maintenance until 10:00",
        ),
        (502, "text/html", "<html><body>Bad gateway</body></html>"),
        (500, "application/json", "{\"truncated\":"),
    ] {
        mock.set_default(Reply::raw(status, content_type, body));
        assert_passed_through(&client, &gw, status, content_type, body).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_reset_mid_body_is_502() {
    let (mock, gw) = setup(|o| o).await;
    mock.set_default(Reply::reset_mid_body(
        r#"{"id":"app-1","name":"trunc"#,
        4096,
    ));
    let resp = http_client()
        .get(gw.at("/api/applications/app-1"))
        .send()
        .await
        .unwrap();
    let (status, code, _) = problem(resp).await;
    assert_eq!(status, 502);
    assert_eq!(code, "gateway.upstream_invalid_response");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_non_json_success_is_502() {
    let (mock, gw) = setup(|o| o).await;
    let client = http_client();
    for reply in [
        Reply::raw(200, "text/html", "<html>login</html>"),
        Reply::raw(200, "application/json", "{\"truncated\":"),
        Reply::raw(200, "application/problem+json; charset=utf-8", "not json"),
        Reply::raw(201, "", "created"),
    ] {
        mock.set_default(reply.clone());
        let resp = client
            .post(gw.at("/api/applications"))
            .json(&serde_json::json!({"name": "a"}))
            .send()
            .await
            .unwrap();
        let (status, code, message) = problem(resp).await;
        assert_eq!(status, 502, "{reply:?}");
        assert_eq!(code, "gateway.upstream_invalid_response", "{message}");
    }
}

/// Logto answers some writes with `201 Created` or `200 OK` as plain text: passed on as they are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_plain_text_success_passes_through() {
    let (mock, gw) = setup(|o| o).await;
    for (status, body) in [(201, "Created"), (200, "OK")] {
        mock.set_default(Reply::raw(status, "text/plain; charset=utf-8", body));
        let resp = http_client()
            .post(gw.at("/api/applications/app-1/roles"))
            .json(&serde_json::json!({"roleIds": ["r1"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), status);
        assert_eq!(
            resp.headers()["content-type"].to_str().unwrap(),
            "text/plain; charset=utf-8"
        );
        assert_eq!(resp.text().await.unwrap(), body);
    }
}

/// Logto sends one `Link` header per relation: every one is passed on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_link_headers_are_all_passed_on() {
    let (mock, gw) = setup(|o| o).await;
    let links = [
        "</applications?page=1&page_size=2>; rel=\"first\"",
        "</applications?page=3&page_size=2>; rel=\"next\"",
        "</applications?page=9&page_size=2>; rel=\"last\"",
    ];
    let mut reply = Reply::json(200, "[]").header("Total-Number", "18");
    for link in links {
        reply = reply.header("Link", link);
    }
    mock.set_default(reply);
    let resp = http_client()
        .get(gw.at("/api/applications?page=2&page_size=2"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let got: Vec<&str> = resp
        .headers()
        .get_all("link")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(got, links);
    assert_eq!(resp.headers()["total-number"], "18");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn static_token_401_passes_through_without_retry() {
    let (mock, gw) = setup(|o| o).await;
    mock.reject_bearer(LOGTO_TOKEN);
    let resp = http_client()
        .get(gw.at("/api/resources"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "auth.unauthorized");
    assert_eq!(mock.api_requests().len(), 1);
    assert_eq!(mock.token_requests().len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_path_prefix_is_kept() {
    logs::capture();
    let mock = MockUpstream::start().await;
    let gw = Gateway::start(&GatewayOptions::bearer(
        format!("{}/logto/", mock.url()),
        LOGTO_TOKEN,
    ))
    .await;
    let resp = http_client()
        .get(gw.at("/api/applications/a%2Fb/roles?page=2"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let got = mock.take_requests();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].path, "/logto/api/applications/a%2Fb/roles");
    assert_eq!(got[0].query.as_deref(), Some("page=2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_logto_token_never_follows_a_redirect_to_another_origin() {
    let (mock, gw) = setup(|o| o).await;
    let other = MockUpstream::start().await;
    for status in [301, 302, 303, 307, 308] {
        mock.set_default(
            Reply::json(status, "{}").header("Location", &format!("{}/collect", other.url())),
        );
        let _ = http_client()
            .get(gw.at("/api/resources"))
            .send()
            .await
            .unwrap();
    }
    for r in other.requests() {
        assert_eq!(
            r.authorization(),
            None,
            "the token reached another origin: {r:?}"
        );
        assert_no_secret("a request to another origin", &format!("{r:?}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_redirects_are_not_followed() {
    let (mock, gw) = setup(|o| o).await;
    let other = MockUpstream::start().await;
    other.set_default(Reply::json(200, r#"{"from":"elsewhere"}"#));
    for status in [302, 307] {
        mock.set_default(
            Reply::json(status, r#"{"moved":true}"#)
                .header("Location", &format!("{}/elsewhere", other.url())),
        );
        let resp = http_client()
            .post(gw.at("/api/applications"))
            .header("content-type", "application/json")
            .body(r#"{"name":"a"}"#)
            .send()
            .await
            .unwrap();
        let got_status = resp.status().as_u16();
        let body = resp.text().await.unwrap();
        assert!(
            got_status == status || got_status == 502,
            "{status}: the caller got {got_status} {body}"
        );
        assert!(
            !body.contains("elsewhere"),
            "{status}: the caller got the redirect target's answer: {body}"
        );
        assert_eq!(mock.take_requests().len(), 1);
        assert_eq!(
            other.take_requests().len(),
            0,
            "{status}: the redirect was followed"
        );
    }
    // Same origin, another path: the call must not be replayed there (with the token).
    mock.set_default(Reply::json(307, "{}").header("Location", "/api/resources"));
    let _ = http_client()
        .post(gw.at("/api/applications"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    let paths: Vec<String> = mock.take_requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/api/applications"]);
}

// ---------------------------------------------------------------------------------------------------------------
// Machine-to-machine tokens

/// A minimal base64 (standard alphabet, padded), to check the `Basic` credentials of token requests.
fn base64(input: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn base64_helper_is_right() {
    assert_eq!(
        base64(b"Aladdin:open sesame"),
        "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
    );
    assert_eq!(base64(b"ab"), "YWI=");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn m2m_token_is_refreshed_once_after_a_401_and_the_call_retried() {
    let (mock, gw) = setup_m2m().await;
    mock.reject_bearer(&mock.issued_token(1));
    mock.set_default(Reply::json(200, r#"{"id":"r1"}"#).header("Total-Number", "1"));
    let resp = http_client()
        .post(gw.at("/api/resources"))
        .header("content-type", "application/json")
        .body(r#"{"name":"n","indicator":"https://api.example"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers().get("total-number").unwrap(), "1");
    assert_eq!(resp.text().await.unwrap(), r#"{"id":"r1"}"#);

    // Two token fetches, each a proper client-credentials request.
    let tokens = mock.token_requests();
    assert_eq!(tokens.len(), 2, "the token endpoint was hit twice");
    assert_eq!(mock.tokens_issued(), 2);
    for t in &tokens {
        assert_eq!(t.method, "POST");
        assert_eq!(
            t.authorization().as_deref(),
            Some(
                format!(
                    "Basic {}",
                    base64(format!("{M2M_ID}:{M2M_SECRET}").as_bytes())
                )
                .as_str()
            )
        );
        assert_eq!(
            t.header("content-type").as_deref(),
            Some("application/x-www-form-urlencoded")
        );
        let form = e2e_tests::mock::form_pairs(&t.body_text());
        let get = |k: &str| form.iter().find(|(fk, _)| fk == k).map(|(_, v)| v.as_str());
        assert_eq!(get("grant_type"), Some("client_credentials"), "{form:?}");
        assert_eq!(
            get("resource"),
            Some("https://default.logto.app/api"),
            "{form:?}"
        );
        assert_eq!(get("scope"), Some("all"), "{form:?}");
        assert!(
            !t.body_text().contains(M2M_SECRET),
            "the secret travels in the Basic header only"
        );
    }

    // The call, then its retry with the new token, same request otherwise.
    let api = mock.api_requests();
    assert_eq!(api.len(), 2, "{api:?}");
    assert_eq!(
        api[0].authorization(),
        Some(format!("Bearer {}", mock.issued_token(1)))
    );
    assert_eq!(
        api[1].authorization(),
        Some(format!("Bearer {}", mock.issued_token(2)))
    );
    for r in &api {
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/api/resources");
        assert_eq!(
            r.body_text(),
            r#"{"name":"n","indicator":"https://api.example"}"#
        );
    }

    // The new token is kept: the next call needs no fetch.
    let resp = http_client()
        .get(gw.at("/api/resources"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(mock.tokens_issued(), 2);
    assert_eq!(
        mock.api_requests().last().unwrap().authorization(),
        Some(format!("Bearer {}", mock.issued_token(2)))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn m2m_second_401_passes_through_after_one_retry() {
    let (mock, gw) = setup_m2m().await;
    mock.reject_bearer(&mock.issued_token(1));
    mock.reject_bearer(&mock.issued_token(2));
    mock.reject_bearer(&mock.issued_token(3));
    let resp = http_client()
        .get(gw.at("/api/connectors"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    assert_eq!(mock.api_requests().len(), 2, "one retry, not a loop");
    assert_eq!(mock.tokens_issued(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn m2m_concurrent_first_calls_share_one_token_fetch() {
    let (mock, gw) = setup_m2m().await;
    mock.set_token_delay(Duration::from_millis(300));
    let client = http_client();
    let calls = (0..20).map(|i| {
        let client = client.clone();
        let url = gw.at(&format!("/api/applications/app-{i}"));
        tokio::spawn(async move { client.get(url).send().await.unwrap().status().as_u16() })
    });
    let statuses: Vec<u16> = futures_join(calls).await;
    assert_eq!(statuses, vec![200; 20]);
    assert_eq!(
        mock.tokens_issued(),
        1,
        "20 concurrent first calls share one token fetch"
    );
    assert_eq!(mock.token_requests().len(), 1);
    let api = mock.api_requests();
    assert_eq!(api.len(), 20);
    let bearer = format!("Bearer {}", mock.issued_token(1));
    assert!(
        api.iter()
            .all(|r| r.authorization().as_deref() == Some(bearer.as_str()))
    );
}

async fn futures_join<T: Send + 'static>(
    handles: impl Iterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<T> {
    let mut out = Vec::new();
    for h in handles.collect::<Vec<_>>() {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn m2m_token_is_refreshed_before_it_expires() {
    let (mock, gw) = setup_m2m().await;
    // A lifetime within the refresh margin (60 s): every call needs a fresh token.
    mock.set_token_expires_in(30);
    let client = http_client();
    for _ in 0..2 {
        let resp = client.get(gw.at("/api/resources")).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
    }
    assert_eq!(mock.tokens_issued(), 2);
    let api = mock.api_requests();
    assert_eq!(
        api[1].authorization(),
        Some(format!("Bearer {}", mock.issued_token(2)))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn m2m_token_endpoint_failure_is_502_without_secrets() {
    let (mock, gw) = setup_m2m().await;
    mock.set_token_reply(Some(Reply::json(
        401,
        r#"{"error":"invalid_client","error_description":"client authentication failed"}"#,
    )));
    let resp = http_client()
        .get(gw.at("/api/resources"))
        .send()
        .await
        .unwrap();
    let (status, code, message) = problem(resp).await;
    assert_eq!(status, 502);
    assert_eq!(code, "gateway.upstream_auth");
    assert!(message.contains("401"), "{message}");
    assert_eq!(mock.api_requests().len(), 0, "no call without a token");
}

// ---------------------------------------------------------------------------------------------------------------
// Hostile path values

/// What a hostile request target must lead to.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Reaches the upstream at exactly this raw path.
    Upstream(&'static str),
    /// Refused (400, or 404 when no route matches); the upstream sees nothing.
    Refused,
    /// Either of the above.
    UpstreamOrRefused(&'static str),
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_path_values_stay_one_segment_or_are_refused() {
    let (mock, gw) = setup(|o| o).await;
    mock.set_default(Reply::json(200, r#"{"ok":true}"#));
    use Expect::*;
    let cases: &[(&str, &[u8], Expect)] = &[
        // GET /api/applications/{id}
        (
            "GET",
            b"/api/applications/plain-id",
            Upstream("/api/applications/plain-id"),
        ),
        (
            "GET",
            b"/api/applications/a%2Fb",
            Upstream("/api/applications/a%2Fb"),
        ),
        (
            "GET",
            b"/api/applications/%2F",
            Upstream("/api/applications/%2F"),
        ),
        (
            "GET",
            b"/api/applications/%2Fapi%2Fresources",
            Upstream("/api/applications/%2Fapi%2Fresources"),
        ),
        ("GET", b"/api/applications/..", Refused),
        ("GET", b"/api/applications/.", Refused),
        ("GET", b"/api/applications/%2E%2E", Refused),
        ("GET", b"/api/applications/%2e", Refused),
        (
            "GET",
            b"/api/applications/..%2F..%2Fresources",
            Upstream("/api/applications/..%2F..%2Fresources"),
        ),
        (
            "GET",
            b"/api/applications/%2E%2E%2Fresources",
            Upstream("/api/applications/..%2Fresources"),
        ),
        (
            "GET",
            b"/api/applications/%25",
            Upstream("/api/applications/%25"),
        ),
        (
            "GET",
            b"/api/applications/%252F",
            Upstream("/api/applications/%252F"),
        ),
        (
            "GET",
            b"/api/applications/%",
            UpstreamOrRefused("/api/applications/%25"),
        ),
        (
            "GET",
            b"/api/applications/a%zz",
            UpstreamOrRefused("/api/applications/a%25zz"),
        ),
        (
            "GET",
            b"/api/applications/a%3Fx%3D1",
            Upstream("/api/applications/a%3Fx%3D1"),
        ),
        (
            "GET",
            b"/api/applications/%3F",
            Upstream("/api/applications/%3F"),
        ),
        (
            "GET",
            b"/api/applications/a%23frag",
            Upstream("/api/applications/a%23frag"),
        ),
        (
            "GET",
            b"/api/applications/x%0D%0AX-Injected:%201",
            Upstream("/api/applications/x%0D%0AX-Injected%3A%201"),
        ),
        (
            "GET",
            b"/api/applications/%0A",
            Upstream("/api/applications/%0A"),
        ),
        (
            "GET",
            b"/api/applications/%00",
            Upstream("/api/applications/%00"),
        ),
        (
            "GET",
            b"/api/applications/caf%C3%A9-%E2%9C%93",
            Upstream("/api/applications/caf%C3%A9-%E2%9C%93"),
        ),
        ("GET", b"/api/applications/%FF", Refused),
        (
            "GET",
            b"/api/applications/a+b",
            Upstream("/api/applications/a%2Bb"),
        ),
        (
            "GET",
            b"/api/applications/a%20b",
            Upstream("/api/applications/a%20b"),
        ),
        (
            "GET",
            b"/api/applications/;x=1",
            Upstream("/api/applications/%3Bx%3D1"),
        ),
        (
            "GET",
            b"/api/applications/~u_1.2-3",
            Upstream("/api/applications/~u_1.2-3"),
        ),
        (
            "GET",
            b"/api/applications/a@b:c",
            Upstream("/api/applications/a%40b%3Ac"),
        ),
        (
            "GET",
            b"/api/applications/\xc3\xa9",
            UpstreamOrRefused("/api/applications/%C3%A9"),
        ),
        ("GET", b"/api/applications/a\r\nX-Injected: 1", Refused),
        ("GET", b"/api/applications/a b", Refused),
        // An empty segment matches no route.
        ("GET", b"/api/applications//roles", Refused),
        // A literal `..` where a route would accept it as a value.
        ("GET", b"/api/applications/../secrets", Refused),
        // Second and third parameters, and a `with:`-mapped one.
        (
            "DELETE",
            b"/api/applications/app/secrets/%2F..",
            Upstream("/api/applications/app/secrets/%2F.."),
        ),
        ("DELETE", b"/api/applications/app/secrets/..", Refused),
        (
            "PATCH",
            b"/api/applications/a%2Fb/secrets/n%3Fx",
            Upstream("/api/applications/a%2Fb/secrets/n%3Fx"),
        ),
        (
            "DELETE",
            b"/api/configs/oidc/private-keys/k%2F1%23",
            Upstream("/api/configs/oidc/private-keys/k%2F1%23"),
        ),
        ("DELETE", b"/api/configs/oidc/%2E%2E/k1", Refused),
        (
            "DELETE",
            b"/api/applications/a/user-consent-scopes/organization%2Fscopes/..%2F",
            Upstream("/api/applications/a/user-consent-scopes/organization%2Fscopes/..%2F"),
        ),
        (
            "DELETE",
            b"/api/applications/a/users/u%3Fadmin=1/consent-organizations/o",
            Upstream("/api/applications/a/users/u%3Fadmin%3D1/consent-organizations/o"),
        ),
    ];
    let mut failures = Vec::new();
    for (method, target, expect) in cases {
        mock.take_requests();
        let body: &[u8] = if *method == "PATCH" { b"{}" } else { b"" };
        let headers: &[(&str, &str)] = if body.is_empty() {
            &[]
        } else {
            &[("Content-Type", "application/json")]
        };
        let resp = raw::request(gw.addr, method, target, headers, body).await;
        let got = mock.take_requests();
        let shown = String::from_utf8_lossy(target).escape_debug().to_string();
        let refused = matches!(resp.status, 400 | 404) && got.is_empty();
        let reached = |path: &str| resp.status == 200 && got.len() == 1 && got[0].path == path;
        let ok = match expect {
            Upstream(p) => reached(p),
            Refused => refused,
            UpstreamOrRefused(p) => reached(p) || refused,
        };
        if !ok {
            failures.push(format!(
                "{method} {shown}: expected {expect:?}, got {} {:?}, upstream saw {:?}",
                resp.status,
                resp.body_text(),
                got.iter().map(|r| (&r.path, &r.query)).collect::<Vec<_>>()
            ));
        }
        if got.len() == 1 {
            assert_eq!(got[0].query, None, "{shown}: no query smuggled in");
            assert!(
                got[0].header("x-injected").is_none(),
                "{shown}: no header smuggled in"
            );
        }
        if resp.status == 400 && !resp.body.is_empty() {
            let (code, _) = raw_problem(&resp);
            assert!(code.starts_with("gateway."), "{shown}: {code}");
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Query parameters

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_query_types_are_400_naming_the_parameter() {
    let (mock, gw) = setup(|o| o).await;
    let client = http_client();
    for (target, param, ty) in [
        ("/api/applications?page=abc", "page", "integer"),
        ("/api/applications?page_size=1.5", "page_size", "integer"),
        ("/api/applications?page=", "page", "integer"),
        ("/api/applications/a/roles?page=1e3", "page", "integer"),
        ("/api/resources?page_size=%20", "page_size", "integer"),
        (
            "/api/applications/a/organizations?page=99999999999999999999",
            "page",
            "integer",
        ),
    ] {
        let resp = client.get(gw.at(target)).send().await.unwrap();
        let (status, code, message) = problem(resp).await;
        assert_eq!(status, 400, "{target}");
        assert_eq!(code, "gateway.query_type", "{target}");
        assert!(
            message.contains(&format!("`{param}`")),
            "{target}: {message}"
        );
        assert!(message.contains(ty), "{target}: {message}");
    }
    assert_eq!(mock.api_requests().len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_query_keys_are_400_listing_the_accepted_ones() {
    let (mock, gw) = setup(|o| o).await;
    let client = http_client();
    for (target, accepted) in [
        ("/api/applications/a/organizations?foo=1", "page, page_size"),
        (
            "/api/applications/a/organizations?page=1&Page=2",
            "page, page_size",
        ),
        ("/api/connectors?targets=x", "target"),
        (
            "/api/resources?includeScopes=true&search.name=x",
            "includeScopes, page, page_size",
        ),
        ("/api/applications/a?foo=1", "none"),
        ("/api/configs/admin-console?x", "none"),
    ] {
        let resp = client.get(gw.at(target)).send().await.unwrap();
        let (status, code, message) = problem(resp).await;
        assert_eq!(status, 400, "{target}");
        assert_eq!(code, "gateway.query_unknown", "{target}");
        assert!(
            message.ends_with(&format!("accepted: {accepted}")),
            "{target}: {message}"
        );
    }
    // Repeated keys are refused too.
    let resp = client
        .get(gw.at("/api/applications?page=1&page=2"))
        .send()
        .await
        .unwrap();
    let (status, code, _) = problem(resp).await;
    assert_eq!((status, code.as_str()), (400, "gateway.query_repeated"));
    assert_eq!(mock.api_requests().len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extra_keys_go_into_an_object_parameter_and_values_are_reencoded() {
    let (mock, gw) = setup(|o| o).await;
    let client = http_client();
    // listapplications has `search_params` (object): unknown keys are forwarded, form-exploded.
    let resp = client
        .get(gw.at(
            "/api/applications?page=2&search.name=x&mode.name=like&foo=1&types=a%26b%3Dc%23d+e",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let got = mock.take_requests();
    assert_eq!(got.len(), 1);
    let pairs = got[0].query_pairs();
    let find = |k: &str| {
        pairs
            .iter()
            .filter(|(pk, _)| pk == k)
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(find("page"), ["2"]);
    assert_eq!(find("types"), ["a&b=c#d e"]);
    assert_eq!(find("search.name"), ["x"]);
    assert_eq!(find("mode.name"), ["like"]);
    assert_eq!(find("foo"), ["1"]);
    assert_eq!(pairs.len(), 5, "{pairs:?}");
    // Declared parameters first, in declaration order; then the object's entries.
    assert_eq!(pairs[0].0, "types");
    assert_eq!(pairs[1].0, "page");
    let raw = got[0].query.clone().unwrap();
    assert!(
        !raw.contains('#') && !raw.contains("&b="),
        "the value stays one value: {raw}"
    );

    // The same on resource scopes, with a repeated extra key refused.
    let resp = client
        .get(gw.at("/api/resources/r1/scopes?search.name=x&search.name=y"))
        .send()
        .await
        .unwrap();
    let (status, code, _) = problem(resp).await;
    assert_eq!((status, code.as_str()), (400, "gateway.query_repeated"));
    assert_eq!(mock.api_requests().len(), 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Bodies

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_body_is_400() {
    let (mock, gw) = setup(|o| o).await;
    let client = http_client();
    for body in [
        "{\"name\":",
        "name=x",
        "{'a':1}",
        "[1,2,]",
        "{} {}",
        "\u{feff}{}",
    ] {
        let resp = client
            .post(gw.at("/api/applications"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let (status, code, _) = problem(resp).await;
        assert_eq!(
            (status, code.as_str()),
            (400, "gateway.body_malformed"),
            "{body:?}"
        );
    }
    assert_eq!(mock.api_requests().len(), 0);
}

/// A body must be sent as JSON: another content type, or none, is 415 and nothing reaches Logto.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_not_sent_as_json_is_415() {
    let (mock, gw) = setup(|o| o).await;
    let client = http_client();
    for (content_type, body) in [
        (Some("text/plain"), r#"{"name":"a"}"#),
        (Some("text/plain; charset=utf-8"), r#"{"name":"a"}"#),
        (Some("application/x-www-form-urlencoded"), "name=a"),
        (Some("multipart/form-data; boundary=x"), "--x--"),
        (Some("application/jsonp"), r#"{"name":"a"}"#),
        (None, r#"{"name":"a"}"#),
    ] {
        let mut req = client.post(gw.at("/api/applications")).body(body);
        if let Some(t) = content_type {
            req = req.header("content-type", t);
        }
        let (status, code, message) = problem(req.send().await.unwrap()).await;
        assert_eq!(
            (status, code.as_str()),
            (415, "gateway.unsupported_media_type"),
            "{content_type:?}: {message}"
        );
        assert!(
            message.contains("`Content-Type: application/json` (or `application/*+json`)"),
            "{message}"
        );
        match content_type {
            Some(t) => assert!(message.ends_with(&format!("sent as `{t}`")), "{message}"),
            None => assert!(message.ends_with("without a Content-Type"), "{message}"),
        }
    }
    assert_eq!(mock.api_requests().len(), 0);
    // An empty body is no body, whatever it is said to be.
    let resp = client
        .post(gw.at("/api/applications"))
        .header("content-type", "text/plain")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(mock.take_requests()[0].body_text(), "");
}

/// A JSON body is forwarded as the caller sent it, whatever JSON media type and parameters it came with.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_json_body_is_forwarded_byte_for_byte_whatever_its_json_content_type() {
    let (mock, gw) = setup(|o| o).await;
    let client = http_client();
    let body = "{\"name\" : \"caf\u{e9} \\u00e9\",\n  \"n\": [1.50, 2e3, -0], \"b\": {\"b\": 1, \"a\": null}}";
    for content_type in [
        "application/json; charset=utf-8",
        "Application/JSON;charset=UTF-8",
        "application/merge-patch+json",
    ] {
        let resp = client
            .post(gw.at("/api/applications"))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{content_type}");
        let got = mock.take_requests();
        assert_eq!(got.len(), 1, "{content_type}");
        assert_eq!(got[0].body_text(), body, "{content_type}");
        assert_eq!(
            got[0].header("content-type").as_deref(),
            Some("application/json"),
            "{content_type}"
        );
    }
}

/// Arrays and objects nested deeper than serde_json's limit are refused before they reach Logto.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_nested_too_deeply_is_400() {
    let (mock, gw) = setup(|o| o).await;
    let client = http_client();
    let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    for depth in [128, 100_000] {
        let resp = client
            .post(gw.at("/api/applications"))
            .header("content-type", "application/json")
            .body(nested(depth))
            .send()
            .await
            .unwrap();
        let (status, code, message) = problem(resp).await;
        assert_eq!(
            (status, code.as_str()),
            (400, "gateway.body_too_deep"),
            "{depth}: {message}"
        );
        assert!(
            message.starts_with("the request body nests arrays and objects more than 127 deep"),
            "{message}"
        );
    }
    assert_eq!(mock.api_requests().len(), 0);
    // As deep as allowed: forwarded.
    let resp = client
        .post(gw.at("/api/applications"))
        .header("content-type", "application/json")
        .body(nested(127))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(mock.take_requests()[0].body_text(), nested(127));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_body_is_413_with_a_configured_limit() {
    let (mock, gw) = setup(|o| o.max_body_bytes(1024)).await;
    let client = http_client();
    let json_of_len = |n: usize| format!("{{\"a\":\"{}\"}}", "x".repeat(n - 8));
    // Exactly at the limit: accepted and forwarded byte for byte.
    let at_limit = json_of_len(1024);
    assert_eq!(at_limit.len(), 1024);
    let resp = client
        .patch(gw.at("/api/resources/r1"))
        .header("content-type", "application/json")
        .body(at_limit.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(mock.take_requests()[0].body_text(), at_limit);
    // One byte over.
    let resp = client
        .patch(gw.at("/api/resources/r1"))
        .header("content-type", "application/json")
        .body(json_of_len(1025))
        .send()
        .await
        .unwrap();
    let (status, code, _) = problem(resp).await;
    assert_eq!((status, code.as_str()), (413, "gateway.body_rejected"));
    assert_eq!(mock.api_requests().len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_body_is_413_with_the_default_limit() {
    let (mock, gw) = setup(|o| o).await;
    let body = format!("{{\"a\":\"{}\"}}", "x".repeat(1024 * 1024));
    let resp = http_client()
        .post(gw.at("/api/applications"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let (status, code, _) = problem(resp).await;
    assert_eq!((status, code.as_str()), (413, "gateway.body_rejected"));
    assert_eq!(mock.api_requests().len(), 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Inbound authentication, routing, health

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inbound_auth_is_required_when_configured() {
    let (mock, gw) = setup(|o| o.auth_token(INBOUND_TOKEN)).await;
    let client = http_client();
    let url = gw.at("/api/applications/app-1");
    for auth in [
        None,
        Some("Bearer wrong".to_owned()),
        Some(format!("Bearer {INBOUND_TOKEN}x")),
        Some(format!(
            "Bearer {}",
            &INBOUND_TOKEN[..INBOUND_TOKEN.len() - 1]
        )),
        Some(INBOUND_TOKEN.to_owned()),
        Some(format!("Basic {INBOUND_TOKEN}")),
        Some(format!("Bearer  {INBOUND_TOKEN}")),
        Some(format!("Bearer {LOGTO_TOKEN}")),
    ] {
        let mut req = client.get(&url);
        if let Some(a) = &auth {
            req = req.header("authorization", a);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(
            resp.headers()
                .get("www-authenticate")
                .map(|v| v.to_str().unwrap()),
            Some("Bearer")
        );
        let (status, code, _) = problem(resp).await;
        assert_eq!(
            (status, code.as_str()),
            (401, "gateway.unauthorized"),
            "{auth:?}"
        );
    }
    assert_eq!(
        mock.api_requests().len(),
        0,
        "nothing reaches the upstream unauthenticated"
    );

    let resp = client
        .get(&url)
        .header("authorization", format!("Bearer {INBOUND_TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let got = mock.take_requests();
    assert_eq!(got.len(), 1);
    // The caller's token is not forwarded; the upstream gets the Logto token only.
    assert_eq!(
        got[0].header_all("authorization"),
        [format!("Bearer {LOGTO_TOKEN}")]
    );

    // Health and unknown paths need no token.
    let resp = client.get(gw.at("/healthz")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let resp = client.get(gw.at("/no/such/route")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    // A wrong method is answered 405 with `Allow` before authentication, like an unknown path: routes and their
    // methods are the spec's, not a secret. Nothing reaches the upstream.
    let resp = client.put(gw.at("/api/applications")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 405);
    assert!(resp.headers().get("allow").is_some());
    assert_eq!(mock.api_requests().len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_inbound_auth_when_not_configured() {
    let (mock, gw) = setup(|o| o).await;
    let resp = http_client()
        .get(gw.at("/api/applications/app-1"))
        .header("authorization", "Bearer anything")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(
        mock.take_requests()[0].header_all("authorization"),
        [format!("Bearer {LOGTO_TOKEN}")]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_method_is_405_with_allow() {
    let (mock, gw) = setup(|o| o).await;
    let client = http_client();
    for (method, path, allowed) in [
        ("PUT", "/api/applications", &["GET", "POST"][..]),
        (
            "POST",
            "/api/applications/a",
            &["GET", "PATCH", "DELETE"][..],
        ),
        ("GET", "/api/configs/oidc/k/k1", &["DELETE"][..]),
        ("DELETE", "/api/configs/id-token", &["GET", "PUT"][..]),
    ] {
        let resp = client
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                gw.at(path),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 405, "{method} {path}");
        let allow = resp
            .headers()
            .get("allow")
            .unwrap_or_else(|| panic!("{method} {path}: no Allow header"))
            .to_str()
            .unwrap()
            .to_owned();
        let mut got: Vec<&str> = allow
            .split(',')
            .map(str::trim)
            .filter(|m| *m != "HEAD")
            .collect();
        got.sort();
        let mut want = allowed.to_vec();
        want.sort();
        assert_eq!(got, want, "{method} {path}: Allow: {allow}");
        assert_eq!(
            resp.headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap()),
            Some("application/json"),
            "{method} {path}"
        );
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["code"], "gateway.method_not_allowed", "{body}");
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{body}"
        );
    }
    assert_eq!(mock.api_requests().len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_path_is_a_json_404() {
    let (mock, gw) = setup(|o| o).await;
    let client = http_client();
    for path in [
        "/",
        "/nope",
        "/api",
        "/api/applications/a/b/c/d",
        "/api/users",
        "/healthz/x",
    ] {
        let resp = client.get(gw.at(path)).send().await.unwrap();
        let (status, code, _) = problem(resp).await;
        assert_eq!(
            (status, code.as_str()),
            (404, "gateway.not_found"),
            "{path}"
        );
    }
    assert_eq!(mock.api_requests().len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_is_200() {
    let (mock, gw) = setup(|o| o).await;
    let resp = http_client().get(gw.at("/healthz")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"status": "ok"}));
    assert_eq!(
        mock.requests().len(),
        0,
        "health does not call the upstream"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_in_flight_requests_finish() {
    let (mock, gw) = setup(|o| o).await;
    mock.set_default(Reply::json(200, r#"{"slow":true}"#).delay(Duration::from_millis(400)));
    let url = gw.at("/api/resources");
    let call = tokio::spawn(async move { http_client().get(url).send().await.unwrap() });
    // Shut down once the request is in flight: the upstream has it.
    let started = std::time::Instant::now();
    while mock.api_requests().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the request reaches the upstream"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let addr = gw.addr;
    gw.stop().await.unwrap();
    let resp = call.await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.text().await.unwrap(), r#"{"slow":true}"#);
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "no longer listening"
    );
}

/// Reads from `tcp` until the peer closes the connection; returns what was read and when the close came.
async fn read_until_closed(tcp: &mut tokio::net::TcpStream, limit: Duration) -> (Vec<u8>, Instant) {
    use tokio::io::AsyncReadExt;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(limit, tcp.read(&mut buf)).await {
            Err(_) => panic!("the connection is still open after {limit:?}"),
            Ok(Ok(0) | Err(_)) => return (got, Instant::now()),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    use tokio::io::AsyncWriteExt;
    let (mock, gw) = setup(|o| o.header_read_timeout(0.5)).await;
    let mut tcp = tokio::net::TcpStream::connect(gw.addr).await.unwrap();
    let start = Instant::now();
    tcp.write_all(b"GET /api/applications/app1 HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .await
        .unwrap();
    let (got, closed) = read_until_closed(&mut tcp, Duration::from_secs(5)).await;
    let after = closed - start;
    assert_took(
        "closed",
        after,
        Duration::from_millis(450),
        Duration::from_secs(3),
    );
    assert!(
        !String::from_utf8_lossy(&got).contains("200 OK"),
        "no answer to an unfinished request: {}",
        String::from_utf8_lossy(&got)
    );
    assert!(mock.requests().is_empty(), "nothing reached the upstream");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_trickling_its_headers_is_disconnected_at_the_timeout() {
    use tokio::io::AsyncWriteExt;
    let (mock, gw) = setup(|o| o.header_read_timeout(0.5)).await;
    let mut tcp = tokio::net::TcpStream::connect(gw.addr).await.unwrap();
    let start = Instant::now();
    // One header byte every 50 ms: each byte is progress, but the head is not complete after 0.5 s.
    let head = b"GET /api/applications/app1 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    let mut closed_while_writing = false;
    for b in head.chunks(1) {
        if tcp.write_all(b).await.is_err() {
            closed_while_writing = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        if start.elapsed() > Duration::from_secs(3) {
            break;
        }
    }
    let closed = if closed_while_writing {
        Instant::now()
    } else {
        read_until_closed(&mut tcp, Duration::from_secs(5)).await.1
    };
    assert!(
        closed - start < Duration::from_secs(2),
        "closed after {:?}",
        closed - start
    );
    assert!(mock.requests().is_empty(), "nothing reached the upstream");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_kept_alive_connection_is_closed_after_the_timeout_and_a_busy_one_is_not() {
    use tokio::io::AsyncWriteExt;
    let (mock, gw) = setup(|o| o.header_read_timeout(0.5)).await;
    mock.set_default(Reply::json(200, r#"{"id":"app1"}"#));
    let mut tcp = tokio::net::TcpStream::connect(gw.addr).await.unwrap();
    // Requests closer together than the timeout, for longer than it: the connection stays open throughout.
    let start = Instant::now();
    let request = b"GET /api/applications/app1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    let mut answered = 0;
    while start.elapsed() < Duration::from_millis(1200) {
        tcp.write_all(request).await.unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        while !got.ends_with(br#"{"id":"app1"}"#) {
            use tokio::io::AsyncReadExt;
            let n = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut buf))
                .await
                .expect("an answer in time")
                .unwrap();
            assert!(n > 0, "closed while busy, after {answered} answers");
            got.extend_from_slice(&buf[..n]);
        }
        assert!(got.starts_with(b"HTTP/1.1 200 OK"));
        answered += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(answered >= 4, "{answered} answers");
    // Then idle: closed about the timeout after the last answer.
    let idle = Instant::now();
    let (rest, closed) = read_until_closed(&mut tcp, Duration::from_secs(5)).await;
    assert!(rest.is_empty(), "nothing more was sent");
    let after = closed - idle;
    assert!(
        after < Duration::from_secs(3),
        "closed after {after:?} idle"
    );
    assert_eq!(mock.requests().len(), answered);
}

// ---------------------------------------------------------------------------------------------------------------
// Secrets

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_show_in_logs_error_bodies_or_debug_output() {
    let capture = logs::capture();
    let client = http_client();
    let mut bodies = Vec::new();

    // Fixed token, inbound auth: success, inbound 401, upstream 401, upstream 500, bad input.
    let (mock, gw) = setup(|o| o.auth_token(INBOUND_TOKEN)).await;
    let good = format!("Bearer {INBOUND_TOKEN}");
    for (auth, path) in [
        (Some(good.as_str()), "/api/applications/a"),
        (None, "/api/applications/a"),
        (Some("Bearer SECRET-wrong"), "/api/applications/a"),
        (Some(good.as_str()), "/api/applications?page=x"),
        (Some(good.as_str()), "/api/applications/.."),
        (Some(good.as_str()), "/api/nope"),
    ] {
        let mut req = client.get(gw.at(path));
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        bodies.push(req.send().await.unwrap().text().await.unwrap());
    }
    mock.reject_bearer(LOGTO_TOKEN);
    let resp = client
        .get(gw.at("/api/resources"))
        .header("authorization", &good)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    bodies.push(resp.text().await.unwrap());
    for (what, dbg) in [
        ("Debug of the Config", format!("{:?}", gw.config)),
        (
            "Debug of the transport config",
            format!("{:?}", gw.config.transport),
        ),
        (
            "Debug of the clients",
            format!("{:?}", logto_gateway::server::clients(&gw.config).unwrap()),
        ),
    ] {
        assert!(
            dbg.contains("redacted"),
            "{what} shows that it redacts: {dbg}"
        );
        assert_no_secret(what, &dbg);
    }
    drop(gw);

    // M2M: token fetch, refresh after a 401, token endpoint failure, unreachable upstream.
    let (mock, gw) = setup_m2m().await;
    mock.reject_bearer(&mock.issued_token(1));
    bodies.push(
        client
            .get(gw.at("/api/resources"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    let dbg = format!("{:?}", gw.config);
    assert!(dbg.contains(M2M_ID), "the app id is not a secret: {dbg}");
    assert_no_secret("Debug of the M2M Config", &dbg);
    mock.set_token_reply(Some(Reply::json(400, r#"{"error":"invalid_grant"}"#)));
    mock.reject_bearer(&mock.issued_token(2));
    bodies.push(
        client
            .get(gw.at("/api/resources"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    bodies.push(
        client
            .get(gw.at("/api/resources"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    drop(gw);
    let dead = Gateway::start(&GatewayOptions::m2m(
        format!("http://127.0.0.1:{}", free_port()),
        M2M_ID,
        M2M_SECRET,
    ))
    .await;
    bodies.push(
        client
            .get(dead.at("/api/resources"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    drop(dead);

    for b in &bodies {
        assert_no_secret("a response body", b);
    }
    assert!(
        bodies.iter().any(|b| b.contains("gateway.upstream_auth")),
        "{bodies:?}"
    );

    let logs = capture.contents();
    assert!(
        logs.contains("logto_gateway::request"),
        "the request log is captured (so the check below means something)"
    );
    assert!(
        logs.contains("status=401") && logs.contains("status=502"),
        "{logs}"
    );
    for line in logs.lines() {
        assert_no_secret("a log line", line);
    }
}

#[test]

fn serve_args_debug_hides_secrets() {
    let mut opts =
        GatewayOptions::bearer("http://127.0.0.1:1", LOGTO_TOKEN).auth_token(INBOUND_TOKEN);
    assert_no_secret("Debug of ServeArgs", &format!("{:?}", opts.serve_args()));
    opts.logto_token = None;
    opts.m2m = Some((M2M_ID.into(), M2M_SECRET.into()));
    assert_no_secret("Debug of ServeArgs", &format!("{:?}", opts.serve_args()));
}

/// `--read-only`: the REST adapter answers its GET routes and refuses every other method with 403, before Logto is
/// called.
#[tokio::test]
async fn read_only_serves_reads_and_refuses_writes_with_403() {
    logs::capture();
    let mock = MockUpstream::start().await;
    mock.on(Some("GET"), "/api/applications", Reply::json(200, "[]"));
    let mut args = GatewayOptions::bearer(mock.url(), LOGTO_TOKEN).serve_args();
    args.select.read_only = true;
    let gw = Gateway::start_with_config(args.validate().unwrap()).await;
    let http = http_client();

    let resp = http
        .get(format!("{}/api/applications", gw.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    for (method, path) in [
        (reqwest::Method::POST, "/api/applications"),
        (reqwest::Method::DELETE, "/api/applications/app-1"),
        (reqwest::Method::PATCH, "/api/applications/app-1"),
    ] {
        let resp = http
            .request(method.clone(), format!("{}{path}", gw.url))
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        let (status, code, message) = problem(resp).await;
        assert_eq!(
            (status, code.as_str(), message.as_str()),
            (
                403,
                "gateway.read_only",
                format!("`{method}` is not served: the gateway serves reads only (--read-only)")
                    .as_str()
            )
        );
    }
    // The public routes stay public.
    let resp = http
        .get(format!("{}/healthz", gw.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let sent = mock.take_requests();
    assert_eq!(sent.len(), 1, "only the GET reached Logto: {sent:?}");
    assert_eq!(sent[0].method, "GET");
}

/// A selection of MCP tools that names what the spec does not have is a configuration error naming the flag.
#[test]
fn tool_selection_errors_name_the_flag() {
    let base = GatewayOptions::bearer("http://127.0.0.1:9", LOGTO_TOKEN);
    let error = |set: &dyn Fn(&mut logto_gateway::config::ServeArgs)| base.config_error(set);
    assert_eq!(
        error(&|a| a.select.toolsets = vec!["users".into()]),
        "--toolsets (GATEWAY_TOOLSETS): `users` is not a toolset (toolsets: applications, configs, connectors, connector-factories, resources)"
    );
    assert_eq!(
        error(&|a| a.select.tools = vec!["getuser*".into()]),
        "--tools (GATEWAY_TOOLS): `getuser*` names no tool"
    );
    assert!(
        error(&|a| a.select.exclude_tools = vec!["[".into()])
            .starts_with("--exclude-tools (GATEWAY_EXCLUDE_TOOLS): `[` is not a tool name pattern"),
    );
    assert_eq!(
        error(&|a| {
            a.select.tools = vec!["createapplication".into()];
            a.select.read_only = true;
        }),
        "--tools, --exclude-tools, --toolsets and --read-only together select no tool"
    );
}
