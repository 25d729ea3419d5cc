//! The OAuth resource server against a stand-in issuer (the recording mock serves the discovery document and the key
//! set, and is the upstream too): what the real Logto cannot be made to do on demand — tokens of both key kinds,
//! `nbf` in the future, a key the issuer does not publish, an issuer that is down or names itself otherwise — and
//! exactly what reaches the upstream and the issuer. The scenario with the real Logto is `tests/oauth`.
//!

use e2e_tests::issuer::{AUDIENCE, Seen, es384, jwk, now, publish, rs256, token};
use e2e_tests::{Gateway, GatewayOptions, MockUpstream, Reply, http_client};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};

const LOGTO_TOKEN: &str = "SECRET-gateway-own-token-61d0";
/// The mock as issuer (`{mock}/oidc`, publishing `keys`) and upstream, and the REST adapter accepting its tokens.
async fn setup(keys: Vec<Jwk>) -> (MockUpstream, Gateway, String) {
    let mock = MockUpstream::start().await;
    let issuer = format!("{}/oidc", mock.url());
    publish(&mock, &issuer, &issuer, keys);
    mock.on(
        Some("GET"),
        "/api/applications/app1",
        Reply::json(200, r#"{"id":"app1"}"#),
    );
    let gw = gateway(&mock, &issuer).await;
    (mock, gw, issuer)
}

async fn gateway(mock: &MockUpstream, issuer: &str) -> Gateway {
    let mut args = GatewayOptions::bearer(mock.url(), LOGTO_TOKEN).serve_args();
    args.oauth.oauth_issuer = Some(issuer.to_owned());
    args.oauth.oauth_audience = Some(AUDIENCE.to_owned());
    Gateway::start_with_config(args.validate().unwrap()).await
}

async fn get(gw: &Gateway, token: &str) -> (u16, String, Value) {
    let resp = http_client()
        .get(gw.at("/api/applications/app1"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let seen = Seen::read(resp).await;
    (seen.status, seen.challenge, seen.body)
}

fn jwks_fetches(mock: &MockUpstream) -> usize {
    mock.requests()
        .iter()
        .filter(|r| r.path.ends_with("/jwks"))
        .count()
}

#[tokio::test]
async fn tokens_of_either_key_kind_pass_and_only_the_gateways_own_token_goes_upstream() {
    let capture = e2e_tests::logs::capture();
    let (es, rs) = (es384(), rs256());
    let (mock, gw, issuer) = setup(vec![
        jwk(&es, Algorithm::ES384, "ec-1"),
        jwk(&rs, Algorithm::RS256, "rsa-1"),
    ])
    .await;
    for (key, alg, kid) in [
        (&es, Algorithm::ES384, "ec-1"),
        (&rs, Algorithm::RS256, "rsa-1"),
    ] {
        let t = token(&issuer, key, alg, kid, json!({}));
        let (status, _, body) = get(&gw, &t).await;
        assert_eq!((status, body), (200, json!({"id": "app1"})), "{alg:?}");
        let upstream = mock.api_requests();
        let last = upstream.last().unwrap();
        assert_eq!(last.path, "/api/applications/app1");
        assert_eq!(
            last.header("authorization").as_deref(),
            Some(format!("Bearer {LOGTO_TOKEN}").as_str())
        );
        assert!(
            !last
                .headers
                .iter()
                .any(|(_, v)| String::from_utf8_lossy(v).contains(&t)),
            "the caller's token reached the upstream"
        );
    }
    // The keys were fetched once for both.
    assert_eq!(jwks_fetches(&mock), 1);

    let refused = [
        (
            token(
                &issuer,
                &es,
                Algorithm::ES384,
                "ec-1",
                json!({"nbf": now() + 300}),
            ),
            "not valid yet",
        ),
        (
            token(
                &issuer,
                &es,
                Algorithm::ES384,
                "ec-1",
                json!({"exp": now() - 300}),
            ),
            "expired",
        ),
        (
            token(
                &issuer,
                &es,
                Algorithm::ES384,
                "ec-1",
                json!({"iss": "https://elsewhere/oidc"}),
            ),
            "issuer",
        ),
        (
            token(
                &issuer,
                &es,
                Algorithm::ES384,
                "ec-1",
                json!({"aud": "https://default.logto.app/api"}),
            ),
            "audience",
        ),
        // Signed by the EC key, naming the RSA key.
        (
            token(&issuer, &es, Algorithm::ES384, "rsa-1", json!({})),
            "algorithm",
        ),
        // A shared secret: the public key's bytes as an HMAC key must not pass.
        (
            token(
                &issuer,
                &EncodingKey::from_secret(b"k").unwrap(),
                Algorithm::HS256,
                "ec-1",
                json!({}),
            ),
            "asymmetric",
        ),
    ];
    let before = mock.api_requests().len();
    for (t, why) in refused {
        let (status, challenge, body) = get(&gw, &t).await;
        assert_eq!(status, 401, "{why}: {body}");
        assert!(
            challenge.starts_with("Bearer error=\"invalid_token\""),
            "{challenge}"
        );
        assert!(
            challenge.contains(r#"resource_metadata="https://gateway.test/.well-known/oauth-protected-resource/mcp""#),
            "{challenge}"
        );
        assert!(
            body["message"].as_str().unwrap().contains(why),
            "{why}: {body}"
        );
    }
    assert_eq!(
        mock.api_requests().len(),
        before,
        "a refused request reached the upstream"
    );

    // A token without the write scope may read, not write.
    let reader = token(
        &issuer,
        &es,
        Algorithm::ES384,
        "ec-1",
        json!({"scope": "read"}),
    );
    assert_eq!(get(&gw, &reader).await.0, 200);
    let resp = http_client()
        .delete(gw.at("/api/applications/app1"))
        .bearer_auth(&reader)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(
        resp.headers()["www-authenticate"],
        r#"Bearer error="insufficient_scope", error_description="the token lacks the scope `write`", resource_metadata="https://gateway.test/.well-known/oauth-protected-resource/mcp", scope="write""#
    );

    // The request log names the client the token was issued to, for what passed and what was refused; never a
    // token.
    let logs = capture.contents();
    let lines: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("logto_gateway::request"))
        .collect();
    assert!(
        lines.iter().any(|l| l.contains("method=GET")
            && l.contains("status=200")
            && l.contains(r#"client="agent-1""#)),
        "{logs}"
    );
    assert!(
        lines.iter().any(|l| l.contains("method=DELETE")
            && l.contains("status=403")
            && l.contains(r#"client="agent-1""#)),
        "{logs}"
    );
    assert!(!logs.contains(&reader), "a token shows in the logs");
}

#[tokio::test]
async fn an_unknown_key_fetches_the_keys_again_at_most_once_per_interval() {
    let es = es384();
    let (mock, gw, issuer) = setup(vec![jwk(&es, Algorithm::ES384, "ec-1")]).await;
    assert_eq!(
        get(
            &gw,
            &token(&issuer, &es, Algorithm::ES384, "ec-1", json!({}))
        )
        .await
        .0,
        200
    );
    assert_eq!(jwks_fetches(&mock), 1);
    // The issuer rotates: a token names a key not seen yet, which is fetched.
    let rotated = rs256();
    publish(
        &mock,
        &issuer,
        &issuer,
        vec![
            jwk(&rotated, Algorithm::RS256, "rsa-2"),
            jwk(&es, Algorithm::ES384, "ec-1"),
        ],
    );
    let t = token(&issuer, &rotated, Algorithm::RS256, "rsa-2", json!({}));
    assert_eq!(get(&gw, &t).await.0, 200);
    assert_eq!(jwks_fetches(&mock), 2);
    // Made-up key ids do not make the gateway fetch again within the interval, however many come.
    for i in 0..5 {
        let t = token(
            &issuer,
            &es,
            Algorithm::ES384,
            &format!("made-up-{i}"),
            json!({}),
        );
        let (status, _, body) = get(&gw, &t).await;
        assert_eq!(status, 401);
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("not signed by a key the issuer publishes")
        );
    }
    assert_eq!(jwks_fetches(&mock), 2);
}

#[tokio::test]
async fn an_issuer_that_is_down_or_names_another_issuer_makes_503() {
    let es = es384();
    let mock = MockUpstream::start().await;
    let issuer = format!("{}/oidc", mock.url());
    publish(
        &mock,
        &issuer,
        "https://impostor.example/oidc",
        vec![jwk(&es, Algorithm::ES384, "ec-1")],
    );
    let gw = gateway(&mock, &issuer).await;
    let t = token(&issuer, &es, Algorithm::ES384, "ec-1", json!({}));
    let resp = http_client()
        .get(gw.at("/api/applications/app1"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.headers()["retry-after"], "1");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "gateway.oauth_unavailable");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("names the issuer `https://impostor.example/oidc`"),
        "{body}"
    );
    assert!(
        mock.api_requests()
            .iter()
            .all(|r| !r.path.starts_with("/api/"))
    );

    // Nothing listens where the issuer should be.
    let down = format!("http://127.0.0.1:{}/oidc", crate::support::free_port());
    let gw = gateway(&mock, &down).await;
    let (status, _, body) = get(&gw, &t).await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("cannot fetch"),
        "{body}"
    );
}

#[test]
fn oauth_configuration_errors_name_the_flags() {
    let base = GatewayOptions::bearer("http://127.0.0.1:9", LOGTO_TOKEN);
    let error = |set: &dyn Fn(&mut logto_gateway::config::ServeArgs)| base.config_error(set);
    assert_eq!(
        error(&|a| a.oauth.oauth_issuer = Some("https://t.logto.app/oidc".into())),
        "--oauth-issuer (GATEWAY_OAUTH_ISSUER) needs --oauth-audience (GATEWAY_OAUTH_AUDIENCE): the API resource tokens are issued for"
    );
    assert_eq!(
        error(&|a| {
            a.oauth.oauth_issuer = Some("https://t.logto.app/oidc".into());
            a.oauth.oauth_audience = Some(AUDIENCE.into());
            a.auth_token = Some(naftiko_runtime::client::Secret::new("t"));
        }),
        "both --auth-token (GATEWAY_AUTH_TOKEN) and --oauth-issuer (GATEWAY_OAUTH_ISSUER) are set; choose one"
    );
    let plain_http = error(&|a| {
        a.oauth.oauth_issuer = Some("http://t.logto.app/oidc".into());
        a.oauth.oauth_audience = Some(AUDIENCE.into());
    });
    assert!(
        plain_http.starts_with("--oauth-issuer, --oauth-audience")
            && plain_http.contains("must be an https URL"),
        "{plain_http}"
    );
    let same_scopes = error(&|a| {
        a.oauth.oauth_issuer = Some("https://t.logto.app/oidc".into());
        a.oauth.oauth_audience = Some(AUDIENCE.into());
        a.oauth.oauth_write_scope = "read".into();
    });
    assert!(same_scopes.contains("both `read`"), "{same_scopes}");
    // With OAuth, a non-loopback address needs nothing more.
    let mut args = base.serve_args();
    args.bind = "0.0.0.0".parse().unwrap();
    args.oauth.oauth_issuer = Some("https://t.logto.app/oidc".into());
    args.oauth.oauth_audience = Some(AUDIENCE.into());
    assert!(args.validate().is_ok());
}

#[tokio::test]
async fn a_token_that_passed_is_remembered_until_the_keys_are_fetched_again() {
    let es = es384();
    let (mock, gw, issuer) = setup(vec![jwk(&es, Algorithm::ES384, "ec-1")]).await;
    let first = token(&issuer, &es, Algorithm::ES384, "ec-1", json!({}));
    assert_eq!(get(&gw, &first).await.0, 200);
    // The issuer withdraws the key and publishes another: the gateway does not know yet, and the token it checked
    // passes without being checked again.
    let next = rs256();
    publish(
        &mock,
        &issuer,
        &issuer,
        vec![jwk(&next, Algorithm::RS256, "rsa-2")],
    );
    assert_eq!(get(&gw, &first).await.0, 200);
    assert_eq!(jwks_fetches(&mock), 1);
    // A token of the new key makes the gateway fetch the keys: from then on, the withdrawn key's token is refused.
    let second = token(&issuer, &next, Algorithm::RS256, "rsa-2", json!({}));
    assert_eq!(get(&gw, &second).await.0, 200);
    assert_eq!(jwks_fetches(&mock), 2);
    let (status, _, body) = get(&gw, &first).await;
    assert_eq!(status, 401, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("not signed by a key the issuer publishes"),
        "{body}"
    );
}
