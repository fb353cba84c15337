//! The runners against real runtimes: awslambdaric under python3, node, a bash bootstrap,
//! and the Endpoint and RIE backends against real HTTP servers fronting a local runner.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use bytes::Bytes;
use portico_functions::{FunctionSpec, Invocation, Outcome, RunError, RunnerConfig, Runners, Target};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const PYTHON_APP: &str = r#"
import os, sys, time

def echo(event, context):
    return event

def fail(event, context):
    raise ValueError("boom")

def pid(event, context):
    if event.get("sleep"):
        time.sleep(event["sleep"])
    return os.getpid()

def leave(event, context):
    sys.exit(1)

def env(event, context):
    return {name: os.environ.get(name) for name in event["names"]}
"#;

fn code_dir(files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join("portico-functions-tests").join(uuid());
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        if *name == "bootstrap" {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
    dir
}

fn uuid() -> String {
    Invocation::new("").request_id
}

fn python(handler: &str) -> FunctionSpec {
    let dir = code_dir(&[("app.py", PYTHON_APP)]);
    let name = format!("py-{}-{}", handler.replace('.', "-"), &uuid()[..8]);
    FunctionSpec::new(&name, "python3.12", handler, dir)
}

fn runners() -> Runners {
    Runners::new(RunnerConfig::default())
}

async fn call(runners: &Runners, spec: &FunctionSpec, payload: Value) -> Outcome {
    runners
        .invoke(spec.clone(), Invocation::new(payload.to_string()))
        .await
        .unwrap_or_else(|e| panic!("{} failed to run: {e}", spec.name))
}

fn success(outcome: Outcome) -> Value {
    match outcome {
        Outcome::Success(body) => serde_json::from_slice(&body).unwrap(),
        other => panic!("expected success, got {other:?}"),
    }
}

fn function_error(outcome: Outcome) -> (String, Value) {
    match outcome {
        Outcome::FunctionError { kind, payload } => (kind, serde_json::from_slice(&payload).unwrap()),
        other => panic!("expected a function error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_echo_returns_the_event() {
    let runners = runners();
    let spec = python("app.echo");
    let event = json!({"hello": "world", "n": [1, 2, 3]});
    assert_eq!(success(call(&runners, &spec, event.clone()).await), event);
    runners.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_exception_is_lambdas_error_document() {
    let runners = runners();
    let spec = python("app.fail");
    let (kind, error) = function_error(call(&runners, &spec, json!({})).await);
    assert_eq!(kind, "Unhandled");
    assert_eq!(error["errorMessage"], "boom");
    assert_eq!(error["errorType"], "ValueError");
    assert!(error["stackTrace"].is_array(), "{error}");
    runners.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_timeout_kills_the_process_and_the_next_call_starts_another() {
    let runners = runners();
    let mut spec = python("app.pid");
    spec.timeout = Duration::from_secs(1);
    let first = success(call(&runners, &spec, json!({})).await);
    let invocation = Invocation::new(json!({"sleep": 5}).to_string());
    let request_id = invocation.request_id.clone();
    let started = std::time::Instant::now();
    let outcome = runners.invoke(spec.clone(), invocation).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(4));
    let (kind, error) = function_error(outcome);
    assert_eq!(kind, "Unhandled");
    let message = error["errorMessage"].as_str().unwrap();
    assert!(
        message.ends_with(&format!("{request_id} Task timed out after 1.00 seconds")),
        "{message}"
    );
    assert!(error.get("errorType").is_none());
    let second = success(call(&runners, &spec, json!({})).await);
    assert_ne!(first, second, "the timed-out process must be replaced");
    runners.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_warm_process_is_reused() {
    let runners = runners();
    let spec = python("app.pid");
    let first = success(call(&runners, &spec, json!({})).await);
    let second = success(call(&runners, &spec, json!({})).await);
    assert_eq!(first, second);
    runners.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_concurrent_calls_are_served_by_two_processes() {
    let runners = runners();
    let spec = python("app.pid");
    let (a, b) = tokio::join!(
        call(&runners, &spec, json!({"sleep": 1})),
        call(&runners, &spec, json!({"sleep": 1}))
    );
    assert_ne!(success(a), success(b));
    runners.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_exit_is_a_runtime_exit_error() {
    let runners = runners();
    let spec = python("app.leave");
    let invocation = Invocation::new("{}");
    let request_id = invocation.request_id.clone();
    let (kind, error) = function_error(runners.invoke(spec.clone(), invocation).await.unwrap());
    assert_eq!(kind, "Unhandled");
    assert_eq!(error["errorType"], "Runtime.ExitError");
    assert_eq!(
        error["errorMessage"],
        format!("RequestId: {request_id} Error: Runtime exited with error: exit status 1")
    );
    runners.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sees_lambdas_and_its_own_variables_only() {
    let runners = runners();
    let mut spec = python("app.env");
    spec.environment.insert("MY_SETTING".to_owned(), "42".to_owned());
    spec.environment.insert("AWS_REGION".to_owned(), "eu-west-3".to_owned());
    let names = [
        "AWS_LAMBDA_FUNCTION_NAME",
        "MY_SETTING",
        "AWS_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "LAMBDA_TASK_ROOT",
        "_X_AMZN_TRACE_ID",
        "CARGO_PKG_NAME",
    ];
    let env = success(call(&runners, &spec, json!({ "names": names })).await);
    assert_eq!(env["AWS_LAMBDA_FUNCTION_NAME"], spec.name.as_str());
    assert_eq!(env["MY_SETTING"], "42");
    assert_eq!(env["AWS_REGION"], "eu-west-3", "the function's own variables win");
    assert_eq!(env["AWS_ENDPOINT_URL"], "http://127.0.0.1:4566");
    assert_eq!(env["AWS_ACCESS_KEY_ID"], "test");
    assert!(
        env["AWS_LAMBDA_LOG_STREAM_NAME"]
            .as_str()
            .unwrap()
            .contains("/[$LATEST]")
    );
    assert_eq!(env["LAMBDA_TASK_ROOT"], spec.code_dir.to_str().unwrap());
    assert!(env["_X_AMZN_TRACE_ID"].as_str().unwrap().starts_with("Root=1-"));
    assert!(
        env["CARGO_PKG_NAME"].is_null(),
        "Portico's environment must not leak: {env}"
    );
    runners.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_revision_change_and_retire_replace_the_process() {
    let runners = runners();
    let mut spec = python("app.pid");
    let first = success(call(&runners, &spec, json!({})).await);
    spec.revision = "2".to_owned();
    let second = success(call(&runners, &spec, json!({})).await);
    assert_ne!(first, second);
    runners.retire(&spec.arn).await;
    let third = success(call(&runners, &spec, json!({})).await);
    assert_ne!(second, third);
    runners.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_hot_reload_picks_up_changed_code() {
    let runners = runners();
    let code = |n: u32| format!("import os\ndef handler(event, context):\n    return [{n}, os.getpid()]\n");
    let dir = code_dir(&[("app.py", &code(1))]);
    let mut spec = FunctionSpec::new(&format!("hot-{}", &uuid()[..8]), "python3.12", "app.handler", &dir);
    spec.hot_reload = true;
    let first = success(call(&runners, &spec, json!({})).await);
    let second = success(call(&runners, &spec, json!({})).await);
    assert_eq!(first[0], 1);
    // Python's own __pycache__ writes do not count as a change.
    assert_eq!(first, second, "unchanged code keeps its process");
    std::fs::write(dir.join("app.py"), code(2)).unwrap();
    // A new file too, should the clock's granularity hide the rewrite.
    std::fs::write(dir.join("other.py"), "").unwrap();
    let third = success(call(&runners, &spec, json!({})).await);
    assert_eq!(third[0], 2);
    assert_ne!(third[1], first[1]);
    runners.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_async_handler_answers() {
    let runners = runners();
    let dir = code_dir(&[(
        "index.js",
        "exports.handler = async (event, context) => ({ got: event, name: context.functionName });\n\
         exports.broken = async () => { throw new TypeError('bad input'); };\n",
    )]);
    let spec = FunctionSpec::new(&format!("node-{}", &uuid()[..8]), "nodejs20.x", "index.handler", &dir);
    let answer = success(call(&runners, &spec, json!({"a": 1})).await);
    assert_eq!(answer, json!({"got": {"a": 1}, "name": spec.name}));

    let broken = FunctionSpec::new(
        &format!("node-broken-{}", &uuid()[..8]),
        "nodejs20.x",
        "index.broken",
        &dir,
    );
    let (kind, error) = function_error(call(&runners, &broken, json!({})).await);
    assert_eq!(kind, "Unhandled");
    assert_eq!(error["errorType"], "TypeError");
    assert_eq!(error["errorMessage"], "bad input");
    assert!(error["trace"].is_array());
    runners.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_missing_module_fails_with_the_init_error() {
    let runners = runners();
    let dir = code_dir(&[("other.js", "")]);
    let spec = FunctionSpec::new(
        &format!("node-init-{}", &uuid()[..8]),
        "nodejs20.x",
        "index.handler",
        &dir,
    );
    let (kind, error) = function_error(call(&runners, &spec, json!({})).await);
    assert_eq!(kind, "Unhandled");
    assert_eq!(error["errorType"], "Runtime.ImportModuleError", "{error}");
    runners.shutdown().await;
}

const BOOTSTRAP: &str = r#"#!/bin/bash
set -euo pipefail
api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
  headers=$(mktemp)
  event=$(curl -sS -D "$headers" "$api/invocation/next")
  id=$(grep -i '^lambda-runtime-aws-request-id:' "$headers" | cut -d: -f2 | tr -d '[:space:]')
  rm -f "$headers"
  curl -sS -o /dev/null -X POST "$api/invocation/$id/response" -d "{\"echo\":$event,\"fn\":\"$AWS_LAMBDA_FUNCTION_NAME\"}"
done
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provided_bootstrap_answers() {
    let runners = runners();
    let dir = code_dir(&[("bootstrap", BOOTSTRAP)]);
    let spec = FunctionSpec::new(&format!("sh-{}", &uuid()[..8]), "provided.al2023", "unused", &dir);
    runners.check(&spec).unwrap();
    let answer = success(call(&runners, &spec, json!({"x": true})).await);
    assert_eq!(answer, json!({"echo": {"x": true}, "fn": spec.name}));
    runners.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_names_what_is_missing() {
    let runners = runners();
    let empty = code_dir(&[]);
    let python = FunctionSpec::new("p", "python3.12", "app.handler", &empty);
    runners.check(&python).unwrap();
    let node = FunctionSpec::new("n", "nodejs20.x", "index.handler", &empty);
    runners.check(&node).unwrap();
    let provided = FunctionSpec::new("b", "provided.al2023", "x", &empty);
    let why = runners.check(&provided).unwrap_err();
    assert!(why.contains("bootstrap"), "{why}");
    match runners.invoke(provided, Invocation::new("{}")).await {
        Err(RunError::RuntimeMissing(text)) => assert_eq!(text, why),
        other => panic!("expected RuntimeMissing, got {other:?}"),
    }
    let java = FunctionSpec::new("j", "java21", "x", &empty);
    assert!(runners.check(&java).unwrap_err().contains("java21"));
    assert_eq!(runners.check_async(&java).await, runners.check(&java));
    let remote = FunctionSpec {
        target: Target::Rie {
            url: "http://127.0.0.1:9".to_owned(),
        },
        ..java
    };
    runners.check(&remote).unwrap();
}

/// A Lambda-like server: serves Invoke (and the RIE's path) by running local functions.
#[derive(Clone)]
struct FakeLambda {
    local: Runners,
    functions: Arc<Vec<FunctionSpec>>,
    authorizations: Arc<Mutex<Vec<String>>>,
    in_flight: Arc<AtomicUsize>,
    most_in_flight: Arc<AtomicUsize>,
    /// Answer function errors the RIE's way: 200 without `X-Amz-Function-Error`.
    rie_style: bool,
}

impl FakeLambda {
    fn new(functions: Vec<FunctionSpec>, rie_style: bool) -> FakeLambda {
        FakeLambda {
            local: runners(),
            functions: Arc::new(functions),
            authorizations: Arc::default(),
            in_flight: Arc::default(),
            most_in_flight: Arc::default(),
            rie_style,
        }
    }

    async fn serve(&self) -> String {
        let app = Router::new()
            .route("/2015-03-31/functions/{name}/invocations", post(invoke))
            .with_state(self.clone());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        url
    }
}

async fn invoke(State(fake): State<FakeLambda>, Path(name): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(auth) = headers.get("authorization") {
        fake.authorizations
            .lock()
            .unwrap()
            .push(auth.to_str().unwrap().to_owned());
    }
    let now = fake.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    fake.most_in_flight.fetch_max(now, Ordering::SeqCst);
    // The RIE's path names its only function "function".
    let spec = if name == "function" {
        &fake.functions[0]
    } else {
        match fake.functions.iter().find(|f| f.name == name) {
            Some(spec) => spec,
            None => {
                fake.in_flight.fetch_sub(1, Ordering::SeqCst);
                let body = json!({"Type": "User", "Message": format!("Function not found: {name}")});
                return (
                    StatusCode::NOT_FOUND,
                    [(
                        "x-amzn-errortype",
                        "ResourceNotFoundException:http://internal.amazon.com/",
                    )],
                    body.to_string(),
                )
                    .into_response();
            }
        }
    };
    let mut invocation = Invocation::new(body);
    if let Some(context) = headers.get("x-amz-client-context") {
        invocation.client_context = Some(context.to_str().unwrap().to_owned());
    }
    invocation.log_tail = headers.get("x-amz-log-type").is_some_and(|v| v == "Tail");
    let ran = fake.local.run(spec.clone(), invocation).await;
    fake.in_flight.fetch_sub(1, Ordering::SeqCst);
    let (outcome, log) = match ran {
        Ok(ran) => (ran.outcome, ran.log_result),
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    };
    let mut response = match outcome {
        Outcome::Success(body) => body.into_response(),
        Outcome::FunctionError { payload, .. } if fake.rie_style => payload.into_response(),
        Outcome::FunctionError { kind, payload } => ([("x-amz-function-error", kind)], payload).into_response(),
    };
    if let Some(log) = log {
        response.headers_mut().insert("x-amz-log-result", log.parse().unwrap());
    }
    response
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoint_backend_signs_and_maps_function_errors() {
    let echo = python("app.echo");
    let fail = python("app.fail");
    let fake = FakeLambda::new(vec![echo.clone(), fail.clone()], false);
    let url = fake.serve().await;
    let front = runners();
    let remote = |local: &FunctionSpec| {
        let mut spec = FunctionSpec::new(&local.name, "python3.12", "unused", "/nonexistent");
        spec.region = "eu-central-1".to_owned();
        spec.target = Target::Endpoint {
            url: url.clone(),
            function: local.name.clone(),
        };
        spec
    };
    let event = json!({"through": "the endpoint"});
    assert_eq!(success(call(&front, &remote(&echo), event.clone()).await), event);
    // The other side's log tail and the Invoke's own errors come through as they are.
    let mut invocation = Invocation::new("{}");
    invocation.log_tail = true;
    let ran = front.run(remote(&echo), invocation).await.unwrap();
    assert!(ran.log_result.is_some_and(|log| !log.is_empty()));
    let missing = FunctionSpec {
        target: Target::Endpoint {
            url: url.clone(),
            function: "missing".to_owned(),
        },
        ..remote(&echo)
    };
    assert_eq!(
        front.invoke(missing, Invocation::new("{}")).await,
        Err(RunError::Remote {
            status: 404,
            code: "ResourceNotFoundException".to_owned(),
            message: "Function not found: missing".to_owned(),
            error_type: Some("User".to_owned()),
        })
    );
    let (kind, error) = function_error(call(&front, &remote(&fail), json!({})).await);
    assert_eq!(kind, "Unhandled");
    assert_eq!(error["errorType"], "ValueError");
    let authorizations = fake.authorizations.lock().unwrap().clone();
    assert_eq!(authorizations.len(), 4);
    for auth in authorizations {
        assert!(
            auth.starts_with("AWS4-HMAC-SHA256 Credential=test/") && auth.contains("/eu-central-1/lambda/aws4_request"),
            "{auth}"
        );
    }
    fake.local.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rie_backend_serializes_calls_and_reads_errors() {
    let mut slow = python("app.pid");
    slow.timeout = Duration::from_secs(5);
    let fake = FakeLambda::new(vec![slow], true);
    let url = fake.serve().await;
    let front = runners();
    let mut spec = FunctionSpec::new("rie-fn", "python3.12", "unused", "/nonexistent");
    spec.target = Target::Rie { url: url.clone() };
    let (a, b) = tokio::join!(
        call(&front, &spec, json!({"sleep": 0.5})),
        call(&front, &spec, json!({"sleep": 0.5}))
    );
    success(a);
    success(b);
    assert_eq!(
        fake.most_in_flight.load(Ordering::SeqCst),
        1,
        "RIE calls must not overlap"
    );

    let fails = FakeLambda::new(vec![python("app.fail")], true);
    let url = fails.serve().await;
    spec.target = Target::Rie { url };
    let (kind, error) = function_error(call(&front, &spec, json!({})).await);
    assert_eq!(kind, "Unhandled");
    assert_eq!(error["errorMessage"], "boom");
    fake.local.shutdown().await;
    fails.local.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_beyond_the_concurrency_limit_wait_then_are_refused() {
    let runners = Runners::new(RunnerConfig {
        max_concurrency_per_function: 1,
        queue_wait: Duration::from_millis(300),
        ..RunnerConfig::default()
    });
    let spec = python("app.pid");
    let (slow, refused) = tokio::join!(
        runners.invoke(spec.clone(), Invocation::new(json!({"sleep": 1.5}).to_string())),
        async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            runners.invoke(spec.clone(), Invocation::new("{}")).await
        }
    );
    success(slow.unwrap());
    assert_eq!(refused, Err(RunError::TooManyRequests));
    success(call(&runners, &spec, json!({})).await);
    runners.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_also_kills_what_the_handler_started() {
    let runners = runners();
    let dir = code_dir(&[(
        "app.py",
        "import subprocess, time\n\
         def handler(event, context):\n    subprocess.Popen(['sleep', '7777.25'])\n    time.sleep(5)\n",
    )]);
    let mut spec = FunctionSpec::new(&format!("group-{}", &uuid()[..8]), "python3.12", "app.handler", &dir);
    spec.timeout = Duration::from_secs(1);
    function_error(call(&runners, &spec, json!({})).await);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let left = std::process::Command::new("pgrep")
        .args(["-f", "sleep 7777.25"])
        .output()
        .unwrap();
    assert!(!left.status.success(), "the handler's child survived its timeout");
    runners.shutdown().await;
}

/// A `MakeWriter` into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

// The global subscriber (this test is the only one setting it): a thread's default one
// races with the callsite interest cached by the other tests' threads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn printed_lines_go_to_the_log_with_function_and_request() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(captured.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();
    let runners = runners();
    let dir = code_dir(&[(
        "app.py",
        "import sys\ndef handler(event, context):\n    print('to stdout', event['n'])\n    print('to stderr', file=sys.stderr)\n    return 0\n",
    )]);
    let spec = FunctionSpec::new(&format!("logs-{}", &uuid()[..8]), "python3.12", "app.handler", &dir);
    let invocation = Invocation::new(json!({"n": 7}).to_string());
    let request_id = invocation.request_id.clone();
    success(runners.invoke(spec.clone(), invocation).await.unwrap());
    // The lines travel through pipes: give them a moment.
    for _ in 0..50 {
        let text = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
        if text.contains("to stdout 7") && text.contains("to stderr") {
            let line = text.lines().find(|l| l.contains("to stdout 7")).unwrap();
            assert!(line.contains("portico::function"), "{line}");
            assert!(line.contains(&spec.name), "{line}");
            assert!(line.contains(&request_id), "{line}");
            runners.shutdown().await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "lines not logged: {}",
        String::from_utf8_lossy(&captured.0.lock().unwrap())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_missing_module_and_syntax_errors_are_lambdas() {
    let runners = runners();
    let dir = code_dir(&[("bad.py", "def handler(event, context)\n    return 1\n")]);
    let missing = FunctionSpec::new(
        &format!("py-missing-{}", &uuid()[..8]),
        "python3.12",
        "nothere.handler",
        &dir,
    );
    let (_, error) = function_error(call(&runners, &missing, json!({})).await);
    assert_eq!(error["errorType"], "Runtime.ImportModuleError", "{error}");
    let syntax = FunctionSpec::new(
        &format!("py-syntax-{}", &uuid()[..8]),
        "python3.12",
        "bad.handler",
        &dir,
    );
    let (_, error) = function_error(call(&runners, &syntax, json!({})).await);
    assert_eq!(error["errorType"], "Runtime.UserCodeSyntaxError", "{error}");
    runners.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bootstrap_exiting_at_start_is_a_runtime_exit_error() {
    let runners = runners();
    let dir = code_dir(&[("bootstrap", "#!/bin/sh\necho starting\nexit 3\n")]);
    let spec = FunctionSpec::new(&format!("sh-exit-{}", &uuid()[..8]), "provided.al2", "x", &dir);
    let invocation = Invocation::new("{}");
    let request_id = invocation.request_id.clone();
    let (_, error) = function_error(runners.invoke(spec.clone(), invocation).await.unwrap());
    assert_eq!(error["errorType"], "Runtime.ExitError");
    assert_eq!(
        error["errorMessage"],
        format!("RequestId: {request_id} Error: Runtime exited with error: exit status 3")
    );
    runners.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_esm_and_callback_handlers_answer() {
    let runners = runners();
    let dir = code_dir(&[
        (
            "esm.mjs",
            "export const handler = async (event) => ({ esm: event.v });\n",
        ),
        (
            "cb.js",
            "exports.handler = (event, context, callback) => { setTimeout(() => callback(null, { cb: event.v }), 10); };\n",
        ),
    ]);
    let esm = FunctionSpec::new(&format!("node-esm-{}", &uuid()[..8]), "nodejs22.x", "esm.handler", &dir);
    assert_eq!(success(call(&runners, &esm, json!({"v": 1})).await), json!({"esm": 1}));
    let cb = FunctionSpec::new(&format!("node-cb-{}", &uuid()[..8]), "nodejs20.x", "cb.handler", &dir);
    assert_eq!(success(call(&runners, &cb, json!({"v": 2})).await), json!({"cb": 2}));
    runners.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_stops_busy_processes_too() {
    let runners = runners();
    let mut spec = python("app.pid");
    spec.timeout = Duration::from_secs(30);
    let busy = {
        let runners = runners.clone();
        let spec = spec.clone();
        tokio::spawn(async move {
            runners
                .invoke(spec.clone(), Invocation::new(json!({"sleep": 20}).to_string()))
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let started = std::time::Instant::now();
    runners.shutdown().await;
    let outcome = tokio::time::timeout(Duration::from_secs(5), busy)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let (_, error) = function_error(outcome);
    assert_eq!(error["errorType"], "Runtime.ExitError");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_context_carries_the_invocations_headers() {
    use base64::Engine;
    let runners = runners();
    let dir = code_dir(&[(
        "ctx.js",
        "exports.handler = async (event, c) => ({ cc: c.clientContext, who: c.identity, arn: c.invokedFunctionArn, \
         id: c.awsRequestId, left: c.getRemainingTimeInMillis(), trace: process.env._X_AMZN_TRACE_ID });\n",
    )]);
    let spec = FunctionSpec::new(&format!("node-ctx-{}", &uuid()[..8]), "nodejs20.x", "ctx.handler", &dir);
    let mut invocation = Invocation::new("{}");
    invocation.client_context = Some(base64::engine::general_purpose::STANDARD.encode(r#"{"custom":{"a":1}}"#));
    invocation.cognito_identity = Some(r#"{"cognitoIdentityId":"id-1"}"#.to_owned());
    invocation.trace_id = Some("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1".to_owned());
    let request_id = invocation.request_id.clone();
    let answer = success(runners.invoke(spec.clone(), invocation).await.unwrap());
    assert_eq!(answer["cc"], json!({"custom": {"a": 1}}));
    assert_eq!(answer["who"], json!({"cognitoIdentityId": "id-1"}));
    assert_eq!(answer["arn"], spec.arn.as_str());
    assert_eq!(answer["id"], request_id.as_str());
    let left = answer["left"].as_u64().unwrap();
    assert!(left > 1000 && left <= 3000, "{left}");
    assert_eq!(answer["trace"], "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1");
    runners.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_tail_has_lambdas_lines_around_what_the_handler_printed() {
    use base64::Engine;
    let runners = runners();
    let dir = code_dir(&[(
        "app.py",
        "import sys\ndef handler(event, context):\n    print('hello from', event['n'])\n    print('x' * event.get('long', 0))\n    return 0\n",
    )]);
    let spec = FunctionSpec::new(&format!("tail-{}", &uuid()[..8]), "python3.12", "app.handler", &dir);
    let log = |ran: portico_functions::Ran| {
        let text = ran.log_result.expect("a log tail");
        String::from_utf8(base64::engine::general_purpose::STANDARD.decode(text).unwrap()).unwrap()
    };
    let mut invocation = Invocation::new(json!({"n": 1}).to_string());
    invocation.log_tail = true;
    let id = invocation.request_id.clone();
    let text = log(runners.run(spec.clone(), invocation).await.unwrap());
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], format!("START RequestId: {id} Version: $LATEST"), "{text}");
    assert!(lines.contains(&"hello from 1"), "{text}");
    assert_eq!(lines[lines.len() - 2], format!("END RequestId: {id}"), "{text}");
    let report = lines[lines.len() - 1];
    assert!(
        report.starts_with(&format!("REPORT RequestId: {id}\tDuration: ")),
        "{report}"
    );
    assert!(report.contains("\tMemory Size: 128 MB\tMax Memory Used: "), "{report}");
    assert!(
        report.contains("\tInit Duration: "),
        "a cold start reports its init: {report}"
    );

    // A warm call: no init; only what this call printed; the last 4 KB of a long log.
    let mut invocation = Invocation::new(json!({"n": 2, "long": 5000}).to_string());
    invocation.log_tail = true;
    let text = log(runners.run(spec.clone(), invocation).await.unwrap());
    assert_eq!(text.len(), 4096);
    assert!(
        !text.contains("hello from 1") && !text.contains("Init Duration"),
        "{text}"
    );
    assert!(text.ends_with(" MB\t\n"), "{text}");

    // Not asked for: none.
    let ran = runners
        .run(spec.clone(), Invocation::new(json!({"n": 3}).to_string()))
        .await
        .unwrap();
    assert_eq!(ran.log_result, None);
    runners.shutdown().await;
}
