//! A WebSocket API compiled for serving: every stage with its deployment's routes,
//! integrations (templates parsed, URIs split), route and integration responses and
//! authorizers, kept until a commit touches the API.

use super::select::Selection;
use super::template::Template;
use crate::authorize::lambda::Grant;
use crate::integration::ContentHandling;
use crate::integration::aws_proxy::function_of;
use crate::mapping::UriTemplate;
use portico_v2::kinds::Snapshot;
use portico_wire::apigatewayv2 as v2;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// AWS's integration timeout for WebSocket APIs unless the integration sets one (29 s).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(29);

pub struct CompiledApi {
    pub account_id: Arc<str>,
    pub region: Arc<str>,
    pub api_id: Arc<str>,
    /// `disableExecuteApiEndpoint`.
    pub disabled: bool,
    pub stages: HashMap<String, Arc<Stage>>,
}

pub struct Stage {
    pub name: Arc<str>,
    pub variables: Arc<BTreeMap<String, String>>,
    pub deployment: Arc<Deployment>,
}

pub struct Deployment {
    pub route_selection: Selection,
    pub api_key_selection: Selection,
    pub routes: HashMap<String, Arc<Route>>,
    /// The REQUEST authorizers, whose caches ResetAuthorizersCache empties.
    pub lambda_authorizers: Vec<Arc<Authorizer>>,
}

pub struct Route {
    pub key: Arc<str>,
    pub integration: Option<Arc<Integration>>,
    pub authorization: Authorization,
    pub api_key_required: bool,
    /// A route response exists: the integration's answer goes back to the client.
    pub two_way: bool,
}

pub enum Authorization {
    None,
    Lambda(Arc<Authorizer>),
    /// Named but absent, or of a kind WebSocket APIs cannot use.
    Broken(String),
}

/// Where a REQUEST authorizer reads the identity from.
#[derive(Debug)]
pub enum Source {
    Header(String),
    Query(String),
    StageVariable(String),
}

pub struct Authorizer {
    pub function: String,
    pub sources: Vec<Source>,
    /// `authorizerResultTtlInSeconds`: how long an answer is kept per stage and identity.
    pub ttl: Duration,
    cache: Mutex<HashMap<String, (Instant, Arc<Grant>)>>,
}

/// Past this many cached identities the cache starts over.
const MAX_CACHED: usize = 10_000;

impl Authorizer {
    /// The answer kept for `key` (stage and identity), if still fresh.
    pub fn cached(&self, key: &str) -> Option<Arc<Grant>> {
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let (at, grant) = cache.get(key)?;
        (at.elapsed() < self.ttl).then(|| grant.clone())
    }

    pub fn keep(&self, key: String, grant: Arc<Grant>) {
        if self.ttl.is_zero() {
            return;
        }
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= MAX_CACHED {
            cache.clear();
        }
        cache.insert(key, (Instant::now(), grant));
    }

    /// ResetAuthorizersCache: the stage's connections ask the function again.
    pub fn flush(&self, stage: &str) {
        let prefix = format!("{stage}\u{0}");
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|key, _| !key.starts_with(&prefix));
    }
}

pub enum Kind {
    /// AWS_PROXY: the Lambda proxy event.
    LambdaProxy(UriTemplate),
    /// AWS with a Lambda URI: the request template's output is the event.
    Lambda(UriTemplate),
    /// HTTP (templates) or HTTP_PROXY (the message as it is).
    Http {
        uri: UriTemplate,
        method: http::Method,
        proxy: bool,
    },
    Mock,
    /// AWS with a service URI: the request template's output, signed, to `--aws-endpoint`.
    AwsService(Arc<crate::integration::aws::ServiceUri>, http::Method),
    Unsupported(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Passthrough {
    WhenNoMatch,
    WhenNoTemplates,
    Never,
}

pub struct Integration {
    pub kind: Kind,
    pub timeout: Duration,
    /// By key (a content type, a selection value, or `$default`).
    pub request_templates: Vec<(String, Template)>,
    pub template_selection: Option<Selection>,
    pub passthrough: Passthrough,
    pub response_selection: Option<Selection>,
    pub responses: Vec<(String, Arc<IntegrationResponse>)>,
    /// `contentHandlingStrategy` of the integration request (non-proxy types).
    pub content_handling: Option<ContentHandling>,
}

pub struct IntegrationResponse {
    pub templates: Vec<(String, Template)>,
    pub template_selection: Option<Selection>,
    /// `contentHandlingStrategy` of the backend's answer, before its template.
    pub content_handling: Option<ContentHandling>,
}

/// `\$default` is how templates of WebSocket APIs spell the fallback key.
pub fn normalize_key(key: &str) -> String {
    if key == "\\$default" {
        "$default".to_owned()
    } else {
        key.to_owned()
    }
}

fn templates(map: Option<&BTreeMap<String, String>>) -> Vec<(String, Template)> {
    map.into_iter()
        .flatten()
        .map(|(k, v)| (normalize_key(k), Template::compile(v)))
        .collect()
}

fn selection(text: Option<&str>) -> Option<Selection> {
    text.filter(|t| !t.trim().is_empty()).map(Selection::parse)
}

impl Source {
    fn parse(text: &str) -> Option<Source> {
        let text = text.trim();
        let text = text.strip_prefix('$').unwrap_or(text);
        if let Some(name) = text.strip_prefix("route.request.header.") {
            return Some(Source::Header(name.to_ascii_lowercase()));
        }
        if let Some(name) = text.strip_prefix("route.request.querystring.") {
            return Some(Source::Query(name.to_owned()));
        }
        text.strip_prefix("stageVariables.")
            .map(|name| Source::StageVariable(name.to_owned()))
    }
}

impl Deployment {
    pub fn compile(snapshot: &Snapshot) -> Deployment {
        let integrations: HashMap<&str, Arc<Integration>> = snapshot
            .integrations
            .iter()
            .filter_map(|i| {
                let id = i.integration_id.as_deref()?;
                let responses = snapshot.integration_responses.get(id).map(Vec::as_slice).unwrap_or(&[]);
                Some((id, Arc::new(Integration::compile(i, responses))))
            })
            .collect();
        let mut lambda_authorizers = Vec::new();
        let authorizers: HashMap<&str, Authorization> = snapshot
            .authorizers
            .iter()
            .filter_map(|a| {
                let id = a.authorizer_id.as_deref()?;
                let compiled = match (a.authorizer_type.as_deref(), a.authorizer_uri.as_deref()) {
                    (Some("REQUEST"), Some(uri)) => {
                        let compiled = Arc::new(Authorizer {
                            function: function_of(uri).unwrap_or_else(|| uri.to_owned()),
                            sources: a
                                .identity_source
                                .iter()
                                .flatten()
                                .filter_map(|s| Source::parse(s))
                                .collect(),
                            ttl: Duration::from_secs(
                                a.authorizer_result_ttl_in_seconds.unwrap_or(0).clamp(0, 3600) as u64
                            ),
                            cache: Mutex::default(),
                        });
                        lambda_authorizers.push(compiled.clone());
                        Authorization::Lambda(compiled)
                    }
                    (kind, _) => Authorization::Broken(format!("authorizer {id} of type {kind:?}")),
                };
                Some((id, compiled))
            })
            .collect();
        let routes = snapshot
            .routes
            .iter()
            .map(|route| {
                let key = route.route_key.clone().unwrap_or_default();
                let integration = route
                    .target
                    .as_deref()
                    .and_then(|t| t.strip_prefix("integrations/"))
                    .and_then(|id| integrations.get(id).cloned());
                let authorization = match route.authorization_type.as_deref() {
                    Some("CUSTOM") => match route.authorizer_id.as_deref().and_then(|id| authorizers.get(id)) {
                        Some(Authorization::Lambda(found)) => Authorization::Lambda(found.clone()),
                        Some(Authorization::Broken(why)) => Authorization::Broken(why.clone()),
                        _ => Authorization::Broken(format!("authorizer {:?} is not deployed", route.authorizer_id)),
                    },
                    Some("AWS_IAM") => Authorization::Broken("AWS_IAM on $connect is not served".into()),
                    _ => Authorization::None,
                };
                let two_way = route
                    .route_id
                    .as_deref()
                    .and_then(|id| snapshot.route_responses.get(id))
                    .is_some_and(|r| !r.is_empty());
                let compiled = Route {
                    key: key.as_str().into(),
                    integration,
                    authorization,
                    api_key_required: route.api_key_required == Some(true),
                    two_way,
                };
                (key, Arc::new(compiled))
            })
            .collect();
        Deployment {
            route_selection: Selection::parse(
                snapshot
                    .api
                    .route_selection_expression
                    .as_deref()
                    .unwrap_or("$request.body.action"),
            ),
            api_key_selection: Selection::parse(
                snapshot
                    .api
                    .api_key_selection_expression
                    .as_deref()
                    .unwrap_or("$request.header.x-api-key"),
            ),
            routes,
            lambda_authorizers,
        }
    }
}

impl Integration {
    fn compile(i: &v2::Integration, responses: &[v2::IntegrationResponse]) -> Integration {
        let timeout = i
            .timeout_in_millis
            .filter(|ms| *ms > 0)
            .map_or(DEFAULT_TIMEOUT, |ms| Duration::from_millis(ms as u64));
        let uri = i.integration_uri.clone().unwrap_or_default();
        let method = i
            .integration_method
            .as_deref()
            .filter(|m| *m != "ANY")
            .and_then(|m| m.parse().ok())
            .unwrap_or(http::Method::POST);
        let lambda = || UriTemplate::parse(&function_of(&uri).unwrap_or_else(|| uri.clone()));
        let kind = match i.integration_type.as_deref() {
            Some("AWS_PROXY") if i.integration_subtype.is_none() => Kind::LambdaProxy(lambda()),
            Some("AWS") if uri.contains(":lambda:path/") => Kind::Lambda(lambda()),
            Some("HTTP") => Kind::Http {
                uri: UriTemplate::parse(&uri),
                method,
                proxy: false,
            },
            Some("HTTP_PROXY") => Kind::Http {
                uri: UriTemplate::parse(&uri),
                method,
                proxy: true,
            },
            Some("MOCK") => Kind::Mock,
            Some("AWS") => match crate::integration::aws::ServiceUri::parse(&uri) {
                Some(target) => Kind::AwsService(Arc::new(target), method.clone()),
                None => Kind::Unsupported(format!("AWS integration uri {uri} is no API Gateway service ARN")),
            },
            other => Kind::Unsupported(format!(
                "integration type {} ({uri}) is not served for WebSocket APIs",
                other.unwrap_or("null")
            )),
        };
        let passthrough = match i.passthrough_behavior.as_deref() {
            Some("NEVER") => Passthrough::Never,
            Some("WHEN_NO_TEMPLATES") => Passthrough::WhenNoTemplates,
            _ => Passthrough::WhenNoMatch,
        };
        Integration {
            kind,
            timeout,
            request_templates: templates(i.request_templates.as_ref()),
            template_selection: selection(i.template_selection_expression.as_deref()),
            passthrough,
            response_selection: selection(i.integration_response_selection_expression.as_deref()),
            responses: responses
                .iter()
                .map(|r| {
                    let key = normalize_key(r.integration_response_key.as_deref().unwrap_or("$default"));
                    let compiled = IntegrationResponse {
                        templates: templates(r.response_templates.as_ref()),
                        template_selection: selection(r.template_selection_expression.as_deref()),
                        content_handling: ContentHandling::parse(r.content_handling_strategy.as_deref()),
                    };
                    (key, Arc::new(compiled))
                })
                .collect(),
            content_handling: ContentHandling::parse(i.content_handling_strategy.as_deref()),
        }
    }
}

impl Stage {
    pub fn compile(stage: &v2::Stage, deployment: Arc<Deployment>) -> Stage {
        Stage {
            name: stage.stage_name.as_deref().unwrap_or_default().into(),
            variables: Arc::new(stage.stage_variables.clone().unwrap_or_default()),
            deployment,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn snapshot() -> Snapshot {
        let route = |id: &str, key: &str| v2::Route {
            route_id: Some(id.into()),
            route_key: Some(key.into()),
            target: Some("integrations/i1".into()),
            ..Default::default()
        };
        let mut connect = route("r0", "$connect");
        connect.authorization_type = Some("CUSTOM".into());
        connect.authorizer_id = Some("a1".into());
        Snapshot {
            api: v2::Api {
                route_selection_expression: Some("${request.body.kind}".into()),
                ..Default::default()
            },
            routes: vec![connect, route("r1", "echo"), route("r2", "quiet")],
            integrations: vec![v2::Integration {
                integration_id: Some("i1".into()),
                integration_type: Some("MOCK".into()),
                request_templates: Some(BTreeMap::from([(
                    "\\$default".to_owned(),
                    r#"{"statusCode": 200}"#.to_owned(),
                )])),
                ..Default::default()
            }],
            authorizers: vec![v2::Authorizer {
                authorizer_id: Some("a1".into()),
                authorizer_type: Some("REQUEST".into()),
                authorizer_uri: Some(
                    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations"
                        .into(),
                ),
                identity_source: Some(vec![
                    "route.request.header.Auth".into(),
                    "route.request.querystring.token".into(),
                ]),
                authorizer_result_ttl_in_seconds: Some(300),
                ..Default::default()
            }],
            route_responses: BTreeMap::from([(
                "r1".to_owned(),
                vec![v2::RouteResponse {
                    route_response_key: Some("$default".into()),
                    ..Default::default()
                }],
            )]),
            ..Default::default()
        }
    }

    #[test]
    fn routes_responses_templates_and_authorizers() {
        let deployment = Deployment::compile(&snapshot());
        assert!(deployment.routes["echo"].two_way);
        assert!(!deployment.routes["quiet"].two_way);
        let integration = deployment.routes["echo"].integration.as_ref().unwrap();
        assert!(matches!(integration.kind, Kind::Mock));
        assert_eq!(integration.request_templates[0].0, "$default");
        let Authorization::Lambda(authorizer) = &deployment.routes["$connect"].authorization else {
            panic!("the $connect authorizer");
        };
        assert_eq!(
            authorizer.function,
            "arn:aws:lambda:us-east-1:000000000000:function:auth"
        );
        assert!(
            matches!(&authorizer.sources[..], [Source::Header(h), Source::Query(q)] if h == "auth" && q == "token")
        );
        assert_eq!(authorizer.ttl, Duration::from_secs(300));
        assert_eq!(
            deployment.route_selection.evaluate(|_| Some("k".into())).as_deref(),
            Some("k")
        );

        let grant = Arc::new(
            crate::authorize::lambda::grant(br#"{"principalId": "me", "policyDocument": {"Statement": []}}"#).unwrap(),
        );
        authorizer.keep("dev\u{0}t".into(), grant);
        assert!(authorizer.cached("dev\u{0}t").is_some());
        authorizer.flush("prod");
        assert!(authorizer.cached("dev\u{0}t").is_some());
        authorizer.flush("dev");
        assert!(authorizer.cached("dev\u{0}t").is_none());
    }
}
