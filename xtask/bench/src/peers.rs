//! The runtime peers of `cargo xtask bench`: two MCP servers that serve Logto's Management API from Logto's
//! OpenAPI document at run time, as the generated gateway does from its compiled spec.
//!
//! - [`rmcp-openapi-server`](https://crates.io/crates/rmcp-openapi-server) (Rust, actix-web + rmcp),
//!   installed with `cargo install --locked` into `target/bench/peers/cargo/`;
//! - [FastMCP](https://pypi.org/project/fastmcp/) (Python, `FastMCP.from_openapi`, uvicorn), installed with pip
//!   into the venv `target/bench/peers/venv/` from `xtask/bench/fastmcp-requirements.txt` and run by
//!   `xtask/bench/fastmcp_server.py`.
//!
//! Both are started on 127.0.0.1 and serve MCP's streamable HTTP transport at `/mcp`, stateless: no
//! `initialize` handshake and no `Mcp-Session-Id` are needed, every `tools/call` stands alone. Both name their
//! tools after Logto's operationIds as they are (`GetApplication`), and both take a path parameter as a top-level
//! argument (`{"id": "app1"}`). Both call the upstream with `Authorization: Bearer t`.
//!
//! Typical use:
//!
//! ```ignore
//! let paths = peers::ensure_installed(&root)?;
//! let doc = peers::prepare_openapi(&root, &upstream)?;
//! let peer = peers::start_fastmcp(&paths, &doc, &upstream, port)?;
//! let call = peers::prepare_call(&peer)?;
//! let startup = peers::wait_ready(&peer, &call, Duration::from_secs(60))?;
//! // ... load `call.url` with `call.headers` and `call.body` ...
//! drop(peer); // kills the peer's process group
//! ```

use std::ffi::OsString;
use std::fs;
use std::io;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The rmcp-openapi-server release installed (the newest on crates.io in 2026-11; builds with Rust 1.95).
pub const RMCP_OPENAPI_SERVER_VERSION: &str = "0.32.1";
/// The FastMCP release installed (pinned with its dependencies in `xtask/bench/fastmcp-requirements.txt`).
pub const FASTMCP_VERSION: &str = "4.2.3";
/// The MCP protocol version the calls announce (`MCP-Protocol-Version`); both peers accept it.
pub const PROTOCOL_VERSION: &str = "2025-11-25";
/// The bearer token the peers send upstream.
pub const TOKEN: &str = "t";
/// The application the benchmarked call reads.
pub const APP_ID: &str = "app1";

const LOGTO_OPENAPI: &str = "tests/fixtures/logto-management-openapi-2025-01.json";
const FASTMCP_SCRIPT: &str = "xtask/bench/fastmcp_server.py";
const FASTMCP_REQUIREMENTS: &str = "xtask/bench/fastmcp-requirements.txt";

/// Where the peers are installed, all under `<target>/bench/peers/` (`<target>` is `$CARGO_TARGET_DIR` if set,
/// else `<root>/target`).
#[derive(Debug, Clone)]
pub struct PeerPaths {
    /// `<target>/bench/peers`.
    pub dir: PathBuf,
    /// `<dir>/cargo/bin/rmcp-openapi-server`.
    pub rmcp_openapi_server: PathBuf,
    /// `<dir>/venv/bin/python`, with FastMCP installed.
    pub python: PathBuf,
    /// `<root>/xtask/bench/fastmcp_server.py`.
    pub fastmcp_script: PathBuf,
    /// `<dir>/logs`: each started peer's stdout and stderr go to `<logs>/<name>-<port>.log`.
    pub logs: PathBuf,
}

/// `<target>/bench/peers`.
pub fn peers_dir(root: &Path) -> PathBuf {
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(t) if !t.is_empty() => root.join(t), // `join` keeps an absolute path as is
        _ => root.join("target"),
    };
    target.join("bench").join("peers")
}

/// The paths of [`ensure_installed`], without installing anything.
pub fn peer_paths(root: &Path) -> PeerPaths {
    let dir = peers_dir(root);
    PeerPaths {
        rmcp_openapi_server: dir.join("cargo").join("bin").join("rmcp-openapi-server"),
        python: dir.join("venv").join("bin").join("python"),
        fastmcp_script: root.join(FASTMCP_SCRIPT),
        logs: dir.join("logs"),
        dir,
    }
}

/// What a peer occupies on disk: for `"rmcp-openapi-server"` its binary, for `"FastMCP"` / `"fastmcp"` the whole
/// venv (Python's standard library excluded, the venv links to it). `None` for another name or when not installed.
pub fn binary_size(paths: &PeerPaths, name: &str) -> Option<u64> {
    match name.to_ascii_lowercase().as_str() {
        "rmcp-openapi-server" => fs::metadata(&paths.rmcp_openapi_server)
            .ok()
            .map(|m| m.len()),
        "fastmcp" => {
            let venv = paths.dir.join("venv");
            venv.is_dir().then(|| dir_size(&venv))
        }
        _ => None,
    }
}

fn dir_size(dir: &Path) -> u64 {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_size(&e.path()),
            Ok(t) if t.is_file() => e.metadata().map(|m| m.len()).unwrap_or(0),
            _ => 0, // symlinks (bin/python) are not followed
        })
        .sum()
}

/// Installs what is missing (idempotent; a second call costs two version checks, well under a second):
///
/// - `cargo install --locked --force --root <dir>/cargo --version 0.32.1 rmcp-openapi-server`, with the build directory
///   `<dir>/cargo-build` (kept when the build fails or is interrupted, so that the next attempt resumes; removed
///   after success). About 9 CPU-minutes of release build, ~300 crates (14 min on a busy 2-CPU machine);
/// - `python3 -m venv <dir>/venv` and `<dir>/venv/bin/python -m pip install -r xtask/bench/fastmcp-requirements.txt`
///   (about a minute, mostly downloads). `python3` can be overridden with `$BENCH_PYTHON`; FastMCP needs
///   Python >= 3.10.
///
/// Progress goes to stderr.
pub fn ensure_installed(root: &Path) -> Result<PeerPaths, String> {
    let paths = peer_paths(root);
    fs::create_dir_all(&paths.dir)
        .map_err(|e| format!("cannot create {}: {e}", paths.dir.display()))?;
    fs::create_dir_all(&paths.logs)
        .map_err(|e| format!("cannot create {}: {e}", paths.logs.display()))?;
    if !paths.fastmcp_script.is_file() {
        return Err(format!("{} is missing", paths.fastmcp_script.display()));
    }
    install_rmcp_openapi_server(&paths)?;
    install_fastmcp(root, &paths)?;
    Ok(paths)
}

fn install_rmcp_openapi_server(paths: &PeerPaths) -> Result<(), String> {
    let cargo_root = paths.dir.join("cargo");
    let wanted = format!("\"rmcp-openapi-server {RMCP_OPENAPI_SERVER_VERSION} ");
    let listed = fs::read_to_string(cargo_root.join(".crates.toml")).unwrap_or_default();
    if paths.rmcp_openapi_server.is_file() && listed.contains(&wanted) {
        eprintln!("bench: rmcp-openapi-server {RMCP_OPENAPI_SERVER_VERSION} is installed");
        return Ok(());
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let mut cmd = Command::new(&cargo);
    cmd.arg("install")
        .arg("--locked")
        // Only reached when the check above fails; replaces an untracked or other binary of that name.
        .arg("--force")
        .arg("--root")
        .arg(&cargo_root)
        .arg("--version")
        .arg(RMCP_OPENAPI_SERVER_VERSION)
        .arg("rmcp-openapi-server")
        .env("CARGO_TARGET_DIR", paths.dir.join("cargo-build"))
        .current_dir(&paths.dir)
        .stdin(Stdio::null())
        .stdout(Stdio::from(io::stderr()));
    eprintln!(
        "bench: installing rmcp-openapi-server {RMCP_OPENAPI_SERVER_VERSION}: {} (several minutes)",
        show(&cmd)
    );
    let started = Instant::now();
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run {}: {e}", cargo.to_string_lossy()))?;
    if !status.success() {
        return Err(format!("`{}` failed ({status})", show(&cmd)));
    }
    if !paths.rmcp_openapi_server.is_file() {
        return Err(format!(
            "`{}` succeeded but {} is missing",
            show(&cmd),
            paths.rmcp_openapi_server.display()
        ));
    }
    let _ = fs::remove_dir_all(paths.dir.join("cargo-build"));
    eprintln!(
        "bench: rmcp-openapi-server installed in {:.0?}",
        started.elapsed()
    );
    Ok(())
}

fn install_fastmcp(root: &Path, paths: &PeerPaths) -> Result<(), String> {
    let check = || {
        Command::new(&paths.python)
            .args(["-c", "import fastmcp, httpx2; print(fastmcp.__version__)"])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    if paths.python.is_file() && check().as_deref() == Some(FASTMCP_VERSION) {
        eprintln!("bench: FastMCP {FASTMCP_VERSION} is installed");
        return Ok(());
    }
    let started = Instant::now();
    let venv = paths.dir.join("venv");
    if !paths.python.is_file() {
        let python3 = std::env::var_os("BENCH_PYTHON").unwrap_or_else(|| OsString::from("python3"));
        let mut cmd = Command::new(&python3);
        cmd.arg("-m")
            .arg("venv")
            .arg(&venv)
            .stdin(Stdio::null())
            .stdout(Stdio::from(io::stderr()));
        eprintln!("bench: creating the FastMCP venv: {}", show(&cmd));
        let status = cmd
            .status()
            .map_err(|e| format!("cannot run {}: {e}", python3.to_string_lossy()))?;
        if !status.success() {
            return Err(format!(
                "`{}` failed ({status}); FastMCP needs Python >= 3.10 with the venv module (e.g. apt-get install python3-venv)",
                show(&cmd)
            ));
        }
    }
    let mut cmd = Command::new(&paths.python);
    cmd.args([
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--no-input",
        "--progress-bar",
        "off",
        "-r",
    ])
    .arg(root.join(FASTMCP_REQUIREMENTS))
    .stdin(Stdio::null())
    .stdout(Stdio::from(io::stderr()));
    eprintln!(
        "bench: installing FastMCP {FASTMCP_VERSION}: {} (about a minute)",
        show(&cmd)
    );
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run {}: {e}", paths.python.display()))?;
    if !status.success() {
        return Err(format!("`{}` failed ({status})", show(&cmd)));
    }
    match check() {
        Some(v) if v == FASTMCP_VERSION => {
            eprintln!("bench: FastMCP installed in {:.0?}", started.elapsed());
            Ok(())
        }
        got => Err(format!(
            "after `{}`, {} reports FastMCP {got:?}, not {FASTMCP_VERSION}",
            show(&cmd),
            paths.python.display()
        )),
    }
}

/// Writes `<target>/bench/peers/logto-openapi.json`: Logto's document (`tests/fixtures/...-2025-01.json`) with
///
/// - every `{"$ref": "#/components/parameters/..."}` replaced by the parameter it names (rmcp-openapi-server
///   0.32.1 does not resolve parameter references: it logs "Parameter reference not resolved" and drops them,
///   so `GetApplication` would take no `id` and every call would fail "invalid parameter 'id'");
/// - relative OAuth2 flow URLs (`tokenUrl: /oidc/token`) made absolute against `upstream` (rmcp-openapi-server
///   refuses to start otherwise: "JSON error at components.securitySchemes.OAuth2: data did not match any
///   variant of untagged enum ObjectOrReference");
/// - `servers` replaced by `[{"url": upstream}]`.
///
/// Both peers load this one document. Returns its path.
pub fn prepare_openapi(root: &Path, upstream: &str) -> Result<PathBuf, String> {
    let upstream = upstream.trim_end_matches('/');
    let src = root.join(LOGTO_OPENAPI);
    let text =
        fs::read_to_string(&src).map_err(|e| format!("cannot read {}: {e}", src.display()))?;
    let mut doc: Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", src.display()))?;

    let params = doc
        .pointer("/components/parameters")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut unresolved = Vec::new();
    if let Some(paths) = doc.get_mut("paths") {
        inline_parameter_refs(paths, &params, &mut unresolved);
    }
    if !unresolved.is_empty() {
        unresolved.sort();
        unresolved.dedup();
        return Err(format!(
            "{}: unresolved parameter references {unresolved:?}",
            src.display()
        ));
    }

    if let Some(schemes) = doc
        .pointer_mut("/components/securitySchemes")
        .and_then(Value::as_object_mut)
    {
        for scheme in schemes.values_mut() {
            let Some(flows) = scheme.get_mut("flows").and_then(Value::as_object_mut) else {
                continue;
            };
            for flow in flows.values_mut() {
                for key in ["tokenUrl", "authorizationUrl", "refreshUrl"] {
                    if let Some(Value::String(url)) = flow.get_mut(key)
                        && url.starts_with('/')
                    {
                        *url = format!("{upstream}{url}");
                    }
                }
            }
        }
    }

    if let Some(obj) = doc.as_object_mut() {
        obj.insert(
            "servers".to_string(),
            json!([{ "url": upstream, "description": "bench upstream" }]),
        );
    }

    let dir = peers_dir(root);
    fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let out = dir.join("logto-openapi.json");
    let bytes =
        serde_json::to_vec(&doc).map_err(|e| format!("cannot serialize the document: {e}"))?;
    fs::write(&out, bytes).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    Ok(out)
}

fn inline_parameter_refs(
    v: &mut Value,
    params: &serde_json::Map<String, Value>,
    unresolved: &mut Vec<String>,
) {
    match v {
        Value::Object(obj) => {
            let target = match obj.get("$ref") {
                Some(Value::String(r)) if obj.len() == 1 => r
                    .strip_prefix("#/components/parameters/")
                    .map(str::to_string),
                _ => None,
            };
            if let Some(name) = target {
                match params.get(&name) {
                    Some(p) => *v = p.clone(),
                    None => unresolved.push(name),
                }
                return;
            }
            for child in obj.values_mut() {
                inline_parameter_refs(child, params, unresolved);
            }
        }
        Value::Array(items) => {
            for child in items {
                inline_parameter_refs(child, params, unresolved);
            }
        }
        _ => {}
    }
}

/// A started peer. Dropping it kills its process group (`kill -TERM`, then `kill -KILL` after at most 2 s),
/// also when unwinding from a panic. If the xtask process ends without dropping it (`exit`, Ctrl-C, SIGKILL), a
/// watchdog in the peer's process group kills the group at once (see `WATCHDOG` in the source).
pub struct Peer {
    /// `"rmcp-openapi-server"` or `"fastmcp"`.
    pub name: &'static str,
    /// The peer's pid, also its process group id.
    pub pid: u32,
    /// `http://127.0.0.1:PORT/mcp`.
    pub mcp_url: String,
    /// Where the peer's stdout and stderr go.
    pub log: PathBuf,
    started: Instant,
    child: Mutex<Child>,
    /// The write end of the watchdog's pipe, never written; closing it (dropping it, or the process ending)
    /// kills the peer's process group.
    _watchdog: Option<ChildStdin>,
}

impl Peer {
    /// When the process was spawned.
    pub fn started(&self) -> Instant {
        self.started
    }

    /// `Some(status)` once the process has exited.
    pub fn exited(&self) -> Option<String> {
        let mut child = self.child.lock().unwrap_or_else(|p| p.into_inner());
        match child.try_wait() {
            Ok(Some(status)) => Some(status.to_string()),
            Ok(None) => None,
            Err(e) => Some(format!("unknown ({e})")),
        }
    }

    /// The last `lines` lines of the peer's log.
    pub fn log_tail(&self, lines: usize) -> String {
        let text = fs::read_to_string(&self.log).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let group = format!("-{}", self.pid);
        let kill = |signal: &str| {
            let _ = Command::new("kill")
                .args([signal, "--", &group])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        };
        let child = self.child.get_mut().unwrap_or_else(|p| p.into_inner());
        kill("-TERM");
        let deadline = Instant::now() + Duration::from_secs(2);
        while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(20));
        }
        // The watchdog (and anything else left in the group) goes too.
        kill("-KILL");
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Runs `"$@"` (via `exec`, so the pid is the peer's, with stdin from /dev/null) beside a watchdog in the same
/// process group. The watchdog reads the shell's stdin, a pipe whose write end only the xtask process holds: when
/// that process is gone (however it ends, SIGKILL included) the read sees end-of-file and the watchdog kills the
/// group. The watchdog is double-forked, so it is not a descendant of the peer (whose process tree the bench
/// measures), and it costs nothing while it waits.
const WATCHDOG: &str = r#"exec 3<&0
( ( read x <&3; kill -KILL 0 ) </dev/null >/dev/null 2>&1 & )
exec "$@" </dev/null 3<&-"#;

fn spawn(
    name: &'static str,
    paths: &PeerPaths,
    port: u16,
    program: &Path,
    args: &[OsString],
    envs: &[(&str, &str)],
    env_removes: &[&str],
) -> Result<Peer, String> {
    // Fail early rather than measure whatever else is listening there.
    TcpListener::bind(("127.0.0.1", port))
        .map_err(|e| format!("{name}: 127.0.0.1:{port} is not free: {e}"))?;
    if !program.is_file() {
        return Err(format!(
            "{name}: {} is missing; run ensure_installed first",
            program.display()
        ));
    }
    fs::create_dir_all(&paths.logs)
        .map_err(|e| format!("cannot create {}: {e}", paths.logs.display()))?;
    let log = paths.logs.join(format!("{name}-{port}.log"));
    let out =
        fs::File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
    let err = out
        .try_clone()
        .map_err(|e| format!("{}: {e}", log.display()))?;

    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(WATCHDOG)
        .arg("sh")
        .arg(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(out)
        .stderr(err)
        .process_group(0);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    for k in env_removes {
        cmd.env_remove(k);
    }
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("{name}: cannot start {}: {e}", program.display()))?;
    let watchdog = child.stdin.take();
    Ok(Peer {
        name,
        pid: child.id(),
        mcp_url: format!("http://127.0.0.1:{port}/mcp"),
        log,
        started,
        child: Mutex::new(child),
        _watchdog: watchdog,
    })
}

/// Starts `rmcp-openapi-server DOC --base-url UPSTREAM --bind-address 127.0.0.1 --port PORT
/// --header 'Authorization: Bearer t'` (stateless, its default; logging at `warn` so calls are not logged).
pub fn start_rmcp_openapi(
    paths: &PeerPaths,
    doc: &Path,
    upstream: &str,
    port: u16,
) -> Result<Peer, String> {
    let args: Vec<OsString> = vec![
        doc.into(),
        "--base-url".into(),
        upstream.trim_end_matches('/').into(),
        "--bind-address".into(),
        "127.0.0.1".into(),
        "--port".into(),
        port.to_string().into(),
        "--header".into(),
        format!("Authorization: Bearer {TOKEN}").into(),
    ];
    spawn(
        "rmcp-openapi-server",
        paths,
        port,
        &paths.rmcp_openapi_server,
        &args,
        &[("RMCP_OPENAPI_LOG", "warn")],
        &[
            "RMCP_STATEFUL",
            "RMCP_AUTHORIZATION_MODE",
            "RMCP_SKIP_TOOL_DESCRIPTIONS",
            "RMCP_SKIP_PARAMETER_DESCRIPTIONS",
            "RMCP_INSECURE",
        ],
    )
}

/// Starts `python xtask/bench/fastmcp_server.py --doc DOC --upstream UPSTREAM --host 127.0.0.1 --port PORT`:
/// `FastMCP.from_openapi` with an `httpx2.AsyncClient(base_url=upstream, headers={"Authorization": "Bearer t"})`,
/// served by uvicorn over streamable HTTP at `/mcp` with `stateless_http=True, json_response=True`, no access
/// log.
pub fn start_fastmcp(
    paths: &PeerPaths,
    doc: &Path,
    upstream: &str,
    port: u16,
) -> Result<Peer, String> {
    let args: Vec<OsString> = vec![
        "-u".into(),
        paths.fastmcp_script.clone().into(),
        "--doc".into(),
        doc.into(),
        "--upstream".into(),
        upstream.trim_end_matches('/').into(),
        "--host".into(),
        "127.0.0.1".into(),
        "--port".into(),
        port.to_string().into(),
        "--token".into(),
        TOKEN.into(),
    ];
    spawn(
        "fastmcp",
        paths,
        port,
        &paths.python,
        &args,
        &[
            ("FASTMCP_CHECK_FOR_UPDATES", "off"),
            ("FASTMCP_SHOW_SERVER_BANNER", "false"),
            ("PYTHONUNBUFFERED", "1"),
        ],
        &[
            "FASTMCP_STATELESS_HTTP",
            "FASTMCP_JSON_RESPONSE",
            "FASTMCP_LOG_LEVEL",
        ],
    )
}

/// One MCP `tools/call` request, ready to be sent as is any number of times.
#[derive(Debug, Clone)]
pub struct McpCall {
    /// The peer's MCP endpoint.
    pub url: String,
    /// Headers every request needs: `Content-Type`, `Accept`, `MCP-Protocol-Version` (no session: both peers
    /// are stateless).
    pub headers: Vec<(String, String)>,
    /// The JSON-RPC request (`id` 1).
    pub body: String,
    /// The tool called.
    pub tool: String,
    /// Its arguments.
    pub arguments: Value,
}

/// The call "get application app1" for `peer`. Both peers are stateless and name the tool after the operationId
/// (`GetApplication`, case kept) with the path parameter `id` as a top-level argument, so nothing is sent here and
/// the peer need not be up yet. ([`list_tools`] shows what a peer offers.)
pub fn prepare_call(peer: &Peer) -> Result<McpCall, String> {
    let (tool, arguments) = match peer.name {
        "rmcp-openapi-server" | "fastmcp" => ("GetApplication", json!({ "id": APP_ID })),
        other => return Err(format!("no call known for peer {other}")),
    };
    let body = json!({
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": { "name": tool, "arguments": arguments },
    });
    Ok(McpCall {
        url: peer.mcp_url.clone(),
        headers: base_headers(),
        body: body.to_string(),
        tool: tool.to_string(),
        arguments,
    })
}

fn base_headers() -> Vec<(String, String)> {
    vec![
        ("Content-Type".to_string(), "application/json".to_string()),
        (
            "Accept".to_string(),
            "application/json, text/event-stream".to_string(),
        ),
        (
            "MCP-Protocol-Version".to_string(),
            PROTOCOL_VERSION.to_string(),
        ),
    ]
}

/// Polls (every 10 ms) until `call` succeeds on `peer`: a JSON-RPC result that is not `isError` and mentions
/// `app1`. Returns the time from spawning the process to that first success.
pub fn wait_ready(peer: &Peer, call: &McpCall, timeout: Duration) -> Result<Duration, String> {
    let agent = agent(Duration::from_secs(10));
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = peer.exited() {
            return Err(format!(
                "{} (pid {}) exited ({status}) before answering; {}:\n{}",
                peer.name,
                peer.pid,
                peer.log.display(),
                peer.log_tail(20)
            ));
        }
        let last = match post(&agent, &call.url, &call.headers, &call.body) {
            Ok((200, text)) => match check_result(&text) {
                Ok(()) => return Ok(peer.started.elapsed()),
                Err(e) => e,
            },
            Ok((status, text)) => format!("HTTP {status}: {}", clip(&text, 500)),
            Err(e) => e,
        };
        if Instant::now() >= deadline {
            return Err(format!(
                "{} not ready after {timeout:?}: {last}; {}:\n{}",
                peer.name,
                peer.log.display(),
                peer.log_tail(20)
            ));
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// Sends `call` once; returns the JSON-RPC response (from a JSON or an SSE body).
pub fn call_once(call: &McpCall) -> Result<Value, String> {
    let agent = agent(Duration::from_secs(30));
    let (status, text) = post(&agent, &call.url, &call.headers, &call.body)?;
    if status != 200 {
        return Err(format!("HTTP {status}: {}", clip(&text, 500)));
    }
    jsonrpc_response(&text)
}

/// `tools/list` on a peer (stateless: no handshake). Returns the tools (name, inputSchema, ...).
pub fn list_tools(peer: &Peer) -> Result<Vec<Value>, String> {
    let agent = agent(Duration::from_secs(60));
    let body =
        json!({ "jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {} }).to_string();
    let (status, text) = post(&agent, &peer.mcp_url, &base_headers(), &body)?;
    if status != 200 {
        return Err(format!("tools/list: HTTP {status}: {}", clip(&text, 500)));
    }
    let resp = jsonrpc_response(&text)?;
    resp.pointer("/result/tools")
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| {
            format!(
                "tools/list: unexpected answer {}",
                clip(&resp.to_string(), 500)
            )
        })
}

fn check_result(text: &str) -> Result<(), String> {
    let resp = jsonrpc_response(text)?;
    if let Some(err) = resp.get("error") {
        return Err(format!("JSON-RPC error {err}"));
    }
    let Some(result) = resp.get("result") else {
        return Err(format!("no result in {}", clip(text, 500)));
    };
    if result.get("isError").and_then(Value::as_bool) == Some(true) {
        return Err(format!("tool error {}", clip(&result.to_string(), 500)));
    }
    if !result.to_string().contains(APP_ID) {
        return Err(format!(
            "the result does not mention {APP_ID}: {}",
            clip(&result.to_string(), 500)
        ));
    }
    Ok(())
}

/// The JSON-RPC response in a body that is either JSON or an SSE stream (the last `data:` event that is a
/// response).
fn jsonrpc_response(text: &str) -> Result<Value, String> {
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        return Ok(v);
    }
    let mut found = None;
    let mut data = String::new();
    for line in text.lines().chain(std::iter::once("")) {
        if let Some(d) = line.strip_prefix("data:") {
            if !data.is_empty() {
                data.push('\n');
            }
            data.push_str(d.strip_prefix(' ').unwrap_or(d));
        } else if line.is_empty() && !data.is_empty() {
            if let Ok(v) = serde_json::from_str::<Value>(&data)
                && (v.get("result").is_some() || v.get("error").is_some())
            {
                found = Some(v);
            }
            data.clear();
        }
    }
    found.ok_or_else(|| format!("not a JSON-RPC response: {}", clip(text, 500)))
}

fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .proxy(None)
        .build()
        .into()
}

/// POSTs `body`; returns status and body.
fn post(
    agent: &ureq::Agent,
    url: &str,
    headers: &[(String, String)],
    body: &str,
) -> Result<(u16, String), String> {
    let mut req = agent.post(url);
    for (k, v) in headers {
        req = req.header(k.as_str(), v.as_str());
    }
    let mut resp = req.send(body).map_err(|e| format!("POST {url}: {e}"))?;
    let status = resp.status().as_u16();
    let text = resp
        .body_mut()
        .with_config()
        .limit(512 << 20)
        .read_to_string()
        .map_err(|e| format!("POST {url}: reading the answer: {e}"))?;
    Ok((status, text))
}

fn clip(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

fn show(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        let a = a.to_string_lossy();
        if a.is_empty() || a.contains([' ', '\'', '"']) {
            s.push_str(&format!(" '{}'", a.replace('\'', r"'\''")));
        } else {
            s.push(' ');
            s.push_str(&a);
        }
    }
    s
}
