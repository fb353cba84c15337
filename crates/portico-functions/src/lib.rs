//! Function runners: what executes users' Lambda handlers for Portico's Lambda emulation.
//!
//! The Lambda control plane builds a [`FunctionSpec`] (code unpacked, configuration) and
//! API Gateway's `AWS_PROXY` integration calls [`Runners::invoke`]; this crate only runs
//! code. Three backends sit behind one internal seam, the [`Backend`] trait, chosen by
//! [`FunctionSpec::target`]:
//!
//! - [`Target::Local`] (default): warm child processes on this machine. Each process gets
//!   its own listener on `127.0.0.1:0` serving the Lambda Runtime API
//!   (`/2018-06-01/runtime/...`), so the runtime inside speaks to Portico exactly as it
//!   would to Lambda. `python3.x` runs PyPI's `awslambdaric`, `nodejs*` runs a small
//!   Runtime API client shipped in this crate (plain Node, no npm packages), `provided*`
//!   runs the function's own `bootstrap`. Processes are reused, started on demand up to
//!   [`RunnerConfig::max_concurrency_per_function`], killed on timeout, replaced when they
//!   exit, and retired when the function's revision changes or, with hot reload, when a
//!   file under the code folder changes. Every line a child prints goes to `tracing`
//!   (target `portico::function`) with the function name and request id.
//! - [`Target::Endpoint`]: another Lambda API (real AWS, `sam local start-lambda`, another
//!   Portico, ...): a SigV4-signed `Invoke`.
//! - [`Target::Rie`]: a Runtime Interface Emulator container; it serves one call at a
//!   time, so calls to one URL are queued.
//!
//! Results are Lambda's: [`Outcome::Success`] with the handler's payload, or
//! [`Outcome::FunctionError`] with the error document Lambda would return (handler errors
//! as the runtime reported them, `Task timed out after N.NN seconds`, `Runtime.ExitError`,
//! init errors). [`RunError`] is for failures of the runner itself, and for the AWS errors
//! another endpoint answers. [`Runners::run`] also gives the call's log tail
//! ([`Invocation::log_tail`], Invoke's `LogType: Tail`): the local backend's own
//! `START`/`END`/`REPORT` lines around what the handler printed; the others' header as
//! they sent it.
//!
//! Choices worth knowing:
//! - A call finding all of a function version's processes busy, with
//!   `max_concurrency_per_function` already running, queues (first come, first served) for
//!   up to [`RunnerConfig::queue_wait`] (10 s by default), then fails with
//!   [`RunError::TooManyRequests`].
//! - The timeout clock starts when the runtime takes the call (`/invocation/next`); a
//!   starting process has Lambda's 10 s init budget on top. A timed-out process is killed
//!   with its whole process group, as is anything it started.
//! - A call runs on a task of its own: dropping the future of [`Runners::invoke`] (a client
//!   hanging up) leaves it running to its end, and its process warm. Only a backend's own
//!   future, dropped (at shutdown), kills the process serving it.
//! - Node errors carry `trace` (the Node runtime's field), Python's `stackTrace` and
//!   `requestId` (awslambdaric's own document, passed through).
//! - The RIE flags no function error: an answer that is only Lambda's error document
//!   (`errorMessage` and the usual fields) is taken for one.
//! - Memory size is passed to the runtime, not enforced.
//! - For `LogType: Tail` the answer waits until the process's output has been quiet for 25 ms
//!   (300 ms at most): printed lines travel through pipes and may trail the answer.

mod endpoint;
mod lambda;
mod local;
mod sigv4;

use bytes::Bytes;
use portico_http::HttpClient;
use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

pub use lambda::{log_stream_name, timeout_payload, trace_id};

/// Everything a runner needs to run one function (built by the Lambda control plane).
#[derive(Debug, Clone)]
pub struct FunctionSpec {
    pub name: String,
    /// `arn:aws:lambda:{region}:{account}:function:{name}`
    pub arn: String,
    /// `$LATEST`, `1`, ...
    pub version: String,
    /// `python3.12`, `nodejs20.x`, `provided.al2023`, ...
    pub runtime: String,
    /// `app.handler` (unused for `provided*`).
    pub handler: String,
    /// The unpacked code (`LAMBDA_TASK_ROOT`).
    pub code_dir: PathBuf,
    pub memory_mb: u32,
    pub timeout: Duration,
    /// The function's own variables; they win over the ones Lambda sets.
    pub environment: BTreeMap<String, String>,
    pub account: String,
    pub region: String,
    /// Changes when code or configuration changes: warm processes of another revision are
    /// retired.
    pub revision: String,
    /// `code_dir` is a user's folder: a change of any file under it retires warm processes.
    pub hot_reload: bool,
    pub target: Target,
}

impl FunctionSpec {
    /// A spec with Lambda's defaults (128 MB, 3 s, `$LATEST`, local target).
    pub fn new(name: &str, runtime: &str, handler: &str, code_dir: impl Into<PathBuf>) -> FunctionSpec {
        let (account, region) = ("000000000000", "us-east-1");
        FunctionSpec {
            name: name.to_owned(),
            arn: format!("arn:aws:lambda:{region}:{account}:function:{name}"),
            version: "$LATEST".to_owned(),
            runtime: runtime.to_owned(),
            handler: handler.to_owned(),
            code_dir: code_dir.into(),
            memory_mb: 128,
            timeout: Duration::from_secs(3),
            environment: BTreeMap::new(),
            account: account.to_owned(),
            region: region.to_owned(),
            revision: "1".to_owned(),
            hot_reload: false,
            target: Target::Local,
        }
    }
}

/// Which backend runs a function.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Target {
    #[default]
    Local,
    /// Another Lambda API, e.g. real AWS or `sam local start-lambda`: its base URL and the
    /// function's name there (a name or ARN, which may carry a qualifier).
    Endpoint { url: String, function: String },
    /// A Runtime Interface Emulator: base URL (e.g. `http://127.0.0.1:9000`).
    Rie { url: String },
}

/// One call.
#[derive(Debug, Clone, Default)]
pub struct Invocation {
    pub request_id: String,
    pub payload: Bytes,
    /// Base64 JSON, as in `X-Amz-Client-Context`.
    pub client_context: Option<String>,
    pub cognito_identity: Option<String>,
    /// `X-Amzn-Trace-Id`; one is made up when absent.
    pub trace_id: Option<String>,
    /// Invoke's `LogType: Tail`: the answer carries the call's log ([`Ran::log_result`]).
    pub log_tail: bool,
}

impl Invocation {
    /// A call with a fresh request id.
    pub fn new(payload: impl Into<Bytes>) -> Invocation {
        Invocation {
            request_id: uuid::Uuid::new_v4().to_string(),
            payload: payload.into(),
            ..Invocation::default()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Success(Bytes),
    /// Lambda's function error: the payload is `{"errorMessage","errorType",...}` exactly
    /// as Lambda returns it; `kind` is `X-Amz-Function-Error` ("Unhandled", or "Handled").
    FunctionError {
        kind: String,
        payload: Bytes,
    },
}

/// A call's outcome with what Invoke's answer carries beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ran {
    pub outcome: Outcome,
    /// `X-Amz-Log-Result`: the base64 of the log's last 4 KB, when the call asked for it
    /// and the backend has one.
    pub log_result: Option<String>,
    /// `X-Amz-Executed-Version`, when another endpoint named it.
    pub executed_version: Option<String>,
}

impl From<Outcome> for Ran {
    fn from(outcome: Outcome) -> Ran {
        Ran {
            outcome,
            log_result: None,
            executed_version: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunError {
    /// The runtime cannot run here; the text names what to install.
    RuntimeMissing(String),
    /// The runner failed (cannot start a process, the endpoint is unreachable, ...).
    Backend(String),
    /// All of the function's processes stayed busy for [`RunnerConfig::queue_wait`], or
    /// the endpoint answered 429.
    TooManyRequests,
    /// Another Lambda endpoint answered an AWS error (its status, `x-amzn-ErrorType` and
    /// message), to be passed on as it is: a function it does not have is its 404.
    Remote {
        status: u16,
        code: String,
        message: String,
        /// Lambda's `Type` member (`User`, `Service`), when it sent one.
        error_type: Option<String>,
    },
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::RuntimeMissing(what) => f.write_str(what),
            RunError::Backend(why) => write!(f, "function runner failed: {why}"),
            RunError::TooManyRequests => f.write_str("Rate Exceeded."),
            RunError::Remote { code, message, .. } => write!(f, "{code}: {message}"),
        }
    }
}

impl std::error::Error for RunError {}

#[derive(Debug, Clone)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl Default for Credentials {
    fn default() -> Self {
        Credentials {
            access_key_id: "test".to_owned(),
            secret_access_key: "test".to_owned(),
            session_token: None,
        }
    }
}

#[derive(Clone)]
pub struct RunnerConfig {
    /// Warm processes per function version; a call finding all busy waits.
    pub max_concurrency_per_function: usize,
    /// How long a call waits for a free process before `TooManyRequests`.
    pub queue_wait: Duration,
    /// `AWS_ENDPOINT_URL` given to handlers (Portico itself).
    pub endpoint_url_for_handlers: String,
    /// Given to handlers as `AWS_ACCESS_KEY_ID`...
    pub credentials: Credentials,
    /// Signs `Target::Endpoint` calls; `credentials` when `None`.
    pub endpoint_credentials: Option<Credentials>,
    /// The outbound client for `Endpoint` and `Rie`; a fresh `portico_http::Client` when
    /// `None`.
    pub http: Option<Arc<dyn HttpClient>>,
    /// Where the shipped runtime clients are written; a folder under the system's temp
    /// folder when `None`.
    pub work_dir: Option<PathBuf>,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        RunnerConfig {
            max_concurrency_per_function: 10,
            queue_wait: Duration::from_secs(10),
            endpoint_url_for_handlers: "http://127.0.0.1:4566".to_owned(),
            credentials: Credentials::default(),
            endpoint_credentials: None,
            http: None,
            work_dir: None,
        }
    }
}

impl fmt::Debug for RunnerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunnerConfig")
            .field("max_concurrency_per_function", &self.max_concurrency_per_function)
            .field("queue_wait", &self.queue_wait)
            .field("endpoint_url_for_handlers", &self.endpoint_url_for_handlers)
            .field("work_dir", &self.work_dir)
            .finish_non_exhaustive()
    }
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One way of running functions; [`Runners`] picks one per [`Target`].
pub trait Backend: Send + Sync + 'static {
    fn invoke<'a>(&'a self, spec: &'a FunctionSpec, invocation: Invocation) -> BoxFuture<'a, Result<Ran, RunError>>;

    /// Can this backend run the spec here? `Err` names what to install.
    fn check(&self, _spec: &FunctionSpec) -> Result<(), String> {
        Ok(())
    }

    /// Drops whatever is kept warm for the function (qualified or unqualified ARN).
    fn retire<'a>(&'a self, _function_arn: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }

    fn shutdown(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
}

/// The runners: one per server, cheap to clone.
#[derive(Clone)]
pub struct Runners {
    inner: Arc<Inner>,
}

struct Inner {
    local: Arc<dyn Backend>,
    endpoint: Arc<dyn Backend>,
    rie: Arc<dyn Backend>,
}

impl Runners {
    pub fn new(config: RunnerConfig) -> Runners {
        let http: Arc<dyn HttpClient> = config
            .http
            .clone()
            .unwrap_or_else(|| Arc::new(portico_http::Client::default()));
        let signing = config
            .endpoint_credentials
            .clone()
            .unwrap_or_else(|| config.credentials.clone());
        Runners::with_backends(
            Arc::new(local::LocalBackend::new(config)),
            Arc::new(endpoint::EndpointBackend::new(http.clone(), signing)),
            Arc::new(endpoint::RieBackend::new(http)),
        )
    }

    /// Runners over given backends (for tests, or other ways of running code).
    pub fn with_backends(local: Arc<dyn Backend>, endpoint: Arc<dyn Backend>, rie: Arc<dyn Backend>) -> Runners {
        Runners {
            inner: Arc::new(Inner { local, endpoint, rie }),
        }
    }

    fn backend(&self, target: &Target) -> &Arc<dyn Backend> {
        match target {
            Target::Local => &self.inner.local,
            Target::Endpoint { .. } => &self.inner.endpoint,
            Target::Rie { .. } => &self.inner.rie,
        }
    }

    pub async fn invoke(&self, spec: FunctionSpec, invocation: Invocation) -> Result<Outcome, RunError> {
        self.run(spec, invocation).await.map(|ran| ran.outcome)
    }

    /// [`Runners::invoke`], with the log tail and executed version Invoke answers.
    /// A call runs to its end on a task of its own, even when its caller goes away (a client
    /// hanging up, API Gateway's integration timeout): as on Lambda, and the warm process
    /// serving it stays warm instead of being killed mid-call. The function's own timeout
    /// still bounds it. The spec moves into that task (each call builds its own).
    pub async fn run(&self, spec: FunctionSpec, invocation: Invocation) -> Result<Ran, RunError> {
        let runners = self.clone();
        let call = tokio::spawn(async move { runners.backend(&spec.target).invoke(&spec, invocation).await });
        call.await
            .unwrap_or_else(|e| Err(RunError::Backend(format!("the call ended abnormally: {e}"))))
    }

    /// Checked at CreateFunction: can the runtime run here? `Err` names what to install,
    /// e.g. "python3.12 functions need PyPI's awslambdaric: python3 -m pip install
    /// awslambdaric". Blocks while it probes an interpreter (once per runtime).
    pub fn check(&self, spec: &FunctionSpec) -> Result<(), String> {
        self.backend(&spec.target).check(spec)
    }

    /// [`Runners::check`] off the async threads (it may run an interpreter).
    pub async fn check_async(&self, spec: &FunctionSpec) -> Result<(), String> {
        let (runners, spec) = (self.clone(), spec.clone());
        tokio::task::spawn_blocking(move || runners.check(&spec))
            .await
            .unwrap_or_else(|e| Err(format!("runtime check failed: {e}")))
    }

    /// Stops the warm processes of a function (on delete or update).
    pub async fn retire(&self, function_arn: &str) {
        for backend in [&self.inner.local, &self.inner.endpoint, &self.inner.rie] {
            backend.retire(function_arn).await;
        }
    }

    /// Stops every warm process.
    pub async fn shutdown(&self) {
        for backend in [&self.inner.local, &self.inner.endpoint, &self.inner.rie] {
            backend.shutdown().await;
        }
    }
}
