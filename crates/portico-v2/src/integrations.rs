//! Integrations: where routes send requests (AWS_PROXY to Lambda, HTTP_PROXY, AWS service
//! integrations with a subtype, MOCK and HTTP for WebSocket APIs).

use crate::kinds::{INTEGRATION, ROUTE};
use crate::support::{convert, insert_new, not_found, page_args, required, scope};
use crate::{apis, deployments};
use portico_store::{List, Row, Store, Stored, Tx};
use portico_wire::apigatewayv2::*;
use portico_wire::{AwsError, RequestContext};

fn integration_not_found(id: &str) -> AwsError {
    not_found("Integration", format!("Invalid Integration identifier specified {id}"))
}

/// An integration with AWS's defaults filled in.
pub fn defaults(mut integration: Integration) -> Integration {
    integration.connection_type.get_or_insert_with(|| "INTERNET".into());
    integration.timeout_in_millis.get_or_insert(30_000);
    let kind = integration.integration_type.as_deref().unwrap_or_default();
    // AWS service integrations by subtype answer 1.0 too.
    if kind == "HTTP_PROXY" || integration.integration_subtype.is_some() {
        integration.payload_format_version.get_or_insert_with(|| "1.0".into());
    }
    // A Lambda function is called with POST whether or not the method was given.
    if matches!(kind, "AWS" | "AWS_PROXY") && integration.integration_uri.as_deref().is_some_and(is_lambda) {
        integration.integration_method.get_or_insert_with(|| "POST".into());
    }
    integration
}

/// `arn:aws:apigateway:{region}:lambda:path/…/functions/{arn}/invocations` or a function ARN.
fn is_lambda(uri: &str) -> bool {
    uri.starts_with("arn:") && (uri.contains(":lambda:path/") || uri.contains(":lambda:") && uri.contains(":function:"))
}

/// What AWS fills in on a WebSocket API's integration: payload format 1.0, `WHEN_NO_MATCH`,
/// at most 29 seconds, and the integration response selection expression of its type (none for
/// the proxies, whose answers are passed through).
fn websocket_defaults(integration: &mut Integration) {
    integration.payload_format_version.get_or_insert_with(|| "1.0".into());
    integration
        .passthrough_behavior
        .get_or_insert_with(|| "WHEN_NO_MATCH".into());
    integration.integration_response_selection_expression = response_selection(integration);
}

fn response_selection(integration: &Integration) -> Option<String> {
    match integration.integration_type.as_deref()? {
        "MOCK" | "HTTP" => Some("${integration.response.statuscode}".into()),
        "AWS" => Some("${integration.response.body.errorMessage}".into()),
        _ => None,
    }
}

pub(crate) fn check(integration: &Integration, websocket: bool) -> Result<(), AwsError> {
    let kind = integration.integration_type.as_deref().unwrap_or_default();
    if !websocket && matches!(kind, "HTTP" | "MOCK") {
        return Err(AwsError::bad_request(format!(
            "Integration type {kind} is not supported for HTTP APIs. Supported types are AWS_PROXY and HTTP_PROXY."
        )));
    }
    if !websocket
        && kind == "AWS_PROXY"
        && integration.payload_format_version.is_none()
        && integration.integration_subtype.is_none()
    {
        return Err(AwsError::bad_request(
            "Payload format version must be specified for AWS_PROXY integrations.",
        ));
    }
    if let Some(version) = integration.payload_format_version.as_deref()
        && !matches!(version, "1.0" | "2.0")
    {
        return Err(AwsError::bad_request(format!(
            "Unsupported payload format version {version}. Supported versions are 1.0 and 2.0."
        )));
    }
    // WebSocket APIs send their own event shape: only payload format 1.0, no subtypes.
    if websocket
        && integration
            .payload_format_version
            .as_deref()
            .is_some_and(|v| v != "1.0")
    {
        return Err(AwsError::bad_request(
            "Payload format version 2.0 is supported only for HTTP APIs. WebSocket APIs support 1.0.",
        ));
    }
    if websocket && integration.integration_subtype.is_some() {
        return Err(AwsError::bad_request(
            "Integration subtypes are supported only for HTTP APIs.",
        ));
    }
    if let Some(ms) = integration.timeout_in_millis {
        let max = if websocket { 29_000 } else { 30_000 };
        if !(50..=max).contains(&ms) {
            return Err(AwsError::bad_request(format!(
                "Timeout must be between 50 and {max} milliseconds."
            )));
        }
    }
    if kind != "MOCK" && integration.integration_uri.is_none() && integration.integration_subtype.is_none() {
        return Err(AwsError::bad_request(format!(
            "Integration URI must be specified for {kind} integrations."
        )));
    }
    Ok(())
}

pub async fn insert(tx: &mut Tx<'_>, api: &Row, integration: &mut Integration) -> Result<String, AwsError> {
    let (id, _) = insert_new(tx, &INTEGRATION, api, 7, integration, |i, id| {
        i.integration_id = Some(id)
    })
    .await?;
    Ok(id)
}

pub async fn create(
    store: &Store,
    ctx: &RequestContext,
    input: CreateIntegrationRequest,
) -> Result<CreateIntegrationResult, AwsError> {
    let api_id = required(input.api_id);
    let mut tx = store.write().await?;
    let api = apis::load_in(&mut tx, &scope(ctx), &api_id).await?;
    let websocket = api.doc.protocol_type.as_deref() == Some("WEBSOCKET");
    // WebSocket integrations wait 29 seconds at most, and by default.
    let timeout_in_millis = input.timeout_in_millis.or(websocket.then_some(29_000));
    let mut integration = defaults(Integration {
        connection_id: input.connection_id,
        connection_type: input.connection_type,
        content_handling_strategy: input.content_handling_strategy,
        credentials_arn: input.credentials_arn,
        description: input.description,
        integration_method: input.integration_method,
        integration_subtype: input.integration_subtype,
        integration_type: input.integration_type,
        integration_uri: input.integration_uri,
        passthrough_behavior: input.passthrough_behavior,
        payload_format_version: input.payload_format_version,
        request_parameters: input.request_parameters,
        request_templates: input.request_templates,
        response_parameters: input.response_parameters,
        template_selection_expression: input.template_selection_expression,
        timeout_in_millis,
        tls_config: input.tls_config.map(|t| TlsConfig {
            server_name_to_verify: t.server_name_to_verify,
        }),
        ..Default::default()
    });
    if websocket {
        websocket_defaults(&mut integration);
    }
    check(&integration, websocket)?;
    insert(&mut tx, &api.row, &mut integration).await?;
    deployments::auto_deploy_api(&mut tx, &api).await?;
    tx.commit().await?;
    Ok(convert(&integration))
}

pub async fn get(
    store: &Store,
    ctx: &RequestContext,
    input: GetIntegrationRequest,
) -> Result<GetIntegrationResult, AwsError> {
    let api = apis::load(store, &scope(ctx), &required(input.api_id)).await?;
    let id = required(input.integration_id);
    let integration = store
        .child(&INTEGRATION, &api.row, &id)
        .await?
        .ok_or_else(|| integration_not_found(&id))?;
    Ok(convert(&integration.doc))
}

pub async fn list(
    store: &Store,
    ctx: &RequestContext,
    input: GetIntegrationsRequest,
) -> Result<GetIntegrationsResponse, AwsError> {
    let (from, limit) = page_args(input.max_results.as_deref(), input.next_token.as_deref())?;
    let api = apis::load(store, &scope(ctx), &required(input.api_id)).await?;
    let page = store.page(&INTEGRATION, List::Children(&api.row), from, limit).await?;
    Ok(GetIntegrationsResponse {
        next_token: page.next_token(),
        items: Some(page.items.into_iter().map(|i| i.doc).collect()),
    })
}

pub async fn update(
    store: &Store,
    ctx: &RequestContext,
    input: UpdateIntegrationRequest,
) -> Result<UpdateIntegrationResult, AwsError> {
    let api_id = required(input.api_id);
    let id = required(input.integration_id);
    let mut tx = store.write().await?;
    let api = apis::load_in(&mut tx, &scope(ctx), &api_id).await?;
    let websocket = api.doc.protocol_type.as_deref() == Some("WEBSOCKET");
    let Stored {
        row,
        doc: mut integration,
    } = tx
        .child(&INTEGRATION, &api.row, &id)
        .await?
        .ok_or_else(|| integration_not_found(&id))?;
    macro_rules! take {
        ($($field:ident),*) => { $( if input.$field.is_some() { integration.$field = input.$field; } )* };
    }
    take!(
        connection_id,
        connection_type,
        content_handling_strategy,
        credentials_arn,
        description,
        integration_method,
        integration_subtype,
        integration_type,
        integration_uri,
        passthrough_behavior,
        payload_format_version,
        request_parameters,
        request_templates,
        response_parameters,
        template_selection_expression,
        timeout_in_millis
    );
    if let Some(tls) = input.tls_config {
        integration.tls_config = Some(TlsConfig {
            server_name_to_verify: tls.server_name_to_verify,
        });
    }
    // A changed type brings its own selection expression.
    if websocket {
        integration.integration_response_selection_expression = response_selection(&integration);
    }
    check(&integration, websocket)?;
    tx.update(&INTEGRATION, &row, &integration).await?;
    deployments::auto_deploy_api(&mut tx, &api).await?;
    tx.commit().await?;
    Ok(convert(&integration))
}

pub async fn delete(store: &Store, ctx: &RequestContext, input: DeleteIntegrationRequest) -> Result<(), AwsError> {
    let api_id = required(input.api_id);
    let id = required(input.integration_id);
    let mut tx = store.write().await?;
    let api = apis::load_in(&mut tx, &scope(ctx), &api_id).await?;
    let integration = tx
        .child(&INTEGRATION, &api.row, &id)
        .await?
        .ok_or_else(|| integration_not_found(&id))?;
    let target = format!("integrations/{id}");
    if tx
        .children(&ROUTE, &api.row)
        .await?
        .iter()
        .any(|r| r.doc.target.as_deref() == Some(&target))
    {
        return Err(AwsError::conflict(format!(
            "Cannot delete integration {id}: routes still target it"
        )));
    }
    tx.delete(&integration.row).await?;
    deployments::auto_deploy_api(&mut tx, &api).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(kind: &str, uri: Option<&str>) -> Integration {
        Integration {
            integration_type: Some(kind.into()),
            integration_uri: uri.map(str::to_owned),
            ..Default::default()
        }
    }

    #[test]
    fn lambda_integrations_post() {
        let path = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:f/invocations";
        let function = "arn:aws:lambda:us-east-1:000000000000:function:f";
        for uri in [path, function] {
            assert_eq!(
                defaults(of("AWS_PROXY", Some(uri))).integration_method.as_deref(),
                Some("POST")
            );
            assert_eq!(
                defaults(of("AWS", Some(uri))).integration_method.as_deref(),
                Some("POST")
            );
        }
        // Another AWS service, or an HTTP backend, keeps what was given (nothing).
        let sqs = "arn:aws:apigateway:us-east-1:sqs:path/000000000000/queue";
        assert_eq!(defaults(of("AWS", Some(sqs))).integration_method, None);
        assert_eq!(
            defaults(of("HTTP", Some("http://example.com"))).integration_method,
            None
        );
    }

    #[test]
    fn websocket_response_selection_by_type() {
        let expressions: Vec<_> = ["MOCK", "HTTP", "AWS", "AWS_PROXY", "HTTP_PROXY"]
            .into_iter()
            .map(|kind| {
                let mut integration = of(kind, None);
                websocket_defaults(&mut integration);
                assert_eq!(integration.payload_format_version.as_deref(), Some("1.0"));
                assert_eq!(integration.passthrough_behavior.as_deref(), Some("WHEN_NO_MATCH"));
                integration.integration_response_selection_expression
            })
            .collect();
        assert_eq!(
            expressions,
            [
                Some("${integration.response.statuscode}".to_string()),
                Some("${integration.response.statuscode}".to_string()),
                Some("${integration.response.body.errorMessage}".to_string()),
                None,
                None
            ]
        );
    }
}
