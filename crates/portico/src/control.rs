//! Control-plane requests: route, bind input, dispatch to the service, write the answer.

use crate::connections::ConnectionsCall;
use crate::{State, sigv4};
use bytes::Bytes;
use portico_dataplane::ManagementError;
use portico_wire::request::{RawRequest, input_document};
use portico_wire::response::output_response;
use portico_wire::types::IsoTimestamp;
use portico_wire::{AwsError, RequestContext, Service, apigateway, apigatewaymanagementapi, apigatewayv2, lambda};

/// The `@connections` operations over the data plane's live connections. `endpoint` is the
/// API and stage whose execute-api endpoint the call came in on, `None` at Portico's root
/// (connection ids are unique across APIs).
struct ManagementApi<'a> {
    connections: portico_dataplane::WebSocketConnections,
    endpoint: Option<&'a ConnectionsCall>,
}

impl ManagementApi<'_> {
    fn endpoint(&self) -> Option<(&str, &str)> {
        self.endpoint.map(|e| (e.api_id.as_str(), e.stage.as_str()))
    }
}

fn management_error(error: ManagementError) -> AwsError {
    match error {
        ManagementError::Gone => apigatewaymanagementapi::GoneException::new("").into(),
        ManagementError::LimitExceeded => {
            apigatewaymanagementapi::LimitExceededException::new("Too many messages waiting for the connection").into()
        }
        ManagementError::TooLarge => {
            apigatewaymanagementapi::PayloadTooLargeException::new("Message too long; the limit is 128 KB").into()
        }
    }
}

fn connection_id(id: Option<String>) -> Result<String, AwsError> {
    id.filter(|id| !id.is_empty())
        .ok_or_else(|| apigatewaymanagementapi::GoneException::new("").into())
}

impl apigatewaymanagementapi::ApiGatewayManagementApi for ManagementApi<'_> {
    async fn delete_connection(
        &self,
        _ctx: &RequestContext,
        input: apigatewaymanagementapi::DeleteConnectionRequest,
    ) -> Result<(), AwsError> {
        let id = connection_id(input.connection_id)?;
        self.connections.delete(&id, self.endpoint()).map_err(management_error)
    }

    async fn get_connection(
        &self,
        _ctx: &RequestContext,
        input: apigatewaymanagementapi::GetConnectionRequest,
    ) -> Result<apigatewaymanagementapi::GetConnectionResponse, AwsError> {
        let id = connection_id(input.connection_id)?;
        let found = self.connections.get(&id, self.endpoint()).map_err(management_error)?;
        let seconds = |at: std::time::SystemTime| {
            IsoTimestamp(
                at.duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs() as i64),
            )
        };
        Ok(apigatewaymanagementapi::GetConnectionResponse {
            connected_at: Some(seconds(found.connected_at)),
            last_active_at: Some(seconds(found.last_active_at)),
            identity: Some(apigatewaymanagementapi::Identity {
                source_ip: Some(found.source_ip),
                user_agent: Some(found.user_agent),
            }),
        })
    }

    async fn post_to_connection(
        &self,
        _ctx: &RequestContext,
        input: apigatewaymanagementapi::PostToConnectionRequest,
    ) -> Result<(), AwsError> {
        let id = connection_id(input.connection_id)?;
        let data = input.data.map(|d| d.0).unwrap_or_default();
        self.connections
            .post(&id, self.endpoint(), Bytes::from(data))
            .map_err(management_error)
    }
}

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
                let api = ManagementApi {
                    connections: state.dataplane.websocket_connections(),
                    endpoint,
                };
                apigatewaymanagementapi::dispatch(&api, &ctx, op, input).await
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
