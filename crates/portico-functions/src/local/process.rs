//! One warm runtime process and the Lambda Runtime API it talks to: its own listener, so a
//! request on it can only come from this process.

use super::launch::{Launch, Signature};
use crate::lambda::{self, RESPONSE_LIMIT};
use crate::{FunctionSpec, Invocation, Outcome, RunError};
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use bytes::Bytes;
use std::collections::BTreeMap;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::AbortHandle;
use tokio::time::Instant;

/// Lambda's budget for a runtime's start (the init phase), before the call's own timeout.
const INIT_BUDGET: Duration = Duration::from_secs(10);

/// An outcome, and whether the process may serve again.
type Finished = (Outcome, bool);

struct Assigned {
    invocation: Invocation,
    timeout: Duration,
    result: oneshot::Sender<Finished>,
    picked: oneshot::Sender<()>,
}

struct Current {
    request_id: String,
    result: oneshot::Sender<Finished>,
}

#[derive(Default)]
struct Progress {
    current: Option<Current>,
    /// The request id printed lines belong to (the last one handed out).
    log_request_id: String,
    init_error: Option<Bytes>,
    /// What the process printed since [`Process::begin`], for `LogType: Tail`.
    captured: Option<Vec<u8>>,
    /// When the last line was printed.
    last_output: Option<Instant>,
    /// When the runtime took the current call (`/next`).
    picked_at: Option<Instant>,
    /// From start to the first `/next` (Lambda's `Init Duration`), until reported.
    init_duration: Option<Duration>,
    initialised: bool,
}

/// What is kept of the captured output: more than the tail, for the lines Lambda adds.
const CAPTURE_KEEP: usize = 2 * lambda::LOG_TAIL;

/// How long the output must stay quiet after a call before its log is read, and how long
/// to wait for that at most: lines come through pipes that may not be read yet when the
/// answer arrives.
const SETTLE_QUIET: Duration = Duration::from_millis(25);
const SETTLE_MAX: Duration = Duration::from_millis(300);

struct Shared {
    spawned: Instant,
    function: String,
    arn: String,
    next: tokio::sync::Mutex<mpsc::Receiver<Assigned>>,
    state: Mutex<Progress>,
    kill: watch::Sender<bool>,
}

impl Shared {
    fn state(&self) -> std::sync::MutexGuard<'_, Progress> {
        self.state.lock().expect("runtime state lock")
    }
}

/// A running runtime. Dropping it kills the child.
pub(crate) struct Process {
    pub(crate) pid: u32,
    pub(crate) revision: String,
    pub(crate) signature: Option<Signature>,
    assign: mpsc::Sender<Assigned>,
    shared: Arc<Shared>,
    exit: watch::Receiver<Option<Option<ExitStatus>>>,
    server: AbortHandle,
}

impl Drop for Process {
    fn drop(&mut self) {
        self.shared.kill.send_replace(true);
        self.server.abort();
    }
}

impl Process {
    pub(crate) async fn spawn(
        spec: &FunctionSpec,
        launch: &Launch,
        environment: impl FnOnce(&str) -> BTreeMap<String, String>,
        signature: Option<Signature>,
    ) -> Result<Process, RunError> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| RunError::Backend(format!("cannot listen for the Runtime API: {e}")))?;
        let port = listener
            .local_addr()
            .map_err(|e| RunError::Backend(e.to_string()))?
            .port();
        let (assign, next) = mpsc::channel(1);
        let (kill, mut killed) = watch::channel(false);
        let shared = Arc::new(Shared {
            spawned: Instant::now(),
            function: spec.name.clone(),
            arn: spec.arn.clone(),
            next: tokio::sync::Mutex::new(next),
            state: Mutex::new(Progress::default()),
            kill,
        });
        let app = router(shared.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        })
        .abort_handle();

        let mut command = launch.command(spec);
        command
            .env_clear()
            .envs(environment(&format!("127.0.0.1:{port}")))
            .current_dir(&spec.code_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group, so a kill also reaches what the handler started.
            .process_group(0)
            .kill_on_drop(true);
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(e) => {
                server.abort();
                return Err(RunError::Backend(format!(
                    "cannot start the {} runtime of {}: {e}",
                    spec.runtime, spec.name
                )));
            }
        };
        let pid = child.id().unwrap_or(0);
        if let Some(out) = child.stdout.take() {
            tokio::spawn(forward_lines(out, shared.clone()));
        }
        if let Some(err) = child.stderr.take() {
            tokio::spawn(forward_lines(err, shared.clone()));
        }
        let (exited, exit) = watch::channel(None);
        tokio::spawn(async move {
            let status = tokio::select! {
                status = child.wait() => status.ok(),
                // Asked to stop, or the Process is gone.
                _ = async { drop(killed.wait_for(|k| *k).await) } => {
                    // Before the leader is reaped, so the group id cannot be reused yet.
                    if pid != 0 {
                        let _ = tokio::process::Command::new("kill")
                            .args(["-KILL", "--", &format!("-{pid}")])
                            .stderr(Stdio::null())
                            .status()
                            .await;
                    }
                    let _ = child.kill().await;
                    child.wait().await.ok()
                }
            };
            exited.send_replace(Some(status));
        });
        Ok(Process {
            pid,
            revision: spec.revision.clone(),
            signature,
            assign,
            shared,
            exit,
            server,
        })
    }

    pub(crate) fn has_exited(&self) -> bool {
        self.exit.borrow().is_some()
    }

    /// Before a call: forgets the last call's timing and, with `capture`, keeps what the
    /// process prints from now on, for [`Process::captured`].
    pub(crate) fn begin(&self, capture: bool) {
        let mut state = self.shared.state();
        state.picked_at = None;
        state.captured = capture.then(Vec::new);
    }

    /// What was printed since [`Process::begin`], once the output has settled.
    pub(crate) async fn captured(&self) -> Vec<u8> {
        let give_up = Instant::now() + SETTLE_MAX;
        tokio::time::sleep(SETTLE_QUIET).await;
        loop {
            let last = self.shared.state().last_output;
            match last {
                Some(at) if at.elapsed() < SETTLE_QUIET && Instant::now() < give_up && !self.has_exited() => {
                    tokio::time::sleep(SETTLE_QUIET.saturating_sub(at.elapsed())).await;
                }
                _ => break,
            }
        }
        self.shared.state().captured.take().unwrap_or_default()
    }

    /// How long the handler ran (from `/next`), if the runtime took the call.
    pub(crate) fn handler_duration(&self) -> Option<Duration> {
        self.shared.state().picked_at.map(|at| at.elapsed())
    }

    /// The process's init duration, on its first call only.
    pub(crate) fn take_init_duration(&self) -> Option<Duration> {
        self.shared.state().init_duration.take()
    }

    /// The process's peak resident memory in MB (Lambda's `Max Memory Used`), where `/proc`
    /// tells it.
    pub(crate) fn max_memory_mb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap_or_default();
        let kb: u64 = status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0);
        kb.div_ceil(1024)
    }

    fn kill(&self) {
        self.shared.kill.send_replace(true);
    }

    /// A handle that can stop the process while someone else holds it.
    pub(crate) fn handle(&self) -> Handle {
        Handle {
            shared: self.shared.clone(),
            exit: self.exit.clone(),
        }
    }

    /// Runs one invocation; `Ok((outcome, reusable))`.
    pub(crate) async fn run(&self, invocation: Invocation, timeout: Duration) -> Result<Finished, RunError> {
        let request_id = invocation.request_id.clone();
        let (result, mut answer) = oneshot::channel();
        let (picked, was_picked) = oneshot::channel();
        let assigned = Assigned {
            invocation,
            timeout,
            result,
            picked,
        };
        if self.assign.send(assigned).await.is_err() {
            return Ok(self.exited(&request_id).await);
        }
        // Until the runtime asks for the call it is starting up: Lambda's init budget.
        let started = tokio::select! {
            biased;
            finished = &mut answer => return self.finish(finished),
            picked = was_picked => picked.is_ok(),
            _ = wait_exit(self.exit.clone()) => false,
            _ = tokio::time::sleep(INIT_BUDGET + timeout) => {
                self.kill();
                return Ok(timed_out(&request_id, timeout));
            }
        };
        if !started {
            if let Ok(finished) = answer.try_recv() {
                return self.finish(Ok(finished));
            }
            return Ok(self.exited(&request_id).await);
        }
        let deadline = Instant::now() + timeout;
        tokio::select! {
            biased;
            finished = &mut answer => self.finish(finished),
            _ = wait_exit(self.exit.clone()) => {
                match answer.try_recv() {
                    Ok(finished) => self.finish(Ok(finished)),
                    Err(_) => Ok(self.exited(&request_id).await),
                }
            }
            _ = tokio::time::sleep_until(deadline) => {
                self.kill();
                Ok(timed_out(&request_id, timeout))
            }
        }
    }

    fn finish(&self, finished: Result<Finished, oneshot::error::RecvError>) -> Result<Finished, RunError> {
        finished.map_err(|_| {
            self.kill();
            RunError::Backend(format!(
                "the runtime of {} asked for another invocation without answering this one",
                self.shared.function
            ))
        })
    }

    /// The runtime ended mid-call: its init error if it reported one, else Lambda's
    /// `Runtime.ExitError`.
    async fn exited(&self, request_id: &str) -> Finished {
        let status = wait_exit(self.exit.clone()).await;
        let payload = match self.shared.state().init_error.clone() {
            Some(init_error) => init_error,
            None => lambda::exit_payload(request_id, status),
        };
        (unhandled(payload), false)
    }
}

#[derive(Clone)]
pub(crate) struct Handle {
    shared: Arc<Shared>,
    exit: watch::Receiver<Option<Option<ExitStatus>>>,
}

impl Handle {
    pub(crate) fn kill(&self) {
        self.shared.kill.send_replace(true);
    }

    pub(crate) async fn exited(self) {
        wait_exit(self.exit).await;
    }
}

fn timed_out(request_id: &str, timeout: Duration) -> Finished {
    (unhandled(lambda::timeout_payload(request_id, timeout)), false)
}

fn unhandled(payload: Bytes) -> Outcome {
    Outcome::FunctionError {
        kind: "Unhandled".to_owned(),
        payload,
    }
}

async fn wait_exit(mut exit: watch::Receiver<Option<Option<ExitStatus>>>) -> Option<ExitStatus> {
    match exit.wait_for(Option::is_some).await {
        Ok(status) => status.flatten(),
        Err(_) => None,
    }
}

/// Each line the child prints, to the log with its function and request.
async fn forward_lines(stream: impl AsyncRead + Unpin, shared: Arc<Shared>) {
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\n', '\r']);
        let request_id = {
            let mut state = shared.state();
            state.last_output = Some(Instant::now());
            if let Some(captured) = state.captured.as_mut() {
                captured.extend_from_slice(text.as_bytes());
                captured.push(b'\n');
                if captured.len() > 2 * CAPTURE_KEEP {
                    captured.drain(..captured.len() - CAPTURE_KEEP);
                }
            }
            state.log_request_id.clone()
        };
        tracing::info!(target: "portico::function", function = %shared.function, request_id = %request_id, "{text}");
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route("/2018-06-01/runtime/invocation/{id}/response", post(respond))
        .route("/2018-06-01/runtime/invocation/{id}/error", post(fail))
        .route("/2018-06-01/runtime/init/error", post(init_error))
        // Over-large answers are read and refused with Lambda's error, not cut off.
        .layer(DefaultBodyLimit::max(4 * RESPONSE_LIMIT))
        .with_state(shared)
}

async fn next(State(shared): State<Arc<Shared>>) -> Response {
    let assigned = {
        let mut queue = shared.next.lock().await;
        queue.recv().await
    };
    let Some(assigned) = assigned else {
        return StatusCode::GONE.into_response();
    };
    let invocation = assigned.invocation;
    let mut headers = HeaderMap::new();
    let mut put = |name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    };
    put("content-type", "application/json");
    put("lambda-runtime-aws-request-id", &invocation.request_id);
    put(
        "lambda-runtime-deadline-ms",
        &lambda::deadline_ms(assigned.timeout).to_string(),
    );
    put("lambda-runtime-invoked-function-arn", &shared.arn);
    // Always one: awslambdaric 4.2.2 crashes without it.
    let trace = invocation.trace_id.clone().unwrap_or_else(lambda::trace_id);
    put("lambda-runtime-trace-id", &trace);
    if let Some(context) = &invocation.client_context {
        // The invoke API takes base64; runtimes get the JSON itself.
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(context)
            .ok()
            .and_then(|raw| String::from_utf8(raw).ok());
        put("lambda-runtime-client-context", decoded.as_deref().unwrap_or(context));
    }
    if let Some(identity) = &invocation.cognito_identity {
        put("lambda-runtime-cognito-identity", identity);
    }
    {
        let mut state = shared.state();
        if !state.initialised {
            state.initialised = true;
            state.init_duration = Some(shared.spawned.elapsed());
        }
        state.picked_at = Some(Instant::now());
        state.log_request_id = invocation.request_id.clone();
        state.current = Some(Current {
            request_id: invocation.request_id.clone(),
            result: assigned.result,
        });
    }
    let _ = assigned.picked.send(());
    // Lambda hands an Invoke without payload to the function as `{}`.
    let payload = if invocation.payload.is_empty() {
        Bytes::from_static(b"{}")
    } else {
        invocation.payload
    };
    (StatusCode::OK, headers, payload).into_response()
}

fn accepted() -> Response {
    (
        StatusCode::ACCEPTED,
        [("content-type", "application/json")],
        r#"{"status":"OK"}"#,
    )
        .into_response()
}

fn runtime_error(status: StatusCode, kind: &str, message: &str) -> Response {
    let body = serde_json::json!({ "errorType": kind, "errorMessage": message }).to_string();
    (status, [("content-type", "application/json")], body).into_response()
}

/// Takes the current invocation if `id` is it.
fn take_current(shared: &Shared, id: &str) -> Option<oneshot::Sender<Finished>> {
    let mut state = shared.state();
    match &state.current {
        Some(current) if current.request_id == id => state.current.take().map(|c| c.result),
        _ => None,
    }
}

fn unknown_id(id: &str) -> Response {
    runtime_error(
        StatusCode::BAD_REQUEST,
        "InvalidRequestID",
        &format!("Invalid request ID: {id}"),
    )
}

async fn respond(State(shared): State<Arc<Shared>>, Path(id): Path<String>, body: Bytes) -> Response {
    let Some(result) = take_current(&shared, &id) else {
        return unknown_id(&id);
    };
    if body.len() > RESPONSE_LIMIT {
        let _ = result.send((unhandled(lambda::too_large_payload(body.len())), true));
        return runtime_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            &format!("Exceeded maximum allowed payload size ({RESPONSE_LIMIT} bytes)."),
        );
    }
    let _ = result.send((Outcome::Success(body), true));
    accepted()
}

async fn fail(State(shared): State<Arc<Shared>>, Path(id): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(result) = take_current(&shared, &id) else {
        return unknown_id(&id);
    };
    // The header carries the error's type; Lambda reports every such error as "Unhandled".
    let handled = headers
        .get("lambda-runtime-function-error-type")
        .is_some_and(|v| v == "Handled");
    let kind = if handled { "Handled" } else { "Unhandled" };
    let outcome = Outcome::FunctionError {
        kind: kind.to_owned(),
        payload: body,
    };
    let _ = result.send((outcome, true));
    accepted()
}

/// The runtime could not start: the pending call fails with its error, and the process is
/// stopped, as Lambda resets the sandbox.
async fn init_error(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let pending = {
        let mut state = shared.state();
        state.init_error = Some(body.clone());
        state.current.take().map(|c| c.result)
    };
    let pending = match pending {
        Some(result) => Some(result),
        None => match shared.next.try_lock() {
            Ok(mut queue) => queue.try_recv().ok().map(|a| a.result),
            Err(_) => None,
        },
    };
    if let Some(result) = pending {
        let _ = result.send((unhandled(body), false));
    }
    shared.kill.send_replace(true);
    accepted()
}
