//! Thin axum handlers: check who asks, call the core, render a view.

pub mod actions;
pub mod health;
pub mod leaderboard;
pub mod levels;
pub mod login;
pub mod moderation;
pub mod pages;
pub mod roles;
pub mod tickets;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A 303 redirect to `location`.
pub fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}
