//! OpenAPI 3.0 and Swagger 2.0 definitions, JSON or YAML: ImportRestApi and PutRestApi read
//! one into an API (`import` converts, `write` stores it in one transaction), GetExport writes
//! a stage's deployed snapshot back out (`export`).

mod export;
mod import;
mod write;

pub use export::export;
pub use write::{import_rest_api, put_rest_api};

use portico_wire::AwsError;
use serde_json::Value;

fn invalid_input() -> AwsError {
    AwsError::bad_request("Invalid OpenAPI input.")
}

/// A definition as read: its JSON form for the conversion, and the same document with its
/// mappings in the order written (serde_json sorts keys), so model schemas keep their order.
pub(crate) struct Document {
    pub json: Value,
    pub ordered: Option<serde_norway::Value>,
}

/// Reads a body as JSON, else YAML; it must be a mapping naming `swagger` or `openapi`.
pub(crate) fn parse(body: &[u8]) -> Result<Document, AwsError> {
    let text = std::str::from_utf8(body).map_err(|_| invalid_input())?;
    let ordered = serde_norway::from_str::<serde_norway::Value>(text).ok();
    let json = match serde_json::from_str::<Value>(text) {
        Ok(json) => json,
        Err(_) => {
            let yaml = ordered.as_ref().ok_or_else(invalid_input)?;
            serde_json::to_value(yaml).map_err(|_| invalid_input())?
        }
    };
    let is_definition = json
        .as_object()
        .is_some_and(|o| o.contains_key("swagger") || o.contains_key("openapi"));
    if !is_definition {
        return Err(invalid_input());
    }
    Ok(Document { json, ordered })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_json_or_yaml_definitions() {
        assert!(parse(br#"{"swagger": "2.0", "info": {"title": "a"}}"#).is_ok());
        let yaml = parse(b"openapi: 3.0.1\ninfo:\n  title: a\npaths:\n  /x:\n    get:\n      responses:\n        200:\n          description: ok\n").unwrap();
        assert_eq!(yaml.json["paths"]["/x"]["get"]["responses"]["200"]["description"], "ok");
        // LocalStack's test_import_api_bad_file: both answered "Invalid OpenAPI input."
        let bad_yaml =
            "test:\n    value:\n        - \"value ... \"escaped\": $var, \"dt\": $(var +\"%a\")}\"\n        ";
        assert_eq!(
            parse(bad_yaml.as_bytes()).err().unwrap().message,
            "Invalid OpenAPI input."
        );
        assert_eq!(parse(b"{'key:value}").err().unwrap().message, "Invalid OpenAPI input.");
        assert!(parse(b"[1, 2]").is_err());
        assert!(parse(&[0xff, 0xfe]).is_err());
    }
}
