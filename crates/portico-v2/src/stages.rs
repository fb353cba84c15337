//! Stages: `$default` and named ones, pointing at a deployment (or following every change with
//! `autoDeploy`), with stage variables and route settings.

use crate::kinds::{DEPLOYMENT, STAGE};
use crate::support::{convert, not_found, page_args, required, scope};
use crate::{apis, deployments};
use portico_store::{List, Store, Stored};
use portico_wire::apigatewayv2::*;
use portico_wire::types::{IsoTimestamp, Timestamp};
use portico_wire::{AwsError, RequestContext};

fn stage_not_found(name: &str) -> AwsError {
    not_found("Stage", format!("Invalid stage identifier specified {name}"))
}

/// A stage with AWS's defaults filled in.
pub fn defaults(mut stage: Stage) -> Stage {
    let now = IsoTimestamp::from(Timestamp::now());
    stage.created_date.get_or_insert(now);
    stage.last_updated_date.get_or_insert(now);
    stage.default_route_settings.get_or_insert_with(|| RouteSettings {
        detailed_metrics_enabled: Some(false),
        ..Default::default()
    });
    stage.route_settings.get_or_insert_default();
    stage.stage_variables.get_or_insert_default();
    stage.tags.get_or_insert_default();
    stage
}

/// A WebSocket stage's route settings also log, and answer their level: `OFF` and no data
/// trace until set (HTTP APIs have no execution logs, and no level).
fn route_setting_defaults(stage: &mut Stage, websocket: bool) {
    let settings = stage.default_route_settings.get_or_insert_default();
    settings.detailed_metrics_enabled.get_or_insert(false);
    if websocket {
        settings.data_trace_enabled.get_or_insert(false);
        settings.logging_level.get_or_insert_with(|| "OFF".into());
    }
}

fn check_name(name: &str) -> Result<(), AwsError> {
    let ok = name == "$default"
        || (!name.is_empty()
            && name.len() <= 128
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'));
    if ok {
        Ok(())
    } else {
        Err(AwsError::bad_request(format!(
            "Stage name {name} is invalid: names are $default or 1 to 128 characters of a-zA-Z0-9_-"
        )))
    }
}

pub async fn create(
    store: &Store,
    ctx: &RequestContext,
    input: CreateStageRequest,
) -> Result<CreateStageResponse, AwsError> {
    let api_id = required(input.api_id);
    let name = required(input.stage_name);
    check_name(&name)?;
    let mut tx = store.write().await?;
    let api = apis::load_in(&mut tx, &scope(ctx), &api_id).await?;
    if tx.child(&STAGE, &api.row, &name).await?.is_some() {
        return Err(AwsError::conflict(format!("Stage {name} already exists")));
    }
    if let Some(id) = input.deployment_id.as_deref()
        && tx.child(&DEPLOYMENT, &api.row, id).await?.is_none()
    {
        return Err(AwsError::bad_request(format!(
            "Invalid deployment identifier specified {id}"
        )));
    }
    let mut stage = defaults(Stage {
        access_log_settings: input.access_log_settings,
        auto_deploy: input.auto_deploy,
        client_certificate_id: input.client_certificate_id,
        default_route_settings: input.default_route_settings,
        deployment_id: input.deployment_id,
        description: input.description,
        route_settings: input.route_settings,
        stage_name: Some(name.clone()),
        stage_variables: input.stage_variables,
        tags: input.tags,
        ..Default::default()
    });
    route_setting_defaults(&mut stage, api.doc.protocol_type.as_deref() == Some("WEBSOCKET"));
    // An autoDeploy stage starts from the API as it is.
    if stage.auto_deploy == Some(true) {
        let deployment = deployments::deploy(&mut tx, &api, None, true).await?;
        stage.deployment_id = deployment.deployment_id;
    }
    tx.insert(&STAGE, &api.row, &name, &stage).await?;
    tx.commit().await?;
    Ok(convert(&stage))
}

pub async fn get(store: &Store, ctx: &RequestContext, input: GetStageRequest) -> Result<GetStageResponse, AwsError> {
    let api = apis::load(store, &scope(ctx), &required(input.api_id)).await?;
    let name = required(input.stage_name);
    let stage = store
        .child(&STAGE, &api.row, &name)
        .await?
        .ok_or_else(|| stage_not_found(&name))?;
    Ok(convert(&stage.doc))
}

pub async fn list(store: &Store, ctx: &RequestContext, input: GetStagesRequest) -> Result<GetStagesResponse, AwsError> {
    let (from, limit) = page_args(input.max_results.as_deref(), input.next_token.as_deref())?;
    let api = apis::load(store, &scope(ctx), &required(input.api_id)).await?;
    let page = store.page(&STAGE, List::Children(&api.row), from, limit).await?;
    Ok(GetStagesResponse {
        next_token: page.next_token(),
        items: Some(page.items.into_iter().map(|s| s.doc).collect()),
    })
}

pub async fn update(
    store: &Store,
    ctx: &RequestContext,
    input: UpdateStageRequest,
) -> Result<UpdateStageResponse, AwsError> {
    let api_id = required(input.api_id);
    let name = required(input.stage_name);
    let mut tx = store.write().await?;
    let api = apis::load_in(&mut tx, &scope(ctx), &api_id).await?;
    let Stored { row, doc: mut stage } = tx
        .child(&STAGE, &api.row, &name)
        .await?
        .ok_or_else(|| stage_not_found(&name))?;
    if let Some(id) = input.deployment_id.as_deref()
        && tx.child(&DEPLOYMENT, &api.row, id).await?.is_none()
    {
        return Err(AwsError::bad_request(format!(
            "Invalid deployment identifier specified {id}"
        )));
    }
    let was_auto = stage.auto_deploy == Some(true);
    macro_rules! take {
        ($($field:ident),*) => { $( if input.$field.is_some() { stage.$field = input.$field; } )* };
    }
    take!(
        access_log_settings,
        auto_deploy,
        client_certificate_id,
        default_route_settings,
        deployment_id,
        description,
        route_settings,
        stage_variables
    );
    route_setting_defaults(&mut stage, api.doc.protocol_type.as_deref() == Some("WEBSOCKET"));
    if !was_auto && stage.auto_deploy == Some(true) {
        let deployment = deployments::deploy(&mut tx, &api, None, true).await?;
        stage.deployment_id = deployment.deployment_id;
    }
    stage.last_updated_date = Some(IsoTimestamp::from(Timestamp::now()));
    tx.update(&STAGE, &row, &stage).await?;
    tx.commit().await?;
    Ok(convert(&stage))
}

pub async fn delete(store: &Store, ctx: &RequestContext, input: DeleteStageRequest) -> Result<(), AwsError> {
    let api_id = required(input.api_id);
    let name = required(input.stage_name);
    let mut tx = store.write().await?;
    let api = apis::load_in(&mut tx, &scope(ctx), &api_id).await?;
    let stage = tx
        .child(&STAGE, &api.row, &name)
        .await?
        .ok_or_else(|| stage_not_found(&name))?;
    tx.delete(&stage.row).await?;
    tx.commit().await?;
    Ok(())
}

/// ResetAuthorizersCache: the API and stage must exist; the caller empties the data plane's
/// cache for them.
pub async fn reset_authorizers_cache(
    store: &Store,
    ctx: &RequestContext,
    input: ResetAuthorizersCacheRequest,
) -> Result<(String, String), AwsError> {
    let api_id = required(input.api_id);
    let api = apis::load(store, &scope(ctx), &api_id).await?;
    let name = required(input.stage_name);
    if store.child(&STAGE, &api.row, &name).await?.is_none() {
        return Err(stage_not_found(&name));
    }
    Ok((api_id, name))
}

/// DeleteAccessLogSettings: the stage logs no more.
pub async fn delete_access_log_settings(
    store: &Store,
    ctx: &RequestContext,
    input: DeleteAccessLogSettingsRequest,
) -> Result<(), AwsError> {
    let api_id = required(input.api_id);
    let name = required(input.stage_name);
    let mut tx = store.write().await?;
    let api = apis::load_in(&mut tx, &scope(ctx), &api_id).await?;
    let Stored { row, doc: mut stage } = tx
        .child(&STAGE, &api.row, &name)
        .await?
        .ok_or_else(|| stage_not_found(&name))?;
    stage.access_log_settings = None;
    stage.last_updated_date = Some(IsoTimestamp::from(Timestamp::now()));
    tx.update(&STAGE, &row, &stage).await?;
    tx.commit().await?;
    Ok(())
}

/// DeleteRouteSettings: the route falls back on the stage's default route settings.
pub async fn delete_route_settings(
    store: &Store,
    ctx: &RequestContext,
    input: DeleteRouteSettingsRequest,
) -> Result<(), AwsError> {
    let api_id = required(input.api_id);
    let name = required(input.stage_name);
    let key = required(input.route_key);
    let mut tx = store.write().await?;
    let api = apis::load_in(&mut tx, &scope(ctx), &api_id).await?;
    let Stored { row, doc: mut stage } = tx
        .child(&STAGE, &api.row, &name)
        .await?
        .ok_or_else(|| stage_not_found(&name))?;
    let removed = stage.route_settings.as_mut().and_then(|settings| settings.remove(&key));
    if removed.is_none() {
        return Err(not_found(
            "RouteSettings",
            format!("Unable to find route settings for route key {key} in stage {name}"),
        ));
    }
    stage.last_updated_date = Some(IsoTimestamp::from(Timestamp::now()));
    tx.update(&STAGE, &row, &stage).await?;
    tx.commit().await?;
    Ok(())
}
