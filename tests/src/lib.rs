//! End-to-end tests of the gateway: a mock Logto upstream, the gateway started in-process in front of it, and
//! helpers (raw HTTP requests, log capture). The tests themselves are one test binary, `tests/e2e/`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod gateway;
pub mod issuer;
pub mod logs;
pub mod mcp_bridge;
pub mod mock;
pub mod raw;
pub mod real_logto;

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

/// Whether the environment variable `var` is set to `1`, `true` or `yes`.
pub fn truthy(var: &str) -> bool {
    std::env::var(var)
        .map(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes"))
        .unwrap_or(false)
}

/// What a test needs is missing (`why` says what, and what to run): under `CI=true` or `{var}=1` the test fails;
/// otherwise it says so and the caller skips the test.
#[track_caller]
pub fn required(var: &str, why: &str) {
    if truthy("CI") || truthy(var) {
        panic!("{why} (required: CI or {var} is set)");
    }
    eprintln!("SKIPPED: {why}; set {var}=1 to make this a failure");
}
