//! The outbound client: the one seam through which the planes call backends (HTTP and
//! HTTP_PROXY integrations, Lambda runners), so tests and later runners plug in the same way.

use crate::body::{BodyError, collect_limited, error_chain};
use bytes::Bytes;
use http_body_util::Full;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client as Pool;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// One call to a backend.
#[derive(Debug, Clone)]
pub struct OutboundRequest {
    pub method: http::Method,
    pub uri: http::Uri,
    pub headers: http::HeaderMap,
    pub body: Bytes,
    /// Deadline of the whole exchange (API Gateway's integration timeout).
    pub timeout: Duration,
    /// The integration's `tlsConfig.insecureSkipVerification`.
    pub insecure_skip_verification: bool,
}

/// The backend's whole answer.
#[derive(Debug, Clone)]
pub struct OutboundResponse {
    pub status: http::StatusCode,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

#[derive(Debug)]
pub enum OutboundError {
    /// The exchange did not finish within `OutboundRequest::timeout`.
    Timeout,
    /// No connection: refused, unreachable, DNS, or the connect timeout.
    Connect(String),
    /// The TLS handshake failed (e.g. an untrusted certificate).
    Tls(String),
    /// The answer's body is over the client's cap (API Gateway's 10 MB by default).
    TooLarge,
    /// Not an absolute `http://` or `https://` URI.
    InvalidUri(String),
    /// The backend broke HTTP: a bad answer, a dropped connection mid-answer.
    Protocol(String),
}

impl fmt::Display for OutboundError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutboundError::Timeout => f.write_str("backend did not answer in time"),
            OutboundError::Connect(why) => write!(f, "cannot connect to backend: {why}"),
            OutboundError::Tls(why) => write!(f, "TLS handshake with backend failed: {why}"),
            OutboundError::TooLarge => f.write_str("backend answer over the size limit"),
            OutboundError::InvalidUri(uri) => write!(f, "not an http(s) URL: {uri}"),
            OutboundError::Protocol(why) => write!(f, "backend broke HTTP: {why}"),
        }
    }
}

impl StdError for OutboundError {}

/// Sends requests to backends; `Client` is the real one.
pub trait HttpClient: Send + Sync + 'static {
    fn send(
        &self,
        request: OutboundRequest,
    ) -> Pin<Box<dyn Future<Output = Result<OutboundResponse, OutboundError>> + Send + '_>>;
}

#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// How long establishing a TCP connection may take.
    pub connect_timeout: Duration,
    /// The largest answer body accepted.
    pub max_response_bytes: usize,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            connect_timeout: Duration::from_secs(5),
            max_response_bytes: crate::PAYLOAD_LIMIT,
        }
    }
}

type PlainPool = Pool<HttpConnector, Full<Bytes>>;
type TlsPool = Pool<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// Pooled HTTP/1.1 client for `http://` and `https://` (rustls, ring provider, the system's
/// trust roots). The TLS pools are built on first use, so start-up does not read the
/// certificate store.
pub struct Client {
    config: ClientConfig,
    plain: PlainPool,
    verified: OnceLock<TlsPool>,
    /// Only for requests with `insecure_skip_verification`: accepts any certificate.
    insecure: OnceLock<TlsPool>,
}

impl Default for Client {
    fn default() -> Self {
        Client::new(ClientConfig::default())
    }
}

impl Client {
    pub fn new(config: ClientConfig) -> Self {
        let plain = Pool::builder(TokioExecutor::new()).build(connector(&config));
        Client {
            config,
            plain,
            verified: OnceLock::new(),
            insecure: OnceLock::new(),
        }
    }

    fn tls_pool(&self, insecure: bool) -> &TlsPool {
        let (cell, make): (_, fn() -> rustls::ClientConfig) = if insecure {
            (&self.insecure, insecure_tls)
        } else {
            (&self.verified, verified_tls)
        };
        cell.get_or_init(|| {
            let https = HttpsConnectorBuilder::new()
                .with_tls_config(make())
                .https_only()
                .enable_http1()
                .wrap_connector(connector(&self.config));
            Pool::builder(TokioExecutor::new()).build(https)
        })
    }

    async fn exchange(&self, request: OutboundRequest) -> Result<OutboundResponse, OutboundError> {
        let https = match (request.uri.scheme_str(), request.uri.authority()) {
            (Some("http"), Some(_)) => false,
            (Some("https"), Some(_)) => true,
            _ => return Err(OutboundError::InvalidUri(request.uri.to_string())),
        };
        let mut outgoing = http::Request::new(Full::new(request.body));
        *outgoing.method_mut() = request.method;
        *outgoing.uri_mut() = request.uri;
        *outgoing.headers_mut() = request.headers;
        let answer = if https {
            self.tls_pool(request.insecure_skip_verification)
                .request(outgoing)
                .await
        } else {
            self.plain.request(outgoing).await
        };
        let (parts, body) = answer.map_err(classify)?.into_parts();
        let body = collect_limited(body, self.config.max_response_bytes)
            .await
            .map_err(|e| match e {
                BodyError::TooLarge => OutboundError::TooLarge,
                BodyError::Malformed(why) => OutboundError::Protocol(why),
                BodyError::Timeout => OutboundError::Timeout,
            })?;
        Ok(OutboundResponse {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }
}

impl HttpClient for Client {
    fn send(
        &self,
        request: OutboundRequest,
    ) -> Pin<Box<dyn Future<Output = Result<OutboundResponse, OutboundError>> + Send + '_>> {
        Box::pin(async move {
            let timeout = request.timeout;
            tokio::time::timeout(timeout, self.exchange(request))
                .await
                .unwrap_or(Err(OutboundError::Timeout))
        })
    }
}

fn connector(config: &ClientConfig) -> HttpConnector {
    let mut connector = HttpConnector::new();
    // Small request/response pairs: don't let Nagle hold them back.
    connector.set_nodelay(true);
    connector.set_connect_timeout(Some(config.connect_timeout));
    // The TLS layer above passes https URIs down to this connector.
    connector.enforce_http(false);
    connector
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn verified_tls() -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    let found = rustls_native_certs::load_native_certs();
    let (added, _ignored) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        tracing::warn!(errors = ?found.errors, "no system trust roots found: https backends will be refused");
    }
    rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

fn insecure_tls() -> rustls::ClientConfig {
    let provider = provider();
    rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
        .with_no_client_auth()
}

/// `insecureSkipVerification`: any certificate, any name, any date. The handshake signatures
/// are still checked, so the peer does hold the key of the certificate it shows.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Sorts a pool error into connect, TLS and protocol failures.
fn classify(error: hyper_util::client::legacy::Error) -> OutboundError {
    let text = error_chain(&error);
    let mut source: Option<&(dyn StdError + 'static)> = Some(&error);
    while let Some(e) = source {
        if is_tls(e) {
            return OutboundError::Tls(text);
        }
        source = e.source();
    }
    if error.is_connect() {
        OutboundError::Connect(text)
    } else {
        OutboundError::Protocol(text)
    }
}

/// A rustls error, possibly inside `io::Error`s (whose `source` skips the error they wrap).
fn is_tls(mut error: &(dyn StdError + 'static)) -> bool {
    loop {
        if error.is::<rustls::Error>() {
            return true;
        }
        match error.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => error = inner,
            None => return false,
        }
    }
}
