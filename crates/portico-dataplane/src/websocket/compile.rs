//! A WebSocket API compiled for serving: every stage with its deployment's routes,
//! integrations (templates parsed, URIs split), route and integration responses and
//! authorizers, kept until a commit touches the API.

use super::select::Selection;
use super::template::Template;
use crate::integration::aws_proxy::function_of;
use crate::mapping::UriTemplate;
use portico_v2::kinds::Snapshot;
use portico_wire::apigatewayv2 as v2;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

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
}

pub struct IntegrationResponse {
    pub templates: Vec<(String, Template)>,
    pub template_selection: Option<Selection>,
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
        let authorizers: HashMap<&str, Authorization> = snapshot
            .authorizers
            .iter()
            .filter_map(|a| {
                let id = a.authorizer_id.as_deref()?;
                let compiled = match (a.authorizer_type.as_deref(), a.authorizer_uri.as_deref()) {
                    (Some("REQUEST"), Some(uri)) => Authorization::Lambda(Arc::new(Authorizer {
                        function: function_of(uri).unwrap_or_else(|| uri.to_owned()),
                        sources: a
                            .identity_source
                            .iter()
                            .flatten()
                            .filter_map(|s| Source::parse(s))
                            .collect(),
                    })),
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
                    };
                    (key, Arc::new(compiled))
                })
                .collect(),
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
