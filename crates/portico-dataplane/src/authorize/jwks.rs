//! Key sets (JWKS): of Cognito user pools (`--cognito-jwks POOL=PATH_OR_URL`), of JWT issuers
//! (`--jwt-issuer ISSUER=PATH_OR_URL`, or the `jwks_uri` an issuer's discovery document names).
//! Each is read from its file or fetched from its URL on first use, kept, and read again when a
//! token names a key it does not hold (a rotated key), at most every `RELOAD_EVERY`; a set with a
//! `max_age` is also read again once its keys are that old.

use bytes::Bytes;
use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::{Jwk, PublicKeyUse};
use portico_http::{HttpClient, OutboundRequest};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

/// How often a key set may be read again for a key it does not hold.
#[cfg(not(test))]
const RELOAD_EVERY: Duration = Duration::from_secs(10);
#[cfg(test)]
const RELOAD_EVERY: Duration = Duration::from_millis(200);

/// How long fetching a key set may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// Every configured key set, by user pool id or by issuer URL.
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

    /// The key set configured under `name` (an issuer: with or without its trailing `/`).
    pub fn get(&self, name: &str) -> Option<Arc<KeySet>> {
        self.by_name.get(name.trim().trim_end_matches('/')).cloned()
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
    /// How long keys read are trusted before the set is read again; `None`: until a token names
    /// a key the set does not hold.
    max_age: Option<Duration>,
    loaded: RwLock<Loaded>,
}

#[derive(Debug, Default)]
struct Loaded {
    /// When the set was last read, successfully or not.
    at: Option<Instant>,
    /// When the set was last read successfully.
    read_at: Option<Instant>,
    keys: HashMap<String, Arc<DecodingKey>>,
}

enum Held {
    Key(Arc<DecodingKey>),
    Unknown,
    Read,
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
    /// A set at `location`: a JWKS file (a path, or `file://`) or an `http(s)://` URL.
    pub fn new(location: &str) -> KeySet {
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
            max_age: None,
            loaded: RwLock::new(Loaded::default()),
        }
    }

    /// A set fetched from `uri`, read again once its keys are `max_age` old.
    pub fn at_url(uri: http::Uri, max_age: Duration) -> KeySet {
        KeySet {
            location: Location::Url(uri),
            max_age: Some(max_age),
            loaded: RwLock::new(Loaded::default()),
        }
    }

    /// Whether the keys held are past `max_age` (and the set should be read again).
    fn stale(&self, loaded: &Loaded) -> bool {
        self.max_age
            .is_some_and(|max| loaded.read_at.is_some_and(|at| at.elapsed() >= max))
    }

    /// Where the keys come from, for logs.
    pub fn location(&self) -> String {
        match &self.location {
            Location::File(path) => path.display().to_string(),
            Location::Url(uri) => uri.to_string(),
            Location::Invalid(why) => why.clone(),
        }
    }

    /// The key `kid` names; a token without `kid` takes the set's only key. Concurrent callers
    /// that all miss share one read: the first takes the write lock, the others find its keys.
    pub async fn key(&self, kid: Option<&str>, client: &dyn HttpClient) -> Result<Arc<DecodingKey>, KeyError> {
        match self.held(&*self.loaded.read().await, kid) {
            Held::Key(key) => return Ok(key),
            Held::Unknown => return Err(KeyError::Unknown),
            Held::Read => {}
        }
        let mut loaded = self.loaded.write().await;
        // Another request may have read it meanwhile.
        match self.held(&loaded, kid) {
            Held::Key(key) => return Ok(key),
            Held::Unknown => return Err(KeyError::Unknown),
            Held::Read => {}
        }
        loaded.at = Some(Instant::now());
        match self.read(client).await {
            Ok(keys) => {
                tracing::debug!(location = self.location(), keys = keys.len(), "read key set");
                loaded.keys = keys;
                loaded.read_at = loaded.at;
            }
            // Stale keys still serve while their set cannot be read.
            Err(why) => match pick(&loaded.keys, kid) {
                Some(key) => {
                    tracing::warn!(
                        location = self.location(),
                        why,
                        "key set not read again; its last keys kept"
                    );
                    return Ok(key);
                }
                None => return Err(KeyError::Unreadable(why)),
            },
        }
        pick(&loaded.keys, kid).ok_or(KeyError::Unknown)
    }

    /// What the held keys answer, or that the set is to be read (again) first.
    fn held(&self, loaded: &Loaded, kid: Option<&str>) -> Held {
        // Read too recently to be read again: the held keys answer, fresh or not.
        let recently = loaded.at.is_some_and(|at| at.elapsed() < RELOAD_EVERY);
        match pick(&loaded.keys, kid) {
            Some(key) if recently || !self.stale(loaded) => Held::Key(key),
            None if recently => Held::Unknown,
            _ => Held::Read,
        }
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
/// without `kid` may use). Keys that cannot verify signatures (encryption keys, unknown types or
/// curves) are skipped, not the whole set.
fn parse(text: &[u8]) -> Result<HashMap<String, Arc<DecodingKey>>, String> {
    #[derive(serde::Deserialize)]
    struct Document {
        keys: Vec<serde_json::Value>,
    }
    let document: Document = serde_json::from_slice(text).map_err(|e| format!("not a JWKS document: {e}"))?;
    let mut keys = HashMap::new();
    for value in document.keys {
        let jwk = match serde_json::from_value::<Jwk>(value) {
            Ok(jwk) => jwk,
            Err(e) => {
                tracing::warn!(error = %e, "JWKS key not understood; skipped");
                continue;
            }
        };
        let kid = jwk.common.key_id.clone().unwrap_or_default();
        if matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption)) {
            continue;
        }
        match DecodingKey::from_jwk(&jwk) {
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

    #[test]
    fn keys_that_cannot_verify_are_skipped() {
        let n = "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw";
        let doc = serde_json::json!({"keys": [
            {"kty": "RSA", "kid": "sig", "use": "sig", "n": n, "e": "AQAB"},
            {"kty": "RSA", "kid": "enc", "use": "enc", "alg": "RSA-OAEP", "n": n, "e": "AQAB"},
            {"kty": "XYZ", "kid": "odd"},
            {"kty": "EC", "kid": "p521", "crv": "P-999", "x": "AA", "y": "AA"}
        ]});
        let keys = parse(doc.to_string().as_bytes()).unwrap();
        assert_eq!(keys.keys().collect::<Vec<_>>(), ["sig"]);
    }
}
