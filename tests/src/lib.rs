//! End-to-end tests of the gateway: a mock Logto upstream, the gateway started in-process in front of it, and
//! helpers (raw HTTP requests, log capture). The tests themselves are in `tests/`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod gateway;
pub mod logs;
pub mod mock;
pub mod raw;

pub use gateway::{Gateway, GatewayOptions, McpGateway, http_client};
pub use mock::{MockUpstream, Recorded, Reply};

use std::time::Duration;

/// Asserts that `what` happened within `[at_least, before)` of its start: not before a timeout of `at_least`, and
/// not long after it.
#[track_caller]
pub fn assert_took(what: &str, elapsed: Duration, at_least: Duration, before: Duration) {
    assert!(
        elapsed >= at_least,
        "{what} after {elapsed:?}, before the timeout"
    );
    assert!(
        elapsed < before,
        "{what} after {elapsed:?}, long after the timeout"
    );
}
