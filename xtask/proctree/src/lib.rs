//! Process trees on Linux, from `/proc`: a process's descendants, stopping a whole tree, and what the tree costs (CPU
//! time, resident memory). Used by `cargo xtask test` to stop a step with everything it started, and by the bench to
//! stop and measure the servers it runs. Standard library only, so that `cargo xtask` stays quick to build.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Sends SIGTERM to `pid` and its descendants, then SIGKILL to those still there after a moment.
pub fn kill_tree(pid: u32) {
    let mut pids = descendants(pid);
    pids.push(pid);
    for p in &pids {
        let _ = Command::new("kill")
            .args(["-TERM", &p.to_string()])
            .stderr(Stdio::null())
            .status();
    }
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline && pids.iter().any(|p| alive(*p)) {
        std::thread::sleep(Duration::from_millis(20));
    }
    for p in pids.iter().filter(|p| alive(**p)) {
        let _ = Command::new("kill")
            .args(["-KILL", &p.to_string()])
            .stderr(Stdio::null())
            .status();
    }
}

fn alive(pid: u32) -> bool {
    // A zombie is gone for our purposes.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| stat_fields(&s).first().is_some_and(|state| *state != "Z"))
        .unwrap_or(false)
}

/// The fields of `/proc/PID/stat` after the command name (field 3, the state, is index 0).
fn stat_fields(stat: &str) -> Vec<&str> {
    match stat.rfind(')') {
        Some(i) => stat[i + 1..].split_whitespace().collect(),
        None => Vec::new(),
    }
}

/// Every descendant of `pid`, from the parent links in `/proc`.
pub fn descendants(pid: u32) -> Vec<u32> {
    let mut parent_of: Vec<(u32, u32)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for e in entries.flatten() {
            let Some(p) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            if let Ok(stat) = std::fs::read_to_string(e.path().join("stat"))
                && let Some(ppid) = stat_fields(&stat)
                    .get(1)
                    .and_then(|s| s.parse::<u32>().ok())
            {
                parent_of.push((p, ppid));
            }
        }
    }
    let mut out = Vec::new();
    let mut frontier = vec![pid];
    while let Some(p) = frontier.pop() {
        for (child, _) in parent_of.iter().filter(|(_, pp)| *pp == p) {
            out.push(*child);
            frontier.push(*child);
        }
    }
    out
}

/// CPU time (user + system) of a process tree, in seconds.
pub fn cpu_seconds(pid: u32) -> f64 {
    cpu_times(pid).total()
}

/// CPU time of a process tree, in seconds, split into user space and kernel.
#[derive(Debug, Clone, Copy, Default)]
pub struct CpuTimes {
    pub user: f64,
    pub system: f64,
}

impl CpuTimes {
    /// User and system time together.
    pub fn total(self) -> f64 {
        self.user + self.system
    }
}

/// The CPU time of a process tree.
pub fn cpu_times(pid: u32) -> CpuTimes {
    let ticks = ticks_per_second();
    let mut pids = descendants(pid);
    pids.push(pid);
    let mut t = CpuTimes::default();
    for stat in pids
        .iter()
        .filter_map(|p| std::fs::read_to_string(format!("/proc/{p}/stat")).ok())
    {
        let fields = stat_fields(&stat);
        // utime and stime are fields 14 and 15: indexes 11 and 12 here.
        t.user += ticks_of(&fields, &[11]) / ticks;
        t.system += ticks_of(&fields, &[12]) / ticks;
    }
    t
}

/// CPU time (user + system) of this process's children that have exited and been waited for, in seconds: wrapped
/// around a child's run, the CPU time of that child.
pub fn reaped_children_cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // cutime and cstime are fields 16 and 17: indexes 13 and 14 here.
    ticks_of(&stat_fields(&stat), &[13, 14]) / ticks_per_second()
}

/// The sum of clock-tick fields of `/proc/PID/stat` (indexes into [`stat_fields`]); a missing field counts 0.
fn ticks_of(fields: &[&str], indexes: &[usize]) -> f64 {
    indexes
        .iter()
        .map(|&i| {
            fields
                .get(i)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        })
        .sum()
}

fn ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// Resident memory of a process tree, in KiB: `(current VmRSS, peak VmHWM)`, summed over the tree.
pub fn rss_kib(pid: u32) -> (u64, u64) {
    let mut pids = descendants(pid);
    pids.push(pid);
    let mut rss = 0;
    let mut hwm = 0;
    for p in pids {
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{p}/status")) {
            for line in status.lines() {
                let value = |l: &str| {
                    l.split_whitespace()
                        .nth(1)
                        .and_then(|v| v.parse::<u64>().ok())
                        .unwrap_or(0)
                };
                if line.starts_with("VmRSS:") {
                    rss += value(line);
                } else if line.starts_with("VmHWM:") {
                    hwm += value(line);
                }
            }
        }
    }
    (rss, hwm)
}
