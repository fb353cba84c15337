//! The outbound client against real local servers: plain HTTP, HTTPS with a self-signed
//! certificate (tests/data, valid until 2126), a refused port, a slow backend, a huge answer.

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use portico_http::{Client, ClientConfig, HttpClient, OutboundError, OutboundRequest};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

/// `/echo` answers method, path and a header; `/slow` waits 5 s; `/huge` sends 11 MB.
async fn answer(request: http::Request<Incoming>) -> Result<http::Response<Full<Bytes>>, Infallible> {
    let body = match request.uri().path() {
        "/slow" => {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Bytes::from_static(b"late")
        }
        "/huge" => Bytes::from(vec![b'x'; 11 * 1024 * 1024]),
        _ => {
            let header = request
                .headers()
                .get("x-test")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            Bytes::from(format!("{} {} {header}", request.method(), request.uri()))
        }
    };
    Ok(http::Response::builder()
        .status(201)
        .header("x-backend", "yes")
        .body(Full::new(body))
        .expect("response"))
}

async fn http_backend() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service_fn(answer))
                    .await;
            });
        }
    });
    addr
}

async fn https_backend() -> SocketAddr {
    let certs = CertificateDer::pem_slice_iter(include_bytes!("data/cert.pem"))
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_slice(include_bytes!("data/key.pem")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A refused handshake is what some tests expect.
                let Ok(tls) = acceptor.accept(stream).await else { return };
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service_fn(answer))
                    .await;
            });
        }
    });
    addr
}

fn get(url: &str) -> OutboundRequest {
    let mut headers = http::HeaderMap::new();
    headers.insert("x-test", http::HeaderValue::from_static("hi"));
    OutboundRequest {
        method: http::Method::POST,
        uri: url.parse().unwrap(),
        headers,
        body: Bytes::from_static(b"payload"),
        timeout: Duration::from_secs(10),
        insecure_skip_verification: false,
    }
}

#[tokio::test]
async fn plain_http() {
    let addr = http_backend().await;
    let client = Client::default();
    let answer = client.send(get(&format!("http://{addr}/echo?a=1"))).await.unwrap();
    assert_eq!(answer.status, 201);
    assert_eq!(answer.headers["x-backend"], "yes");
    assert_eq!(answer.body, "POST /echo?a=1 hi");
    // The pool reuses the connection.
    let again = client.send(get(&format!("http://{addr}/echo"))).await.unwrap();
    assert_eq!(again.body, "POST /echo hi");
}

#[tokio::test]
async fn https_with_a_self_signed_certificate() {
    let addr = https_backend().await;
    let client = Client::default();
    let url = format!("https://localhost:{}/echo", addr.port());

    let refused = client.send(get(&url)).await.unwrap_err();
    assert!(matches!(refused, OutboundError::Tls(_)), "{refused:?}");

    let mut insecure = get(&url);
    insecure.insecure_skip_verification = true;
    let answer = client.send(insecure).await.unwrap();
    assert_eq!(answer.status, 201);
    assert_eq!(answer.body, "POST /echo hi");

    // By IP address too, and verification still applies to requests that do not opt out.
    let mut by_ip = get(&format!("https://{addr}/echo"));
    by_ip.insecure_skip_verification = true;
    assert_eq!(client.send(by_ip).await.unwrap().status, 201);
    assert!(matches!(client.send(get(&url)).await, Err(OutboundError::Tls(_))));
}

#[tokio::test]
async fn connection_refused() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let error = Client::default()
        .send(get(&format!("http://127.0.0.1:{port}/")))
        .await
        .unwrap_err();
    assert!(matches!(error, OutboundError::Connect(_)), "{error:?}");
    assert!(error.to_string().contains("refused"), "{error}");
}

#[tokio::test]
async fn the_deadline_covers_the_whole_exchange() {
    let addr = http_backend().await;
    let mut slow = get(&format!("http://{addr}/slow"));
    slow.timeout = Duration::from_millis(200);
    let started = Instant::now();
    let error = Client::default().send(slow).await.unwrap_err();
    assert!(matches!(error, OutboundError::Timeout), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn answers_over_the_cap_are_refused() {
    let addr = http_backend().await;
    let error = Client::default()
        .send(get(&format!("http://{addr}/huge")))
        .await
        .unwrap_err();
    assert!(matches!(error, OutboundError::TooLarge), "{error:?}");
    let roomy = Client::new(ClientConfig {
        max_response_bytes: 12 * 1024 * 1024,
        ..ClientConfig::default()
    });
    let answer = roomy.send(get(&format!("http://{addr}/huge"))).await.unwrap();
    assert_eq!(answer.body.len(), 11 * 1024 * 1024);
}

#[tokio::test]
async fn only_http_urls() {
    for url in ["ftp://example.com/", "/relative"] {
        let error = Client::default().send(get(url)).await.unwrap_err();
        assert!(matches!(error, OutboundError::InvalidUri(_)), "{url}: {error:?}");
    }
}
