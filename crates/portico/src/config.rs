//! Command line and `PORTICO_*` environment settings.

use clap::Parser;
use std::path::PathBuf;

#[derive(Debug, Clone, Parser)]
#[command(
    name = "portico",
    version,
    about = "Amazon API Gateway on a laptop: control plane and execute-api on one port"
)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "PORTICO_HOST", default_value = "127.0.0.1")]
    pub host: String,

    /// Port serving both the AWS control plane and execute-api (0 picks a free one).
    #[arg(long, env = "PORTICO_PORT", default_value_t = 4566)]
    pub port: u16,

    /// Directory of the SQLite state; it survives restarts.
    #[arg(long, env = "PORTICO_DATA_DIR", default_value = "./.portico")]
    pub data_dir: PathBuf,

    /// Keep all state in memory; nothing is written to disk.
    #[arg(long, env = "PORTICO_IN_MEMORY", default_value_t = false)]
    pub in_memory: bool,

    /// Account of requests whose access key is not a 12-digit account id (e.g. `test`), and of unsigned ones.
    #[arg(long, env = "PORTICO_DEFAULT_ACCOUNT", default_value = "000000000000")]
    pub default_account: String,

    /// Region of unsigned requests.
    #[arg(long, env = "PORTICO_DEFAULT_REGION", default_value = "us-east-1")]
    pub default_region: String,

    /// Log filter, as `RUST_LOG` (e.g. `info`, `portico=debug`).
    #[arg(long, env = "PORTICO_LOG", default_value = "info")]
    pub log: String,
}
