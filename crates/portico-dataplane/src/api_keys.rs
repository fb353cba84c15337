//! API keys on methods with `apiKeyRequired`: the request's key (`x-api-key`, the API's
//! `apiKeySource` HEADER) must be an enabled key of a usage plan covering the stage, else 403
//! `Forbidden` (the INVALID_API_KEY gateway response). The plan's throttle, and its throttle for
//! the method, then apply per key, as token buckets beside the stage's.
//!
//! The plans covering a stage are read from the store once and kept until a commit touches API
//! keys or usage plans.

use crate::context::RequestContext;
use crate::respond::gateway_error;
use crate::throttle::{Limit, Throttles};
use bytes::Bytes;
use http::{Response, StatusCode};
use portico_rest::usage_plans::{CoveringPlan, plans_for_stage};
use portico_store::{Changed, Scope, Store};
use portico_wire::apigateway as ag;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

type StageKey = (String, String, String, String);
/// The commit version a stage's plans were read at, and the plans.
type Kept = (u64, Arc<Vec<CoveringPlan>>);

/// The usage plans of each stage that asked, by (account, region, API, stage).
#[derive(Default)]
pub struct UsagePlans {
    /// Moved on by every commit to keys or plans: entries of an older one are stale.
    version: AtomicU64,
    stages: Mutex<HashMap<StageKey, Kept>>,
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

    async fn plans(&self, store: &Store, ctx: &RequestContext) -> Result<Arc<Vec<CoveringPlan>>, String> {
        let key: StageKey = (
            ctx.account_id.to_string(),
            ctx.region.to_string(),
            ctx.api_id.to_string(),
            ctx.stage.to_string(),
        );
        let version = self.version.load(Ordering::SeqCst);
        if let Some((seen, plans)) = self.stages.lock().unwrap_or_else(|e| e.into_inner()).get(&key)
            && *seen == version
        {
            return Ok(plans.clone());
        }
        let scope = Scope {
            account: key.0.clone(),
            region: key.1.clone(),
        };
        // Boxed: a store read's future is large, and most requests find the plans kept.
        let plans = Box::pin(plans_for_stage(store, &scope, &key.2, &key.3))
            .await
            .map_err(|e| e.to_string())?;
        let plans = Arc::new(plans);
        self.stages
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, (version, plans.clone()));
        Ok(plans)
    }

    /// Checks the request's key; `Ok` with the key's id, or the answer that ends the request.
    pub async fn check(
        &self,
        store: &Store,
        throttles: &Throttles,
        ctx: &mut RequestContext,
    ) -> Result<(), Box<Response<Bytes>>> {
        let plans = match self.plans(store, ctx).await {
            Ok(plans) => plans,
            Err(error) => {
                tracing::error!(%error, "reading the stage's usage plans");
                return Err(Box::new(crate::respond::internal_error()));
            }
        };
        let value = ctx.header("x-api-key").map(str::to_owned);
        let Some((plan, key_id)) = value
            .as_deref()
            .and_then(|v| plans.iter().find_map(|p| p.keys.get(v).map(|id| (p, id.clone()))))
        else {
            return Err(Box::new(invalid_api_key()));
        };
        let now = throttles.clock.now();
        let method_key = format!("{}/{}", ctx.resource_path, ctx.method);
        let limits = [
            plan.method_throttle
                .get(&method_key)
                .and_then(limit)
                .map(|l| (l, method_key.as_str())),
            plan.throttle.as_ref().and_then(limit).map(|l| (l, "")),
        ];
        for (limit, method) in limits.into_iter().flatten() {
            let bucket = throttles.bucket(format!("plan\u{0}{}\u{0}{key_id}\u{0}{method}", plan.plan_id), limit);
            if !bucket.take(now) {
                return Err(Box::new(crate::respond::throttled()));
            }
        }
        ctx.identity.api_key = value;
        ctx.identity.api_key_id = Some(key_id);
        Ok(())
    }
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
