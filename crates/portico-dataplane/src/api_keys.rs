//! API keys on methods with `apiKeyRequired`: the request's key (`x-api-key` when the API's
//! `apiKeySource` is HEADER; with AUTHORIZER, the `usageIdentifierKey` its Lambda authorizer
//! returned) must be an enabled key of a usage plan covering the stage, else 403
//! `Forbidden` (the INVALID_API_KEY gateway response). The plan's throttle, and its throttle for
//! the method, then apply per key, as token buckets beside the stage's.
//!
//! The plans covering a stage are read from the store once and kept until a commit touches API
//! keys or usage plans.
//!
//! Quotas are counted in memory, never waiting on the disk: each (plan, key, day) counter
//! starts from the store's remaining quota, and its counts are written behind, every half
//! second, by a task of its own. A commit to plans (UpdateUsage, or those writes) makes a
//! counter with nothing left to write read the store again.

use crate::context::RequestContext;
use crate::respond::gateway_error;
use crate::throttle::{Bucket, Limit, Throttles};
use bytes::Bytes;
use http::{Response, StatusCode};
use portico_rest::usage_plans::{CoveringPlan, add_requests, plans_for_stage, remaining_quota};
use portico_store::{Changed, Scope, Store};
use portico_wire::apigateway as ag;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// Where a request's API key comes from: the API's `apiKeySource`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    Header,
    Authorizer,
}

/// The header of HEADER keys, named once (a lookup by `&str` parses the name each time).
static X_API_KEY: http::HeaderName = http::HeaderName::from_static("x-api-key");

/// How often counted requests are written to the store.
const WRITE_BEHIND: Duration = Duration::from_millis(500);

/// (account, region, plan id, key id, UTC day).
type CounterKey = (String, String, String, String, i64);

#[derive(Debug)]
struct Counter {
    remaining: i64,
    /// Counted, not yet written.
    pending: i64,
    /// The commit version `remaining` was read at.
    version: u64,
}

/// (account, region, stage) of an API's entry: the request context's own `Arc`s.
type StageKey = (Arc<str>, Arc<str>, Arc<str>);
/// The commit version a stage's plans were read at, the plans, and their throttling buckets
/// by key id (so that a request finds its bucket without building the registry's key).
type Kept = (u64, Arc<Vec<CoveringPlan>>, KeyBuckets);
type KeyBuckets = Arc<Mutex<HashMap<String, Arc<Bucket>, foldhash::fast::RandomState>>>;
/// An API's stages that asked, with what was kept for each.
type ApiStages = Vec<(StageKey, Kept)>;

/// The usage plans of each stage that asked, by (account, region, API, stage).
#[derive(Default)]
pub struct UsagePlans {
    /// Moved on by every commit to keys or plans: entries of an older one are stale.
    version: AtomicU64,
    /// By API id, then (few) stages: a keyed request looks its stage up by reference,
    /// without a key of its own to build, hash in full or drop.
    stages: Mutex<HashMap<Arc<str>, ApiStages, foldhash::fast::RandomState>>,
    counters: Mutex<HashMap<CounterKey, Counter>>,
    writer: OnceLock<()>,
}

impl std::fmt::Debug for UsagePlans {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UsagePlans").finish_non_exhaustive()
    }
}

impl UsagePlans {
    /// Called with every commit's changes.
    pub fn changed(&self, changes: &[Changed]) {
        if changes.iter().any(|c| c.kind == "apikey" || c.kind == "usageplan") {
            self.version.fetch_add(1, Ordering::SeqCst);
        }
    }

    async fn plans(&self, store: &Store, ctx: &RequestContext) -> Result<(Arc<Vec<CoveringPlan>>, KeyBuckets), String> {
        let version = self.version.load(Ordering::SeqCst);
        let same = |(account, region, stage): &StageKey| {
            **stage == *ctx.stage && **account == *ctx.account_id && **region == *ctx.region
        };
        if let Some(stages) = self.stages.lock().unwrap_or_else(|e| e.into_inner()).get(&*ctx.api_id)
            && let Some((_, (seen, plans, buckets))) = stages.iter().find(|(key, _)| same(key))
            && *seen == version
        {
            return Ok((plans.clone(), buckets.clone()));
        }
        let scope = Scope {
            account: ctx.account_id.to_string(),
            region: ctx.region.to_string(),
        };
        // Boxed: a store read's future is large, and most requests find the plans kept.
        let plans = Box::pin(plans_for_stage(store, &scope, &ctx.api_id, &ctx.stage))
            .await
            .map_err(|e| e.to_string())?;
        let plans = Arc::new(plans);
        let buckets = KeyBuckets::default();
        let kept = (version, plans.clone(), buckets.clone());
        let mut all = self.stages.lock().unwrap_or_else(|e| e.into_inner());
        let stages = all.entry(ctx.api_id.clone()).or_default();
        match stages.iter_mut().find(|(key, _)| same(key)) {
            Some((_, entry)) => *entry = kept,
            None => stages.push(((ctx.account_id.clone(), ctx.region.clone(), ctx.stage.clone()), kept)),
        }
        Ok((plans, buckets))
    }

    /// Checks the request's key; `Ok` with the key's id, or the answer that ends the request.
    pub async fn check(
        self: &Arc<Self>,
        store: &Store,
        throttles: &Throttles,
        source: KeySource,
        ctx: &mut RequestContext,
        now: Duration,
    ) -> Result<(), Box<Response<Bytes>>> {
        let (plans, buckets) = match self.plans(store, ctx).await {
            Ok(found) => found,
            Err(error) => {
                tracing::error!(%error, "reading the stage's usage plans");
                return Err(Box::new(crate::respond::internal_error()));
            }
        };
        let value = match source {
            KeySource::Header => ctx
                .headers
                .get(&X_API_KEY)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            KeySource::Authorizer => ctx.authorizer.as_ref().and_then(|a| a.usage_identifier_key.clone()),
        };
        let Some((plan, key_id)) = value
            .as_deref()
            .and_then(|v| plans.iter().find_map(|p| p.keys.get(v).map(|id| (p, id.clone()))))
        else {
            return Err(Box::new(invalid_api_key()));
        };
        // The plan's throttle for this method, if it has one (few plans do: no key is built
        // for the lookup).
        let (path, verb) = (&*ctx.resource_path, ctx.method.as_str());
        let method_limit = plan
            .method_throttle
            .iter()
            .find(|(k, _)| k.strip_prefix(path).and_then(|r| r.strip_prefix('/')) == Some(verb))
            .and_then(|(k, t)| Some((limit(t)?, k)));
        if let Some((limit, method)) = method_limit {
            let bucket = throttles.bucket(format!("plan\u{0}{}\u{0}{key_id}\u{0}{method}", plan.plan_id), limit);
            if !bucket.take(now) {
                return Err(Box::new(crate::respond::throttled()));
            }
        }
        if let Some(limit) = plan.throttle.as_ref().and_then(limit) {
            let bucket = {
                let mut memo = buckets.lock().unwrap_or_else(|e| e.into_inner());
                match memo.get(key_id.as_str()) {
                    Some(bucket) => bucket.clone(),
                    None => {
                        let bucket = throttles.bucket(format!("plan\u{0}{}\u{0}{key_id}\u{0}", plan.plan_id), limit);
                        memo.insert(key_id.clone(), bucket.clone());
                        bucket
                    }
                }
            };
            if !bucket.take(now) {
                return Err(Box::new(crate::respond::throttled()));
            }
        }
        if plan.quota.is_some() {
            self.count(store, ctx, &plan.plan_id, &key_id).await?;
        }
        ctx.identity.api_key = value;
        ctx.identity.api_key_id = Some(key_id);
        Ok(())
    }

    /// Counts the request against the plan's quota, or refuses it once the quota is spent.
    async fn count(
        self: &Arc<Self>,
        store: &Store,
        ctx: &RequestContext,
        plan_id: &str,
        key_id: &str,
    ) -> Result<(), Box<Response<Bytes>>> {
        self.start_writer(store);
        let day = portico_rest::usage_plans::today();
        let key: CounterKey = (
            ctx.account_id.to_string(),
            ctx.region.to_string(),
            plan_id.to_owned(),
            key_id.to_owned(),
            day,
        );
        for _ in 0..2 {
            let version = self.version.load(Ordering::SeqCst);
            {
                let mut counters = self.counters.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(c) = counters.get_mut(&key)
                    && (c.version == version || c.pending > 0)
                {
                    if c.remaining <= 0 {
                        return Err(Box::new(limit_exceeded()));
                    }
                    c.remaining -= 1;
                    c.pending += 1;
                    return Ok(());
                }
            }
            let scope = Scope {
                account: key.0.clone(),
                region: key.1.clone(),
            };
            let remaining = match Box::pin(remaining_quota(store, &scope, plan_id, key_id)).await {
                Ok(remaining) => remaining.unwrap_or(i64::MAX),
                Err(error) => {
                    tracing::error!(%error, plan_id, "reading a usage plan's quota");
                    return Err(Box::new(crate::respond::internal_error()));
                }
            };
            let mut counters = self.counters.lock().unwrap_or_else(|e| e.into_inner());
            // Counts taken meanwhile by another request stay with its counter.
            let pending = counters.get(&key).map_or(0, |c| c.pending);
            if pending == 0 {
                counters.insert(
                    key.clone(),
                    Counter {
                        remaining,
                        pending: 0,
                        version,
                    },
                );
            }
        }
        Err(Box::new(crate::respond::internal_error()))
    }

    /// Starts the task writing counts behind (once; it ends with the data plane).
    fn start_writer(self: &Arc<Self>, store: &Store) {
        self.writer.get_or_init(|| {
            let plans = Arc::downgrade(self);
            let store = store.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(WRITE_BEHIND).await;
                    let Some(plans) = plans.upgrade() else { return };
                    plans.write_counts(&store).await;
                }
            });
        });
    }

    /// Writes what was counted since the last write.
    pub async fn write_counts(&self, store: &Store) {
        let taken: Vec<(CounterKey, i64)> = {
            let mut counters = self.counters.lock().unwrap_or_else(|e| e.into_inner());
            // Yesterday's counters, once written, are done.
            let today = portico_rest::usage_plans::today();
            counters.retain(|k, c| k.4 >= today || c.pending > 0);
            counters
                .iter_mut()
                .filter(|(_, c)| c.pending > 0)
                .map(|(k, c)| (k.clone(), std::mem::take(&mut c.pending)))
                .collect()
        };
        for ((account, region, plan_id, key_id, _), n) in taken {
            let scope = Scope { account, region };
            if let Err(error) = add_requests(store, &scope, &plan_id, &key_id, n).await {
                tracing::error!(%error, plan_id, key_id, n, "writing a usage plan's counts");
            }
        }
    }
}

/// The quota is spent (the QUOTA_EXCEEDED gateway response).
pub fn limit_exceeded() -> Response<Bytes> {
    gateway_error(
        StatusCode::TOO_MANY_REQUESTS,
        "LimitExceededException",
        "QUOTA_EXCEEDED",
        "Limit Exceeded",
    )
}

fn limit(t: &ag::ThrottleSettings) -> Option<Limit> {
    match (t.rate_limit, t.burst_limit) {
        (None, None) => None,
        (rate, burst) => Some(Limit {
            rate: rate.unwrap_or(f64::MAX),
            burst: burst.map_or(f64::MAX, |b| b as f64),
        }),
    }
}

/// AWS's answer to a missing or unknown key.
pub fn invalid_api_key() -> Response<Bytes> {
    gateway_error(
        StatusCode::FORBIDDEN,
        "ForbiddenException",
        "INVALID_API_KEY",
        "Forbidden",
    )
}
