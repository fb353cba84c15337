//! Invoke: the function a name and qualifier select, run by the function runners.
//!
//! With `--lambda-endpoint`, a call naming a function Portico has no document for (in the
//! caller's account and region) goes to that endpoint instead of failing with
//! ResourceNotFound; a missing version or alias of one of Portico's own functions does not.

use crate::functions::resolve;
use crate::kinds::{Code, Remote};
use crate::names::{self, FunctionRef, function_arn, invalid};
use portico_functions::{FunctionSpec, Invocation, Outcome, Ran, RunError, Runners, Target};
use portico_store::Store;
use portico_wire::lambda::*;
use portico_wire::types::Blob;
use portico_wire::{AwsError, RequestContext};
use std::time::Duration;

/// What the runners need to run one configuration of a function.
pub fn spec(ctx: &RequestContext, config: &FunctionConfiguration, code: &Code) -> FunctionSpec {
    let name = config.function_name.clone().unwrap_or_default();
    let mut spec = FunctionSpec::new(
        &name,
        config.runtime.as_deref().unwrap_or_default(),
        config.handler.as_deref().unwrap_or_default(),
        code.dir.clone(),
    );
    spec.arn = names::function_arn(ctx, &name);
    spec.version = config.version.clone().unwrap_or_else(|| "$LATEST".into());
    spec.memory_mb = config.memory_size.unwrap_or(128).clamp(128, 10_240) as u32;
    spec.timeout = Duration::from_secs(config.timeout.unwrap_or(3).clamp(1, 900) as u64);
    spec.environment = config
        .environment
        .as_ref()
        .and_then(|e| e.variables.clone())
        .unwrap_or_default();
    spec.account = ctx.account.clone();
    spec.region = ctx.region.clone();
    spec.revision = format!(
        "{}|{}",
        config.code_sha256.as_deref().unwrap_or_default(),
        config.last_modified.as_deref().unwrap_or_default()
    );
    spec.hot_reload = code.hot_reload;
    spec.target = match &code.remote {
        None => Target::Local,
        Some(Remote::Rie { url }) => Target::Rie { url: url.clone() },
        Some(Remote::Endpoint { url, function }) => Target::Endpoint {
            url: url.clone(),
            function: function.clone(),
        },
    };
    spec
}

/// Lambda's longest timeout: how long a call to a function Portico does not know may take.
const UNKNOWN_TIMEOUT: Duration = Duration::from_secs(900);

/// A function Portico does not know, run at `--lambda-endpoint` under its own name and
/// qualifier.
fn fallback_spec(ctx: &RequestContext, function: &FunctionRef, url: &str) -> FunctionSpec {
    let mut spec = FunctionSpec::new(&function.name, "", "", "");
    spec.arn = function_arn(ctx, &function.name);
    spec.version = function.qualifier.clone().unwrap_or_else(|| "$LATEST".into());
    spec.timeout = UNKNOWN_TIMEOUT;
    spec.account = ctx.account.clone();
    spec.region = ctx.region.clone();
    spec.target = Target::Endpoint {
        url: url.to_owned(),
        function: function.name.clone(),
    };
    spec
}

/// The spec a call runs: the function's own, or, for one Portico does not know, the
/// fallback endpoint's. `Err` is the lookup's error (404 without a fallback).
async fn select(
    store: &Store,
    ctx: &RequestContext,
    function: &FunctionRef,
    fallback: Option<&str>,
) -> Result<(FunctionSpec, Option<String>), AwsError> {
    match resolve(store, ctx, function).await {
        Ok((_, config, code)) => Ok((spec(ctx, &config, &code), config.version)),
        Err(e) if e.status == 404 => match fallback {
            // Only when the function itself is unknown, not one of its versions or aliases.
            Some(url) => match crate::functions::load(store, ctx, &function.name).await {
                Err(missing) if missing.status == 404 => Ok((fallback_spec(ctx, function, url), None)),
                Err(other) => Err(other),
                Ok(_) => Err(e),
            },
            None => Err(e),
        },
        Err(e) => Err(e),
    }
}

/// A runner's failure as Lambda's API reports it.
pub fn run_error(error: RunError) -> AwsError {
    match error {
        RunError::RuntimeMissing(message) => InvalidRuntimeException {
            message,
            r#type: Some("User".into()),
        }
        .into(),
        RunError::TooManyRequests => TooManyRequestsException {
            message: "Rate Exceeded.".into(),
            r#type: Some("User".into()),
            reason: Some("ConcurrentInvocationLimitExceeded".into()),
            ..Default::default()
        }
        .into(),
        RunError::Remote {
            status,
            code,
            message,
            error_type,
        } => {
            let mut error = AwsError::new(status, "", message).with_message_key("Message");
            error.code = code.into();
            match error_type {
                Some(kind) => error.with_field("Type", kind),
                None => error,
            }
        }
        RunError::Backend(message) => {
            tracing::error!(%message, "function runner failed");
            ServiceException {
                message,
                r#type: Some("Service".into()),
            }
            .into()
        }
    }
}

pub async fn invoke(
    store: &Store,
    runners: &Runners,
    fallback: Option<&str>,
    ctx: &RequestContext,
    input: InvocationRequest,
) -> Result<InvocationResponse, AwsError> {
    let function = names::given(ctx, input.function_name, input.qualifier.as_deref())?;
    let (spec, executed_version) = select(store, ctx, &function, fallback).await?;
    let payload = input.payload.map(|b| b.0).unwrap_or_default();
    let payload = if payload.iter().all(u8::is_ascii_whitespace) {
        b"{}".to_vec()
    } else {
        if let Err(e) = serde_json::from_slice::<serde_json::Value>(&payload) {
            return Err(InvalidRequestContentException {
                message: format!("Could not parse request body into json: Could not parse payload into json: {e}"),
                r#type: Some("User".into()),
            }
            .into());
        }
        payload
    };
    let mut call = Invocation::new(payload);
    call.client_context = input.client_context;
    match input.invocation_type.as_deref().unwrap_or("RequestResponse") {
        "DryRun" => Ok(InvocationResponse {
            status_code: Some(204),
            ..Default::default()
        }),
        "Event" => {
            // `invoke` runs the call on a task of its own; this one only waits to log its end.
            let (runners, name) = (runners.clone(), spec.name.clone());
            tokio::spawn(async move {
                match runners.invoke(spec, call).await {
                    Ok(Outcome::Success(_)) => {}
                    Ok(Outcome::FunctionError { payload, .. }) => {
                        tracing::warn!(function = name, error = %String::from_utf8_lossy(&payload), "asynchronous invocation failed");
                    }
                    Err(e) => tracing::warn!(function = name, error = %e, "asynchronous invocation failed"),
                }
            });
            Ok(InvocationResponse {
                status_code: Some(202),
                ..Default::default()
            })
        }
        "RequestResponse" => {
            call.log_tail = input.log_type.as_deref() == Some("Tail");
            let version = spec.version.clone();
            let Ran {
                outcome,
                log_result,
                executed_version: remote_version,
            } = runners.run(spec, call).await.map_err(run_error)?;
            let (function_error, payload) = match outcome {
                Outcome::Success(payload) => (None, payload),
                Outcome::FunctionError { kind, payload } => (Some(kind), payload),
            };
            Ok(InvocationResponse {
                status_code: Some(200),
                function_error,
                log_result,
                payload: Some(Blob(payload.to_vec())),
                executed_version: remote_version.or(executed_version).or(Some(version)),
                ..Default::default()
            })
        }
        other => Err(invalid(format!("Invalid InvocationType: {other}"))),
    }
}

/// Why a call from an integration did not run the function.
#[derive(Debug)]
pub enum CallError {
    NotFound,
    Failed(String),
}

/// A synchronous call from inside Portico (an API Gateway integration or authorizer):
/// `function` is a name or an ARN, qualified or not, in `account` and `region`.
pub async fn call(
    store: &Store,
    runners: &Runners,
    fallback: Option<&str>,
    account: &str,
    region: &str,
    function: &str,
    payload: bytes::Bytes,
) -> Result<Outcome, CallError> {
    let ctx = RequestContext {
        account: account.to_owned(),
        region: region.to_owned(),
        request_id: String::new(),
    };
    let function = names::parse(&ctx, function, None).map_err(|e| CallError::Failed(e.message))?;
    let spec = match select(store, &ctx, &function, fallback).await {
        Ok((spec, _)) => spec,
        Err(e) if e.status == 404 => return Err(CallError::NotFound),
        Err(e) => return Err(CallError::Failed(e.message)),
    };
    match runners.invoke(spec, Invocation::new(payload)).await {
        Ok(outcome) => Ok(outcome),
        Err(RunError::Remote { status: 404, .. }) => Err(CallError::NotFound),
        Err(e) => Err(CallError::Failed(e.to_string())),
    }
}
