//! Builds an operation's input document from the path, query, headers and body, and checks
//! it against the model (`validate`) so that `decode` meets only well-typed, valid input.

use crate::error::AwsError;
use crate::spec::{Location, MemberSpec, OperationSpec, Ty};
use base64::Engine;
use serde_json::{Map, Value};

/// The raw parts of a control-plane request that members can be bound to.
pub struct RawRequest<'a> {
    pub labels: &'a [(&'static str, String)],
    pub query: &'a str,
    pub headers: &'a http::HeaderMap,
    pub body: &'a [u8],
}

/// The input of `spec` as one JSON object keyed like the generated input struct.
pub fn input_document(spec: &OperationSpec, raw: &RawRequest<'_>) -> Result<Value, AwsError> {
    let mut doc = match spec.input_payload {
        Some(payload) => payload_document(payload, raw.body)?,
        // An operation with nothing in its body (GetConnection, DeleteRestApi) ignores one.
        None if !spec.input.iter().any(|m| m.location == Location::Body) => Map::new(),
        None => body_document(raw.body)?,
    };
    let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.query.as_bytes()).into_owned().collect();
    let mut bound_query: Vec<&str> = Vec::new();
    for member in spec.input {
        let value = match member.location {
            Location::Body | Location::StatusCode => continue,
            Location::Uri => raw
                .labels
                .iter()
                .find(|(l, _)| *l == member.wire)
                .map(|(_, v)| Value::String(v.clone())),
            Location::Header => match raw.headers.get(member.wire).map(|h| h.to_str()) {
                Some(Ok(text)) => Some(coerce(member, text)?),
                Some(Err(_)) => return Err(AwsError::bad_request(format!("Invalid header {}", member.wire))),
                None => None,
            },
            Location::Query => {
                bound_query.push(member.wire);
                let values: Vec<&str> = pairs
                    .iter()
                    .filter(|(k, _)| k == member.wire)
                    .map(|(_, v)| v.as_str())
                    .collect();
                match (member.ty, values.as_slice()) {
                    (_, []) => None,
                    (Ty::List, values) => Some(Value::Array(
                        values
                            .iter()
                            .flat_map(|v| v.split(','))
                            .map(|v| Value::String(v.to_string()))
                            .collect(),
                    )),
                    (_, [.., last]) => Some(coerce(member, last)?),
                }
            }
            Location::QueryMap => continue,
        };
        if let Some(value) = value {
            doc.insert(member.key.to_string(), value);
        }
    }
    if let Some(map_member) = spec.input.iter().find(|m| m.location == Location::QueryMap) {
        let rest: Map<String, Value> = pairs
            .iter()
            .filter(|(k, _)| !bound_query.contains(&k.as_str()) && !spec.uri.contains(&format!("{k}=")))
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        if !rest.is_empty() {
            doc.insert(map_member.key.to_string(), Value::Object(rest));
        }
    }
    crate::validate::check(spec, &doc)?;
    Ok(Value::Object(doc))
}

fn body_document(body: &[u8]) -> Result<Map<String, Value>, AwsError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(AwsError::bad_request("Invalid request body: expected a JSON object")),
        Err(e) => Err(AwsError::bad_request(format!(
            "Could not parse request body into json: {e}"
        ))),
    }
}

fn payload_document(payload: &MemberSpec, body: &[u8]) -> Result<Map<String, Value>, AwsError> {
    let value = match payload.ty {
        Ty::Blob => Value::String(base64::engine::general_purpose::STANDARD.encode(body)),
        _ if body.is_empty() => return Ok(Map::new()),
        _ => serde_json::from_slice(body)
            .map_err(|e| AwsError::bad_request(format!("Could not parse request body into json: {e}")))?,
    };
    Ok(Map::from_iter([(payload.key.to_string(), value)]))
}

fn coerce(member: &MemberSpec, text: &str) -> Result<Value, AwsError> {
    let invalid = || AwsError::bad_request(format!("Invalid value '{text}' for parameter {}", member.wire));
    Ok(match member.ty {
        Ty::Integer => Value::from(text.parse::<i64>().map_err(|_| invalid())?),
        Ty::Double => Value::from(text.parse::<f64>().map_err(|_| invalid())?),
        Ty::Boolean => match text.to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(invalid()),
        },
        _ => Value::String(text.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apigateway::Operation;

    fn doc(op: Operation, labels: &[(&'static str, String)], query: &str, body: &str) -> Result<Value, AwsError> {
        let headers = http::HeaderMap::new();
        input_document(
            op.spec(),
            &RawRequest {
                labels,
                query,
                headers: &headers,
                body: body.as_bytes(),
            },
        )
    }

    #[test]
    fn binds_path_query_and_body() {
        let labels = [("restapi_id", "abc".to_string())];
        let d = doc(Operation::GetResources, &labels, "limit=5&embed=methods", "").unwrap();
        assert_eq!(d["uri:restapi_id"], "abc");
        assert_eq!(d["querystring:limit"], 5);
        assert_eq!(d["querystring:embed"], serde_json::json!(["methods"]));
        let d = doc(Operation::CreateRestApi, &[], "", r#"{"name": "n"}"#).unwrap();
        assert_eq!(d["name"], "n");
    }

    #[test]
    fn rejects_bad_input() {
        let labels = [("restapi_id", "abc".to_string())];
        assert_eq!(
            doc(Operation::GetResources, &labels, "limit=x", "").unwrap_err().status,
            400
        );
        assert_eq!(
            doc(Operation::CreateRestApi, &[], "", "{").unwrap_err().code,
            "BadRequestException"
        );
        let missing = doc(Operation::CreateRestApi, &[], "", "{}").unwrap_err();
        assert!(
            missing
                .message
                .contains("'name' failed to satisfy constraint: Member must not be null")
        );
    }

    #[test]
    fn enum_members_are_validated_from_the_model() {
        // AWS's order of the set, not the model's (test_apigateway_api snapshot).
        let labels = [
            ("restapi_id", "a".to_string()),
            ("resource_id", "r".to_string()),
            ("http_method", "GET".to_string()),
        ];
        let err = doc(Operation::PutIntegration, &labels, "", r#"{"type": "HTTPS_PROXY"}"#).unwrap_err();
        assert_eq!(err.code, "ValidationException");
        assert_eq!(
            err.message,
            "1 validation error detected: Value 'HTTPS_PROXY' at 'putIntegrationInput.type' failed to satisfy constraint: Member must satisfy enum value set: [HTTP, MOCK, AWS_PROXY, HTTP_PROXY, AWS]"
        );
        let err = doc(
            Operation::PutIntegration,
            &labels,
            "",
            r#"{"type": "MOCK", "connectionType": "X", "contentHandling": "Y"}"#,
        )
        .unwrap_err();
        assert!(
            err.message.starts_with("2 validation errors detected: "),
            "{}",
            err.message
        );
        assert!(doc(Operation::PutIntegration, &labels, "", r#"{"type": "MOCK"}"#).is_ok());
    }

    #[test]
    fn blob_payloads_take_the_raw_body() {
        let d = doc(
            Operation::ImportRestApi,
            &[],
            "mode=import&basepath=ignore",
            "openapi: 3",
        )
        .unwrap();
        assert_eq!(d["body"], "b3BlbmFwaTogMw==");
        assert_eq!(d["querystring:parameters"]["basepath"], "ignore");
        assert!(
            d["querystring:parameters"].get("mode").is_none(),
            "the URI's own literal is not a parameter"
        );
    }
}
