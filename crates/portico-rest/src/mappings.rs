//! Parameter mapping expressions and template content types, checked as AWS checks them when
//! a method, integration or response is written (the data plane evaluates them later).

use portico_wire::AwsError;
use std::collections::BTreeMap;

const REQUEST_LOCATIONS: &[&str] = &[
    "path",
    "querystring",
    "header",
    "multivaluequerystring",
    "multivalueheader",
];

/// AWS's wrapper around the problems of one mapping.
fn mapping_error(problems: &[String]) -> AwsError {
    AwsError::bad_request(format!(
        "Invalid mapping expression specified: Validation Result: warnings : [], errors : [{}]",
        problems.join(", ")
    ))
}

fn invalid(expression: &str) -> String {
    format!("Invalid mapping expression specified: {expression}")
}

fn undeclared(expression: &str) -> String {
    format!("Invalid mapping expression parameter specified: {expression}")
}

/// `{prefix}{location}.{name}` with a known location and a non-empty name.
fn located<'a>(expression: &'a str, prefix: &str, locations: &[&str]) -> Option<(&'a str, &'a str)> {
    let (location, name) = expression.strip_prefix(prefix)?.split_once('.')?;
    (locations.contains(&location) && !name.is_empty()).then_some((location, name))
}

fn finish(problems: Vec<String>) -> Result<(), AwsError> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(mapping_error(&problems))
    }
}

/// A method's `requestParameters` keys: `method.request.{location}.{name}`.
pub fn method_request<V>(params: Option<&BTreeMap<String, V>>) -> Result<(), AwsError> {
    let problems = params
        .into_iter()
        .flat_map(BTreeMap::keys)
        .filter(|key| located(key, "method.request.", REQUEST_LOCATIONS).is_none())
        .map(|key| invalid(key))
        .collect();
    finish(problems)
}

/// A method response's `responseParameters` keys: `method.response.header.{name}`.
pub fn method_response<V>(params: Option<&BTreeMap<String, V>>) -> Result<(), AwsError> {
    let problems = params
        .into_iter()
        .flat_map(BTreeMap::keys)
        .filter(|key| located(key, "method.response.", &["header"]).is_none())
        .map(|key| invalid(key))
        .collect();
    finish(problems)
}

/// Sources every mapping may use: a static `'value'`, `context.*` and `stageVariables.*`.
fn common_source(value: &str) -> bool {
    (value.len() >= 2 && value.starts_with('\'') && value.ends_with('\''))
        || value.strip_prefix("context.").is_some_and(|v| !v.is_empty())
        || value.strip_prefix("stageVariables.").is_some_and(|v| !v.is_empty())
}

/// An integration's `requestParameters`: targets `integration.request.{location}.{name}`, sources
/// the method's declared request parameters, its body, or a common source.
pub fn integration_request(
    params: Option<&BTreeMap<String, String>>,
    declared: Option<&BTreeMap<String, bool>>,
) -> Result<(), AwsError> {
    let mut problems = Vec::new();
    for (target, source) in params.into_iter().flatten() {
        if located(target, "integration.request.", REQUEST_LOCATIONS).is_none() {
            problems.push(invalid(target));
            continue;
        }
        if common_source(source) || source == "method.request.body" || source.starts_with("method.request.body.") {
            continue;
        }
        if located(source, "method.request.", REQUEST_LOCATIONS).is_none() {
            problems.push(invalid(source));
        } else if !declared.is_some_and(|d| d.contains_key(source)) {
            problems.push(undeclared(source));
        }
    }
    finish(problems)
}

/// An integration response's `responseParameters`: targets the headers its method response
/// declares, sources the integration response's headers or body, or a common source.
pub fn integration_response(
    params: Option<&BTreeMap<String, String>>,
    declared: Option<&BTreeMap<String, bool>>,
) -> Result<(), AwsError> {
    let mut problems = Vec::new();
    for (target, source) in params.into_iter().flatten() {
        if located(target, "method.response.", &["header"]).is_none() {
            problems.push(invalid(target));
            continue;
        }
        if !declared.is_some_and(|d| d.contains_key(target)) {
            problems.push(undeclared(target));
            continue;
        }
        let valid = common_source(source)
            || source == "integration.response.body"
            || source.starts_with("integration.response.body.")
            || located(source, "integration.response.", &["header", "multivalueheader"]).is_some();
        if !valid {
            problems.push(invalid(source));
        }
    }
    finish(problems)
}

/// Template keys are media types (`application/json`).
pub fn content_types<V>(templates: Option<&BTreeMap<String, V>>) -> Result<(), AwsError> {
    let bad: Vec<String> = templates
        .into_iter()
        .flat_map(BTreeMap::keys)
        .filter(|key| !is_media_type(key))
        .map(|key| format!("Invalid content type specified: {key}"))
        .collect();
    if bad.is_empty() {
        Ok(())
    } else {
        Err(AwsError::bad_request(format!(
            "Validation Result: warnings : [], errors : [{}]",
            bad.join(", ")
        )))
    }
}

fn is_media_type(text: &str) -> bool {
    text.split_once('/').is_some_and(|(kind, sub)| {
        !kind.is_empty() && !sub.is_empty() && !sub.contains('/') && !text.contains(char::is_whitespace)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map<V: Clone>(entries: &[(&str, V)]) -> BTreeMap<String, V> {
        entries.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    /// test_apigateway_api.snapshot.json, test_put_integration_request_parameter_bool_type.
    #[test]
    fn method_request_keys() {
        assert!(method_request(Some(&map(&[("method.request.path.testPath", true)]))).is_ok());
        let err = method_request(Some(&map(&[("method.request.path.testPath", true), ("true", true)]))).unwrap_err();
        assert_eq!(err.code, "BadRequestException");
        assert_eq!(
            err.message,
            "Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression specified: true]"
        );
        assert!(method_request(Some(&map(&[("method.request.body.x", true)]))).is_err());
        assert!(method_request(Some(&map(&[("method.request.header.", true)]))).is_err());
        assert!(method_request::<bool>(None).is_ok());
    }

    #[test]
    fn integration_request_sources_must_be_declared() {
        let declared = map(&[("method.request.path.proxy", true)]);
        let ok = map(&[
            (
                "integration.request.path.proxy",
                "method.request.path.proxy".to_string(),
            ),
            ("integration.request.header.a", "'static'".to_string()),
            ("integration.request.header.b", "context.requestId".to_string()),
            ("integration.request.querystring.c", "stageVariables.v".to_string()),
            ("integration.request.header.d", "method.request.body.name".to_string()),
        ]);
        assert!(integration_request(Some(&ok), Some(&declared)).is_ok());
        let err = integration_request(
            Some(&map(&[(
                "integration.request.path.id",
                "method.request.path.id".to_string(),
            )])),
            Some(&declared),
        )
        .unwrap_err();
        assert_eq!(
            err.message,
            "Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression parameter specified: method.request.path.id]"
        );
        let err =
            integration_request(Some(&map(&[("integration.request.body", "'x'".to_string())])), None).unwrap_err();
        assert!(
            err.message
                .ends_with("[Invalid mapping expression specified: integration.request.body]")
        );
        let err = integration_request(
            Some(&map(&[("integration.request.header.x", "nonsense".to_string())])),
            None,
        )
        .unwrap_err();
        assert!(
            err.message
                .ends_with("[Invalid mapping expression specified: nonsense]")
        );
    }

    #[test]
    fn integration_response_targets_must_be_declared() {
        let declared = map(&[("method.response.header.x-id", true)]);
        let ok = map(&[(
            "method.response.header.x-id",
            "integration.response.header.id".to_string(),
        )]);
        assert!(integration_response(Some(&ok), Some(&declared)).is_ok());
        let err = integration_response(Some(&ok), None).unwrap_err();
        assert!(
            err.message
                .ends_with("[Invalid mapping expression parameter specified: method.response.header.x-id]")
        );
        let bad = map(&[(
            "method.response.header.x-id",
            "integration.request.header.id".to_string(),
        )]);
        assert!(integration_response(Some(&bad), Some(&declared)).is_err());
        assert!(method_response(Some(&map(&[("wrong", true)]))).is_err());
        assert!(method_response(Some(&map(&[("method.response.header.x", false)]))).is_ok());
    }

    /// test_apigateway_api.snapshot.json, test_integration_response_invalid_responsetemplates.
    #[test]
    fn template_content_types() {
        assert!(content_types(Some(&map(&[("application/json", "x")]))).is_ok());
        let err = content_types(Some(&map(&[("123", "x")]))).unwrap_err();
        assert_eq!(err.code, "BadRequestException");
        assert_eq!(
            err.message,
            "Validation Result: warnings : [], errors : [Invalid content type specified: 123]"
        );
    }
}
