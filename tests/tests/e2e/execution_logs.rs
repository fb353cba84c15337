//! Execution logs: `loggingLevel` INFO writes API Gateway's execution log of each call to
//! Portico's log (`portico::execution`), with headers and bodies only under
//! `dataTraceEnabled`; ERROR only the calls that failed; OFF nothing.

use crate::harness::Portico;
use crate::patch;
use aws_sdk_apigateway::types::Op;
use std::time::Duration;

/// The execution log lines of `request_id`; with `wait`, once its last line is written (the log
/// is written behind).
async fn lines_of(log: &std::sync::Mutex<String>, request_id: &str, wait: bool) -> Vec<String> {
    for _ in 0..50 {
        let lines: Vec<String> = log
            .lock()
            .unwrap()
            .lines()
            .filter(|l| l.contains("portico::execution") && l.contains(request_id))
            .map(str::to_owned)
            .collect();
        // An execution log ends with its "Method completed" line; the lines before it may be
        // in the log already while it is still being written.
        if !wait || lines.iter().any(|l| l.contains("Method completed with status")) {
            return lines;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Vec::new()
}

#[tokio::test]
async fn logging_levels_write_the_execution_log() {
    let (portico, log) = Portico::start_logging("warn,portico::execution=info");
    let client = portico.sdk();
    let api = crate::mock_api(&client, "logged", r#"{"hello": "$input.params('who')"}"#, Some("dev")).await;
    let set = |path: &'static str, value: &'static str| {
        client
            .update_stage()
            .rest_api_id(&api.api_id)
            .stage_name("dev")
            .patch_operations(patch(Op::Replace, path, Some(value)))
            .send()
    };
    let call = |path: &'static str| portico.invoke(&api.api_id, "GET", path);

    set("/*/*/logging/loglevel", "INFO").await.unwrap();
    let reply = call("/dev/hello?who=secret-value").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let id = reply.header("x-amzn-RequestId").unwrap().to_string();
    let lines = lines_of(&log, &id, true).await;
    let text = lines.join("\n");
    assert!(text.contains("Starting execution for request"), "{text}");
    assert!(text.contains("Method completed with status: 200"), "{text}");
    assert!(
        !text.contains("secret-value"),
        "no data trace: no bodies or headers\n{text}"
    );

    set("/*/*/logging/dataTrace", "true").await.unwrap();
    let reply = call("/dev/hello?who=secret-value").await;
    let id = reply.header("x-amzn-RequestId").unwrap().to_string();
    let text = lines_of(&log, &id, true).await.join("\n");
    assert!(
        text.contains("secret-value"),
        "the data trace has the answer's body\n{text}"
    );

    // ERROR: only failures, and this call succeeds; OFF: nothing.
    set("/*/*/logging/loglevel", "ERROR").await.unwrap();
    let reply = call("/dev/hello").await;
    let id = reply.header("x-amzn-RequestId").unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(lines_of(&log, &id, false).await.is_empty());

    set("/*/*/logging/loglevel", "OFF").await.unwrap();
    let reply = call("/dev/hello").await;
    let id = reply.header("x-amzn-RequestId").unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(lines_of(&log, &id, false).await.is_empty());
}
