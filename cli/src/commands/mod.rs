//! One module per top-level command.

pub mod audit;
pub mod automation;
pub mod automod;
pub mod bot;
pub mod config;
pub mod console;
pub mod demo;
pub mod giveaways;
pub mod guilds;
pub mod jobs;
pub mod levels;
pub mod logging;
pub mod logs;
pub mod migrate;
pub mod moderation;
pub mod premium;
pub mod refusals;
pub mod roles;
pub mod serve;
pub mod shards;
pub mod slash;
pub mod stats;
pub mod tickets;
pub mod web;
