//! The stage cache: each deployed stage compiled once and kept until a commit touches its API
//! (the store's change feed names the API), so a write to one API never recompiles another's
//! stages. Concurrent misses of one stage share one load. Compiled deployments never change, so
//! they outlive the stage entries of their API and are shared by every stage on them; they are
//! dropped once no stage or canary of the API references them.

use crate::authorize::Auth;
use crate::execution_log::Logging;
use crate::metrics::Metrics;
use crate::response_cache::MethodCaching;
use crate::stage::{Canary, CompiledDeployment, CompiledStage};
use crate::throttle::Throttles;
use portico_rest::kinds::{DEPLOYMENT, REST_API, SNAPSHOT, STAGE};
use portico_store::{Changed, Store, StoreError, Stored};
use portico_wire::apigateway::RestApi;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use tokio::sync::OnceCell;

/// What an (api id, stage) pair names.
#[derive(Debug, Clone)]
pub enum Lookup {
    Stage(Arc<CompiledStage>),
    /// The API exists, the stage does not (or it cannot be served).
    NoStage,
    NoApi,
}

/// Past this many stage entries the cache starts over: lookups of made-up ids must not grow it
/// forever.
const MAX_STAGES: usize = 4096;

/// Counters for tests and `/_portico/health`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Stage lookups that went to the store.
    pub stage_loads: u64,
    /// Deployments compiled.
    pub deployment_compiles: u64,
    pub cached_stages: usize,
    pub cached_deployments: usize,
}

#[derive(Default)]
pub struct StageCache {
    apis: RwLock<Apis>,
    /// What compiling authorizers needs (key sets, settings).
    auth: RwLock<Arc<Auth>>,
    /// Where compiled stages get their throttling buckets.
    throttles: RwLock<Arc<Throttles>>,
    /// Where compiled stages get their metrics' counters.
    pub metrics: Arc<Metrics>,
    stage_loads: AtomicU64,
    deployment_compiles: AtomicU64,
}

#[derive(Default)]
struct Apis {
    by_id: HashMap<String, ApiEntry>,
    stages: usize,
}

#[derive(Default)]
struct ApiEntry {
    stages: HashMap<String, Arc<OnceCell<Lookup>>>,
    /// Keyed by the deployment's row number, which no other document ever gets.
    deployments: HashMap<i64, Arc<CompiledDeployment>>,
}

impl StageCache {
    pub async fn lookup(&self, store: &Store, api_id: &str, stage: &str) -> Result<Lookup, StoreError> {
        let cell = {
            let apis = self.apis.read().unwrap_or_else(|e| e.into_inner());
            apis.by_id.get(api_id).and_then(|api| api.stages.get(stage)).cloned()
        };
        let cell = match cell {
            Some(cell) => cell,
            None => self.slot(api_id, stage),
        };
        if let Some(hit) = cell.get() {
            return Ok(hit.clone());
        }
        // Boxed: the load holds a store query, far bigger than the hit path every request takes.
        Box::pin(cell.get_or_try_init(|| self.load(store, api_id, stage)))
            .await
            .cloned()
    }

    /// The entry a miss fills; concurrent misses get the same one.
    fn slot(&self, api_id: &str, stage: &str) -> Arc<OnceCell<Lookup>> {
        let mut apis = self.apis.write().unwrap_or_else(|e| e.into_inner());
        if apis.stages >= MAX_STAGES {
            // Misses (made-up ids, stages that don't exist) go; compiled stages stay.
            tracing::debug!("stage cache full; dropping its misses");
            apis.by_id.retain(|_, api| {
                api.stages
                    .retain(|_, cell| matches!(cell.get(), Some(Lookup::Stage(_))) || cell.get().is_none());
                !api.stages.is_empty() || !api.deployments.is_empty()
            });
            apis.stages = apis.by_id.values().map(|a| a.stages.len()).sum();
            if apis.stages >= MAX_STAGES {
                *apis = Apis::default();
            }
        }
        let Apis { by_id, stages } = &mut *apis;
        let entry = by_id.entry(api_id.to_owned()).or_default();
        entry
            .stages
            .entry(stage.to_owned())
            .or_insert_with(|| {
                *stages += 1;
                Arc::default()
            })
            .clone()
    }

    /// Drops what the cache holds of the APIs a commit touched; compiled deployments stay.
    pub fn invalidate(&self, changes: &[Changed]) {
        let mut apis = self.apis.write().unwrap_or_else(|e| e.into_inner());
        for change in changes.iter().filter(|c| c.kind == REST_API.name) {
            if let Some(entry) = apis.by_id.get_mut(&change.id) {
                let dropped = entry.stages.len();
                entry.stages.clear();
                apis.stages -= dropped;
            }
        }
    }

    /// Deployments compiled from now on use `auth`; compiled ones are dropped.
    pub fn set_throttles(&self, throttles: Arc<Throttles>) {
        *self.throttles.write().unwrap_or_else(|e| e.into_inner()) = throttles;
        *self.apis.write().unwrap_or_else(|e| e.into_inner()) = Apis::default();
    }

    pub fn set_auth(&self, auth: Arc<Auth>) {
        *self.auth.write().unwrap_or_else(|e| e.into_inner()) = auth;
        *self.apis.write().unwrap_or_else(|e| e.into_inner()) = Apis::default();
    }

    /// Forgets the cached authorizer answers of one stage, in every compiled deployment of
    /// the API (the stage may have moved between them).
    pub fn flush_authorizers(&self, api_id: &str, stage: &str) {
        let apis = self.apis.read().unwrap_or_else(|e| e.into_inner());
        if let Some(api) = apis.by_id.get(api_id) {
            for deployment in api.deployments.values() {
                deployment.authorizers.flush(stage);
            }
        }
    }

    pub fn stats(&self) -> CacheStats {
        let apis = self.apis.read().unwrap_or_else(|e| e.into_inner());
        CacheStats {
            stage_loads: self.stage_loads.load(Ordering::Relaxed),
            deployment_compiles: self.deployment_compiles.load(Ordering::Relaxed),
            cached_stages: apis.stages,
            cached_deployments: apis.by_id.values().map(|a| a.deployments.len()).sum(),
        }
    }

    async fn load(&self, store: &Store, api_id: &str, stage_name: &str) -> Result<Lookup, StoreError> {
        self.stage_loads.fetch_add(1, Ordering::Relaxed);
        let Some(api) = store.global(&REST_API, api_id).await? else {
            self.forget(api_id);
            return Ok(Lookup::NoApi);
        };
        if stage_name.is_empty() {
            return Ok(Lookup::NoStage);
        }
        let Some(stage) = store.child(&STAGE, &api.row, stage_name).await? else {
            return Ok(Lookup::NoStage);
        };
        let Some(deployment_id) = stage.doc.deployment_id.as_deref() else {
            tracing::warn!(api_id, stage_name, "stage has no deployment");
            return Ok(Lookup::NoStage);
        };
        let Some(compiled) = self.deployment(store, &api, api_id, deployment_id).await? else {
            tracing::warn!(api_id, stage_name, deployment_id, "stage's deployment is missing");
            return Ok(Lookup::NoStage);
        };
        let scope = api.row.scope();
        let settings = stage.doc.method_settings.as_ref();
        let caching_on = stage.doc.cache_cluster_enabled == Some(true);
        let variables = stage.doc.variables.unwrap_or_default();
        let side = |deployment: Arc<CompiledDeployment>, variables, caching_on: bool, canary_side| {
            let throttle = self.throttles.read().unwrap_or_else(|e| e.into_inner()).for_stage(
                (&scope.account, &scope.region),
                api_id,
                stage_name,
                &deployment.methods,
                settings,
            );
            let caching = deployment
                .methods
                .iter()
                .zip(&deployment.cache_key_parameters)
                .map(|((path, verb), keys)| MethodCaching::compile(caching_on, path, verb, settings, keys))
                .collect();
            let logging = deployment
                .methods
                .iter()
                .map(|(path, verb)| Logging::compile(path, verb, settings))
                .collect();
            let metrics = self.metrics.for_stage(
                (&scope.account, &scope.region),
                (api_id, api.doc.name.as_deref().unwrap_or_default()),
                stage_name,
                &deployment.methods,
                settings,
            );
            CompiledStage {
                account_id: scope.account.as_str().into(),
                region: scope.region.as_str().into(),
                api_id: api_id.into(),
                name: stage_name.into(),
                variables: Arc::new(variables),
                deployment,
                throttle,
                caching,
                logging,
                metrics,
                canary: None,
                canary_side,
            }
        };
        let Some(canary) = stage.doc.canary_settings else {
            return Ok(Lookup::Stage(Arc::new(side(compiled, variables, caching_on, None))));
        };
        let canary_id = canary.deployment_id.as_deref().unwrap_or(deployment_id);
        let Some(canary_deployment) = self.deployment(store, &api, api_id, canary_id).await? else {
            tracing::warn!(api_id, stage_name, canary_id, "canary's deployment is missing");
            return Ok(Lookup::Stage(Arc::new(side(compiled, variables, caching_on, None))));
        };
        let mut canary_variables = variables.clone();
        canary_variables.extend(canary.stage_variable_overrides.unwrap_or_default());
        let canary_caching = caching_on && canary.use_stage_cache == Some(true);
        let mut main = side(compiled, variables, caching_on, Some(false));
        main.canary = Some(Box::new(Canary {
            percent: canary.percent_traffic.unwrap_or(0.0),
            stage: side(canary_deployment, canary_variables, canary_caching, Some(true)),
        }));
        Ok(Lookup::Stage(Arc::new(main)))
    }

    /// The API's deployment `id`, compiled once; `None` when it (or its snapshot) is missing.
    async fn deployment(
        &self,
        store: &Store,
        api: &Stored<RestApi>,
        api_id: &str,
        id: &str,
    ) -> Result<Option<Arc<CompiledDeployment>>, StoreError> {
        let Some(deployment) = store.child(&DEPLOYMENT, &api.row, id).await? else {
            return Ok(None);
        };
        let key = deployment.row.seq();
        let cached = {
            let apis = self.apis.read().unwrap_or_else(|e| e.into_inner());
            apis.by_id.get(api_id).and_then(|a| a.deployments.get(&key)).cloned()
        };
        if let Some(compiled) = cached {
            return Ok(Some(compiled));
        }
        let Some(snapshot) = store.child(&SNAPSHOT, &deployment.row, id).await? else {
            tracing::warn!(api_id, id, "deployment has no snapshot");
            return Ok(None);
        };
        self.deployment_compiles.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(api_id, id, "compiled deployment");
        let auth = self.auth.read().unwrap_or_else(|e| e.into_inner()).clone();
        let scope = api.row.scope();
        let compiled = Arc::new(CompiledDeployment::compile(
            id,
            &snapshot.doc,
            &auth,
            &scope.region,
            &scope.account,
        ));
        // Keep it, and drop the deployments no stage or canary points at any more.
        let stages = store.in_tree(&STAGE, &api.row).await?;
        let referenced: HashSet<&str> = stages
            .iter()
            .flat_map(|s| {
                let canary = s.doc.canary_settings.as_ref().and_then(|c| c.deployment_id.as_deref());
                s.doc.deployment_id.as_deref().into_iter().chain(canary)
            })
            .collect();
        let mut apis = self.apis.write().unwrap_or_else(|e| e.into_inner());
        let entry = apis.by_id.entry(api_id.to_owned()).or_default();
        entry.deployments.retain(|_, d| referenced.contains(&*d.id));
        entry.deployments.insert(key, compiled.clone());
        Ok(Some(compiled))
    }

    /// An API that is gone leaves nothing behind.
    fn forget(&self, api_id: &str) {
        let mut apis = self.apis.write().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = apis.by_id.get(api_id)
            && !entry.deployments.is_empty()
        {
            let dropped = entry.stages.len();
            apis.by_id.remove(api_id);
            apis.stages -= dropped;
        }
    }
}
