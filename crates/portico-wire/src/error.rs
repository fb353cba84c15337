//! The one error type of the wire: AWS error code, HTTP status and message.

use bytes::Bytes;
use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    pub status: u16,
    /// Sent as `x-amzn-ErrorType`, e.g. `NotFoundException`.
    pub code: Cow<'static, str>,
    pub message: String,
}

impl AwsError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: Cow::Borrowed(code),
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequestException", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "NotFoundException", message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(409, "ConflictException", message)
    }

    pub fn limit_exceeded(message: impl Into<String>) -> Self {
        Self::new(429, "LimitExceededException", message)
    }

    pub fn too_many_requests(message: impl Into<String>) -> Self {
        Self::new(429, "TooManyRequestsException", message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(401, "UnauthorizedException", message)
    }

    /// An operation of the model that Portico does not serve yet.
    pub fn not_implemented(operation: &str) -> Self {
        Self::new(
            501,
            "NotImplemented",
            format!("The operation {operation} is not implemented by Portico yet"),
        )
    }

    /// A fault of Portico itself; the message is logged, never a panic.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, "InternalFailure", message)
    }

    /// The answer AWS gives: the error type in `x-amzn-ErrorType` and `{"message": ...}`.
    pub fn to_response(&self, request_id: &str) -> http::Response<Bytes> {
        let body = serde_json::json!({ "message": self.message });
        http::Response::builder()
            .status(self.status)
            .header("content-type", "application/json")
            .header("x-amzn-ErrorType", self.code.as_ref())
            .header("x-amzn-RequestId", request_id)
            .body(Bytes::from(body.to_string()))
            .expect("static header names are valid")
    }
}

impl std::fmt::Display for AwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.status, self.message)
    }
}

impl std::error::Error for AwsError {}
