//! End-to-end tests of the gateway: a mock Logto upstream, the gateway started in-process in front of it, and
//! helpers (raw HTTP requests, log capture). The tests themselves are in `tests/`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod gateway;
pub mod logs;
pub mod mock;
pub mod raw;

pub use gateway::{Gateway, GatewayOptions, McpGateway, http_client};
pub use mock::{MockUpstream, Recorded, Reply};
