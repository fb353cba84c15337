//! A method's integration as the data plane runs it, compiled once per deployment: its URI
//! template, parameter mappings, templates and responses. One file per integration type.

pub mod aws;
pub mod aws_proxy;
pub mod http;
pub mod http_proxy;
pub mod mock;

use crate::context::RequestContext;
use crate::functions::Functions;
use crate::mapping::{RequestMapping, UriTemplate};
use crate::respond::{self, IntegrationResponses};
use crate::template::{self, MappingTemplate, Overrides};
use ::http::Response;
use base64::Engine;
use bytes::Bytes;
use portico_http::HttpClient;
use portico_wire::apigateway as ag;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// API Gateway's default (and maximum, for REST APIs) integration timeout.
const DEFAULT_TIMEOUT: Duration = Duration::from_millis(29_000);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Mock,
    Http,
    HttpProxy,
    Aws,
    AwsProxy,
    Other(String),
}

impl Kind {
    fn parse(name: Option<&str>) -> Kind {
        match name.unwrap_or_default().to_ascii_uppercase().as_str() {
            "MOCK" => Kind::Mock,
            "HTTP" => Kind::Http,
            "HTTP_PROXY" => Kind::HttpProxy,
            "AWS" => Kind::Aws,
            "AWS_PROXY" => Kind::AwsProxy,
            other => Kind::Other(other.to_owned()),
        }
    }

    /// The integration type as the API names it.
    pub fn name(&self) -> &str {
        match self {
            Kind::Mock => "MOCK",
            Kind::Http => "HTTP",
            Kind::HttpProxy => "HTTP_PROXY",
            Kind::Aws => "AWS",
            Kind::AwsProxy => "AWS_PROXY",
            Kind::Other(name) => name,
        }
    }
}

/// What a request without a template for its content type gets (`passthroughBehavior`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Passthrough {
    WhenNoMatch,
    WhenNoTemplates,
    Never,
}

/// `contentHandling`: converting payloads between binary and base64 text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentHandling {
    ToText,
    ToBinary,
}

impl ContentHandling {
    pub fn parse(value: Option<&str>) -> Option<ContentHandling> {
        match value? {
            "CONVERT_TO_TEXT" => Some(ContentHandling::ToText),
            "CONVERT_TO_BINARY" => Some(ContentHandling::ToBinary),
            _ => None,
        }
    }

    /// Applies the conversion to a payload that is (or is not) binary.
    pub fn apply(handling: Option<ContentHandling>, binary: bool, body: Bytes) -> Result<Bytes, String> {
        match (handling, binary) {
            (Some(ContentHandling::ToText), true) => {
                Ok(Bytes::from(base64::engine::general_purpose::STANDARD.encode(&body)))
            }
            (Some(ContentHandling::ToBinary), false) => base64::engine::general_purpose::STANDARD
                .decode(body.trim_ascii())
                .map(Bytes::from)
                .map_err(|e| format!("payload is not base64 for CONVERT_TO_BINARY: {e}")),
            _ => Ok(body),
        }
    }
}

/// What an integration can reach: backends, functions, an AWS endpoint for service integrations.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    pub client: &'a dyn HttpClient,
    pub functions: Option<&'a dyn Functions>,
    pub aws: Option<&'a aws::AwsEndpoint>,
    pub vpc_links: Option<&'a crate::vpc_links::VpcLinks>,
}

#[derive(Debug)]
pub struct Integration {
    pub kind: Kind,
    /// `None` (or `ANY`) means the request's own method; `Err` keeps an invalid one for the log.
    pub http_method: Option<Result<::http::Method, String>>,
    pub uri: Option<UriTemplate>,
    /// AWS_PROXY and AWS: the Lambda function the URI names (stage variables still to fill in).
    pub function: Option<String>,
    pub parameters: RequestMapping,
    /// By media type, lower case, parsed once.
    pub request_templates: BTreeMap<String, MappingTemplate>,
    pub passthrough: Passthrough,
    pub content_handling: Option<ContentHandling>,
    pub timeout: Duration,
    pub insecure_skip_verification: bool,
    pub responses: IntegrationResponses,
    /// The integration URI as written (AWS service integrations read it).
    pub raw_uri: Option<String>,
    /// `connectionId` of a `VPC_LINK` integration: the link's id, or a stage variable naming it.
    pub vpc_link: Option<String>,
    /// MOCK: the status code each fixed request template asks for, read when the stage
    /// compiles (by media type).
    pub mock_status: BTreeMap<String, Result<u16, &'static str>>,
}

/// The integration request a non-proxy integration sends: the template's output (or the
/// body passed through) and what the template overrode.
#[derive(Debug, Default)]
pub struct IntegrationRequest {
    pub body: Bytes,
    /// The media type of the template used, or the request's own when passed through.
    pub content_type: Option<String>,
    pub overrides: Overrides,
}

impl Integration {
    pub fn compile(integration: &ag::Integration) -> Self {
        let timeout = match integration.timeout_in_millis {
            Some(ms) if ms > 0 => Duration::from_millis(ms.unsigned_abs()),
            _ => DEFAULT_TIMEOUT,
        };
        let http_method = match integration.http_method.as_deref() {
            None | Some("ANY") => None,
            Some(name) => Some(::http::Method::from_bytes(name.as_bytes()).map_err(|_| name.to_owned())),
        };
        let request_templates: BTreeMap<String, MappingTemplate> = integration
            .request_templates
            .iter()
            .flatten()
            .map(|(media_type, source)| (media_type.to_ascii_lowercase(), MappingTemplate::compile(source)))
            .collect();
        let kind = Kind::parse(integration.r#type.as_deref());
        let mock_status = match kind {
            Kind::Mock => request_templates
                .iter()
                .filter_map(|(media_type, t)| Some((media_type.clone(), mock::status_code(t.fixed()?))))
                .collect(),
            _ => BTreeMap::new(),
        };
        let passthrough = match integration.passthrough_behavior.as_deref() {
            Some("NEVER") => Passthrough::Never,
            Some("WHEN_NO_TEMPLATES") => Passthrough::WhenNoTemplates,
            _ => Passthrough::WhenNoMatch,
        };
        Integration {
            kind,
            http_method,
            uri: integration.uri.as_deref().map(UriTemplate::parse),
            function: integration.uri.as_deref().and_then(aws_proxy::function_of),
            parameters: RequestMapping::compile(integration.request_parameters.as_ref()),
            request_templates,
            passthrough,
            content_handling: ContentHandling::parse(integration.content_handling.as_deref()),
            timeout,
            insecure_skip_verification: integration
                .tls_config
                .as_ref()
                .and_then(|t| t.insecure_skip_verification)
                .unwrap_or(false),
            responses: IntegrationResponses::compile(integration.integration_responses.as_ref()),
            raw_uri: integration.uri.clone(),
            vpc_link: integration
                .connection_id
                .clone()
                .filter(|_| integration.connection_type.as_deref() == Some("VPC_LINK")),
            mock_status,
        }
    }

    /// Runs the integration for one request.
    pub async fn invoke(&self, ctx: &Arc<RequestContext>, env: Env<'_>) -> Response<Bytes> {
        match &self.kind {
            Kind::Mock => mock::invoke(self, ctx),
            // The remote calls are boxed: their futures are large, and inline they would make
            // every request's future (MOCK's too) as large, allocated and copied whole.
            Kind::Http => Box::pin(http::invoke(self, ctx, env)).await,
            Kind::HttpProxy => Box::pin(http_proxy::invoke(self, ctx, env)).await,
            Kind::Aws => Box::pin(aws::invoke(self, ctx, env)).await,
            Kind::AwsProxy => Box::pin(aws_proxy::invoke(self, ctx, env.functions)).await,
            other => {
                tracing::warn!(
                    integration_type = other.name(),
                    resource = &*ctx.resource_path,
                    "integration type not supported"
                );
                respond::internal_error()
            }
        }
    }

    /// The integration request of a non-proxy integration: the template for the request's
    /// content type rendered, or the body passed through as `passthroughBehavior` allows
    /// (else 415), with `contentHandling` applied.
    /// A refusal is the answer itself (boxed: it is large beside the request).
    pub fn request(&self, ctx: &Arc<RequestContext>) -> Result<IntegrationRequest, Box<Response<Bytes>>> {
        // Most requests name no type or an already lower-case one: no allocation for them.
        let content_type: std::borrow::Cow<'_, str> = match ctx
            .header(::http::header::CONTENT_TYPE.as_str())
            .map(crate::context::bare_media_type)
            .filter(|c| !c.is_empty())
        {
            None => "application/json".into(),
            Some(c) if c.bytes().any(|b| b.is_ascii_uppercase()) => c.to_ascii_lowercase().into(),
            Some(c) => c.into(),
        };
        let binary = ctx.is_binary(&content_type);
        let template = self.request_templates.get(&*content_type);
        let pass = match (template, self.passthrough) {
            (Some(_), _) => false,
            (None, Passthrough::WhenNoMatch) => true,
            (None, Passthrough::WhenNoTemplates) if self.request_templates.is_empty() => true,
            (None, _) => return Err(Box::new(respond::unsupported_media_type())),
        };
        ctx.trace(|| {
            format!(
                "Method request body before transformations: {}",
                String::from_utf8_lossy(&ctx.body)
            )
        });
        let body = ContentHandling::apply(self.content_handling, binary, ctx.body.clone()).map_err(|e| {
            tracing::warn!(error = e, "integration request content handling failed");
            Box::new(respond::internal_error())
        })?;
        // A binary payload without a conversion to text is passed through untouched.
        let converted_to_text = binary && self.content_handling == Some(ContentHandling::ToText);
        match template {
            Some(template) if !pass && !template.is_empty() && (!binary || converted_to_text) => {
                let (output, overrides) = template::render(template, ctx, &body, None).map_err(|e| {
                    tracing::warn!(error = e, "request template failed");
                    ctx.trace(|| format!("Execution failed due to configuration error: {e}"));
                    Box::new(respond::internal_error())
                })?;
                if self.kind != Kind::Mock {
                    ctx.trace(|| {
                        format!(
                            "Endpoint request body after transformations: {}",
                            String::from_utf8_lossy(&output)
                        )
                    });
                }
                Ok(IntegrationRequest {
                    body: output,
                    content_type: Some(content_type.into_owned()),
                    overrides,
                })
            }
            _ => Ok(IntegrationRequest {
                body,
                content_type: ctx.header(::http::header::CONTENT_TYPE.as_str()).map(str::to_owned),
                overrides: Overrides::default(),
            }),
        }
    }
}

impl Integration {
    /// The method the integration request uses: the integration's, else the request's own.
    pub fn outbound_method(&self, ctx: &RequestContext) -> Result<::http::Method, Box<Response<Bytes>>> {
        match &self.http_method {
            None => Ok(ctx.method.clone()),
            Some(Ok(method)) => Ok(method.clone()),
            Some(Err(name)) => {
                tracing::warn!(method = name, "integration has an invalid http method");
                Err(Box::new(respond::internal_error()))
            }
        }
    }

    /// The query pairs and headers of a non-proxy integration request: the parameter
    /// mappings, then what the request template set in `$context.requestOverride`.
    pub fn mapped(
        &self,
        ctx: &RequestContext,
        overrides: &Overrides,
        mut pairs: Vec<(String, String)>,
    ) -> (Vec<(String, String)>, ::http::HeaderMap) {
        use crate::mapping::Target;
        let mut headers = ::http::HeaderMap::new();
        let set = |headers: &mut ::http::HeaderMap, name: &str, value: &str| match (
            ::http::HeaderName::from_bytes(name.as_bytes()),
            ::http::HeaderValue::from_str(value),
        ) {
            (Ok(name), Ok(value)) => {
                headers.insert(name, value);
            }
            _ => tracing::warn!(name, "mapped header is not a valid header"),
        };
        for (target, source) in &self.parameters.entries {
            let Some(value) = source.evaluate(ctx) else { continue };
            match target {
                Target::Header(name) => set(&mut headers, name, &value),
                Target::Query(name) => pairs.push((name.clone(), value)),
                Target::Path(_) => {}
            }
        }
        pairs.extend(overrides.request_query.iter().cloned());
        for (name, value) in &overrides.request_headers {
            set(&mut headers, name, value);
        }
        (pairs, headers)
    }
}

/// The template for the first wanted media type that has one, else `application/json`, else
/// the only template. Media type parameters (`; charset=…`, `;q=…`) are ignored.
pub fn pick_template<'t, 'w, V>(
    templates: &'t BTreeMap<String, V>,
    wanted: impl IntoIterator<Item = &'w str>,
) -> Option<(&'t str, &'t V)> {
    let find = |media_type: &str| {
        templates
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(media_type))
            .map(|(k, v)| (k.as_str(), v))
    };
    wanted
        .into_iter()
        .map(crate::context::bare_media_type)
        .filter(|w| !w.is_empty())
        .find_map(find)
        .or_else(|| find("application/json"))
        .or_else(|| match templates.len() {
            1 => templates.iter().next().map(|(k, v)| (k.as_str(), v)),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_choice() {
        let both = BTreeMap::from([
            ("application/json".to_owned(), "J".to_owned()),
            ("text/plain".to_owned(), "T".to_owned()),
        ]);
        let pick = |t: &BTreeMap<String, String>, w: &[&str]| {
            pick_template(t, w.iter().copied()).map(|(k, v)| (k.to_owned(), v.clone()))
        };
        let some = |k: &str, v: &str| Some((k.to_owned(), v.to_owned()));
        assert_eq!(pick(&both, &["text/plain; charset=utf-8"]), some("text/plain", "T"));
        assert_eq!(pick(&both, &["Text/Plain"]), some("text/plain", "T"));
        assert_eq!(pick(&both, &["image/png"]), some("application/json", "J"));
        assert_eq!(pick(&both, &[]), some("application/json", "J"));
        let only = BTreeMap::from([("application/xml".to_owned(), "X".to_owned())]);
        assert_eq!(pick(&only, &["text/plain"]), some("application/xml", "X"));
        let two = BTreeMap::from([
            ("application/xml".to_owned(), "X".to_owned()),
            ("text/plain".to_owned(), "T".to_owned()),
        ]);
        assert_eq!(pick(&two, &["image/png"]), None);
        assert_eq!(pick(&BTreeMap::new(), &["application/json"]), None);
    }

    #[test]
    fn compiles_type_timeout_method_and_templates() {
        let i = Integration::compile(&ag::Integration {
            r#type: Some("http_proxy".into()),
            timeout_in_millis: Some(50),
            http_method: Some("POST".into()),
            uri: Some("http://h/{id}".into()),
            tls_config: Some(ag::TlsConfig {
                insecure_skip_verification: Some(true),
            }),
            ..Default::default()
        });
        assert_eq!(i.kind, Kind::HttpProxy);
        assert_eq!(i.timeout, Duration::from_millis(50));
        assert_eq!(i.http_method, Some(Ok(::http::Method::POST)));
        assert!(i.insecure_skip_verification);
        let i = Integration::compile(&ag::Integration {
            r#type: Some("MOCK".into()),
            request_templates: Some(BTreeMap::from([(
                "application/json".to_owned(),
                r#"{"statusCode": 404}"#.to_owned(),
            )])),
            ..Default::default()
        });
        assert!(i.request_templates.contains_key("application/json"));
        let i = Integration::compile(&ag::Integration::default());
        assert_eq!(i.kind, Kind::Other(String::new()));
        assert_eq!(i.timeout, DEFAULT_TIMEOUT);
    }
}
