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

    /// Raise (or lower) one of AWS's quotas, e.g. `--quota resources-per-api=1000`; repeatable.
    /// Each also reads `PORTICO_QUOTA_<NAME>` (`PORTICO_QUOTA_RESOURCES_PER_API=1000`).
    #[arg(long = "quota", value_name = "NAME=VALUE")]
    pub quotas: Vec<String>,
}

impl Config {
    /// The quotas in force: AWS's defaults, then `PORTICO_QUOTA_*`, then `--quota`.
    pub fn quotas(&self) -> Result<portico_rest::Quotas, String> {
        let mut quotas = portico_rest::Quotas::default();
        for quota in portico_rest::quotas::QUOTAS {
            let var = format!("PORTICO_QUOTA_{}", quota.name.to_ascii_uppercase().replace('-', "_"));
            if let Ok(value) = std::env::var(&var) {
                let value = value
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| format!("{var}: {value:?} is not a number"))?;
                quotas.set(quota.name, value)?;
            }
        }
        for setting in &self.quotas {
            let (name, value) = setting
                .split_once('=')
                .ok_or_else(|| format!("--quota {setting:?}: expected NAME=VALUE"))?;
            let value = value
                .trim()
                .parse::<u64>()
                .map_err(|_| format!("--quota {setting:?}: {value:?} is not a number"))?;
            quotas.set(name.trim(), value)?;
        }
        Ok(quotas)
    }
}
