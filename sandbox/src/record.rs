//! Every REST request the stand-in answered, for assertions with deadlines.

use std::time::Duration;

use axum::http::Method;
use guildhall_core::clock::UnixMillis;
use serde_json::Value;

use crate::{Sandbox, lock};

/// One part of a multipart body.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedPart {
    /// The part's name.
    pub name: String,
    /// The file name, for files.
    pub filename: Option<String>,
    /// The part's bytes as (lossy) text.
    pub text: String,
}

/// A REST request and the status it got.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    /// The method.
    pub method: Method,
    /// The path without `/api/v10` (or `/api`), percent-decoded, e.g. `/channels/1/messages`.
    pub path: String,
    /// Query pairs (serenity's leading `&` is dropped).
    pub query: Vec<(String, String)>,
    /// Headers, names lower-case.
    pub headers: Vec<(String, String)>,
    /// `X-Audit-Log-Reason`, percent-decoded.
    pub audit_reason: Option<String>,
    /// The JSON body, or a multipart body's `payload_json`, or a form as an object.
    pub body: Option<Value>,
    /// Multipart parts.
    pub parts: Vec<RecordedPart>,
    /// The response status.
    pub status: u16,
    /// The response body.
    pub response: Option<Value>,
    /// When it arrived.
    pub at: UnixMillis,
}

impl RecordedRequest {
    /// Whether the method matches and the path starts with `path_prefix`.
    pub fn is(&self, method: Method, path_prefix: &str) -> bool {
        self.method == method && self.path.starts_with(path_prefix)
    }

    /// The JSON body (`Null` when there was none).
    pub fn json(&self) -> Value {
        self.body.clone().unwrap_or(Value::Null)
    }

    /// A header's value (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A query parameter.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A one-line summary: `POST /channels/1/messages -> 200`.
    pub fn summary(&self) -> String {
        format!(
            "{} {} -> {} {}",
            self.method,
            self.path,
            self.status,
            self.body.as_ref().map(Value::to_string).unwrap_or_default()
        )
    }
}

impl Sandbox {
    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.inner.records).clone()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        lock(&self.inner.records).clear();
    }

    /// Waits for a request matching `predicate` (earlier ones count too) and returns it.
    ///
    /// # Panics
    /// When none arrives within `within`, listing every request seen.
    pub async fn expect(
        &self,
        predicate: impl Fn(&RecordedRequest) -> bool,
        within: Duration,
    ) -> RecordedRequest {
        let found = self
            .wait_until(within, || {
                lock(&self.inner.records)
                    .iter()
                    .find(|r| predicate(r))
                    .cloned()
            })
            .await;
        match found {
            Some(request) => request,
            None => panic!(
                "no matching request within {within:?}; requests seen:\n{}",
                self.request_list()
            ),
        }
    }

    /// Asserts that no request matching `predicate` arrives (or has arrived) during `during`.
    ///
    /// # Panics
    /// When one does, listing every request seen.
    pub async fn assert_none(
        &self,
        predicate: impl Fn(&RecordedRequest) -> bool,
        during: Duration,
    ) {
        let found = self
            .wait_until(during, || {
                lock(&self.inner.records)
                    .iter()
                    .find(|r| predicate(r))
                    .cloned()
            })
            .await;
        if let Some(request) = found {
            panic!(
                "unexpected request {}; requests seen:\n{}",
                request.summary(),
                self.request_list()
            );
        }
    }

    fn request_list(&self) -> String {
        lock(&self.inner.records)
            .iter()
            .map(|r| format!("  {}", r.summary()))
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub(crate) fn record(&self, request: RecordedRequest) {
        lock(&self.inner.records).push(request);
        self.inner.bump();
    }
}
