//! The bench's OAuth issuer, for `--instructions --oauth`: the mock upstream serves its discovery document and key
//! set at `/oidc`, and every load carries one access token it signed (ES384, Logto's default), as an agent reuses its
//! token for every call. The key is the test key of `tests/fixtures/oauth/es384.pem`.

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};

/// The resource the gateway is configured as (`--oauth-audience`).
pub const AUDIENCE: &str = "https://bench.test/mcp";
const KEY_ID: &str = "bench-es384";
const KEY: &str = include_str!("../../../tests/fixtures/oauth/es384.pem");

fn key() -> Result<EncodingKey, String> {
    EncodingKey::from_ec_pem(KEY.as_bytes()).map_err(|e| format!("the bench's signing key: {e}"))
}

/// The issuer the mock on `port` is.
pub fn issuer(port: u16) -> String {
    format!("http://127.0.0.1:{port}/oidc")
}

/// The issuer's discovery document.
pub fn discovery(port: u16) -> String {
    serde_json::json!({
        "issuer": issuer(port),
        "jwks_uri": format!("{}/jwks", issuer(port)),
    })
    .to_string()
}

/// The issuer's key set: the public half of the key.
pub fn jwks() -> Result<String, String> {
    let mut jwk = Jwk::from_encoding_key(&key()?, Algorithm::ES384)
        .map_err(|e| format!("the bench's JWK: {e}"))?;
    jwk.common.key_id = Some(KEY_ID.to_owned());
    serde_json::to_string(&JwkSet { keys: vec![jwk] }).map_err(|e| e.to_string())
}

/// An access token of the mock on `port` for [`AUDIENCE`], with both scopes, valid for a day.
pub fn token(port: u16) -> Result<String, String> {
    let now = jsonwebtoken::get_current_timestamp();
    let mut header = Header::new(Algorithm::ES384);
    header.kid = Some(KEY_ID.to_owned());
    header.typ = Some("at+jwt".into());
    let claims = serde_json::json!({
        "iss": issuer(port), "aud": AUDIENCE, "sub": "bench", "client_id": "bench",
        "iat": now, "exp": now + 86_400, "scope": "read write",
    });
    jsonwebtoken::encode(&header, &claims, &key()?).map_err(|e| format!("signing the token: {e}"))
}
