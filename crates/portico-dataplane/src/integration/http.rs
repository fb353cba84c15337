//! HTTP (without proxy): the integration request is built from the method request by the
//! integration's parameter mappings and request template, with the headers AWS sets; the
//! backend's answer goes through the integration responses (selected by its status code).
//! Nothing else of the method request reaches the backend.

use super::{Env, Integration, http_proxy};
use crate::context::RequestContext;
use crate::respond;
use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Response, Uri};
use portico_http::OutboundRequest;
use std::sync::Arc;

pub async fn invoke(integration: &Integration, ctx: &Arc<RequestContext>, env: Env<'_>) -> Response<Bytes> {
    let request = match integration.request(ctx) {
        Ok(request) => request,
        Err(answer) => return *answer,
    };
    let Some(template) = &integration.uri else {
        tracing::warn!("HTTP integration has no uri");
        return respond::internal_error();
    };
    let overrides = &request.overrides;
    let mut uri = template.render(
        |name| {
            if let Some((_, v)) = overrides.request_path.iter().find(|(k, _)| k == name) {
                return Some(encode_path(v));
            }
            match integration.parameters.path(name, ctx) {
                Some(mapped) => mapped.map(|v| encode_path(&v)),
                None => ctx.path_params.iter().find(|p| p.name == name).map(|p| p.raw.clone()),
            }
        },
        &ctx.stage_variables,
    );
    let (pairs, mut headers) = integration.mapped(ctx, overrides, Vec::new());
    // What AWS adds: a JSON Accept unless mapped, its own User-Agent, the payload's type.
    if !headers.contains_key(header::ACCEPT) {
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
    }
    if !headers.contains_key(header::USER_AGENT)
        && let Ok(agent) = HeaderValue::from_str(&format!("AmazonAPIGateway_{}", ctx.api_id))
    {
        headers.insert(header::USER_AGENT, agent);
    }
    if !headers.contains_key(header::CONTENT_TYPE)
        && !request.body.is_empty()
        && let Some(content_type) = request
            .content_type
            .as_deref()
            .and_then(|c| HeaderValue::from_str(c).ok())
    {
        headers.insert(header::CONTENT_TYPE, content_type);
    }
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&pairs)
        .finish();
    if !query.is_empty() {
        uri.push(if uri.contains('?') { '&' } else { '?' });
        uri.push_str(&query);
    }
    let uri = match uri.parse::<Uri>() {
        Ok(parsed) if matches!(parsed.scheme_str(), Some("http" | "https")) && parsed.authority().is_some() => parsed,
        _ => {
            tracing::warn!(%uri, "HTTP integration uri is not a valid http(s) url");
            return respond::internal_error();
        }
    };
    let uri = match http_proxy::through_link(integration, ctx, env, uri, &mut headers).await {
        Ok(uri) => uri,
        Err(answer) => return *answer,
    };
    let method = match integration.outbound_method(ctx) {
        Ok(method) => method,
        Err(answer) => return *answer,
    };
    ctx.trace(|| format!("Endpoint request URI: {uri}"));
    ctx.trace(|| format!("Endpoint request headers: {}", header_text(&headers)));
    ctx.trace(|| format!("Sending request to {uri}"));
    let started = std::time::Instant::now();
    let outbound = OutboundRequest {
        method,
        uri,
        headers,
        body: request.body,
        timeout: integration.timeout,
        insecure_skip_verification: integration.insecure_skip_verification,
    };
    let answer = match http_proxy::send(env.client, outbound).await {
        Ok(answer) => answer,
        Err(failed) => return failed,
    };
    ctx.trace(|| {
        format!(
            "Received response. Status: {}, Integration latency: {} ms",
            answer.status.as_u16(),
            started.elapsed().as_millis()
        )
    });
    ctx.trace(|| format!("Endpoint response headers: {}", header_text(&answer.headers)));
    respond::endpoint_response(&integration.responses, answer, ctx)
}

/// Headers as the execution log prints them: `{a=1, b=2}`.
pub fn header_text(headers: &HeaderMap) -> String {
    let pairs: Vec<String> = headers
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                crate::test_invoke::canonical_name(k.as_str()),
                String::from_utf8_lossy(v.as_bytes())
            )
        })
        .collect();
    format!("{{{}}}", pairs.join(", "))
}

/// A mapped path parameter is a value: it is encoded into its segment.
fn encode_path(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, SEGMENT).to_string()
}

const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');
