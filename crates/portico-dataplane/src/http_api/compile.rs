//! An HTTP API compiled for serving: every stage with its deployment's routes and
//! integrations, parsed once, kept until a commit touches the API.

use super::aws_service::AwsService;
use super::cors::Cors;
use super::jwt::JwtAuthorizer;
use super::lambda_auth::LambdaAuth;
use super::params::{RequestParameters, ResponseParameters};
use super::routes::RouteTable;
use crate::integration::aws_proxy::function_of;
use crate::mapping::UriTemplate;
use crate::throttle::{Bucket, Limit, Throttles};
use portico_v2::kinds::Snapshot;
use portico_wire::apigatewayv2 as v2;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

/// HTTP APIs' integration timeout unless the integration sets one (AWS's maximum, 30 s).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

pub struct CompiledApi {
    pub account_id: Arc<str>,
    pub region: Arc<str>,
    pub api_id: Arc<str>,
    /// `disableExecuteApiEndpoint`: the execute-api host answers nothing.
    pub disabled: bool,
    pub stages: HashMap<String, Arc<Stage>>,
}

pub struct Stage {
    pub name: Arc<str>,
    pub variables: Arc<BTreeMap<String, String>>,
    pub deployment: Arc<Deployment>,
    /// The account's bucket, then one per route (by route index) when the stage limits it.
    pub account_bucket: Arc<Bucket>,
    pub route_buckets: Vec<Option<Arc<Bucket>>>,
}

pub struct Deployment {
    pub routes: RouteTable,
    /// By route index.
    pub route_info: Vec<RouteInfo>,
    /// The Lambda authorizers, whose caches ResetAuthorizersCache empties.
    pub lambda_authorizers: Vec<Arc<LambdaAuth>>,
    /// The API's `corsConfiguration` as deployed.
    pub cors: Option<Cors>,
}

pub struct RouteInfo {
    pub key: Arc<str>,
    pub integration: Option<Arc<Integration>>,
    pub authorization: Authorization,
    pub scopes: Vec<String>,
}

#[derive(Clone)]
pub enum Authorization {
    None,
    Lambda(Arc<LambdaAuth>),
    Jwt(Arc<JwtAuthorizer>),
    Iam,
    /// A route naming an authorizer the deployment does not have.
    Missing(String),
}

pub struct Integration {
    pub id: String,
    pub kind: Kind,
    pub timeout: Duration,
    pub request_parameters: RequestParameters,
    pub response_parameters: ResponseParameters,
}

pub enum Kind {
    /// AWS_PROXY to a Lambda function; `v2`: payload format 2.0.
    Lambda { function: UriTemplate, v2: bool },
    /// HTTP_PROXY: `uri` with `{name}` path parameters and `${stageVariables.x}`.
    Http {
        uri: UriTemplate,
        /// The integration URI as written: for a private integration, a listener's ARN.
        written: String,
        method: Option<http::Method>,
        vpc_link: Option<String>,
    },
    /// AWS_PROXY with an `integrationSubtype`: an action of an AWS service.
    AwsService(Box<AwsService>),
    /// What cannot be served, and why (logged per request).
    Unsupported(String),
}

impl Deployment {
    pub fn compile(snapshot: &Snapshot) -> Deployment {
        let integrations: HashMap<&str, Arc<Integration>> = snapshot
            .integrations
            .iter()
            .filter_map(|i| Some((i.integration_id.as_deref()?, Arc::new(Integration::compile(i)))))
            .collect();
        let mut lambda_authorizers = Vec::new();
        let authorizers: HashMap<&str, Authorization> = snapshot
            .authorizers
            .iter()
            .filter_map(|a| {
                let id = a.authorizer_id.as_deref()?;
                let compiled = match a.authorizer_type.as_deref() {
                    Some("REQUEST") => match LambdaAuth::compile(a) {
                        Some(lambda) => {
                            let lambda = Arc::new(lambda);
                            lambda_authorizers.push(lambda.clone());
                            Authorization::Lambda(lambda)
                        }
                        None => Authorization::Missing(id.to_owned()),
                    },
                    Some("JWT") => Authorization::Jwt(Arc::new(JwtAuthorizer::compile(a))),
                    _ => Authorization::Missing(id.to_owned()),
                };
                Some((id, compiled))
            })
            .collect();
        let keys: Vec<&str> = snapshot
            .routes
            .iter()
            .map(|r| r.route_key.as_deref().unwrap_or_default())
            .collect();
        let routes = RouteTable::compile(keys.iter().copied());
        let route_info = snapshot
            .routes
            .iter()
            .map(|route| {
                let integration = route
                    .target
                    .as_deref()
                    .and_then(|t| t.strip_prefix("integrations/"))
                    .and_then(|id| integrations.get(id).cloned());
                let authorization = match route.authorization_type.as_deref() {
                    Some("JWT" | "CUSTOM") => match route.authorizer_id.as_deref() {
                        Some(id) => match authorizers.get(id) {
                            Some(a) => a.clone(),
                            None => Authorization::Missing(id.to_owned()),
                        },
                        None => Authorization::Missing(String::new()),
                    },
                    Some("AWS_IAM") => Authorization::Iam,
                    _ => Authorization::None,
                };
                RouteInfo {
                    key: route.route_key.as_deref().unwrap_or_default().into(),
                    integration,
                    authorization,
                    scopes: route.authorization_scopes.clone().unwrap_or_default(),
                }
            })
            .collect();
        Deployment {
            routes,
            route_info,
            lambda_authorizers,
            cors: snapshot.api.cors_configuration.as_ref().map(Cors::compile),
        }
    }
}

impl Integration {
    fn compile(i: &v2::Integration) -> Integration {
        let timeout = i
            .timeout_in_millis
            .filter(|ms| *ms > 0)
            .map_or(DEFAULT_TIMEOUT, |ms| Duration::from_millis(ms as u64));
        let uri = i.integration_uri.clone().unwrap_or_default();
        let kind = match i.integration_type.as_deref() {
            Some("AWS_PROXY") if i.integration_subtype.is_some() => {
                let subtype = i.integration_subtype.as_deref().unwrap_or_default();
                match AwsService::compile(subtype, i.request_parameters.as_ref()) {
                    Ok(service) => Kind::AwsService(Box::new(service)),
                    Err(reason) => {
                        tracing::warn!(
                            integration = i.integration_id,
                            reason,
                            "AWS service integration refused"
                        );
                        Kind::Unsupported(reason)
                    }
                }
            }
            Some("AWS_PROXY") => Kind::Lambda {
                // A function ARN itself, or the apigateway invocation URI around one.
                function: UriTemplate::parse(&function_of(&uri).unwrap_or(uri)),
                v2: i.payload_format_version.as_deref() == Some("2.0"),
            },
            Some("HTTP_PROXY") => Kind::Http {
                uri: UriTemplate::parse(&uri),
                written: uri,
                method: i
                    .integration_method
                    .as_deref()
                    .filter(|m| *m != "ANY")
                    .and_then(|m| m.parse().ok()),
                vpc_link: (i.connection_type.as_deref() == Some("VPC_LINK"))
                    .then(|| i.connection_id.clone())
                    .flatten(),
            },
            other => Kind::Unsupported(format!(
                "integration type {} is not served for HTTP APIs",
                other.unwrap_or("null")
            )),
        };
        let id = i.integration_id.clone().unwrap_or_default();
        // The control plane checks mappings on write; one that still fails is left out. A
        // service integration's parameters are the action's, read by `AwsService`.
        let request_parameters = i
            .request_parameters
            .as_ref()
            .filter(|_| i.integration_subtype.is_none())
            .map(RequestParameters::compile)
            .transpose()
            .unwrap_or_else(|reason| {
                tracing::warn!(integration = id, reason, "request parameter mapping left out");
                None
            })
            .unwrap_or_default();
        let response_parameters = i
            .response_parameters
            .as_ref()
            .map(ResponseParameters::compile)
            .transpose()
            .unwrap_or_else(|reason| {
                tracing::warn!(integration = id, reason, "response parameter mapping left out");
                None
            })
            .unwrap_or_default();
        Integration {
            id,
            kind,
            timeout,
            request_parameters,
            response_parameters,
        }
    }
}

impl Stage {
    pub fn compile(
        scope: (&str, &str),
        api_id: &str,
        stage: &v2::Stage,
        deployment: Arc<Deployment>,
        throttles: &Throttles,
    ) -> Stage {
        let name = stage.stage_name.as_deref().unwrap_or_default();
        let default = stage.default_route_settings.as_ref();
        let route_buckets = deployment
            .route_info
            .iter()
            .map(|route| {
                let own = stage.route_settings.as_ref().and_then(|s| s.get(&*route.key));
                let rate = own
                    .and_then(|s| s.throttling_rate_limit)
                    .or(default.and_then(|d| d.throttling_rate_limit));
                let burst = own
                    .and_then(|s| s.throttling_burst_limit)
                    .or(default.and_then(|d| d.throttling_burst_limit));
                if rate.is_none() && burst.is_none() {
                    return None;
                }
                let limit = Limit {
                    rate: rate.unwrap_or(Limit::ACCOUNT_DEFAULT.rate),
                    burst: burst.map_or(Limit::ACCOUNT_DEFAULT.burst, |b| b as f64),
                };
                let (account, region) = scope;
                Some(throttles.bucket(
                    format!("{account}\u{0}{region}\u{0}{api_id}\u{0}{name}\u{0}{}", route.key),
                    limit,
                ))
            })
            .collect();
        Stage {
            name: name.into(),
            variables: Arc::new(stage.stage_variables.clone().unwrap_or_default()),
            deployment,
            account_bucket: throttles.account_bucket(scope.0, scope.1),
            route_buckets,
        }
    }
}
