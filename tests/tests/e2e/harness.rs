//! Spawns the real `portico` binary and builds the clients that talk to it.

use aws_credential_types::Credentials;
use aws_sdk_apigateway::config::{BehaviorVersion, Region};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::rt::TokioExecutor;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

pub const BIN: &str = env!("CARGO_BIN_EXE_portico-under-test");

/// A running portico process; killed when dropped.
pub struct Portico {
    child: Child,
    pub port: u16,
    pub endpoint: String,
    data_dir: Option<PathBuf>,
}

impl Portico {
    /// A fresh in-memory server on a free port.
    pub fn start() -> Self {
        Self::spawn(&["--in-memory"], None)
    }

    /// A server keeping its state in `dir` (created by `temp_dir`).
    pub fn start_persistent(dir: &Path) -> Self {
        Self::spawn(
            &["--data-dir", dir.to_str().expect("utf-8 path")],
            Some(dir.to_path_buf()),
        )
    }

    /// A server started with `args`; in memory unless they name a `--data-dir` (a test must
    /// never write `./.portico`, which every such test would share).
    pub fn start_with(args: &[&str]) -> Self {
        if args.contains(&"--data-dir") || args.contains(&"--in-memory") {
            return Self::spawn(args, None);
        }
        let mut all = vec!["--in-memory"];
        all.extend_from_slice(args);
        Self::spawn(&all, None)
    }

    /// A server started with `args` and these environment variables.
    pub fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Self {
        Self::spawn_env(args, env, None)
    }

    fn spawn(args: &[&str], data_dir: Option<PathBuf>) -> Self {
        Self::spawn_env(args, &[], data_dir)
    }

    fn spawn_env(args: &[&str], env: &[(&str, &str)], data_dir: Option<PathBuf>) -> Self {
        let mut child = Command::new(BIN)
            .args(["--port", "0", "--log", "warn"])
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("portico starts");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().expect("stdout is piped"))
            .read_line(&mut line)
            .expect("first line");
        let port = line
            .trim()
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {line:?}"));
        Self {
            child,
            port,
            endpoint: format!("http://127.0.0.1:{port}"),
            data_dir,
        }
    }

    /// A server logging with `--log FILTER`, its log captured: what it has written so far.
    pub fn start_logging(filter: &str) -> (Self, std::sync::Arc<std::sync::Mutex<String>>) {
        let mut child = Command::new(BIN)
            .args(["--port", "0", "--in-memory", "--log", filter])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("portico starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("first line");
        let port = line
            .trim()
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {line:?}"));
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let mut stderr = BufReader::new(child.stderr.take().expect("stderr is piped"));
        let sink = log.clone();
        std::thread::spawn(move || {
            let mut line = String::new();
            while stderr.read_line(&mut line).is_ok_and(|n| n > 0) {
                sink.lock().unwrap().push_str(&line);
                line.clear();
            }
        });
        let portico = Self {
            child,
            port,
            endpoint: format!("http://127.0.0.1:{port}"),
            data_dir: None,
        };
        (portico, log)
    }

    /// SIGKILL: no shutdown code runs, as in a crash.
    pub fn kill(mut self) {
        self.child.kill().expect("kill");
        self.child.wait().expect("wait");
        self.data_dir = None;
    }

    pub fn sdk(&self) -> aws_sdk_apigateway::Client {
        self.sdk_as("test", "us-east-1")
    }

    /// A client signing with `access_key` for `region`.
    pub fn sdk_as(&self, access_key: &str, region: &str) -> aws_sdk_apigateway::Client {
        let config = aws_sdk_apigateway::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .credentials_provider(Credentials::new(access_key, "test", None, None, "portico-tests"))
            .endpoint_url(&self.endpoint)
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .build();
        aws_sdk_apigateway::Client::from_conf(config)
    }

    /// An apigatewayv2 client signing as `test` for us-east-1.
    pub fn sdk_v2(&self) -> aws_sdk_apigatewayv2::Client {
        let config = aws_sdk_apigatewayv2::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("test", "test", None, None, "portico-tests"))
            .endpoint_url(&self.endpoint)
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .build();
        aws_sdk_apigatewayv2::Client::from_conf(config)
    }

    /// A raw HTTP request to portico; `host` overrides the Host header (execute-api host form).
    pub async fn call(&self, method: &str, path: &str, host: Option<&str>, body: &str) -> Reply {
        request(method, &format!("{}{path}", self.endpoint), host, &[], body).await
    }

    /// Moves a `--test-clock` Portico's clock on.
    pub async fn advance_clock(&self, seconds: f64) {
        let reply = self
            .call("POST", &format!("/_portico/clock?advance={seconds}"), None, "")
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }

    /// GET of a deployed stage path through the `{api}.execute-api.localhost` host form.
    pub async fn invoke(&self, api_id: &str, method: &str, stage_path: &str) -> Reply {
        let host = format!("{api_id}.execute-api.localhost:{}", self.port);
        self.call(method, stage_path, Some(&host), "").await
    }
}

impl Drop for Portico {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(dir) = &self.data_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A unique empty directory under the system temp dir.
pub fn temp_dir(name: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "portico-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

pub async fn request(method: &str, url: &str, host: Option<&str>, headers: &[(&str, &str)], body: &str) -> Reply {
    let client = HttpClient::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut builder = http::Request::builder().method(method).uri(url);
    if let Some(host) = host {
        builder = builder.header("host", host);
    }
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let response = client
        .request(builder.body(Full::new(Bytes::from(body.to_string()))).expect("request"))
        .await
        .expect("response");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.expect("body").to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// A backend for HTTP_PROXY tests: answers JSON describing the request it got.
pub async fn echo_backend() -> u16 {
    use hyper::service::service_fn;
    use hyper_util::rt::TokioIo;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let service = service_fn(|req: http::Request<hyper::body::Incoming>| async move {
                    let method = req.method().to_string();
                    let uri = req.uri().to_string();
                    let host = req
                        .headers()
                        .get("host")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string();
                    let header = req
                        .headers()
                        .get("x-test")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string();
                    let body = req
                        .into_body()
                        .collect()
                        .await
                        .map(|b| b.to_bytes())
                        .unwrap_or_default();
                    let reply = serde_json::json!({
                        "method": method,
                        "uri": uri,
                        "x-test": header,
                        "host": host,
                        "body": String::from_utf8_lossy(&body),
                    });
                    Ok::<_, std::convert::Infallible>(
                        http::Response::builder()
                            .status(201)
                            .header("content-type", "application/json")
                            .header("x-backend", "echo")
                            .body(Full::new(Bytes::from(reply.to_string())))
                            .expect("response"),
                    )
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    port
}

/// Runs a script of `tests/` against `portico`, failing the test with its output if it fails.
/// A script that exits 77 skipped itself (a tool a laptop may lack): its reason is printed.
pub fn run_script(portico: &Portico, script: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = Command::new("bash")
        .arg(root.join(script))
        .env("PORTICO_ENDPOINT", &portico.endpoint)
        .output()
        .expect("bash runs");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if output.status.code() == Some(77) {
        let reason = text.lines().find(|l| l.starts_with("SKIPPED")).unwrap_or("SKIPPED");
        eprintln!("{script}: {reason}");
        return;
    }
    assert!(output.status.success(), "{script} failed ({}):\n{text}", output.status);
}

/// A backend that counts its calls: each answers 200 `{"call": n}` (n from 1).
pub async fn counting_backend() -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use hyper::service::service_fn;
    use hyper_util::rt::TokioIo;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let counter = counter.clone();
            tokio::spawn(async move {
                let service = service_fn(move |_req: http::Request<hyper::body::Incoming>| {
                    let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
                    async move {
                        Ok::<_, std::convert::Infallible>(
                            http::Response::builder()
                                .status(200)
                                .header("content-type", "application/json")
                                .body(Full::new(Bytes::from(format!("{{\"call\": {n}}}"))))
                                .expect("response"),
                        )
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (port, calls)
}
