//! The outbound HTTP seam: integrations send through `HttpClient`, so the Lambda runners and
//! tests plug into the same place.

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client as LegacyClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

pub struct OutboundRequest {
    pub method: Method,
    pub uri: Uri,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// Deadline of the whole exchange (API Gateway's integration timeout).
    pub timeout: Duration,
    /// The integration's `tlsConfig.insecureSkipVerification`.
    pub insecure_skip_verification: bool,
}

pub struct OutboundResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

#[derive(Debug)]
pub enum OutboundError {
    Timeout,
    Connect(String),
    Tls(String),
    TooLarge,
    InvalidUri(String),
    Protocol(String),
}

impl std::fmt::Display for OutboundError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

pub trait HttpClient: Send + Sync + 'static {
    fn send(
        &self,
        request: OutboundRequest,
    ) -> Pin<Box<dyn Future<Output = Result<OutboundResponse, OutboundError>> + Send + '_>>;
}

/// API Gateway's payload limit, for backends' answers too.
const MAX_ANSWER: usize = 10 * 1024 * 1024;

/// Plain-HTTP client on hyper.
pub struct HyperClient {
    client: LegacyClient<HttpConnector, Full<Bytes>>,
}

impl Default for HyperClient {
    fn default() -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        HyperClient {
            client: LegacyClient::builder(TokioExecutor::new()).build(connector),
        }
    }
}

impl HttpClient for HyperClient {
    fn send(
        &self,
        request: OutboundRequest,
    ) -> Pin<Box<dyn Future<Output = Result<OutboundResponse, OutboundError>> + Send + '_>> {
        Box::pin(async move {
            if request.uri.scheme_str() != Some("http") {
                return Err(OutboundError::InvalidUri(request.uri.to_string()));
            }
            let mut outgoing = http::Request::new(Full::new(request.body));
            *outgoing.method_mut() = request.method;
            *outgoing.uri_mut() = request.uri;
            *outgoing.headers_mut() = request.headers;
            let exchange = async {
                let answer = self
                    .client
                    .request(outgoing)
                    .await
                    .map_err(|e| OutboundError::Connect(e.to_string()))?;
                let (parts, body) = answer.into_parts();
                let body = Limited::new(body, MAX_ANSWER)
                    .collect()
                    .await
                    .map_err(|_| OutboundError::TooLarge)?
                    .to_bytes();
                Ok(OutboundResponse {
                    status: parts.status,
                    headers: parts.headers,
                    body,
                })
            };
            tokio::time::timeout(request.timeout, exchange)
                .await
                .unwrap_or(Err(OutboundError::Timeout))
        })
    }
}
