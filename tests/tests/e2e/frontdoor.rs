//! The front door on the wire: body limits and malformed bodies, slow and idle clients,
//! WebSocket upgrades, `@connections` on a stage, Portico's own endpoints, shutdown and logs.
//! Raw TCP wherever a client library would hide what is sent or answered.

use crate::harness::{BIN, Portico};
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const MB: usize = 1024 * 1024;

/// One answer read off a raw connection.
#[derive(Debug)]
struct Raw {
    status: u16,
    headers: Headers,
    body: String,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

type Headers = Vec<(String, String)>;

/// Status, headers and `Content-Length` (0 when absent) of an answer's head.
fn parse_head(head: &str) -> Option<(u16, Headers, usize)> {
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    Some((status, headers, length))
}

/// Reads one answer (head, then a `Content-Length` body); `None` when the connection ends first.
async fn read_answer(stream: &mut TcpStream) -> Option<Raw> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let (status, headers, length) = parse_head(&String::from_utf8_lossy(&buf[..head_end]))?;
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Raw {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// Waits for the server to close: `Some(elapsed)` at the end of the stream (or a reset).
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut sink = [0u8; 4096];
    tokio::time::timeout(limit, async {
        loop {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => return started.elapsed(),
                Ok(_) => {}
            }
        }
    })
    .await
    .ok()
}

async fn connect(portico: &Portico) -> TcpStream {
    TcpStream::connect(("127.0.0.1", portico.port)).await.expect("connect")
}

/// Sends `head` and then `size` bytes of body from another task (the server may answer before
/// it has read them all), and reads the answer.
async fn send_big(portico: &Portico, head: String, size: usize, chunked: bool) -> (Raw, TcpStream) {
    let stream = connect(portico).await;
    let (mut reader, mut writer) = stream.into_split();
    let sender = tokio::spawn(async move {
        writer.write_all(head.as_bytes()).await?;
        let block = vec![b'x'; MB];
        for _ in 0..size / MB {
            if chunked {
                writer.write_all(format!("{:X}\r\n", block.len()).as_bytes()).await?;
                writer.write_all(&block).await?;
                writer.write_all(b"\r\n").await?;
            } else {
                writer.write_all(&block).await?;
            }
        }
        if chunked {
            writer.write_all(b"0\r\n\r\n").await?;
        }
        Ok::<_, std::io::Error>(writer)
    });
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    // Everything until the server closes: the answer and nothing after it.
    loop {
        match reader.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let writer = sender.await.expect("sender task");
    let stream = match writer {
        Ok(writer) => reader.reunite(writer).expect("same stream"),
        // The server closed while the client was still sending: fine, the answer came first.
        Err(_) => connect(portico).await,
    };
    let (raw, rest) = parse_answer(&buf);
    assert!(rest.is_empty(), "nothing after the answer: {rest:?}");
    (raw, stream)
}

fn parse_answer(buf: &[u8]) -> (Raw, Vec<u8>) {
    let text = String::from_utf8_lossy(buf);
    let (head, rest) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no answer head in {text:?}"));
    let (status, headers, length) = parse_head(head).unwrap_or_else(|| panic!("no status line in {head:?}"));
    let body = rest[..length.min(rest.len())].to_string();
    let after = rest.as_bytes()[length.min(rest.len())..].to_vec();
    (Raw { status, headers, body }, after)
}

async fn get_ok(portico: &Portico, path: &str) -> Raw {
    let mut stream = connect(portico).await;
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    read_answer(&mut stream).await.expect("an answer")
}

#[tokio::test]
async fn bodies_over_10_mb_get_413_and_close_the_connection() {
    let portico = Portico::start();
    let api = crate::mock_api(&portico.sdk(), "big", r#"{"ok": true}"#, Some("dev")).await;
    let stage_path = format!("/_aws/execute-api/{}/dev/hello", api.api_id);

    // execute-api, announced by Content-Length: answered without reading the body.
    let head = format!(
        "POST {stage_path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\n\r\n",
        12 * MB
    );
    let (answer, _) = send_big(&portico, head, 12 * MB, false).await;
    assert_eq!(answer.status, 413, "{answer:?}");
    assert_eq!(answer.header("connection"), Some("close"), "{answer:?}");
    assert_eq!(answer.header("x-amzn-ErrorType"), Some("RequestTooLargeException"));
    assert_eq!(answer.body, r#"{"message":"Request Too Long"}"#);
    // A new connection is served as usual.
    let fine = get_ok(&portico, &stage_path).await;
    assert_eq!((fine.status, fine.body.as_str()), (200, r#"{"ok": true}"#));

    // execute-api, chunked: the limit is found while reading.
    let head = format!("POST {stage_path} HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n");
    let (answer, _) = send_big(&portico, head, 12 * MB, true).await;
    assert_eq!(answer.status, 413, "{answer:?}");
    assert_eq!(answer.header("connection"), Some("close"));

    // The control plane: the management API's PayloadTooLargeException.
    let head = format!(
        "POST /restapis HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\n\r\n",
        12 * MB
    );
    let (answer, _) = send_big(&portico, head, 12 * MB, false).await;
    assert_eq!(answer.status, 413, "{answer:?}");
    assert_eq!(answer.header("connection"), Some("close"));
    assert_eq!(answer.header("x-amzn-ErrorType"), Some("PayloadTooLargeException"));
    let head = "POST /restapis HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n".to_string();
    let (answer, _) = send_big(&portico, head, 12 * MB, true).await;
    assert_eq!(answer.status, 413, "{answer:?}");
    assert_eq!(get_ok(&portico, "/restapis").await.status, 200);
}

#[tokio::test]
async fn malformed_and_truncated_bodies_get_400() {
    let portico = Portico::start();
    let api = crate::mock_api(&portico.sdk(), "bad", "{}", Some("dev")).await;
    let stage_path = format!("/_aws/execute-api/{}/dev/hello", api.api_id);
    for path in [stage_path.as_str(), "/restapis"] {
        // A chunk size that is not hex.
        let mut stream = connect(&portico).await;
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let answer = read_answer(&mut stream).await.expect("an answer");
        assert_eq!(answer.status, 400, "{path}: {answer:?}");
        assert_eq!(
            answer.header("x-amzn-ErrorType"),
            Some("BadRequestException"),
            "{answer:?}"
        );
        assert_eq!(answer.header("connection"), Some("close"));
        assert!(closed_within(&mut stream, Duration::from_secs(5)).await.is_some());

        // Shorter than its Content-Length, then the client stops sending.
        let mut stream = connect(&portico).await;
        let request = format!("POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\nonly this");
        stream.write_all(request.as_bytes()).await.unwrap();
        stream.shutdown().await.unwrap();
        let answer = read_answer(&mut stream).await.expect("an answer");
        assert_eq!(answer.status, 400, "{path}: {answer:?}");
        assert_eq!(answer.header("connection"), Some("close"));
    }
}

#[tokio::test]
async fn a_chunk_of_16_exabytes_gets_an_answer() {
    let portico = Portico::start_with(&["--in-memory", "--body-timeout", "500ms"]);
    let api = crate::mock_api(&portico.sdk(), "huge-chunk", "{}", Some("dev")).await;
    for path in [
        format!("/_aws/execute-api/{}/dev/hello", api.api_id),
        "/restapis".into(),
    ] {
        let mut stream = connect(&portico).await;
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\nabc"
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let started = Instant::now();
        let answer = tokio::time::timeout(Duration::from_secs(5), read_answer(&mut stream))
            .await
            .expect("answered in time")
            .expect("an answer");
        // The rest never comes: the body-read deadline answers.
        assert_eq!(answer.status, 408, "{path}: {answer:?}");
        assert_eq!(answer.header("connection"), Some("close"));
        assert!(started.elapsed() < Duration::from_secs(3));
    }
}

#[tokio::test]
async fn a_half_sent_head_is_cut_off_after_the_header_timeout() {
    let portico = Portico::start_with(&["--in-memory", "--header-timeout", "300ms", "--idle-timeout", "10s"]);
    let mut stream = connect(&portico).await;
    stream
        .write_all(b"GET /_portico/health HTTP/1.1\r\nHost: loc")
        .await
        .unwrap();
    let waited = closed_within(&mut stream, Duration::from_secs(5))
        .await
        .expect("the server closes the connection");
    assert!(waited >= Duration::from_millis(250), "{waited:?}");

    // A connection that never says anything gets the same treatment.
    let mut silent = connect(&portico).await;
    assert!(closed_within(&mut silent, Duration::from_secs(5)).await.is_some());
}

#[tokio::test]
async fn idle_keep_alive_connections_are_closed_after_the_idle_timeout() {
    let portico = Portico::start_with(&["--in-memory", "--header-timeout", "200ms", "--idle-timeout", "800ms"]);
    let mut stream = connect(&portico).await;
    let request = b"GET /_portico/health HTTP/1.1\r\nHost: localhost\r\n\r\n";
    stream.write_all(request).await.unwrap();
    assert_eq!(read_answer(&mut stream).await.unwrap().status, 200);
    // Quiet for longer than the header timeout, shorter than the idle one: still open.
    tokio::time::sleep(Duration::from_millis(400)).await;
    stream.write_all(request).await.unwrap();
    assert_eq!(read_answer(&mut stream).await.expect("kept alive").status, 200);
    let waited = closed_within(&mut stream, Duration::from_secs(5))
        .await
        .expect("closed once idle");
    assert!(waited >= Duration::from_millis(700), "{waited:?}");
}

#[tokio::test]
async fn an_upgrade_to_a_rest_api_is_answered_as_any_request() {
    let portico = Portico::start();
    let api = crate::mock_api(&portico.sdk(), "ws", "{}", Some("dev")).await;
    let stream = connect(&portico).await;
    let url = format!("ws://{}.execute-api.localhost:{}/dev/hello", api.api_id, portico.port);
    // Only WebSocket APIs upgrade; a REST API answers the request (here its mock's 200).
    match tokio_tungstenite::client_async(url, stream).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(answer)) => assert_eq!(answer.status(), 200),
        other => panic!("expected an HTTP answer, got {other:?}"),
    }
}

#[tokio::test]
async fn connections_on_a_stage_reach_the_management_api() {
    let portico = Portico::start();
    let host = format!("abc123.execute-api.localhost:{}", portico.port);
    for method in ["POST", "GET", "DELETE"] {
        for (path, host) in [
            ("/prod/@connections/Ab%3Dc", Some(host.as_str())),
            ("/_aws/execute-api/abc123/prod/@connections/Ab%3Dc", None),
            // The management API's own endpoint, as before.
            ("/@connections/Ab%3Dc", None),
        ] {
            // No such connection: the management API's own answer.
            let reply = portico.call(method, path, host, "hello").await;
            assert_eq!(reply.status, 410, "{method} {path}: {reply:?}");
            assert_eq!(reply.header("x-amzn-ErrorType"), Some("GoneException"));
        }
    }
}

#[tokio::test]
async fn portico_endpoints_and_localstack_health() {
    let portico = Portico::start();
    let reset = portico.call("GET", "/_portico/reset", None, "").await;
    assert_eq!(reset.status, 405);
    assert_eq!(reset.header("allow"), Some("POST"));
    assert!(reset.json()["message"].as_str().unwrap().contains("POST"), "{reset:?}");
    let health = portico.call("POST", "/_portico/health", None, "").await;
    assert_eq!(health.status, 405);
    assert_eq!(health.header("allow"), Some("GET, HEAD"));

    let services = portico.call("GET", "/_localstack/health", None, "").await.json()["services"].clone();
    assert_eq!(
        services,
        serde_json::json!({
            "apigateway": "running",
            "apigatewayv2": "running",
            "apigatewaymanagementapi": "running",
            "lambda": "running",
        })
    );
}

/// A portico with stdout and stderr piped, as under a supervisor or in CI.
struct Piped {
    child: std::process::Child,
    port: u16,
}

impl Piped {
    fn start() -> Piped {
        let mut child = Command::new(BIN)
            .args(["--port", "0", "--in-memory", "--log", "info"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("portico starts");
        let mut first = String::new();
        let mut stdout = child.stdout.take().unwrap();
        let mut byte = [0u8; 1];
        while stdout.read(&mut byte).unwrap() == 1 && byte[0] != b'\n' {
            first.push(byte[0] as char);
        }
        let port = first.rsplit(':').next().and_then(|p| p.parse().ok()).expect("port");
        // Keep the pipe open and drained so later lines never block.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        Piped { child, port }
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn wait_exit(&mut self, limit: Duration) -> Option<Duration> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if self.child.try_wait().unwrap().is_some() {
                return Some(started.elapsed());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        None
    }

    fn stderr(&mut self) -> String {
        let mut text = String::new();
        self.child.stderr.take().unwrap().read_to_string(&mut text).unwrap();
        text
    }
}

impl Drop for Piped {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn sigterm_stops_at_once_with_idle_connections_open_and_says_so() {
    let mut portico = Piped::start();
    let mut idle = TcpStream::connect(("127.0.0.1", portico.port)).await.unwrap();
    idle.write_all(b"GET /_portico/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(read_answer(&mut idle).await.unwrap().status, 200);

    portico.signal("TERM");
    let took = portico.wait_exit(Duration::from_secs(5)).expect("portico exits");
    assert!(took < Duration::from_millis(500), "took {took:?}");
    assert!(closed_within(&mut idle, Duration::from_secs(1)).await.is_some());
    let logs = portico.stderr();
    assert!(logs.contains("SIGTERM received: stopping"), "{logs}");
    assert!(logs.contains("stopped"), "{logs}");
    // Piped stderr: plain text, no colour codes.
    assert!(!logs.contains('\u{1b}'), "ANSI escapes in {logs:?}");
}

#[tokio::test]
async fn ctrl_c_stops_too() {
    let mut portico = Piped::start();
    portico.signal("INT");
    let took = portico.wait_exit(Duration::from_secs(5)).expect("portico exits");
    assert!(took < Duration::from_millis(500), "took {took:?}");
    assert!(portico.stderr().contains("Ctrl-C received: stopping"));
}
