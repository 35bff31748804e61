//! One module per top-level command.

pub mod audit;
pub mod config;
pub mod demo;
pub mod jobs;
pub mod migrate;
pub mod serve;
