//! A method's integration as the data plane runs it, compiled once per deployment, and the
//! template choice that request and response mapping share.

pub mod http_proxy;
pub mod mock;

use crate::respond::IntegrationResponses;
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
    /// `ANY` (or none) means the request's own method.
    pub http_method: Option<String>,
    pub uri: Option<String>,
    pub request_templates: BTreeMap<String, String>,
    pub timeout: Duration,
    pub responses: IntegrationResponses,
}

impl Integration {
    pub fn compile(integration: &ag::Integration) -> Self {
        let timeout = match integration.timeout_in_millis {
            Some(ms) if ms > 0 => Duration::from_millis(ms.unsigned_abs()),
            _ => DEFAULT_TIMEOUT,
        };
        Integration {
            kind: Kind::parse(integration.r#type.as_deref()),
            http_method: integration.http_method.clone(),
            uri: integration.uri.clone(),
            request_templates: integration.request_templates.clone().unwrap_or_default(),
            timeout,
            responses: IntegrationResponses::compile(integration.integration_responses.as_ref()),
        }
    }
}

/// The template for the first wanted media type that has one, else `application/json`, else
/// the only template. Media type parameters (`; charset=…`, `;q=…`) are ignored.
pub fn pick_template<'t, 'w>(
    templates: &'t BTreeMap<String, String>,
    wanted: impl IntoIterator<Item = &'w str>,
) -> Option<(&'t str, &'t str)> {
    let find = |media_type: &str| {
        templates
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(media_type))
            .map(|(k, v)| (k.as_str(), v.as_str()))
    };
    wanted
        .into_iter()
        .map(|w| w.split(';').next().unwrap_or_default().trim())
        .filter(|w| !w.is_empty())
        .find_map(find)
        .or_else(|| find("application/json"))
        .or_else(|| match templates.len() {
            1 => templates.iter().next().map(|(k, v)| (k.as_str(), v.as_str())),
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
        assert_eq!(
            pick_template(&both, ["text/plain; charset=utf-8"]),
            Some(("text/plain", "T"))
        );
        assert_eq!(pick_template(&both, ["Text/Plain"]), Some(("text/plain", "T")));
        assert_eq!(pick_template(&both, ["image/png"]), Some(("application/json", "J")));
        assert_eq!(pick_template(&both, []), Some(("application/json", "J")));
        let only = BTreeMap::from([("application/xml".to_owned(), "X".to_owned())]);
        assert_eq!(pick_template(&only, ["text/plain"]), Some(("application/xml", "X")));
        let two = BTreeMap::from([
            ("application/xml".to_owned(), "X".to_owned()),
            ("text/plain".to_owned(), "T".to_owned()),
        ]);
        assert_eq!(pick_template(&two, ["image/png"]), None);
        assert_eq!(pick_template(&BTreeMap::new(), ["application/json"]), None);
    }

    #[test]
    fn compiles_type_and_timeout() {
        let i = Integration::compile(&ag::Integration {
            r#type: Some("http_proxy".into()),
            timeout_in_millis: Some(50),
            ..Default::default()
        });
        assert_eq!(i.kind, Kind::HttpProxy);
        assert_eq!(i.timeout, Duration::from_millis(50));
        let i = Integration::compile(&ag::Integration::default());
        assert_eq!(i.kind, Kind::Other(String::new()));
        assert_eq!(i.timeout, DEFAULT_TIMEOUT);
    }
}
