//! Execution logs: a method whose stage settings have `loggingLevel` INFO (or ERROR) gets API
//! Gateway's execution log written to Portico's log (target `portico::execution`), where AWS
//! writes it to CloudWatch Logs: the same lines TestInvokeMethod answers. Without
//! `dataTraceEnabled` the lines holding headers and bodies are left out, as on AWS; ERROR logs
//! only the requests that failed. Methods without logging pay nothing.

use crate::context::{RequestContext, log_line};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// A method's logging settings, compiled with its stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Logging {
    /// INFO: every request; ERROR: only the ones answered 4xx or 5xx.
    pub errors_only: bool,
    pub data_trace: bool,
}

impl Logging {
    pub fn compile(
        path: &str,
        verb: &str,
        settings: Option<&BTreeMap<String, portico_wire::apigateway::MethodSetting>>,
    ) -> Option<Logging> {
        let (setting, _) = crate::stage::method_setting(settings, path, verb)?;
        let errors_only = match setting.logging_level.as_deref() {
            Some("INFO") => false,
            Some("ERROR") => true,
            _ => return None,
        };
        Some(Logging {
            errors_only,
            data_trace: setting.data_trace_enabled == Some(true),
        })
    }

    /// Starts the request's log.
    pub fn start(&self, ctx: &mut RequestContext) {
        let mut lines = vec![
            log_line(&format!("Starting execution for request: {}", ctx.request_id)),
            log_line(&format!("HTTP Method: {}, Resource Path: {}", ctx.method, ctx.path)),
        ];
        if self.data_trace {
            lines.push(log_line(&format!(
                "Method request headers: {}",
                crate::integration::http::header_text(&ctx.headers)
            )));
        }
        ctx.trace = Some(Mutex::new(lines));
    }

    /// Writes the request's log once it is answered.
    pub fn finish(&self, ctx: &RequestContext, status: u16) {
        if self.errors_only && status < 400 {
            return;
        }
        let Some(lines) = ctx.trace.as_ref().and_then(|t| t.lock().ok()) else {
            return;
        };
        for line in lines.iter().filter(|l| self.data_trace || !carries_data(l)) {
            tracing::info!(
                target: "portico::execution",
                api_id = &*ctx.api_id,
                stage = &*ctx.stage,
                request_id = ctx.request_id,
                "{line}"
            );
        }
        tracing::info!(
            target: "portico::execution",
            api_id = &*ctx.api_id,
            stage = &*ctx.stage,
            request_id = ctx.request_id,
            "{}",
            log_line(&format!("Method completed with status: {status}"))
        );
    }
}

/// Lines with the request's or answer's headers or bodies: logged with `dataTraceEnabled` only.
fn carries_data(line: &str) -> bool {
    line.contains(" headers: ")
        || line.contains(" body before transformations: ")
        || line.contains(" body after transformations: ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use portico_wire::apigateway::MethodSetting;

    #[test]
    fn levels() {
        let settings = |level: &str, trace: bool| {
            BTreeMap::from([(
                "*/*".to_string(),
                MethodSetting {
                    logging_level: Some(level.into()),
                    data_trace_enabled: Some(trace),
                    ..Default::default()
                },
            )])
        };
        assert_eq!(Logging::compile("/a", "GET", Some(&settings("OFF", true))), None);
        assert_eq!(
            Logging::compile("/a", "GET", Some(&settings("ERROR", false))),
            Some(Logging {
                errors_only: true,
                data_trace: false
            })
        );
        assert_eq!(
            Logging::compile("/a", "GET", Some(&settings("INFO", true))),
            Some(Logging {
                errors_only: false,
                data_trace: true
            })
        );
        assert!(carries_data(
            "Fri Nov 27 : Endpoint request body after transformations: {}"
        ));
        assert!(!carries_data("Fri Nov 27 : Sending request to http://x"));
    }
}
