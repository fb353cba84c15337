//! The key sets of Cognito user pools (`--cognito-jwks POOL=PATH_OR_URL`): each read from its
//! file or fetched from its URL on first use, kept, and read again when a token names a key it
//! does not hold (a rotated key), at most every `RELOAD_EVERY`.

use bytes::Bytes;
use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::JwkSet;
use portico_http::{HttpClient, OutboundRequest};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

/// How often a key set may be read again for a key it does not hold.
const RELOAD_EVERY: Duration = Duration::from_secs(10);

/// How long fetching a key set may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// Every configured key set, by user pool id and by issuer URL.
#[derive(Debug, Default)]
pub struct KeySets {
    by_name: HashMap<String, Arc<KeySet>>,
}

impl KeySets {
    /// `settings`: (user pool id or issuer URL, JWKS path or URL).
    pub fn new(settings: &[(String, String)]) -> KeySets {
        let by_name = settings
            .iter()
            .map(|(name, location)| {
                let name = name.trim().trim_end_matches('/').to_owned();
                (name, Arc::new(KeySet::new(location.trim())))
            })
            .collect();
        KeySets { by_name }
    }

    /// The key set of a pool, named by its id or its issuer.
    pub fn find(&self, pool_id: &str, issuer: &str) -> Option<Arc<KeySet>> {
        self.by_name.get(pool_id).or_else(|| self.by_name.get(issuer)).cloned()
    }
}

#[derive(Debug)]
enum Location {
    File(PathBuf),
    Url(http::Uri),
    /// Neither: the reason is logged when the set is read.
    Invalid(String),
}

#[derive(Debug)]
pub struct KeySet {
    location: Location,
    loaded: RwLock<Loaded>,
}

#[derive(Debug, Default)]
struct Loaded {
    /// When the set was last read, successfully or not.
    at: Option<Instant>,
    keys: HashMap<String, Arc<DecodingKey>>,
}

/// Why a token's key could not be had.
#[derive(Debug, PartialEq, Eq)]
pub enum KeyError {
    /// The set was read, and has no such key.
    Unknown,
    /// The set could not be read.
    Unreadable(String),
}

impl KeySet {
    fn new(location: &str) -> KeySet {
        let location = if location.starts_with("http://") || location.starts_with("https://") {
            match location.parse::<http::Uri>() {
                Ok(uri) => Location::Url(uri),
                Err(e) => Location::Invalid(format!("{location:?} is not a URL: {e}")),
            }
        } else if location.is_empty() {
            Location::Invalid("no JWKS path or URL given".into())
        } else {
            Location::File(PathBuf::from(location.strip_prefix("file://").unwrap_or(location)))
        };
        KeySet {
            location,
            loaded: RwLock::new(Loaded::default()),
        }
    }

    /// Where the keys come from, for logs.
    pub fn location(&self) -> String {
        match &self.location {
            Location::File(path) => path.display().to_string(),
            Location::Url(uri) => uri.to_string(),
            Location::Invalid(why) => why.clone(),
        }
    }

    /// The key `kid` names; a token without `kid` takes the set's only key.
    pub async fn key(&self, kid: Option<&str>, client: &dyn HttpClient) -> Result<Arc<DecodingKey>, KeyError> {
        {
            let loaded = self.loaded.read().await;
            if let Some(key) = pick(&loaded.keys, kid) {
                return Ok(key);
            }
            if loaded.at.is_some_and(|at| at.elapsed() < RELOAD_EVERY) {
                return Err(KeyError::Unknown);
            }
        }
        let mut loaded = self.loaded.write().await;
        // Another request may have read it meanwhile.
        if let Some(key) = pick(&loaded.keys, kid) {
            return Ok(key);
        }
        if loaded.at.is_some_and(|at| at.elapsed() < RELOAD_EVERY) {
            return Err(KeyError::Unknown);
        }
        loaded.at = Some(Instant::now());
        let keys = self.read(client).await.map_err(KeyError::Unreadable)?;
        tracing::debug!(location = self.location(), keys = keys.len(), "read Cognito key set");
        loaded.keys = keys;
        pick(&loaded.keys, kid).ok_or(KeyError::Unknown)
    }

    async fn read(&self, client: &dyn HttpClient) -> Result<HashMap<String, Arc<DecodingKey>>, String> {
        let text = match &self.location {
            Location::File(path) => {
                let file = path.clone();
                let read = tokio::task::spawn_blocking(move || std::fs::read(file)).await;
                match read {
                    Ok(Ok(bytes)) => Bytes::from(bytes),
                    Ok(Err(e)) => return Err(format!("cannot read {}: {e}", path.display())),
                    Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
                }
            }
            Location::Url(uri) => {
                let answer = client
                    .send(OutboundRequest {
                        method: http::Method::GET,
                        uri: uri.clone(),
                        headers: http::HeaderMap::new(),
                        body: Bytes::new(),
                        timeout: FETCH_TIMEOUT,
                        insecure_skip_verification: false,
                    })
                    .await
                    .map_err(|e| format!("cannot fetch {uri}: {e}"))?;
                if !answer.status.is_success() {
                    return Err(format!("fetching {uri} answered {}", answer.status));
                }
                answer.body
            }
            Location::Invalid(why) => return Err(why.clone()),
        };
        parse(&text)
    }
}

fn pick(keys: &HashMap<String, Arc<DecodingKey>>, kid: Option<&str>) -> Option<Arc<DecodingKey>> {
    match kid {
        Some(kid) => keys.get(kid).cloned(),
        None if keys.len() == 1 => keys.values().next().cloned(),
        None => None,
    }
}

/// A JWKS document's keys by `kid`; keys without one are kept under "" (the only key a token
/// without `kid` may use).
fn parse(text: &[u8]) -> Result<HashMap<String, Arc<DecodingKey>>, String> {
    let set: JwkSet = serde_json::from_slice(text).map_err(|e| format!("not a JWKS document: {e}"))?;
    let mut keys = HashMap::new();
    for jwk in &set.keys {
        let kid = jwk.common.key_id.clone().unwrap_or_default();
        match DecodingKey::from_jwk(jwk) {
            Ok(key) => {
                keys.insert(kid, Arc::new(key));
            }
            Err(e) => tracing::warn!(kid, error = %e, "JWKS key not usable; skipped"),
        }
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_are_found_by_pool_id_or_issuer() {
        let sets = KeySets::new(&[
            ("us-east-1_abc".into(), "/tmp/a.json".into()),
            (
                "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_xyz/".into(),
                "http://127.0.0.1:1/jwks.json".into(),
            ),
        ]);
        let a = sets.find(
            "us-east-1_abc",
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc",
        );
        assert_eq!(a.unwrap().location(), "/tmp/a.json");
        let b = sets.find(
            "eu-west-1_xyz",
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_xyz",
        );
        assert_eq!(b.unwrap().location(), "http://127.0.0.1:1/jwks.json");
        assert!(sets.find("nope", "https://nope").is_none());
    }

    #[test]
    fn documents_that_are_not_key_sets_are_refused() {
        assert!(parse(b"{}").is_err());
        assert!(parse(b"not json").is_err());
        assert_eq!(parse(br#"{"keys": []}"#).unwrap().len(), 0);
    }
}
