//! Lambda's formats: trace ids, log stream names, the error documents Lambda itself
//! writes (timeouts, runtime exits) and the lines it adds to a call's log.

use base64::Engine;
use bytes::Bytes;
use rand::Rng;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use time::OffsetDateTime;

/// The largest synchronous response Lambda returns (6 MB).
pub(crate) const RESPONSE_LIMIT: usize = 6 * 1024 * 1024;

fn hex(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap_or('0'))
        .collect()
}

/// An X-Ray trace header as Lambda passes it: `Root=1-{epoch secs}-{24 hex};Parent=...`.
pub fn trace_id() -> String {
    trace_id_at(epoch(SystemTime::now()).as_secs())
}

fn trace_id_at(epoch_secs: u64) -> String {
    format!(
        "Root=1-{:08x}-{};Parent={};Sampled=0",
        epoch_secs as u32,
        hex(24),
        hex(16)
    )
}

/// `AWS_LAMBDA_LOG_STREAM_NAME`: `YYYY/MM/DD/[{version}]{32 hex}`.
pub fn log_stream_name(version: &str) -> String {
    log_stream_name_at(OffsetDateTime::now_utc(), version)
}

fn log_stream_name_at(now: OffsetDateTime, version: &str) -> String {
    format!(
        "{:04}/{:02}/{:02}/[{version}]{}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        hex(32)
    )
}

/// What Lambda returns for a call past the function's timeout. No `errorType`: Lambda
/// writes only the message, e.g. `2020-11-10T05:46:57.874Z {id} Task timed out after
/// 3.00 seconds`.
pub fn timeout_payload(request_id: &str, timeout: Duration) -> Bytes {
    timeout_payload_at(OffsetDateTime::now_utc(), request_id, timeout)
}

fn timeout_payload_at(now: OffsetDateTime, request_id: &str, timeout: Duration) -> Bytes {
    let message = format!(
        "{} {request_id} Task timed out after {:.2} seconds",
        rfc3339_millis(now),
        timeout.as_secs_f64()
    );
    json(serde_json::json!({ "errorMessage": message }))
}

/// What Lambda returns when the runtime process ends during a call.
pub(crate) fn exit_payload(request_id: &str, status: Option<std::process::ExitStatus>) -> Bytes {
    let message = match status.map(describe_exit) {
        Some(Some(why)) => format!("RequestId: {request_id} Error: Runtime exited with error: {why}"),
        _ => format!("RequestId: {request_id} Error: Runtime exited without providing a reason"),
    };
    json(serde_json::json!({ "errorType": "Runtime.ExitError", "errorMessage": message }))
}

/// Go's wording (Lambda's init is written in Go): `exit status 1`, `signal: killed`.
fn describe_exit(status: std::process::ExitStatus) -> Option<String> {
    use std::os::unix::process::ExitStatusExt;
    if let Some(code) = status.code() {
        return (code != 0).then(|| format!("exit status {code}"));
    }
    let signal = status.signal()?;
    let name = match signal {
        6 => "aborted".to_owned(),
        9 => "killed".to_owned(),
        11 => "segmentation fault".to_owned(),
        15 => "terminated".to_owned(),
        n => format!("signal {n}"),
    };
    Some(format!("signal: {name}"))
}

/// Lambda's answer when a handler's response is over 6 MB.
pub(crate) fn too_large_payload(size: usize) -> Bytes {
    let message =
        format!("Response payload size ({size} bytes) exceeded maximum allowed payload size ({RESPONSE_LIMIT} bytes).");
    json(serde_json::json!({ "errorType": "Function.ResponseSizeTooLarge", "errorMessage": message }))
}

/// How much of a call's log `LogType: Tail` returns (Lambda's "last 4 KB").
pub(crate) const LOG_TAIL: usize = 4 * 1024;

/// The line Lambda logs after each call, fields ended by tabs as Lambda writes them:
/// `REPORT RequestId: {id}\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\t
/// Max Memory Used: 40 MB\t` and, on a process's first call, `Init Duration: 95.10 ms\t`.
pub(crate) fn report_line(
    request_id: &str,
    duration: Duration,
    memory_mb: u32,
    max_memory_mb: u64,
    init: Option<Duration>,
) -> String {
    let millis = duration.as_secs_f64() * 1000.0;
    // Billed by the millisecond, rounded up.
    let billed = duration.as_micros().div_ceil(1000).max(1);
    let mut line = format!(
        "REPORT RequestId: {request_id}\tDuration: {millis:.2} ms\tBilled Duration: {billed} ms\t\
         Memory Size: {memory_mb} MB\tMax Memory Used: {max_memory_mb} MB\t"
    );
    if let Some(init) = init {
        line.push_str(&format!("Init Duration: {:.2} ms\t", init.as_secs_f64() * 1000.0));
    }
    line
}

/// `X-Amz-Log-Result`: the base64 of the log's last 4 KB.
pub(crate) fn log_result(log: &[u8]) -> String {
    let tail = &log[log.len().saturating_sub(LOG_TAIL)..];
    base64::engine::general_purpose::STANDARD.encode(tail)
}

fn json(value: serde_json::Value) -> Bytes {
    Bytes::from(value.to_string())
}

pub(crate) fn rfc3339_millis(t: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

fn epoch(t: SystemTime) -> Duration {
    t.duration_since(UNIX_EPOCH).unwrap_or_default()
}

/// `Lambda-Runtime-Deadline-Ms`: epoch milliseconds.
pub(crate) fn deadline_ms(timeout: Duration) -> u128 {
    epoch(SystemTime::now() + timeout).as_millis()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn trace_id_has_xray_shape() {
        let id = trace_id_at(0x5f1a2b3c);
        let rest = id.strip_prefix("Root=1-5f1a2b3c-").unwrap();
        let (root, rest) = rest.split_once(";Parent=").unwrap();
        let (parent, sampled) = rest.split_once(';').unwrap();
        assert_eq!(root.len(), 24);
        assert_eq!(parent.len(), 16);
        assert!(root.chars().chain(parent.chars()).all(|c| c.is_ascii_hexdigit()));
        assert_eq!(sampled, "Sampled=0");
        assert!(trace_id().starts_with("Root=1-"));
    }

    #[test]
    fn log_stream_name_has_date_version_and_hex() {
        let name = log_stream_name_at(datetime!(2026-03-07 10:00 UTC), "$LATEST");
        let tail = name.strip_prefix("2026/03/07/[$LATEST]").unwrap();
        assert_eq!(tail.len(), 32);
        assert!(tail.chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn timeout_payload_matches_lambda() {
        let body = timeout_payload_at(
            datetime!(2020-11-10 05:46:57.874 UTC),
            "160788cd-45ff-4583-809f-c7e31127cb95",
            Duration::from_secs(3),
        );
        assert_eq!(
            std::str::from_utf8(&body).unwrap(),
            r#"{"errorMessage":"2020-11-10T05:46:57.874Z 160788cd-45ff-4583-809f-c7e31127cb95 Task timed out after 3.00 seconds"}"#
        );
    }

    #[test]
    fn report_line_matches_lambda() {
        let line = report_line("r1", Duration::from_micros(15_740), 128, 56, None);
        assert_eq!(
            line,
            "REPORT RequestId: r1\tDuration: 15.74 ms\tBilled Duration: 16 ms\tMemory Size: 128 MB\tMax Memory Used: 56 MB\t"
        );
        let cold = report_line(
            "r2",
            Duration::from_millis(3),
            256,
            70,
            Some(Duration::from_micros(130_490)),
        );
        assert!(cold.ends_with(
            "\tBilled Duration: 3 ms\tMemory Size: 256 MB\tMax Memory Used: 70 MB\tInit Duration: 130.49 ms\t"
        ));
        assert!(report_line("r3", Duration::ZERO, 128, 1, None).contains("Billed Duration: 1 ms"));
    }

    #[test]
    fn log_result_is_the_base64_of_the_last_4_kb() {
        let decode = |text: String| base64::engine::general_purpose::STANDARD.decode(text).unwrap();
        assert_eq!(decode(log_result(b"START\nEND\n")), b"START\nEND\n");
        let long: Vec<u8> = (0..10_000).map(|i| b'a' + (i % 26) as u8).collect();
        let tail = decode(log_result(&long));
        assert_eq!(tail.len(), LOG_TAIL);
        assert_eq!(tail, &long[long.len() - LOG_TAIL..]);
    }

    #[test]
    fn exit_payload_uses_go_wording() {
        use std::os::unix::process::ExitStatusExt;
        let status = std::process::ExitStatus::from_raw(1 << 8);
        let body: serde_json::Value = serde_json::from_slice(&exit_payload("r1", Some(status))).unwrap();
        assert_eq!(body["errorType"], "Runtime.ExitError");
        assert_eq!(
            body["errorMessage"],
            "RequestId: r1 Error: Runtime exited with error: exit status 1"
        );
        let killed = std::process::ExitStatus::from_raw(9);
        let body: serde_json::Value = serde_json::from_slice(&exit_payload("r2", Some(killed))).unwrap();
        assert_eq!(
            body["errorMessage"],
            "RequestId: r2 Error: Runtime exited with error: signal: killed"
        );
    }
}
