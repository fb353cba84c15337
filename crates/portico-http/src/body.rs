//! Reading a whole body under a size limit and a deadline.

use bytes::{Bytes, BytesMut};
use http::{HeaderValue, Response, StatusCode};
use http_body::Body;
use http_body_util::BodyExt;
use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

/// Why a body could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// Over the limit: announced by `Content-Length` (nothing was read) or reached while reading.
    TooLarge,
    /// The body stream failed: bad chunked encoding, a body shorter than its `Content-Length`,
    /// the connection gone.
    Malformed(String),
    /// Not all of it arrived within the deadline.
    Timeout,
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyError::TooLarge => f.write_str("body over the size limit"),
            BodyError::Malformed(why) => write!(f, "malformed body: {why}"),
            BodyError::Timeout => f.write_str("body not received in time"),
        }
    }
}

impl StdError for BodyError {}

/// Reads all of `body`, failing once it would exceed `limit` bytes (never holding more) or
/// when `timeout` passes first. A `Content-Length` over the limit fails before any read.
pub async fn read_body<B>(body: B, limit: usize, timeout: Duration) -> Result<Bytes, BodyError>
where
    B: Body<Data = Bytes>,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    if body.size_hint().lower() > limit as u64 {
        return Err(BodyError::TooLarge);
    }
    if body.is_end_stream() {
        // No timer for the common empty body.
        return Ok(Bytes::new());
    }
    match tokio::time::timeout(timeout, collect_limited(body, limit)).await {
        Ok(result) => result,
        Err(_) => Err(BodyError::Timeout),
    }
}

/// `read_body` without a deadline (the caller has one around a larger exchange).
pub async fn collect_limited<B>(body: B, limit: usize) -> Result<Bytes, BodyError>
where
    B: Body<Data = Bytes>,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    let hint = body.size_hint();
    if hint.lower() > limit as u64 {
        return Err(BodyError::TooLarge);
    }
    let mut body = std::pin::pin!(body);
    // One data frame (the usual case) is returned as it came, without a copy.
    let mut first: Option<Bytes> = None;
    let mut joined: Option<BytesMut> = None;
    let mut len = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| BodyError::Malformed(error_chain(&*e.into())))?;
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        if data.is_empty() {
            continue;
        }
        if data.len() > limit - len {
            return Err(BodyError::TooLarge);
        }
        len += data.len();
        match (&mut first, &mut joined) {
            (None, None) => first = Some(data),
            (Some(_), None) => {
                let capacity = hint.exact().map_or(len, |n| n as usize).clamp(len, limit);
                let mut buf = BytesMut::with_capacity(capacity);
                buf.extend_from_slice(&first.take().unwrap_or_default());
                buf.extend_from_slice(&data);
                joined = Some(buf);
            }
            (_, Some(buf)) => buf.extend_from_slice(&data),
        }
    }
    Ok(match joined {
        Some(buf) => buf.freeze(),
        None => first.unwrap_or_default(),
    })
}

/// `error: cause: cause`, for logs and messages.
pub fn error_chain(error: &(dyn StdError + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// The front door's answer when a request body is malformed or late, for both planes:
/// AWS's error shape (`x-amzn-ErrorType` and `{"message"}`), and `Connection: close`, since
/// the rest of the request cannot be framed or may never come.
/// `None` for `TooLarge`, whose answer each plane words as AWS does.
pub fn body_error_response(error: &BodyError) -> Option<Response<Bytes>> {
    let (status, error_type, message) = match error {
        BodyError::TooLarge => return None,
        BodyError::Malformed(_) => (StatusCode::BAD_REQUEST, "BadRequestException", "Malformed request body"),
        BodyError::Timeout => (
            StatusCode::REQUEST_TIMEOUT,
            "RequestTimeoutException",
            "Request Timeout",
        ),
    };
    let mut response = Response::new(Bytes::from(format!("{{\"message\":\"{message}\"}}")));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert("x-amzn-ErrorType", HeaderValue::from_static(error_type));
    headers.insert(http::header::CONNECTION, HeaderValue::from_static("close"));
    Some(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body::Frame;
    use http_body_util::Full;
    use std::collections::VecDeque;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    /// Frames without a length, then the end (or, with `stall`, nothing ever again).
    struct Chunks {
        parts: VecDeque<Result<&'static [u8], &'static str>>,
        stall: bool,
    }

    fn chunks(parts: Vec<Result<&'static [u8], &'static str>>) -> Chunks {
        Chunks {
            parts: parts.into(),
            stall: false,
        }
    }

    impl Body for Chunks {
        type Data = Bytes;
        type Error = String;

        fn poll_frame(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, String>>> {
            match self.parts.pop_front() {
                Some(part) => Poll::Ready(Some(
                    part.map(|b| Frame::data(Bytes::from_static(b))).map_err(str::to_owned),
                )),
                None if self.stall => Poll::Pending,
                None => Poll::Ready(None),
            }
        }
    }

    const SECOND: Duration = Duration::from_secs(1);

    #[tokio::test]
    async fn reads_within_the_limit() {
        let body = Full::new(Bytes::from_static(b"hello"));
        assert_eq!(read_body(body, 5, SECOND).await.unwrap(), "hello");
        let empty = Full::new(Bytes::new());
        assert_eq!(read_body(empty, 0, SECOND).await.unwrap(), "");
        let body = chunks(vec![Ok(b"ab"), Ok(b""), Ok(b"cd")]);
        assert_eq!(read_body(body, 4, SECOND).await.unwrap(), "abcd");
    }

    #[tokio::test]
    async fn content_length_over_the_limit_fails_before_reading() {
        let body = Full::new(Bytes::from_static(b"123456"));
        assert_eq!(read_body(body, 5, SECOND).await, Err(BodyError::TooLarge));
    }

    #[tokio::test]
    async fn unannounced_bodies_stop_at_the_limit() {
        let body = chunks(vec![Ok(b"abc"), Ok(b"def"), Ok(b"g")]);
        assert_eq!(read_body(body, 6, SECOND).await, Err(BodyError::TooLarge));
        let body = chunks(vec![Ok(b"abc"), Ok(b"def")]);
        assert_eq!(read_body(body, 6, SECOND).await.unwrap(), "abcdef");
    }

    #[tokio::test]
    async fn stream_errors_are_malformed() {
        let body = chunks(vec![Ok(b"abc"), Err("bad chunk size")]);
        assert_eq!(
            read_body(body, 100, SECOND).await,
            Err(BodyError::Malformed("bad chunk size".into()))
        );
    }

    #[tokio::test]
    async fn a_stalled_body_times_out() {
        let mut body = chunks(vec![Ok(b"x")]);
        body.stall = true;
        let started = std::time::Instant::now();
        assert_eq!(
            read_body(body, 100, Duration::from_millis(100)).await,
            Err(BodyError::Timeout)
        );
        assert!(started.elapsed() < SECOND);
    }

    #[test]
    fn error_answers_close_the_connection() {
        assert!(body_error_response(&BodyError::TooLarge).is_none());
        let malformed = body_error_response(&BodyError::Malformed("x".into())).unwrap();
        assert_eq!(malformed.status(), 400);
        assert_eq!(malformed.headers()["connection"], "close");
        let late = body_error_response(&BodyError::Timeout).unwrap();
        assert_eq!(late.status(), 408);
        assert_eq!(late.body(), r#"{"message":"Request Timeout"}"#);
    }
}
