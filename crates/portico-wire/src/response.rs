//! Writes an operation's output document as the HTTP answer the model describes.

use crate::error::AwsError;
use crate::spec::{Location, OperationSpec, Ty};
use base64::Engine;
use bytes::Bytes;
use serde_json::Value;

pub fn output_response(
    spec: &OperationSpec,
    output: Value,
    request_id: &str,
) -> Result<http::Response<Bytes>, AwsError> {
    let mut builder = http::Response::builder()
        .status(spec.success)
        .header("x-amzn-RequestId", request_id);
    let mut doc = match output {
        Value::Object(map) => map,
        Value::Null => serde_json::Map::new(),
        other => {
            return Err(AwsError::internal(format!(
                "output of {} is not an object: {other}",
                spec.name
            )));
        }
    };
    for member in spec.output {
        match member.location {
            Location::Header => {
                if let Some(value) = doc.remove(member.key) {
                    let text = match value {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    builder = builder.header(member.wire, text);
                }
            }
            Location::StatusCode => {
                if let Some(code) = doc.remove(member.key).and_then(|v| v.as_u64()) {
                    builder = builder.status(code as u16);
                }
            }
            _ => {}
        }
    }
    let body = match spec.output_payload {
        Some(payload) => match (payload.ty, doc.remove(payload.key)) {
            (_, None) => Bytes::new(),
            (Ty::Blob, Some(Value::String(b64))) => Bytes::from(
                base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .map_err(|e| AwsError::internal(format!("payload of {} is not base64: {e}", spec.name)))?,
            ),
            (_, Some(value)) => {
                builder = builder.header("content-type", "application/json");
                Bytes::from(value.to_string())
            }
        },
        None if spec.output.is_empty() => Bytes::new(),
        None => {
            builder = builder.header("content-type", "application/json");
            Bytes::from(Value::Object(doc).to_string())
        }
    };
    builder
        .body(body)
        .map_err(|e| AwsError::internal(format!("writing {}: {e}", spec.name)))
}
