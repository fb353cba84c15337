//! A deployed stage compiled for serving: the deployment's route tree with each method's
//! integration compiled (URI templates, parameter mappings, templates, selection patterns),
//! and the stage's own settings. A request only walks this.

use crate::api_keys::KeySource;
use crate::authorize::policy::ResourcePolicy;
use crate::authorize::{Auth, Authorization, Authorizers};
use crate::gateway::GatewayResponses;
use crate::integration::Integration;
use crate::response_cache::MethodCaching;
use crate::route::Routes;
use crate::throttle::StageThrottle;
use crate::validate::Validation;
use portico_rest::kinds::DeploymentSnapshot;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The stage's `methodSettings` entry for a method: its own (keys as stored: `pets/GET`, or
/// with the path's slashes escaped, `~1pets/GET`), else `*/*`; the flag says it was its own.
pub fn method_setting<'s>(
    settings: Option<&'s BTreeMap<String, portico_wire::apigateway::MethodSetting>>,
    path: &str,
    verb: &str,
) -> Option<(&'s portico_wire::apigateway::MethodSetting, bool)> {
    let settings = settings?;
    let own = format!("{path}/{verb}");
    let own = own.trim_start_matches('/');
    let own = settings
        .iter()
        .find(|(k, _)| k.replace("~1", "/").trim_start_matches('/') == own);
    match own {
        Some((_, s)) => Some((s, true)),
        None => settings.get("*/*").map(|s| (s, false)),
    }
}

/// A deployment compiled once; every stage on that deployment shares it.
#[derive(Debug)]
pub struct CompiledDeployment {
    pub id: Arc<str>,
    /// `disableExecuteApiEndpoint` as deployed.
    pub execute_api_disabled: bool,
    pub routes: Routes<CompiledMethod>,
    /// Compiled once, shared by the methods that name them.
    pub authorizers: Authorizers,
    /// `binaryMediaTypes` as deployed.
    pub binary_media_types: Arc<[String]>,
    /// The API's customised gateway responses.
    pub gateway_responses: GatewayResponses,
    /// The API's resource policy as deployed.
    pub policy: Option<ResourcePolicy>,
    /// (resource path, HTTP method) of each method, by `CompiledMethod::index`.
    pub methods: Vec<(Arc<str>, Arc<str>)>,
    /// Each method's integration's `cacheKeyParameters`, by `CompiledMethod::index`.
    pub cache_key_parameters: Vec<Vec<String>>,
}

/// A stage ready to serve.
#[derive(Debug)]
pub struct CompiledStage {
    pub account_id: Arc<str>,
    pub region: Arc<str>,
    pub api_id: Arc<str>,
    pub name: Arc<str>,
    pub variables: Arc<BTreeMap<String, String>>,
    pub deployment: Arc<CompiledDeployment>,
    pub throttle: StageThrottle,
    /// How each method caches (`None`: it does not), by `CompiledMethod::index`.
    pub caching: Vec<Option<MethodCaching>>,
    /// Each method's execution logging (`loggingLevel`), by `CompiledMethod::index`.
    pub logging: Vec<Option<crate::execution_log::Logging>>,
    /// The stage's metrics, and its methods' with `metricsEnabled`.
    pub metrics: crate::metrics::StageMetrics,
    /// The stage's canary release, if it has one.
    pub canary: Option<Box<Canary>>,
    /// `$context.isCanaryRequest`: whether this is the canary's side of a stage with one.
    pub canary_side: Option<bool>,
}

/// A canary release: `percent` of the stage's requests go to another deployment, with the
/// stage's variables overridden (the canary's `stage` has `canary_side: Some(true)`).
#[derive(Debug)]
pub struct Canary {
    pub percent: f64,
    pub stage: CompiledStage,
}

impl CompiledStage {
    /// The side of the stage that serves this request: the canary's for its share of them.
    pub fn pick(&self) -> &CompiledStage {
        match &self.canary {
            Some(canary) if canary.percent >= 100.0 || rand::random::<f64>() * 100.0 < canary.percent => &canary.stage,
            _ => self,
        }
    }
}

/// A deployed method: where it lives and what it integrates with.
#[derive(Debug)]
pub struct CompiledMethod {
    /// Its place in the deployment's methods (the stage's per-method state is kept by it).
    pub index: usize,
    pub resource_id: Arc<str>,
    pub resource_path: Arc<str>,
    pub authorization: Authorization,
    /// With `apiKeyRequired`, where the key comes from (the API's `apiKeySource`).
    pub api_key: Option<KeySource>,
    /// The method's request validator with its models, compiled; `None` checks nothing.
    pub validation: Option<Validation>,
    pub integration: Option<Integration>,
}

impl CompiledDeployment {
    /// `region` and `account` are the API's (a policy's `execute-api:/` shorthands name it).
    pub fn compile(
        id: &str,
        snapshot: &DeploymentSnapshot,
        auth: &Auth,
        region: &str,
        account: &str,
    ) -> CompiledDeployment {
        let authorizers = Authorizers::compile(&snapshot.authorizers, auth);
        let mut routes = Routes::default();
        let mut methods = Vec::new();
        let mut cache_key_parameters = Vec::new();
        let key_source = match snapshot.api.api_key_source.as_deref() {
            Some("AUTHORIZER") => KeySource::Authorizer,
            _ => KeySource::Header,
        };
        for resource in &snapshot.resources {
            let Some(path) = resource.path.as_deref() else {
                continue;
            };
            let resource_id: Arc<str> = resource.id.as_deref().unwrap_or_default().into();
            let resource_path: Arc<str> = path.into();
            for (method, deployed) in resource.resource_methods.iter().flatten() {
                let compiled = CompiledMethod {
                    index: methods.len(),
                    resource_id: resource_id.clone(),
                    resource_path: resource_path.clone(),
                    authorization: Authorization::compile(deployed, &authorizers),
                    api_key: (deployed.api_key_required == Some(true)).then_some(key_source),
                    validation: Validation::compile(
                        deployed,
                        &snapshot.request_validators,
                        &snapshot.models,
                        snapshot.api.id.as_deref().unwrap_or_default(),
                    ),
                    integration: deployed.method_integration.as_ref().map(Integration::compile),
                };
                methods.push((resource_path.clone(), Arc::from(method.as_str())));
                cache_key_parameters.push(
                    deployed
                        .method_integration
                        .as_ref()
                        .and_then(|i| i.cache_key_parameters.clone())
                        .unwrap_or_default(),
                );
                if !routes.insert(path, method, compiled) {
                    tracing::warn!(path, method, "resource conflicts with a sibling; not routed");
                }
            }
        }
        CompiledDeployment {
            id: id.into(),
            execute_api_disabled: snapshot.api.disable_execute_api_endpoint == Some(true),
            routes,
            authorizers,
            binary_media_types: snapshot.api.binary_media_types.clone().unwrap_or_default().into(),
            gateway_responses: GatewayResponses::compile(&snapshot.gateway_responses),
            policy: snapshot
                .api
                .policy
                .as_deref()
                .filter(|p| !p.trim().is_empty())
                .map(|p| ResourcePolicy::compile(p, region, account, snapshot.api.id.as_deref().unwrap_or_default())),
            methods,
            cache_key_parameters,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portico_wire::apigateway as ag;

    fn resource(path: &str, methods: &[&str]) -> ag::Resource {
        let methods = methods.iter().map(|m| (m.to_string(), ag::Method::default())).collect();
        ag::Resource {
            id: Some(format!("id{}", path.len())),
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
            authorizers: Vec::new(),
            ..Default::default()
        };
        let deployment = CompiledDeployment::compile("d1", &snapshot, &Auth::default(), "us-east-1", "000000000000");
        let find = |method, path| deployment.routes.find(method, path).map(|r| r.target);
        assert_eq!(&*find("GET", "/").unwrap().resource_path, "/");
        assert_eq!(&*find("PUT", "/pets/1").unwrap().resource_path, "/pets/{id}");
        assert_eq!(&*find("PUT", "/pets/1").unwrap().resource_id, "id10");
        assert_eq!(&*find("PUT", "/x/y").unwrap().resource_path, "/{proxy+}");
        assert!(find("GET", "/pets/1").unwrap().integration.is_none());
        assert!(find("TRACE", "/x/y").is_none(), "ANY covers only API Gateway's methods");
    }
}
