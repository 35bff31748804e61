//! One module per top-level command.

pub mod audit;
pub mod bot;
pub mod config;
pub mod demo;
pub mod jobs;
pub mod migrate;
pub mod refusals;
pub mod serve;
pub mod slash;
