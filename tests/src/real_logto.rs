//! A real Logto OSS server, as `../shared/real-logto/setup.sh` runs it (`cargo xtask test` runs that script): its
//! endpoint and machine-to-machine credentials from `$LOGTO_HOME/m2m.env`, a direct client of its Management API, and
//! answers in the form a REST caller sees them, to compare the gateway's with Logto's own.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use reqwest::Method;
use serde_json::Value;
use tokio::sync::Mutex;

use crate::required;

/// The server, as `m2m.env` describes it.
#[derive(Clone)]
pub struct RealLogto {
    /// `http://127.0.0.1:3001`
    pub endpoint: String,
    /// `{endpoint}/oidc/token`
    pub token_endpoint: String,
    pub app_id: String,
    pub app_secret: String,
    /// `https://default.logto.app/api`
    pub resource: String,
    pub scope: String,
    /// Its PostgreSQL database, for state the Management API cannot make (an application from before Logto's
    /// multiple secrets, say).
    pub db_url: String,
}

impl std::fmt::Debug for RealLogto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RealLogto")
            .field("endpoint", &self.endpoint)
            .field("app_id", &self.app_id)
            .finish_non_exhaustive()
    }
}

/// Where `setup.sh` writes `m2m.env`: `$LOGTO_HOME`, by default `${TMPDIR:-/tmp}/logto-oss`.
pub fn env_file() -> PathBuf {
    let home = std::env::var_os("LOGTO_HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("logto-oss"));
    home.join("m2m.env")
}

impl RealLogto {
    /// The running server, or `None` (the test is skipped, saying what to run) when there is none; under `CI=true`
    /// or `REAL_LOGTO_REQUIRED=1` a missing server fails the test instead.
    pub async fn find() -> Option<RealLogto> {
        const HOW: &str = "run `cargo xtask test`, or `bash ../shared/real-logto/setup.sh` from the workspace root";
        let path = env_file();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                required(
                    "REAL_LOGTO_REQUIRED",
                    &format!(
                        "no real Logto server: cannot read {} ({e}); {HOW}",
                        path.display()
                    ),
                );
                return None;
            }
        };
        let vars: BTreeMap<&str, &str> = text
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim(), v.trim()))
            .collect();
        let var = |k: &str| {
            vars.get(k)
                .map(|v| (*v).to_owned())
                .unwrap_or_else(|| panic!("{} has no {k}", path.display()))
        };
        let logto = RealLogto {
            endpoint: var("LOGTO_ENDPOINT"),
            token_endpoint: var("LOGTO_TOKEN_ENDPOINT"),
            app_id: var("LOGTO_M2M_APP_ID"),
            app_secret: var("LOGTO_M2M_APP_SECRET"),
            resource: var("LOGTO_M2M_RESOURCE"),
            scope: var("LOGTO_M2M_SCOPE"),
            db_url: var("LOGTO_DB_URL"),
        };
        let status = crate::http_client()
            .get(format!("{}/api/status", logto.endpoint))
            .send()
            .await
            .map(|r| r.status().as_u16());
        if status.as_ref().ok() != Some(&204) {
            required(
                "REAL_LOGTO_REQUIRED",
                &format!(
                    "the real Logto server of {} does not answer at {} ({status:?}); {HOW}",
                    path.display(),
                    logto.endpoint
                ),
            );
            return None;
        }
        Some(logto)
    }

    /// The server for this test alone, across processes (a lock on `$LOGTO_HOME/e2e.lock`, released when the guard
    /// is dropped): tests that change its global state, or delete what earlier runs left, take it.
    pub async fn exclusive(&self) -> Exclusive {
        let path = env_file().with_file_name("e2e.lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        tokio::task::spawn_blocking(move || {
            file.lock().expect("lock the real Logto for one test");
            Exclusive { _locked: file }
        })
        .await
        .expect("the lock task")
    }

    /// Runs one SQL statement on Logto's database with `psql` (installed with PostgreSQL by `setup.sh`).
    pub fn sql(&self, statement: &str) {
        let out = std::process::Command::new("psql")
            .args([
                self.db_url.as_str(),
                "-v",
                "ON_ERROR_STOP=1",
                "-qc",
                statement,
            ])
            .output()
            .expect("run psql (PostgreSQL's client, installed by setup.sh)");
        assert!(
            out.status.success(),
            "psql: {statement}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Restarts Logto's core process (PostgreSQL keeps running): stops the one `setup.sh` recorded in
    /// `$LOGTO_HOME/core.pid`, runs `setup.sh` (of `$REAL_LOGTO_DIR`, by default `../shared/real-logto`), which starts
    /// it again, and waits for it to answer. Logto OSS without Redis reads some configuration only when it starts
    /// (its OIDC signing keys, say).
    pub async fn restart_core(&self) {
        let home = env_file().parent().map(PathBuf::from).expect("LOGTO_HOME");
        let pid: i32 = std::fs::read_to_string(home.join("core.pid"))
            .expect("$LOGTO_HOME/core.pid: the core setup.sh started")
            .trim()
            .parse()
            .expect("a pid in core.pid");
        let alive = || {
            std::process::Command::new("kill")
                .args(["-0", &pid.to_string()])
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        let stopped = std::process::Command::new("kill")
            .arg(pid.to_string())
            .status()
            .expect("run kill");
        assert!(stopped.success(), "stop Logto's core (pid {pid})");
        for _ in 0..300 {
            if !alive() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(
            !alive(),
            "Logto's core (pid {pid}) did not stop within 30 s"
        );
        let dir = std::env::var_os("REAL_LOGTO_DIR")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/real-logto")
            });
        let out = tokio::process::Command::new("bash")
            .arg(dir.join("setup.sh"))
            .output()
            .await
            .expect("run setup.sh");
        assert!(
            out.status.success(),
            "setup.sh (restarting Logto's core): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let http = crate::http_client();
        for _ in 0..600 {
            let status = http
                .get(format!("{}/api/status", self.endpoint))
                .send()
                .await
                .map(|r| r.status().as_u16());
            if status.ok() == Some(204) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("Logto did not answer within 60 s of its restart");
    }

    /// A `client_credentials` access token of the app `client_id` for `resource` with the scopes asked for (Logto
    /// grants those of them the app's roles hold).
    pub async fn client_credentials(
        &self,
        client_id: &str,
        secret: &str,
        resource: &str,
        scope: &str,
    ) -> String {
        let resp = crate::http_client()
            .post(&self.token_endpoint)
            .basic_auth(client_id, Some(secret))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(
                form_urlencoded::Serializer::new(String::new())
                    .extend_pairs([
                        ("grant_type", "client_credentials"),
                        ("resource", resource),
                        ("scope", scope),
                    ])
                    .finish(),
            )
            .send()
            .await
            .expect("the token endpoint answers");
        let status = resp.status();
        let body: Value = resp.json().await.expect("the token endpoint's JSON");
        match body["access_token"].as_str() {
            Some(t) if status.is_success() => t.to_owned(),
            _ => panic!("no token for {client_id} and {resource}: {status} {body}"),
        }
    }

    /// A client of the Management API that authenticates as the M2M app, the way the gateway does.
    pub fn direct(&self) -> Direct {
        Direct {
            logto: self.clone(),
            http: crate::http_client(),
            token: Mutex::new(None),
        }
    }

    /// A `client_credentials` token for `resource`, or the token endpoint's answer when it refuses.
    pub async fn fetch_token(
        &self,
        http: &reqwest::Client,
        secret: &str,
    ) -> Result<String, (u16, String)> {
        let resp = http
            .post(&self.token_endpoint)
            .basic_auth(&self.app_id, Some(secret))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(
                form_urlencoded::Serializer::new(String::new())
                    .extend_pairs([
                        ("grant_type", "client_credentials"),
                        ("resource", &self.resource),
                        ("scope", &self.scope),
                    ])
                    .finish(),
            )
            .send()
            .await
            .map_err(|e| (0, e.to_string()))?;
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.map_err(|e| (status, e.to_string()))?;
        match body["access_token"].as_str() {
            Some(t) if status == 200 => Ok(t.to_owned()),
            _ => Err((status, body.to_string())),
        }
    }
}

/// Holds the real Logto for one test (see [`RealLogto::exclusive`]).
#[derive(Debug)]
pub struct Exclusive {
    _locked: std::fs::File,
}

/// The Management API called directly, with the M2M app's token (fetched once, and again when refused).
pub struct Direct {
    pub logto: RealLogto,
    http: reqwest::Client,
    token: Mutex<Option<String>>,
}

impl Direct {
    async fn token(&self, fresh: bool) -> String {
        let mut slot = self.token.lock().await;
        if fresh || slot.is_none() {
            let t = self
                .logto
                .fetch_token(&self.http, &self.logto.app_secret)
                .await
                .unwrap_or_else(|e| panic!("the M2M token for the direct client: {e:?}"));
            *slot = Some(t);
        }
        slot.clone().unwrap_or_default()
    }

    /// `method path_and_query` against Logto, with `body` as JSON.
    pub async fn call(&self, method: &str, path_and_query: &str, body: Option<&Value>) -> Answer {
        let mut fresh = false;
        loop {
            let token = self.token(fresh).await;
            let answer = send(
                &self.http,
                method,
                &format!("{}{path_and_query}", self.logto.endpoint),
                Some(&token),
                body,
            )
            .await;
            if answer.status != 401 || fresh {
                return answer;
            }
            fresh = true;
        }
    }

    /// The JSON body of a call that must succeed.
    pub async fn ok(&self, method: &str, path_and_query: &str, body: Option<Value>) -> Value {
        let a = self.call(method, path_and_query, body.as_ref()).await;
        assert!(
            (200..300).contains(&a.status),
            "{method} {path_and_query} directly: {a:?}"
        );
        a.json().cloned().unwrap_or(Value::Null)
    }
}

/// One HTTP request, its answer read whole.
pub async fn send(
    http: &reqwest::Client,
    method: &str,
    url: &str,
    bearer: Option<&str>,
    body: Option<&Value>,
) -> Answer {
    let method = Method::from_bytes(method.as_bytes()).expect("an HTTP method");
    let mut req = http.request(method, url).timeout(Duration::from_secs(30));
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    let resp = req.send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
    Answer::read(resp).await
}

/// What a REST caller sees of an answer: status, content type, body and the pagination headers.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    /// The media type alone (`application/json`), without parameters.
    pub content_type: Option<String>,
    pub body: Body,
    pub total_number: Option<String>,
    pub links: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Empty,
    Json(Value),
    Text(String),
}

impl Answer {
    pub async fn read(resp: reqwest::Response) -> Answer {
        let status = resp.status().as_u16();
        let h = resp.headers();
        let content_type = h
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase()
            });
        let total_number = h
            .get("total-number")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let links = h
            .get_all("link")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect();
        let bytes = resp.bytes().await.expect("read the body");
        let body = if bytes.iter().all(u8::is_ascii_whitespace) {
            Body::Empty
        } else if content_type.as_deref().is_some_and(|t| t.ends_with("json")) {
            serde_json::from_slice(&bytes)
                .map(Body::Json)
                .unwrap_or_else(|_| Body::Text(String::from_utf8_lossy(&bytes).into_owned()))
        } else {
            Body::Text(String::from_utf8_lossy(&bytes).into_owned())
        };
        Answer {
            status,
            content_type,
            body,
            total_number,
            links,
        }
    }

    pub fn json(&self) -> Option<&Value> {
        match &self.body {
            Body::Json(v) => Some(v),
            _ => None,
        }
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}
