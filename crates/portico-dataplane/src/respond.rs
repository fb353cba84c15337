//! The answer: integration response selection, response parameters and templates, and the
//! fixed error answers API Gateway gives when it cannot reach or choose an integration.

use crate::context::RequestContext;
use crate::integration::{ContentHandling, pick_template};
use crate::mapping::Source;
use crate::template::{self, MappingTemplate};
use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, Response, StatusCode};
use portico_wire::apigateway as ag;
use regex::Regex;
use std::collections::BTreeMap;
use std::sync::Arc;

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
    templates: BTreeMap<String, (HeaderValue, MappingTemplate)>,
    content_handling: Option<ContentHandling>,
}

/// Where a method response header's value comes from.
#[derive(Debug)]
enum ResponseSource {
    Literal(HeaderValue),
    Header(HeaderName),
    MultiHeader(HeaderName),
    /// `integration.response.body`: the whole body.
    Body,
    /// `integration.response.body.{JSONPath}`.
    BodyPath(String),
    /// `context.*`, `stageVariables.*`, `method.request.*`.
    Request(Source),
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
                    // AWS matches the whole selector, as Java's `matches` does; `.` spans lines
                    // (Lambda error messages are often multi-line).
                    Some(pattern) => match Regex::new(&format!("(?s)^(?:{pattern})$")) {
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
                        Some((k.clone(), (media_type, MappingTemplate::compile(v))))
                    })
                    .collect(),
                content_handling: ContentHandling::parse(r.content_handling.as_deref()),
            })
            .collect();
        IntegrationResponses { entries }
    }

    /// The response for `selector` (the integration's status code, or a Lambda function's
    /// error message): the first whose pattern matches, else the default, else the one for
    /// that very status code. No selector (a function that succeeded): the default.
    pub fn select(&self, selector: Option<&str>) -> Option<&IntegrationResponse> {
        let default = || self.entries.iter().find(|e| matches!(e.selection, Selection::Default));
        let Some(selector) = selector else {
            return default();
        };
        let matching = self
            .entries
            .iter()
            .find(|e| matches!(&e.selection, Selection::Pattern(re) if re.is_match(selector)));
        matching
            .or_else(default)
            .or_else(|| self.entries.iter().find(|e| e.status_code == selector))
    }
}

/// What a non-proxy integration produced, for the integration response to map.
pub struct IntegrationOutput<'a> {
    /// What selection patterns are matched against: the status code for MOCK and HTTP, a
    /// Lambda function's error message; `None` for a function that succeeded.
    pub selector: Option<&'a str>,
    pub headers: &'a HeaderMap,
    /// Passed through when no response template applies.
    pub body: Bytes,
    /// Whether an endpoint answered (not MOCK): what the execution log shows of it.
    pub endpoint: bool,
}

/// Maps an integration's output through the selected integration response: its template for
/// the client's `Accept` (rendered with `$input` over the integration's body), its parameters,
/// `contentHandling`, and what the template set in `$context.responseOverride`.
/// An endpoint's answer (HTTP, AWS services) through the integration responses, selected by
/// its status code.
pub fn endpoint_response(
    responses: &IntegrationResponses,
    answer: portico_http::OutboundResponse,
    ctx: &Arc<RequestContext>,
) -> Response<Bytes> {
    let selector = answer.status.as_u16().to_string();
    let output = IntegrationOutput {
        selector: Some(&selector),
        headers: &answer.headers,
        body: answer.body,
        endpoint: true,
    };
    integration_response(responses, output, ctx)
}

pub fn integration_response(
    responses: &IntegrationResponses,
    output: IntegrationOutput<'_>,
    ctx: &Arc<RequestContext>,
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
    if output.endpoint {
        ctx.trace(|| {
            format!(
                "Endpoint response body before transformations: {}",
                String::from_utf8_lossy(&output.body)
            )
        });
    }
    let passed_type = output.headers.get(CONTENT_TYPE).cloned();
    let mut binary = passed_type
        .as_ref()
        .and_then(|t| t.to_str().ok())
        .is_some_and(|t| ctx.is_binary(t));
    let mut body = output.body;
    if binary && selected.content_handling == Some(ContentHandling::ToText) {
        body = match ContentHandling::apply(selected.content_handling, true, body) {
            Ok(text) => text,
            Err(_) => return internal_error(),
        };
        binary = false;
    }
    let wanted = ctx
        .header(http::header::ACCEPT.as_str())
        .into_iter()
        .flat_map(|a| a.split(','));
    let template = pick_template(&selected.templates, wanted);
    let mut overrides = template::Overrides::default();
    if let Some((_, (_, template))) = template
        && !template.is_empty()
        && !binary
    {
        match template::render(template, ctx, &body, None) {
            Ok((rendered, set)) => {
                body = rendered;
                overrides = set;
            }
            Err(e) => {
                tracing::warn!(error = e, "response template failed");
                return internal_error();
            }
        }
    }
    if !binary && selected.content_handling == Some(ContentHandling::ToBinary) {
        body = match ContentHandling::apply(selected.content_handling, false, body) {
            Ok(bytes) => bytes,
            Err(e) => {
                tracing::warn!(error = e, "integration response content handling failed");
                return internal_error();
            }
        };
    }
    let content_type = match template {
        Some((_, (media_type, _))) => media_type.clone(),
        None => passed_type.unwrap_or(HeaderValue::from_static("application/json")),
    };
    let mut response = Response::new(body.clone());
    *response.status_mut() = overrides
        .response_status
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(status);
    response.headers_mut().insert(CONTENT_TYPE, content_type);
    apply_parameters(&selected.parameters, output.headers, &body, ctx, response.headers_mut());
    for (name, value) in overrides.response_headers {
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(&value)) {
            response.headers_mut().insert(name, value);
        }
    }
    ctx.trace(|| {
        format!(
            "Method response body after transformations: {}",
            String::from_utf8_lossy(response.body())
        )
    });
    ctx.trace(|| {
        format!(
            "Method response headers: {}",
            crate::integration::http::header_text(response.headers())
        )
    });
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
        } else if source == "integration.response.body" {
            ResponseSource::Body
        } else if let Some(path) = source.strip_prefix("integration.response.body.") {
            ResponseSource::BodyPath(format!("$.{path}"))
        } else if let request @ (Source::Context(_)
        | Source::StageVariable(_)
        | Source::Header(_)
        | Source::Query(_)
        | Source::PathParam(_)) = Source::parse(source)
        {
            ResponseSource::Request(request)
        } else {
            tracing::debug!(target, source, "response parameter source not supported yet");
            continue;
        };
        compiled.push((name, source));
    }
    compiled
}

fn apply_parameters(
    parameters: &[(HeaderName, ResponseSource)],
    integration: &HeaderMap,
    body: &Bytes,
    ctx: &RequestContext,
    headers: &mut HeaderMap,
) {
    for (name, source) in parameters {
        let value = match source {
            ResponseSource::Literal(value) => Some(value.clone()),
            ResponseSource::Body => HeaderValue::from_bytes(body.trim_ascii()).ok(),
            ResponseSource::BodyPath(path) => serde_json::from_slice::<serde_json::Value>(body)
                .ok()
                .and_then(|doc| template::json_path(&doc, path).ok().flatten())
                .and_then(|found| match found {
                    serde_json::Value::String(s) => HeaderValue::from_str(&s).ok(),
                    other => HeaderValue::from_str(&other.to_string()).ok(),
                }),
            ResponseSource::Request(source) => source.evaluate(ctx).and_then(|v| HeaderValue::from_str(&v).ok()),
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

/// JSON error answer, tagged with the gateway response it is (for an API's customised gateway
/// responses to rewrite). Gateway responses (403/404) render `{"message":…}` as AWS's default
/// gateway response templates do; integration failures render `{"message": …}` with a space,
/// the bytes AWS is known to send for them.
fn error(status: StatusCode, error_type: Option<&'static str>, body: String, tag: GatewayError) -> Response<Bytes> {
    let mut response = Response::new(Bytes::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Some(error_type) = error_type {
        headers.insert("x-amzn-ErrorType", HeaderValue::from_static(error_type));
    }
    response.extensions_mut().insert(tag);
    response
}

pub fn gateway_error(
    status: StatusCode,
    error_type: &'static str,
    response_type: &'static str,
    message: &str,
) -> Response<Bytes> {
    error(
        status,
        Some(error_type),
        serde_json::json!({ "message": message }).to_string(),
        GatewayError::new(response_type, message),
    )
}

fn integration_error(
    status: StatusCode,
    error_type: Option<&'static str>,
    response_type: &'static str,
    message: &str,
) -> Response<Bytes> {
    let text = serde_json::Value::from(message);
    error(
        status,
        error_type,
        format!("{{\"message\": {text}}}"),
        GatewayError::new(response_type, message),
    )
}

/// No resource or method matches: AWS's answer to any unknown route.
pub fn missing_authentication_token() -> Response<Bytes> {
    gateway_error(
        StatusCode::FORBIDDEN,
        "MissingAuthenticationTokenException",
        "MISSING_AUTHENTICATION_TOKEN",
        "Missing Authentication Token",
    )
}

/// A throttle's bucket is empty (the THROTTLED gateway response).
pub fn throttled() -> Response<Bytes> {
    gateway_error(
        StatusCode::TOO_MANY_REQUESTS,
        "TooManyRequestsException",
        "THROTTLED",
        "Too Many Requests",
    )
}

/// The API exists but the stage does not (or the URL names none).
pub fn forbidden() -> Response<Bytes> {
    gateway_error(StatusCode::FORBIDDEN, "ForbiddenException", "DEFAULT_4XX", "Forbidden")
}

/// No API with that id. AWS has no DNS name for it, so there is no answer to copy; LocalStack
/// answers 404, and so do we, in API Gateway's error shape.
pub fn not_found() -> Response<Bytes> {
    gateway_error(
        StatusCode::NOT_FOUND,
        "NotFoundException",
        "RESOURCE_NOT_FOUND",
        "Not Found",
    )
}

/// What AWS answers when "execution failed due to configuration error" (a template that
/// fails, no integration response for the answer, an integration it cannot run): the
/// API_CONFIGURATION_ERROR gateway response.
pub fn internal_error() -> Response<Bytes> {
    integration_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        Some("InternalServerErrorException"),
        "API_CONFIGURATION_ERROR",
        "Internal server error",
    )
}

/// The backend could not be reached, or a function's answer could not be read
/// (INTEGRATION_FAILURE).
pub fn bad_gateway() -> Response<Bytes> {
    integration_error(
        StatusCode::BAD_GATEWAY,
        None,
        "INTEGRATION_FAILURE",
        "Internal server error",
    )
}

/// The body is over API Gateway's payload limit (the REQUEST_TOO_LARGE gateway response).
pub fn request_too_large() -> Response<Bytes> {
    let mut response = gateway_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "RequestTooLargeException",
        "REQUEST_TOO_LARGE",
        "Request Too Long",
    );
    // The rest of the body was not read: the connection cannot carry another request.
    response
        .headers_mut()
        .insert(http::header::CONNECTION, HeaderValue::from_static("close"));
    response
}

pub fn timed_out() -> Response<Bytes> {
    integration_error(
        StatusCode::GATEWAY_TIMEOUT,
        None,
        "INTEGRATION_TIMEOUT",
        "Endpoint request timed out",
    )
}

/// No request template for the content type, and `passthroughBehavior` forbids passing it.
pub fn unsupported_media_type() -> Response<Bytes> {
    gateway_error(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "UnsupportedMediaTypeException",
        "UNSUPPORTED_MEDIA_TYPE",
        "Unsupported Media Type",
    )
}

/// A request validator refused the request (BAD_REQUEST_PARAMETERS or BAD_REQUEST_BODY).
pub fn bad_request(response_type: &'static str, message: &str, validation_error: &str) -> Response<Bytes> {
    let mut response = gateway_error(StatusCode::BAD_REQUEST, "BadRequestException", response_type, message);
    if let Some(tag) = response.extensions_mut().get_mut::<GatewayError>() {
        tag.validation_error = validation_error.to_owned();
    }
    response
}

/// Which gateway response an error answer is, and its `$context.error` values.
#[derive(Debug, Clone)]
pub struct GatewayError {
    pub response_type: &'static str,
    pub message: String,
    pub validation_error: String,
}

impl GatewayError {
    pub fn new(response_type: &'static str, message: &str) -> GatewayError {
        GatewayError {
            response_type,
            message: message.to_owned(),
            validation_error: String::new(),
        }
    }
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
        responses.select(Some(selector)).map(|r| r.status_code.clone())
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
            selector: Some("200"),
            headers: &upstream,
            body: Bytes::new(),
            endpoint: true,
        };
        let ctx = |accept: Option<&str>| {
            let mut headers = HeaderMap::new();
            if let Some(accept) = accept {
                headers.insert(http::header::ACCEPT, HeaderValue::from_str(accept).unwrap());
            }
            Arc::new(RequestContext::test(headers))
        };

        let json = integration_response(&responses, output(), &ctx(None));
        assert_eq!(json.status(), 201);
        assert_eq!(json.body(), "{\"ok\":true}");
        assert_eq!(json.headers()[CONTENT_TYPE], "application/json");
        assert_eq!(json.headers()["x-static"], "hello world");
        assert_eq!(json.headers()["x-copied"], "up");
        assert!(!json.headers().contains_key("x-missing"));

        let html = integration_response(&responses, output(), &ctx(Some("text/html, application/json;q=0.9")));
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
