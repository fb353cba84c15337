//! The seam through which Lambda integrations (and, later, Lambda authorizers) call functions.
//! Portico's Lambda control plane implements it; the data plane knows only this.

use bytes::Bytes;
use std::future::Future;
use std::pin::Pin;

/// One call of a function, as an integration makes it.
#[derive(Debug, Clone)]
pub struct FunctionCall {
    /// The function's ARN as the integration URI names it (qualified or not), with stage
    /// variables already filled in; a bare name is looked up in `account` and `region`.
    pub function: String,
    pub account: String,
    pub region: String,
    pub payload: Bytes,
}

#[derive(Debug)]
pub enum FunctionResult {
    /// The function ran: its payload, and `X-Amz-Function-Error` when it failed.
    Answer { error: Option<String>, payload: Bytes },
    /// No such function (or version, or alias).
    NotFound,
    /// It could not be run (runtime missing, too many calls, runner failure).
    Failed(String),
}

pub trait Functions: Send + Sync + 'static {
    fn invoke(&self, call: FunctionCall) -> Pin<Box<dyn Future<Output = FunctionResult> + Send + '_>>;
}
