//! Stages: a name, a deployment it serves, variables and method settings.

use crate::deployments;
use crate::kinds::{DEPLOYMENT, REST_API, STAGE};
use crate::quotas::Quotas;
use crate::restapis;
use crate::support::{Patch, patch_map, patches, required, scope};
use portico_store::{List, Row, Store, Stored, Tx};
use portico_wire::apigateway::*;
use portico_wire::types::Timestamp;
use portico_wire::{AwsError, RequestContext};
use std::collections::BTreeMap;

pub fn not_found() -> AwsError {
    AwsError::not_found("Invalid Stage identifier specified")
}

pub fn check_name(name: &str) -> Result<(), AwsError> {
    if !name.is_empty() && name.len() <= 128 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        Ok(())
    } else {
        Err(AwsError::bad_request("Stage name only allows a-zA-Z0-9_"))
    }
}

/// A stage with AWS's defaults.
pub fn new_stage(name: String, deployment_id: String) -> Stage {
    let now = Timestamp::now();
    Stage {
        stage_name: Some(name),
        deployment_id: Some(deployment_id),
        cache_cluster_enabled: Some(false),
        cache_cluster_status: Some("NOT_AVAILABLE".into()),
        method_settings: Some(Default::default()),
        tracing_enabled: Some(false),
        created_date: Some(now),
        last_updated_date: Some(now),
        ..Default::default()
    }
}

/// AWS's quota of stages per API.
pub async fn check_stage_quota(tx: &mut Tx<'_>, quotas: &Quotas, api: &Row) -> Result<(), AwsError> {
    if tx.count(&STAGE, List::Tree(api)).await? >= quotas.get("stages-per-api") {
        return Err(AwsError::limit_exceeded(
            "Maximum number of Stages for this API has been reached.  Please contact AWS if you need additional Stages.",
        ));
    }
    Ok(())
}

/// AWS's bounds on stage variables: how many, and how long names and values are.
pub fn check_variables(quotas: &Quotas, variables: &BTreeMap<String, String>) -> Result<(), AwsError> {
    if variables.len() as u64 > quotas.get("stage-variables-per-stage") {
        return Err(AwsError::bad_request(format!(
            "A stage can have at most {} stage variables",
            quotas.get("stage-variables-per-stage")
        )));
    }
    for (name, value) in variables {
        let name_ok =
            !name.is_empty() && name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !name_ok {
            return Err(AwsError::bad_request(format!(
                "Stage variable name {name} is invalid: names are 1 to 64 characters of a-zA-Z0-9_"
            )));
        }
        if value.chars().count() > 512 || value.chars().any(char::is_control) {
            return Err(AwsError::bad_request(format!(
                "Stage variable value of {name} is invalid: values are at most 512 characters, without control characters"
            )));
        }
    }
    Ok(())
}

pub async fn create(
    store: &Store,
    quotas: &Quotas,
    ctx: &RequestContext,
    input: CreateStageRequest,
) -> Result<Stage, AwsError> {
    let api_id = required(input.rest_api_id);
    let name = required(input.stage_name);
    let deployment_id = required(input.deployment_id);
    let scope = scope(ctx);
    check_name(&name)?;
    if let Some(variables) = &input.variables {
        check_variables(quotas, variables)?;
    }
    let mut tx = store.write().await?;
    let api = restapis::load_in(&mut tx, ctx, &scope, &api_id).await?;
    if tx.child(&DEPLOYMENT, &api.row, &deployment_id).await?.is_none() {
        return Err(deployments::not_found());
    }
    if tx.child(&STAGE, &api.row, &name).await?.is_some() {
        return Err(AwsError::conflict("Stage already exists"));
    }
    let canary = match input.canary_settings {
        Some(settings) => {
            let canary = new_canary(settings, &deployment_id, quotas)?;
            check_canary_deployment(&mut tx, &api.row, &canary).await?;
            Some(canary)
        }
        None => None,
    };
    check_stage_quota(&mut tx, quotas, &api.row).await?;
    let mut stage = new_stage(name.clone(), deployment_id);
    stage.canary_settings = canary;
    stage.description = input.description;
    stage.variables = input.variables.filter(|v| !v.is_empty());
    let caching = input.cache_cluster_enabled.unwrap_or(false);
    stage.cache_cluster_enabled = Some(caching);
    stage.cache_cluster_status = Some(if caching { "AVAILABLE" } else { "NOT_AVAILABLE" }.into());
    stage.cache_cluster_size = input.cache_cluster_size;
    stage.tracing_enabled = Some(input.tracing_enabled.unwrap_or(false));
    stage.documentation_version = input.documentation_version;
    stage.tags = input.tags.filter(|t| !t.is_empty());
    tx.insert(&STAGE, &api.row, &name, &stage).await?;
    tx.commit().await?;
    Ok(stage)
}

pub async fn get(store: &Store, ctx: &RequestContext, input: GetStageRequest) -> Result<Stage, AwsError> {
    let api_id = required(input.rest_api_id);
    match store
        .under(&REST_API, &STAGE, &scope(ctx), &api_id, &required(input.stage_name))
        .await?
    {
        Some(stage) => Ok(stage.doc),
        None => {
            restapis::load(store, ctx, &api_id).await?;
            Err(not_found())
        }
    }
}

pub async fn list(store: &Store, ctx: &RequestContext, input: GetStagesRequest) -> Result<Stages, AwsError> {
    let api_id = required(input.rest_api_id);
    let api = restapis::load(store, ctx, &api_id).await?;
    let mut all: Vec<Stage> = store
        .in_tree(&STAGE, &api.row)
        .await?
        .into_iter()
        .map(|s| s.doc)
        .collect();
    if let Some(deployment_id) = input.deployment_id {
        all.retain(|s| s.deployment_id.as_deref() == Some(&deployment_id));
    }
    Ok(Stages { item: Some(all) })
}

pub async fn update(
    store: &Store,
    quotas: &Quotas,
    ctx: &RequestContext,
    input: UpdateStageRequest,
) -> Result<Stage, AwsError> {
    let api_id = required(input.rest_api_id);
    let name = required(input.stage_name);
    let scope = scope(ctx);
    let ops = patches(input.patch_operations, "updateStageInput")?;
    let mut tx = store.write().await?;
    let Stored { row, doc: mut stage } = tx
        .under(&REST_API, &STAGE, &scope, &api_id, &name)
        .await?
        .ok_or_else(not_found)?;
    for op in &ops {
        match (op.op, op.segs().as_slice()) {
            ("copy", _) => {}
            (_, ["deploymentId"]) => {
                let id = op.string()?;
                if tx.child(&DEPLOYMENT, &row, &id).await?.is_none() {
                    return Err(deployments::not_found());
                }
            }
            ("replace", ["canarySettings", "deploymentId"]) => {
                let id = op.string()?;
                if tx.child(&DEPLOYMENT, &row, &id).await?.is_none() {
                    return Err(AwsError::bad_request("Deployment id does not exist"));
                }
            }
            _ => {}
        }
        apply(&mut stage, op)?;
    }
    if let Some(variables) = &stage.variables {
        check_variables(quotas, variables)?;
    }
    if let Some(canary) = &stage.canary_settings {
        check_canary(canary, quotas)?;
    }
    stage.last_updated_date = Some(Timestamp::now());
    tx.update(&STAGE, &row, &stage).await?;
    tx.commit().await?;
    Ok(stage)
}

/// AWS's own list, missing commas included: clients may match on it.
const INVALID_PATH_HELP: &str = "Must be one of: [/deploymentId, /description, /cacheClusterEnabled, /cacheClusterSize, /clientCertificateId, /accessLogSettings, /accessLogSettings/destinationArn, /accessLogSettings/format, /{resourcePath}/{httpMethod}/metrics/enabled, /{resourcePath}/{httpMethod}/logging/dataTrace, /{resourcePath}/{httpMethod}/logging/loglevel, /{resourcePath}/{httpMethod}/throttling/burstLimit/{resourcePath}/{httpMethod}/throttling/rateLimit/{resourcePath}/{httpMethod}/caching/ttlInSeconds, /{resourcePath}/{httpMethod}/caching/enabled, /{resourcePath}/{httpMethod}/caching/dataEncrypted, /{resourcePath}/{httpMethod}/caching/requireAuthorizationForCacheControl, /{resourcePath}/{httpMethod}/caching/unauthorizedCacheControlHeaderStrategy, /*/*/metrics/enabled, /*/*/logging/dataTrace, /*/*/logging/loglevel, /*/*/throttling/burstLimit /*/*/throttling/rateLimit /*/*/caching/ttlInSeconds, /*/*/caching/enabled, /*/*/caching/dataEncrypted, /*/*/caching/requireAuthorizationForCacheControl, /*/*/caching/unauthorizedCacheControlHeaderStrategy, /variables/{variable_name}, /tracingEnabled]";

fn invalid_path(op: &Patch) -> AwsError {
    AwsError::bad_request(format!("Invalid method setting path: {}. {INVALID_PATH_HELP}", op.path))
}

fn default_setting() -> MethodSetting {
    MethodSetting {
        metrics_enabled: Some(false),
        data_trace_enabled: Some(false),
        throttling_burst_limit: Some(5000),
        throttling_rate_limit: Some(10000.0),
        caching_enabled: Some(false),
        cache_ttl_in_seconds: Some(300),
        cache_data_encrypted: Some(false),
        require_authorization_for_cache_control: Some(true),
        unauthorized_cache_control_header_strategy: Some("SUCCEED_WITH_RESPONSE_HEADER".into()),
        logging_level: None,
    }
}

/// A stage's canary as CreateStage or CreateDeployment give it: AWS fills in the stage's
/// deployment, no traffic, and no stage cache.
pub fn new_canary(settings: CanarySettings, deployment_id: &str, quotas: &Quotas) -> Result<CanarySettings, AwsError> {
    let canary = CanarySettings {
        deployment_id: Some(settings.deployment_id.unwrap_or_else(|| deployment_id.to_owned())),
        percent_traffic: Some(settings.percent_traffic.unwrap_or(0.0)),
        stage_variable_overrides: settings.stage_variable_overrides.filter(|v| !v.is_empty()),
        use_stage_cache: Some(settings.use_stage_cache.unwrap_or(false)),
    };
    check_canary(&canary, quotas)?;
    Ok(canary)
}

fn check_canary(canary: &CanarySettings, quotas: &Quotas) -> Result<(), AwsError> {
    let percent = canary.percent_traffic.unwrap_or(0.0);
    if !(0.0..=100.0).contains(&percent) {
        return Err(AwsError::bad_request(format!(
            "Canary traffic percentage must be between 0.0 and 100.0; was {percent}"
        )));
    }
    if let Some(overrides) = &canary.stage_variable_overrides {
        check_variables(quotas, overrides)?;
    }
    Ok(())
}

async fn check_canary_deployment(tx: &mut Tx<'_>, api: &Row, canary: &CanarySettings) -> Result<(), AwsError> {
    let id = canary.deployment_id.as_deref().unwrap_or_default();
    if tx.child(&DEPLOYMENT, api, id).await?.is_none() {
        return Err(AwsError::bad_request("Deployment id does not exist"));
    }
    Ok(())
}

/// `copy` only promotes the canary: its deployment and its variable overrides become the stage's.
fn promote(stage: &mut Stage, op: &Patch) -> Result<(), AwsError> {
    let from = op.from.as_deref().unwrap_or_default();
    let pair = (op.path.as_str(), from);
    if !matches!(
        pair,
        ("/deploymentId", "/canarySettings/deploymentId") | ("/variables", "/canarySettings/stageVariableOverrides")
    ) {
        return Err(AwsError::bad_request(format!(
            "Invalid copy operation with path: {} and from {from}. Valid copy:path are [/deploymentId, /variables] and valid copy:from are [/canarySettings/deploymentId, /canarySettings/stageVariableOverrides]",
            op.path
        )));
    }
    let canary = stage
        .canary_settings
        .as_ref()
        .ok_or_else(|| AwsError::bad_request("Promotion not available. Canary does not exist."))?;
    if op.path == "/deploymentId" {
        stage.deployment_id = canary.deployment_id.clone().or(stage.deployment_id.take());
    } else if let Some(overrides) = canary.stage_variable_overrides.clone() {
        stage.variables.get_or_insert_default().extend(overrides);
    }
    Ok(())
}

/// `/canarySettings/...`: only `replace` sets a part (creating the canary on the stage's
/// deployment when there is none), and only the whole canary or one override is removed.
fn apply_canary(stage: &mut Stage, op: &Patch) -> Result<(), AwsError> {
    let segs = op.segs();
    match (op.op, &segs[1..]) {
        ("remove", []) => {
            stage.canary_settings = None;
            return Ok(());
        }
        ("remove", ["stageVariableOverrides", name]) => {
            let Some(canary) = stage.canary_settings.as_mut() else {
                return Err(AwsError::bad_request(format!(
                    "Cannot remove method setting canarySettings/stageVariableOverrides/{name} because there is no method setting for this method "
                )));
            };
            return patch_map(&mut canary.stage_variable_overrides, op, name, || op.string());
        }
        ("remove", _) => return apply_method_setting(stage, op),
        ("add", [_, ..]) => {
            return Err(AwsError::bad_request(format!(
                "Invalid add operation with path: {}",
                op.path
            )));
        }
        ("replace", ["deploymentId" | "percentTraffic" | "useStageCache"] | ["stageVariableOverrides", _]) => {}
        _ => return Err(invalid_path(op)),
    }
    let deployment_id = stage.deployment_id.clone();
    let canary = stage.canary_settings.get_or_insert(CanarySettings {
        deployment_id,
        percent_traffic: Some(0.0),
        stage_variable_overrides: None,
        use_stage_cache: Some(false),
    });
    match &segs[1..] {
        ["deploymentId"] => canary.deployment_id = Some(op.string()?),
        ["percentTraffic"] => canary.percent_traffic = Some(op.f64()?),
        ["useStageCache"] => canary.use_stage_cache = Some(op.bool()?),
        ["stageVariableOverrides", name] => patch_map(&mut canary.stage_variable_overrides, op, name, || op.string())?,
        _ => unreachable!("checked above"),
    }
    Ok(())
}

fn apply(stage: &mut Stage, op: &Patch) -> Result<(), AwsError> {
    if op.op == "copy" {
        return promote(stage, op);
    }
    match op.segs().as_slice() {
        ["canarySettings", ..] => apply_canary(stage, op)?,
        ["deploymentId"] => stage.deployment_id = Some(op.string()?),
        ["description"] => stage.description = op.optional_string(),
        ["cacheClusterEnabled"] => {
            let enabled = op.bool()?;
            stage.cache_cluster_enabled = Some(enabled);
            stage.cache_cluster_status = Some(if enabled { "AVAILABLE" } else { "NOT_AVAILABLE" }.into());
        }
        ["cacheClusterSize"] => stage.cache_cluster_size = op.optional_string(),
        ["clientCertificateId"] => stage.client_certificate_id = op.optional_string(),
        ["tracingEnabled"] => stage.tracing_enabled = Some(op.bool()?),
        ["documentationVersion"] => stage.documentation_version = op.optional_string(),
        ["variables", name] => patch_map(&mut stage.variables, op, name, || op.string())?,
        ["accessLogSettings"] if op.op == "remove" => stage.access_log_settings = None,
        // Only the whole settings can be removed: AWS treats a sub-path remove as a method setting.
        ["accessLogSettings", field @ ("destinationArn" | "format")] if op.op != "remove" => {
            let value = op.value.clone().filter(|v| !v.is_empty());
            let value = value.ok_or_else(|| AwsError::bad_request("Access Log value must not be empty"))?;
            let settings = stage.access_log_settings.get_or_insert_default();
            match *field {
                "destinationArn" => settings.destination_arn = Some(value),
                _ => settings.format = Some(value),
            }
        }
        ["accessLogSettings", ..] if op.op != "remove" => {
            return Err(AwsError::bad_request(
                "Invalid accessLogSettings path. Must be one of : [/accessLogSettings/destinationArn, /accessLogSettings/format]",
            ));
        }
        _ => apply_method_setting(stage, op)?,
    }
    if stage.variables.as_ref().is_some_and(|v| v.is_empty()) {
        stage.variables = None;
    }
    if let Some(canary) = stage.canary_settings.as_mut()
        && canary.stage_variable_overrides.as_ref().is_some_and(|v| v.is_empty())
    {
        canary.stage_variable_overrides = None;
    }
    Ok(())
}

/// `/{resourcePath}/{httpMethod}/{group}/{setting}`; the key keeps the path as written (`*/*`, `~1pets/GET`).
fn apply_method_setting(stage: &mut Stage, op: &Patch) -> Result<(), AwsError> {
    let raw = op.path.trim_start_matches('/');
    let settings = stage.method_settings.get_or_insert_default();
    let parts: Vec<&str> = raw.split('/').collect();
    if op.op == "remove" && parts.len() == 2 {
        return match settings.remove(raw) {
            Some(_) => Ok(()),
            None => Err(AwsError::bad_request(format!(
                "Cannot remove method setting {raw} because there is no method setting for this method "
            ))),
        };
    }
    if parts.len() != 4 || !matches!(op.op, "replace" | "add") {
        return Err(invalid_path(op));
    }
    let key = format!("{}/{}", parts[0], parts[1]);
    let template = settings.get("*/*").cloned().unwrap_or_else(default_setting);
    let mut setting = settings.get(&key).cloned().unwrap_or(template);
    match (parts[2], parts[3]) {
        ("metrics", "enabled") => setting.metrics_enabled = Some(op.bool()?),
        ("logging", "dataTrace") => setting.data_trace_enabled = Some(op.bool()?),
        ("logging", "loglevel") => {
            let level = op.string()?;
            if !["OFF", "ERROR", "INFO"].contains(&level.as_str()) {
                return Err(AwsError::bad_request(format!(
                    "Logging level must be one of OFF, ERROR, INFO; was {level}"
                )));
            }
            setting.logging_level = Some(level);
        }
        ("throttling", "burstLimit") => setting.throttling_burst_limit = Some(op.i64()?),
        ("throttling", "rateLimit") => setting.throttling_rate_limit = Some(op.f64()?),
        ("caching", "enabled") => setting.caching_enabled = Some(op.bool()?),
        ("caching", "ttlInSeconds") => setting.cache_ttl_in_seconds = Some(op.i64()?),
        ("caching", "dataEncrypted") => setting.cache_data_encrypted = Some(op.bool()?),
        ("caching", "requireAuthorizationForCacheControl") => {
            setting.require_authorization_for_cache_control = Some(op.bool()?)
        }
        ("caching", "unauthorizedCacheControlHeaderStrategy") => {
            setting.unauthorized_cache_control_header_strategy = Some(op.string()?)
        }
        _ => return Err(invalid_path(op)),
    }
    settings.insert(key, setting);
    Ok(())
}

pub async fn delete(store: &Store, ctx: &RequestContext, input: DeleteStageRequest) -> Result<(), AwsError> {
    let api_id = required(input.rest_api_id);
    let name = required(input.stage_name);
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    let stage = tx
        .under(&REST_API, &STAGE, &scope, &api_id, &name)
        .await?
        .ok_or_else(not_found)?;
    tx.delete(&stage.row).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patch(op: &str, path: &str, value: Option<&str>) -> Patch {
        crate::support::patches(
            Some(vec![PatchOperation {
                op: Some(op.into()),
                path: Some(path.into()),
                value: value.map(str::to_string),
                from: None,
            }]),
            "updateStageInput",
        )
        .unwrap()
        .remove(0)
    }

    #[test]
    fn method_settings_start_from_defaults_then_from_star() {
        let mut stage = new_stage("dev".into(), "d1".into());
        apply(&mut stage, &patch("replace", "/*/*/metrics/enabled", Some("true"))).unwrap();
        let all = &stage.method_settings.as_ref().unwrap()["*/*"];
        assert_eq!(all.metrics_enabled, Some(true));
        assert_eq!(all.throttling_burst_limit, Some(5000));
        assert_eq!(all.logging_level, None);
        apply(
            &mut stage,
            &patch("replace", "/~1pets/GET/throttling/rateLimit", Some("5.5")),
        )
        .unwrap();
        let pets = &stage.method_settings.as_ref().unwrap()["~1pets/GET"];
        assert_eq!(pets.throttling_rate_limit, Some(5.5));
        assert_eq!(pets.metrics_enabled, Some(true), "copied from */*");
    }

    #[test]
    fn method_setting_errors() {
        let mut stage = new_stage("dev".into(), "d1".into());
        let err = apply(&mut stage, &patch("remove", "/*/*", None)).unwrap_err();
        assert_eq!(
            err.message,
            "Cannot remove method setting */* because there is no method setting for this method "
        );
        let err = apply(&mut stage, &patch("replace", "/*/*/metrics/bogus", Some("true"))).unwrap_err();
        assert!(
            err.message
                .starts_with("Invalid method setting path: /*/*/metrics/bogus. Must be one of: [")
        );
        let err = apply(&mut stage, &patch("replace", "/*/*/logging/loglevel", Some("LOUD"))).unwrap_err();
        assert_eq!(err.code, "BadRequestException");
    }

    /// test_apigateway_api.snapshot.json, test_stage_access_log_settings_validation.
    #[test]
    fn access_log_paths() {
        let mut stage = new_stage("dev".into(), "d1".into());
        let paths = "Invalid accessLogSettings path. Must be one of : [/accessLogSettings/destinationArn, /accessLogSettings/format]";
        for (op, path) in [
            ("add", "/accessLogSettings/randomValue"),
            ("replace", "/accessLogSettings/*"),
            ("add", "/accessLogSettings"),
        ] {
            assert_eq!(
                apply(&mut stage, &patch(op, path, Some("x"))).unwrap_err().message,
                paths
            );
        }
        let err = apply(&mut stage, &patch("replace", "/accessLogSettings/format", Some(""))).unwrap_err();
        assert_eq!(err.message, "Access Log value must not be empty");
        apply(
            &mut stage,
            &patch("add", "/accessLogSettings/format", Some("$context.requestId")),
        )
        .unwrap();
        assert_eq!(
            stage.access_log_settings.as_ref().unwrap().format.as_deref(),
            Some("$context.requestId")
        );
        let err = apply(&mut stage, &patch("remove", "/accessLogSettings/format", None)).unwrap_err();
        assert_eq!(
            err.message,
            "Cannot remove method setting accessLogSettings/format because there is no method setting for this method "
        );
        apply(&mut stage, &patch("remove", "/accessLogSettings", None)).unwrap();
        assert_eq!(stage.access_log_settings, None);
    }

    #[test]
    fn variables_and_flags() {
        let mut stage = new_stage("dev".into(), "d1".into());
        apply(&mut stage, &patch("replace", "/variables/url", Some("http://x"))).unwrap();
        apply(&mut stage, &patch("replace", "/cacheClusterEnabled", Some("true"))).unwrap();
        assert_eq!(stage.variables.as_ref().unwrap()["url"], "http://x");
        assert_eq!(stage.cache_cluster_status.as_deref(), Some("AVAILABLE"));
        apply(&mut stage, &patch("remove", "/variables/url", None)).unwrap();
        assert_eq!(stage.variables, None);
    }
}
