//! Deployments: immutable snapshots of an API's resource tree, which stages serve.

use crate::kinds::{AUTHORIZER, DEPLOYMENT, DeploymentSnapshot, RESOURCE, REST_API, SNAPSHOT, STAGE};
use crate::quotas::Quotas;
use crate::restapis;
use crate::stages;
use crate::support::{limit, new_id, patches, position, required, scope};
use portico_store::{List, Row, Store, StoreError, Stored, Tx};
use portico_wire::apigateway::*;
use portico_wire::types::Timestamp;
use portico_wire::{AwsError, RequestContext};
use std::collections::BTreeMap;

pub fn not_found() -> AwsError {
    AwsError::not_found("Invalid Deployment identifier specified")
}

/// What a deployment of the API freezes: the API, its resource tree with methods and
/// integrations, authorizers, models, request validators and customised gateway responses.
/// TestInvokeMethod runs on the same, taken now.
pub async fn freeze(tx: &mut Tx<'_>, api: RestApi, api_row: &Row) -> Result<DeploymentSnapshot, AwsError> {
    let resources = tx
        .in_tree(&RESOURCE, api_row)
        .await?
        .into_iter()
        .map(|r| r.doc)
        .collect();
    let authorizers = tx
        .in_tree(&AUTHORIZER, api_row)
        .await?
        .into_iter()
        .map(|a| a.doc)
        .collect();
    Ok(DeploymentSnapshot {
        api,
        resources,
        authorizers,
        models: crate::models::all_in(tx, api_row).await?,
        request_validators: crate::request_validators::all_in(tx, api_row).await?,
        gateway_responses: crate::gateway_responses::customised(tx, api_row).await?,
    })
}

pub async fn create(
    store: &Store,
    quotas: &Quotas,
    ctx: &RequestContext,
    input: CreateDeploymentRequest,
) -> Result<Deployment, AwsError> {
    let api_id = required(input.rest_api_id);
    let scope = scope(ctx);
    let canary_stage = match (&input.canary_settings, input.stage_name.as_deref()) {
        (None, _) => None,
        (Some(_), None | Some("")) => {
            return Err(AwsError::bad_request(format!(
                "Invalid deployment content specified.Non null and non empty stageName must be provided for canary deployment. Provided value is {}",
                input.stage_name.as_deref().unwrap_or("null")
            )));
        }
        (Some(_), Some(name)) => Some(name.to_owned()),
    };
    let mut tx = store.write().await?;
    let Stored { row: api_row, doc: api } = restapis::load_in(&mut tx, ctx, &scope, &api_id).await?;
    // A canary release goes to a stage that exists; the stage keeps serving its deployment.
    let canary_stage = match canary_stage {
        Some(name) => match tx.child(&STAGE, &api_row, &name).await? {
            Some(stage) => Some(stage),
            None => {
                return Err(AwsError::bad_request(format!(
                    "Invalid deployment content specified.Stage {name} must already be created before making a canary release deployment"
                )));
            }
        },
        None => None,
    };
    let snapshot = freeze(&mut tx, api, &api_row).await?;
    let methods = snapshot
        .resources
        .iter()
        .flat_map(|r| r.resource_methods.iter().flatten());
    let mut any = false;
    for (_, method) in methods {
        any = true;
        if method.method_integration.is_none() {
            return Err(AwsError::bad_request("No integration defined for method"));
        }
    }
    if !any {
        return Err(AwsError::bad_request("The REST API doesn't contain any methods"));
    }
    if let Some(variables) = &input.variables {
        stages::check_variables(quotas, variables)?;
    }
    let mut deployment = Deployment {
        id: None,
        description: input.description,
        created_date: Some(Timestamp::now()),
        api_summary: None,
    };
    let (id, row) = loop {
        let id = new_id(6);
        deployment.id = Some(id.clone());
        match tx.insert(&DEPLOYMENT, &api_row, &id, &deployment).await {
            Err(StoreError::Exists) => continue,
            other => break (id, other?),
        }
    };
    tx.insert(&SNAPSHOT, &row, &id, &snapshot).await?;
    if let (Some(Stored { row, doc: mut stage }), Some(settings)) = (canary_stage, input.canary_settings) {
        let settings = CanarySettings {
            deployment_id: Some(id.clone()),
            percent_traffic: settings.percent_traffic,
            stage_variable_overrides: settings.stage_variable_overrides,
            use_stage_cache: settings.use_stage_cache,
        };
        stage.canary_settings = Some(stages::new_canary(settings, &id, quotas)?);
        stage.last_updated_date = Some(Timestamp::now());
        tx.update(&STAGE, &row, &stage).await?;
    } else if let Some(stage_name) = input.stage_name.filter(|s| !s.is_empty()) {
        let now = Timestamp::now();
        match tx.child(&STAGE, &api_row, &stage_name).await? {
            Some(Stored { row, doc: mut stage }) => {
                stage.deployment_id = Some(id.clone());
                stage.last_updated_date = Some(now);
                if input.variables.is_some() {
                    stage.variables = input.variables;
                }
                if input.stage_description.is_some() {
                    stage.description = input.stage_description;
                }
                tx.update(&STAGE, &row, &stage).await?;
            }
            None => {
                stages::check_name(&stage_name)?;
                stages::check_stage_quota(&mut tx, quotas, &api_row).await?;
                let mut stage = stages::new_stage(stage_name.clone(), id.clone());
                stage.description = input.stage_description;
                stage.variables = input.variables.filter(|v| !v.is_empty());
                stage.cache_cluster_enabled = Some(input.cache_cluster_enabled.unwrap_or(false));
                stage.cache_cluster_size = input.cache_cluster_size;
                stage.tracing_enabled = Some(input.tracing_enabled.unwrap_or(false));
                tx.insert(&STAGE, &api_row, &stage_name, &stage).await?;
            }
        }
    }
    tx.commit().await?;
    Ok(deployment)
}

pub async fn get(store: &Store, ctx: &RequestContext, input: GetDeploymentRequest) -> Result<Deployment, AwsError> {
    let api_id = required(input.rest_api_id);
    let id = required(input.deployment_id);
    let scope = scope(ctx);
    let Some(Stored {
        row,
        doc: mut deployment,
    }) = store.under(&REST_API, &DEPLOYMENT, &scope, &api_id, &id).await?
    else {
        restapis::load(store, ctx, &api_id).await?;
        return Err(not_found());
    };
    if input.embed.is_some_and(|e| e.iter().any(|e| e == "apisummary")) {
        let snapshot = store
            .child(&SNAPSHOT, &row, &id)
            .await?
            .map(|s| s.doc)
            .unwrap_or_default();
        let mut summary: BTreeMap<String, BTreeMap<String, MethodSnapshot>> = BTreeMap::new();
        for resource in snapshot.resources {
            for (verb, method) in resource.resource_methods.unwrap_or_default() {
                summary
                    .entry(resource.path.clone().unwrap_or_default())
                    .or_default()
                    .insert(
                        verb,
                        MethodSnapshot {
                            authorization_type: method.authorization_type,
                            api_key_required: method.api_key_required,
                        },
                    );
            }
        }
        deployment.api_summary = Some(summary);
    }
    Ok(deployment)
}

pub async fn list(store: &Store, ctx: &RequestContext, input: GetDeploymentsRequest) -> Result<Deployments, AwsError> {
    let api_id = required(input.rest_api_id);
    let api = restapis::load(store, ctx, &api_id).await?;
    let page = store
        .page(
            &DEPLOYMENT,
            List::Tree(&api.row),
            position(input.position.as_deref())?,
            limit(input.limit)?,
        )
        .await?;
    Ok(Deployments {
        position: page.next_token(),
        items: Some(page.items.into_iter().map(|d| d.doc).collect()),
    })
}

pub async fn update(
    store: &Store,
    ctx: &RequestContext,
    input: UpdateDeploymentRequest,
) -> Result<Deployment, AwsError> {
    let api_id = required(input.rest_api_id);
    let id = required(input.deployment_id);
    let scope = scope(ctx);
    let ops = patches(input.patch_operations, "updateDeploymentInput")?;
    let mut tx = store.write().await?;
    let Stored {
        row,
        doc: mut deployment,
    } = tx
        .under(&REST_API, &DEPLOYMENT, &scope, &api_id, &id)
        .await?
        .ok_or_else(not_found)?;
    for op in &ops {
        match op.segs().as_slice() {
            ["description"] => deployment.description = op.optional_string(),
            _ => return Err(op.invalid_path(&["/description"])),
        }
    }
    tx.update(&DEPLOYMENT, &row, &deployment).await?;
    tx.commit().await?;
    Ok(deployment)
}

pub async fn delete(store: &Store, ctx: &RequestContext, input: DeleteDeploymentRequest) -> Result<(), AwsError> {
    let api_id = required(input.rest_api_id);
    let id = required(input.deployment_id);
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    let deployment = tx
        .under(&REST_API, &DEPLOYMENT, &scope, &api_id, &id)
        .await?
        .ok_or_else(not_found)?;
    let stages = tx.in_tree(&STAGE, &deployment.row).await?;
    let serves = |s: &Stage| {
        let canary = s.canary_settings.as_ref().and_then(|c| c.deployment_id.as_deref());
        s.deployment_id.as_deref() == Some(&id) || canary == Some(&id)
    };
    if stages.iter().any(|s| serves(&s.doc)) {
        return Err(AwsError::bad_request(
            "Active stages pointing to this deployment must be moved or deleted",
        ));
    }
    // Its snapshot goes with it.
    tx.delete(&deployment.row).await?;
    tx.commit().await?;
    Ok(())
}
