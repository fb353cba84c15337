//! Running a route's integration for `$connect`, a message or `$disconnect`: AWS_PROXY
//! (the Lambda proxy event), AWS (a Lambda function given the request template's output),
//! HTTP (templates), HTTP_PROXY (the message as it is), MOCK (the request template's
//! `statusCode`); then, for non-proxy integrations, the integration response and its
//! template.

use super::compile::{Integration, Kind, Passthrough};
use super::event::{Happening, Peer, proxy_event};
use super::select::{json_member, pick_key};
use super::template::Vars;
use crate::functions::{FunctionCall, FunctionResult, Functions};
use crate::integration::ContentHandling;
use base64::Engine;
use bytes::Bytes;
use http::header::{self, HeaderValue};
use portico_http::{HttpClient, OutboundError, OutboundRequest};
use serde_json::Value;

/// What running an integration needs from outside.
pub struct Env<'a> {
    pub functions: Option<&'a dyn Functions>,
    pub client: &'a dyn HttpClient,
    /// Where AWS service integrations are sent (`--aws-endpoint`).
    pub aws: Option<&'a crate::AwsEndpoint>,
}

/// The integration's answer, after the integration response.
#[derive(Debug, Default)]
pub struct Answer {
    pub status: u16,
    pub body: Bytes,
    /// Headers a `$connect` proxy answer sets (`Sec-WebSocket-Protocol`).
    pub headers: Vec<(String, String)>,
}

/// Why an integration failed: the status `$connect` is refused with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    Internal,
    BadGateway,
    Timeout,
}

impl Failure {
    pub fn status(self) -> u16 {
        match self {
            Failure::Internal => 500,
            Failure::BadGateway => 502,
            Failure::Timeout => 504,
        }
    }
}

/// What the backend said, before the integration response.
struct Raw {
    status: u16,
    headers: Vec<(String, String)>,
    body: Bytes,
}

pub async fn run(integration: &Integration, peer: &Peer, at: &Happening<'_>, env: &Env<'_>) -> Result<Answer, Failure> {
    let message = Bytes::copy_from_slice(at.body.map(|(b, _)| b).unwrap_or_default());
    let vars = Vars {
        route_key: at.route_key,
        event_type: at.kind.as_str(),
        request_id: at.request_id,
        message_id: None,
        received: at.received,
        body: message.clone(),
    };
    let raw = match &integration.kind {
        Kind::LambdaProxy(function) => {
            let event = proxy_event(peer, at);
            let payload = invoke(env, peer, function, Bytes::from(event.to_string()), integration).await?;
            return Ok(proxy_answer(&payload));
        }
        Kind::Http {
            uri,
            method,
            proxy: true,
        } => {
            let raw = send(env, peer, integration, uri, method, message).await?;
            return Ok(Answer {
                status: raw.status,
                body: raw.body,
                headers: raw.headers,
            });
        }
        Kind::Lambda(function) => {
            let payload = request_body(integration, peer, &vars)?;
            match invoke_raw(env, peer, function, payload, integration).await? {
                (None, payload) => Raw {
                    status: 200,
                    headers: Vec::new(),
                    body: payload,
                },
                // The function's error document, for the integration response to select on.
                (Some(_), payload) => Raw {
                    status: 500,
                    headers: Vec::new(),
                    body: payload,
                },
            }
        }
        Kind::Http {
            uri,
            method,
            proxy: false,
        } => {
            let body = request_body(integration, peer, &vars)?;
            send(env, peer, integration, uri, method, body).await?
        }
        Kind::Mock => {
            let rendered = request_body(integration, peer, &vars)?;
            let status = serde_json::from_slice::<Value>(&rendered)
                .ok()
                .and_then(|doc| doc.get("statusCode").and_then(Value::as_u64))
                .and_then(|s| u16::try_from(s).ok());
            let Some(status) = status else {
                tracing::warn!("MOCK integration: the request template gives no statusCode");
                return Err(Failure::Internal);
            };
            Raw {
                status,
                headers: Vec::new(),
                body: Bytes::new(),
            }
        }
        Kind::AwsService(target, method) => {
            let Some(endpoint) = env.aws else {
                tracing::warn!(
                    service = target.service,
                    "AWS service integrations need --aws-endpoint (e.g. a moto server); none is configured"
                );
                return Err(Failure::Internal);
            };
            let body = request_body(integration, peer, &vars)?;
            let headers = http::HeaderMap::new();
            let Some(request) = crate::integration::aws::service_request(
                target,
                endpoint,
                method.clone(),
                target.action_pairs(),
                headers,
                body,
                integration.timeout,
            ) else {
                return Err(Failure::Internal);
            };
            outbound(env, request).await?
        }
        Kind::Unsupported(why) => {
            tracing::warn!(why, "WebSocket integration not served");
            return Err(Failure::Internal);
        }
    };
    respond(integration, peer, &vars, raw)
}

/// The request template chosen by `templateSelectionExpression` (`$default` else), or the
/// message itself as `passthroughBehavior` allows.
fn request_body(integration: &Integration, peer: &Peer, vars: &Vars<'_>) -> Result<Bytes, Failure> {
    let templates = &integration.request_templates;
    // The message is parsed only when a selection expression may read it.
    let selected = integration.template_selection.as_ref().and_then(|s| {
        let doc = serde_json::from_slice::<Value>(&vars.body).ok();
        s.evaluate(|name| request_variable(name, doc.as_ref(), peer))
    });
    let payload = match pick_key(templates, selected.as_deref()) {
        Some(template) => template.render(peer, vars).map_err(|e| {
            tracing::warn!(error = e, "request template failed");
            Failure::Internal
        })?,
        None => {
            let passes = match integration.passthrough {
                Passthrough::WhenNoMatch => true,
                Passthrough::WhenNoTemplates => templates.is_empty(),
                Passthrough::Never => false,
            };
            if !passes {
                tracing::warn!("no request template matches and passthroughBehavior refuses the message");
                return Err(Failure::Internal);
            }
            vars.body.clone()
        }
    };
    convert(integration.content_handling, payload)
}

/// `contentHandlingStrategy`: CONVERT_TO_BINARY decodes a base64 payload (one that is not
/// base64 fails the integration), CONVERT_TO_TEXT encodes a binary one; text stays text.
fn convert(handling: Option<ContentHandling>, payload: Bytes) -> Result<Bytes, Failure> {
    match handling {
        Some(ContentHandling::ToBinary) => base64::engine::general_purpose::STANDARD
            .decode(payload.trim_ascii())
            .map(Bytes::from)
            .map_err(|e| {
                tracing::warn!(error = %e, "CONVERT_TO_BINARY: the payload is not base64");
                Failure::Internal
            }),
        Some(ContentHandling::ToText) if std::str::from_utf8(&payload).is_err() => {
            Ok(Bytes::from(base64::engine::general_purpose::STANDARD.encode(&payload)))
        }
        _ => Ok(payload),
    }
}

/// `request.body.x`, `request.header.x`, `request.querystring.x`, `context.x`,
/// `stageVariables.x` for selection expressions.
pub fn request_variable(name: &str, body: Option<&Value>, peer: &Peer) -> Option<String> {
    if let Some(path) = name.strip_prefix("request.body.") {
        return json_member(body?, path);
    }
    if name == "request.body" {
        return body.map(Value::to_string);
    }
    if let Some(header) = name.strip_prefix("request.header.") {
        return peer
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(header))
            .map(|(_, v)| v.clone());
    }
    if let Some(query) = name.strip_prefix("request.querystring.") {
        return peer.query.iter().find(|(k, _)| k == query).map(|(_, v)| v.clone());
    }
    if let Some(variable) = name.strip_prefix("stageVariables.") {
        return peer.stage_variables.get(variable).cloned();
    }
    match name {
        "context.connectionId" => Some(peer.connection_id.to_string()),
        "context.apiId" => Some(peer.api_id.to_string()),
        "context.stage" => Some(peer.stage.to_string()),
        _ => name
            .strip_prefix("context.authorizer.")
            .and_then(|key| peer.authorizer.as_ref()?.get(key))
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)),
    }
}

/// The integration response chosen by `integrationResponseSelectionExpression` and its
/// template; without one, the backend's body as it is.
fn respond(integration: &Integration, peer: &Peer, vars: &Vars<'_>, raw: Raw) -> Result<Answer, Failure> {
    // Parsed on first use: most selections read the status code only.
    let doc = std::cell::OnceCell::new();
    let doc = || {
        doc.get_or_init(|| serde_json::from_slice::<Value>(&raw.body).ok())
            .as_ref()
    };
    let resolve = |name: &str| -> Option<String> {
        let rest = name.strip_prefix("integration.response.")?;
        if rest == "statuscode" {
            return Some(raw.status.to_string());
        }
        if let Some(path) = rest.strip_prefix("body.") {
            return json_member(doc()?, path);
        }
        if rest == "body" {
            return Some(String::from_utf8_lossy(&raw.body).into_owned());
        }
        let header = rest.strip_prefix("header.")?;
        raw.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(header))
            .map(|(_, v)| v.clone())
    };
    let selected = match &integration.response_selection {
        Some(selection) => selection.evaluate(resolve),
        // AWS's own: HTTP and MOCK select on the status code, a Lambda function's error on
        // its errorMessage (a success takes `$default`).
        None => match integration.kind {
            Kind::Lambda(_) => (raw.status != 200)
                .then(|| resolve("integration.response.body.errorMessage"))
                .flatten(),
            _ => Some(raw.status.to_string()),
        },
    };
    let Some(response) = pick_key(&integration.responses, selected.as_deref()) else {
        return Ok(Answer {
            status: raw.status,
            body: raw.body,
            headers: raw.headers,
        });
    };
    let template_key = response.template_selection.as_ref().and_then(|s| s.evaluate(resolve));
    let converted = convert(response.content_handling, raw.body)?;
    let body = match pick_key(&response.templates, template_key.as_deref()) {
        Some(template) => {
            let vars = Vars {
                body: converted,
                ..*vars
            };
            template.render(peer, &vars).map_err(|e| {
                tracing::warn!(error = e, "response template failed");
                Failure::Internal
            })?
        }
        None => converted,
    };
    Ok(Answer {
        status: raw.status,
        body,
        headers: raw.headers,
    })
}

/// A Lambda proxy answer: `statusCode`, `headers`, `body` (base64 when `isBase64Encoded`);
/// anything else is taken as the body itself.
fn proxy_answer(payload: &Bytes) -> Answer {
    let Ok(Value::Object(answer)) = serde_json::from_slice::<Value>(payload) else {
        return Answer {
            status: 200,
            body: if payload.as_ref() == b"null" {
                Bytes::new()
            } else {
                payload.clone()
            },
            headers: Vec::new(),
        };
    };
    if !answer.contains_key("statusCode") && !answer.contains_key("body") {
        return Answer {
            status: 200,
            body: payload.clone(),
            headers: Vec::new(),
        };
    }
    let status = match answer.get("statusCode") {
        Some(Value::Number(n)) => n.as_u64().and_then(|n| u16::try_from(n).ok()).unwrap_or(200),
        Some(Value::String(s)) => s.parse().unwrap_or(200),
        _ => 200,
    };
    let text = match answer.get("body") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    let body = if answer.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) {
        base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map(Bytes::from)
            .unwrap_or_else(|_| Bytes::from(text))
    } else {
        Bytes::from(text)
    };
    let headers = match answer.get("headers") {
        Some(Value::Object(headers)) => headers
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
            .collect(),
        _ => Vec::new(),
    };
    Answer { status, body, headers }
}

async fn invoke(
    env: &Env<'_>,
    peer: &Peer,
    function: &crate::mapping::UriTemplate,
    payload: Bytes,
    integration: &Integration,
) -> Result<Bytes, Failure> {
    match invoke_raw(env, peer, function, payload, integration).await? {
        (None, payload) => Ok(payload),
        (Some(kind), payload) => {
            tracing::warn!(kind, error = %String::from_utf8_lossy(&payload), "WebSocket route's function failed");
            Err(Failure::BadGateway)
        }
    }
}

/// The function's payload, with its error kind when it failed.
async fn invoke_raw(
    env: &Env<'_>,
    peer: &Peer,
    function: &crate::mapping::UriTemplate,
    payload: Bytes,
    integration: &Integration,
) -> Result<(Option<String>, Bytes), Failure> {
    let Some(functions) = env.functions else {
        tracing::warn!("no Lambda runner for a WebSocket integration");
        return Err(Failure::Internal);
    };
    let function = function.render(|_| None, &peer.stage_variables);
    let call = FunctionCall {
        function: function.clone(),
        account: peer.account_id.to_string(),
        region: peer.region.to_string(),
        payload,
    };
    match tokio::time::timeout(integration.timeout, functions.invoke(call)).await {
        Ok(FunctionResult::Answer { error, payload }) => Ok((error, payload)),
        Ok(FunctionResult::NotFound) => {
            tracing::warn!(function, "WebSocket integration's function not found");
            Err(Failure::Internal)
        }
        Ok(FunctionResult::Failed(reason)) => {
            tracing::warn!(function, reason, "WebSocket integration's function could not be run");
            Err(Failure::Internal)
        }
        Err(_) => Err(Failure::Timeout),
    }
}

async fn send(
    env: &Env<'_>,
    peer: &Peer,
    integration: &Integration,
    uri: &crate::mapping::UriTemplate,
    method: &http::Method,
    body: Bytes,
) -> Result<Raw, Failure> {
    let written = uri.render(|_| None, &peer.stage_variables);
    let uri = match written.parse::<http::Uri>() {
        Ok(uri) if matches!(uri.scheme_str(), Some("http" | "https")) => uri,
        _ => {
            tracing::warn!(
                uri = written,
                "WebSocket HTTP integration uri is not a valid http(s) url"
            );
            return Err(Failure::Internal);
        }
    };
    let mut headers = http::HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let request = OutboundRequest {
        method: method.clone(),
        uri,
        headers,
        body,
        timeout: integration.timeout,
        insecure_skip_verification: false,
    };
    outbound(env, request).await
}

/// Sends a backend request; the answer as the integration response reads it.
async fn outbound(env: &Env<'_>, request: OutboundRequest) -> Result<Raw, Failure> {
    match env.client.send(request).await {
        Ok(answer) => Ok(Raw {
            status: answer.status.as_u16(),
            headers: answer
                .headers
                .iter()
                .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
                .collect(),
            body: answer.body,
        }),
        Err(OutboundError::Timeout) => Err(Failure::Timeout),
        Err(error) => {
            tracing::warn!(%error, "WebSocket integration request failed");
            Err(Failure::Internal)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_handling_converts_as_aws_describes() {
        let decoded = convert(Some(ContentHandling::ToBinary), Bytes::from_static(b"AAH/\n")).unwrap();
        assert_eq!(&decoded[..], &[0x00, 0x01, 0xff]);
        assert_eq!(
            convert(Some(ContentHandling::ToBinary), Bytes::from_static(b"not base64!")),
            Err(Failure::Internal)
        );
        let encoded = convert(Some(ContentHandling::ToText), Bytes::from_static(&[0x00, 0x01, 0xff])).unwrap();
        assert_eq!(&encoded[..], b"AAH/");
        let text = Bytes::from_static(b"{\"already\": \"text\"}");
        assert_eq!(convert(Some(ContentHandling::ToText), text.clone()).unwrap(), text);
        assert_eq!(
            convert(None, Bytes::from_static(&[0xff])).unwrap(),
            Bytes::from_static(&[0xff])
        );
    }

    #[test]
    fn proxy_answers() {
        let answer = proxy_answer(&Bytes::from_static(br#"{"statusCode": 403, "body": "no"}"#));
        assert_eq!((answer.status, answer.body.as_ref()), (403, b"no".as_slice()));
        let answer = proxy_answer(&Bytes::from_static(
            br#"{"statusCode": 200, "body": "aGk=", "isBase64Encoded": true}"#,
        ));
        assert_eq!(answer.body, "hi");
        let answer = proxy_answer(&Bytes::from_static(br#"{"other": 1}"#));
        assert_eq!(
            (answer.status, answer.body.as_ref()),
            (200, br#"{"other": 1}"#.as_slice())
        );
        let answer = proxy_answer(&Bytes::from_static(b"null"));
        assert!(answer.body.is_empty());
    }
}
