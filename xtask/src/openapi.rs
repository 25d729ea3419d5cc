//! `cargo xtask fetch-openapi URL [--out PATH]`: downloads an OpenAPI document (JSON), such as a running Logto's
//! `/api/swagger.json`, and writes it pretty-printed, its keys in the order the server sent them.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// Where the document goes unless `--out` says otherwise, relative to the workspace root.
pub const DEFAULT_OUT: &str = "spec/logto.openapi.json";

/// The largest document read: Logto's is under 1 MiB.
const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// What `fetch` did with the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// The file did not exist or held something else: it was (re)written.
    Changed,
    /// The file already held exactly this document: it was not touched.
    Unchanged,
}

/// Downloads the OpenAPI document at `url` and writes it to `out`, pretty-printed, unless `out` already holds
/// exactly that. Returns what was done and how many paths the document has.
pub fn fetch(url: &str, out: &Path) -> Result<(Written, usize), String> {
    let body = download(url)?;
    let (text, paths) = pretty(&body).map_err(|e| format!("{url}: {e}"))?;
    let written = write_if_changed(out, &text)?;
    Ok((written, paths))
}

/// The body of a `200` answer to `GET url`.
fn download(url: &str) -> Result<Vec<u8>, String> {
    if !url.starts_with("http://") {
        return Err(format!(
            "{url}: only http:// URLs are fetched (this task is built without TLS); a local Logto serves its \
             document at http://127.0.0.1:3001/api/swagger.json"
        ));
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(60)))
        .http_status_as_error(false)
        .build()
        .into();
    let mut resp = agent
        .get(url)
        .header("accept", "application/json")
        .call()
        .map_err(|e| format!("{url}: cannot download: {e}"))?;
    let status = resp.status();
    if status != 200 {
        return Err(format!(
            "{url}: answered {status}, not 200{}",
            snippet(&resp.body_mut().read_to_vec().unwrap_or_default())
        ));
    }
    resp.body_mut()
        .with_config()
        .limit(MAX_BYTES)
        .read_to_vec()
        .map_err(|e| format!("{url}: cannot read the answer: {e}"))
}

/// The start of an error answer's body, to show after its status.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return String::new();
    }
    let shown: String = text
        .chars()
        .take(200)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let more = if text.chars().nth(200).is_some() {
        "…"
    } else {
        ""
    };
    format!(": {shown}{more}")
}

/// `body` as a pretty-printed OpenAPI document: two-space indent, keys in their original order, a trailing newline;
/// and its number of paths. Refuses what is not JSON, and JSON that is not an object with `openapi` and `paths`.
pub fn pretty(body: &[u8]) -> Result<(String, usize), String> {
    let doc: Json =
        serde_json::from_slice(body).map_err(|e| format!("the answer is not JSON: {e}"))?;
    let Json::Object(members) = &doc else {
        return Err("not an OpenAPI document: the answer is not a JSON object".into());
    };
    let member = |key: &str| members.iter().find(|(k, _)| k == key).map(|(_, v)| v);
    for key in ["openapi", "paths"] {
        if member(key).is_none() {
            return Err(format!("not an OpenAPI document: it has no `{key}` key"));
        }
    }
    let paths = match member("paths") {
        Some(Json::Object(p)) => p.len(),
        _ => return Err("not an OpenAPI document: its `paths` is not an object".into()),
    };
    let mut text = serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok((text, paths))
}

/// Writes `text` to `path` (through a temporary file beside it) unless `path` holds exactly `text` already.
fn write_if_changed(path: &Path, text: &str) -> Result<Written, String> {
    if std::fs::read(path).is_ok_and(|old| old == text.as_bytes()) {
        return Ok(Written::Unchanged);
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    std::fs::write(&tmp, text).map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("{}: {e}", path.display())
    })?;
    Ok(Written::Changed)
}

/// A JSON value whose objects keep their members in the order they came in (serde_json's `Value` sorts them, unless
/// built with `preserve_order`, which would change the map of every crate of the workspace built with this one).
#[derive(Debug, Clone, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Json, E> {
        serde_json::Number::from_f64(v)
            .map(Json::Number)
            .ok_or_else(|| E::custom("a number that is not finite"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Json, E> {
        Ok(Json::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some(member) = map.next_entry()? {
            members.push(member);
        }
        Ok(Json::Object(members))
    }
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => serializer.serialize_unit(),
            Json::Bool(b) => serializer.serialize_bool(*b),
            Json::Number(n) => n.serialize(serializer),
            Json::String(s) => serializer.serialize_str(s),
            Json::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Json::Object(members) => {
                let mut map = serializer.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_their_order_and_the_text_is_pretty() {
        let (text, paths) = pretty(
            br#"{"openapi":"3.0.1","info":{"title":"T","version":"1"},"paths":{"/b":{},"/a":{"get":{"z":1,"a":[1.5,-2,true,null,"\u00e9\n",[],{}]}}}}"#,
        )
        .unwrap();
        assert_eq!(paths, 2);
        assert_eq!(
            text,
            r#"{
  "openapi": "3.0.1",
  "info": {
    "title": "T",
    "version": "1"
  },
  "paths": {
    "/b": {},
    "/a": {
      "get": {
        "z": 1,
        "a": [
          1.5,
          -2,
          true,
          null,
          "é\n",
          [],
          {}
        ]
      }
    }
  }
}
"#
        );
        // Formatting its own output changes nothing.
        assert_eq!(pretty(text.as_bytes()).unwrap().0, text);
    }

    #[test]
    fn what_is_not_an_openapi_document_is_refused() {
        for (body, wanted) in [
            (&b"<html>"[..], "the answer is not JSON"),
            (b"{\"openapi\":\"3.0.1\"} x", "the answer is not JSON"),
            (b"[1]", "not a JSON object"),
            (b"{\"paths\":{}}", "no `openapi` key"),
            (b"{\"openapi\":\"3.0.1\"}", "no `paths` key"),
            (
                b"{\"openapi\":\"3.0.1\",\"paths\":[]}",
                "`paths` is not an object",
            ),
        ] {
            let e = pretty(body).unwrap_err();
            assert!(e.contains(wanted), "{e}");
        }
    }

    #[test]
    fn the_file_is_touched_only_when_it_changes() {
        let dir = std::env::temp_dir().join(format!("xtask-openapi-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("sub/doc.json");
        assert_eq!(write_if_changed(&path, "a\n"), Ok(Written::Changed));
        let before = std::fs::metadata(&path).unwrap().modified().unwrap();
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(write_if_changed(&path, "a\n"), Ok(Written::Unchanged));
        assert_eq!(
            std::fs::metadata(&path).unwrap().modified().unwrap(),
            before
        );
        assert_eq!(write_if_changed(&path, "b\n"), Ok(Written::Changed));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "b\n");
        assert!(!dir.join("sub/doc.json.tmp").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A server on a free port answering each of `answers` to one request, in turn; its base URL.
    fn serve(answers: Vec<&'static str>) -> String {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for answer in answers {
                let Ok((mut conn, _)) = listener.accept() else {
                    return;
                };
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && conn.read(&mut byte).is_ok_and(|n| n == 1) {
                    head.push(byte[0]);
                }
                let _ = conn.write_all(answer.as_bytes());
            }
        });
        format!("http://{addr}")
    }

    #[test]
    fn answers_other_than_an_openapi_document_are_errors() {
        let base = serve(vec![
            "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found",
            "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\n<html>",
            "HTTP/1.1 200 OK\r\nContent-Length: 37\r\nConnection: close\r\n\r\n{\"openapi\":\"3.0.1\",\"paths\":{\"/a\":{}}}",
        ]);
        let url = format!("{base}/api/swagger.json");
        let out =
            std::env::temp_dir().join(format!("xtask-openapi-fetch-{}.json", std::process::id()));
        let _ = std::fs::remove_file(&out);
        assert_eq!(
            fetch(&url, &out).unwrap_err(),
            format!("{url}: answered 404 Not Found, not 200: not found")
        );
        let e = fetch(&url, &out).unwrap_err();
        assert!(
            e.starts_with(&format!("{url}: the answer is not JSON")),
            "{e}"
        );
        assert!(!out.exists());
        assert_eq!(fetch(&url, &out), Ok((Written::Changed, 1)));
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            "{\n  \"openapi\": \"3.0.1\",\n  \"paths\": {\n    \"/a\": {}\n  }\n}\n"
        );
        let _ = std::fs::remove_file(&out);
    }

    #[test]
    fn unreachable_servers_and_other_schemes_are_named() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let url = format!("http://127.0.0.1:{port}/api/swagger.json");
        let e = download(&url).unwrap_err();
        assert!(e.starts_with(&format!("{url}: cannot download")), "{e}");
        let e = download("https://example.com/api/swagger.json").unwrap_err();
        assert!(e.contains("only http:// URLs"), "{e}");
    }
}
