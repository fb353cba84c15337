//! The answer: integration response selection, response parameters and templates, and the
//! fixed error answers API Gateway gives when it cannot reach or choose an integration.

use crate::integration::pick_template;
use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, Response, StatusCode};
use portico_wire::apigateway as ag;
use regex::Regex;
use std::collections::BTreeMap;

/// A method's integration responses, selection patterns compiled once per deployment.
#[derive(Debug, Default)]
pub struct IntegrationResponses {
    entries: Vec<IntegrationResponse>,
}

#[derive(Debug)]
pub struct IntegrationResponse {
    pub status_code: String,
    /// `None` when the configured status code is not one HTTP has.
    status: Option<StatusCode>,
    selection: Selection,
    parameters: Vec<(HeaderName, ResponseSource)>,
    /// Each template with its media type as a ready header value.
    templates: BTreeMap<String, (HeaderValue, Bytes)>,
}

/// Where a method response header's value comes from.
#[derive(Debug)]
enum ResponseSource {
    Literal(HeaderValue),
    Header(HeaderName),
    MultiHeader(HeaderName),
}

#[derive(Debug)]
enum Selection {
    /// No or empty pattern: the default response.
    Default,
    Pattern(Regex),
    /// A pattern the regex engine refused; it never matches.
    Invalid,
}

impl IntegrationResponses {
    pub fn compile(responses: Option<&BTreeMap<String, ag::IntegrationResponse>>) -> Self {
        let entries = responses
            .into_iter()
            .flatten()
            .map(|(key, r)| IntegrationResponse {
                status_code: r.status_code.clone().unwrap_or_else(|| key.clone()),
                status: r
                    .status_code
                    .as_deref()
                    .unwrap_or(key)
                    .parse::<u16>()
                    .ok()
                    .and_then(|s| StatusCode::from_u16(s).ok()),
                selection: match r.selection_pattern.as_deref() {
                    None | Some("") => Selection::Default,
                    // AWS matches the whole selector, as Java's `matches` does.
                    Some(pattern) => match Regex::new(&format!("^(?:{pattern})$")) {
                        Ok(re) => Selection::Pattern(re),
                        Err(e) => {
                            tracing::warn!(pattern, error = %e, "selection pattern does not compile; it will never match");
                            Selection::Invalid
                        }
                    },
                },
                parameters: compile_parameters(r.response_parameters.as_ref()),
                templates: r
                    .response_templates
                    .iter()
                    .flatten()
                    .filter_map(|(k, v)| {
                        let Ok(media_type) = HeaderValue::from_str(k) else {
                            tracing::warn!(media_type = k, "response template media type is not a header value");
                            return None;
                        };
                        Some((k.clone(), (media_type, Bytes::from(v.clone()))))
                    })
                    .collect(),
            })
            .collect();
        IntegrationResponses { entries }
    }

    /// The response for `selector` (the integration's status code): the first whose pattern
    /// matches, else the default, else the one for that very status code.
    pub fn select(&self, selector: &str) -> Option<&IntegrationResponse> {
        let matching = self
            .entries
            .iter()
            .find(|e| matches!(&e.selection, Selection::Pattern(re) if re.is_match(selector)));
        matching
            .or_else(|| self.entries.iter().find(|e| matches!(e.selection, Selection::Default)))
            .or_else(|| self.entries.iter().find(|e| e.status_code == selector))
    }
}

/// What a non-proxy integration produced, for the integration response to map.
pub struct IntegrationOutput<'a> {
    /// What selection patterns are matched against: the status code for MOCK and HTTP.
    pub selector: &'a str,
    pub headers: &'a HeaderMap,
    /// Passed through when no response template applies.
    pub body: Bytes,
}

/// Maps an integration's output through the selected integration response.
pub fn integration_response(
    responses: &IntegrationResponses,
    output: IntegrationOutput<'_>,
    accept: Option<&str>,
) -> Response<Bytes> {
    let Some(selected) = responses.select(output.selector) else {
        tracing::warn!(selector = output.selector, "no integration response matches");
        return internal_error();
    };
    let Some(status) = selected.status else {
        tracing::warn!(
            status = selected.status_code,
            "integration response has an invalid status code"
        );
        return internal_error();
    };
    let wanted = accept.into_iter().flat_map(|a| a.split(','));
    let (content_type, body) = match pick_template(&selected.templates, wanted) {
        Some((_, (content_type, template))) => (content_type.clone(), template.clone()),
        None => {
            let passed = output.headers.get(CONTENT_TYPE).cloned();
            (
                passed.unwrap_or(HeaderValue::from_static("application/json")),
                output.body,
            )
        }
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, content_type);
    apply_parameters(&selected.parameters, output.headers, response.headers_mut());
    response
}

/// `method.response.header.X` ← `'literal'`, `integration.response.header.Y` or
/// `integration.response.multivalueheader.Y`, parsed once.
fn compile_parameters(parameters: Option<&BTreeMap<String, String>>) -> Vec<(HeaderName, ResponseSource)> {
    let mut compiled = Vec::new();
    for (target, source) in parameters.into_iter().flatten() {
        let Some(name) = target.strip_prefix("method.response.header.") else {
            continue;
        };
        let Ok(name) = HeaderName::from_bytes(name.as_bytes()) else {
            tracing::warn!(target, "response parameter is not a valid header");
            continue;
        };
        let source = if let Some(literal) = source.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
            match HeaderValue::from_str(literal) {
                Ok(value) => ResponseSource::Literal(value),
                Err(_) => {
                    tracing::warn!(target, "response parameter value is not a valid header value");
                    continue;
                }
            }
        } else if let Some(from) = source.strip_prefix("integration.response.header.")
            && let Ok(from) = HeaderName::from_bytes(from.as_bytes())
        {
            ResponseSource::Header(from)
        } else if let Some(from) = source.strip_prefix("integration.response.multivalueheader.")
            && let Ok(from) = HeaderName::from_bytes(from.as_bytes())
        {
            ResponseSource::MultiHeader(from)
        } else {
            tracing::debug!(target, source, "response parameter source not supported yet");
            continue;
        };
        compiled.push((name, source));
    }
    compiled
}

fn apply_parameters(parameters: &[(HeaderName, ResponseSource)], integration: &HeaderMap, headers: &mut HeaderMap) {
    for (name, source) in parameters {
        let value = match source {
            ResponseSource::Literal(value) => Some(value.clone()),
            ResponseSource::Header(from) => integration.get(from).cloned(),
            ResponseSource::MultiHeader(from) => {
                let values: Vec<&str> = integration
                    .get_all(from)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .collect();
                (!values.is_empty())
                    .then(|| HeaderValue::from_str(&values.join(",")).ok())
                    .flatten()
            }
        };
        if let Some(value) = value {
            headers.insert(name.clone(), value);
        }
    }
}

/// JSON error answer. Gateway responses (403/404) render `{"message":…}` as AWS's default
/// gateway response templates do; integration failures render `{"message": …}` with a space,
/// the bytes AWS is known to send for them.
fn error(status: StatusCode, error_type: Option<&'static str>, body: String) -> Response<Bytes> {
    let mut response = Response::new(Bytes::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Some(error_type) = error_type {
        headers.insert("x-amzn-ErrorType", HeaderValue::from_static(error_type));
    }
    response
}

fn gateway_error(status: StatusCode, error_type: &'static str, message: &str) -> Response<Bytes> {
    error(
        status,
        Some(error_type),
        serde_json::json!({ "message": message }).to_string(),
    )
}

fn integration_error(status: StatusCode, error_type: Option<&'static str>, message: &str) -> Response<Bytes> {
    let message = serde_json::Value::from(message);
    error(status, error_type, format!("{{\"message\": {message}}}"))
}

/// No resource or method matches: AWS's answer to any unknown route.
pub fn missing_authentication_token() -> Response<Bytes> {
    gateway_error(
        StatusCode::FORBIDDEN,
        "MissingAuthenticationTokenException",
        "Missing Authentication Token",
    )
}

/// The API exists but the stage does not (or the URL names none).
pub fn forbidden() -> Response<Bytes> {
    gateway_error(StatusCode::FORBIDDEN, "ForbiddenException", "Forbidden")
}

/// No API with that id. AWS has no DNS name for it, so there is no answer to copy; LocalStack
/// answers 404, and so do we, in API Gateway's error shape.
pub fn not_found() -> Response<Bytes> {
    gateway_error(StatusCode::NOT_FOUND, "NotFoundException", "Not Found")
}

pub fn internal_error() -> Response<Bytes> {
    integration_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        Some("InternalServerErrorException"),
        "Internal server error",
    )
}

/// The backend could not be reached.
pub fn bad_gateway() -> Response<Bytes> {
    integration_error(StatusCode::BAD_GATEWAY, None, "Internal server error")
}

/// The body is over API Gateway's payload limit (the REQUEST_TOO_LARGE gateway response).
pub fn request_too_large() -> Response<Bytes> {
    let mut response = gateway_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "RequestTooLargeException",
        "Request Too Long",
    );
    // The rest of the body was not read: the connection cannot carry another request.
    response
        .headers_mut()
        .insert(http::header::CONNECTION, HeaderValue::from_static("close"));
    response
}

pub fn timed_out() -> Response<Bytes> {
    integration_error(StatusCode::GATEWAY_TIMEOUT, None, "Endpoint request timed out")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: &str, pattern: Option<&str>) -> (String, ag::IntegrationResponse) {
        let r = ag::IntegrationResponse {
            status_code: Some(status.into()),
            selection_pattern: pattern.map(Into::into),
            ..Default::default()
        };
        (status.to_owned(), r)
    }

    fn selected(responses: &IntegrationResponses, selector: &str) -> Option<String> {
        responses.select(selector).map(|r| r.status_code.clone())
    }

    #[test]
    fn pattern_then_default_then_status() {
        let map = BTreeMap::from([
            response("200", None),
            response("400", Some("4\\d{2}")),
            response("500", Some("5.*|42")),
        ]);
        let responses = IntegrationResponses::compile(Some(&map));
        assert_eq!(selected(&responses, "404").as_deref(), Some("400"));
        assert_eq!(selected(&responses, "503").as_deref(), Some("500"));
        // Anchored: "42" matches only as a whole.
        assert_eq!(selected(&responses, "42").as_deref(), Some("500"));
        assert_eq!(selected(&responses, "4200").as_deref(), Some("200"));
        assert_eq!(selected(&responses, "201").as_deref(), Some("200"));
    }

    #[test]
    fn without_default_the_status_code_itself_selects() {
        let map = BTreeMap::from([
            response("201", Some("2\\d\\d")),
            response("404", Some("x")),
            response("418", Some("(")),
        ]);
        let responses = IntegrationResponses::compile(Some(&map));
        assert_eq!(selected(&responses, "204").as_deref(), Some("201"));
        assert_eq!(selected(&responses, "404").as_deref(), Some("404"));
        // An invalid pattern never matches, but its status code still selects it.
        assert_eq!(selected(&responses, "(").as_deref(), None);
        assert_eq!(selected(&responses, "418").as_deref(), Some("418"));
        assert_eq!(selected(&responses, "500"), None);
        assert_eq!(selected(&IntegrationResponses::compile(None), "200"), None);
    }

    #[test]
    fn empty_pattern_is_the_default() {
        let map = BTreeMap::from([response("202", Some(""))]);
        assert_eq!(
            selected(&IntegrationResponses::compile(Some(&map)), "500").as_deref(),
            Some("202")
        );
    }

    #[test]
    fn maps_templates_and_parameters() {
        let (key, mut r) = response("201", None);
        r.response_templates = Some(BTreeMap::from([
            ("application/json".to_owned(), "{\"ok\":true}".to_owned()),
            ("text/html".to_owned(), "<p>ok</p>".to_owned()),
        ]));
        r.response_parameters = Some(BTreeMap::from([
            ("method.response.header.X-Static".to_owned(), "'hello world'".to_owned()),
            (
                "method.response.header.X-Copied".to_owned(),
                "integration.response.header.x-up".to_owned(),
            ),
            (
                "method.response.header.X-Missing".to_owned(),
                "integration.response.header.nope".to_owned(),
            ),
        ]));
        let responses = IntegrationResponses::compile(Some(&BTreeMap::from([(key, r)])));
        let mut upstream = HeaderMap::new();
        upstream.insert("x-up", HeaderValue::from_static("up"));
        let output = || IntegrationOutput {
            selector: "200",
            headers: &upstream,
            body: Bytes::new(),
        };

        let json = integration_response(&responses, output(), None);
        assert_eq!(json.status(), 201);
        assert_eq!(json.body(), "{\"ok\":true}");
        assert_eq!(json.headers()[CONTENT_TYPE], "application/json");
        assert_eq!(json.headers()["x-static"], "hello world");
        assert_eq!(json.headers()["x-copied"], "up");
        assert!(!json.headers().contains_key("x-missing"));

        let html = integration_response(&responses, output(), Some("text/html, application/json;q=0.9"));
        assert_eq!(html.body(), "<p>ok</p>");
        assert_eq!(html.headers()[CONTENT_TYPE], "text/html");
    }

    #[test]
    fn error_bodies() {
        let mat = missing_authentication_token();
        assert_eq!(mat.status(), 403);
        assert_eq!(mat.body(), r#"{"message":"Missing Authentication Token"}"#);
        assert_eq!(mat.headers()["x-amzn-ErrorType"], "MissingAuthenticationTokenException");
        assert_eq!(internal_error().body(), r#"{"message": "Internal server error"}"#);
        assert_eq!(timed_out().status(), 504);
        assert_eq!(timed_out().body(), r#"{"message": "Endpoint request timed out"}"#);
    }
}
