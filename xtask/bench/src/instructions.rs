//! `cargo xtask bench --instructions`: the gateway's user-space instructions per REST request and per MCP call,
//! counted by valgrind's callgrind.
//!
//! Unlike times, instruction counts do not depend on what else the machine runs, so two commits can be compared on a
//! busy machine. The gateway runs under callgrind with one worker behind the mock upstream; wrk warms it up, the
//! counts are zeroed (`callgrind_control -z`), wrk loads it with four connections, and the counts are dumped
//! (`callgrind_control -d`) and divided by the requests wrk completed. MCP calls are counted twice: through the
//! adapter's fast lane, and with it off (`--mcp-fast-lane false`), by rmcp alone.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::load::{self, Measured, Target};
use super::procs::{self, Proc};
use super::{
    Options, build, ensure_tool, gateway_mcp_call, http_status, start_upstream, wait_until,
};

/// Connections of the counted load: enough to keep one worker busy, few enough for callgrind's pace.
const CONNECTIONS: u32 = 4;
const WARM_UP: Duration = Duration::from_secs(3);

/// One counted load.
#[derive(Debug, Clone, Copy)]
pub struct Count {
    pub requests: u64,
    pub instructions: u64,
}

impl Count {
    pub fn per_request(&self) -> u64 {
        self.instructions / self.requests.max(1)
    }
}

/// Counts the gateway's instructions per REST request and per MCP call; returns the Markdown report (also written
/// to `target/bench/instructions.md`).
pub fn run(root: &Path, o: &Options) -> Result<String, String> {
    procs::install_interrupt_handler();
    let work = root.join("target/bench/instructions");
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    ensure_tool("wrk", "wrk")?;
    ensure_tool("valgrind", "valgrind")?;
    let (gateway_bin, upstream_bin) = build(root)?;

    // Kept until the counts are done: dropping it stops the mock.
    let (_up, upstream) = start_upstream(&upstream_bin)?;

    let mut rows = Vec::new();
    for (i, kind) in [
        Kind::Rest,
        Kind::Mcp,
        Kind::McpRmcpAlone,
        Kind::RestPost,
        Kind::McpCreate,
    ]
    .into_iter()
    .enumerate()
    {
        let dir = work.join(format!("run{i}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let count = count(&gateway_bin, upstream, &dir, o, kind)?;
        eprintln!(
            "bench: {}: {} requests, {} instructions, {} per request",
            kind.title(),
            count.requests,
            count.instructions,
            count.per_request()
        );
        rows.push((kind.title(), count));
    }

    let mut md = String::new();
    let _ = writeln!(md, "# Instructions per request\n");
    let _ = writeln!(
        md,
        "The gateway's user-space instructions (valgrind's callgrind), one worker, behind the mock upstream, under wrk \
         with {CONNECTIONS} connections for {} s after a {} s warm-up. Command: `cargo xtask bench --instructions{}{}`.\n",
        o.duration.as_secs(),
        WARM_UP.as_secs(),
        if o.oauth { " --oauth" } else { "" },
        o.gateway_args
            .iter()
            .map(|a| format!(" --gateway-arg={a}"))
            .collect::<String>()
    );
    let _ = writeln!(md, "| load | requests | instructions | per request |");
    let _ = writeln!(md, "|---|---:|---:|---:|");
    for (what, c) in &rows {
        let _ = writeln!(
            md,
            "| {what} | {} | {} | {} |",
            c.requests,
            c.instructions,
            c.per_request()
        );
    }
    let path = root.join("target/bench/instructions.md");
    std::fs::write(&path, &md).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(md)
}

/// What is counted.
/// The application both write loads create.
const POST_BODY: &str = r#"{"name":"bench app","type":"MachineToMachine","description":"created by the bench","customClientMetadata":{"idTokenTtl":3600},"oidcClientMetadata":{"redirectUris":["https://app.example.com/callback"],"postLogoutRedirectUris":[]}}"#;

#[derive(Debug, Clone, Copy)]
enum Kind {
    Rest,
    /// A REST write: its JSON body is checked (media type, depth) and forwarded.
    RestPost,
    Mcp,
    /// An MCP write: its body is checked against its model and forwarded.
    McpCreate,
    /// MCP calls with the fast lane off.
    McpRmcpAlone,
}

impl Kind {
    fn title(self) -> &'static str {
        match self {
            Kind::Rest => "REST `GET /api/applications/app1`",
            Kind::RestPost => "REST `POST /api/applications` (a 229-byte JSON body)",
            Kind::McpCreate => "MCP `tools/call createapplication` (the same body)",
            Kind::Mcp => "MCP `tools/call getapplication`",
            Kind::McpRmcpAlone => {
                "MCP `tools/call getapplication`, rmcp alone (`--mcp-fast-lane false`)"
            }
        }
    }

    fn fast_lane(self) -> bool {
        !matches!(self, Kind::McpRmcpAlone)
    }

    fn target(self, rest_port: u16, mcp_port: u16) -> Target {
        match self {
            Kind::Rest => Target::get(format!(
                "http://127.0.0.1:{rest_port}/api/applications/app1"
            )),
            Kind::RestPost => Target {
                url: format!("http://127.0.0.1:{rest_port}/api/applications"),
                body: Some(POST_BODY.into()),
                headers: vec![("Content-Type".into(), "application/json".into())],
                tool_errors: false,
            },
            Kind::McpCreate => {
                let (_, headers) = gateway_mcp_call();
                Target {
                    url: format!("http://127.0.0.1:{mcp_port}/mcp"),
                    body: Some(format!(
                        r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"createapplication","arguments":{{"body":{POST_BODY}}}}}}}"#
                    )),
                    headers,
                    tool_errors: true,
                }
            }
            Kind::Mcp | Kind::McpRmcpAlone => {
                let (body, headers) = gateway_mcp_call();
                Target {
                    url: format!("http://127.0.0.1:{mcp_port}/mcp"),
                    body: Some(body),
                    headers,
                    tool_errors: true,
                }
            }
        }
    }
}

/// Starts the gateway under callgrind, warms it up, and counts its instructions over one load of `duration`.
fn count(
    gateway_bin: &Path,
    upstream: SocketAddr,
    dir: &Path,
    o: &Options,
    kind: Kind,
) -> Result<Count, String> {
    let duration = o.duration;
    let rest_port = procs::free_port()?;
    let mcp_port = procs::free_port()?;
    let out_file = dir.join("callgrind.out");
    let mut gw = Proc::spawn(
        "logto-gateway (callgrind)",
        Command::new("valgrind")
            .arg("--tool=callgrind")
            .arg(format!("--callgrind-out-file={}", out_file.display()))
            .arg(gateway_bin)
            .args(["serve", "--workers", "1"])
            .args(["--logto-endpoint", &format!("http://{upstream}")])
            .args(["--rest-port", &rest_port.to_string()])
            .args(["--mcp-port", &mcp_port.to_string()])
            .args(["--mcp-fast-lane", &kind.fast_lane().to_string()])
            .args(oauth_args(o, upstream))
            .args(&o.gateway_args)
            .env_clear()
            .env("LOGTO_TOKEN", "bench-token")
            .env("RUST_LOG", "warn")
            .stderr(std::process::Stdio::null()),
    )?;
    let rest: SocketAddr = ([127, 0, 0, 1], rest_port).into();
    // `/healthz` needs no token.
    wait_until(gw.started, Duration::from_secs(120), || {
        http_status(rest, "/healthz", None) == Some(200)
    })
    .ok_or("the gateway under callgrind did not answer within 120 s")?;
    gw.check_alive()?;

    let mut target = kind.target(rest_port, mcp_port);
    if o.oauth {
        target.headers.push((
            "Authorization".into(),
            format!("Bearer {}", crate::oauth::token(upstream.port())?),
        ));
    }
    let pid = gw.pid().to_string();
    load::run(&target, CONNECTIONS, WARM_UP, Measured::default(), dir)?;
    callgrind_control(&["-z", &pid])?;
    let measured = load::run(&target, CONNECTIONS, duration, Measured::default(), dir)?;
    callgrind_control(&["-d", &pid])?;
    if measured.errors > 0 {
        return Err(format!(
            "{} of the counted requests failed",
            measured.errors
        ));
    }
    let instructions = wait_for_dump(dir, Duration::from_secs(30))?;
    Ok(Count {
        requests: measured.requests,
        instructions,
    })
}

/// With `--oauth`, the gateway takes the mock's access tokens.
fn oauth_args(o: &Options, upstream: SocketAddr) -> Vec<String> {
    if !o.oauth {
        return Vec::new();
    }
    vec![
        "--oauth-issuer".into(),
        crate::oauth::issuer(upstream.port()),
        "--oauth-audience".into(),
        crate::oauth::AUDIENCE.into(),
    ]
}

fn callgrind_control(args: &[&str]) -> Result<(), String> {
    let out = Command::new("callgrind_control")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run callgrind_control: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "callgrind_control {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// The instruction total of the first dump requested from callgrind (`callgrind.out.1`), once it is written.
fn wait_for_dump(dir: &Path, timeout: Duration) -> Result<u64, String> {
    let dump: PathBuf = dir.join("callgrind.out.1");
    let since = Instant::now();
    loop {
        if let Some(total) = std::fs::read_to_string(&dump)
            .ok()
            .as_deref()
            .and_then(instruction_total)
        {
            return Ok(total);
        }
        if since.elapsed() > timeout {
            return Err(format!("no complete callgrind dump at {}", dump.display()));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The `totals:` line of a callgrind dump (the first event, `Ir`, is the instruction count); `None` until the dump
/// is complete.
fn instruction_total(dump: &str) -> Option<u64> {
    dump.lines()
        .find_map(|l| l.strip_prefix("totals:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_total_is_the_first_event_of_the_totals_line() {
        let dump = "version: 1\ncreator: callgrind-3.19.0\nevents: Ir Dr\nfn=(1) main\n5 10 3\n\ntotals: 938207802 120\n";
        assert_eq!(instruction_total(dump), Some(938_207_802));
        assert_eq!(
            instruction_total("version: 1\nevents: Ir\nfn=(1) main\n"),
            None
        );
    }
}
