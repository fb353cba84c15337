//! The metrics API Gateway sends CloudWatch (namespace `AWS/ApiGateway`), kept in memory:
//! per stage always (`ApiName`, `Stage`), and per method (`Resource`, `Method`) for methods
//! whose `metricsEnabled` is set (AWS's detailed metrics). Portico has no CloudWatch: the
//! figures are read at `GET /_portico/metrics`.
//!
//! Counters live in a registry, not in compiled stages, so recompiling a stage keeps them; a
//! request adds to them with a few relaxed atomic operations.

use crate::response_cache::CacheOutcome;
use crate::stage::method_setting;
use portico_wire::apigateway as ag;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One dimension set's figures since Portico started.
#[derive(Debug, Default)]
pub struct Counters {
    count: AtomicU64,
    client_errors: AtomicU64,
    server_errors: AtomicU64,
    latency_us: AtomicU64,
    latency_max_us: AtomicU64,
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
}

impl Counters {
    fn record(&self, status: u16, latency: Duration, cache: Option<CacheOutcome>) {
        self.count.fetch_add(1, Ordering::Relaxed);
        match status {
            400..=499 => {
                self.client_errors.fetch_add(1, Ordering::Relaxed);
            }
            500.. => {
                self.server_errors.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.latency_us.fetch_add(micros, Ordering::Relaxed);
        self.latency_max_us.fetch_max(micros, Ordering::Relaxed);
        match cache {
            Some(CacheOutcome::Hit) => {
                self.cache_hits.fetch_add(1, Ordering::Relaxed);
            }
            Some(CacheOutcome::Miss) => {
                self.cache_misses.fetch_add(1, Ordering::Relaxed);
            }
            None => {}
        }
    }

    /// CloudWatch's metric names; latency as its sum, average and maximum in milliseconds.
    fn report(&self) -> Value {
        let count = self.count.load(Ordering::Relaxed);
        let latency_us = self.latency_us.load(Ordering::Relaxed);
        json!({
            "Count": count,
            "4XXError": self.client_errors.load(Ordering::Relaxed),
            "5XXError": self.server_errors.load(Ordering::Relaxed),
            "Latency": {
                "Sum": latency_us as f64 / 1000.0,
                "Average": if count == 0 { 0.0 } else { latency_us as f64 / 1000.0 / count as f64 },
                "Maximum": self.latency_max_us.load(Ordering::Relaxed) as f64 / 1000.0,
            },
            "CacheHitCount": self.cache_hits.load(Ordering::Relaxed),
            "CacheMissCount": self.cache_misses.load(Ordering::Relaxed),
        })
    }
}

/// (account, region, API id, stage, resource path and method for a method's own).
type Key = (String, String, String, String, Option<(String, String)>);

/// Every stage's and method's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    counters: Mutex<HashMap<Key, Arc<Counters>>>,
    /// API names by (account, region, API id), for the `ApiName` dimension.
    names: Mutex<HashMap<(String, String, String), String>>,
}

impl Metrics {
    fn counters(&self, key: Key) -> Arc<Counters> {
        self.counters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key)
            .or_default()
            .clone()
    }

    /// A stage's counters: its own, and each method's whose `metricsEnabled` is set.
    pub fn for_stage(
        &self,
        scope: (&str, &str),
        api: (&str, &str),
        stage: &str,
        methods: &[(Arc<str>, Arc<str>)],
        settings: Option<&BTreeMap<String, ag::MethodSetting>>,
    ) -> StageMetrics {
        let (account, region) = scope;
        let (api_id, api_name) = api;
        self.names.lock().unwrap_or_else(|e| e.into_inner()).insert(
            (account.to_owned(), region.to_owned(), api_id.to_owned()),
            api_name.to_owned(),
        );
        let key = |method: Option<(String, String)>| -> Key {
            (account.into(), region.into(), api_id.into(), stage.into(), method)
        };
        let methods = methods
            .iter()
            .map(|(path, verb)| {
                let (setting, _) = method_setting(settings, path, verb)?;
                (setting.metrics_enabled == Some(true))
                    .then(|| self.counters(key(Some((path.to_string(), verb.to_string())))))
            })
            .collect();
        StageMetrics {
            stage: self.counters(key(None)),
            methods,
        }
    }

    /// Everything recorded, as `GET /_portico/metrics` answers it: one entry per dimension set.
    pub fn report(&self) -> Value {
        let names = self.names.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let counters = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        let mut entries: Vec<(&Key, &Arc<Counters>)> = counters.iter().collect();
        entries.sort_by(|a, b| a.0.cmp(b.0));
        let metrics: Vec<Value> = entries
            .into_iter()
            .map(|((account, region, api_id, stage, method), counters)| {
                let name = names
                    .get(&(account.clone(), region.clone(), api_id.clone()))
                    .cloned()
                    .unwrap_or_default();
                let mut dimensions = json!({"ApiName": name, "Stage": stage});
                if let Some((resource, verb)) = method {
                    dimensions["Resource"] = json!(resource);
                    dimensions["Method"] = json!(verb);
                }
                json!({
                    "namespace": "AWS/ApiGateway",
                    "accountId": account,
                    "region": region,
                    "apiId": api_id,
                    "dimensions": dimensions,
                    "values": counters.report(),
                })
            })
            .collect();
        json!({ "metrics": metrics })
    }
}

/// What a compiled stage records into.
#[derive(Debug, Default)]
pub struct StageMetrics {
    stage: Arc<Counters>,
    /// By method index; `None`: `metricsEnabled` is off for the method.
    methods: Vec<Option<Arc<Counters>>>,
}

impl StageMetrics {
    /// One answered request: `method` is its index (`None`: no method took it); `cache` what
    /// the stage cache did for it (`None`: the cache had no part).
    pub fn record(&self, method: Option<usize>, status: u16, latency: Duration, cache: Option<CacheOutcome>) {
        self.stage.record(status, latency, cache);
        if let Some(Some(counters)) = method.and_then(|i| self.methods.get(i)) {
            counters.record(status, latency, cache);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_always_and_methods_when_enabled() {
        let metrics = Metrics::default();
        let methods: Vec<(Arc<str>, Arc<str>)> = vec![("/a".into(), "GET".into()), ("/b".into(), "POST".into())];
        let settings: BTreeMap<String, ag::MethodSetting> = [(
            "~1a/GET".to_string(),
            ag::MethodSetting {
                metrics_enabled: Some(true),
                ..Default::default()
            },
        )]
        .into();
        let stage = metrics.for_stage(("1", "r"), ("api", "Pets"), "dev", &methods, Some(&settings));
        stage.record(Some(0), 200, Duration::from_millis(2), Some(CacheOutcome::Hit));
        stage.record(Some(1), 404, Duration::from_millis(4), None);
        stage.record(None, 503, Duration::from_millis(6), Some(CacheOutcome::Miss));
        // A recompiled stage keeps counting where the last left off.
        let again = metrics.for_stage(("1", "r"), ("api", "Pets"), "dev", &methods, Some(&settings));
        again.record(Some(0), 200, Duration::from_millis(2), None);

        let report = metrics.report();
        let entries = report["metrics"].as_array().unwrap();
        assert_eq!(entries.len(), 2, "{report}");
        let stage = &entries[0];
        assert_eq!(stage["dimensions"], json!({"ApiName": "Pets", "Stage": "dev"}));
        assert_eq!(stage["values"]["Count"], 4);
        assert_eq!(stage["values"]["4XXError"], 1);
        assert_eq!(stage["values"]["5XXError"], 1);
        assert_eq!(stage["values"]["CacheHitCount"], 1);
        assert_eq!(stage["values"]["CacheMissCount"], 1);
        assert_eq!(stage["values"]["Latency"]["Sum"], 14.0);
        assert_eq!(stage["values"]["Latency"]["Maximum"], 6.0);
        let method = &entries[1];
        assert_eq!(
            method["dimensions"],
            json!({"ApiName": "Pets", "Stage": "dev", "Resource": "/a", "Method": "GET"})
        );
        assert_eq!(method["values"]["Count"], 2);
        assert_eq!(method["values"]["Latency"]["Average"], 2.0);
    }
}
