use clap::Parser;
use portico::{Config, State};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = Config::parse();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_new(&config.log).unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        .init();
    let listener = match tokio::net::TcpListener::bind((config.host.as_str(), config.port)).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("portico: cannot listen on {}:{}: {e}", config.host, config.port);
            return std::process::ExitCode::FAILURE;
        }
    };
    let state = match State::new(config.clone()).await {
        Ok(state) => state,
        Err(e) => {
            eprintln!("portico: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let address = listener.local_addr().expect("bound listener has an address");
    // First line on stdout: tests and scripts read the port from it.
    println!("portico listening on http://{address}");
    if config.in_memory {
        println!("state: in memory (nothing is kept)");
    } else {
        println!("state: {}", config.data_dir.join("portico.db").display());
    }
    let shutdown = async {
        let ctrl_c = tokio::signal::ctrl_c();
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("signal handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    };
    match portico::run(listener, state, shutdown).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("portico: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
