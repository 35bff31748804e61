//! A local Discord stand-in for tests and `guildhall demo`.
//!
//! It will speak Discord's real protocol on 127.0.0.1 (REST under `/api/v10`, the gateway
//! websocket, OAuth2), keep a coherent in-memory model of guilds, members, roles and channels,
//! record every REST request for assertions and inject faults. It arrives with the stand-in
//! issue; until then it only fixes the API version it will serve.

/// The Discord API version the stand-in serves.
pub const API_VERSION: u8 = 10;
