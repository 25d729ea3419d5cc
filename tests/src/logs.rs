//! Captures the log lines of a test (the in-process gateway logs through `tracing`). Each `#[tokio::test]` has a
//! runtime of its own, and the gateway, the mock and the clients a test starts run on it: a test that asks for the
//! capture gets the lines logged on its own runtime, and none of those of the tests running beside it.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};

use tokio::runtime::{Handle, Id};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

type Buffer = Arc<Mutex<Vec<u8>>>;

/// The log lines of one test.
#[derive(Clone)]
pub struct LogCapture {
    buf: Buffer,
}

impl LogCapture {
    /// Everything the test has logged so far.
    pub fn contents(&self) -> String {
        let guard = self.buf.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&guard).into_owned()
    }
}

/// The buffers, by the runtime whose lines each receives. Runtime ids are not reused within a process.
fn buffers() -> &'static RwLock<HashMap<Id, Buffer>> {
    static BUFFERS: OnceLock<RwLock<HashMap<Id, Buffer>>> = OnceLock::new();
    BUFFERS.get_or_init(Default::default)
}

/// The buffer of the runtime the caller runs on, when its test asked for a capture.
fn current_buffer() -> Option<Buffer> {
    let id = Handle::try_current().ok()?.id();
    buffers()
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&id)
        .cloned()
}

/// Writes each log line into the buffer of the runtime it is logged on.
struct ByRuntime;

impl<'a> MakeWriter<'a> for ByRuntime {
    type Writer = BufWriter;

    fn make_writer(&'a self) -> BufWriter {
        BufWriter(current_buffer())
    }
}

struct BufWriter(Option<Buffer>);

impl Write for BufWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if let Some(buf) = &self.0 {
            buf.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend_from_slice(data);
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The log lines of the calling test, from now on: called on the test's runtime, it captures every line logged on
/// that runtime at `TRACE` (with `log` records bridged), and returns the same buffer each time. The first call
/// installs the process's global `tracing` subscriber, which formats only the lines of runtimes asked for.
pub fn capture() -> LogCapture {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    let id = Handle::try_current()
        .expect("logs::capture() is called on the test's Tokio runtime")
        .id();
    INSTALLED.get_or_init(|| {
        let layer = tracing_subscriber::fmt::layer()
            .with_writer(ByRuntime)
            .with_ansi(false);
        // Also bridges `log` records (reqwest's) into the same buffers.
        tracing_subscriber::registry()
            .with(tracing_subscriber::filter::LevelFilter::TRACE)
            // Decided for each line, not once for each place that logs (as `filter_fn` would).
            .with(tracing_subscriber::filter::dynamic_filter_fn(|_, _| {
                current_buffer().is_some()
            }))
            .with(layer)
            .try_init()
            .expect("no other global tracing subscriber in this test process");
    });
    let buf = buffers()
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(id)
        .or_default()
        .clone();
    LogCapture { buf }
}

#[cfg(test)]
mod tests {
    use super::capture;

    /// One place that logs, for every line of these tests.
    fn log(line: &str) {
        tracing::info!("{line}");
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime")
    }

    /// Logs `line` on `rt`, from the test's thread and from a worker thread.
    fn log_on(rt: &tokio::runtime::Runtime, line: &str) {
        let line = line.to_owned();
        rt.block_on(async move {
            log(&line);
            tokio::spawn(async move { log(&format!("{line} (spawned)")) })
                .await
                .expect("the task runs");
        });
    }

    /// Logs `line` on a runtime of its own and returns what that runtime's capture holds.
    fn logged_alone(line: &str) -> String {
        let rt = runtime();
        let logs = rt.block_on(async { capture() });
        log_on(&rt, line);
        logs.contents()
    }

    #[test]
    fn each_runtime_sees_its_own_lines_only() {
        let rt = runtime();
        let logs = rt.block_on(async { capture() });
        // The first line of the place that logs is outside any runtime: what is captured is still decided per line.
        log("a line outside any runtime");
        log_on(&rt, "line of runtime A");
        let a = logs.contents();
        assert!(a.contains("line of runtime A\n"), "{a}");
        assert!(a.contains("line of runtime A (spawned)"), "{a}");
        assert!(!a.contains("outside"), "{a}");

        let (b, c) = std::thread::scope(|s| {
            let b = s.spawn(|| logged_alone("line of runtime B"));
            let c = s.spawn(|| logged_alone("line of runtime C"));
            (b.join().expect("B"), c.join().expect("C"))
        });
        assert!(b.contains("line of runtime B (spawned)"), "{b}");
        assert!(c.contains("line of runtime C (spawned)"), "{c}");
        assert!(!b.contains("runtime C") && !b.contains("runtime A"), "{b}");
        assert!(!c.contains("runtime B") && !c.contains("runtime A"), "{c}");
        assert_eq!(logs.contents(), a, "nothing more on runtime A");
    }
}
