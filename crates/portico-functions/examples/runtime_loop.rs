//! The bench's floor for a Lambda call: one warm local process (the same runner Portico uses)
//! called back to back through the Lambda Runtime API, with no HTTP front and no API Gateway.
//! `scripts/bench` sets its figures beside `lambda-c1`; the difference is Portico's own share.
//!
//!   runtime_loop CODE_DIR SECONDS EVENT_FILE
//! prints one line: `calls rps p50_ms p99_ms`.

use portico_functions::{FunctionSpec, Invocation, Outcome, RunnerConfig, Runners};
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, code_dir, seconds, event_file] = args.as_slice() else {
        eprintln!("usage: runtime_loop CODE_DIR SECONDS EVENT_FILE");
        std::process::exit(2);
    };
    let seconds: f64 = seconds.parse().expect("SECONDS is a number");
    let event = bytes::Bytes::from(std::fs::read(event_file).expect("EVENT_FILE is readable"));
    let runners = Runners::new(RunnerConfig::default());
    let spec = FunctionSpec::new("runtime-loop", "python3.12", "app.handler", code_dir);
    // The first call starts the process; only warm calls count.
    call(&runners, &spec, &event).await;
    let mut latencies = Vec::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs_f64(seconds) {
        let t0 = Instant::now();
        call(&runners, &spec, &event).await;
        latencies.push(t0.elapsed());
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    println!(
        "{} {:.0} {:.3} {:.3}",
        latencies.len(),
        latencies.len() as f64 / elapsed,
        at(0.50).as_secs_f64() * 1000.0,
        at(0.99).as_secs_f64() * 1000.0
    );
    runners.shutdown().await;
}

async fn call(runners: &Runners, spec: &FunctionSpec, event: &bytes::Bytes) {
    match runners.invoke(spec.clone(), Invocation::new(event.clone())).await {
        Ok(Outcome::Success(_)) => {}
        other => panic!("the handler failed: {other:?}"),
    }
}
