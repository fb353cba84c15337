//! Compiled stages: each deployed stage's route tree, built once and kept until the store's
//! generation moves. Misses are cached too, so a steady state never touches SQLite.

use crate::integration::Integration;
use crate::route::Routes;
use portico_store::{DeploymentSnapshot, Kind, Store, StoreError};
use portico_wire::apigateway as ag;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

/// A stage ready to serve.
#[derive(Debug)]
pub struct CompiledStage {
    pub variables: BTreeMap<String, String>,
    pub routes: Routes<CompiledMethod>,
}

/// A deployed method: where it lives and what it integrates with.
#[derive(Debug)]
pub struct CompiledMethod {
    pub resource_path: String,
    pub integration: Option<Integration>,
}

/// What an (api id, stage) pair names.
#[derive(Debug, Clone)]
pub enum Lookup {
    Stage(Arc<CompiledStage>),
    /// The API exists, the stage does not (or it cannot be served).
    NoStage,
    NoApi,
}

/// Past this many entries the cache starts over: misses for made-up ids must not grow it forever.
const MAX_ENTRIES: usize = 4096;

#[derive(Default)]
pub struct StageCache {
    inner: RwLock<Entries>,
}

#[derive(Default)]
struct Entries {
    generation: u64,
    len: usize,
    /// api id → stage name → lookup; nested so a hit needs no allocation.
    apis: HashMap<String, HashMap<String, Lookup>>,
}

impl StageCache {
    pub async fn lookup(&self, store: &Store, api_id: &str, stage: &str) -> Result<Lookup, StoreError> {
        // Read before loading: a write that lands mid-load leaves the entry stale, never wrong.
        let generation = store.generation();
        {
            let entries = self.inner.read().unwrap_or_else(|e| e.into_inner());
            if entries.generation == generation
                && let Some(hit) = entries.apis.get(api_id).and_then(|stages| stages.get(stage))
            {
                return Ok(hit.clone());
            }
        }
        let loaded = load(store, api_id, stage).await?;
        let mut entries = self.inner.write().unwrap_or_else(|e| e.into_inner());
        if entries.generation < generation || entries.len >= MAX_ENTRIES {
            *entries = Entries {
                generation,
                ..Entries::default()
            };
        }
        if entries.generation == generation {
            entries.len += 1;
            entries
                .apis
                .entry(api_id.to_owned())
                .or_default()
                .insert(stage.to_owned(), loaded.clone());
        }
        Ok(loaded)
    }
}

async fn load(store: &Store, api_id: &str, stage_name: &str) -> Result<Lookup, StoreError> {
    if !stage_name.is_empty()
        && let Some((scope, stage)) = store.find_unscoped::<ag::Stage>(api_id, stage_name).await?
    {
        let Some(deployment_id) = stage.deployment_id.as_deref() else {
            tracing::warn!(api_id, stage_name, "stage has no deployment");
            return Ok(Lookup::NoStage);
        };
        let Some(snapshot) = store.get::<DeploymentSnapshot>(&scope, api_id, deployment_id).await? else {
            tracing::warn!(api_id, stage_name, deployment_id, "stage's deployment is missing");
            return Ok(Lookup::NoStage);
        };
        if snapshot.api.disable_execute_api_endpoint == Some(true) {
            return Ok(Lookup::NoStage);
        }
        tracing::debug!(api_id, stage_name, deployment_id, "compiled stage");
        return Ok(Lookup::Stage(Arc::new(compile(
            &snapshot,
            stage.variables.unwrap_or_default(),
        ))));
    }
    Ok(if store.id_taken(Kind::RestApi, api_id).await? {
        Lookup::NoStage
    } else {
        Lookup::NoApi
    })
}

pub fn compile(snapshot: &DeploymentSnapshot, variables: BTreeMap<String, String>) -> CompiledStage {
    let mut routes = Routes::default();
    for resource in &snapshot.resources {
        let Some(path) = resource.path.as_deref() else {
            continue;
        };
        for (method, deployed) in resource.resource_methods.iter().flatten() {
            let compiled = CompiledMethod {
                resource_path: path.to_owned(),
                integration: deployed.method_integration.as_ref().map(Integration::compile),
            };
            if !routes.insert(path, method, compiled) {
                tracing::warn!(path, method, "resource conflicts with a sibling; not routed");
            }
        }
    }
    CompiledStage { variables, routes }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(path: &str, methods: &[&str]) -> ag::Resource {
        let methods = methods.iter().map(|m| (m.to_string(), ag::Method::default())).collect();
        ag::Resource {
            path: Some(path.into()),
            resource_methods: Some(methods),
            ..Default::default()
        }
    }

    #[test]
    fn compiles_every_method() {
        let snapshot = DeploymentSnapshot {
            api: ag::RestApi::default(),
            resources: vec![
                resource("/", &["GET"]),
                resource("/pets/{id}", &["GET", "ANY"]),
                resource("/{proxy+}", &["ANY"]),
            ],
        };
        let stage = compile(&snapshot, BTreeMap::new());
        assert_eq!(stage.routes.find("GET", "/").unwrap().target.resource_path, "/");
        assert_eq!(
            stage.routes.find("PUT", "/pets/1").unwrap().target.resource_path,
            "/pets/{id}"
        );
        assert_eq!(
            stage.routes.find("PUT", "/x/y").unwrap().target.resource_path,
            "/{proxy+}"
        );
        assert!(
            stage
                .routes
                .find("GET", "/pets/1")
                .unwrap()
                .target
                .integration
                .is_none()
        );
    }
}
