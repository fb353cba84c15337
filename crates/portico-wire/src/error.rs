//! The one error type of the wire: AWS error code, HTTP status, message, and the error
//! shape's other members (header members such as `Retry-After`, body members such as
//! apigatewayv2's `resourceType`). Each service's generated module has a typed
//! constructor per error shape (`apigateway::LimitExceededException` → `AwsError`).

use bytes::Bytes;
use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    pub status: u16,
    /// Sent as `x-amzn-ErrorType`, e.g. `NotFoundException`.
    pub code: Cow<'static, str>,
    pub message: String,
    /// The body's key for `message`: `message`, or `Message` for Lambda.
    pub message_key: &'static str,
    /// Header members of the error shape: (header name, value).
    pub headers: Vec<(&'static str, String)>,
    /// Body members besides `message`: (JSON key, value).
    pub fields: Vec<(&'static str, String)>,
}

impl AwsError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: Cow::Borrowed(code),
            message: message.into(),
            message_key: "message",
            headers: Vec::new(),
            fields: Vec::new(),
        }
    }

    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn with_message_key(mut self, key: &'static str) -> Self {
        self.message_key = key;
        self
    }

    pub fn with_field(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.fields.push((key, value.into()));
        self
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

    /// AWS's answer to input that breaks the model's constraints.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(400, "ValidationException", message)
    }

    /// AWS's answer to a JSON value of the wrong type for its member.
    pub fn serialization(message: impl Into<String>) -> Self {
        Self::new(400, "SerializationException", message)
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

    /// The answer AWS gives: the error type in `x-amzn-ErrorType`, header members as
    /// headers and `{"message": ..., other body members}`.
    pub fn to_response(&self, request_id: &str) -> http::Response<Bytes> {
        let mut body = serde_json::Map::new();
        body.insert(self.message_key.into(), self.message.clone().into());
        for (key, value) in &self.fields {
            body.insert((*key).into(), value.clone().into());
        }
        let mut builder = http::Response::builder()
            .status(self.status)
            .header("content-type", "application/json")
            .header("x-amzn-ErrorType", self.code.as_ref())
            .header("x-amzn-RequestId", request_id);
        for (name, value) in &self.headers {
            // A value that is no valid header (a control character) is dropped, not a panic.
            if let Ok(value) = http::HeaderValue::from_str(value) {
                builder = builder.header(*name, value);
            }
        }
        builder
            .body(Bytes::from(serde_json::Value::Object(body).to_string()))
            .expect("header names come from the model")
    }
}

impl std::fmt::Display for AwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.status, self.message)
    }
}

impl std::error::Error for AwsError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_members_go_to_headers_and_body() {
        let error = AwsError::limit_exceeded("slow down")
            .with_header("Retry-After", "30")
            .with_field("limitType", "burst");
        let response = error.to_response("req-1");
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()["x-amzn-ErrorType"], "LimitExceededException");
        assert_eq!(response.headers()["Retry-After"], "30");
        assert_eq!(response.headers()["x-amzn-RequestId"], "req-1");
        let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
        assert_eq!(body, serde_json::json!({"message": "slow down", "limitType": "burst"}));
    }

    #[test]
    fn plain_errors_keep_their_shape() {
        let response = AwsError::not_found("gone").to_response("r");
        assert_eq!(response.body().as_ref(), br#"{"message":"gone"}"#);
        assert!(response.headers().get("Retry-After").is_none());
    }
}
