//! JWT authorizers of HTTP APIs, as AWS's "Control access to HTTP APIs with JWT authorizers"
//! describes them: the token is read from the identity source (`$request.header.Authorization`
//! by default; the token alone or after `Bearer `), its signature verified with the key its
//! `kid` names in the issuer's key set, then `iss`, `aud` (or `client_id` when there is no
//! `aud`), `exp`, `nbf` and `iat` checked, and the route's `authorizationScopes` against `scope`
//! or `scp`. A bad or missing token is a 401, a good token without the route's scopes a 403.
//!
//! Key sets come from a `--jwt-issuer ISSUER=PATH_OR_URL` mapping, else from the issuer's
//! discovery document (`{issuer}/.well-known/openid-configuration` → `jwks_uri`), fetched for
//! `https://` issuers and for `http://` issuers on loopback (local identity providers), once,
//! shared by concurrent first requests; keys are read again for an unknown `kid` and, as AWS
//! caches them for two hours, once they are that old.
//!
//! Unlike AWS, which takes RSA signatures only, ES256 and ES384 are also accepted.

use crate::authorize::jwks::{KeyError, KeySet, KeySets};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Response, StatusCode};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use portico_http::{HttpClient, OutboundRequest};
use portico_wire::apigatewayv2 as v2;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

/// How long keys read from a discovered key set are trusted (AWS: up to two hours).
const KEY_MAX_AGE: Duration = Duration::from_secs(2 * 60 * 60);

/// How long after a failed discovery it is tried again.
#[cfg(not(test))]
const DISCOVERY_RETRY: Duration = Duration::from_secs(10);
#[cfg(test)]
const DISCOVERY_RETRY: Duration = Duration::from_millis(200);

/// How long fetching a discovery document may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// The signatures accepted: AWS's RSA ones, and ECDSA for local identity providers.
const ALGORITHMS: [Algorithm; 5] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::ES256,
    Algorithm::ES384,
];

/// The key sources of every issuer: configured mappings, and key sets found by discovery.
#[derive(Debug, Default)]
pub struct Issuers {
    configured: KeySets,
    /// By issuer as the authorizer names it.
    discovered: Mutex<HashMap<String, Arc<Discovery>>>,
}

/// One issuer's discovery: found once, or tried again a while after failing. The attempt's
/// lock is held while fetching, so concurrent first requests share one fetch.
#[derive(Debug, Default)]
struct Discovery {
    found: OnceLock<Arc<KeySet>>,
    /// The last failure: when, and why.
    attempt: tokio::sync::Mutex<Option<(Instant, String)>>,
}

impl Issuers {
    /// `settings`: (issuer URL, JWKS path or URL), from `--jwt-issuer`.
    pub fn new(settings: &[(String, String)]) -> Issuers {
        Issuers {
            configured: KeySets::new(settings),
            discovered: Mutex::default(),
        }
    }

    /// The key `kid` names in `issuer`'s key set.
    async fn key(&self, issuer: &str, kid: &str, client: &dyn HttpClient) -> Result<Arc<DecodingKey>, KeyError> {
        let set = self.key_set(issuer, client).await.map_err(KeyError::Unreadable)?;
        set.key(Some(kid), client).await
    }

    /// The issuer's key set: its mapping, else the one its discovery document names.
    async fn key_set(&self, issuer: &str, client: &dyn HttpClient) -> Result<Arc<KeySet>, String> {
        if let Some(set) = self.configured.get(issuer) {
            return Ok(set);
        }
        let document = discovery_uri(issuer)?;
        let discovery = {
            let mut all = self.discovered.lock().unwrap_or_else(PoisonError::into_inner);
            match all.get(issuer) {
                Some(discovery) => discovery.clone(),
                None => all.entry(issuer.to_owned()).or_default().clone(),
            }
        };
        if let Some(set) = discovery.found.get() {
            return Ok(set.clone());
        }
        let mut failed = discovery.attempt.lock().await;
        // Found by the request this one waited for, or failed too recently to try again.
        if let Some(set) = discovery.found.get() {
            return Ok(set.clone());
        }
        if let Some((at, why)) = &*failed
            && at.elapsed() < DISCOVERY_RETRY
        {
            return Err(why.clone());
        }
        match discover(&document, issuer, client).await {
            Ok(jwks_uri) => {
                tracing::info!(issuer, jwks_uri = %jwks_uri, "JWT issuer discovered");
                let set = discovery
                    .found
                    .get_or_init(|| Arc::new(KeySet::at_url(jwks_uri, KEY_MAX_AGE)));
                *failed = None;
                Ok(set.clone())
            }
            Err(why) => {
                let why = if issuer.starts_with("https://") {
                    format!(
                        "{why} (an https:// issuer needs network access; without it, run Portico with --jwt-issuer {issuer}=PATH_OR_URL of its JWKS)"
                    )
                } else {
                    why
                };
                *failed = Some((Instant::now(), why.clone()));
                Err(why)
            }
        }
    }
}

/// `{issuer}/.well-known/openid-configuration`, for issuers Portico may discover: `https://`,
/// and `http://` on loopback.
fn discovery_uri(issuer: &str) -> Result<http::Uri, String> {
    let unmapped = || format!("run Portico with --jwt-issuer {issuer}=PATH_OR_URL of its JWKS");
    let uri: http::Uri = issuer
        .parse()
        .map_err(|_| format!("issuer {issuer:?} is not a URL; {}", unmapped()))?;
    let host = uri.host().unwrap_or_default();
    match uri.scheme_str() {
        Some("https") if !host.is_empty() => {}
        Some("http") if is_loopback(host) => {}
        Some("http") => {
            return Err(format!(
                "issuer {issuer} is http:// and not on loopback, so it is not discovered; {}",
                unmapped()
            ));
        }
        _ => return Err(format!("issuer {issuer:?} is not an http(s) URL; {}", unmapped())),
    }
    format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'))
        .parse()
        .map_err(|e| format!("issuer {issuer:?}: no discovery URL: {e}"))
}

fn is_loopback(host: &str) -> bool {
    let ip = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || ip.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The `jwks_uri` of the discovery document at `document`.
async fn discover(document: &http::Uri, issuer: &str, client: &dyn HttpClient) -> Result<http::Uri, String> {
    let mut headers = HeaderMap::new();
    headers.insert(http::header::ACCEPT, HeaderValue::from_static("application/json"));
    let answer = client
        .send(OutboundRequest {
            method: http::Method::GET,
            uri: document.clone(),
            headers,
            body: Bytes::new(),
            timeout: FETCH_TIMEOUT,
            insecure_skip_verification: false,
        })
        .await
        .map_err(|e| format!("cannot fetch {document}: {e}"))?;
    if !answer.status.is_success() {
        return Err(format!("fetching {document} answered {}", answer.status));
    }
    let config: Value =
        serde_json::from_slice(&answer.body).map_err(|e| format!("{document} is not a discovery document: {e}"))?;
    let named = config.get("issuer").and_then(Value::as_str);
    if named.is_some_and(|named| named != issuer) {
        tracing::warn!(
            issuer,
            named,
            "the discovery document names another issuer; tokens must still carry the authorizer's"
        );
    }
    let jwks_uri = config
        .get("jwks_uri")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{document} has no jwks_uri"))?;
    match jwks_uri.parse::<http::Uri>() {
        Ok(uri) if matches!(uri.scheme_str(), Some("http" | "https")) && uri.host().is_some() => Ok(uri),
        _ => Err(format!("{document}: jwks_uri {jwks_uri:?} is not an http(s) URL")),
    }
}

/// A JWT authorizer as a deployment uses it.
#[derive(Debug)]
pub struct JwtAuthorizer {
    id: String,
    source: Source,
    issuer: String,
    audience: Vec<String>,
    /// Why no token can pass (a configuration AWS would not have accepted).
    broken: Option<String>,
}

/// Where the token is: `$request.header.{name}` or `$request.querystring.{name}`.
#[derive(Debug)]
enum Source {
    Header(http::HeaderName),
    Query(String),
    /// None of those: no token is ever found.
    Unusable,
}

/// Why a request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// No token, or not a valid one: 401 `{"message":"Unauthorized"}`.
    Unauthorized,
    /// A valid token without any of the route's scopes: 403 `{"message":"Forbidden"}`.
    Forbidden,
}

impl Denied {
    pub fn status(self) -> StatusCode {
        match self {
            Denied::Unauthorized => StatusCode::UNAUTHORIZED,
            Denied::Forbidden => StatusCode::FORBIDDEN,
        }
    }

    pub fn body(self) -> &'static str {
        match self {
            Denied::Unauthorized => r#"{"message":"Unauthorized"}"#,
            Denied::Forbidden => r#"{"message":"Forbidden"}"#,
        }
    }
}

/// A refusal with what AWS tells the client about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub denied: Denied,
    /// The `www-authenticate` header, e.g. `Bearer scope="" error="invalid_token"
    /// error_description="the token does not have a valid audience"`; none without a token.
    pub www_authenticate: Option<String>,
}

impl Refusal {
    fn no_token() -> Refusal {
        Refusal {
            denied: Denied::Unauthorized,
            www_authenticate: None,
        }
    }

    fn invalid(description: &str) -> Refusal {
        Refusal {
            denied: Denied::Unauthorized,
            www_authenticate: Some(format!(
                r#"Bearer scope="" error="invalid_token" error_description="{}""#,
                quoted(description)
            )),
        }
    }

    fn insufficient_scope(route_scopes: &[String]) -> Refusal {
        Refusal {
            denied: Denied::Forbidden,
            www_authenticate: Some(format!(
                r#"Bearer scope="{}" error="insufficient_scope" error_description="expected scopes: [{}]""#,
                quoted(&route_scopes.join(" ")),
                quoted(&route_scopes.join(" "))
            )),
        }
    }

    /// The answer: status, JSON body, and `www-authenticate` when there is one.
    pub fn response(&self) -> Response<Bytes> {
        let mut response = Response::builder()
            .status(self.denied.status())
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(Bytes::from_static(self.denied.body().as_bytes()))
            .expect("static answer");
        if let Some(value) = self
            .www_authenticate
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            response.headers_mut().insert(http::header::WWW_AUTHENTICATE, value);
        }
        response
    }
}

fn quoted(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// What a valid token gives the integration.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// The token's claims as AWS passes them on (`requestContext.authorizer.jwt.claims`, and
    /// `claims` in payload 1.0): every value a string, numbers and booleans as written,
    /// lists as `[a b]`, objects as JSON; null claims left out.
    pub claims: Map<String, Value>,
    /// The token's scopes (`scope`, else `scp`) when the route asks for scopes; `None` (null
    /// in the event) when it does not.
    pub scopes: Option<Vec<String>>,
}

impl JwtAuthorizer {
    /// `authorizer.authorizer_type == "JWT"`; identitySource, jwtConfiguration.
    pub fn compile(authorizer: &v2::Authorizer) -> JwtAuthorizer {
        let id = authorizer.authorizer_id.clone().unwrap_or_default();
        let sources = authorizer.identity_source.as_deref().unwrap_or_default();
        if sources.len() > 1 {
            tracing::warn!(
                authorizer = id,
                ?sources,
                "a JWT authorizer takes one identity source; the first is used"
            );
        }
        let source = match sources.first().map(|s| s.trim()) {
            None => Source::Header(http::header::AUTHORIZATION),
            Some(text) => Source::parse(text).unwrap_or_else(|| {
                tracing::warn!(
                    authorizer = id,
                    source = text,
                    "a JWT authorizer's identity source must be $request.header.NAME or $request.querystring.NAME; every token is refused"
                );
                Source::Unusable
            }),
        };
        let configuration = authorizer.jwt_configuration.clone().unwrap_or_default();
        let issuer = configuration.issuer.unwrap_or_default().trim().to_owned();
        let audience = configuration.audience.unwrap_or_default();
        let broken = if authorizer.authorizer_type.as_deref() != Some("JWT") {
            Some(format!(
                "authorizer {id} is of type {:?}, not JWT",
                authorizer.authorizer_type
            ))
        } else if issuer.is_empty() {
            Some(format!("authorizer {id} has no jwtConfiguration.issuer"))
        } else {
            None
        };
        if let Some(why) = &broken {
            tracing::warn!(authorizer = id, why, "every token is refused");
        } else if audience.is_empty() {
            tracing::warn!(
                authorizer = id,
                "the JWT authorizer has no jwtConfiguration.audience: no token can match it"
            );
        }
        JwtAuthorizer {
            id,
            source,
            issuer,
            audience,
            broken,
        }
    }

    /// `route_scopes`: the route's authorizationScopes (empty: none required).
    #[cfg(test)]
    pub async fn check(
        &self,
        headers: &HeaderMap,
        raw_query: &str,
        route_scopes: &[String],
        issuers: &Issuers,
        client: &dyn HttpClient,
        now_epoch_seconds: u64,
    ) -> Result<Verified, Denied> {
        self.check_explained(headers, raw_query, route_scopes, issuers, client, now_epoch_seconds)
            .await
            .map_err(|refusal| refusal.denied)
    }

    /// `check`, with the `www-authenticate` header AWS answers a refusal with.
    pub async fn check_explained(
        &self,
        headers: &HeaderMap,
        raw_query: &str,
        route_scopes: &[String],
        issuers: &Issuers,
        client: &dyn HttpClient,
        now_epoch_seconds: u64,
    ) -> Result<Verified, Refusal> {
        let refuse = |why: &str, refusal: Refusal| {
            tracing::debug!(authorizer = self.id, why, "JWT refused");
            refusal
        };
        if let Some(why) = &self.broken {
            return Err(refuse(why, Refusal::no_token()));
        }
        let Some(value) = self.source.value(headers, raw_query) else {
            return Err(refuse("no token in the identity source", Refusal::no_token()));
        };
        let token = strip_bearer(&value);
        if token.is_empty() {
            return Err(refuse("no token in the identity source", Refusal::no_token()));
        }
        let header = jsonwebtoken::decode_header(token).map_err(|e| {
            refuse(
                &format!("not a JWT: {e}"),
                Refusal::invalid("the token is not a valid JWT"),
            )
        })?;
        if !ALGORITHMS.contains(&header.alg) {
            let description = format!("signing method {:?} is invalid", header.alg);
            return Err(refuse(&description, Refusal::invalid(&description)));
        }
        let unverified = jsonwebtoken::dangerous::insecure_decode::<Map<String, Value>>(token)
            .map_err(|e| {
                refuse(
                    &format!("not a JWT: {e}"),
                    Refusal::invalid("the token is not a valid JWT"),
                )
            })?
            .claims;
        // The issuer first: a stranger's token must not make Portico fetch keys.
        if unverified.get("iss").and_then(Value::as_str) != Some(self.issuer.as_str()) {
            return Err(refuse(
                "iss is not the authorizer's issuer",
                Refusal::invalid("the token does not have a valid issuer"),
            ));
        }
        let Some(kid) = header.kid.as_deref() else {
            return Err(refuse(
                "no kid in the token's header",
                Refusal::invalid("the token has no kid header"),
            ));
        };
        // Boxed: fetching keys makes a large future, kept out of every request's.
        let key = match Box::pin(issuers.key(&self.issuer, kid, client)).await {
            Ok(key) => key,
            Err(KeyError::Unknown) => {
                return Err(refuse(
                    &format!("no key {kid:?} in the issuer's key set"),
                    Refusal::invalid("the token's kid does not match a key of the issuer"),
                ));
            }
            Err(KeyError::Unreadable(why)) => {
                tracing::warn!(
                    authorizer = self.id,
                    issuer = self.issuer,
                    why,
                    "JWT refused: the issuer's keys cannot be had"
                );
                return Err(Refusal::invalid("the issuer's keys could not be retrieved"));
            }
        };
        // Times, audience and scopes are checked below, as AWS checks them.
        let mut validation = Validation::new(header.alg);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        let claims = jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation)
            .map_err(|e| {
                refuse(
                    &format!("signature not verified: {e}"),
                    Refusal::invalid("the token's signature is invalid"),
                )
            })?
            .claims;
        check_times(&claims, now_epoch_seconds).map_err(|why| refuse(why, Refusal::invalid(why)))?;
        if !self.audience_matches(&claims) {
            return Err(refuse(
                "neither aud nor client_id is an audience of the authorizer",
                Refusal::invalid("the token does not have a valid audience"),
            ));
        }
        let scopes = if route_scopes.is_empty() {
            None
        } else {
            let granted = granted_scopes(&claims);
            if !granted.iter().any(|s| route_scopes.contains(s)) {
                return Err(refuse(
                    "the token has none of the route's scopes",
                    Refusal::insufficient_scope(route_scopes),
                ));
            }
            Some(granted)
        };
        Ok(Verified {
            claims: claims
                .iter()
                .filter_map(|(name, value)| Some((name.clone(), Value::String(claim_text(value)?))))
                .collect(),
            scopes,
        })
    }

    /// `aud` (a string or a list) against the audience; `client_id` only without `aud`.
    fn audience_matches(&self, claims: &Map<String, Value>) -> bool {
        let accepted = |v: &Value| v.as_str().is_some_and(|v| self.audience.iter().any(|a| a == v));
        match claims.get("aud").filter(|v| !v.is_null()) {
            Some(Value::Array(auds)) => auds.iter().any(accepted),
            Some(aud) => accepted(aud),
            None => claims.get("client_id").is_some_and(accepted),
        }
    }
}

impl Source {
    fn parse(text: &str) -> Option<Source> {
        if let Some(name) = text.strip_prefix("$request.header.") {
            http::HeaderName::from_bytes(name.as_bytes()).ok().map(Source::Header)
        } else {
            text.strip_prefix("$request.querystring.")
                .filter(|name| !name.is_empty())
                .map(|name| Source::Query(name.to_owned()))
        }
    }

    /// The first non-empty value.
    fn value(&self, headers: &HeaderMap, raw_query: &str) -> Option<String> {
        match self {
            Source::Header(name) => headers
                .get_all(name)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find(|v| !v.trim().is_empty())
                .map(str::to_owned),
            Source::Query(name) => form_urlencoded::parse(raw_query.as_bytes())
                .find(|(n, v)| n == name && !v.is_empty())
                .map(|(_, v)| v.into_owned()),
            Source::Unusable => None,
        }
    }
}

/// The token alone, or after `Bearer `.
fn strip_bearer(value: &str) -> &str {
    let value = value.trim();
    match value.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ if value.eq_ignore_ascii_case("bearer") => "",
        _ => value,
    }
}

/// `exp` after now; `nbf` and `iat`, when present, not after now.
fn check_times(claims: &Map<String, Value>, now: u64) -> Result<(), &'static str> {
    let now = now as f64;
    let time = |name: &str| claims.get(name).filter(|v| !v.is_null()).map(Value::as_f64);
    match time("exp") {
        None => return Err("the token has no expiry"),
        Some(None) => return Err("the token's exp is not a number"),
        Some(Some(exp)) if exp <= now => return Err("the token has expired"),
        Some(Some(_)) => {}
    }
    match time("nbf") {
        Some(None) => return Err("the token's nbf is not a number"),
        Some(Some(nbf)) if nbf > now => return Err("the token is not valid yet"),
        _ => {}
    }
    match time("iat") {
        Some(None) => return Err("the token's iat is not a number"),
        Some(Some(iat)) if iat > now => return Err("the token was issued in the future"),
        _ => {}
    }
    Ok(())
}

/// The token's scopes: `scope` (space-separated), else `scp` (a list, or space-separated).
fn granted_scopes(claims: &Map<String, Value>) -> Vec<String> {
    let listed = |value: &Value| -> Vec<String> {
        match value {
            Value::String(s) => s.split_whitespace().map(str::to_owned).collect(),
            Value::Array(items) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
            _ => Vec::new(),
        }
    };
    match claims.get("scope").filter(|v| !v.is_null()) {
        Some(scope) => listed(scope),
        None => claims.get("scp").map(listed).unwrap_or_default(),
    }
}

/// A claim as AWS passes it on (measured: `exp` `"1787996002"`, `cognito:groups`
/// `"[admin poweruser]"`); null claims are left out.
fn claim_text(value: &Value) -> Option<String> {
    Some(match value {
        Value::Null => return None,
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().filter_map(claim_text).collect::<Vec<_>>().join(" ")
        ),
        Value::Object(_) => value.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use jsonwebtoken::{EncodingKey, Header};
    use portico_http::{OutboundError, OutboundResponse};
    use serde_json::json;
    use std::future::Future;
    use std::pin::Pin;

    /// A 2048-bit RSA key (PKCS#1 DER), made once with `openssl genrsa`, and its modulus.
    const RSA_DER: &str = "\
        MIIEowIBAAKCAQEA2vdd9XNmXxSQbpzpk51t9nxVQVoLmYbfhaSkqnD3oc7eLfDIY4pNqLfyQUMisrpHD+g8xSzILq\
        iBRjdg61pPWYU1L1lvOby0IkLftKOSiKNUQNV7DZSvSpOa5SA/0VeRAdA7jFU6rXgeFAK71eKhcXZMmomLy+nfgOMC\
        Xx9QT7JyfF1RunMBo/2W/RyBABa0fU4OAm7p3R19vRB8rXJEsK2SbZ/Y8skRXZKmjn8+8yb/2IZUpfWHymMVFDWKr+\
        U0EIrU524Ll96ncJWkL0Tx3fF49d9plCsoO4OyytMowCJb3+bbzg+BIwcGpMNF7syjWx/L9uAjAIe4h4kmULlPKQID\
        AQABAoIBAAMZfwtJAzJBXR/BcE4oolkAUP7ssD8P1Nh44+PW6Yp6QubkJxstC3KrHIDK21srwrwLxLK910Hh054Tsg\
        mHbOL8Yb5as77wDucC+HltSHu89m7uzY2yzfmS2nkKI4rX8jOK8RFs6SZNMms7PYhPkB19Du2v9DE5VpcvDS+K9IGD\
        I1BMd6dfOeWBcXbxSzIqYeFLl9hgAMJJAV8BgBvtUsHyJE5klb65VGlUd1F703wOElzyK5rAmB8uf8s0+r56ts0W3q\
        8mQtCQU2WGh7VHtNFylpsMDFKBm8SmFVO+azsDb3MaLGGOaoL982EsjBGllczL/7Ia7u12BKwoipavHkkCgYEA7kly\
        7Q78ldz1Ww2O3fP7R9kyKMHhgPWN2pJ/VGmqrqAzr+0fUeGaO2fDRRAnmnWVna07uQMrwtyBxTacTQUJo4PY2EVxMr\
        s59xXhxCYroPi0CEJruFi3q4lFediOvmbzJE/gJGd/ZawhhTp6es+SvA+gNOud7U23i6A0emirVEMCgYEA6z5AG4x4\
        rDnZw9Tukwis9EJpUaswTMHcXdxuPOvy1tZvzWHm58Ks086ettB+y92P7YR45NyupJZF4bm/poTZAPQl3kX0a8DkPx\
        lxEicQEHp+eF7U67zZlzHt45uwohaxzy9kIQtwKFJD2xBEWcXB0nQ8hGiXd+VTkXURr6sIbiMCgYBbN8LG/PW0aOGD\
        +ay3Sq7m0j5hW9b3hwjGo04bAlhUgP9IWX2j2rkwBIi753NBrcGYmrhCGvSlo8QJut4andMSxWY9ZFfxE7sc20OR0w\
        rglFRW1RZne47UG7h87Gm4ebCaNfmX9gbO5RXv6nL4kH2bgF/T4l6SeS3KRYnRUkBEAQKBgQCrPi52n2P8o0QlbSya\
        dfdI+8sk+0P2rCxZWywYRv4IbCMI1Bq9XRZoPQGGPPIAP3IVSZijqQ2snAOU1J1xf0Vkj1W9nxjVE55TXJbVyv/Drx\
        e/UfEXBeszR9JPHLeQ1oprMqll8KidgX0Jy6al3vI/3ANts6GHUrXprdnJEezaFwKBgEqcbeYvSkkMEPhYrUfwx0DK\
        YURDRqPoXR0Mf0OhXuM/xa5/ub+B/0A4SSMq7134MF1D+wYbF4YbOiXJ6JCVYIPX69A+s8QMOwAKo9Rf1mzoPA6Fmp\
        2WoPiqSTTzXj+/QueTpwYjIMlY+dggPuZPKsOCsYOdBgESLzenh0BGysBO";
    const RSA_MODULUS: &str = "\
        2vdd9XNmXxSQbpzpk51t9nxVQVoLmYbfhaSkqnD3oc7eLfDIY4pNqLfyQUMisrpHD-g8xSzILqiBRjdg61pPWYU1L1\
        lvOby0IkLftKOSiKNUQNV7DZSvSpOa5SA_0VeRAdA7jFU6rXgeFAK71eKhcXZMmomLy-nfgOMCXx9QT7JyfF1RunMB\
        o_2W_RyBABa0fU4OAm7p3R19vRB8rXJEsK2SbZ_Y8skRXZKmjn8-8yb_2IZUpfWHymMVFDWKr-U0EIrU524Ll96ncJ\
        WkL0Tx3fF49d9plCsoO4OyytMowCJb3-bbzg-BIwcGpMNF7syjWx_L9uAjAIe4h4kmULlPKQ";

    const ISSUER: &str = "http://127.0.0.1:9999/realms/test";
    const DISCOVERY: &str = "http://127.0.0.1:9999/realms/test/.well-known/openid-configuration";
    const JWKS: &str = "http://127.0.0.1:9999/realms/test/certs";
    const NOW: u64 = 1_700_000_000;

    /// Answers GETs from a table that tests change, and counts them.
    #[derive(Default)]
    struct FakeIdp {
        answers: Mutex<HashMap<String, (u16, String)>>,
        fetched: Mutex<Vec<String>>,
    }

    impl FakeIdp {
        fn serve(&self, uri: &str, status: u16, body: String) {
            self.answers.lock().unwrap().insert(uri.to_owned(), (status, body));
        }

        fn fetches(&self, uri: &str) -> usize {
            self.fetched.lock().unwrap().iter().filter(|u| *u == uri).count()
        }

        fn total(&self) -> usize {
            self.fetched.lock().unwrap().len()
        }
    }

    impl HttpClient for FakeIdp {
        fn send(
            &self,
            request: OutboundRequest,
        ) -> Pin<Box<dyn Future<Output = Result<OutboundResponse, OutboundError>> + Send + '_>> {
            Box::pin(async move {
                let uri = request.uri.to_string();
                self.fetched.lock().unwrap().push(uri.clone());
                // A slow identity provider: concurrent first requests overlap.
                tokio::time::sleep(Duration::from_millis(20)).await;
                let answer = self.answers.lock().unwrap().get(&uri).cloned();
                match answer {
                    Some((status, body)) => Ok(OutboundResponse {
                        status: StatusCode::from_u16(status).unwrap(),
                        headers: HeaderMap::new(),
                        body: Bytes::from(body),
                    }),
                    None => Err(OutboundError::Connect("connection refused".into())),
                }
            })
        }
    }

    struct Keys {
        rsa: EncodingKey,
        ec: EncodingKey,
        ec_jwk: Value,
        rotated: EncodingKey,
        rotated_jwk: Value,
    }

    fn ec_key(kid: &str) -> (EncodingKey, Value) {
        use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
        let point = pair.public_key().as_ref();
        let jwk = json!({
            "kty": "EC", "crv": "P-256", "kid": kid, "use": "sig", "alg": "ES256",
            "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
            "y": URL_SAFE_NO_PAD.encode(&point[33..65]),
        });
        (EncodingKey::from_ec_der(pkcs8.as_ref()), jwk)
    }

    fn keys() -> Keys {
        let (ec, ec_jwk) = ec_key("ec1");
        let (rotated, rotated_jwk) = ec_key("ec2");
        Keys {
            rsa: EncodingKey::from_rsa_der(&STANDARD.decode(RSA_DER).unwrap()),
            ec,
            ec_jwk,
            rotated,
            rotated_jwk,
        }
    }

    fn rsa_jwk() -> Value {
        json!({"kty": "RSA", "kid": "rsa1", "use": "sig", "alg": "RS256", "n": RSA_MODULUS, "e": "AQAB"})
    }

    fn jwks(keys: &[&Value]) -> String {
        json!({ "keys": keys }).to_string()
    }

    fn idp(keys: &Keys) -> FakeIdp {
        let idp = FakeIdp::default();
        idp.serve(
            DISCOVERY,
            200,
            json!({"issuer": ISSUER, "jwks_uri": JWKS, "authorization_endpoint": "x"}).to_string(),
        );
        // An encryption key beside the signing ones, as Keycloak publishes.
        let enc = json!({"kty": "RSA", "kid": "enc1", "use": "enc", "alg": "RSA-OAEP", "n": RSA_MODULUS, "e": "AQAB"});
        idp.serve(JWKS, 200, jwks(&[&rsa_jwk(), &keys.ec_jwk, &enc]));
        idp
    }

    fn sign(alg: Algorithm, kid: Option<&str>, key: &EncodingKey, claims: Value) -> String {
        let mut header = Header::new(alg);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&header, &claims, key).unwrap()
    }

    fn good_claims() -> Value {
        json!({
            "iss": ISSUER, "aud": "portico-app", "sub": "u1", "exp": NOW + 300, "iat": NOW - 10,
            "nbf": NOW - 10, "email_verified": true, "groups": ["admin", "poweruser"],
            "address": {"country": "FR"}, "nothing": null, "scope": "openid pets/read",
        })
    }

    fn with(changes: Value) -> Value {
        let mut claims = good_claims();
        for (k, v) in changes.as_object().unwrap() {
            if v.is_null() {
                claims.as_object_mut().unwrap().remove(k);
            } else {
                claims[k] = v.clone();
            }
        }
        claims
    }

    fn authorizer(source: Option<&str>, audience: &[&str]) -> JwtAuthorizer {
        JwtAuthorizer::compile(&v2::Authorizer {
            authorizer_id: Some("au1".into()),
            authorizer_type: Some("JWT".into()),
            identity_source: source.map(|s| vec![s.to_owned()]),
            jwt_configuration: Some(v2::JWTConfiguration {
                issuer: Some(ISSUER.into()),
                audience: Some(audience.iter().map(|a| a.to_string()).collect()),
            }),
            name: Some("jwt".into()),
            ..Default::default()
        })
    }

    fn bearer(token: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("authorization", format!("Bearer {token}").parse().unwrap());
        headers
    }

    async fn run(
        authorizer: &JwtAuthorizer,
        issuers: &Issuers,
        idp: &FakeIdp,
        token: &str,
        scopes: &[&str],
    ) -> Result<Verified, Refusal> {
        let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        authorizer
            .check_explained(&bearer(token), "", &scopes, issuers, idp, NOW)
            .await
    }

    fn denied(result: Result<Verified, Refusal>) -> Denied {
        result.expect_err("refused").denied
    }

    #[tokio::test]
    async fn valid_tokens_through_discovery() {
        let keys = keys();
        let idp = idp(&keys);
        let issuers = Issuers::new(&[]);
        let jwt = authorizer(None, &["portico-app"]);
        let rs256 = sign(Algorithm::RS256, Some("rsa1"), &keys.rsa, good_claims());
        let es256 = sign(Algorithm::ES256, Some("ec1"), &keys.ec, good_claims());
        // Concurrent first requests share one discovery and one key set fetch.
        let (a, b) = tokio::join!(
            run(&jwt, &issuers, &idp, &rs256, &[]),
            run(&jwt, &issuers, &idp, &es256, &[])
        );
        let verified = a.unwrap();
        assert_eq!(b.unwrap(), verified);
        assert_eq!((idp.fetches(DISCOVERY), idp.fetches(JWKS)), (1, 1));
        assert_eq!(verified.scopes, None, "a route without scopes passes null");
        let claims = &verified.claims;
        assert_eq!(claims["exp"], json!((NOW + 300).to_string()));
        assert_eq!(claims["email_verified"], "true");
        assert_eq!(claims["groups"], "[admin poweruser]");
        assert_eq!(claims["address"], r#"{"country":"FR"}"#);
        assert_eq!(claims["scope"], "openid pets/read");
        assert!(!claims.contains_key("nothing"));
        // The token as is, without `Bearer `, and a check that only says which refusal.
        let mut headers = HeaderMap::new();
        headers.insert("authorization", rs256.parse().unwrap());
        assert!(jwt.check(&headers, "", &[], &issuers, &idp, NOW).await.is_ok());
        assert_eq!((idp.fetches(DISCOVERY), idp.fetches(JWKS)), (1, 1), "all cached");
    }

    #[tokio::test]
    async fn times_issuer_and_audience() {
        let keys = keys();
        let idp = idp(&keys);
        let issuers = Issuers::new(&[]);
        let jwt = authorizer(None, &["portico-app", "other-app"]);
        let token = |changes: Value| sign(Algorithm::RS256, Some("rsa1"), &keys.rsa, with(changes));
        let check = |token: String| {
            let (jwt, issuers, idp) = (&jwt, &issuers, &idp);
            async move { run(jwt, issuers, idp, &token, &[]).await }
        };
        let expired = check(token(json!({"exp": NOW - 1}))).await.unwrap_err();
        assert_eq!(expired.denied, Denied::Unauthorized);
        assert!(
            expired
                .www_authenticate
                .unwrap()
                .contains(r#"error_description="the token has expired""#)
        );
        assert_eq!(denied(check(token(json!({"exp": NOW}))).await), Denied::Unauthorized);
        assert_eq!(denied(check(token(json!({"exp": null}))).await), Denied::Unauthorized);
        assert_eq!(
            denied(check(token(json!({"nbf": NOW + 60}))).await),
            Denied::Unauthorized
        );
        assert!(check(token(json!({"nbf": NOW, "iat": NOW}))).await.is_ok());
        assert!(check(token(json!({"nbf": null, "iat": null}))).await.is_ok());
        assert_eq!(
            denied(check(token(json!({"iat": NOW + 60}))).await),
            Denied::Unauthorized
        );

        let before = idp.total();
        let stranger = check(token(json!({"iss": "http://127.0.0.1:9999/realms/other"}))).await;
        assert_eq!(denied(stranger), Denied::Unauthorized);
        assert_eq!(
            denied(check(token(json!({"iss": format!("{ISSUER}/")}))).await),
            Denied::Unauthorized,
            "iss must be exactly the issuer"
        );
        assert_eq!(idp.total(), before, "a stranger's token fetches nothing");

        let wrong = check(token(json!({"aud": "someone-else"}))).await.unwrap_err();
        assert_eq!(
            wrong.www_authenticate.as_deref(),
            Some(
                r#"Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience""#
            )
        );
        assert!(check(token(json!({"aud": ["x", "other-app"]}))).await.is_ok());
        // client_id counts only without aud.
        assert!(
            check(token(json!({"aud": null, "client_id": "portico-app"})))
                .await
                .is_ok()
        );
        assert_eq!(
            denied(check(token(json!({"aud": "x", "client_id": "portico-app"}))).await),
            Denied::Unauthorized
        );
        assert_eq!(denied(check(token(json!({"aud": null}))).await), Denied::Unauthorized);
    }

    #[tokio::test]
    async fn missing_and_malformed_tokens() {
        let keys = keys();
        let idp = idp(&keys);
        let issuers = Issuers::new(&[]);
        let jwt = authorizer(None, &["portico-app"]);
        let missing = jwt
            .check_explained(&HeaderMap::new(), "", &[], &issuers, &idp, NOW)
            .await
            .unwrap_err();
        assert_eq!(missing.denied, Denied::Unauthorized);
        assert_eq!(missing.www_authenticate, None);
        let mut bare = HeaderMap::new();
        bare.insert("authorization", "Bearer".parse().unwrap());
        assert!(jwt.check(&bare, "", &[], &issuers, &idp, NOW).await.is_err());
        for token in ["not-a-jwt", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln"] {
            assert_eq!(
                denied(run(&jwt, &issuers, &idp, token, &[]).await),
                Denied::Unauthorized
            );
        }
        // Tampered claims under a good signature.
        let good = sign(Algorithm::RS256, Some("rsa1"), &keys.rsa, good_claims());
        let parts: Vec<&str> = good.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(with(json!({"sub": "admin"})).to_string());
        let tampered = format!("{}.{forged}.{}", parts[0], parts[2]);
        assert_eq!(
            denied(run(&jwt, &issuers, &idp, &tampered, &[]).await),
            Denied::Unauthorized
        );
        // HMAC, even keyed with something the client could know, and no kid: refused.
        let hs = sign(
            Algorithm::HS256,
            Some("rsa1"),
            &EncodingKey::from_secret(b"k"),
            good_claims(),
        );
        let refusal = run(&jwt, &issuers, &idp, &hs, &[]).await.unwrap_err();
        assert!(
            refusal
                .www_authenticate
                .unwrap()
                .contains("signing method HS256 is invalid")
        );
        let no_kid = sign(Algorithm::RS256, None, &keys.rsa, good_claims());
        assert_eq!(
            denied(run(&jwt, &issuers, &idp, &no_kid, &[]).await),
            Denied::Unauthorized
        );
        // An ES256 token naming the RSA key.
        let confused = sign(Algorithm::ES256, Some("rsa1"), &keys.ec, good_claims());
        assert_eq!(
            denied(run(&jwt, &issuers, &idp, &confused, &[]).await),
            Denied::Unauthorized
        );
    }

    #[tokio::test]
    async fn unknown_kid_then_rotated_key() {
        let keys = keys();
        let idp = idp(&keys);
        let issuers = Issuers::new(&[]);
        let jwt = authorizer(None, &["portico-app"]);
        let old = sign(Algorithm::ES256, Some("ec1"), &keys.ec, good_claims());
        let new = sign(Algorithm::ES256, Some("ec2"), &keys.rotated, good_claims());
        assert!(run(&jwt, &issuers, &idp, &old, &[]).await.is_ok());
        // Not in the set: refused; the set was just read, so it is not read again yet.
        assert_eq!(denied(run(&jwt, &issuers, &idp, &new, &[]).await), Denied::Unauthorized);
        assert_eq!(idp.fetches(JWKS), 1);
        // The provider rotates; once the set may be read again, the new key is found.
        idp.serve(JWKS, 200, jwks(&[&keys.ec_jwk, &keys.rotated_jwk]));
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert!(run(&jwt, &issuers, &idp, &new, &[]).await.is_ok());
        assert!(run(&jwt, &issuers, &idp, &old, &[]).await.is_ok());
        assert_eq!((idp.fetches(DISCOVERY), idp.fetches(JWKS)), (1, 2));
    }

    #[tokio::test]
    async fn route_scopes() {
        let keys = keys();
        let idp = idp(&keys);
        let issuers = Issuers::new(&[]);
        let jwt = authorizer(None, &["portico-app"]);
        let token = |changes: Value| sign(Algorithm::RS256, Some("rsa1"), &keys.rsa, with(changes));
        let read = token(json!({}));
        let verified = run(&jwt, &issuers, &idp, &read, &["pets/write", "pets/read"])
            .await
            .unwrap();
        assert_eq!(verified.scopes, Some(vec!["openid".into(), "pets/read".into()]));
        let missing = run(&jwt, &issuers, &idp, &read, &["pets/write"]).await.unwrap_err();
        assert_eq!(missing.denied, Denied::Forbidden);
        let answer = missing.response();
        assert_eq!(answer.status(), StatusCode::FORBIDDEN);
        assert_eq!(answer.body().as_ref(), br#"{"message":"Forbidden"}"#);
        assert!(
            answer.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .contains("insufficient_scope")
        );
        // `scp`, as a list or a string, when there is no `scope`.
        let scp = token(json!({"scope": null, "scp": ["pets/write", "admin"]}));
        let verified = run(&jwt, &issuers, &idp, &scp, &["pets/write"]).await.unwrap();
        assert_eq!(verified.scopes, Some(vec!["pets/write".into(), "admin".into()]));
        let scp_text = token(json!({"scope": null, "scp": "admin pets/write"}));
        assert!(run(&jwt, &issuers, &idp, &scp_text, &["pets/write"]).await.is_ok());
        let none = token(json!({"scope": null}));
        assert_eq!(
            denied(run(&jwt, &issuers, &idp, &none, &["openid"]).await),
            Denied::Forbidden
        );
        // An invalid token is a 401 whatever the scopes.
        let expired = token(json!({"exp": NOW - 5}));
        assert_eq!(
            denied(run(&jwt, &issuers, &idp, &expired, &["openid"]).await),
            Denied::Unauthorized
        );
    }

    #[tokio::test]
    async fn identity_sources() {
        let keys = keys();
        let idp = idp(&keys);
        let issuers = Issuers::new(&[]);
        let token = sign(Algorithm::RS256, Some("rsa1"), &keys.rsa, good_claims());
        let by_query = authorizer(Some("$request.querystring.access_token"), &["portico-app"]);
        let query = format!("a=1&access_token={token}");
        assert!(
            by_query
                .check(&HeaderMap::new(), &query, &[], &issuers, &idp, NOW)
                .await
                .is_ok()
        );
        assert!(
            by_query
                .check(&bearer(&token), "", &[], &issuers, &idp, NOW)
                .await
                .is_err()
        );
        let by_header = authorizer(Some("$request.header.X-Token"), &["portico-app"]);
        let mut headers = HeaderMap::new();
        headers.insert("x-token", token.parse().unwrap());
        assert!(by_header.check(&headers, "", &[], &issuers, &idp, NOW).await.is_ok());
        let unusable = authorizer(Some("$context.identity.sourceIp"), &["portico-app"]);
        assert!(
            unusable
                .check(&bearer(&token), "", &[], &issuers, &idp, NOW)
                .await
                .is_err()
        );
        let not_jwt = JwtAuthorizer::compile(&v2::Authorizer {
            authorizer_type: Some("REQUEST".into()),
            ..Default::default()
        });
        assert!(
            not_jwt
                .check(&bearer(&token), "", &[], &issuers, &idp, NOW)
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn issuer_key_sources() {
        let keys = keys();
        let token = sign(Algorithm::RS256, Some("rsa1"), &keys.rsa, good_claims());
        let jwt = authorizer(None, &["portico-app"]);
        // A mapping to a file wins over discovery: nothing is fetched.
        let file = std::env::temp_dir().join(format!("portico-unit-jwt-{}.json", std::process::id()));
        std::fs::write(&file, jwks(&[&rsa_jwk()])).unwrap();
        let mapped = Issuers::new(&[(format!("{ISSUER}/"), file.display().to_string())]);
        let nothing = FakeIdp::default();
        assert!(run(&jwt, &mapped, &nothing, &token, &[]).await.is_ok());
        assert_eq!(nothing.total(), 0);
        let _ = std::fs::remove_file(file);
        // A mapping to a URL is fetched as is.
        let idp = FakeIdp::default();
        idp.serve("http://keys.local/jwks.json", 200, jwks(&[&rsa_jwk()]));
        let by_url = Issuers::new(&[(ISSUER.into(), "http://keys.local/jwks.json".into())]);
        assert!(run(&jwt, &by_url, &idp, &token, &[]).await.is_ok());
        assert_eq!(idp.total(), 1);
        // A failed discovery refuses, and is not tried again at once.
        let down = FakeIdp::default();
        let issuers = Issuers::new(&[]);
        assert!(run(&jwt, &issuers, &down, &token, &[]).await.is_err());
        assert!(run(&jwt, &issuers, &down, &token, &[]).await.is_err());
        assert_eq!(down.fetches(DISCOVERY), 1);
        let broken = FakeIdp::default();
        broken.serve(DISCOVERY, 200, json!({"issuer": ISSUER}).to_string());
        assert!(run(&jwt, &Issuers::new(&[]), &broken, &token, &[]).await.is_err());
    }

    /// The real client against a local identity provider on loopback, as a developer runs one.
    #[tokio::test]
    async fn a_local_identity_provider_over_http() {
        let keys = keys();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}/realms/dev", listener.local_addr().unwrap());
        let config = json!({"issuer": issuer, "jwks_uri": format!("{issuer}/certs")}).to_string();
        let certs = jwks(&[&rsa_jwk()]);
        let app = axum::Router::new()
            .route(
                "/realms/dev/.well-known/openid-configuration",
                axum::routing::get(move || async move { config }),
            )
            .route("/realms/dev/certs", axum::routing::get(move || async move { certs }));
        let server = tokio::spawn(async move { axum::serve(listener, app).await });
        let jwt = JwtAuthorizer::compile(&v2::Authorizer {
            authorizer_id: Some("au1".into()),
            authorizer_type: Some("JWT".into()),
            jwt_configuration: Some(v2::JWTConfiguration {
                issuer: Some(issuer.clone()),
                audience: Some(vec!["portico-app".into()]),
            }),
            ..Default::default()
        });
        let token = sign(Algorithm::RS256, Some("rsa1"), &keys.rsa, with(json!({"iss": issuer})));
        let client = portico_http::Client::default();
        let issuers = Issuers::new(&[]);
        let verified = jwt
            .check(&bearer(&token), "", &["pets/read".into()], &issuers, &client, NOW)
            .await
            .unwrap();
        assert_eq!(verified.claims["iss"], json!(issuer));
        assert_eq!(verified.scopes, Some(vec!["openid".into(), "pets/read".into()]));
        server.abort();
    }

    #[test]
    fn discoverable_issuers() {
        assert_eq!(
            discovery_uri("https://idp.example.com/tenant/").unwrap().to_string(),
            "https://idp.example.com/tenant/.well-known/openid-configuration"
        );
        for local in [
            "http://localhost:8080",
            "http://127.0.0.1/x",
            "http://[::1]:9000/realms/a",
        ] {
            assert!(discovery_uri(local).is_ok(), "{local}");
        }
        let remote = discovery_uri("http://idp.example.com").unwrap_err();
        assert!(
            remote.contains("--jwt-issuer http://idp.example.com=PATH_OR_URL"),
            "{remote}"
        );
        assert!(discovery_uri("idp").is_err());
        assert!(discovery_uri("ftp://idp.example.com").is_err());
    }

    #[test]
    fn claims_become_strings() {
        assert_eq!(claim_text(&json!(1787996002)).unwrap(), "1787996002");
        assert_eq!(claim_text(&json!(1.5)).unwrap(), "1.5");
        assert_eq!(claim_text(&json!(false)).unwrap(), "false");
        assert_eq!(claim_text(&json!(["a"])).unwrap(), "[a]");
        assert_eq!(claim_text(&json!([])).unwrap(), "[]");
        assert_eq!(claim_text(&json!(["a", 1, true])).unwrap(), "[a 1 true]");
        assert_eq!(claim_text(&Value::Null), None);
    }

    #[test]
    fn refusals_answer_as_aws() {
        let answer = Refusal::no_token().response();
        assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(answer.body().as_ref(), br#"{"message":"Unauthorized"}"#);
        assert!(!answer.headers().contains_key("www-authenticate"));
        assert_eq!(answer.headers()["content-type"], "application/json");
        assert_eq!(Denied::Forbidden.status(), StatusCode::FORBIDDEN);
        assert_eq!(strip_bearer("bearer  a.b.c "), "a.b.c");
        assert_eq!(strip_bearer("a.b.c"), "a.b.c");
    }
}
