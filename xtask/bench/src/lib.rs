//! `cargo xtask bench`: the gateway against the real alternatives, side by side in one run.
//!
//! A crate of its own, which `cargo xtask bench` runs, so that the other project tasks build without its
//! dependencies (axum and tokio for the mock upstream, ureq for the peers).
//!
//! The mock Logto upstream (`bench-upstream`), the gateway (both release builds) and the peers run as child processes
//! on 127.0.0.1; wrk generates the load. REST is compared with the upstream direct and with nginx as a reverse proxy;
//! MCP `tools/call` with rmcp-openapi-server and FastMCP, which serve the same operation by interpreting Logto's
//! OpenAPI document at run time. Every figure is measured twice; ratios are computed within the run.

pub mod compile;
pub mod instructions;
pub mod load;
pub mod mock;
pub mod nginx;
pub mod oauth;
pub mod peers;
pub mod procs;
mod report;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use load::{Load, Measured, Target};
use procs::Proc;

/// The workspace root.
pub fn root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    // This crate is `xtask/bench/`.
    manifest
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// What `cargo xtask bench` was asked.
#[derive(Debug, Clone)]
pub struct Options {
    pub peers: bool,
    /// Also measure the gateway crate's build times.
    pub compile: bool,
    pub duration: Duration,
    pub connections: Vec<u32>,
    pub repeats: u32,
    /// More arguments for `logto-gateway serve` under `--instructions` (such as `--metrics=false`).
    pub gateway_args: Vec<String>,
    /// Under `--instructions`: callers bring access tokens of the mock's OAuth issuer.
    pub oauth: bool,
}

/// Measurements of one server.
#[derive(Debug, Clone, Default)]
pub struct Server {
    pub name: String,
    pub startup: Option<Duration>,
    pub idle_rss_kib: Option<u64>,
    pub peak_rss_kib: Option<u64>,
    pub binary_bytes: Option<u64>,
    pub note: Option<String>,
}

/// Every window measured: `(section, target name, connections) → runs`.
#[derive(Debug, Clone, Default)]
pub struct Results {
    pub compile: Option<compile::CompileTimes>,
    pub rows: Vec<(String, String, u32, Vec<Load>)>,
    pub servers: Vec<Server>,
    pub notes: Vec<String>,
}

impl Results {
    fn push(&mut self, section: &str, target: &str, conns: u32, load: Load) {
        match self
            .rows
            .iter_mut()
            .find(|(s, t, c, _)| s == section && t == target && *c == conns)
        {
            Some(row) => row.3.push(load),
            None => self
                .rows
                .push((section.into(), target.into(), conns, vec![load])),
        }
    }
}

/// A minimal HTTP/1.1 exchange for readiness checks: the status code of `GET path`, or of `POST path` with `body`.
pub fn http_status(
    addr: SocketAddr,
    path: &str,
    body: Option<(&str, &[(String, String)])>,
) -> Option<u16> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_millis(200)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let req = match body {
        None => format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"),
        Some((b, headers)) => {
            let extra: String = headers
                .iter()
                .map(|(k, v)| format!("{k}: {v}\r\n"))
                .collect();
            format!(
                "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n{extra}\r\n{b}",
                b.len()
            )
        }
    };
    s.write_all(req.as_bytes()).ok()?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf);
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    if body.is_some() && text.contains("\"isError\":true") {
        return Some(599);
    }
    Some(status)
}

/// How many times the gateway and nginx are started to measure their start-up (the median is reported).
const STARTS: usize = 5;

/// Starts a server [`STARTS`] times, each time stopping the one before (dropping it) once it answered; returns the
/// last one, still running, and the median time to the first good answer. `start` gives the server and that time
/// (`None`: it did not answer in time).
fn start_repeatedly<T>(
    what: &str,
    mut start: impl FnMut() -> Result<(T, Option<Duration>), String>,
) -> Result<(T, Duration), String> {
    let mut times = Vec::with_capacity(STARTS);
    loop {
        let (server, time) = start()?;
        times.push(time.ok_or_else(|| format!("{what} did not answer within 10 s"))?);
        if times.len() == STARTS {
            times.sort_unstable();
            return Ok((server, times[(STARTS - 1) / 2]));
        }
    }
}

/// Polls until `ready()` until `timeout`; returns the time since `since`.
pub(crate) fn wait_until(
    since: Instant,
    timeout: Duration,
    mut ready: impl FnMut() -> bool,
) -> Option<Duration> {
    while since.elapsed() < timeout {
        if ready() {
            return Some(since.elapsed());
        }
        std::thread::sleep(Duration::from_micros(500));
    }
    None
}

pub(crate) fn ensure_tool(bin: &str, package: &str) -> Result<(), String> {
    if Command::new("sh")
        .args(["-c", &format!("command -v {bin}")])
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return Ok(());
    }
    eprintln!("bench: installing {package} (apt-get)");
    let ok = Command::new("sh")
        .args([
            "-c",
            &format!("(apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq {package}"),
        ])
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{bin} is needed: install it with `apt-get install {package}`"
        ))
    }
}

/// Builds the gateway and the mock upstream in release; returns their paths.
pub(crate) fn build(root: &Path) -> Result<(PathBuf, PathBuf), String> {
    eprintln!("bench: building the gateway and the mock upstream (release)");
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "logto-gateway",
            "-p",
            "xtask-bench",
        ])
        .args(["--bin", "logto-gateway", "--bin", "bench-upstream"])
        .current_dir(root)
        .status()
        .map_err(|e| format!("cargo: {e}"))?;
    if !status.success() {
        return Err("the gateway or the mock upstream does not build".into());
    }
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    Ok((
        target_dir.join("release/logto-gateway"),
        target_dir.join("release/bench-upstream"),
    ))
}

/// The MCP `tools/call` of the benchmark against the gateway.
pub(crate) fn gateway_mcp_call() -> (String, Vec<(String, String)>) {
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"getapplication","arguments":{"id":"app1"}}}"#;
    let headers = vec![
        ("Content-Type".to_owned(), "application/json".to_owned()),
        (
            "Accept".to_owned(),
            "application/json, text/event-stream".to_owned(),
        ),
        ("MCP-Protocol-Version".to_owned(), "2025-11-25".to_owned()),
    ];
    (body.to_owned(), headers)
}

fn measure(
    results: &mut Results,
    o: &Options,
    work: &Path,
    section: &str,
    name: &str,
    target: &Target,
    measured: Measured,
) -> Result<(), String> {
    for &c in &o.connections {
        for run in 0..o.repeats {
            let l = load::run(target, c, o.duration, measured, work)?;
            eprintln!(
                "bench: {section:4} {name:22} c={c:<3} run {}: {:>9.0} req/s  p50 {:>7.3} ms  p99 {:>7.3} ms  errors {}{}{}{}{}",
                run + 1,
                l.rps,
                l.p50_ms,
                l.p99_ms,
                l.errors,
                l.cpu_us
                    .map(|u| format!("  CPU {u:.1} µs/req"))
                    .unwrap_or_default(),
                l.cpu_sys_us
                    .map(|u| format!(" ({u:.1} kernel)"))
                    .unwrap_or_default(),
                l.upstream_cpu_us
                    .map(|u| format!("  (mock upstream {u:.1})"))
                    .unwrap_or_default(),
                l.load_cpu_us
                    .map(|u| format!("  (wrk {u:.1})"))
                    .unwrap_or_default()
            );
            results.push(section, name, c, l);
        }
    }
    Ok(())
}

fn server_after(server: &mut Server, pid: u32) {
    let (_, hwm) = procs::rss_kib(pid);
    server.peak_rss_kib = Some(hwm);
}

/// Starts the mock upstream on a free port of 127.0.0.1 and waits until it answers.
pub(crate) fn start_upstream(upstream_bin: &Path) -> Result<(Proc, SocketAddr), String> {
    let port = procs::free_port()?;
    let mut up = Proc::spawn(
        "bench-upstream",
        Command::new(upstream_bin).arg(port.to_string()),
    )?;
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    wait_until(Instant::now(), Duration::from_secs(5), || {
        http_status(addr, "/api/applications/app1", None) == Some(200)
    })
    .ok_or("the mock upstream does not answer")?;
    up.check_alive()?;
    Ok((up, addr))
}

/// Runs the benchmark; returns the Markdown report (also written to `target/bench/report.md`).
pub fn run(root: &Path, o: &Options) -> Result<String, String> {
    procs::install_interrupt_handler();
    let work = root.join("target/bench");
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    ensure_tool("wrk", "wrk")?;
    if o.peers {
        ensure_tool("nginx", "nginx")?;
    }
    let (gateway_bin, upstream_bin) = build(root)?;
    let peer_paths = if o.peers {
        Some(peers::ensure_installed(root)?)
    } else {
        None
    };

    let mut results = Results::default();
    let (up, upstream) = start_upstream(&upstream_bin)?;
    let upstream_url = format!("http://{upstream}");
    let behind = |server: u32| Measured {
        server: Some(server),
        upstream: Some(up.pid()),
    };

    // The gateway: start-up is the median of a few fresh starts; the last one stays up for the loads.
    let ((gw, rest_port, mcp_port), startup) = start_repeatedly("the gateway", || {
        let rest_port = procs::free_port()?;
        let mcp_port = procs::free_port()?;
        let mut gw = Proc::spawn(
            "logto-gateway",
            Command::new(&gateway_bin)
                .args(["serve", "--logto-endpoint", &upstream_url])
                .args([
                    "--rest-port",
                    &rest_port.to_string(),
                    "--mcp-port",
                    &mcp_port.to_string(),
                ])
                .env_clear()
                .env("LOGTO_TOKEN", "bench-token")
                // Per-request log lines off, as nginx's access log is.
                .env("RUST_LOG", "warn"),
        )?;
        let addr: SocketAddr = ([127, 0, 0, 1], rest_port).into();
        let startup = wait_until(gw.started, Duration::from_secs(10), || {
            http_status(addr, "/api/applications/app1", None) == Some(200)
        });
        gw.check_alive()?;
        Ok(((gw, rest_port, mcp_port), startup))
    })?;
    let rest_addr: SocketAddr = ([127, 0, 0, 1], rest_port).into();
    let mcp_addr: SocketAddr = ([127, 0, 0, 1], mcp_port).into();
    std::thread::sleep(Duration::from_millis(500));
    let mut gw_server = Server {
        name: "logto-gateway".into(),
        startup: Some(startup),
        idle_rss_kib: Some(procs::rss_kib(gw.pid()).0),
        binary_bytes: procs::file_size(&gateway_bin),
        ..Server::default()
    };

    // REST.
    let rest_path = "/api/applications/app1";
    measure(
        &mut results,
        o,
        &work,
        "REST",
        "direct (mock upstream)",
        &Target::get(format!("{upstream_url}{rest_path}")),
        Measured {
            server: None,
            upstream: Some(up.pid()),
        },
    )?;
    measure(
        &mut results,
        o,
        &work,
        "REST",
        "logto-gateway",
        &Target::get(format!("http://{rest_addr}{rest_path}")),
        behind(gw.pid()),
    )?;
    let mut servers_extra = Vec::new();
    if o.peers {
        // Each start reuses the files of the one before, which is stopped first.
        let ((ng, addr), startup) = start_repeatedly("nginx", || {
            let port = procs::free_port()?;
            let mut ng = nginx::start(&work, port, &upstream.to_string())?;
            let addr: SocketAddr = ([127, 0, 0, 1], port).into();
            let startup = wait_until(ng.started, Duration::from_secs(10), || {
                http_status(addr, rest_path, None) == Some(200)
            });
            ng.check_alive()?;
            Ok(((ng, addr), startup))
        })?;
        let startup = Some(startup);
        std::thread::sleep(Duration::from_millis(500));
        let mut s = Server {
            name: "nginx".into(),
            startup,
            idle_rss_kib: Some(procs::rss_kib(ng.pid()).0),
            binary_bytes: procs::file_size(Path::new("/usr/sbin/nginx")),
            note: Some("worker_processes auto (2), upstream keepalive 128, access log off".into()),
            ..Server::default()
        };
        measure(
            &mut results,
            o,
            &work,
            "REST",
            "nginx",
            &Target::get(format!("http://{addr}{rest_path}")),
            behind(ng.pid()),
        )?;
        server_after(&mut s, ng.pid());
        servers_extra.push(s);
    }

    // MCP.
    let (body, headers) = gateway_mcp_call();
    if http_status(mcp_addr, "/mcp", Some((&body, &headers))) != Some(200) {
        return Err("the gateway's MCP tools/call getapplication does not succeed".into());
    }
    let target = Target {
        url: format!("http://{mcp_addr}/mcp"),
        body: Some(body),
        headers,
        tool_errors: true,
    };
    measure(
        &mut results,
        o,
        &work,
        "MCP",
        "logto-gateway",
        &target,
        behind(gw.pid()),
    )?;
    server_after(&mut gw_server, gw.pid());
    results.servers.push(gw_server);
    drop(gw);
    results.servers.extend(servers_extra);

    if let Some(paths) = &peer_paths {
        let doc = peers::prepare_openapi(root, &upstream_url)?;
        type Starter = fn(&peers::PeerPaths, &Path, &str, u16) -> Result<peers::Peer, String>;
        let starters: [(&str, Starter); 2] = [
            ("rmcp-openapi-server", peers::start_rmcp_openapi),
            ("FastMCP", peers::start_fastmcp),
        ];
        for (name, start) in starters {
            let port = procs::free_port()?;
            let peer = start(paths, &doc, &upstream_url, port)?;
            let call = peers::prepare_call(&peer)?;
            let startup = peers::wait_ready(&peer, &call, Duration::from_secs(60))?;
            std::thread::sleep(Duration::from_millis(500));
            let mut s = Server {
                name: name.into(),
                startup: Some(startup),
                idle_rss_kib: Some(procs::rss_kib(peer.pid).0),
                binary_bytes: peers::binary_size(paths, name),
                ..Server::default()
            };
            let target = Target {
                url: call.url.clone(),
                body: Some(call.body.clone()),
                headers: call.headers.clone(),
                tool_errors: true,
            };
            measure(
                &mut results,
                o,
                &work,
                "MCP",
                name,
                &target,
                behind(peer.pid),
            )?;
            server_after(&mut s, peer.pid);
            results.servers.push(s);
        }
    } else {
        results.notes.push(
            "Peers (nginx, rmcp-openapi-server, FastMCP) were not run: pass `--peers`.".into(),
        );
    }

    if o.compile {
        results.compile = Some(compile::measure(root)?);
    }

    let md = report::markdown(o, &results);
    let path = work.join("report.md");
    std::fs::write(&path, &md).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(md)
}
