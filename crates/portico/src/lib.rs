//! The `portico` binary: configuration, start-up, and the one port both planes share.
//!
//! Layout:
//! - `config`: command line and `PORTICO_*` environment.
//! - `sigv4`: account and region from the credential scope of a request.
//! - `control`: control-plane requests: route to an operation of the models, bind its input,
//!   call the service's handler, write its output or error.
//! - `service`: Portico's own endpoints (`/_portico/health`, `/_portico/reset`, `/_portico/clock`,
//!   `/_portico/metrics`, `/_localstack/health`).
//! - `connections`: `/{stage}/@connections/{id}` on an execute-api endpoint, for the management API.
//! - `log_writer`: log lines batched and written by a thread of their own.
//! - `server`: the accept loop (hyper HTTP/1 with upgrades, timeouts, graceful shutdown).
//! - this file: `State`, `handle`, which splits execute-api from the control plane, and `run`.

pub mod config;
mod connections;
mod control;
pub mod log_format;
pub mod log_writer;
mod server;
mod service;
mod sigv4;

pub use config::Config;

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use connections::ConnectionsCall;
use portico_dataplane::functions::{FunctionCall, FunctionResult};
use portico_dataplane::response_cache::CacheOutcome;
use portico_dataplane::{DataPlane, Invocation};
use portico_functions::Outcome;
use portico_functions::{RunnerConfig, Runners};
use portico_http::{BodyError, read_body};
use portico_lambda::{CallError, CodeStore, LambdaControlPlane, file};
use portico_rest::RestControlPlane;
use portico_store::Store;
use portico_v2::V2ControlPlane;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;
use tokio::net::TcpListener;

/// Largest request body accepted (API Gateway's payload limit is 10 MB).
const BODY_LIMIT: usize = 10 * 1024 * 1024;

pub struct State {
    pub config: Config,
    pub store: Store,
    pub rest: RestControlPlane,
    pub v2: V2ControlPlane,
    pub lambda: LambdaControlPlane,
    /// Where function code is unpacked; a temporary folder with `--in-memory`, removed on exit.
    pub code_dir: CodeDir,
    pub router: portico_wire::router::Router,
    pub dataplane: DataPlane,
    pub started: Instant,
}

/// The folder under which function code is unpacked: `{data dir}/functions`, or a temporary
/// folder with `--in-memory`, removed when Portico stops.
pub struct CodeDir {
    pub path: std::path::PathBuf,
    temporary: bool,
}

impl CodeDir {
    fn new(config: &Config) -> Result<Self, String> {
        let (path, temporary) = if config.in_memory {
            let name = format!(
                "portico-functions-{}-{}",
                std::process::id(),
                uuid::Uuid::new_v4().simple()
            );
            (std::env::temp_dir().join(name), true)
        } else {
            (config.data_dir.join("functions"), false)
        };
        std::fs::create_dir_all(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        Ok(Self { path, temporary })
    }
}

fn runners(address: std::net::SocketAddr, config: &Config) -> Result<Runners, String> {
    let host = if address.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        address.ip().to_string()
    };
    Ok(Runners::new(RunnerConfig {
        endpoint_url_for_handlers: format!("http://{host}:{}", address.port()),
        endpoint_credentials: Some(config.lambda_endpoint_credentials()?),
        ..RunnerConfig::default()
    }))
}

/// The data plane's Lambda integrations run functions through the Lambda control plane.
struct Functions(LambdaControlPlane);

impl portico_dataplane::functions::Functions for Functions {
    fn invoke(&self, call: FunctionCall) -> std::pin::Pin<Box<dyn Future<Output = FunctionResult> + Send + '_>> {
        Box::pin(async move {
            match self
                .0
                .call(&call.account, &call.region, &call.function, call.payload)
                .await
            {
                Ok(Outcome::Success(payload)) => FunctionResult::Answer { error: None, payload },
                Ok(Outcome::FunctionError { kind, payload }) => FunctionResult::Answer {
                    error: Some(kind),
                    payload,
                },
                Err(CallError::NotFound) => FunctionResult::NotFound,
                Err(CallError::Failed(reason)) => FunctionResult::Failed(reason),
            }
        })
    }
}

impl Drop for CodeDir {
    fn drop(&mut self) {
        if self.temporary {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

impl State {
    /// `address` is where Portico listens: handlers reach it as `AWS_ENDPOINT_URL`.
    pub async fn new(config: Config, address: std::net::SocketAddr) -> Result<Arc<Self>, String> {
        let quotas = config.quotas()?;
        let lambda_endpoint = config.lambda_endpoint()?;
        // Read before anything is opened: a mistake in it stops start-up.
        let declared = match &config.functions {
            Some(path) => file::read(path, &config.default_account, &config.default_region)?,
            None => file::Declared::default(),
        };
        let dir = (!config.in_memory).then(|| config.data_dir.clone());
        let store = Store::open(dir.as_deref())
            .await
            .map_err(|e| format!("cannot open state: {e}"))?;
        let code_dir = CodeDir::new(&config)?;
        let lambda = LambdaControlPlane::new(
            store.clone(),
            CodeStore::new(code_dir.path.clone()),
            runners(address, &config)?,
        )
        .with_lambda_endpoint(lambda_endpoint);
        // Also without a file: functions an earlier file declared are removed.
        lambda.declare(&declared).await?;
        let dataplane = DataPlane::new(store.clone(), Arc::new(portico_http::Client::default()))
            .with_body_timeout(config.body_timeout)
            .with_websocket_limits(portico_dataplane::WebSocketLimits {
                idle: config.ws_idle_timeout,
                max_duration: config.ws_max_duration,
                ..Default::default()
            })
            .with_functions(Arc::new(Functions(lambda.clone())))
            .with_auth(&config.auth()?)
            .with_aws_endpoint(config.aws_endpoint()?)
            .with_vpc_link_targets(config.vpc_link_targets()?)
            .with_throttling(
                if config.test_clock {
                    portico_dataplane::throttle::Clock::manual()
                } else {
                    portico_dataplane::throttle::Clock::real()
                },
                portico_dataplane::throttle::Limit {
                    rate: config.throttle_rate,
                    burst: f64::from(config.throttle_burst),
                },
            );
        Ok(Arc::new(Self {
            rest: RestControlPlane::new(store.clone(), quotas)
                .on_authorizer_flush(dataplane.authorizer_flush())
                .on_cache_flush(dataplane.response_cache_flush())
                .on_authorizer_test(dataplane.authorizer_tester())
                .on_method_test(dataplane.method_tester()),
            v2: V2ControlPlane::new(store.clone()).on_authorizer_reset(dataplane.authorizer_flush()),
            lambda,
            code_dir,
            dataplane,
            router: portico_wire::router::Router::new(),
            store,
            config,
            started: Instant::now(),
        }))
    }
}

/// Serves `listener` until `shutdown` completes; then stops accepting, closes idle
/// connections and lets requests in flight finish (for a few seconds at most).
pub async fn run(
    listener: TcpListener,
    state: Arc<State>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    server::serve(listener, state, shutdown).await
}

/// Every request, from the accept loop (no router in front: the planes are told apart here).
async fn handle(state: Arc<State>, request: Request) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let mut cache = None;
    let (response, operation) = route(&state, request, &mut cache).await;
    // Both planes put the request id on every answer; the log line carries it too.
    let request_id = response
        .headers()
        .get("x-amzn-RequestId")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info!(
        target: "portico::request",
        %method,
        path,
        status = response.status().as_u16(),
        latency_us = started.elapsed().as_micros() as u64,
        operation,
        request_id,
        cache = cache.map(CacheOutcome::as_str),
    );
    response
}

/// execute-api first (its hosts and path forms; `@connections` there goes to the management
/// API), then Portico's own endpoints, then the AWS APIs.
async fn route(state: &State, request: Request, cache: &mut Option<CacheOutcome>) -> (Response, &'static str) {
    // HTTP/2 clients name the host in `:authority`, which lands in the URI.
    let host = request
        .headers()
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .or(request.uri().host());
    if let Some(target) = Invocation::parse(host, request.uri().path()) {
        if let Some(call) = ConnectionsCall::from_invocation(&target) {
            return Box::pin(control_plane(state, request, Some(call))).await;
        }
        return (state.dataplane.serve(target, request, cache).await, "execute-api");
    }
    // A custom domain name's Host goes to the API its base path mappings name.
    // Boxed: this path holds the data plane's future beside the lookup's, twice the size
    // that every execute-api request would otherwise allocate and copy.
    let request = match host.map(str::to_owned) {
        Some(host) => match Box::pin(state.dataplane.serve_custom_domain(&host, request, cache)).await {
            Ok(response) => return (response, "execute-api"),
            Err(request) => request,
        },
        None => request,
    };
    // Boxed: the control plane's future holds every operation's and is many times the data
    // plane's size; inline, each request to either would allocate and copy it whole.
    Box::pin(control_plane(state, request, None)).await
}

async fn control_plane(state: &State, request: Request, call: Option<ConnectionsCall>) -> (Response, &'static str) {
    let (mut parts, body) = request.into_parts();
    let body = match read_body(body, BODY_LIMIT, state.config.body_timeout).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => {
            // The management API's own error for an oversized payload; AWS's control plane
            // models no other. The unread rest of the body means the connection is done.
            let error = portico_wire::AwsError::new(413, "PayloadTooLargeException", "Request body too large");
            let mut response = error.to_response("-");
            response
                .headers_mut()
                .insert(http::header::CONNECTION, http::HeaderValue::from_static("close"));
            return (response.map(Body::from), "-");
        }
        Err(error) => {
            let response = portico_http::body::body_error_response(&error).unwrap_or_default();
            return (response.map(Body::from), "-");
        }
    };
    if let Some(call) = &call {
        parts.uri = call.uri(&parts.uri);
    } else if let Some(response) = service::handle(state, &parts).await {
        return (response.map(Body::from), "portico");
    }
    let (response, operation) = control::handle(state, &parts, &body, call.as_ref()).await;
    (response.map(Body::from), operation)
}
