//! Child processes of the bench: each is registered, killed when its guard drops, and killed on Ctrl-C; and what
//! `/proc` tells about a process tree (CPU time, resident memory: [`xtask_proctree`]).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, Once};
use std::time::Instant;

use xtask_proctree::kill_tree;
pub use xtask_proctree::{CpuTimes, cpu_seconds, cpu_times, reaped_children_cpu_seconds, rss_kib};

static REGISTRY: Mutex<Vec<u32>> = Mutex::new(Vec::new());
static HANDLER: Once = Once::new();

/// Kills every registered process (and its descendants) when the bench is interrupted.
pub fn install_interrupt_handler() {
    HANDLER.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            eprintln!("\nbench: interrupted, stopping every process it started");
            let pids: Vec<u32> = REGISTRY.lock().map(|r| r.clone()).unwrap_or_default();
            for pid in pids {
                kill_tree(pid);
            }
            std::process::exit(130);
        });
    });
}

/// A started process; dropping it kills it and its descendants.
pub struct Proc {
    pub name: String,
    pub child: Child,
    pub started: Instant,
}

impl Proc {
    pub fn spawn(name: &str, cmd: &mut Command) -> Result<Proc, String> {
        let started = Instant::now();
        let child = cmd
            .stdin(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {name}: {e}"))?;
        if let Ok(mut r) = REGISTRY.lock() {
            r.push(child.id());
        }
        Ok(Proc {
            name: name.to_owned(),
            child,
            started,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Fails when the process has already exited.
    pub fn check_alive(&mut self) -> Result<(), String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Err(format!("{} exited early ({status})", self.name)),
            _ => Ok(()),
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let pid = self.child.id();
        kill_tree(pid);
        let _ = self.child.wait();
        if let Ok(mut r) = REGISTRY.lock() {
            r.retain(|p| *p != pid);
        }
    }
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

/// Size of a file in bytes.
pub fn file_size(path: &Path) -> Option<u64> {
    std::fs::metadata(path).ok().map(|m| m.len())
}
