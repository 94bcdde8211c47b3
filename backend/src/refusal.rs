//! One type for "no" in every handler: the error code and message the client
//! reads, whether it reaches them as an HTTP response or a WebSocket error
//! frame. Store failures turn into it with `?`, logged once, here.

use std::borrow::Cow;
use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use protocol::{BadPreChat, ErrorBody, ErrorCode};

use crate::store::StoreError;

/// A request or frame that was refused, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: ErrorCode,
    pub message: Cow<'static, str>,
    /// For rate limits: when trying again can succeed.
    pub retry_after: Option<Duration>,
}

impl Refusal {
    pub fn new(code: ErrorCode, message: impl Into<Cow<'static, str>>) -> Self {
        Self { code, message: message.into(), retry_after: None }
    }

    pub fn retry_after(mut self, wait: Duration) -> Self {
        self.retry_after = Some(wait);
        self
    }

    /// Something failed on our side. The cause is logged (with the span of
    /// whoever was being served); the client learns only that nothing
    /// changed.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(ErrorCode::Internal, "something went wrong on our side; nothing was changed")
    }

    pub fn unauthorized(message: &'static str) -> Self {
        Self::new(ErrorCode::Unauthorized, message)
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody { code: self.code, message: self.message.to_string() }
    }

    /// The HTTP status that says the same as the error code.
    pub fn status(&self) -> StatusCode {
        match self.code {
            ErrorCode::BadFrame | ErrorCode::UnknownType | ErrorCode::Invalid | ErrorCode::VersionUnsupported | ErrorCode::OutOfOrder => {
                StatusCode::BAD_REQUEST
            }
            ErrorCode::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::FileType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorCode::BadOrigin | ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::UnknownSite | ErrorCode::NoConversation | ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::InvalidState => StatusCode::CONFLICT,
            ErrorCode::RateLimited | ErrorCode::LimitReached => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::Busy => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::ConversationFull(limit) => {
                Self::new(ErrorCode::LimitReached, format!("this conversation has reached its limit of {limit} messages; please start a new one"))
            }
            StoreError::ConversationEnded => Self::new(ErrorCode::InvalidState, "this chat has ended"),
            StoreError::Duplicate(what) => Self::new(ErrorCode::Invalid, format!("{what} already exists")),
            StoreError::NotFound(what) => Self::new(ErrorCode::NotFound, format!("no such {what}")),
            StoreError::Invalid(why) => Self::new(ErrorCode::Invalid, why),
            other => Self::internal(other),
        }
    }
}

impl From<BadPreChat> for Refusal {
    fn from(e: BadPreChat) -> Self {
        match e {
            BadPreChat::TooLong => Self::new(ErrorCode::TooLarge, "a pre-chat answer is too long"),
            BadPreChat::BadEmail => Self::new(ErrorCode::Invalid, "that email address does not look right"),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let status = self.status();
        let retry_after = self.retry_after;
        let mut response = (status, Json(self.body())).into_response();
        if let Some(wait) = retry_after {
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            if let Ok(value) = HeaderValue::from_str(&secs.max(1).to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_status_and_limits_say_when_to_retry() {
        for code in ErrorCode::ALL {
            let status = Refusal::new(code, "x").status();
            assert!(status.is_client_error() || status.is_server_error(), "{code:?}");
        }
        let response = Refusal::new(ErrorCode::RateLimited, "slow down").retry_after(Duration::from_millis(1500)).into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
    }
}
