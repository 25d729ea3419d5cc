//! Captures every log line of the test process (the in-process gateway logs through `tracing`) into one buffer.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

/// The shared log buffer.
#[derive(Clone)]
pub struct LogCapture {
    buf: Arc<Mutex<Vec<u8>>>,
}

impl LogCapture {
    /// Everything logged so far.
    pub fn contents(&self) -> String {
        let guard = self
            .buf
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        String::from_utf8_lossy(&guard).into_owned()
    }
}

struct BufWriter(Arc<Mutex<Vec<u8>>>);

impl Write for BufWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

static CAPTURE: OnceLock<LogCapture> = OnceLock::new();

/// Installs (once per process) a global `tracing` subscriber at `TRACE` (with `log` records bridged) writing into
/// a shared buffer, and returns the buffer.
pub fn capture() -> &'static LogCapture {
    CAPTURE.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || BufWriter(writer.clone()))
            .with_ansi(false)
            .with_max_level(tracing::Level::TRACE)
            .finish();
        // Also bridges `log` records (reqwest's) into the same buffer.
        tracing_subscriber::util::SubscriberInitExt::try_init(subscriber)
            .expect("no other global tracing subscriber in this test process");
        LogCapture { buf }
    })
}
