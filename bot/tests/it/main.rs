//! The effect executor against the Discord stand-in.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests may unwrap: a panic is the failure report.

mod executor;
