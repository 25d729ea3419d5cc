//! End-to-end tests of the gateway.
