//! Golden fixtures, compiled.
