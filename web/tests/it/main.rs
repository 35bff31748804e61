//! The dashboard over a real listener, logged in through the Discord stand-in's OAuth2.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)] // Tests may unwrap: a panic is the failure report.

mod analytics;
mod auth;
mod automation;
mod extractors;
mod giveaways;
mod levels;
mod logging;
mod moderation;
mod pages;
mod pickers;
mod premium;
mod probe;
mod references;
mod roles;
mod settings;
mod settings_form;
mod support;
mod tickets;
