//! Health, readiness, metrics and the static assets.

use std::time::Duration;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::app::App;

const HTMX: &[u8] = include_bytes!("../../assets/htmx.min.js");
const CSS: &str = include_str!("../../assets/app.css");
const PING_WITHIN: Duration = Duration::from_secs(3);

/// `GET /healthz`: the process serves.
pub async fn healthz() -> &'static str {
    "ok"
}

/// `GET /readyz`: 200 when the database and the coordination backend answer, else 503 naming
/// what is down.
pub async fn readyz(State(app): State<App>) -> Response {
    let mut down = Vec::new();
    match tokio::time::timeout(PING_WITHIN, app.web.core.db.ping()).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => down.push(format!("database: {error}")),
        Err(_) => down.push(format!("database: no answer within {PING_WITHIN:?}")),
    }
    match tokio::time::timeout(PING_WITHIN, app.web.core.coordination.ping()).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => down.push(format!(
            "coordination ({}): {error}",
            app.web.core.coordination.backend()
        )),
        Err(_) => down.push(format!(
            "coordination ({}): no answer within {PING_WITHIN:?}",
            app.web.core.coordination.backend()
        )),
    }
    if down.is_empty() {
        (StatusCode::OK, "ready").into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready:\n{}\n", down.join("\n")),
        )
            .into_response()
    }
}

/// `GET /metrics`: Prometheus text.
pub async fn metrics(State(app): State<App>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        crate::metrics::render(&app).await,
    )
        .into_response()
}

/// The vendored htmx (2.x), served by the binary.
pub async fn htmx_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        HTMX,
    )
        .into_response()
}

/// The stylesheet.
pub async fn app_css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}
