use clap::Parser;
use portico::{Config, State};
use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// mimalloc: a request allocates and frees dozens of small blocks, which glibc's allocator
/// serves at about a sixth of a MOCK request's instructions.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How long a log line may wait in the batch before it is written.
const LOG_INTERVAL: std::time::Duration = std::time::Duration::from_millis(20);
/// Past this many buffered bytes, the logging thread writes the batch itself.
const LOG_BATCH_LIMIT: usize = 1 << 20;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = Config::parse();
    // Lines are batched and written by a thread of their own (see `log_writer`); the guard
    // writes what is left when Portico stops.
    let (log_writer, _log_guard) =
        portico::log_writer::BatchedWriter::new(std::io::stderr(), LOG_INTERVAL, LOG_BATCH_LIMIT);
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_new(&config.log).unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(log_writer)
        // Colour for a person at a terminal; none in files, pipes and `docker logs`.
        .with_ansi(std::io::stderr().is_terminal())
        .event_format(portico::log_format::Lines::default())
        .init();
    let listener = match tokio::net::TcpListener::bind((config.host.as_str(), config.port)).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("portico: cannot listen on {}:{}: {e}", config.host, config.port);
            return std::process::ExitCode::FAILURE;
        }
    };
    let address = listener.local_addr().expect("bound listener has an address");
    let state = match State::new(config.clone(), address).await {
        Ok(state) => state,
        Err(e) => {
            eprintln!("portico: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    // Handlers first: a signal that comes right after the first line must still stop us cleanly.
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut interrupt), Ok(mut term)) = (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) else {
        eprintln!("portico: cannot install signal handlers");
        return std::process::ExitCode::FAILURE;
    };
    // First line on stdout: tests and scripts read the port from it.
    println!("portico listening on http://{address}");
    if config.in_memory {
        println!("state: in memory (nothing is kept)");
    } else {
        println!("state: {}", config.data_dir.join("portico.db").display());
    }
    let shutdown = async move {
        let signal = tokio::select! {
            _ = interrupt.recv() => "Ctrl-C",
            _ = term.recv() => "SIGTERM",
        };
        tracing::info!("{signal} received: stopping");
    };
    let runners = state.lambda.runners().clone();
    let served = portico::run(listener, state, shutdown).await;
    // Function processes end with Portico.
    runners.shutdown().await;
    match served {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("portico: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
