//! The format of Portico's log lines: tracing-subscriber's default (`Full`), with the
//! per-request line (`portico::request`) written by hand. That line is formatted once per
//! request; through the generic formatter (a visitor per field, `core::fmt` for each piece, the
//! timestamp's calendar arithmetic) it cost a fifth of a MOCK request's instructions.
//!
//! The hand-written line is byte for byte what `Full` writes without colours. Lines with
//! colours (a terminal), inside spans, or of any other target go through `Full` itself.

use std::cell::Cell;
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::{Format, Full, Writer};
use tracing_subscriber::fmt::time::SystemTime as Timer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// The target written by hand.
const REQUEST_TARGET: &str = "portico::request";

/// `Full` for every line, the request line by hand.
#[derive(Default)]
pub struct Lines {
    full: Format<Full, Timer>,
}

impl<S, N> FormatEvent<S, N> for Lines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        let meta = event.metadata();
        let plain = meta.target() == REQUEST_TARGET
            && !writer.has_ansi_escapes()
            && event.parent().is_none()
            && (!event.is_contextual() || ctx.lookup_current().is_none());
        if !plain {
            return self.full.format_event(ctx, writer, event);
        }
        write_timestamp(&mut writer, SystemTime::now())?;
        writer.write_str(level(meta.level()))?;
        writer.write_str(meta.target())?;
        writer.write_str(": ")?;
        let mut fields = Fields {
            writer: &mut writer,
            first: true,
            result: Ok(()),
        };
        event.record(&mut fields);
        fields.result?;
        writer.write_char('\n')
    }
}

/// The level as `Full` pads it (to five), with the space after it.
fn level(level: &Level) -> &'static str {
    match *level {
        Level::TRACE => "TRACE ",
        Level::DEBUG => "DEBUG ",
        Level::INFO => " INFO ",
        Level::WARN => " WARN ",
        Level::ERROR => "ERROR ",
    }
}

thread_local! {
    /// The second last formatted on this thread and its `YYYY-MM-DDTHH:MM:SS.` (the calendar
    /// is worked out once a second, not once a line).
    static SECOND: Cell<(u64, [u8; 20])> = const { Cell::new((u64::MAX, [0; 20])) };
}

/// RFC 3339 in UTC with microseconds, as tracing-subscriber's `SystemTime` writes it.
fn write_timestamp(writer: &mut Writer<'_>, now: SystemTime) -> fmt::Result {
    let since = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = since.as_secs();
    let prefix = SECOND.with(|cell| {
        let (cached, prefix) = cell.get();
        if cached == seconds {
            return prefix;
        }
        let prefix = second_prefix(seconds);
        cell.set((seconds, prefix));
        prefix
    });
    let mut stamp = [0u8; 28];
    stamp[..20].copy_from_slice(&prefix);
    let mut micros = since.subsec_micros();
    for digit in stamp[20..26].iter_mut().rev() {
        *digit = b'0' + (micros % 10) as u8;
        micros /= 10;
    }
    stamp[26] = b'Z';
    stamp[27] = b' ';
    // Only ASCII digits and punctuation were written.
    writer.write_str(std::str::from_utf8(&stamp).map_err(|_| fmt::Error)?)
}

/// `YYYY-MM-DDTHH:MM:SS.` for seconds since the epoch.
fn second_prefix(seconds: u64) -> [u8; 20] {
    let at = i64::try_from(seconds)
        .ok()
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let mut out = *b"0000-00-00T00:00:00.";
    let mut put = |at: usize, width: usize, mut value: u32| {
        for digit in out[at..at + width].iter_mut().rev() {
            *digit = b'0' + (value % 10) as u8;
            value /= 10;
        }
    };
    put(0, 4, at.year().clamp(0, 9_999) as u32);
    put(5, 2, u32::from(u8::from(at.month())));
    put(8, 2, u32::from(at.day()));
    put(11, 2, u32::from(at.hour()));
    put(14, 2, u32::from(at.minute()));
    put(17, 2, u32::from(at.second()));
    out
}

/// The fields as `Full`'s default visitor writes them: `name=value`, space-separated, strings
/// in their `Debug` form (quoted, escaped), the message first and without a name.
struct Fields<'w, 'a> {
    writer: &'w mut Writer<'a>,
    first: bool,
    result: fmt::Result,
}

impl Fields<'_, '_> {
    /// The separator, then the name and `=` unless it is the message. `false`: skip it.
    fn name(&mut self, field: &Field) -> bool {
        if self.result.is_err() {
            return false;
        }
        let name = field.name();
        if name.starts_with("log.") {
            return false;
        }
        if !std::mem::take(&mut self.first) {
            self.result = self.writer.write_char(' ');
        }
        if name != "message" {
            let name = name.strip_prefix("r#").unwrap_or(name);
            self.result = self
                .result
                .and_then(|()| self.writer.write_str(name))
                .and_then(|()| self.writer.write_char('='));
        }
        self.result.is_ok()
    }
}

/// Bytes `str`'s `Debug` writes as they are.
fn verbatim(s: &str) -> bool {
    s.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
}

impl Visit for Fields<'_, '_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if !self.name(field) {
            return;
        }
        self.result = if field.name() == "message" {
            self.writer.write_str(value)
        } else if verbatim(value) {
            self.writer
                .write_char('"')
                .and_then(|()| self.writer.write_str(value))
                .and_then(|()| self.writer.write_char('"'))
        } else {
            write!(self.writer, "{value:?}")
        };
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if self.name(field) {
            let mut digits = [0; 20];
            self.result = self.writer.write_str(format_u64(&mut digits, value));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if self.name(field) {
            self.result = write!(self.writer, "{value:?}");
        }
    }
}

/// `value` in decimal, written into the end of `buffer`.
fn format_u64(buffer: &mut [u8; 20], mut value: u64) -> &str {
    let mut at = buffer.len();
    loop {
        at -= 1;
        buffer[at] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    std::str::from_utf8(&buffer[at..]).unwrap_or("0")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use tracing_subscriber::fmt::MakeWriter;

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Sink {
        type Writer = Sink;
        fn make_writer(&'a self) -> Sink {
            self.clone()
        }
    }

    /// Events of the request log's shape (and a few odd values), through a subscriber.
    fn emit() {
        tracing::info!(
            target: "portico::request",
            method = %http::Method::GET,
            path = "/restapis/abc/stages",
            status = 200u16,
            latency_us = 1234u64,
            operation = "GetStages",
            request_id = "28f29f37-e058-4c50-b6bf-34fa905e5a10",
            cache = Some("hit"),
        );
        let none: Option<&str> = None;
        tracing::info!(
            target: "portico::request",
            method = %http::Method::POST,
            path = "/a \"quoted\"\\path\n\u{e9}",
            status = 0u16,
            latency_us = u64::MAX,
            operation = "-",
            request_id = "-",
            cache = none,
        );
        tracing::warn!(target: "portico::request", r#type = "x", "a message {}", 1);
        tracing::info!(target: "portico::other", path = "/x", "not the request log");
    }

    /// Lines without their timestamps (27 characters).
    fn lines(format: impl FnOnce(Sink) -> Box<dyn Subscriber + Send + Sync>) -> Vec<String> {
        let sink = Sink::default();
        tracing::subscriber::with_default(format(sink.clone()), emit);
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        text.lines().map(|l| l[27..].to_owned()).collect()
    }

    #[test]
    fn request_lines_are_what_full_writes() {
        let ours = lines(|sink| {
            Box::new(
                tracing_subscriber::fmt()
                    .with_writer(sink)
                    .with_ansi(false)
                    .event_format(Lines::default())
                    .finish(),
            )
        });
        let full = lines(|sink| Box::new(tracing_subscriber::fmt().with_writer(sink).with_ansi(false).finish()));
        assert_eq!(ours.len(), 4);
        assert_eq!(ours, full);
        assert!(ours[0].starts_with("  INFO portico::request: method=GET path=\"/restapis/abc/stages\" status=200"));
    }

    #[test]
    fn timestamps_are_rfc3339_with_microseconds() {
        let at = |secs: u64, micros: u32| {
            let mut out = String::new();
            let time = UNIX_EPOCH + std::time::Duration::new(secs, micros * 1_000);
            write_timestamp(&mut Writer::new(&mut out), time).unwrap();
            out
        };
        assert_eq!(at(0, 0), "1970-01-01T00:00:00.000000Z ");
        assert_eq!(at(951_782_400, 7), "2000-02-29T00:00:00.000007Z ");
        assert_eq!(at(1_796_083_199, 999_999), "2026-11-30T23:59:59.999999Z ");
        assert_eq!(at(4_107_542_400, 120_000), "2100-03-01T00:00:00.120000Z ");
        // The cached second is not reused for another.
        assert_eq!(at(1_796_083_200, 1), "2026-12-01T00:00:00.000001Z ");
    }

    #[test]
    fn the_timestamp_matches_tracing_subscribers() {
        use tracing_subscriber::fmt::time::FormatTime;
        for _ in 0..3 {
            let mut theirs = String::new();
            Timer.format_time(&mut Writer::new(&mut theirs)).unwrap();
            let mut ours = String::new();
            write_timestamp(&mut Writer::new(&mut ours), SystemTime::now()).unwrap();
            // Same second (retried across a boundary), same shape.
            if theirs[..19] == ours[..19] {
                assert_eq!(theirs.len() + 1, ours.len());
                return;
            }
        }
        panic!("timestamps never agreed on the second");
    }
}
