//! The Logto gateway: generated static code (`generated/`, from `spec/logto.naftiko.yaml` by `cargo xtask regen`)
//! plus thin hand-written glue.

#[rustfmt::skip]
pub mod generated;
