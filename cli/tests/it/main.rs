//! The `guildhall` binary, driven as an operator would: every test runs the real executable
//! against a fresh database (SQLite always; PostgreSQL too when `DATABASE_URL` is set).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests may unwrap: a panic is the failure report.

mod automation;
mod automation_bot;
mod backtest;
mod browser;
mod config;
mod cross_guild;
mod dashboard;
mod discord_rules;
mod e2e;
mod features;
mod giveaways;
mod jobs;
mod leaderboard;
mod levels;
mod logging;
mod migrate;
mod moderation;
mod premium;
mod roles;
mod roles_dashboard;
mod serve;
mod stop;
mod support;
mod tickets;
