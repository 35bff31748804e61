//! Thin axum handlers: check who asks, call the core, render a view.

pub mod actions;
pub mod analytics;
pub mod automation;
pub mod giveaways;
pub mod health;
pub mod leaderboard;
pub mod levels;
pub mod logging;
pub mod login;
pub mod moderation;
pub mod pages;
pub mod pickers;
pub mod premium;
pub mod roles;
pub mod settings_form;
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

/// A file download: `body` served as `content_type` with `Content-Disposition: attachment` under
/// `filename`, never cached. Exports (transcripts, levels, giveaways) all answer through this.
pub fn download(body: String, content_type: &'static str, filename: &str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // The name is built from ids and a fixed extension; a bad value is dropped, not sent.
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
