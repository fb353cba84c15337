//! A WebSocket load generator for `scripts/bench --ws`: N connections to a WebSocket API's stage,
//! each sending a message and waiting for the route's answer in a loop (a two-way route), or N
//! connections opened and held idle (so the bench can read Portico's RSS with them open).
//!
//!   ws_load URL CONNECTIONS SECONDS PAYLOAD    load; prints one line of figures
//!   ws_load --idle URL CONNECTIONS SECONDS     opens them all, prints `opened=N`, holds SECONDS
//!
//! The load line: `connections=N messages=M seconds=S msgs_per_s=R p50_ms=A p99_ms=B errors=E`
//! (round trips measured from send to the answer's arrival, per connection, all merged); the
//! first answer received goes to stderr as `first answer: …`, for the bench to check.

use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Handshakes in flight at once: a thousand SYNs at the same instant overflow the listen backlog.
const OPENING_AT_ONCE: usize = 64;

fn usage() -> ! {
    eprintln!("usage: ws_load URL CONNECTIONS SECONDS PAYLOAD | ws_load --idle URL CONNECTIONS SECONDS");
    std::process::exit(2);
}

fn number<T: std::str::FromStr>(arg: Option<&String>) -> T {
    arg.and_then(|a| a.parse().ok()).unwrap_or_else(|| usage())
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let idle = args.first().is_some_and(|a| a == "--idle");
    let args = if idle { &args[1..] } else { &args[..] };
    let url = args.first().cloned().unwrap_or_else(|| usage());
    let connections: usize = number(args.get(1));
    let seconds: f64 = number(args.get(2));
    let duration = Duration::from_secs_f64(seconds);
    let sockets = open_all(&url, connections).await;
    if idle {
        hold(sockets, duration).await;
    } else {
        let payload = args.get(3).cloned().unwrap_or_else(|| usage());
        load(sockets, duration, payload).await;
    }
}

/// Opens `count` connections, a bounded number at a time; any failure ends the run, since
/// figures over fewer connections than asked would mislead.
async fn open_all(url: &str, count: usize) -> Vec<Socket> {
    let gate = Arc::new(Semaphore::new(OPENING_AT_ONCE));
    let mut opening = Vec::with_capacity(count);
    for _ in 0..count {
        let (url, gate) = (url.to_owned(), gate.clone());
        opening.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await.expect("semaphore open");
            connect_async(url).await.map(|(socket, _)| socket)
        }));
    }
    let mut sockets = Vec::with_capacity(count);
    for (i, task) in opening.into_iter().enumerate() {
        match task.await.expect("connect task") {
            Ok(socket) => sockets.push(socket),
            Err(e) => {
                eprintln!("ws_load: connection {} of {count} failed: {e}", i + 1);
                std::process::exit(1);
            }
        }
    }
    sockets
}

async fn hold(sockets: Vec<Socket>, duration: Duration) {
    let count = sockets.len();
    // Each connection keeps reading, so pings are answered and a close from the server is seen.
    let readers: Vec<_> = sockets
        .into_iter()
        .map(|mut socket| {
            tokio::spawn(async move {
                let open = tokio::time::timeout(duration, async {
                    while let Some(Ok(message)) = socket.next().await {
                        if message.is_close() {
                            return false;
                        }
                    }
                    false
                })
                .await
                .is_err();
                if open {
                    let _ = socket.close(None).await;
                }
                open
            })
        })
        .collect();
    println!("opened={count}");
    let mut still_open = 0;
    for reader in readers {
        still_open += usize::from(reader.await.unwrap_or(false));
    }
    println!("held={still_open} of {count} for {:.0}s", duration.as_secs_f64());
}

/// Per connection: send, wait for the answer, record the round trip; until the deadline.
async fn load(sockets: Vec<Socket>, duration: Duration, payload: String) {
    let count = sockets.len();
    let start = Instant::now();
    let deadline = start + duration;
    let tasks: Vec<_> = sockets
        .into_iter()
        .enumerate()
        .map(|(i, mut socket)| {
            let payload = payload.clone();
            tokio::spawn(async move {
                let mut trips: Vec<u32> = Vec::new();
                let mut errors = 0u64;
                while Instant::now() < deadline {
                    let sent = Instant::now();
                    if socket.send(Message::text(payload.clone())).await.is_err() {
                        errors += 1;
                        break;
                    }
                    match answer(&mut socket, deadline + Duration::from_secs(5)).await {
                        Some(text) => {
                            trips.push(sent.elapsed().as_micros().min(u32::MAX as u128) as u32);
                            if i == 0 && trips.len() == 1 {
                                eprintln!("first answer: {text}");
                            }
                        }
                        None => {
                            errors += 1;
                            break;
                        }
                    }
                }
                let _ = socket.close(None).await;
                (trips, errors)
            })
        })
        .collect();
    let mut trips = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (mine, failed) = task.await.expect("load task");
        trips.extend(mine);
        errors += failed;
    }
    let elapsed = start.elapsed().as_secs_f64();
    trips.sort_unstable();
    let at = |q: f64| -> f64 {
        if trips.is_empty() {
            return 0.0;
        }
        let i = ((trips.len() as f64 * q).ceil() as usize).clamp(1, trips.len()) - 1;
        f64::from(trips[i]) / 1000.0
    };
    println!(
        "connections={count} messages={} seconds={elapsed:.1} msgs_per_s={:.0} p50_ms={:.3} p99_ms={:.3} errors={errors}",
        trips.len(),
        trips.len() as f64 / elapsed,
        at(0.50),
        at(0.99),
    );
}

/// The next data frame (text, or binary shown lossily); None on a close, an error or no answer
/// by `until`.
async fn answer(socket: &mut Socket, until: Instant) -> Option<String> {
    loop {
        let next = tokio::time::timeout_at(until.into(), socket.next()).await.ok()??;
        match next.ok()? {
            Message::Text(text) => return Some(text.to_string()),
            Message::Binary(bytes) => return Some(String::from_utf8_lossy(&bytes).into_owned()),
            Message::Close(_) => return None,
            // Pings are answered by tungstenite on the next read; pongs and raw frames skip.
            _ => continue,
        }
    }
}
