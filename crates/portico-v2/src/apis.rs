//! CreateApi (with quick create) … DeleteApi.

use crate::kinds::{API, INTEGRATION, ROUTE, STAGE};
// API ids are unique across REST and HTTP APIs: execute-api hosts name only the id.
use crate::support::{api_not_found, convert, new_id, page_args, required, scope};
use crate::{deployments, integrations, routes, stages};
use portico_rest::kinds::REST_API;
use portico_store::{List, Scope, Store, StoreError, Stored, Tx};
use portico_wire::apigatewayv2::*;
use portico_wire::types::{IsoTimestamp, Timestamp};
use portico_wire::{AwsError, RequestContext};

pub async fn load(store: &Store, scope: &Scope, api_id: &str) -> Result<Stored<Api>, AwsError> {
    store
        .top(&API, scope, api_id)
        .await?
        .ok_or_else(|| api_not_found(api_id))
}

pub async fn load_in(tx: &mut Tx<'_>, scope: &Scope, api_id: &str) -> Result<Stored<Api>, AwsError> {
    tx.top(&API, scope, api_id).await?.ok_or_else(|| api_not_found(api_id))
}

fn endpoint(protocol: &str, id: &str, region: &str) -> String {
    let scheme = if protocol == "WEBSOCKET" { "wss" } else { "https" };
    format!("{scheme}://{id}.execute-api.{region}.amazonaws.com")
}

pub async fn create(
    store: &Store,
    ctx: &RequestContext,
    input: CreateApiRequest,
) -> Result<CreateApiResponse, AwsError> {
    let protocol = required(input.protocol_type.clone());
    let websocket = protocol == "WEBSOCKET";
    if websocket && input.route_selection_expression.is_none() {
        return Err(AwsError::bad_request(
            "Route selection expression is required for WebSocket APIs.",
        ));
    }
    if websocket && (input.target.is_some() || input.route_key.is_some()) {
        return Err(AwsError::bad_request("Quick create is only supported for HTTP APIs."));
    }
    if input.cors_configuration.is_some() && websocket {
        return Err(AwsError::bad_request("CORS is only supported for HTTP APIs."));
    }
    if input.route_key.is_some() && input.target.is_none() {
        return Err(AwsError::bad_request(
            "Target must be specified when routeKey is specified.",
        ));
    }
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    let mut api = Api {
        api_key_selection_expression: Some(
            input
                .api_key_selection_expression
                .unwrap_or_else(|| "$request.header.x-api-key".into()),
        ),
        cors_configuration: input.cors_configuration,
        created_date: Some(IsoTimestamp::from(Timestamp::now())),
        description: input.description,
        disable_schema_validation: input.disable_schema_validation,
        disable_execute_api_endpoint: Some(input.disable_execute_api_endpoint.unwrap_or(false)),
        ip_address_type: Some(input.ip_address_type.unwrap_or_else(|| "ipv4".into())),
        name: input.name,
        protocol_type: Some(protocol.clone()),
        route_selection_expression: Some(
            input
                .route_selection_expression
                .unwrap_or_else(|| "$request.method $request.path".into()),
        ),
        tags: Some(input.tags.unwrap_or_default()),
        version: input.version,
        ..Default::default()
    };
    let row = loop {
        let id = new_id(10);
        if tx.global(&REST_API, &id).await?.is_some() {
            continue;
        }
        api.api_id = Some(id.clone());
        api.api_endpoint = Some(endpoint(&protocol, &id, &ctx.region));
        match tx.insert_top(&API, &scope, &id, &api).await {
            Err(StoreError::Exists) => continue,
            other => break other?,
        }
    };
    let stored = Stored { row, doc: api.clone() };
    if let Some(target) = input.target {
        quick_create(&mut tx, &stored, &target, input.route_key, input.credentials_arn).await?;
    }
    tx.commit().await?;
    Ok(convert(&api))
}

/// Quick create: an integration with `target`, a route to it (`$default` unless `routeKey`
/// says otherwise) and the `$default` stage deploying automatically, all managed by the API.
async fn quick_create(
    tx: &mut Tx<'_>,
    api: &Stored<Api>,
    target: &str,
    route_key: Option<String>,
    credentials_arn: Option<String>,
) -> Result<(), AwsError> {
    let lambda = target.starts_with("arn:");
    let mut integration = integrations::defaults(Integration {
        api_gateway_managed: Some(true),
        integration_type: Some(if lambda { "AWS_PROXY" } else { "HTTP_PROXY" }.into()),
        integration_method: Some(if lambda { "POST" } else { "ANY" }.into()),
        integration_uri: Some(target.to_owned()),
        payload_format_version: Some(if lambda { "2.0" } else { "1.0" }.into()),
        credentials_arn,
        ..Default::default()
    });
    let integration_id = integrations::insert(tx, &api.row, &mut integration).await?;
    let mut route = routes::defaults(Route {
        api_gateway_managed: Some(true),
        route_key: Some(route_key.unwrap_or_else(|| "$default".into())),
        target: Some(format!("integrations/{integration_id}")),
        ..Default::default()
    });
    routes::insert(tx, &api.row, &mut route).await?;
    let mut stage = stages::defaults(Stage {
        api_gateway_managed: Some(true),
        auto_deploy: Some(true),
        stage_name: Some("$default".into()),
        ..Default::default()
    });
    tx.insert(&STAGE, &api.row, "$default", &stage).await?;
    let deployment = deployments::deploy(tx, api, None, true).await?;
    stage.deployment_id = deployment.deployment_id;
    let row = tx.child(&STAGE, &api.row, "$default").await?.map(|s| s.row);
    if let Some(row) = row {
        tx.update(&STAGE, &row, &stage).await?;
    }
    Ok(())
}

pub async fn get(store: &Store, ctx: &RequestContext, input: GetApiRequest) -> Result<GetApiResponse, AwsError> {
    let api = load(store, &scope(ctx), &required(input.api_id)).await?;
    Ok(convert(&api.doc))
}

pub async fn list(store: &Store, ctx: &RequestContext, input: GetApisRequest) -> Result<GetApisResponse, AwsError> {
    let (from, limit) = page_args(input.max_results.as_deref(), input.next_token.as_deref())?;
    let scope = scope(ctx);
    let page = store.page(&API, List::Top(&scope), from, limit).await?;
    Ok(GetApisResponse {
        next_token: page.next_token(),
        items: Some(page.items.into_iter().map(|a| a.doc).collect()),
    })
}

pub async fn update(
    store: &Store,
    ctx: &RequestContext,
    input: UpdateApiRequest,
) -> Result<UpdateApiResponse, AwsError> {
    let api_id = required(input.api_id);
    let mut tx = store.write().await?;
    let Stored { row, doc: mut api } = load_in(&mut tx, &scope(ctx), &api_id).await?;
    let websocket = api.protocol_type.as_deref() == Some("WEBSOCKET");
    if websocket && input.cors_configuration.is_some() {
        return Err(AwsError::bad_request("CORS is only supported for HTTP APIs."));
    }
    if websocket && (input.target.is_some() || input.route_key.is_some()) {
        return Err(AwsError::bad_request("Quick create is only supported for HTTP APIs."));
    }
    if let Some(key) = &input.route_key {
        routes::check_key(key, websocket)?;
    }
    macro_rules! take {
        ($($field:ident),*) => { $( if input.$field.is_some() { api.$field = input.$field; } )* };
    }
    take!(
        api_key_selection_expression,
        cors_configuration,
        description,
        disable_schema_validation,
        disable_execute_api_endpoint,
        ip_address_type,
        name,
        route_selection_expression,
        version
    );
    tx.update(&API, &row, &api).await?;
    let stored = Stored { row, doc: api.clone() };
    // Quick create's route and integration follow `target` and `routeKey` on update.
    if input.target.is_some() || input.route_key.is_some() {
        let managed_routes = tx.children(&ROUTE, &stored.row).await?;
        for Stored { row, doc: mut route } in managed_routes {
            if route.api_gateway_managed == Some(true) && input.route_key.is_some() {
                route.route_key = input.route_key.clone();
                tx.update(&ROUTE, &row, &route).await?;
            }
        }
        if let Some(target) = &input.target {
            for Stored {
                row,
                doc: mut integration,
            } in tx.children(&INTEGRATION, &stored.row).await?
            {
                if integration.api_gateway_managed == Some(true) {
                    integration.integration_uri = Some(target.clone());
                    tx.update(&INTEGRATION, &row, &integration).await?;
                }
            }
        }
    }
    deployments::auto_deploy_api(&mut tx, &stored).await?;
    tx.commit().await?;
    Ok(convert(&api))
}

/// DeleteCorsConfiguration: the API answers no preflights and adds no CORS headers.
pub async fn delete_cors(
    store: &Store,
    ctx: &RequestContext,
    input: DeleteCorsConfigurationRequest,
) -> Result<(), AwsError> {
    let api_id = required(input.api_id);
    let mut tx = store.write().await?;
    let mut stored = load_in(&mut tx, &scope(ctx), &api_id).await?;
    stored.doc.cors_configuration = None;
    tx.update(&API, &stored.row, &stored.doc).await?;
    deployments::auto_deploy_api(&mut tx, &stored).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete(store: &Store, ctx: &RequestContext, input: DeleteApiRequest) -> Result<(), AwsError> {
    let api_id = required(input.api_id);
    let mut tx = store.write().await?;
    let api = load_in(&mut tx, &scope(ctx), &api_id).await?;
    tx.delete(&api.row).await?;
    tx.commit().await?;
    Ok(())
}
