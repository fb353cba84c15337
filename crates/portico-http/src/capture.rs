//! An IO wrapper for accepted HTTP/1.1 connections that frames the requests as hyper reads them.
//!
//! It sees every byte hyper reads, in order, and follows the request framing (head,
//! `Content-Length` or chunked body, trailers) with `httparse`, the parser hyper itself uses.
//! That gives three things hyper does not:
//! - each head's header names as the client sent them, in order and case (`OriginalHeaders`),
//!   queued for the service; requests on one HTTP/1 connection are served in order, so the
//!   service takes them front first (`Handle::take`, which also checks method and target);
//! - timeouts that tell a slow head (`header`) from a quiet keep-alive connection (`idle`):
//!   hyper's own header timeout also runs while a connection waits between requests;
//! - a lingering close: when hyper closes a connection whose request body was not read (a 413),
//!   the unread bytes would make the kernel reset the connection and the client could lose the
//!   answer, so the rest is read and dropped for a moment first.
//!
//! When the bytes cannot be framed (hyper then answers 400 and closes), capture stops and no
//! names are attached; after a protocol upgrade (101) the bytes are not HTTP and pass through.

use http_body::{Body, Frame, SizeHint};
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// Most headers in one head (hyper's default); more and hyper answers 431.
const MAX_HEADERS: usize = 100;
/// Longest head or chunk line kept while it arrives; past it the connection is not framed.
const MAX_BUFFERED: usize = 64 * 1024;
/// Most bytes read and dropped while lingering.
const LINGER_MAX_BYTES: usize = 64 * 1024 * 1024;

/// The header names of one request as the client sent them: in order, in their case,
/// repeated names repeated. A request extension set by the front door.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct OriginalHeaders {
    /// The request line's method and target, then the names, back to back.
    text: String,
    /// Where the method-and-target part ends.
    line_end: u32,
    /// Where each name ends in `text`.
    ends: Vec<u32>,
}

impl OriginalHeaders {
    pub fn from_names<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut headers = OriginalHeaders::default();
        for name in names {
            headers.push(name.as_ref());
        }
        headers
    }

    fn push(&mut self, name: &str) {
        self.text.push_str(name);
        self.ends.push(self.text.len() as u32);
    }

    /// The names, first to last.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        let mut start = self.line_end as usize;
        self.ends.iter().map(move |&end| {
            let name = &self.text[start..end as usize];
            start = end as usize;
            name
        })
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The first name matching `name` case-insensitively, as the client spelled it.
    pub fn original(&self, name: &str) -> Option<&str> {
        self.iter().find(|n| n.eq_ignore_ascii_case(name))
    }

    fn request_line(&self) -> &str {
        &self.text[..self.line_end as usize]
    }
}

impl fmt::Debug for OriginalHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The connection's timeouts, as the front door configures them.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// From a head's first byte to its end; also how long a new connection may stay silent.
    pub header: Duration,
    /// How long a keep-alive connection may wait for its next request.
    pub idle: Duration,
    /// How long to read and drop an unread request body before closing.
    pub linger: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            header: Duration::from_secs(30),
            idle: Duration::from_secs(60),
            linger: Duration::from_secs(2),
        }
    }
}

/// What the wrapper and the connection's service share.
#[derive(Default)]
struct Shared {
    heads: Mutex<VecDeque<OriginalHeaders>>,
    /// Requests whose answers are not written yet; a connection is idle only at zero.
    in_flight: AtomicUsize,
    /// Set when the service found a head it did not expect: nothing is attached after that.
    poisoned: AtomicBool,
    /// The reader, parked while a request was in flight: woken when the last answer is
    /// written, so that the idle timer starts then.
    parked: Mutex<Option<std::task::Waker>>,
}

/// The service's side of a connection's capture.
#[derive(Clone)]
pub struct Handle {
    shared: Arc<Shared>,
}

impl Handle {
    /// Marks a request in flight until the returned guard (moved into the answer's body with
    /// `Tracked`) is dropped, i.e. until hyper has written the answer.
    pub fn begin(&self) -> InFlight {
        self.shared.in_flight.fetch_add(1, Ordering::AcqRel);
        InFlight(self.shared.clone())
    }

    /// The original header names of the request hyper is handing over now: the oldest head
    /// framed, if it is this request's (same method and target).
    pub fn take(&self, method: &http::Method, uri: &http::Uri) -> Option<OriginalHeaders> {
        if self.shared.poisoned.load(Ordering::Relaxed) {
            return None;
        }
        let head = self
            .shared
            .heads
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front()?;
        if same_request(head.request_line(), method, uri) {
            Some(head)
        } else {
            self.shared.poisoned.store(true, Ordering::Relaxed);
            tracing::debug!(framed = head.request_line(), %method, %uri, "header capture out of step; stopped");
            None
        }
    }
}

fn same_request(line: &str, method: &http::Method, uri: &http::Uri) -> bool {
    let Some((framed_method, target)) = line.split_once(' ') else {
        return false;
    };
    if framed_method != method.as_str() {
        return false;
    }
    // Origin-form targets are kept as sent; other forms are normalised by the URI parser.
    !target.starts_with('/') || uri.path_and_query().is_some_and(|pq| pq.as_str() == target)
}

/// A request in flight; see `Handle::begin`.
pub struct InFlight(Arc<Shared>);

impl Drop for InFlight {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::AcqRel) == 1
            && let Some(waker) = self.0.parked.lock().unwrap_or_else(PoisonError::into_inner).take()
        {
            waker.wake();
        }
    }
}

/// An answer body that holds its request's `InFlight` until hyper drops it, when it is written.
pub struct Tracked<B> {
    body: B,
    _in_flight: InFlight,
}

impl<B> Tracked<B> {
    pub fn new(body: B, in_flight: InFlight) -> Self {
        Tracked {
            body,
            _in_flight: in_flight,
        }
    }
}

impl<B: Body + Unpin> Body for Tracked<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// Where the wrapper is in the request stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// Reading a head; `buf` holds what has come of it.
    Head,
    /// A `Content-Length` body with this many bytes to come.
    Fixed(u64),
    /// A chunk-size line, in `buf` until its end.
    ChunkSize,
    ChunkData(u64),
    /// The line end after a chunk's data.
    ChunkDataEnd,
    /// Trailer lines, up to an empty one.
    Trailers,
    /// The request asked for an upgrade: HTTP goes on only if the answer is not 101.
    /// `true` once bytes came meanwhile (they cannot be framed if it goes on).
    UpgradePending(bool),
    /// Upgraded: the bytes are another protocol's.
    Passthrough,
    /// Not framable; capture has stopped.
    Broken,
}

/// Wraps an accepted connection; see the module docs.
pub struct Capture<T> {
    io: T,
    shared: Arc<Shared>,
    timeouts: Timeouts,
    framing: Framing,
    /// After the current body: `Head`, or `UpgradePending` for an upgrade request.
    upgrade_after_body: bool,
    buf: Vec<u8>,
    /// Whether a head has been framed on this connection yet.
    served: bool,
    head_started: Instant,
    idle_since: Option<Instant>,
    sleep: Option<Pin<Box<Sleep>>>,
    armed: Option<Instant>,
    eof: bool,
    timed_out: bool,
    /// Set once the write side is shut: until when to linger.
    closing: Option<Instant>,
    drained: usize,
}

/// Wraps `io` and returns the handle the connection's service uses.
pub fn capture<T>(io: T, timeouts: Timeouts) -> (Capture<T>, Handle) {
    let shared = Arc::new(Shared::default());
    let now = Instant::now();
    let capture = Capture {
        io,
        shared: shared.clone(),
        timeouts,
        framing: Framing::Head,
        upgrade_after_body: false,
        buf: Vec::new(),
        served: false,
        head_started: now,
        idle_since: Some(now),
        sleep: None,
        armed: None,
        eof: false,
        timed_out: false,
        closing: None,
        drained: 0,
    };
    (capture, Handle { shared })
}

enum Parsed {
    Complete(usize),
    Partial,
    Invalid,
}

impl<T> Capture<T> {
    /// Follows the framing over bytes hyper is about to get.
    fn observe(&mut self, mut data: &[u8]) {
        self.idle_since = None;
        while !data.is_empty() {
            match self.framing {
                Framing::Head => {
                    if self.buf.is_empty() {
                        match self.parse_head(data) {
                            Parsed::Complete(n) => data = &data[n..],
                            Parsed::Partial => {
                                self.head_started = Instant::now();
                                self.buffer(data);
                                data = &[];
                            }
                            Parsed::Invalid => self.framing = Framing::Broken,
                        }
                    } else {
                        let had = self.buf.len();
                        self.buffer(data);
                        if self.framing == Framing::Broken {
                            return;
                        }
                        let head = std::mem::take(&mut self.buf);
                        match self.parse_head(&head) {
                            Parsed::Complete(n) => {
                                data = &data[n - had..];
                                self.buf = head;
                                self.buf.clear();
                            }
                            Parsed::Partial => {
                                self.buf = head;
                                data = &[];
                            }
                            Parsed::Invalid => self.framing = Framing::Broken,
                        }
                    }
                }
                Framing::Fixed(left) | Framing::ChunkData(left) => {
                    let n = left.min(data.len() as u64);
                    data = &data[n as usize..];
                    let left = left - n;
                    self.framing = match self.framing {
                        Framing::Fixed(_) if left == 0 => self.after_body(),
                        Framing::Fixed(_) => Framing::Fixed(left),
                        _ if left == 0 => Framing::ChunkDataEnd,
                        _ => Framing::ChunkData(left),
                    };
                }
                Framing::ChunkSize | Framing::ChunkDataEnd | Framing::Trailers => {
                    let Some(at) = data.iter().position(|&b| b == b'\n') else {
                        self.buffer(data);
                        return;
                    };
                    let (line, rest) = data.split_at(at + 1);
                    data = rest;
                    self.framing = if self.buf.is_empty() {
                        self.line(line)
                    } else {
                        self.buffer(line);
                        let whole = std::mem::take(&mut self.buf);
                        let next = self.line(&whole);
                        self.buf = whole;
                        self.buf.clear();
                        next
                    };
                }
                Framing::UpgradePending(_) => {
                    self.framing = Framing::UpgradePending(true);
                    return;
                }
                Framing::Passthrough | Framing::Broken => return,
            }
        }
    }

    fn buffer(&mut self, data: &[u8]) {
        if self.buf.len() + data.len() > MAX_BUFFERED {
            self.framing = Framing::Broken;
            self.buf = Vec::new();
        } else {
            self.buf.extend_from_slice(data);
        }
    }

    fn after_body(&self) -> Framing {
        if self.upgrade_after_body {
            Framing::UpgradePending(false)
        } else {
            Framing::Head
        }
    }

    /// One complete chunk line (ending in `\n`) in state `self.framing`: the next state.
    fn line(&self, line: &[u8]) -> Framing {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        match self.framing {
            Framing::ChunkSize => {
                let size = line.split(|&b| b == b';').next().unwrap_or_default();
                let size = std::str::from_utf8(size).map(str::trim).unwrap_or("");
                match u64::from_str_radix(size, 16) {
                    Ok(0) => Framing::Trailers,
                    Ok(n) if !size.starts_with('+') => Framing::ChunkData(n),
                    _ => Framing::Broken,
                }
            }
            Framing::ChunkDataEnd if line.is_empty() => Framing::ChunkSize,
            Framing::Trailers if line.is_empty() => self.after_body(),
            Framing::Trailers => Framing::Trailers,
            _ => Framing::Broken,
        }
    }

    /// Parses a head at the start of `bytes`; when complete, queues its names and sets up
    /// the framing of its body.
    fn parse_head(&mut self, bytes: &[u8]) -> Parsed {
        let mut storage = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS];
        let mut request = httparse::Request::new(&mut []);
        let len = match httparse::ParserConfig::default().parse_request_with_uninit_headers(
            &mut request,
            bytes,
            &mut storage,
        ) {
            Ok(httparse::Status::Complete(len)) => len,
            Ok(httparse::Status::Partial) => return Parsed::Partial,
            Err(_) => return Parsed::Invalid,
        };
        let (Some(method), Some(path)) = (request.method, request.path) else {
            return Parsed::Invalid;
        };
        let mut names = OriginalHeaders {
            text: String::with_capacity(
                method.len() + 1 + path.len() + request.headers.iter().map(|h| h.name.len()).sum::<usize>(),
            ),
            line_end: 0,
            ends: Vec::with_capacity(request.headers.len()),
        };
        names.text.push_str(method);
        names.text.push(' ');
        names.text.push_str(path);
        names.line_end = names.text.len() as u32;
        let mut chunked = false;
        let mut length: Option<u64> = None;
        let mut upgrade = method == "CONNECT";
        for header in request.headers.iter() {
            names.push(header.name);
            let name = header.name;
            if name.eq_ignore_ascii_case("transfer-encoding") {
                // Only a final `chunked` frames a request body; hyper refuses anything else.
                let last = header.value.rsplit(|&b| b == b',').next().unwrap_or_default();
                if !last.trim_ascii().eq_ignore_ascii_case(b"chunked") {
                    return Parsed::Invalid;
                }
                chunked = true;
            } else if name.eq_ignore_ascii_case("content-length") {
                let value = std::str::from_utf8(header.value)
                    .ok()
                    .and_then(|v| v.trim().parse().ok());
                match (value, length) {
                    (None, _) => return Parsed::Invalid,
                    (Some(v), Some(seen)) if v != seen => return Parsed::Invalid,
                    (v, _) => length = v,
                }
            } else if name.eq_ignore_ascii_case("upgrade") {
                upgrade = true;
            }
        }
        self.served = true;
        if !self.shared.poisoned.load(Ordering::Relaxed) {
            self.shared
                .heads
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push_back(names);
        }
        self.upgrade_after_body = upgrade;
        self.framing = if chunked {
            Framing::ChunkSize
        } else {
            match length {
                Some(n) if n > 0 => Framing::Fixed(n),
                _ => self.after_body(),
            }
        };
        Parsed::Complete(len)
    }

    /// When a pending read gives up: the head's deadline while one is arriving; the idle
    /// deadline when no request is in flight and none has begun.
    fn read_deadline(&mut self) -> Option<Instant> {
        match self.framing {
            Framing::Head if !self.buf.is_empty() => Some(self.head_started + self.timeouts.header),
            Framing::Head | Framing::Broken => {
                if self.shared.in_flight.load(Ordering::Relaxed) > 0 {
                    self.idle_since = None;
                    return None;
                }
                let since = *self.idle_since.get_or_insert_with(Instant::now);
                // A connection that never sent a request gets the header timeout.
                let wait = if self.served {
                    self.timeouts.idle
                } else {
                    self.timeouts.header
                };
                Some(since + wait)
            }
            _ => None,
        }
    }

    fn poll_until(&mut self, deadline: Instant, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= deadline {
            return Poll::Ready(());
        }
        match &mut self.sleep {
            Some(sleep) if self.armed != Some(deadline) => sleep.as_mut().reset(deadline),
            Some(_) => {}
            None => self.sleep = Some(Box::pin(tokio::time::sleep_until(deadline))),
        }
        self.armed = Some(deadline);
        match &mut self.sleep {
            Some(sleep) => sleep.as_mut().poll(cx),
            None => Poll::Pending,
        }
    }

    /// Whether closing now would leave request bytes unread.
    fn request_unfinished(&self) -> bool {
        !self.eof
            && match self.framing {
                Framing::Head => !self.buf.is_empty(),
                Framing::Passthrough | Framing::UpgradePending(_) => false,
                _ => true,
            }
    }

    /// An answer is being written: for an upgrade request, 101 means the bytes after it
    /// are no longer HTTP.
    fn observe_write(&mut self, first: &[u8]) {
        if let Framing::UpgradePending(read_meanwhile) = self.framing {
            let switching = first.len() >= 12 && first.starts_with(b"HTTP/1.") && &first[9..12] == b"101";
            self.framing = match (switching, read_meanwhile) {
                (true, _) => Framing::Passthrough,
                (false, false) => Framing::Head,
                (false, true) => Framing::Broken,
            };
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Capture<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.timed_out {
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let new = &buf.filled()[before..];
                if new.is_empty() {
                    this.eof = true;
                } else if this.framing != Framing::Passthrough {
                    this.observe(new);
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending => {
                let Some(deadline) = this.read_deadline() else {
                    if this.shared.in_flight.load(Ordering::Acquire) > 0 {
                        *this.shared.parked.lock().unwrap_or_else(PoisonError::into_inner) = Some(cx.waker().clone());
                        // The answer may have been written meanwhile: look again.
                        if this.shared.in_flight.load(Ordering::Acquire) == 0 {
                            cx.waker().wake_by_ref();
                        }
                    }
                    return Poll::Pending;
                };
                ready!(this.poll_until(deadline, cx));
                // Seen by hyper as the client closing: an idle connection ends quietly, a
                // half-sent head as an incomplete message.
                tracing::debug!(partial_head = !this.buf.is_empty(), "connection timed out");
                this.timed_out = true;
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Capture<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.observe_write(buf);
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if let Some(first) = bufs.iter().find(|b| !b.is_empty()) {
            self.observe_write(first);
        }
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let deadline = match this.closing {
            Some(deadline) => deadline,
            None => {
                ready!(Pin::new(&mut this.io).poll_shutdown(cx))?;
                if !this.request_unfinished() {
                    return Poll::Ready(Ok(()));
                }
                let deadline = Instant::now() + this.timeouts.linger;
                this.closing = Some(deadline);
                deadline
            }
        };
        // Linger: read and drop what the client is still sending, until it stops sending,
        // too much came, or the time is up.
        let mut scratch = [0u8; 8192];
        loop {
            let mut sink = ReadBuf::new(&mut scratch);
            match Pin::new(&mut this.io).poll_read(cx, &mut sink) {
                Poll::Ready(Ok(())) if sink.filled().is_empty() => return Poll::Ready(Ok(())),
                Poll::Ready(Ok(())) => {
                    this.drained += sink.filled().len();
                    if this.drained > LINGER_MAX_BYTES {
                        return Poll::Ready(Ok(()));
                    }
                }
                Poll::Ready(Err(_)) => return Poll::Ready(Ok(())),
                Poll::Pending => break,
            }
        }
        ready!(this.poll_until(deadline, cx));
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// Feeds `input` through a capture, `step` bytes per read, and returns what the service
    /// would take for each of `requests` (method, target).
    async fn frame(input: &[u8], step: usize, requests: &[(&str, &str)]) -> Vec<Option<Vec<String>>> {
        let (mut client, server) = tokio::io::duplex(1 << 20);
        let (mut capture, handle) = capture(server, Timeouts::default());
        client.write_all(input).await.unwrap();
        drop(client);
        let mut buf = vec![0u8; step];
        let mut seen = Vec::new();
        loop {
            let n = capture.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
        }
        assert_eq!(seen, input, "the wrapper passes every byte through");
        requests
            .iter()
            .map(|(method, target)| {
                let method = http::Method::from_bytes(method.as_bytes()).unwrap();
                let uri: http::Uri = target.parse().unwrap();
                handle
                    .take(&method, &uri)
                    .map(|h| h.iter().map(str::to_owned).collect())
            })
            .collect()
    }

    fn names(list: &[&str]) -> Option<Vec<String>> {
        Some(list.iter().map(|s| s.to_string()).collect())
    }

    const PIPELINED: &[u8] = b"GET /a HTTP/1.1\r\nHost: x\r\nX-Custom-Name: 1\r\nx-lower: 2\r\n\r\n\
POST /b?q=1 HTTP/1.1\r\nHOST: x\r\nContent-Length: 11\r\nX-Dup: a\r\nx-dup: b\r\n\r\nhello world\
PUT /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nX-Chunked: y\r\n\r\n\
5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n\
DELETE /d HTTP/1.1\r\nhost: x\r\nContent-length: 0\r\n\r\n";

    fn expected() -> Vec<Option<Vec<String>>> {
        vec![
            names(&["Host", "X-Custom-Name", "x-lower"]),
            names(&["HOST", "Content-Length", "X-Dup", "x-dup"]),
            names(&["Host", "Transfer-Encoding", "X-Chunked"]),
            names(&["host", "Content-length"]),
        ]
    }

    const REQUESTS: [(&str, &str); 4] = [("GET", "/a"), ("POST", "/b?q=1"), ("PUT", "/c"), ("DELETE", "/d")];

    #[tokio::test]
    async fn pipelined_requests_in_one_read() {
        assert_eq!(frame(PIPELINED, 1 << 16, &REQUESTS).await, expected());
    }

    #[tokio::test]
    async fn requests_split_at_every_byte() {
        for step in [1, 2, 3, 7, 13, 64] {
            assert_eq!(frame(PIPELINED, step, &REQUESTS).await, expected(), "step {step}");
        }
    }

    #[tokio::test]
    async fn a_head_out_of_step_stops_capture() {
        let got = frame(PIPELINED, 4096, &[("GET", "/a"), ("GET", "/elsewhere"), ("PUT", "/c")]).await;
        assert_eq!(got, vec![expected()[0].clone(), None, None]);
    }

    #[tokio::test]
    async fn unframable_bytes_stop_capture() {
        let input =
            b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\nGET /y HTTP/1.1\r\nHost: x\r\n\r\n";
        let got = frame(input, 4096, &[("POST", "/x"), ("GET", "/y")]).await;
        assert_eq!(got, vec![names(&["Transfer-Encoding"]), None]);
    }

    #[tokio::test]
    async fn nothing_is_framed_after_a_switch_of_protocols() {
        let (mut client, server) = tokio::io::duplex(1 << 16);
        let (mut capture, handle) = capture(server, Timeouts::default());
        client
            .write_all(b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 1024];
        let _ = capture.read(&mut buf).await.unwrap();
        capture
            .write_all(b"HTTP/1.1 101 Switching Protocols\r\n\r\n")
            .await
            .unwrap();
        // A frame that happens to look like a request head.
        client.write_all(b"GET /no HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        let _ = capture.read(&mut buf).await.unwrap();
        let uri = |s: &str| s.parse::<http::Uri>().unwrap();
        assert_eq!(handle.take(&http::Method::GET, &uri("/ws")).unwrap().len(), 3);
        assert_eq!(handle.take(&http::Method::GET, &uri("/no")), None);
        assert_eq!(capture.framing, Framing::Passthrough);
    }

    #[tokio::test]
    async fn a_refused_upgrade_goes_on_as_http() {
        let (mut client, server) = tokio::io::duplex(1 << 16);
        let (mut capture, handle) = capture(server, Timeouts::default());
        client
            .write_all(b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 1024];
        let _ = capture.read(&mut buf).await.unwrap();
        capture
            .write_all(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n")
            .await
            .unwrap();
        client
            .write_all(b"GET /next HTTP/1.1\r\nX-Next: 1\r\n\r\n")
            .await
            .unwrap();
        let _ = capture.read(&mut buf).await.unwrap();
        let uri = |s: &str| s.parse::<http::Uri>().unwrap();
        assert!(handle.take(&http::Method::GET, &uri("/ws")).is_some());
        assert_eq!(
            handle
                .take(&http::Method::GET, &uri("/next"))
                .unwrap()
                .original("x-next"),
            Some("X-Next")
        );
    }

    fn short() -> Timeouts {
        Timeouts {
            header: Duration::from_millis(100),
            idle: Duration::from_millis(200),
            linger: Duration::from_millis(100),
        }
    }

    #[tokio::test]
    async fn a_half_sent_head_times_out() {
        let (mut client, server) = tokio::io::duplex(1 << 16);
        let (mut capture, _handle) = capture(server, short());
        client.write_all(b"GET / HTTP/1.1\r\nHo").await.unwrap();
        let started = std::time::Instant::now();
        let mut buf = [0u8; 1024];
        assert_eq!(capture.read(&mut buf).await.unwrap(), 18);
        assert_eq!(capture.read(&mut buf).await.unwrap(), 0, "reads as the end");
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(100) && waited < Duration::from_millis(500),
            "{waited:?}"
        );
    }

    #[tokio::test]
    async fn idle_means_no_request_in_flight() {
        let (mut client, server) = tokio::io::duplex(1 << 16);
        let (mut capture, handle) = capture(server, short());
        client.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        let mut buf = [0u8; 1024];
        assert_eq!(capture.read(&mut buf).await.unwrap(), 18);
        // While an answer is pending, a quiet client is not idle.
        let in_flight = handle.begin();
        let pending = tokio::time::timeout(Duration::from_millis(400), capture.read(&mut buf)).await;
        assert!(pending.is_err(), "no timeout while a request is in flight");
        drop(in_flight);
        let started = std::time::Instant::now();
        assert_eq!(capture.read(&mut buf).await.unwrap(), 0);
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(200) && waited < Duration::from_millis(600),
            "{waited:?}"
        );
    }

    #[tokio::test]
    async fn closing_with_an_unread_body_lingers_until_the_client_is_done() {
        let (mut client, server) = tokio::io::duplex(1 << 16);
        let (mut capture, _handle) = capture(server, short());
        client
            .write_all(b"POST / HTTP/1.1\r\nContent-Length: 100000\r\n\r\nabc")
            .await
            .unwrap();
        let mut buf = [0u8; 1024];
        let _ = capture.read(&mut buf).await.unwrap();
        assert!(capture.request_unfinished());
        let writer = tokio::spawn(async move {
            // The rest of the body still goes out: the server reads and drops it.
            client.write_all(&[b'x'; 50_000]).await.unwrap();
            let mut answer = Vec::new();
            client.read_to_end(&mut answer).await.unwrap();
            answer
        });
        capture.write_all(b"HTTP/1.1 413 x\r\n\r\n").await.unwrap();
        capture.shutdown().await.unwrap();
        assert_eq!(capture.drained, 50_000);
        assert_eq!(writer.await.unwrap(), b"HTTP/1.1 413 x\r\n\r\n");
    }

    #[test]
    fn original_headers_lookup() {
        let headers = OriginalHeaders::from_names(["Content-Type", "X-Amz-Date", "x-amz-date"]);
        assert_eq!(headers.len(), 3);
        assert_eq!(headers.original("x-AMZ-date"), Some("X-Amz-Date"));
        assert_eq!(headers.original("accept"), None);
        assert_eq!(
            format!("{headers:?}"),
            r#"["Content-Type", "X-Amz-Date", "x-amz-date"]"#
        );
    }
}
