//! HTTP_PROXY: the request goes to the backend as it came, and the backend's answer comes
//! back as it is. Plain http only for now.

use super::Integration;
use crate::respond;
use crate::route::PathParam;
use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName};
use http::request::Parts;
use http::{Method, Request, Response, Uri};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as LegacyClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::collections::BTreeMap;

pub type Client = LegacyClient<HttpConnector, Full<Bytes>>;

pub fn client() -> Client {
    let mut connector = HttpConnector::new();
    // Small request/response pairs: don't let Nagle hold them back.
    connector.set_nodelay(true);
    LegacyClient::builder(TokioExecutor::new()).build(connector)
}

pub async fn invoke(
    client: &Client,
    integration: &Integration,
    variables: &BTreeMap<String, String>,
    params: &[PathParam],
    request: Parts,
    body: Bytes,
) -> Response<Bytes> {
    let Some(template) = integration.uri.as_deref() else {
        tracing::warn!("HTTP_PROXY integration has no uri");
        return respond::internal_error();
    };
    let mut uri = render_uri(template, params, variables);
    if let Some(query) = request.uri.query().filter(|q| !q.is_empty()) {
        uri.push(if uri.contains('?') { '&' } else { '?' });
        uri.push_str(query);
    }
    let uri = match uri.parse::<Uri>() {
        Ok(parsed) if parsed.scheme_str() == Some("http") && parsed.authority().is_some() => parsed,
        Ok(parsed) if parsed.scheme_str() == Some("https") => {
            tracing::warn!(%uri, "https backends are not supported yet");
            return respond::bad_gateway();
        }
        _ => {
            tracing::warn!(%uri, "HTTP_PROXY integration uri is not a valid http url");
            return respond::internal_error();
        }
    };
    let method = match integration.http_method.as_deref() {
        None | Some("ANY") => request.method.clone(),
        Some(name) => match Method::from_bytes(name.as_bytes()) {
            Ok(method) => method,
            Err(_) => {
                tracing::warn!(method = name, "HTTP_PROXY integration has an invalid http method");
                return respond::internal_error();
            }
        },
    };
    let is_head = method == Method::HEAD;
    let mut outgoing = Request::new(Full::new(body));
    *outgoing.method_mut() = method;
    *outgoing.uri_mut() = uri;
    *outgoing.headers_mut() =
        forwarded_headers(request.headers, &[header::HOST, header::CONTENT_LENGTH, header::EXPECT]);

    let exchange = async {
        let answer = client.request(outgoing).await.map_err(|e| e.to_string())?;
        let (parts, body) = answer.into_parts();
        let body = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
        Ok::<_, String>((parts, body))
    };
    match tokio::time::timeout(integration.timeout, exchange).await {
        Err(_) => {
            tracing::warn!(timeout = ?integration.timeout, "HTTP_PROXY backend timed out");
            respond::timed_out()
        }
        Ok(Err(error)) => {
            tracing::warn!(error, "HTTP_PROXY backend failed");
            respond::bad_gateway()
        }
        Ok(Ok((mut parts, body))) => {
            // The server sets the length of the body we answer with; HEAD has none to measure.
            let dropped: &[HeaderName] = if is_head { &[] } else { &[header::CONTENT_LENGTH] };
            parts.headers = forwarded_headers(parts.headers, dropped);
            Response::from_parts(parts, body)
        }
    }
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
fn forwarded_headers(mut headers: HeaderMap, also: &[HeaderName]) -> HeaderMap {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
    for name in named.iter().chain(also) {
        headers.remove(name);
    }
    headers
}

/// Fills `{name}` (and `{name+}`) from the path parameters, as sent, and
/// `${stageVariables.name}` from the stage. Unknown parameters stay as written.
fn render_uri(template: &str, params: &[PathParam], variables: &BTreeMap<String, String>) -> String {
    const STAGE_VARIABLE: &str = "${stageVariables.";
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find(['$', '{']) {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let Some(end) = rest.find('}') else { break };
        if let Some(name) = rest[..end].strip_prefix(STAGE_VARIABLE) {
            out.push_str(variables.get(name).map_or("", String::as_str));
        } else if let Some(name) = rest[..end].strip_prefix('{') {
            let name = name.trim_end_matches('+');
            match params.iter().find(|p| p.name == name) {
                Some(param) => out.push_str(&param.raw),
                None => out.push_str(&rest[..=end]),
            }
        } else {
            // A '$' that starts nothing.
            out.push('$');
            rest = &rest[1..];
            continue;
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn param(name: &str, raw: &str) -> PathParam {
        PathParam {
            name: name.into(),
            raw: raw.into(),
            value: String::new(),
        }
    }

    #[test]
    fn uri_substitution() {
        let params = [param("petId", "42"), param("proxy", "a/b%20c/")];
        let vars = BTreeMap::from([
            ("host".to_owned(), "backend:8080".to_owned()),
            ("v".to_owned(), "v1".to_owned()),
        ]);
        let render = |t: &str| render_uri(t, &params, &vars);
        assert_eq!(render("http://example.com/pets/{petId}"), "http://example.com/pets/42");
        assert_eq!(render("http://example.com/{proxy}"), "http://example.com/a/b%20c/");
        assert_eq!(render("http://example.com/{proxy+}"), "http://example.com/a/b%20c/");
        assert_eq!(
            render("http://${stageVariables.host}/${stageVariables.v}/{petId}"),
            "http://backend:8080/v1/42"
        );
        assert_eq!(render("http://h/${stageVariables.missing}x"), "http://h/x");
        assert_eq!(render("http://h/{unknown}/$x/{petId}"), "http://h/{unknown}/$x/42");
        assert_eq!(render("http://h/{petId"), "http://h/{petId");
        assert_eq!(render("http://h/plain?a=1"), "http://h/plain?a=1");
    }

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
