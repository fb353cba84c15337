//! Deployments: snapshots of an API's routes and integrations, which stages serve; stages
//! with `autoDeploy` get a new one after every change to the API.

use crate::kinds::{
    AUTHORIZER, DEPLOYMENT, INTEGRATION, INTEGRATION_RESPONSE, MODEL, ROUTE, ROUTE_RESPONSE, SNAPSHOT, STAGE, Snapshot,
};
use crate::support::{convert, insert_new, not_found, page_args, required, scope};
use portico_store::{List, Store, Stored, Tx};
use portico_wire::apigatewayv2::*;
use portico_wire::types::{IsoTimestamp, Timestamp};
use portico_wire::{AwsError, RequestContext};
use std::collections::BTreeMap;

fn deployment_not_found(id: &str) -> AwsError {
    not_found("Deployment", format!("Invalid Deployment identifier specified {id}"))
}

/// Freezes the API as it is now into a new deployment, pointing `stage` at it if given.
pub async fn deploy(
    tx: &mut Tx<'_>,
    api: &Stored<Api>,
    description: Option<String>,
    auto: bool,
) -> Result<Deployment, AwsError> {
    let mut routes = Vec::new();
    let mut route_responses = BTreeMap::new();
    for route in tx.children(&ROUTE, &api.row).await? {
        let responses: Vec<RouteResponse> = tx
            .children(&ROUTE_RESPONSE, &route.row)
            .await?
            .into_iter()
            .map(|r| r.doc)
            .collect();
        if !responses.is_empty() {
            route_responses.insert(route.doc.route_id.clone().unwrap_or_default(), responses);
        }
        routes.push(route.doc);
    }
    let mut integrations = Vec::new();
    let mut integration_responses = BTreeMap::new();
    for integration in tx.children(&INTEGRATION, &api.row).await? {
        let responses: Vec<IntegrationResponse> = tx
            .children(&INTEGRATION_RESPONSE, &integration.row)
            .await?
            .into_iter()
            .map(|r| r.doc)
            .collect();
        if !responses.is_empty() {
            integration_responses.insert(integration.doc.integration_id.clone().unwrap_or_default(), responses);
        }
        integrations.push(integration.doc);
    }
    let authorizers = tx
        .children(&AUTHORIZER, &api.row)
        .await?
        .into_iter()
        .map(|a| a.doc)
        .collect();
    let models = tx
        .children(&MODEL, &api.row)
        .await?
        .into_iter()
        .map(|m| m.doc)
        .collect();
    let snapshot = Snapshot {
        api: api.doc.clone(),
        routes,
        integrations,
        authorizers,
        route_responses,
        integration_responses,
        models,
    };
    let mut deployment = Deployment {
        auto_deployed: Some(auto),
        created_date: Some(IsoTimestamp::from(Timestamp::now())),
        deployment_status: Some("DEPLOYED".into()),
        description,
        ..Default::default()
    };
    let (id, row) = insert_new(tx, &DEPLOYMENT, &api.row, 6, &mut deployment, |d, id| {
        d.deployment_id = Some(id)
    })
    .await?;
    tx.insert(&SNAPSHOT, &row, &id, &snapshot).await?;
    Ok(deployment)
}

/// After a change to `api`: every `autoDeploy` stage gets a deployment of it.
pub async fn auto_deploy_api(tx: &mut Tx<'_>, api: &Stored<Api>) -> Result<(), AwsError> {
    let stages = tx.children(&STAGE, &api.row).await?;
    for Stored { row, doc: mut stage } in stages {
        if stage.auto_deploy != Some(true) {
            continue;
        }
        let deployment = deploy(tx, api, None, true).await?;
        stage.deployment_id = deployment.deployment_id;
        stage.last_updated_date = Some(IsoTimestamp::from(Timestamp::now()));
        stage.last_deployment_status_message = Some(format!(
            "Successfully deployed stage with deployment ID '{}'",
            stage.deployment_id.as_deref().unwrap_or_default()
        ));
        tx.update(&STAGE, &row, &stage).await?;
    }
    Ok(())
}

pub async fn create(
    store: &Store,
    ctx: &RequestContext,
    input: CreateDeploymentRequest,
) -> Result<CreateDeploymentResponse, AwsError> {
    let api_id = required(input.api_id);
    let mut tx = store.write().await?;
    let api = crate::apis::load_in(&mut tx, &scope(ctx), &api_id).await?;
    let stage = match input.stage_name.as_deref().filter(|s| !s.is_empty()) {
        Some(name) => Some(
            tx.child(&STAGE, &api.row, name)
                .await?
                .ok_or_else(|| AwsError::bad_request(format!("Invalid stage identifier specified {name}")))?,
        ),
        None => None,
    };
    if let Some(stage) = &stage
        && stage.doc.auto_deploy == Some(true)
    {
        return Err(AwsError::bad_request(
            "Deployment cannot be created for a stage with autoDeploy enabled",
        ));
    }
    let deployment = deploy(&mut tx, &api, input.description, false).await?;
    if let Some(Stored { row, doc: mut stage }) = stage {
        stage.deployment_id = deployment.deployment_id.clone();
        stage.last_updated_date = Some(IsoTimestamp::from(Timestamp::now()));
        tx.update(&STAGE, &row, &stage).await?;
    }
    tx.commit().await?;
    Ok(convert(&deployment))
}

pub async fn get(
    store: &Store,
    ctx: &RequestContext,
    input: GetDeploymentRequest,
) -> Result<GetDeploymentResponse, AwsError> {
    let api_id = required(input.api_id);
    let id = required(input.deployment_id);
    let api = crate::apis::load(store, &scope(ctx), &api_id).await?;
    let deployment = store
        .child(&DEPLOYMENT, &api.row, &id)
        .await?
        .ok_or_else(|| deployment_not_found(&id))?;
    Ok(convert(&deployment.doc))
}

pub async fn list(
    store: &Store,
    ctx: &RequestContext,
    input: GetDeploymentsRequest,
) -> Result<GetDeploymentsResponse, AwsError> {
    let api_id = required(input.api_id);
    let (from, limit) = page_args(input.max_results.as_deref(), input.next_token.as_deref())?;
    let api = crate::apis::load(store, &scope(ctx), &api_id).await?;
    let page = store.page(&DEPLOYMENT, List::Children(&api.row), from, limit).await?;
    Ok(GetDeploymentsResponse {
        next_token: page.next_token(),
        items: Some(page.items.into_iter().map(|d| d.doc).collect()),
    })
}

pub async fn update(
    store: &Store,
    ctx: &RequestContext,
    input: UpdateDeploymentRequest,
) -> Result<UpdateDeploymentResponse, AwsError> {
    let api_id = required(input.api_id);
    let id = required(input.deployment_id);
    let mut tx = store.write().await?;
    let api = crate::apis::load_in(&mut tx, &scope(ctx), &api_id).await?;
    let Stored {
        row,
        doc: mut deployment,
    } = tx
        .child(&DEPLOYMENT, &api.row, &id)
        .await?
        .ok_or_else(|| deployment_not_found(&id))?;
    if input.description.is_some() {
        deployment.description = input.description;
    }
    tx.update(&DEPLOYMENT, &row, &deployment).await?;
    tx.commit().await?;
    Ok(convert(&deployment))
}

pub async fn delete(store: &Store, ctx: &RequestContext, input: DeleteDeploymentRequest) -> Result<(), AwsError> {
    let api_id = required(input.api_id);
    let id = required(input.deployment_id);
    let mut tx = store.write().await?;
    let api = crate::apis::load_in(&mut tx, &scope(ctx), &api_id).await?;
    let deployment = tx
        .child(&DEPLOYMENT, &api.row, &id)
        .await?
        .ok_or_else(|| deployment_not_found(&id))?;
    let stages = tx.children(&STAGE, &api.row).await?;
    if stages.iter().any(|s| s.doc.deployment_id.as_deref() == Some(&id)) {
        return Err(AwsError::bad_request(
            "Active stages pointing to this deployment must be moved or deleted",
        ));
    }
    tx.delete(&deployment.row).await?;
    tx.commit().await?;
    Ok(())
}
