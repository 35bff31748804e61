//! Guildhall's web dashboard, public pages and local admin API (axum + maud + htmx).
//!
//! It never depends on `guildhall-bot`: it changes guild settings and jobs through
//! `guildhall-core`, reads live data from [`guildhall_core::live::Live`], and the bot picks
//! changes up through the coordination bus.

pub mod admin;
pub mod routes;
