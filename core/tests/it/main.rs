//! guildhall-core's integration tests: store stories on SQLite always and on PostgreSQL when
//! `DATABASE_URL` is set; coordination on memory always and on Redis when `REDIS_URL` is set.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests may unwrap: a panic is the failure report.

mod coordination;
mod giveaways;
mod guild_config;
mod jobs;
mod moderation;
mod roles;
mod storage;
mod tickets;
