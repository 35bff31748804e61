//! Every way a dashboard request can fail, mapped to a response in one place.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use guildhall_core::error::UserFacing;

use crate::views;

/// A request the dashboard refuses or could not serve.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// No valid session: pages redirect to the login, htmx and forms get 401.
    #[error("you are not logged in (or your session expired); log in again")]
    LoggedOut {
        /// Where to come back to after login (pages only); `None` answers 401.
        next: Option<String>,
    },
    /// A state-changing request without the session's CSRF token.
    #[error(
        "this request did not carry a valid CSRF token; reload the page and try again (forms send the `csrf` field, htmx the X-CSRF-Token header)"
    )]
    Csrf,
    /// Logged in, but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// Nothing there.
    #[error("{0}")]
    NotFound(String),
    /// The request itself was wrong.
    #[error("{0}")]
    BadRequest(String),
    /// Discord failed.
    #[error("{0}")]
    Upstream(String),
    /// The guild's tier lacks it: the premium wall's sentence (402).
    #[error("{0}")]
    PremiumRequired(String),
    /// Too many attempts from this client; try again after this many seconds.
    #[error("too many login attempts from your address; try again in {0} seconds")]
    TooManyRequests(u64),
    /// A bug or an outage on our side; logged, not shown in detail.
    #[error("{0}")]
    Internal(String),
}

impl PageError {
    /// A core service's error, as [`UserFacing`] decides: something named that does not exist
    /// is a 404, the admin's mistake a 400 in the service's words, ours a logged 500.
    pub fn from_core(error: &impl UserFacing) -> Self {
        if let Some(wall) = error.premium_wall() {
            return Self::PremiumRequired(wall.sentence());
        }
        if error.is_ours() {
            Self::internal(error)
        } else if error.is_missing() {
            Self::NotFound(error.to_string())
        } else {
            Self::BadRequest(error.to_string())
        }
    }

    /// The words of an admin's mistake, to show beside the form; ours is a logged 500.
    ///
    /// # Errors
    /// [`PageError::Internal`] when the failure is ours.
    pub fn words_of(error: &impl UserFacing) -> Result<String, Self> {
        if error.is_ours() {
            Err(Self::internal(error))
        } else {
            Ok(error.to_string())
        }
    }

    /// An internal error from anything displayable.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        Self::Internal(error.to_string())
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::LoggedOut { .. } => StatusCode::UNAUTHORIZED,
            Self::Csrf | Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Upstream(_) => StatusCode::BAD_GATEWAY,
            Self::PremiumRequired(_) => StatusCode::PAYMENT_REQUIRED,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if let Self::LoggedOut { next: Some(next) } = &self {
            let location = crate::routes::login_then(next);
            let mut response = StatusCode::SEE_OTHER.into_response();
            if let Ok(value) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(header::LOCATION, value);
            }
            return response;
        }
        let status = self.status();
        let message = match &self {
            Self::Internal(detail) => {
                tracing::error!(%detail, "dashboard request failed");
                "something went wrong on the server; it has been logged".to_owned()
            }
            other => other.to_string(),
        };
        let mut response = (status, views::pages::error(status, &message)).into_response();
        if let Self::TooManyRequests(seconds) = &self
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}
