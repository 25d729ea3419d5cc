//! `cargo xtask test`: installs what the tests need, runs every test of the workspace, and stops what it started.
//!
//! In order, each step idempotent:
//! 1. Stoplight Prism (`tests/prism/install.sh`, into `tests/.prism/`);
//! 2. the MCP Python SDK (`tests/python/install.sh`, into `tests/.venv/`);
//! 3. a real Logto OSS server (`setup.sh` of the real-Logto folder: `$REAL_LOGTO_DIR`, by default
//!    `../shared/real-logto` next to the workspace; it writes `$LOGTO_HOME/m2m.env`);
//! 4. `cargo test --workspace`, with `PRISM_REQUIRED`, `MCP_PYTHON_REQUIRED` and `REAL_LOGTO_REQUIRED` set, so that no
//!    test skips for a missing tool;
//! 5. `stop.sh` of the real-Logto folder, when the server did not answer before step 3: also after a failure and on
//!    Ctrl-C. A server that was already running is left as it was.
//!
//! A missing real-Logto folder is an error under `CI=true`; otherwise a warning, and the real-Logto tests skip. The
//! exit code is the tests', or the failed step's (130 on Ctrl-C). A timing summary closes the run.

use std::ffi::OsString;
use std::fs::{File, TryLockError};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, Once, PoisonError};
use std::time::{Duration, Instant};

use xtask_proctree::kill_tree;

use crate::exit_code;

/// What `cargo xtask test` was asked.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Arguments for `cargo test`, after `--workspace`: a name filter, `--test NAME`, `--package NAME`, …
    pub cargo_args: Vec<String>,
    /// Arguments for the test binaries (after `--`): `--nocapture`, `--test-threads 1`, …
    pub test_args: Vec<String>,
}

/// Set by Ctrl-C: the running step is stopped and no further step starts.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);
/// Set while the real Logto is being stopped, which Ctrl-C does not cut short.
static STOPPING: AtomicBool = AtomicBool::new(false);
/// The process of the running step. The step's child is reaped only while this lock is held, so the interrupt
/// handler never signals a process id that has already been reused.
static RUNNING: Mutex<Option<u32>> = Mutex::new(None);
static HANDLER: Once = Once::new();

/// The exit code of an interrupted run.
const INTERRUPTED_CODE: u8 = 130;

fn running() -> MutexGuard<'static, Option<u32>> {
    RUNNING.lock().unwrap_or_else(PoisonError::into_inner)
}

fn install_interrupt_handler() {
    HANDLER.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            if STOPPING.load(Ordering::SeqCst) {
                eprintln!("\ntest: interrupted; the real Logto is being stopped first");
                return;
            }
            if INTERRUPTED.swap(true, Ordering::SeqCst) {
                return;
            }
            eprintln!(
                "\ntest: interrupted; stopping the running step and what this command started"
            );
            if let Some(pid) = *running() {
                kill_tree(pid);
            }
        });
    });
}

fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// `1`, `true` or `yes`, in any case.
fn truthy(var: &str) -> bool {
    std::env::var(var)
        .map(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes"))
        .unwrap_or(false)
}

/// A non-empty environment variable.
fn env_nonempty(var: &str) -> Option<OsString> {
    std::env::var_os(var).filter(|v| !v.is_empty())
}

/// One line of the timing summary.
struct Timing {
    step: &'static str,
    took: Option<Duration>,
    note: String,
}

/// The real Logto of this run: its scripts' folder, its home (absolute) and its port.
struct RealLogto {
    dir: PathBuf,
    home: PathBuf,
    port: u16,
}

impl RealLogto {
    fn locate(root: &Path) -> RealLogto {
        let dir = env_nonempty("REAL_LOGTO_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("../shared/real-logto"));
        let dir = std::fs::canonicalize(&dir)
            .or_else(|_| std::path::absolute(&dir))
            .unwrap_or(dir);
        // setup.sh's default: `${LOGTO_HOME:-${TMPDIR:-/tmp}/logto-oss}`.
        let home = env_nonempty("LOGTO_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                env_nonempty("TMPDIR")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| PathBuf::from("/tmp"))
                    .join("logto-oss")
            });
        let home = std::path::absolute(&home).unwrap_or(home);
        let port = std::env::var("LOGTO_PORT")
            .ok()
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or(3001);
        RealLogto { dir, home, port }
    }

    /// The scripts this command runs that the folder lacks.
    fn missing(&self) -> Vec<PathBuf> {
        ["setup.sh", "stop.sh"]
            .iter()
            .map(|s| self.dir.join(s))
            .filter(|p| !p.is_file())
            .collect()
    }

    fn script(&self, name: &str) -> Command {
        let mut cmd = Command::new("bash");
        cmd.arg(self.dir.join(name)).env("LOGTO_HOME", &self.home);
        cmd
    }

    /// Whether a Logto answers `GET /api/status` with 204, asked once no set-up holds `$LOGTO_HOME/.lock` (the lock
    /// setup.sh takes), so that a server another set-up is starting counts as running.
    fn answers(&self) -> Result<bool, u8> {
        let lock = File::open(self.home.join(".lock")).ok();
        if let Some(lock) = &lock {
            let mut waiting = false;
            loop {
                match lock.try_lock_shared() {
                    Ok(()) => break,
                    Err(TryLockError::WouldBlock) => {
                        if interrupted() {
                            return Err(INTERRUPTED_CODE);
                        }
                        if !waiting {
                            waiting = true;
                            eprintln!(
                                "test: another setup.sh holds {}; waiting for it to finish",
                                self.home.join(".lock").display()
                            );
                        }
                        std::thread::sleep(Duration::from_millis(200));
                    }
                    // A file system without locks: ask without waiting.
                    Err(TryLockError::Error(_)) => break,
                }
            }
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(5)))
            .http_status_as_error(false)
            .proxy(None)
            .build()
            .into();
        let url = format!("http://127.0.0.1:{}/api/status", self.port);
        let up = agent
            .get(&url)
            .call()
            .is_ok_and(|r| r.status().as_u16() == 204);
        drop(lock);
        Ok(up)
    }
}

fn show(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `cmd` to its end as the running step; records its time.
fn step(timings: &mut Vec<Timing>, name: &'static str, cmd: &mut Command) -> Result<(), u8> {
    if interrupted() {
        return Err(INTERRUPTED_CODE);
    }
    eprintln!("\n==> {name}: {}", show(cmd));
    let started = Instant::now();
    let status = cmd.stdin(Stdio::null()).spawn().and_then(|mut child| {
        *running() = Some(child.id());
        if interrupted() {
            kill_tree(child.id());
        }
        loop {
            let mut guard = running();
            if let Some(status) = child.try_wait()? {
                *guard = None;
                return Ok(status);
            }
            drop(guard);
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    let took = Some(started.elapsed());
    match status {
        Ok(s) if s.success() => {
            timings.push(Timing {
                step: name,
                took,
                note: String::new(),
            });
            Ok(())
        }
        Ok(s) => {
            let code = if interrupted() {
                INTERRUPTED_CODE
            } else {
                exit_code(s)
            };
            let note = if interrupted() {
                "interrupted".to_owned()
            } else {
                format!("failed: {s}")
            };
            eprintln!("test: {name} {note}");
            timings.push(Timing {
                step: name,
                took,
                note,
            });
            Err(code)
        }
        Err(e) => {
            eprintln!("test: {name}: cannot run `{}`: {e}", show(cmd));
            timings.push(Timing {
                step: name,
                took,
                note: format!("failed: {e}"),
            });
            Err(1)
        }
    }
}

/// The real Logto after its set-up step.
enum Logto {
    /// No set-up: the folder is missing, or the run stopped before.
    NotSetUp,
    /// It answered before the set-up: someone else's, left running.
    WasRunning,
    /// This command set it up (or tried to): stopped at the end.
    Started,
}

/// Runs the whole command; the exit code is the tests', or the failed step's.
pub fn run(root: &Path, options: &Options) -> ExitCode {
    install_interrupt_handler();
    let started = Instant::now();
    let logto = RealLogto::locate(root);
    let mut timings = Vec::new();
    let mut state = Logto::NotSetUp;
    let mut result = install_and_test(root, options, &logto, &mut timings, &mut state);

    let (took, note) = match state {
        Logto::NotSetUp => (None, "nothing to stop".to_owned()),
        Logto::WasRunning => (None, "left running: it was running before".to_owned()),
        Logto::Started => {
            STOPPING.store(true, Ordering::SeqCst);
            let mut cmd = logto.script("stop.sh");
            // Its own process group: a Ctrl-C at the terminal does not cut the stop short. PURGE is never passed on.
            cmd.current_dir(root).env_remove("PURGE").process_group(0);
            eprintln!("\n==> stop the real Logto: {}", show(&cmd));
            let t = Instant::now();
            let status = cmd.stdin(Stdio::null()).status();
            let took = Some(t.elapsed());
            match status {
                Ok(s) if s.success() => (took, String::new()),
                Ok(s) => {
                    eprintln!("test: stop.sh failed ({s}); see {}", logto.home.display());
                    result = result.and(Err(exit_code(s)));
                    (took, format!("failed: {s}"))
                }
                Err(e) => {
                    eprintln!("test: cannot run stop.sh: {e}");
                    result = result.and(Err(1));
                    (took, format!("failed: {e}"))
                }
            }
        }
    };
    timings.push(Timing {
        step: "stop the real Logto",
        took,
        note,
    });

    eprintln!("\ncargo xtask test: timings");
    for t in &timings {
        let secs = t
            .took
            .map(|d| format!("{:8.1} s", d.as_secs_f64()))
            .unwrap_or_else(|| format!("{:>10}", "–"));
        let note = if t.note.is_empty() {
            String::new()
        } else {
            format!("  ({})", t.note)
        };
        eprintln!("  {:<28}{secs}{note}", t.step);
    }
    eprintln!("  {:<28}{:8.1} s", "total", started.elapsed().as_secs_f64());
    match result {
        Ok(()) => {
            eprintln!("cargo xtask test: passed");
            ExitCode::SUCCESS
        }
        Err(code) => {
            eprintln!("cargo xtask test: FAILED (exit code {code})");
            ExitCode::from(code)
        }
    }
}

fn install_and_test(
    root: &Path,
    options: &Options,
    logto: &RealLogto,
    timings: &mut Vec<Timing>,
    state: &mut Logto,
) -> Result<(), u8> {
    let bash = |script: &str| {
        let mut cmd = Command::new("bash");
        cmd.arg(script).current_dir(root);
        cmd
    };
    step(
        timings,
        "install Stoplight Prism",
        &mut bash("tests/prism/install.sh"),
    )?;
    step(
        timings,
        "install the MCP Python SDK",
        &mut bash("tests/python/install.sh"),
    )?;

    let missing = logto.missing();
    let real_logto = if missing.is_empty() {
        if logto.answers()? {
            eprintln!(
                "test: a Logto answers on 127.0.0.1:{}; it is reused and left running",
                logto.port
            );
            *state = Logto::WasRunning;
        } else {
            *state = Logto::Started;
        }
        let mut setup = logto.script("setup.sh");
        setup.current_dir(root);
        step(timings, "set up the real Logto", &mut setup)?;
        true
    } else {
        let what = if logto.dir.is_dir() {
            let list: Vec<String> = missing.iter().map(|p| p.display().to_string()).collect();
            format!("{} missing", list.join(" and "))
        } else {
            format!("the folder {} does not exist", logto.dir.display())
        };
        let from = if env_nonempty("REAL_LOGTO_DIR").is_some() {
            "REAL_LOGTO_DIR names it"
        } else {
            "../shared/real-logto next to the workspace; REAL_LOGTO_DIR names another folder"
        };
        let why = format!(
            "the real Logto cannot be set up: {what} (looked for setup.sh and stop.sh in {}: {from})",
            logto.dir.display()
        );
        let (note, outcome) = if truthy("CI") {
            eprintln!(
                "test: ERROR: {why}; under CI=true the real-Logto tests (tests/tests/e2e/real_logto.rs) fail without it, \
                 so no test is run"
            );
            ("failed: folder missing", Err(1))
        } else {
            eprintln!(
                "test: WARNING: {why}; the real-Logto tests (tests/tests/e2e/real_logto.rs) are skipped (under CI=true \
                 this is an error)"
            );
            ("skipped: folder missing", Ok(()))
        };
        timings.push(Timing {
            step: "set up the real Logto",
            took: None,
            note: note.to_owned(),
        });
        outcome?;
        false
    };

    let mut test = Command::new(env!("CARGO"));
    test.current_dir(root)
        .args(["test", "--workspace"])
        .args(&options.cargo_args)
        .env("PRISM_REQUIRED", "1")
        .env("MCP_PYTHON_REQUIRED", "1")
        .env("LOGTO_HOME", &logto.home);
    if !options.test_args.is_empty() {
        test.arg("--").args(&options.test_args);
    }
    if real_logto {
        test.env("REAL_LOGTO_REQUIRED", "1");
    }
    step(timings, "cargo test --workspace", &mut test)
}
