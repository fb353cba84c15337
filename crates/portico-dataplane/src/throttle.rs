//! Throttling as API Gateway does it: token buckets (capacity `burstLimit`, refilled at
//! `rateLimit` per second), one per method of each stage from the stage's `methodSettings`
//! (the method's own entry, else `*/*`), and one per account and region shared by all its
//! APIs (AWS's 10,000 rps with a burst of 5,000 unless configured otherwise). A request takes
//! a token from each; one that finds a bucket empty is answered 429 `Too Many Requests`.
//!
//! Buckets live in a registry, not in compiled stages: recompiling a stage (any write to its
//! API) keeps their levels. Time comes from a [`Clock`] that tests can drive.

use crate::stage::method_setting;
use portico_wire::apigateway as ag;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Where throttling reads the time: the real clock, or one that moves only when told
/// (`--test-clock`), so tests reach exact request counts without sleeping.
#[derive(Debug)]
pub struct Clock {
    base: Instant,
    manual: Option<Mutex<Duration>>,
}

impl Clock {
    pub fn real() -> Clock {
        Clock {
            base: Instant::now(),
            manual: None,
        }
    }

    pub fn manual() -> Clock {
        Clock {
            base: Instant::now(),
            manual: Some(Mutex::new(Duration::ZERO)),
        }
    }

    pub fn now(&self) -> Duration {
        match &self.manual {
            Some(at) => *at.lock().unwrap_or_else(|e| e.into_inner()),
            None => self.base.elapsed(),
        }
    }

    /// Moves a manual clock on (and the days usage plan quotas count by); false for the real one.
    pub fn advance(&self, by: Duration) -> bool {
        match &self.manual {
            Some(at) => {
                *at.lock().unwrap_or_else(|e| e.into_inner()) += by;
                portico_rest::usage_plans::shift_quota_days(by);
                true
            }
            None => false,
        }
    }
}

/// A steady rate (requests per second) and a burst (the bucket's capacity).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    pub rate: f64,
    pub burst: f64,
}

impl Limit {
    /// AWS's account-level default.
    pub const ACCOUNT_DEFAULT: Limit = Limit {
        rate: 10_000.0,
        burst: 5_000.0,
    };
}

#[derive(Debug)]
pub struct Bucket {
    state: Mutex<BucketState>,
}

#[derive(Debug)]
struct BucketState {
    limit: Limit,
    tokens: f64,
    at: Duration,
}

impl Bucket {
    fn new(limit: Limit, now: Duration) -> Bucket {
        Bucket {
            state: Mutex::new(BucketState {
                limit,
                tokens: limit.burst,
                at: now,
            }),
        }
    }

    /// Takes a token if there is one.
    pub fn take(&self, now: Duration) -> bool {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let elapsed = now.saturating_sub(s.at).as_secs_f64();
        s.tokens = (s.tokens + elapsed * s.limit.rate).min(s.limit.burst);
        s.at = now;
        if s.tokens >= 1.0 {
            s.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// New limits keep the level, within the new burst.
    fn set_limit(&self, limit: Limit) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if s.limit != limit {
            s.tokens = s.tokens.min(limit.burst);
            s.limit = limit;
        }
    }
}

/// Every bucket, by what it throttles.
#[derive(Debug)]
pub struct Throttles {
    pub clock: Clock,
    account_limit: Limit,
    buckets: Mutex<HashMap<String, Arc<Bucket>>>,
}

impl Default for Throttles {
    fn default() -> Self {
        Throttles::new(Clock::real(), Limit::ACCOUNT_DEFAULT)
    }
}

impl Throttles {
    pub fn new(clock: Clock, account_limit: Limit) -> Throttles {
        Throttles {
            clock,
            account_limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// The bucket for `key` with `limit`, the existing one when there is one.
    pub fn bucket(&self, key: String, limit: Limit) -> Arc<Bucket> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        match buckets.get(&key) {
            Some(b) => {
                b.set_limit(limit);
                b.clone()
            }
            None => {
                let b = Arc::new(Bucket::new(limit, self.clock.now()));
                buckets.insert(key, b.clone());
                b
            }
        }
    }

    /// The account's bucket in a region, which every stage of every API there shares.
    pub fn account_bucket(&self, account: &str, region: &str) -> Arc<Bucket> {
        self.bucket(format!("{account}\u{0}{region}"), self.account_limit)
    }

    /// A stage's buckets: the account's, and one per method (`methods` as (resource path,
    /// HTTP method), in the deployment's method order) from `settings`.
    pub fn for_stage(
        &self,
        scope: (&str, &str),
        api_id: &str,
        stage: &str,
        methods: &[(Arc<str>, Arc<str>)],
        settings: Option<&BTreeMap<String, ag::MethodSetting>>,
    ) -> StageThrottle {
        let (account, region) = scope;
        let account_bucket = self.account_bucket(account, region);
        let methods = methods
            .iter()
            .map(|(path, verb)| {
                let (setting, _) = method_setting(settings, path, verb)?;
                let limit = Limit {
                    rate: setting.throttling_rate_limit?,
                    burst: setting.throttling_burst_limit? as f64,
                };
                // AWS's default settings are the account's limits: no bucket of their own.
                if limit.rate < 0.0 || limit == self.account_limit {
                    return None;
                }
                Some(self.bucket(
                    format!("{account}\u{0}{region}\u{0}{api_id}\u{0}{stage}\u{0}{path}\u{0}{verb}"),
                    limit,
                ))
            })
            .collect();
        StageThrottle {
            account: account_bucket,
            methods,
        }
    }
}

/// What a compiled stage throttles with.
#[derive(Debug)]
pub struct StageThrottle {
    account: Arc<Bucket>,
    /// By method index; `None`: only the account's limit applies.
    methods: Vec<Option<Arc<Bucket>>>,
}

impl StageThrottle {
    /// Whether method `index` may run now: a token from its bucket, then from the account's.
    pub fn admit(&self, index: usize, now: Duration) -> bool {
        if let Some(Some(bucket)) = self.methods.get(index)
            && !bucket.take(now)
        {
            return false;
        }
        self.account.take(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_rate() {
        let clock = Clock::manual();
        let b = Bucket::new(Limit { rate: 2.0, burst: 3.0 }, clock.now());
        assert_eq!((0..5).filter(|_| b.take(clock.now())).count(), 3);
        clock.advance(Duration::from_millis(500));
        assert!(b.take(clock.now()));
        assert!(!b.take(clock.now()));
        clock.advance(Duration::from_secs(10));
        assert_eq!(
            (0..5).filter(|_| b.take(clock.now())).count(),
            3,
            "never above the burst"
        );
    }

    #[test]
    fn zero_blocks_everything() {
        let clock = Clock::manual();
        let b = Bucket::new(Limit { rate: 0.0, burst: 0.0 }, clock.now());
        clock.advance(Duration::from_secs(5));
        assert!(!b.take(clock.now()));
    }

    #[test]
    fn settings_pick_the_method_then_the_stage_default() {
        let t = Throttles::new(Clock::manual(), Limit::ACCOUNT_DEFAULT);
        let setting = |rate: f64, burst: i64| ag::MethodSetting {
            throttling_rate_limit: Some(rate),
            throttling_burst_limit: Some(burst),
            ..Default::default()
        };
        let settings: BTreeMap<String, ag::MethodSetting> = [
            ("*/*".to_owned(), setting(1.0, 1)),
            ("~1pets/GET".to_owned(), setting(1.0, 2)),
        ]
        .into();
        let methods: Vec<(Arc<str>, Arc<str>)> = vec![("/pets".into(), "GET".into()), ("/".into(), "POST".into())];
        let stage = t.for_stage(("0", "r"), "api", "dev", &methods, Some(&settings));
        let now = t.clock.now();
        assert_eq!((0..4).filter(|_| stage.admit(0, now)).count(), 2);
        assert_eq!((0..4).filter(|_| stage.admit(1, now)).count(), 1);
        // Recompiled: the levels stay.
        let again = t.for_stage(("0", "r"), "api", "dev", &methods, Some(&settings));
        assert!(!again.admit(0, now));
    }
}
