//! The Markdown report: every window measured, then the ratios gateway ÷ peer computed within this run.

use std::fmt::Write;

use super::load::Load;
use super::{Options, Results};

fn mean(runs: &[Load], f: impl Fn(&Load) -> Option<f64>) -> Option<f64> {
    let v: Vec<f64> = runs
        .iter()
        .filter_map(&f)
        .filter(|x| x.is_finite())
        .collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

fn runs_of(runs: &[Load], f: impl Fn(&Load) -> Option<f64>, fmt: impl Fn(f64) -> String) -> String {
    runs.iter()
        .map(|l| {
            f(l).filter(|x| x.is_finite())
                .map(&fmt)
                .unwrap_or_else(|| "–".into())
        })
        .collect::<Vec<_>>()
        .join(" / ")
}

fn machine() -> String {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{cores} cores ({model})")
}

fn section_table(out: &mut String, results: &Results, section: &str, unit: &str) {
    let _ = writeln!(
        out,
        "| connections | target | {unit}/s | p50 ms | p99 ms | errors | CPU µs/{0} | of which kernel | mock upstream CPU µs/{0} | wrk CPU µs/{0} |",
        if unit == "calls" { "call" } else { "req" }
    );
    let _ = writeln!(out, "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (s, t, c, runs) in &results.rows {
        if s != section {
            continue;
        }
        let _ = writeln!(
            out,
            "| {c} | {t} | {} | {} | {} | {} | {} | {} | {} | {} |",
            runs_of(runs, |l| Some(l.rps), |x| format!("{x:.0}")),
            runs_of(runs, |l| Some(l.p50_ms), |x| format!("{x:.3}")),
            runs_of(runs, |l| Some(l.p99_ms), |x| format!("{x:.3}")),
            runs.iter()
                .map(|l| l.errors.to_string())
                .collect::<Vec<_>>()
                .join(" / "),
            runs_of(runs, |l| l.cpu_us, |x| format!("{x:.1}")),
            runs_of(runs, |l| l.cpu_sys_us, |x| format!("{x:.1}")),
            runs_of(runs, |l| l.upstream_cpu_us, |x| format!("{x:.1}")),
            runs_of(runs, |l| l.load_cpu_us, |x| format!("{x:.1}")),
        );
    }
}

fn ratio_table(out: &mut String, results: &Results, section: &str, ours: &str) {
    let peers: Vec<&str> = {
        let mut v: Vec<&str> = results
            .rows
            .iter()
            .filter(|(s, t, _, _)| s == section && t != ours && !t.starts_with("direct"))
            .map(|(_, t, _, _)| t.as_str())
            .collect();
        v.dedup();
        v
    };
    if peers.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\nRatios, {ours} ÷ peer (means of the runs; throughput above 1 and latency or CPU below 1 favour {ours}):\n"
    );
    let _ = writeln!(
        out,
        "| connections | peer | throughput × | p50 × | p99 × | CPU per request × |"
    );
    let _ = writeln!(out, "|---:|---|---:|---:|---:|---:|");
    let find = |t: &str, c: u32| {
        results
            .rows
            .iter()
            .find(|(s, tt, cc, _)| s == section && tt == t && *cc == c)
            .map(|r| r.3.as_slice())
    };
    let conns: Vec<u32> = {
        let mut v: Vec<u32> = results
            .rows
            .iter()
            .filter(|r| r.0 == section)
            .map(|r| r.2)
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => significant(a / b),
        _ => "–".into(),
    };
    for p in &peers {
        for &c in &conns {
            let (Some(g), Some(x)) = (find(ours, c), find(p, c)) else {
                continue;
            };
            let _ = writeln!(
                out,
                "| {c} | {p} | {} | {} | {} | {} |",
                ratio(mean(g, |l| Some(l.rps)), mean(x, |l| Some(l.rps))),
                ratio(mean(g, |l| Some(l.p50_ms)), mean(x, |l| Some(l.p50_ms))),
                ratio(mean(g, |l| Some(l.p99_ms)), mean(x, |l| Some(l.p99_ms))),
                ratio(mean(g, |l| l.cpu_us), mean(x, |l| l.cpu_us)),
            );
        }
    }
}

fn mib(kib: Option<u64>) -> String {
    kib.map(|k| format!("{:.1}", k as f64 / 1024.0))
        .unwrap_or_else(|| "–".into())
}

pub fn markdown(o: &Options, results: &Results) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Benchmark report\n");
    let _ = writeln!(
        out,
        "Machine: {}. Load: wrk, {} s windows, {} runs each, connections {}; everything on 127.0.0.1. Command: `cargo xtask bench{}{}`.\n",
        machine(),
        o.duration.as_secs(),
        o.repeats,
        o.connections
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        if o.peers { " --peers" } else { "" },
        if o.compile { " --compile" } else { "" }
    );
    let _ = writeln!(
        out,
        "## REST: `GET /api/applications/app1` (a 1 KB JSON object from the mock upstream)\n"
    );
    let _ = writeln!(
        out,
        "Figures are `run 1 / run 2`. CPU is the target's process tree (user + system) over the window, per request, \
         and the kernel's part of it (system time); the mock upstream's and wrk's are beside it, because the upstream, the load generator and the target share \
         the cores: what one of them spends per request, the others cannot.\n"
    );
    section_table(&mut out, results, "REST", "req");
    ratio_table(&mut out, results, "REST", "logto-gateway");
    let _ = writeln!(
        out,
        "\n## MCP: `tools/call` getapplication `{{\"id\": \"app1\"}}` (streamable HTTP, one JSON-RPC call per POST)\n"
    );
    section_table(&mut out, results, "MCP", "calls");
    ratio_table(&mut out, results, "MCP", "logto-gateway");
    let _ = writeln!(out, "\n## Resources\n");
    let _ = writeln!(
        out,
        "| server | start-up ms (to first good answer; gateway and nginx: median of 5 starts) | idle RSS MiB | peak RSS MiB (after all loads) | binary |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---|");
    for s in &results.servers {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            s.name,
            s.startup
                .map(|d| format!("{:.1}", d.as_secs_f64() * 1000.0))
                .unwrap_or_else(|| "–".into()),
            mib(s.idle_rss_kib),
            mib(s.peak_rss_kib),
            s.binary_bytes
                .map(|b| format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0)))
                .unwrap_or_else(|| "–".into()),
        );
    }
    for s in &results.servers {
        if let Some(n) = &s.note {
            let _ = writeln!(out, "\n{}: {n}.", s.name);
        }
    }
    if let Some(c) = &results.compile {
        let units = |u: Option<f64>| {
            u.map(|s| format!(" (cargo --timings: {s:.1} s for the gateway's units)"))
                .unwrap_or_default()
        };
        let _ = writeln!(out, "\n## Build (release)\n");
        let _ = writeln!(
            out,
            "- Clean build of the gateway crate, dependencies already built: {:.1} s{}.",
            c.clean_wall_s,
            units(c.clean_units_s)
        );
        let _ = writeln!(
            out,
            "- Rebuild after `cargo xtask regen` rewrites a generated file: {:.1} s{}.",
            c.incremental_wall_s,
            units(c.incremental_units_s)
        );
    }
    for n in &results.notes {
        let _ = writeln!(out, "\n{n}");
    }
    out
}

/// A ratio with three significant digits (`0.58`, `204`, `0.0123`), so that small ratios do not read as zero.
fn significant(x: f64) -> String {
    if !x.is_finite() || x <= 0.0 {
        return format!("{x}");
    }
    let digits = (2 - x.log10().floor() as i32).max(0) as usize;
    format!("{x:.digits$}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn ratios_keep_three_significant_digits() {
        assert_eq!(super::significant(0.5812), "0.581");
        assert_eq!(super::significant(204.31), "204");
        assert_eq!(super::significant(66.56), "66.6");
        assert_eq!(super::significant(0.012345), "0.0123");
        assert_eq!(super::significant(1.0), "1.00");
    }
}
