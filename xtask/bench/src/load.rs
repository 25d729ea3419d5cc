//! Load generation with wrk (Debian's package): requests/s, latency percentiles, errors, and the CPU time the
//! target spent per request (from `/proc`, over the measured window).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::procs;

/// What to load.
#[derive(Debug, Clone)]
pub struct Target {
    pub url: String,
    /// `None` for GET.
    pub body: Option<String>,
    pub headers: Vec<(String, String)>,
    /// Count 200 answers whose body says `"isError":true` as errors (MCP tool results).
    pub tool_errors: bool,
}

impl Target {
    pub fn get(url: impl Into<String>) -> Self {
        Target {
            url: url.into(),
            body: None,
            headers: Vec::new(),
            tool_errors: false,
        }
    }
}

/// One measured window.
#[derive(Debug, Clone, Copy, Default)]
pub struct Load {
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub requests: u64,
    pub errors: u64,
    /// CPU time of the measured process tree per request, in µs.
    pub cpu_us: Option<f64>,
    /// The kernel's part of `cpu_us` (system time), in µs.
    pub cpu_sys_us: Option<f64>,
    /// CPU time of the mock upstream per request, in µs: it shares the cores with the server and the load generator.
    pub upstream_cpu_us: Option<f64>,
    /// CPU time of the load generator (wrk) per request, in µs: it shares the cores too.
    pub load_cpu_us: Option<f64>,
}

/// The processes whose CPU time a window measures.
#[derive(Debug, Clone, Copy, Default)]
pub struct Measured {
    /// The server under test (with its children).
    pub server: Option<u32>,
    /// The mock upstream.
    pub upstream: Option<u32>,
}

fn lua_string(s: &str) -> String {
    let mut level = 0;
    while s.contains(&format!("]{}]", "=".repeat(level))) {
        level += 1;
    }
    let eq = "=".repeat(level);
    format!("[{eq}[{s}]{eq}]")
}

/// The wrk script: method, body and headers, and (for tool calls) error counting from the bodies.
fn script(t: &Target) -> String {
    let mut s = String::new();
    if let Some(b) = &t.body {
        s.push_str("wrk.method = \"POST\"\n");
        s.push_str(&format!("wrk.body = {}\n", lua_string(b)));
    }
    for (k, v) in &t.headers {
        s.push_str(&format!(
            "wrk.headers[ {} ] = {}\n",
            lua_string(k),
            lua_string(v)
        ));
    }
    s.push_str(
        r#"
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
"#,
    );
    if t.tool_errors {
        s.push_str(
            r#"function response(status, headers, body)
  if status == 200 and (body == nil or string.find(body, '"isError":true', 1, true) or string.find(body, '"error":', 1, true)) then
    bad = bad + 1
  end
end
"#,
        );
    }
    s.push_str(
        r#"function done(summary, latency, requests)
  local b = 0
  for _, t in ipairs(threads) do b = b + (t:get("bad") or 0) end
  io.write(string.format("BENCH_BAD %d\n", b))
  io.write(string.format("BENCH_P50_US %f\n", latency:percentile(50)))
  io.write(string.format("BENCH_P99_US %f\n", latency:percentile(99)))
  io.write(string.format("BENCH_REQUESTS %d\n", summary.requests))
  io.write(string.format("BENCH_NON2XX %d\n", summary.errors.status))
  io.write(string.format("BENCH_SOCKET_ERRORS %d\n", summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"#,
    );
    s
}

fn field(out: &str, key: &str) -> Option<f64> {
    out.lines().find_map(|l| {
        l.strip_prefix(key)
            .and_then(|v| v.trim().parse::<f64>().ok())
    })
}

/// Runs wrk against `target` with `conns` connections for `duration`, measuring the CPU of the `measured` processes
/// (each with its children).
pub fn run(
    target: &Target,
    conns: u32,
    duration: Duration,
    measured: Measured,
    work: &Path,
) -> Result<Load, String> {
    std::fs::create_dir_all(work).map_err(|e| format!("{}: {e}", work.display()))?;
    let script_path = work.join("bench.lua");
    std::fs::write(&script_path, script(target))
        .map_err(|e| format!("{}: {e}", script_path.display()))?;
    let threads = conns.clamp(1, 2);
    let cpu_before = measured.server.map(procs::cpu_times);
    let upstream_before = measured.upstream.map(procs::cpu_seconds);
    let load_before = procs::reaped_children_cpu_seconds();
    let out = Command::new("wrk")
        .arg(format!("-t{threads}"))
        .arg(format!("-c{conns}"))
        .arg(format!("-d{}s", duration.as_secs().max(1)))
        .arg("--timeout")
        .arg("5s")
        .arg("-s")
        .arg(&script_path)
        .arg(&target.url)
        .output()
        .map_err(|e| format!("cannot run wrk (install it: apt-get install wrk): {e}"))?;
    let cpu_after = measured.server.map(procs::cpu_times);
    let upstream_after = measured.upstream.map(procs::cpu_seconds);
    // wrk has exited and been waited for: its CPU time is now in this process's children's.
    let load_after = procs::reaped_children_cpu_seconds();
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "wrk failed: {}\n{stdout}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let rps = stdout
        .lines()
        .find_map(|l| {
            l.strip_prefix("Requests/sec:")
                .and_then(|v| v.trim().parse::<f64>().ok())
        })
        .ok_or_else(|| format!("unexpected wrk output:\n{stdout}"))?;
    let Some(requests) = field(&stdout, "BENCH_REQUESTS").map(|r| r as u64) else {
        return Err(format!(
            "wrk's script did not complete: {}\n{stdout}",
            String::from_utf8_lossy(&out.stderr)
        ));
    };
    let errors = (field(&stdout, "BENCH_BAD").unwrap_or(0.0)
        + field(&stdout, "BENCH_NON2XX").unwrap_or(0.0)
        + field(&stdout, "BENCH_SOCKET_ERRORS").unwrap_or(0.0)) as u64;
    let per_request = |before: Option<f64>, after: Option<f64>| match (before, after) {
        (Some(a), Some(b)) if requests > 0 => Some((b - a) * 1e6 / requests as f64),
        _ => None,
    };
    let cpu_us = per_request(
        cpu_before.map(procs::CpuTimes::total),
        cpu_after.map(procs::CpuTimes::total),
    );
    let cpu_sys_us = per_request(cpu_before.map(|t| t.system), cpu_after.map(|t| t.system));
    let upstream_cpu_us = per_request(upstream_before, upstream_after);
    let load_cpu_us = per_request(Some(load_before), Some(load_after));
    Ok(Load {
        rps,
        p50_ms: field(&stdout, "BENCH_P50_US").unwrap_or(f64::NAN) / 1000.0,
        p99_ms: field(&stdout, "BENCH_P99_US").unwrap_or(f64::NAN) / 1000.0,
        requests,
        errors,
        cpu_us,
        cpu_sys_us,
        upstream_cpu_us,
        load_cpu_us,
    })
}
