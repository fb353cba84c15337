//! Control-plane requests: route, bind input, dispatch to the service, write the answer.

use crate::connections::ConnectionsCall;
use crate::{State, sigv4};
use bytes::Bytes;
use portico_wire::request::{RawRequest, input_document};
use portico_wire::response::output_response;
use portico_wire::{AwsError, RequestContext, Service, apigateway, apigatewaymanagementapi, apigatewayv2, lambda};

/// The `@connections` operations (all 501 until WebSocket APIs land). `endpoint` is the API and
/// stage whose execute-api endpoint the call came in on, `None` on the plain endpoint.
struct ManagementApi<'a> {
    #[expect(dead_code, reason = "read by the WebSocket API handlers once they exist")]
    endpoint: Option<&'a ConnectionsCall>,
}
impl apigatewaymanagementapi::ApiGatewayManagementApi for ManagementApi<'_> {}

pub async fn handle(
    state: &State,
    parts: &http::request::Parts,
    body: &Bytes,
    endpoint: Option<&ConnectionsCall>,
) -> (http::Response<Bytes>, &'static str) {
    let request_id = uuid::Uuid::new_v4().to_string();
    let query = parts.uri.query().unwrap_or("");
    let authorization = parts
        .headers
        .get(http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok());
    let (account, region) = match sigv4::credential_scope(authorization, query) {
        Some((key, region)) => (sigv4::account_for(&key, &state.config.default_account), region),
        None => (
            state.config.default_account.clone(),
            state.config.default_region.clone(),
        ),
    };
    let ctx = RequestContext {
        account,
        region,
        request_id: request_id.clone(),
    };
    let Some(matched) = state.router.route(parts.method.as_str(), parts.uri.path(), query) else {
        let error = AwsError::new(
            404,
            "UnknownOperationException",
            format!("No API Gateway operation matches {} {}", parts.method, parts.uri.path()),
        );
        return (error.to_response(&request_id), "-");
    };
    let spec = matched.spec;
    let raw = RawRequest {
        labels: &matched.labels,
        query,
        headers: &parts.headers,
        body,
    };
    let result = match input_document(spec, &raw) {
        Ok(input) => match matched.service {
            Service::ApiGateway => {
                apigateway::dispatch(&state.rest, &ctx, apigateway::Operation::ALL[matched.index], input).await
            }
            Service::ApiGatewayV2 => {
                apigatewayv2::dispatch(&state.v2, &ctx, apigatewayv2::Operation::ALL[matched.index], input).await
            }
            Service::ApiGatewayManagementApi => {
                let op = apigatewaymanagementapi::Operation::ALL[matched.index];
                apigatewaymanagementapi::dispatch(&ManagementApi { endpoint }, &ctx, op, input).await
            }
            Service::Lambda => {
                lambda::dispatch(&state.lambda, &ctx, lambda::Operation::ALL[matched.index], input).await
            }
        },
        Err(e) => Err(e),
    };
    let response = result.and_then(|output| output_response(spec, output, &request_id));
    let response = response.unwrap_or_else(|error| {
        if error.status >= 500 && error.status != 501 {
            tracing::error!(operation = spec.name, %error, "operation failed");
        }
        error.to_response(&request_id)
    });
    (response, spec.name)
}
