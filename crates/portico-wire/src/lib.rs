//! Portico's wire layer for `apigateway`, `apigatewayv2`, `apigatewaymanagementapi` and `lambda`.
//!
//! Layout:
//! - `models/`: the botocore service models, documentation stripped (see `scripts/vendor-models`).
//!   `models/VERSION` pins the botocore release they come from.
//! - `generated`: per service, written by `portico-codegen` from the models: a serde struct per
//!   shape, a typed struct per error shape and the `ERRORS` table, the shape table (`SHAPES`,
//!   constraints included), the operation table (route segments, bindings, declared errors),
//!   the `Operation` enum, the handler trait and its dispatcher.
//! - `spec`: the static descriptions the generated tables are made of.
//! - `router`: request line to operation, over the generated route segments.
//! - `request` / `response`: binding members to path, query, headers and body.
//! - `validate`: the input document against the shape table (SerializationException,
//!   ValidationException), before `decode`.
//! - `error`: `AwsError`, the one error answer.
//! - `types`: timestamps and blobs.

pub mod error;
mod generated;
pub mod request;
pub mod response;
pub mod router;
pub mod spec;
pub mod types;
mod validate;

pub use error::AwsError;
pub use generated::{apigateway, apigatewaymanagementapi, apigatewayv2, lambda};

use serde::Serialize;
use serde::de::DeserializeOwned;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    ApiGateway,
    ApiGatewayV2,
    ApiGatewayManagementApi,
    Lambda,
}

/// Who is calling, and where: taken from the SigV4 credential scope.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub account: String,
    pub region: String,
    pub request_id: String,
}

pub fn all_operations() -> [(Service, &'static [spec::OperationSpec]); 4] {
    [
        (Service::ApiGateway, &apigateway::OPERATIONS),
        (Service::ApiGatewayV2, &apigatewayv2::OPERATIONS),
        (Service::ApiGatewayManagementApi, &apigatewaymanagementapi::OPERATIONS),
        (Service::Lambda, &lambda::OPERATIONS),
    ]
}

/// Input document to typed input. `request::input_document` has checked the types already, so
/// a failure here is rare (e.g. a blob that is not base64).
pub fn decode<T: DeserializeOwned>(doc: serde_json::Value) -> Result<T, AwsError> {
    serde_json::from_value(doc).map_err(|e| AwsError::bad_request(format!("Invalid request input: {e}")))
}

pub fn encode<T: Serialize>(output: T) -> Result<serde_json::Value, AwsError> {
    serde_json::to_value(output).map_err(|e| AwsError::internal(format!("encoding output: {e}")))
}
