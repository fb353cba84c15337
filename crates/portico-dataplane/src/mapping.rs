//! Parameter mappings and URI templates, parsed when a stage compiles and evaluated per request
//! against the request context.

use crate::context::RequestContext;
use std::collections::BTreeMap;

/// An integration URI: literals, `{name}` path parameters and `${stageVariables.name}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UriTemplate {
    parts: Vec<UriPart>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum UriPart {
    Literal(String),
    /// `{name}` or `{name+}`: the integration's path parameter; unknown names stay as written.
    Path {
        name: String,
        written: String,
    },
    StageVariable(String),
}

impl UriTemplate {
    pub fn parse(template: &str) -> UriTemplate {
        const STAGE_VARIABLE: &str = "${stageVariables.";
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = template;
        while let Some(start) = rest.find(['$', '{']) {
            literal.push_str(&rest[..start]);
            rest = &rest[start..];
            let Some(end) = rest.find('}') else { break };
            let part = if let Some(name) = rest[..end].strip_prefix(STAGE_VARIABLE) {
                UriPart::StageVariable(name.to_owned())
            } else if let Some(name) = rest[..end].strip_prefix('{') {
                UriPart::Path {
                    name: name.trim_end_matches('+').to_owned(),
                    written: rest[..=end].to_owned(),
                }
            } else {
                // A '$' that starts nothing.
                literal.push('$');
                rest = &rest[1..];
                continue;
            };
            if !literal.is_empty() {
                parts.push(UriPart::Literal(std::mem::take(&mut literal)));
            }
            parts.push(part);
            rest = &rest[end + 1..];
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(UriPart::Literal(literal));
        }
        UriTemplate { parts }
    }

    /// Fills the template: path parameters from `path` (values as sent), stage variables
    /// from the stage (missing ones are empty).
    pub fn render(&self, path: impl Fn(&str) -> Option<String>, variables: &BTreeMap<String, String>) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                UriPart::Literal(text) => out.push_str(text),
                UriPart::Path { name, written } => match path(name) {
                    Some(value) => out.push_str(&value),
                    None => out.push_str(written),
                },
                UriPart::StageVariable(name) => out.push_str(variables.get(name).map_or("", String::as_str)),
            }
        }
        out
    }
}

/// Where an integration request parameter goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Header(String),
    Query(String),
    Path(String),
}

/// Where a mapped value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Literal(String),
    PathParam(String),
    Query(String),
    MultiQuery(String),
    Header(String),
    MultiHeader(String),
    StageVariable(String),
    Context(String),
    /// A source this version does not evaluate yet (body JSONPath); maps to nothing.
    Unsupported(String),
}

/// `requestParameters` of an integration, compiled.
#[derive(Debug, Clone, Default)]
pub struct RequestMapping {
    pub entries: Vec<(Target, Source)>,
}

impl RequestMapping {
    pub fn compile(parameters: Option<&BTreeMap<String, String>>) -> RequestMapping {
        let entries = parameters
            .into_iter()
            .flatten()
            .filter_map(|(target, source)| {
                let target = if let Some(name) = target.strip_prefix("integration.request.header.") {
                    Target::Header(name.to_owned())
                } else if let Some(name) = target.strip_prefix("integration.request.querystring.") {
                    Target::Query(name.to_owned())
                } else if let Some(name) = target.strip_prefix("integration.request.path.") {
                    Target::Path(name.to_owned())
                } else {
                    tracing::warn!(target, "request parameter target not understood; ignored");
                    return None;
                };
                Some((target, Source::parse(source)))
            })
            .collect();
        RequestMapping { entries }
    }

    /// The value mapped to a path parameter of the integration URI, if any.
    pub fn path(&self, name: &str, ctx: &RequestContext) -> Option<Option<String>> {
        self.entries
            .iter()
            .find(|(t, _)| matches!(t, Target::Path(n) if n == name))
            .map(|(_, source)| source.evaluate(ctx))
    }
}

impl Source {
    pub fn parse(source: &str) -> Source {
        if let Some(literal) = source.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
            return Source::Literal(literal.to_owned());
        }
        type Rule = (&'static str, fn(String) -> Source);
        let rules: [Rule; 8] = [
            ("method.request.path.", Source::PathParam),
            ("method.request.querystring.", Source::Query),
            ("method.request.multivaluequerystring.", Source::MultiQuery),
            ("method.request.header.", Source::Header),
            ("method.request.multivalueheader.", Source::MultiHeader),
            ("stageVariables.", Source::StageVariable),
            ("context.", Source::Context),
            ("$context.", Source::Context),
        ];
        for (prefix, make) in rules {
            if let Some(name) = source.strip_prefix(prefix) {
                return make(name.to_owned());
            }
        }
        Source::Unsupported(source.to_owned())
    }

    /// The value for this request; `None` when the request has none.
    pub fn evaluate(&self, ctx: &RequestContext) -> Option<String> {
        match self {
            Source::Literal(text) => Some(text.clone()),
            Source::PathParam(name) => ctx
                .path_params
                .iter()
                .find(|p| p.name == *name)
                .map(|p| p.value.clone()),
            Source::Query(name) => ctx.query().into_iter().rev().find(|(k, _)| k == name).map(|(_, v)| v),
            Source::MultiQuery(name) => {
                let values: Vec<String> = ctx
                    .query()
                    .into_iter()
                    .filter(|(k, _)| k == name)
                    .map(|(_, v)| v)
                    .collect();
                (!values.is_empty()).then(|| values.join(","))
            }
            Source::Header(name) => ctx.header(name).map(str::to_owned),
            Source::MultiHeader(name) => {
                let values: Vec<&str> = ctx
                    .headers
                    .get_all(name.as_str())
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .collect();
                (!values.is_empty()).then(|| values.join(","))
            }
            Source::StageVariable(name) => ctx.stage_variables.get(name).cloned(),
            Source::Context(name) => context_value(ctx, name),
            Source::Unsupported(source) => {
                tracing::debug!(source, "parameter source not supported yet");
                None
            }
        }
    }
}

/// `context.*` values a mapping may name.
fn context_value(ctx: &RequestContext, name: &str) -> Option<String> {
    Some(match name {
        "requestId" => ctx.request_id.clone(),
        "extendedRequestId" => ctx.extended_request_id.clone(),
        "accountId" => ctx.account_id.to_string(),
        "apiId" => ctx.api_id.to_string(),
        "stage" => ctx.stage.to_string(),
        "deploymentId" => ctx.deployment_id.to_string(),
        "resourceId" => ctx.resource_id.to_string(),
        "resourcePath" => ctx.resource_path.to_string(),
        "httpMethod" => ctx.method.to_string(),
        "path" => ctx.full_path(),
        "protocol" => ctx.protocol().to_owned(),
        "requestTime" => ctx.request_time(),
        "requestTimeEpoch" => ctx.request_time_epoch().to_string(),
        "domainName" => ctx.domain_name().to_owned(),
        "domainPrefix" => ctx.domain_prefix().to_owned(),
        "identity.sourceIp" => ctx.source_ip(),
        "identity.userAgent" => ctx.user_agent()?.to_owned(),
        "identity.apiKey" => ctx.identity.api_key.clone()?,
        "identity.accessKey" => ctx.identity.access_key.clone()?,
        "identity.accountId" => ctx.identity.account_id.clone()?,
        "identity.caller" => ctx.identity.caller.clone()?,
        "identity.user" => ctx.identity.user.clone()?,
        "identity.userArn" => ctx.identity.user_arn.clone()?,
        "authorizer.principalId" => ctx.authorizer.as_ref()?.principal_id.clone()?,
        other if other.starts_with("authorizer.claims.") => {
            let claim = ctx
                .authorizer
                .as_ref()?
                .claims
                .as_ref()?
                .get(&other["authorizer.claims.".len()..])?;
            claim.as_str()?.to_owned()
        }
        other => {
            let key = other.strip_prefix("authorizer.")?;
            let value = ctx.authorizer.as_ref()?.context.get(key)?;
            match value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_templates() {
        let vars = BTreeMap::from([
            ("host".to_owned(), "backend:8080".to_owned()),
            ("v".to_owned(), "v1".to_owned()),
        ]);
        let params = |name: &str| match name {
            "petId" => Some("42".to_owned()),
            "proxy" => Some("a/b%20c/".to_owned()),
            _ => None,
        };
        let render = |t: &str| UriTemplate::parse(t).render(params, &vars);
        assert_eq!(render("http://example.com/pets/{petId}"), "http://example.com/pets/42");
        assert_eq!(render("http://example.com/{proxy}"), "http://example.com/a/b%20c/");
        assert_eq!(render("http://example.com/{proxy+}"), "http://example.com/a/b%20c/");
        assert_eq!(
            render("http://${stageVariables.host}/${stageVariables.v}/{petId}"),
            "http://backend:8080/v1/42"
        );
        assert_eq!(render("http://h/${stageVariables.missing}x"), "http://h/x");
        assert_eq!(render("http://h/{unknown}/$x/{petId}"), "http://h/{unknown}/$x/42");
        assert_eq!(render("http://h/{petId"), "http://h/{petId");
        assert_eq!(render("http://h/plain?a=1"), "http://h/plain?a=1");
    }

    #[test]
    fn sources_and_targets() {
        assert_eq!(Source::parse("'x y'"), Source::Literal("x y".into()));
        assert_eq!(Source::parse("method.request.path.id"), Source::PathParam("id".into()));
        assert_eq!(
            Source::parse("method.request.multivalueheader.X-A"),
            Source::MultiHeader("X-A".into())
        );
        assert_eq!(Source::parse("stageVariables.url"), Source::StageVariable("url".into()));
        assert_eq!(Source::parse("context.requestId"), Source::Context("requestId".into()));
        assert!(matches!(Source::parse("method.request.body.x"), Source::Unsupported(_)));
        let mapping = RequestMapping::compile(Some(&BTreeMap::from([
            ("integration.request.header.X-Up".to_owned(), "'1'".to_owned()),
            (
                "integration.request.path.id".to_owned(),
                "method.request.path.petId".to_owned(),
            ),
            ("nonsense".to_owned(), "'1'".to_owned()),
        ])));
        assert_eq!(mapping.entries.len(), 2);
        assert!(mapping.entries.iter().any(|(t, _)| *t == Target::Path("id".into())));
    }
}
