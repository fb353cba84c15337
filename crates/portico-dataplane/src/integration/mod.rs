//! A method's integration as the data plane runs it, compiled once per deployment: its URI
//! template, parameter mappings, templates and responses. One file per integration type.

pub mod aws_proxy;
pub mod http_proxy;
pub mod mock;

use crate::context::RequestContext;
use crate::functions::Functions;
use crate::mapping::{RequestMapping, UriTemplate};
use crate::respond::{self, IntegrationResponses};
use bytes::Bytes;
use http::Response;
use portico_http::HttpClient;
use portico_wire::apigateway as ag;
use std::collections::BTreeMap;
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

#[derive(Debug)]
pub struct Integration {
    pub kind: Kind,
    /// `None` (or `ANY`) means the request's own method; `Err` keeps an invalid one for the log.
    pub http_method: Option<Result<http::Method, String>>,
    pub uri: Option<UriTemplate>,
    /// AWS_PROXY: the Lambda function the URI names (stage variables still to fill in).
    pub function: Option<String>,
    pub parameters: RequestMapping,
    pub request_templates: BTreeMap<String, String>,
    /// MOCK: the status code each request template asks for (and its text, the selector),
    /// read when the stage compiles.
    pub mock_status: BTreeMap<String, Result<(u16, String), &'static str>>,
    pub timeout: Duration,
    pub insecure_skip_verification: bool,
    pub responses: IntegrationResponses,
}

impl Integration {
    pub fn compile(integration: &ag::Integration) -> Self {
        let timeout = match integration.timeout_in_millis {
            Some(ms) if ms > 0 => Duration::from_millis(ms.unsigned_abs()),
            _ => DEFAULT_TIMEOUT,
        };
        let http_method = match integration.http_method.as_deref() {
            None | Some("ANY") => None,
            Some(name) => Some(http::Method::from_bytes(name.as_bytes()).map_err(|_| name.to_owned())),
        };
        let request_templates = integration.request_templates.clone().unwrap_or_default();
        let mock_status = request_templates
            .iter()
            .map(|(content_type, template)| {
                let status = mock::status_code(Some(template)).map(|s| (s, s.to_string()));
                (content_type.clone(), status)
            })
            .collect();
        Integration {
            kind: Kind::parse(integration.r#type.as_deref()),
            http_method,
            uri: integration.uri.as_deref().map(UriTemplate::parse),
            function: integration.uri.as_deref().and_then(aws_proxy::function_of),
            parameters: RequestMapping::compile(integration.request_parameters.as_ref()),
            request_templates,
            mock_status,
            timeout,
            insecure_skip_verification: integration
                .tls_config
                .as_ref()
                .and_then(|t| t.insecure_skip_verification)
                .unwrap_or(false),
            responses: IntegrationResponses::compile(integration.integration_responses.as_ref()),
        }
    }

    /// Runs the integration for one request.
    pub async fn invoke(
        &self,
        ctx: &RequestContext,
        client: &dyn HttpClient,
        functions: Option<&dyn Functions>,
    ) -> Response<Bytes> {
        match &self.kind {
            Kind::Mock => mock::invoke(self, ctx),
            Kind::HttpProxy => http_proxy::invoke(self, ctx, client).await,
            Kind::AwsProxy => aws_proxy::invoke(self, ctx, functions).await,
            other => {
                tracing::warn!(
                    integration_type = other.name(),
                    resource = &*ctx.resource_path,
                    "integration type not supported yet"
                );
                respond::internal_error()
            }
        }
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
        .map(|w| w.split(';').next().unwrap_or_default().trim())
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
        assert_eq!(i.http_method, Some(Ok(http::Method::POST)));
        assert!(i.insecure_skip_verification);
        let i = Integration::compile(&ag::Integration {
            r#type: Some("MOCK".into()),
            request_templates: Some(BTreeMap::from([(
                "application/json".to_owned(),
                r#"{"statusCode": 404}"#.to_owned(),
            )])),
            ..Default::default()
        });
        assert_eq!(i.mock_status["application/json"], Ok((404, "404".to_owned())));
        let i = Integration::compile(&ag::Integration::default());
        assert_eq!(i.kind, Kind::Other(String::new()));
        assert_eq!(i.timeout, DEFAULT_TIMEOUT);
    }
}
