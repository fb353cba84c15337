//! MOCK: the request template (rendered) names a status code; the integration responses,
//! with their templates, do the rest.

use super::Integration;
use crate::context::RequestContext;
use crate::respond::{self, IntegrationOutput};
use bytes::Bytes;
use http::{HeaderMap, Response};
use std::sync::Arc;

pub fn invoke(integration: &Integration, ctx: &Arc<RequestContext>) -> Response<Bytes> {
    let request = match integration.request(ctx) {
        Ok(request) => request,
        Err(answer) => return *answer,
    };
    // A fixed template's status was read when the stage compiled.
    let known = request
        .content_type
        .as_ref()
        .and_then(|t| Some((integration.request_templates.get(t)?, integration.mock_status.get(t)?)))
        .filter(|(template, _)| same(template.fixed(), &request.body))
        .map(|(_, status)| *status);
    let status = match known.unwrap_or_else(|| status_code(&request.body)) {
        Ok(status) => status,
        Err(e) => {
            tracing::warn!(error = e, "MOCK integration failed");
            return respond::internal_error();
        }
    };
    let selector = status.to_string();
    let output = IntegrationOutput {
        selector: Some(&selector),
        headers: &HeaderMap::new(),
        body: Bytes::new(),
        endpoint: false,
    };
    respond::integration_response(&integration.responses, output, ctx)
}

/// Whether `body` is that fixed template's own output (shared, not copied).
fn same(fixed: Option<&Bytes>, body: &Bytes) -> bool {
    fixed.is_some_and(|f| f.as_ptr() == body.as_ptr() && f.len() == body.len())
}

/// The `statusCode` the integration request asks for; 200 when there is none.
pub fn status_code(request: &[u8]) -> Result<u16, &'static str> {
    if request.iter().all(u8::is_ascii_whitespace) {
        return Ok(200);
    }
    let doc: serde_json::Value =
        serde_json::from_slice(request).map_err(|_| "the MOCK integration request is not JSON")?;
    match doc.get("statusCode") {
        None => Ok(200),
        Some(serde_json::Value::Number(n)) => n
            .as_u64()
            .and_then(|n| u16::try_from(n).ok())
            .ok_or("statusCode is not a status code"),
        Some(serde_json::Value::String(s)) => s.trim().parse().map_err(|_| "statusCode is not a status code"),
        Some(_) => Err("statusCode is not a number"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::CONTENT_TYPE;
    use portico_wire::apigateway as ag;
    use std::collections::BTreeMap;

    fn integration(templates: &[(&str, &str)], responses: &[(&str, Option<&str>, Option<&str>)]) -> Integration {
        let responses = responses
            .iter()
            .map(|(status, pattern, body)| {
                let r = ag::IntegrationResponse {
                    status_code: Some(status.to_string()),
                    selection_pattern: pattern.map(Into::into),
                    response_templates: body.map(|b| BTreeMap::from([("application/json".to_owned(), b.to_owned())])),
                    response_parameters: Some(BTreeMap::from([(
                        "method.response.header.X-Mock".to_owned(),
                        "'yes'".to_owned(),
                    )])),
                    ..Default::default()
                };
                (status.to_string(), r)
            })
            .collect();
        Integration::compile(&ag::Integration {
            r#type: Some("MOCK".into()),
            request_templates: Some(templates.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()),
            integration_responses: Some(responses),
            ..Default::default()
        })
    }

    #[test]
    fn status_codes() {
        assert_eq!(status_code(b""), Ok(200));
        assert_eq!(status_code(b"  "), Ok(200));
        assert_eq!(status_code(br#"{"statusCode": 404}"#), Ok(404));
        assert_eq!(status_code(br#"{"statusCode": "201"}"#), Ok(201));
        assert_eq!(status_code(br#"{"other": 1}"#), Ok(200));
        assert!(status_code(br#"{"statusCode": $input.params('x')}"#).is_err());
        assert!(status_code(br#"{"statusCode": true}"#).is_err());
    }

    #[test]
    fn answers_through_the_selected_response() {
        let i = integration(
            &[
                ("application/json", r#"{"statusCode": 200}"#),
                ("text/plain", r#"{"statusCode": 404}"#),
            ],
            &[("200", None, Some(r#"{"pets":[]}"#)), ("404", Some("404"), None)],
        );
        let ok = invoke(&i, &Arc::new(RequestContext::test(HeaderMap::new())));
        assert_eq!(ok.status(), 200);
        assert_eq!(ok.body(), r#"{"pets":[]}"#);
        assert_eq!(ok.headers()[CONTENT_TYPE], "application/json");
        assert_eq!(ok.headers()["x-mock"], "yes");

        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, "text/plain; charset=utf-8".parse().unwrap());
        let missing = invoke(&i, &Arc::new(RequestContext::test(headers)));
        assert_eq!(missing.status(), 404);
        assert_eq!(missing.body(), "");
    }

    #[test]
    fn no_matching_response_is_an_internal_error() {
        let i = integration(
            &[("application/json", r#"{"statusCode": 500}"#)],
            &[("200", Some("2\\d\\d"), None)],
        );
        let answer = invoke(&i, &Arc::new(RequestContext::test(HeaderMap::new())));
        assert_eq!(answer.status(), 500);
        assert_eq!(answer.body(), r#"{"message": "Internal server error"}"#);
        let none = integration(&[], &[]);
        assert_eq!(
            invoke(&none, &Arc::new(RequestContext::test(HeaderMap::new()))).status(),
            500
        );
    }
}
