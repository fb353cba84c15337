//! The stage cache (`cacheClusterEnabled`): a method's answers kept for `cacheTtlInSeconds`,
//! keyed by the method, the request path and the integration's `cacheKeyParameters` (query
//! strings and headers). `*/*` settings enable caching for GET methods only, as on AWS; a
//! method's own settings may enable any method. `Cache-Control: max-age=0` refreshes an entry
//! when the caller may (`requireAuthorizationForCacheControl`: only signed callers may, since
//! Portico evaluates no IAM policies); others get what `unauthorizedCacheControlHeaderStrategy`
//! says. Only 2xx answers are kept. Time is the throttling clock's, so tests can expire entries.

use crate::context::RequestContext;
use crate::respond::gateway_error;
use bytes::Bytes;
use http::{HeaderMap, Response, StatusCode};
use portico_wire::apigateway as ag;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Entries one stage keeps; past it, expired ones go, then all.
const MAX_ENTRIES: usize = 10_000;

/// How a method caches, compiled with its stage.
#[derive(Debug, Clone)]
pub struct MethodCaching {
    pub ttl: Duration,
    pub require_authorization: bool,
    pub strategy: Strategy,
    /// `method.request.querystring.x` / `method.request.header.x` of `cacheKeyParameters`.
    pub key_parameters: Vec<KeyParameter>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    FailWith403,
    SucceedWithResponseHeader,
    SucceedWithoutResponseHeader,
}

#[derive(Debug, Clone)]
pub enum KeyParameter {
    Query(String),
    Header(String),
}

impl MethodCaching {
    /// The method's caching in a stage with `settings`, or `None` when it does not cache.
    pub fn compile(
        stage_enabled: bool,
        path: &str,
        verb: &str,
        settings: Option<&BTreeMap<String, ag::MethodSetting>>,
        cache_key_parameters: &[String],
    ) -> Option<MethodCaching> {
        if !stage_enabled {
            return None;
        }
        let (setting, is_own) = crate::stage::method_setting(settings, path, verb)?;
        if setting.caching_enabled != Some(true) || (!is_own && verb != "GET") {
            return None;
        }
        let ttl = setting.cache_ttl_in_seconds.unwrap_or(300).clamp(0, 3600) as u64;
        if ttl == 0 {
            return None;
        }
        let key_parameters = cache_key_parameters
            .iter()
            .filter_map(|p| {
                if let Some(q) = p.strip_prefix("method.request.querystring.") {
                    Some(KeyParameter::Query(q.to_owned()))
                } else {
                    p.strip_prefix("method.request.header.")
                        .map(|h| KeyParameter::Header(h.to_ascii_lowercase()))
                }
            })
            .collect();
        Some(MethodCaching {
            ttl: Duration::from_secs(ttl),
            require_authorization: setting.require_authorization_for_cache_control.unwrap_or(true),
            strategy: match setting.unauthorized_cache_control_header_strategy.as_deref() {
                Some("FAIL_WITH_403") => Strategy::FailWith403,
                Some("SUCCEED_WITHOUT_RESPONSE_HEADER") => Strategy::SucceedWithoutResponseHeader,
                _ => Strategy::SucceedWithResponseHeader,
            },
            key_parameters,
        })
    }

    /// The entry's key for this request.
    pub fn key(&self, ctx: &RequestContext) -> String {
        let method = ctx.method.as_str();
        let mut key = String::with_capacity(method.len() + 1 + ctx.path.len());
        key.push_str(method);
        key.push(' ');
        key.push_str(&ctx.path);
        for p in &self.key_parameters {
            let (kind, value) = match p {
                KeyParameter::Query(name) => (
                    'q',
                    ctx.query().into_iter().rev().find(|(k, _)| k == name).map(|(_, v)| v),
                ),
                KeyParameter::Header(name) => ('h', ctx.header(name).map(str::to_owned)),
            };
            key.push('\u{0}');
            key.push(kind);
            key.push_str(value.as_deref().unwrap_or(""));
        }
        key
    }
}

/// What the cache did for a request (in Portico's request log and the execution trace).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    Hit,
    Miss,
}

impl CacheOutcome {
    /// As the request log writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            CacheOutcome::Hit => "hit",
            CacheOutcome::Miss => "miss",
        }
    }
}

/// What a request asks of the cache.
pub enum Use {
    /// Serve this kept answer.
    Hit(Response<Bytes>),
    /// Ask the integration and keep its answer under the key.
    Fill(String),
    /// Refused (`Cache-Control` without the right to use it, FAIL_WITH_403).
    Refuse(Response<Bytes>),
}

struct Entry {
    expires: Duration,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

/// (API id, stage): the request context's own `Arc`s, so a lookup allocates nothing.
type StageKey = (Arc<str>, Arc<str>);
type Fast = foldhash::fast::RandomState;

/// Every stage's entries, by API and stage.
#[derive(Default)]
pub struct ResponseCache {
    /// On foldhash: every cached method's request hashes both keys.
    stages: RwLock<HashMap<StageKey, HashMap<String, Entry, Fast>, Fast>>,
    pub hits: AtomicU64,
    pub misses: AtomicU64,
}

impl std::fmt::Debug for ResponseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseCache").finish_non_exhaustive()
    }
}

impl ResponseCache {
    pub fn lookup(&self, caching: &MethodCaching, ctx: &RequestContext, now: Duration) -> Use {
        let key = caching.key(ctx);
        let refresh = ctx
            .headers
            .get(http::header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|d| d.trim().eq_ignore_ascii_case("max-age=0")));
        if refresh {
            let allowed = !caching.require_authorization || ctx.identity.user_arn.is_some();
            if allowed {
                self.misses.fetch_add(1, Ordering::Relaxed);
                return Use::Fill(key);
            }
            if caching.strategy == Strategy::FailWith403 {
                let user = ctx.identity.user_arn.as_deref().unwrap_or("anonymous");
                let arn = crate::authorize::method_arn(ctx);
                return Use::Refuse(gateway_error(
                    StatusCode::FORBIDDEN,
                    "AccessDeniedException",
                    "ACCESS_DENIED",
                    &format!(
                        "User: {user} is not authorized to perform: execute-api:InvalidateCache on resource: {arn}"
                    ),
                ));
            }
        }
        let stages = self.stages.read().unwrap_or_else(|e| e.into_inner());
        let found = stages
            .get(&(ctx.api_id.clone(), ctx.stage.clone()))
            .and_then(|entries| entries.get(&key))
            .filter(|e| e.expires > now);
        match found {
            Some(entry) => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                let mut response = Response::new(entry.body.clone());
                *response.status_mut() = entry.status;
                *response.headers_mut() = entry.headers.clone();
                Use::Hit(response)
            }
            None => {
                self.misses.fetch_add(1, Ordering::Relaxed);
                Use::Fill(key)
            }
        }
    }

    /// Keeps a 2xx answer under `key` for the method's TTL.
    pub fn fill(
        &self,
        caching: &MethodCaching,
        ctx: &RequestContext,
        key: String,
        response: &Response<Bytes>,
        now: Duration,
    ) {
        if !response.status().is_success() {
            return;
        }
        let mut stages = self.stages.write().unwrap_or_else(|e| e.into_inner());
        let entries = stages.entry((ctx.api_id.clone(), ctx.stage.clone())).or_default();
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, e| e.expires > now);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        let mut headers = response.headers().clone();
        // The ids are the request's own, never the cached one's.
        headers.remove("x-amzn-RequestId");
        headers.remove("x-amz-apigw-id");
        entries.insert(
            key,
            Entry {
                expires: now + caching.ttl,
                status: response.status(),
                headers,
                body: response.body().clone(),
            },
        );
    }

    /// FlushStageCache.
    pub fn flush(&self, api_id: &str, stage: &str) {
        let mut stages = self.stages.write().unwrap_or_else(|e| e.into_inner());
        stages.remove(&(Arc::from(api_id), Arc::from(stage)));
    }
}
