//! Shared by the test files: the spec reader.
#![allow(dead_code)]

pub mod spec;
