//! Gateway responses: the answers API Gateway itself gives (authorization refused, no route,
//! integration failures, validation…), rewritten by what the API customised
//! (PutGatewayResponse): status code, header parameters and a template with
//! `$context.error.*`. Compiled once per deployment; an API that customised nothing keeps
//! AWS's default answers untouched.

use crate::context::RequestContext;
use crate::integration::pick_template;
use crate::mapping::Source;
use crate::respond::GatewayError;
use crate::template::{self, ErrorVars, MappingTemplate};
use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{Response, StatusCode};
use portico_wire::apigateway as ag;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

#[derive(Debug, Default)]
pub struct GatewayResponses {
    by_type: HashMap<String, Customised>,
}

#[derive(Debug)]
struct Customised {
    status: Option<StatusCode>,
    parameters: Vec<(HeaderName, Source)>,
    templates: BTreeMap<String, (HeaderValue, MappingTemplate)>,
}

impl GatewayResponses {
    pub fn compile(responses: &[ag::GatewayResponse]) -> GatewayResponses {
        let by_type = responses
            .iter()
            .filter_map(|r| {
                let kind = r.response_type.clone()?;
                let status = r
                    .status_code
                    .as_deref()
                    .and_then(|s| s.parse::<u16>().ok())
                    .and_then(|s| StatusCode::from_u16(s).ok());
                let parameters = r
                    .response_parameters
                    .iter()
                    .flatten()
                    .filter_map(|(target, source)| {
                        let name = target.strip_prefix("gatewayresponse.header.")?;
                        let name = HeaderName::from_bytes(name.as_bytes()).ok()?;
                        Some((name, Source::parse(source)))
                    })
                    .collect();
                let templates = r
                    .response_templates
                    .iter()
                    .flatten()
                    .filter_map(|(media_type, source)| {
                        let value = HeaderValue::from_str(media_type).ok()?;
                        Some((media_type.clone(), (value, MappingTemplate::compile(source))))
                    })
                    .collect();
                Some((
                    kind,
                    Customised {
                        status,
                        parameters,
                        templates,
                    },
                ))
            })
            .collect();
        GatewayResponses { by_type }
    }

    pub fn is_empty(&self) -> bool {
        self.by_type.is_empty()
    }

    /// `response` as the API's customised gateway response for it answers, when it has one:
    /// the type itself, else DEFAULT_4XX or DEFAULT_5XX by the answer's status.
    pub fn apply(&self, mut response: Response<Bytes>, ctx: &Arc<RequestContext>) -> Response<Bytes> {
        let Some(error) = response.extensions().get::<GatewayError>() else {
            return response;
        };
        let fallback = if response.status().is_client_error() {
            "DEFAULT_4XX"
        } else {
            "DEFAULT_5XX"
        };
        let Some(custom) = self
            .by_type
            .get(error.response_type)
            .or_else(|| self.by_type.get(fallback))
        else {
            return response;
        };
        let vars = ErrorVars {
            message: error.message.clone(),
            response_type: error.response_type.to_owned(),
            validation_error: error.validation_error.clone(),
        };
        if let Some(status) = custom.status {
            *response.status_mut() = status;
        }
        let wanted = ctx
            .header(http::header::ACCEPT.as_str())
            .into_iter()
            .flat_map(|a| a.split(','));
        if let Some((_, (media_type, template))) = pick_template(&custom.templates, wanted) {
            match template::render(template, ctx, &Bytes::new(), Some(&vars)) {
                Ok((body, _)) => {
                    *response.body_mut() = body;
                    response.headers_mut().insert(CONTENT_TYPE, media_type.clone());
                }
                Err(e) => tracing::warn!(error = e, "gateway response template failed; the default answers"),
            }
        }
        for (name, source) in &custom.parameters {
            if let Some(value) = source.evaluate(ctx).and_then(|v| HeaderValue::from_str(&v).ok()) {
                response.headers_mut().insert(name.clone(), value);
            }
        }
        response
    }
}
