//! AWS (without proxy). With a Lambda URI the integration request (the request template's
//! output, or the body passed through) is the event, and the function's answer goes through
//! the integration responses, selected by its error message. With any other service URI
//! (`arn:aws:apigateway:{region}:{service}:action/{Action}` or `:path/{path}`) Portico
//! emulates no service: it signs the integration request and sends it to `--aws-endpoint`.

use super::{Env, Integration, aws_proxy, http_proxy};
use crate::context::RequestContext;
use crate::functions::{FunctionCall, FunctionResult};

use crate::respond::{self, IntegrationOutput};
use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Response, Uri};
use portico_http::OutboundRequest;
use portico_http::sigv4::{self, Keys};
use std::sync::Arc;

/// Where AWS service integrations are sent (`--aws-endpoint`), and the keys that sign them.
#[derive(Debug, Clone)]
pub struct AwsEndpoint {
    /// `http://host:port`, no trailing slash.
    pub url: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

pub async fn invoke(integration: &Integration, ctx: &Arc<RequestContext>, env: Env<'_>) -> Response<Bytes> {
    if integration.function.is_some() {
        lambda(integration, ctx, env).await
    } else {
        service(integration, ctx, env).await
    }
}

async fn lambda(integration: &Integration, ctx: &Arc<RequestContext>, env: Env<'_>) -> Response<Bytes> {
    let (Some(function), Some(functions)) = (integration.function.as_deref(), env.functions) else {
        tracing::warn!(
            resource = &*ctx.resource_path,
            "AWS integration names no Lambda function"
        );
        return respond::internal_error();
    };
    let request = match integration.request(ctx) {
        Ok(request) => request,
        Err(answer) => return *answer,
    };
    let function = aws_proxy::fill_stage_variables(function, ctx);
    let payload = if request.body.iter().all(u8::is_ascii_whitespace) {
        Bytes::from_static(b"{}")
    } else {
        request.body
    };
    let call = FunctionCall {
        account: ctx.account_id.to_string(),
        region: ctx.region.to_string(),
        function: function.clone(),
        payload,
    };
    ctx.trace(|| {
        format!(
            "Sending request to https://lambda.{}.amazonaws.com/2015-03-31/functions/{function}/invocations",
            ctx.region
        )
    });
    let result = match tokio::time::timeout(integration.timeout, functions.invoke(call)).await {
        Ok(result) => result,
        Err(_) => return respond::timed_out(),
    };
    let json = HeaderMap::from_iter([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))]);
    match result {
        FunctionResult::Answer { error: None, payload } => {
            let output = IntegrationOutput {
                selector: None,
                headers: &json,
                body: payload,
                endpoint: true,
            };
            respond::integration_response(&integration.responses, output, ctx)
        }
        FunctionResult::Answer {
            error: Some(kind),
            payload,
        } => {
            // Selection patterns match the error message, as on AWS.
            let message = serde_json::from_slice::<serde_json::Value>(&payload)
                .ok()
                .and_then(|v| v.get("errorMessage").and_then(|m| m.as_str()).map(str::to_owned))
                .unwrap_or_default();
            tracing::debug!(function, kind, message, "Lambda function failed");
            let output = IntegrationOutput {
                selector: Some(&message),
                headers: &json,
                body: payload,
                endpoint: true,
            };
            respond::integration_response(&integration.responses, output, ctx)
        }
        FunctionResult::NotFound => {
            tracing::warn!(function, "Lambda function not found");
            respond::internal_error()
        }
        FunctionResult::Failed(reason) => {
            tracing::warn!(function, reason, "Lambda function could not be run");
            respond::internal_error()
        }
    }
}

/// A service integration URI, read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ServiceUri {
    region: String,
    pub(crate) service: String,
    /// `action/{Action}`: the action; `path/{path}`: the path.
    action: Option<String>,
    path: String,
}

impl ServiceUri {
    pub(crate) fn parse(uri: &str) -> Option<ServiceUri> {
        let rest = uri.strip_prefix("arn:aws:apigateway:")?;
        let mut parts = rest.splitn(3, ':');
        let (region, service, target) = (parts.next()?, parts.next()?, parts.next()?);
        // `{bucket}.s3`-style subdomains: the service is the last label.
        let service = service.rsplit('.').next()?.to_owned();
        let (action, path) = if let Some(action) = target.strip_prefix("action/") {
            (
                Some(action.split('&').next().unwrap_or_default().to_owned()),
                String::from("/"),
            )
        } else {
            (None, format!("/{}", target.strip_prefix("path/")?))
        };
        Some(ServiceUri {
            region: region.to_owned(),
            service,
            action,
            path,
        })
    }

    /// `Action={action}` for services spoken in AWS's query protocols; JSON protocols name
    /// the action in a header instead.
    pub(crate) fn action_pairs(&self) -> Vec<(String, String)> {
        match (&self.action, json_protocol(&self.service)) {
            (Some(action), None) => vec![("Action".to_owned(), action.clone())],
            _ => Vec::new(),
        }
    }
}

/// Services spoken in JSON with `X-Amz-Target`: their target prefix and content type.
fn json_protocol(service: &str) -> Option<(&'static str, &'static str)> {
    Some(match service {
        "dynamodb" => ("DynamoDB_20120810", "application/x-amz-json-1.0"),
        "states" => ("AWSStepFunctions", "application/x-amz-json-1.0"),
        "kinesis" => ("Kinesis_20131202", "application/x-amz-json-1.1"),
        "events" => ("AWSEvents", "application/x-amz-json-1.1"),
        "logs" => ("Logs_20140328", "application/x-amz-json-1.1"),
        "firehose" => ("Firehose_20150804", "application/x-amz-json-1.1"),
        "secretsmanager" => ("secretsmanager", "application/x-amz-json-1.1"),
        "ssm" => ("AmazonSSM", "application/x-amz-json-1.1"),
        _ => return None,
    })
}

async fn service(integration: &Integration, ctx: &Arc<RequestContext>, env: Env<'_>) -> Response<Bytes> {
    let Some(target) = integration.raw_uri.as_deref().and_then(ServiceUri::parse) else {
        tracing::warn!(
            uri = integration.raw_uri,
            "AWS integration uri is not an API Gateway service ARN"
        );
        return respond::internal_error();
    };
    let Some(endpoint) = env.aws else {
        tracing::warn!(
            service = target.service,
            "AWS service integrations need --aws-endpoint (e.g. a moto server); none is configured"
        );
        return respond::internal_error();
    };
    let request = match integration.request(ctx) {
        Ok(request) => request,
        Err(answer) => return *answer,
    };
    let (pairs, headers) = integration.mapped(ctx, &request.overrides, target.action_pairs());
    let method = match integration.outbound_method(ctx) {
        Ok(method) => method,
        Err(answer) => return *answer,
    };
    let Some(outbound) = service_request(
        &target,
        endpoint,
        method,
        pairs,
        headers,
        request.body,
        integration.timeout,
    ) else {
        return respond::internal_error();
    };
    let outbound = OutboundRequest {
        insecure_skip_verification: integration.insecure_skip_verification,
        ..outbound
    };
    let answer = match http_proxy::send(env.client, outbound).await {
        Ok(answer) => answer,
        Err(failed) => return failed,
    };
    respond::endpoint_response(&integration.responses, answer, ctx)
}

/// The signed request to `--aws-endpoint` for a service integration: the action as AWS's
/// query protocols take it (`Action=`) or as JSON protocols do (`X-Amz-Target`), `pairs`
/// in the query string, `body` as it is. `None` (logged) when no valid URI results.
pub(crate) fn service_request(
    target: &ServiceUri,
    endpoint: &AwsEndpoint,
    method: http::Method,
    pairs: Vec<(String, String)>,
    mut headers: HeaderMap,
    body: Bytes,
    timeout: std::time::Duration,
) -> Option<OutboundRequest> {
    if let (Some(action), Some((prefix, content_type))) = (&target.action, json_protocol(&target.service)) {
        set_header(&mut headers, "x-amz-target", &format!("{prefix}.{action}"));
        if !headers.contains_key(header::CONTENT_TYPE) {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
    }
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&pairs)
        .finish();
    let path = target.path.replace(' ', "%20");
    let text = if query.is_empty() {
        format!("{}{path}", endpoint.url)
    } else {
        format!("{}{path}?{query}", endpoint.url)
    };
    let Ok(uri) = text.parse::<Uri>() else {
        tracing::warn!(uri = text, "AWS service integration request uri is invalid");
        return None;
    };
    let keys = Keys {
        access_key_id: &endpoint.access_key_id,
        secret_access_key: &endpoint.secret_access_key,
        session_token: endpoint.session_token.as_deref(),
    };
    let now = time::OffsetDateTime::now_utc();
    sigv4::sign(
        &method,
        &uri,
        &mut headers,
        &body,
        &target.region,
        &target.service,
        &keys,
        now,
    );
    Some(OutboundRequest {
        method,
        uri,
        headers,
        body,
        timeout,
        insecure_skip_verification: false,
    })
}

fn set_header(headers: &mut HeaderMap, name: &str, value: &str) {
    if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
        headers.insert(name, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_uris() {
        assert_eq!(
            ServiceUri::parse("arn:aws:apigateway:us-east-1:dynamodb:action/PutItem"),
            Some(ServiceUri {
                region: "us-east-1".into(),
                service: "dynamodb".into(),
                action: Some("PutItem".into()),
                path: "/".into(),
            })
        );
        let s3 = ServiceUri::parse("arn:aws:apigateway:eu-west-1:s3:path/bucket/key.png").unwrap();
        assert_eq!(
            (s3.service.as_str(), s3.action, s3.path.as_str()),
            ("s3", None, "/bucket/key.png")
        );
        let sub = ServiceUri::parse("arn:aws:apigateway:us-east-1:mybucket.s3:path/key").unwrap();
        assert_eq!(sub.service, "s3");
        assert_eq!(ServiceUri::parse("http://example.com"), None);
        assert_eq!(json_protocol("dynamodb").unwrap().0, "DynamoDB_20120810");
        assert_eq!(json_protocol("sqs"), None);
    }
}
