//! A stand-in OAuth issuer for the gateway's resource server: test signing keys, the key set and discovery document
//! the recording mock serves for them, and access tokens they sign.
//!
//! The keys in `tests/fixtures/oauth/` are test keys (`openssl genpkey`: EC P-384, RSA 2048), published by nothing
//! else.

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::{MockUpstream, Reply};

/// The resource the gateway is configured as in these tests (`--oauth-audience`).
pub const AUDIENCE: &str = "https://gateway.test/mcp";
const ES384: &str = include_str!("../fixtures/oauth/es384.pem");
const RS256: &str = include_str!("../fixtures/oauth/rs256.pem");

/// The EC P-384 test key (ES384).
pub fn es384() -> EncodingKey {
    EncodingKey::from_ec_pem(ES384.as_bytes()).expect("the ES384 test key")
}

/// The RSA test key (RS256).
pub fn rs256() -> EncodingKey {
    EncodingKey::from_rsa_pem(RS256.as_bytes()).expect("the RSA test key")
}

/// The public half of `key` as a JWK named `kid`.
pub fn jwk(key: &EncodingKey, alg: Algorithm, kid: &str) -> Jwk {
    let mut jwk = Jwk::from_encoding_key(key, alg).expect("a JWK of the test key");
    jwk.common.key_id = Some(kid.to_owned());
    jwk
}

/// Now, in Unix seconds.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// A token of `issuer` for [`AUDIENCE`] with the scopes `read write`, valid for ten minutes, signed by `key` and
/// naming `kid`; `claims` override or add claims.
pub fn token(issuer: &str, key: &EncodingKey, alg: Algorithm, kid: &str, claims: Value) -> String {
    let mut header = Header::new(alg);
    header.kid = Some(kid.to_owned());
    header.typ = Some("at+jwt".into());
    let mut body = json!({
        "iss": issuer, "aud": AUDIENCE, "sub": "agent-1", "client_id": "agent-1",
        "iat": now(), "exp": now() + 600, "scope": "read write",
    });
    if let Some(claims) = claims.as_object() {
        for (k, v) in claims {
            body[k] = v.clone();
        }
    }
    jsonwebtoken::encode(&header, &body, key).expect("sign a test token")
}

/// The mock serves, for `issuer` (a URL on the mock), a discovery document naming `named` as the issuer, and the
/// key set `keys`. Later calls replace what earlier ones published.
pub fn publish(mock: &MockUpstream, issuer: &str, named: &str, keys: Vec<Jwk>) {
    let path = issuer.trim_start_matches(&mock.url()).to_owned();
    mock.on(
        Some("GET"),
        &format!("{path}/.well-known/openid-configuration"),
        Reply::json(
            200,
            json!({"issuer": named, "jwks_uri": format!("{issuer}/jwks")}).to_string(),
        ),
    );
    mock.on(
        Some("GET"),
        &format!("{path}/jwks"),
        Reply::json(
            200,
            serde_json::to_string(&JwkSet { keys }).expect("a JWKS"),
        ),
    );
}

/// An answer as a caller of a protected resource sees it: status, `WWW-Authenticate` (empty when absent), and the
/// body as JSON (a string when it is not JSON).
#[derive(Debug)]
pub struct Seen {
    pub status: u16,
    pub challenge: String,
    pub body: Value,
}

impl Seen {
    pub async fn read(resp: reqwest::Response) -> Seen {
        let status = resp.status().as_u16();
        let challenge = resp
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let text = resp.text().await.expect("the answer's body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Seen {
            status,
            challenge,
            body,
        }
    }
}
