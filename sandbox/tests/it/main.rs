//! The stand-in's own tests: payloads against serenity's types and Discord's OpenAPI document,
//! the gateway protocol, Discord's rules (channels and their overwrites in `channels.rs`), faults,
//! recording, OAuth2, interactions on Discord's clock and a real serenity client.

// Helpers outside #[test] functions unwrap too: this whole binary is test code.
#![allow(clippy::unwrap_used)]

mod audit;
mod channels;
mod common;
mod contract;
mod expressions;
mod gateway;
mod interactions;
mod oauth;
mod openapi;
mod payloads;
mod premium;
mod rules;
mod scripting;
mod serenity_client;
