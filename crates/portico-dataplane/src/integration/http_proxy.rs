//! HTTP_PROXY: the request goes to the backend as it came (method, path parameters and stage
//! variables filled into the URI, query, headers, body, plus the integration's parameter
//! mappings), and the backend's answer comes back as it is.

use super::{Env, Integration};
use crate::context::RequestContext;
use crate::mapping::{Source, Target};
use crate::respond;
use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Response, Uri};
use portico_http::{HttpClient, OutboundError, OutboundRequest};

pub async fn invoke(integration: &Integration, ctx: &RequestContext, env: Env<'_>) -> Response<Bytes> {
    let Some(template) = &integration.uri else {
        tracing::warn!("HTTP_PROXY integration has no uri");
        return respond::internal_error();
    };
    let mut uri = template.render(
        |name| match integration.parameters.path(name, ctx) {
            // A mapping for the parameter wins; else the method's own parameter, as sent.
            Some(mapped) => mapped,
            None => ctx.path_params.iter().find(|p| p.name == name).map(|p| p.raw.clone()),
        },
        &ctx.stage_variables,
    );
    let mut query = ctx.raw_query.clone();
    let mut headers = forwarded_headers(
        ctx.headers.clone(),
        &[header::HOST, header::CONTENT_LENGTH, header::EXPECT],
    );
    for (target, source) in &integration.parameters.entries {
        let Some(value) = source.evaluate(ctx) else { continue };
        match target {
            Target::Header(name) => match (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(&value)) {
                (Ok(name), Ok(value)) => {
                    headers.insert(name, value);
                }
                _ => tracing::warn!(name, "mapped header is not a valid header"),
            },
            Target::Query(name) => {
                if !matches!(source, Source::Query(n) if n == name) {
                    if !query.is_empty() {
                        query.push('&');
                    }
                    let pair = form_urlencoded::Serializer::new(String::new())
                        .append_pair(name, &value)
                        .finish();
                    query.push_str(&pair);
                }
            }
            Target::Path(_) => {}
        }
    }
    if !query.is_empty() {
        uri.push(if uri.contains('?') { '&' } else { '?' });
        uri.push_str(&query);
    }
    let uri = match uri.parse::<Uri>() {
        Ok(parsed) if matches!(parsed.scheme_str(), Some("http" | "https")) && parsed.authority().is_some() => parsed,
        _ => {
            tracing::warn!(%uri, "HTTP_PROXY integration uri is not a valid http(s) url");
            return respond::internal_error();
        }
    };
    let uri = match through_link(integration, ctx, env, uri, &mut headers).await {
        Ok(uri) => uri,
        Err(answer) => return *answer,
    };
    let method = match &integration.http_method {
        None => ctx.method.clone(),
        Some(Ok(method)) => method.clone(),
        Some(Err(name)) => {
            tracing::warn!(method = name, "HTTP_PROXY integration has an invalid http method");
            return respond::internal_error();
        }
    };
    let is_head = method == Method::HEAD;
    let request = OutboundRequest {
        method,
        uri,
        headers,
        body: ctx.body.clone(),
        timeout: integration.timeout,
        insecure_skip_verification: integration.insecure_skip_verification,
    };
    match send(env.client, request).await {
        Err(failed) => failed,
        Ok(answer) => {
            // The server sets the length of the body we answer with; HEAD has none to measure.
            let dropped: &[HeaderName] = if is_head { &[] } else { &[header::CONTENT_LENGTH] };
            let mut response = Response::new(answer.body);
            *response.status_mut() = answer.status;
            let remapped = remapped(&answer.headers, is_head);
            let headers = response.headers_mut();
            *headers = forwarded_headers(answer.headers, dropped);
            for name in [header::DATE, header::SERVER] {
                headers.remove(name);
            }
            headers.extend(remapped);
            response
        }
    }
}

/// A `VPC_LINK` integration's URI, sent through its link; others' as they are.
pub async fn through_link(
    integration: &Integration,
    ctx: &RequestContext,
    env: Env<'_>,
    uri: Uri,
    headers: &mut HeaderMap,
) -> Result<Uri, Box<Response<Bytes>>> {
    match (&integration.vpc_link, env.vpc_links) {
        (Some(link), Some(links)) => links.route(ctx, link, uri, headers).await,
        _ => Ok(uri),
    }
}

/// Sends the integration request; a failure is the answer AWS gives for it.
pub(super) async fn send(
    client: &dyn HttpClient,
    request: OutboundRequest,
) -> Result<portico_http::OutboundResponse, Response<Bytes>> {
    let timeout = request.timeout;
    client.send(request).await.map_err(|error| match error {
        OutboundError::Timeout => {
            tracing::warn!(?timeout, "backend timed out");
            respond::timed_out()
        }
        // An untrusted certificate is a configuration error to AWS ("Execution failed due to
        // configuration error: PKIX path building failed"): 500, not 502.
        error @ OutboundError::Tls(_) => {
            tracing::warn!(%error, "backend's TLS handshake failed");
            respond::internal_error()
        }
        error => {
            tracing::warn!(%error, "backend failed");
            respond::bad_gateway()
        }
    })
}

/// The backend's headers that API Gateway's own replace (`Connection`, `Content-Length`,
/// `Date`, `Server`): AWS hands them on as `x-amzn-Remapped-{name}`.
fn remapped(backend: &HeaderMap, is_head: bool) -> HeaderMap {
    let mut remapped = HeaderMap::new();
    for (name, to) in [
        (header::CONNECTION, "x-amzn-remapped-connection"),
        (header::CONTENT_LENGTH, "x-amzn-remapped-content-length"),
        (header::DATE, "x-amzn-remapped-date"),
        (header::SERVER, "x-amzn-remapped-server"),
    ] {
        if is_head && name == header::CONTENT_LENGTH {
            continue;
        }
        if let Some(value) = backend.get(&name) {
            remapped.insert(HeaderName::from_static(to), value.clone());
        }
    }
    remapped
}

/// Headers that describe one connection, not the message.
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// `headers` minus hop-by-hop ones (including those `Connection` names) and `also`.
pub(crate) fn forwarded_headers(mut headers: HeaderMap, also: &[HeaderName]) -> HeaderMap {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    // The names present are few: each is compared with the lists, and only those found are
    // removed (a removal by name hashes it, once per name in the lists otherwise).
    let dropped: Vec<HeaderName> = headers
        .keys()
        .filter(|name| HOP_BY_HOP.contains(&name.as_str()) || also.contains(name) || named.contains(name))
        .cloned()
        .collect();
    for name in &dropped {
        headers.remove(name);
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_headers_are_dropped() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("host", "abc.execute-api.localhost"),
            ("connection", "keep-alive, x-private"),
            ("x-private", "1"),
            ("transfer-encoding", "chunked"),
            ("content-length", "3"),
            ("x-kept", "yes"),
            ("authorization", "Bearer t"),
        ] {
            headers.append(name, HeaderValue::from_static(value));
        }
        let kept = forwarded_headers(headers, &[header::HOST, header::CONTENT_LENGTH]);
        let mut names: Vec<&str> = kept.keys().map(HeaderName::as_str).collect();
        names.sort_unstable();
        assert_eq!(names, ["authorization", "x-kept"]);
    }
}
