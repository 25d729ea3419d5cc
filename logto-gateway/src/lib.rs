//! The Logto gateway: generated static code (`generated/`, written from `spec/logto.naftiko.yaml` by
//! `cargo xtask regen`) plus thin hand-written glue: configuration, start-up and the server around the adapters.

pub mod config;
#[rustfmt::skip]
pub mod generated;
pub mod layers;
pub mod metrics;
pub mod server;
