//! Command line and `PORTICO_*` environment settings.

use clap::Parser;
use portico_functions::Credentials;
use std::path::PathBuf;
use std::time::Duration;

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

    /// Time a client has to send a request's head (request line and headers), and a new
    /// connection to start one (`30s`, `500ms`, `2m`; a bare number is seconds).
    #[arg(long, env = "PORTICO_HEADER_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    pub header_timeout: Duration,

    /// Time a client has to send a request's body; past it the answer is 408.
    #[arg(long, env = "PORTICO_BODY_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    pub body_timeout: Duration,

    /// Time a keep-alive connection may wait for its next request before it is closed.
    #[arg(long, env = "PORTICO_IDLE_TIMEOUT", default_value = "60s", value_parser = parse_duration)]
    pub idle_timeout: Duration,

    /// A WebSocket connection with no message either way for this long is closed with 1001
    /// (AWS: 10 minutes).
    #[arg(long, env = "PORTICO_WS_IDLE_TIMEOUT", default_value = "10m", value_parser = parse_duration)]
    pub ws_idle_timeout: Duration,

    /// A WebSocket connection is closed with 1001 after this long, whatever it does (AWS: 2 hours).
    #[arg(long, env = "PORTICO_WS_MAX_DURATION", default_value = "120m", value_parser = parse_duration)]
    pub ws_max_duration: Duration,

    /// Largest request head in bytes (request line and headers); larger ones get 431.
    /// AWS allows a 10240-character URL and 10240 bytes of headers.
    #[arg(long, env = "PORTICO_MAX_HEADER_SIZE", default_value_t = 20480, value_parser = clap::value_parser!(u32).range(1024..))]
    pub max_header_size: u32,

    /// Where a Cognito user pool's keys are: `POOL_ID_OR_ISSUER=PATH_OR_URL`, a JWKS file or URL
    /// (e.g. `us-east-1_Ab12=./jwks.json`); repeatable, comma-separated in the variable.
    /// COGNITO_USER_POOLS authorizers check tokens' signatures against it.
    #[arg(
        long = "cognito-jwks",
        env = "PORTICO_COGNITO_JWKS",
        value_name = "POOL=PATH_OR_URL",
        value_delimiter = ','
    )]
    pub cognito_jwks: Vec<String>,

    /// Where a JWT issuer's keys are: `ISSUER=PATH_OR_URL`, a JWKS file or URL (e.g.
    /// `https://idp.example.com/realms/a=./jwks.json`); repeatable, comma-separated in the
    /// variable. HTTP APIs' JWT authorizers use it instead of the issuer's discovery document,
    /// which is fetched only for https:// issuers and http:// ones on loopback.
    #[arg(
        long = "jwt-issuer",
        env = "PORTICO_JWT_ISSUERS",
        value_name = "ISSUER=PATH_OR_URL",
        value_delimiter = ','
    )]
    pub jwt_issuers: Vec<String>,

    /// Where a VPC link's traffic goes: `LINK=URL`, LINK the link's id or one of its target
    /// ARNs (e.g. `arn:aws:elasticloadbalancing:...:loadbalancer/net/orders/1=http://orders:8080`);
    /// repeatable, comma-separated in the variable. VPC_LINK integrations keep their URI's path
    /// and send it to URL.
    #[arg(
        long = "vpc-link-target",
        env = "PORTICO_VPC_LINK_TARGETS",
        value_name = "LINK=URL",
        value_delimiter = ','
    )]
    pub vpc_link_targets: Vec<String>,

    /// Accept Cognito tokens of user pools without `--cognito-jwks` without checking their
    /// signature (everything else is still checked). Anyone can then mint a token: local use only.
    #[arg(long, env = "PORTICO_COGNITO_SKIP_SIGNATURE", default_value_t = false)]
    pub cognito_skip_signature: bool,

    /// A credential AWS_IAM methods accept, `ACCESS_KEY:SECRET`; repeatable, comma-separated in
    /// the variable. A 12-digit access key is its own account; others are the default account's.
    #[arg(
        long = "iam-credentials",
        env = "PORTICO_IAM_CREDENTIALS",
        value_name = "ACCESS_KEY:SECRET",
        value_delimiter = ',',
        default_value = "test:test"
    )]
    pub iam_credentials: Vec<String>,

    /// A functions file (TOML) declaring Lambda functions that need no CreateFunction: local
    /// folders run here, Runtime Interface Emulator containers, functions of another Lambda
    /// endpoint. A mistake in it stops start-up.
    #[arg(long = "functions", env = "PORTICO_FUNCTIONS", value_name = "FILE")]
    pub functions: Option<PathBuf>,

    /// Invoke functions Portico does not know (neither created nor declared) at this Lambda
    /// endpoint, SigV4-signed, instead of answering ResourceNotFound.
    #[arg(long, env = "PORTICO_LAMBDA_ENDPOINT", value_name = "URL")]
    pub lambda_endpoint: Option<String>,

    /// Credentials signing calls to other Lambda endpoints, `ACCESS_KEY:SECRET[:SESSION_TOKEN]`;
    /// else AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), else test:test.
    #[arg(
        long,
        env = "PORTICO_LAMBDA_ENDPOINT_CREDENTIALS",
        value_name = "KEY:SECRET",
        hide_env_values = true
    )]
    pub lambda_endpoint_credentials: Option<String>,

    /// Send REST API integrations of type AWS with service URIs (DynamoDB, SQS, SNS, S3, Step
    /// Functions…) to this endpoint, SigV4-signed (e.g. a moto server). Portico emulates no AWS
    /// service; without it such integrations answer 500.
    #[arg(long, env = "PORTICO_AWS_ENDPOINT", value_name = "URL")]
    pub aws_endpoint: Option<String>,

    /// The account-level throttle of every account and region: steady requests per second.
    #[arg(long, env = "PORTICO_THROTTLE_RATE", default_value_t = 10_000.0)]
    pub throttle_rate: f64,

    /// The account-level throttle's burst.
    #[arg(long, env = "PORTICO_THROTTLE_BURST", default_value_t = 5_000)]
    pub throttle_burst: u32,

    /// Throttling's clock stands still until `POST /_portico/clock?advance=SECONDS` moves it,
    /// so tests reach exact request counts without sleeping. For tests only.
    #[arg(long, env = "PORTICO_TEST_CLOCK", default_value_t = false)]
    pub test_clock: bool,
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

impl Config {
    /// The data plane's identity settings: `--cognito-jwks`, `--cognito-skip-signature`,
    /// `--iam-credentials`, `--jwt-issuer`.
    pub fn auth(&self) -> Result<portico_dataplane::AuthSettings, String> {
        let pair = |option: &str, text: &str, separator: char, shape: &str| {
            text.split_once(separator)
                .map(|(a, b)| (a.trim().to_owned(), b.trim().to_owned()))
                .filter(|(a, b)| !a.is_empty() && !b.is_empty())
                .ok_or_else(|| format!("{option} {text:?}: expected {shape}"))
        };
        let cognito_jwks = self
            .cognito_jwks
            .iter()
            .filter(|s| !s.trim().is_empty())
            .map(|s| pair("--cognito-jwks", s, '=', "POOL_ID_OR_ISSUER=PATH_OR_URL"))
            .collect::<Result<_, _>>()?;
        let jwt_issuers = self
            .jwt_issuers
            .iter()
            .filter(|s| !s.trim().is_empty())
            .map(|s| jwt_issuer(s))
            .collect::<Result<_, _>>()?;
        let iam_credentials = self
            .iam_credentials
            .iter()
            .filter(|s| !s.trim().is_empty())
            .map(|s| pair("--iam-credentials", s, ':', "ACCESS_KEY:SECRET"))
            .collect::<Result<_, _>>()?;
        Ok(portico_dataplane::AuthSettings {
            cognito_jwks,
            cognito_skip_signature: self.cognito_skip_signature,
            iam_credentials,
            default_account: self.default_account.clone(),
            jwt_issuers,
        })
    }

    /// `--vpc-link-target`, checked: (link id or target ARN, an http(s) URL).
    pub fn vpc_link_targets(&self) -> Result<Vec<(String, http::Uri)>, String> {
        self.vpc_link_targets
            .iter()
            .filter(|s| !s.trim().is_empty())
            .map(|text| {
                // Link ids and ARNs have no `=`; a URL's query may.
                let (link, url) = text
                    .split_once('=')
                    .map(|(l, u)| (l.trim(), u.trim()))
                    .filter(|(l, _)| !l.is_empty())
                    .ok_or_else(|| format!("--vpc-link-target {text:?}: expected LINK=URL"))?;
                match url.parse::<http::Uri>() {
                    Ok(uri) if matches!(uri.scheme_str(), Some("http" | "https")) && uri.authority().is_some() => {
                        Ok((link.to_owned(), uri))
                    }
                    _ => Err(format!("--vpc-link-target {text:?}: {url:?} is not an http(s) URL")),
                }
            })
            .collect()
    }

    /// `--lambda-endpoint`, checked.
    pub fn lambda_endpoint(&self) -> Result<Option<&str>, String> {
        let Some(url) = self.lambda_endpoint.as_deref().map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(None);
        };
        let host = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://"));
        match host {
            Some(host) if !host.is_empty() && !host.starts_with(['/', ':']) => Ok(Some(url)),
            _ => Err(format!(
                "--lambda-endpoint {url:?}: expected an http:// or https:// URL, e.g. http://127.0.0.1:3001"
            )),
        }
    }

    /// `--aws-endpoint`, checked, with the keys that sign for it (the environment's AWS keys,
    /// else test:test).
    pub fn aws_endpoint(&self) -> Result<Option<portico_dataplane::AwsEndpoint>, String> {
        let Some(url) = self.aws_endpoint.as_deref().map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(None);
        };
        let host = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://"));
        if !matches!(host, Some(h) if !h.is_empty() && !h.starts_with(['/', ':'])) {
            return Err(format!(
                "--aws-endpoint {url:?}: expected an http:// or https:// URL, e.g. http://127.0.0.1:5000"
            ));
        }
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Ok(Some(portico_dataplane::AwsEndpoint {
            url: url.trim_end_matches('/').to_owned(),
            access_key_id: var("AWS_ACCESS_KEY_ID").unwrap_or_else(|| "test".into()),
            secret_access_key: var("AWS_SECRET_ACCESS_KEY").unwrap_or_else(|| "test".into()),
            session_token: var("AWS_SESSION_TOKEN"),
        }))
    }

    /// The credentials signing calls to other Lambda endpoints.
    pub fn lambda_endpoint_credentials(&self) -> Result<Credentials, String> {
        if let Some(given) = &self.lambda_endpoint_credentials {
            let mut parts = given.splitn(3, ':');
            return match (parts.next(), parts.next(), parts.next()) {
                (Some(key), Some(secret), token) if !key.is_empty() && !secret.is_empty() => Ok(Credentials {
                    access_key_id: key.to_owned(),
                    secret_access_key: secret.to_owned(),
                    session_token: token.filter(|t| !t.is_empty()).map(str::to_owned),
                }),
                _ => Err("--lambda-endpoint-credentials: expected ACCESS_KEY:SECRET[:SESSION_TOKEN]".to_owned()),
            };
        }
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Ok(match (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
            (Some(access_key_id), Some(secret_access_key)) => Credentials {
                access_key_id,
                secret_access_key,
                session_token: var("AWS_SESSION_TOKEN"),
            },
            _ => Credentials::default(),
        })
    }
}

/// `30s`, `500ms`, `2m`, or a number of seconds (`1.5`).
/// `--jwt-issuer ISSUER=PATH_OR_URL`: the issuer an http(s) URL (which has no `=`), the
/// location what follows the first `=` (a URL's query may have more).
fn jwt_issuer(text: &str) -> Result<(String, String), String> {
    let (issuer, location) = text
        .split_once('=')
        .map(|(i, l)| (i.trim(), l.trim()))
        .filter(|(i, l)| !i.is_empty() && !l.is_empty())
        .ok_or_else(|| format!("--jwt-issuer {text:?}: expected ISSUER=PATH_OR_URL"))?;
    match issuer.parse::<http::Uri>() {
        Ok(uri) if matches!(uri.scheme_str(), Some("http" | "https")) && uri.host().is_some() => {
            Ok((issuer.to_owned(), location.to_owned()))
        }
        _ => Err(format!(
            "--jwt-issuer {text:?}: the issuer {issuer:?} is not an http(s) URL (it is the tokens' `iss`)"
        )),
    }
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let number: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 30s, 500ms or 2m"))?;
    let seconds = match unit.trim() {
        "ms" => number / 1000.0,
        "s" => number,
        "m" => number * 60.0,
        other => return Err(format!("unknown unit {other:?} in {text:?} (use ms, s or m)")),
    };
    Duration::try_from_secs_f64(seconds).map_err(|e| format!("{text:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5h").is_err());
    }

    #[test]
    fn vpc_link_targets() {
        let config = |args: &[&str]| Config::try_parse_from([&["portico"], args].concat()).unwrap();
        let nlb = "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/a/1";
        let targets = config(&["--vpc-link-target", &format!("{nlb}=http://orders:8080/?a=b")])
            .vpc_link_targets()
            .unwrap();
        assert_eq!(targets[0].0, nlb);
        assert_eq!(targets[0].1.to_string(), "http://orders:8080/?a=b");
        assert!(
            config(&["--vpc-link-target", "abc=orders:8080"])
                .vpc_link_targets()
                .is_err()
        );
        assert!(
            config(&["--vpc-link-target", "http://orders"])
                .vpc_link_targets()
                .is_err()
        );
    }

    #[test]
    fn lambda_endpoint_and_its_credentials() {
        let config = |args: &[&str]| Config::try_parse_from([&["portico"], args].concat()).unwrap();
        assert_eq!(config(&[]).lambda_endpoint(), Ok(None));
        let given = config(&["--lambda-endpoint", "http://127.0.0.1:3001"]);
        assert_eq!(given.lambda_endpoint(), Ok(Some("http://127.0.0.1:3001")));
        assert!(
            config(&["--lambda-endpoint", "localhost:3001"])
                .lambda_endpoint()
                .is_err()
        );
        let signed = config(&["--lambda-endpoint-credentials", "AKID:secret:token"])
            .lambda_endpoint_credentials()
            .unwrap();
        assert_eq!(
            (
                signed.access_key_id.as_str(),
                signed.secret_access_key.as_str(),
                signed.session_token.as_deref()
            ),
            ("AKID", "secret", Some("token"))
        );
        assert!(
            config(&["--lambda-endpoint-credentials", "AKID"])
                .lambda_endpoint_credentials()
                .is_err()
        );
    }

    #[test]
    fn defaults() {
        let config = Config::try_parse_from(["portico"]).unwrap();
        assert_eq!(config.header_timeout, Duration::from_secs(30));
        assert_eq!(config.idle_timeout, Duration::from_secs(60));
        assert_eq!(config.ws_idle_timeout, Duration::from_secs(600));
        assert_eq!(config.ws_max_duration, Duration::from_secs(7200));
        assert_eq!(config.max_header_size, 20480);
        let auth = config.auth().unwrap();
        assert_eq!(auth.iam_credentials, [("test".to_owned(), "test".to_owned())]);
        assert!(auth.cognito_jwks.is_empty() && !auth.cognito_skip_signature);
    }

    #[test]
    fn identity_settings() {
        let config = Config::try_parse_from([
            "portico",
            "--cognito-jwks",
            "us-east-1_a=./a.json",
            "--cognito-jwks",
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_b=http://127.0.0.1:9/jwks.json?v=1,c=./c.json",
            "--iam-credentials",
            "AKID:se/cr+et",
        ])
        .unwrap();
        let auth = config.auth().unwrap();
        let jwks: Vec<(&str, &str)> = auth
            .cognito_jwks
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        assert_eq!(
            jwks,
            [
                ("us-east-1_a", "./a.json"),
                (
                    "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_b",
                    "http://127.0.0.1:9/jwks.json?v=1"
                ),
                ("c", "./c.json"),
            ]
        );
        assert_eq!(auth.iam_credentials, [("AKID".to_owned(), "se/cr+et".to_owned())]);
        let bad = Config::try_parse_from(["portico", "--iam-credentials", "nosecret"]).unwrap();
        assert!(bad.auth().unwrap_err().contains("ACCESS_KEY:SECRET"));
        let bad = Config::try_parse_from(["portico", "--cognito-jwks", "pool"]).unwrap();
        assert!(bad.auth().is_err());
    }

    #[test]
    fn jwt_issuers() {
        let config = Config::try_parse_from([
            "portico",
            "--jwt-issuer",
            "https://idp.example.com/realms/a=./a.json",
            "--jwt-issuer",
            "http://localhost:8080/realms/b/=http://127.0.0.1:9/certs?v=1,https://c.example=/tmp/c.json",
        ])
        .unwrap();
        let auth = config.auth().unwrap();
        let issuers: Vec<(&str, &str)> = auth.jwt_issuers.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert_eq!(
            issuers,
            [
                ("https://idp.example.com/realms/a", "./a.json"),
                ("http://localhost:8080/realms/b/", "http://127.0.0.1:9/certs?v=1"),
                ("https://c.example", "/tmp/c.json"),
            ]
        );
        assert!(
            Config::try_parse_from(["portico"])
                .unwrap()
                .auth()
                .unwrap()
                .jwt_issuers
                .is_empty()
        );
        // The variable, comma-separated like the flags' values.
        let command = <Config as clap::CommandFactory>::command();
        let arg = command.get_arguments().find(|a| a.get_id() == "jwt_issuers").unwrap();
        assert_eq!(arg.get_env(), Some(std::ffi::OsStr::new("PORTICO_JWT_ISSUERS")));
        assert_eq!(arg.get_value_delimiter(), Some(','));
        for bad in [
            "https://idp.example.com",
            "=./a.json",
            "idp=./a.json",
            "https://idp.example.com=",
        ] {
            let config = Config::try_parse_from(["portico", "--jwt-issuer", bad]).unwrap();
            assert!(config.auth().unwrap_err().contains("--jwt-issuer"), "{bad}");
        }
    }
}
