//! Child processes of a test (the gateway binary, Prism): each is killed and reaped when dropped, also when the test
//! panics, and its output (stdout and stderr) goes to a log file that failures show.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A running child process and its log.
pub struct Process {
    label: String,
    child: Child,
    log: PathBuf,
}

impl Process {
    /// Starts `cmd` (no stdin; stdout and stderr into a log file under the target's temporary directory).
    pub fn spawn(label: &str, cmd: &mut Command) -> Process {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let log = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "{label}-{}-{}.log",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let out = File::create(&log)
            .unwrap_or_else(|e| panic!("create the log file {}: {e}", log.display()));
        let err = out.try_clone().expect("clone the log file handle");
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {label} ({cmd:?}): {e}"));
        Process {
            label: label.to_owned(),
            child,
            log,
        }
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Everything the process has written so far.
    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The last 40 lines of the output, headed by the process's name and log file.
    pub fn tail(&self) -> String {
        let text = self.output();
        let lines: Vec<&str> = text.lines().collect();
        format!(
            "--- {} log ({}):\n{}",
            self.label,
            self.log.display(),
            lines[lines.len().saturating_sub(40)..].join("\n")
        )
    }

    /// Panics, with the output, if the process has exited.
    pub fn check_alive(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("{} exited early ({status}):\n{}", self.label, self.tail());
        }
    }

    /// Waits for the process to exit; kills it and panics after `within`.
    pub fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("poll the child") {
                return status;
            }
            if start.elapsed() > within {
                let _ = self.child.kill();
                panic!(
                    "{} did not exit within {within:?}\n{}",
                    self.label,
                    self.tail()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Polls `url` until it answers over HTTP, and returns that answer; panics, with the output, when the process
    /// exits first or after `limit`.
    pub async fn wait_http(
        &mut self,
        client: &reqwest::Client,
        url: &str,
        limit: Duration,
    ) -> reqwest::Response {
        let start = Instant::now();
        loop {
            if let Ok(resp) = client.get(url).send().await {
                return resp;
            }
            self.check_alive();
            assert!(
                start.elapsed() < limit,
                "{} not ready at {url} after {limit:?}\n{}",
                self.label,
                self.tail()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

impl Drop for Process {
    /// Kills and reaps the process; its log is kept when the test failed.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !std::thread::panicking() {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}
