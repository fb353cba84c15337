//! Usage plans, the API keys attached to them, and their usage: CreateUsagePlan …
//! DeleteUsagePlan, CreateUsagePlanKey … DeleteUsagePlanKey, GetUsage and UpdateUsage.
//!
//! Usage is counted per plan, key and UTC day (`kinds::USAGE`). The data plane, which enforces
//! plans, reads them with [`plans_for_stage`], starts its in-memory quota counters from
//! [`remaining_quota`] and writes its counts behind with [`add_requests`].

use crate::api_keys;
use crate::kinds::{
    API_KEY, HTTP_API, PlanKey, REST_API, STAGE, USAGE, USAGE_PLAN, USAGE_PLAN_KEY, UsageDay, V2_STAGE,
};
use crate::support::{Patch, filtered_page, limit, new_id, patches, position, required, scope};
use portico_store::{List, Row, Scope, Store, StoreError, Stored, Tx};
use portico_wire::apigateway::*;
use portico_wire::types::Timestamp;
use portico_wire::{AwsError, RequestContext};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicI64, Ordering};

pub fn not_found() -> AwsError {
    AwsError::not_found("Invalid Usage Plan ID specified")
}

fn key_not_found() -> AwsError {
    AwsError::not_found("Invalid Usage Plan Key identifier specified")
}

/// AWS's 400 for an `apiStages` value that is not `apiId:stage` (`test_usage_plan_crud`).
fn invalid_api_stage() -> AwsError {
    AwsError::bad_request("Invalid API Stage specified")
}

/// AWS's 404 for an API stage that does not exist or is not in the plan.
fn unknown_api_stage(api_id: &str, stage: &str, plan_id: &str) -> AwsError {
    AwsError::not_found(format!(
        "Invalid API Stage {{api: {api_id}, stage: {stage}}} specified for usageplan {plan_id}"
    ))
}

async fn check_stage(tx: &mut Tx<'_>, scope: &Scope, api_id: &str, stage: &str, plan_id: &str) -> Result<(), AwsError> {
    if tx.under(&REST_API, &STAGE, scope, api_id, stage).await?.is_some() {
        return Ok(());
    }
    // A WebSocket API's stage too (its routes' `apiKeyRequired`); HTTP APIs have no API keys.
    let websocket = tx
        .top(&HTTP_API, scope, api_id)
        .await?
        .is_some_and(|api| api.doc.get("protocolType").and_then(|p| p.as_str()) == Some("WEBSOCKET"));
    if websocket && tx.under(&HTTP_API, &V2_STAGE, scope, api_id, stage).await?.is_some() {
        return Ok(());
    }
    Err(unknown_api_stage(api_id, stage, plan_id))
}

/// AWS shows a quota's offset even when it was not given.
fn quota_with_defaults(quota: Option<QuotaSettings>) -> Option<QuotaSettings> {
    quota.map(|mut q| {
        q.offset.get_or_insert(0);
        q
    })
}

pub async fn create(store: &Store, ctx: &RequestContext, input: CreateUsagePlanRequest) -> Result<UsagePlan, AwsError> {
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    let mut plan = UsagePlan {
        id: None,
        name: input.name,
        description: input.description.filter(|d| !d.is_empty()),
        api_stages: Some(Vec::new()),
        throttle: input.throttle,
        quota: quota_with_defaults(input.quota),
        product_code: None,
        tags: input.tags.filter(|t| !t.is_empty()),
    };
    let id = loop {
        let id = new_id(6);
        plan.id = Some(id.clone());
        match tx.insert_top(&USAGE_PLAN, &scope, &id, &plan).await {
            Err(StoreError::Exists) => continue,
            other => {
                break (other?, id);
            }
        }
    };
    let (row, id) = id;
    for stage in input.api_stages.unwrap_or_default() {
        let api_id = stage.api_id.clone().unwrap_or_default();
        let name = stage.stage.clone().unwrap_or_default();
        if api_id.is_empty() || name.is_empty() {
            return Err(invalid_api_stage());
        }
        check_stage(&mut tx, &scope, &api_id, &name, &id).await?;
        plan.api_stages.get_or_insert_default().push(stage);
    }
    tx.update(&USAGE_PLAN, &row, &plan).await?;
    tx.commit().await?;
    Ok(plan)
}

pub async fn load(store: &Store, ctx: &RequestContext, id: &str) -> Result<Stored<UsagePlan>, AwsError> {
    store.top(&USAGE_PLAN, &scope(ctx), id).await?.ok_or_else(not_found)
}

/// A plan as GetUsagePlan and UpdateUsagePlan answer it: tags always there.
fn single(mut plan: UsagePlan) -> UsagePlan {
    plan.tags.get_or_insert_default();
    plan
}

pub async fn get(store: &Store, ctx: &RequestContext, input: GetUsagePlanRequest) -> Result<UsagePlan, AwsError> {
    Ok(single(load(store, ctx, &required(input.usage_plan_id)).await?.doc))
}

pub async fn list(store: &Store, ctx: &RequestContext, input: GetUsagePlansRequest) -> Result<UsagePlans, AwsError> {
    let scope = scope(ctx);
    let limit = limit(input.limit)?;
    let from = position(input.position.as_deref())?;
    // keyId: only the plans the key is attached to.
    let with_key: Option<BTreeSet<String>> = match input.key_id.filter(|k| !k.is_empty()) {
        None => None,
        Some(key_id) => {
            let mut ids = BTreeSet::new();
            for plan in store.page(&USAGE_PLAN, List::Top(&scope), None, 1_000_000).await?.items {
                if store.child(&USAGE_PLAN_KEY, &plan.row, &key_id).await?.is_some() {
                    ids.insert(plan.doc.id.unwrap_or_default());
                }
            }
            Some(ids)
        }
    };
    let (items, next) = filtered_page(
        store,
        &USAGE_PLAN,
        List::Top(&scope),
        from,
        limit,
        |plan: &UsagePlan| {
            with_key
                .as_ref()
                .is_none_or(|ids| ids.contains(plan.id.as_deref().unwrap_or_default()))
        },
    )
    .await?;
    Ok(UsagePlans {
        position: next,
        items: Some(items.into_iter().map(|p| p.doc).collect()),
    })
}

/// The paths each op takes, as AWS lists them in its 400 (the `remove` list is AWS's, from
/// boto3#2629; the others follow AWS's documentation of UpdateUsagePlan).
fn invalid_path(op: &Patch) -> AwsError {
    let paths = match op.op {
        "remove" => {
            "[/apiStages, /quota, /throttle, /productCode, /apiStages/<apidId:stageName>/throttle/<resourcePath>/<httpMethod>, /apiStages/<apidId:stageName>/throttle]"
        }
        "add" => {
            "[/apiStages, /apiStages/<apidId:stageName>/throttle/<resourcePath>/<httpMethod>/rateLimit, /apiStages/<apidId:stageName>/throttle/<resourcePath>/<httpMethod>/burstLimit]"
        }
        _ => {
            "[/name, /description, /productCode, /throttle/rateLimit, /throttle/burstLimit, /quota/limit, /quota/period, /quota/offset, /apiStages/<apidId:stageName>/throttle/<resourcePath>/<httpMethod>/rateLimit, /apiStages/<apidId:stageName>/throttle/<resourcePath>/<httpMethod>/burstLimit]"
        }
    };
    AwsError::bad_request(format!(
        "Invalid patch path  '{}' specified for op '{}'. Must be one of: {paths}",
        op.path, op.op
    ))
}

/// `apiId:stage`, or AWS's 400.
fn split_api_stage(value: Option<&str>) -> Result<(String, String), AwsError> {
    let value = value.ok_or_else(invalid_api_stage)?;
    match value.split_once(':') {
        Some((api, stage)) if !api.is_empty() && !stage.is_empty() => Ok((api.to_string(), stage.to_string())),
        _ => Err(invalid_api_stage()),
    }
}

fn quota_period(value: &str) -> Result<String, AwsError> {
    match value {
        "DAY" | "WEEK" | "MONTH" => Ok(value.to_string()),
        _ => Err(AwsError::bad_request(format!(
            "Invalid quota period '{value}'. Must be one of: [DAY, WEEK, MONTH]"
        ))),
    }
}

/// Sets `rateLimit` or `burstLimit` of a throttle.
fn set_throttle(throttle: &mut ThrottleSettings, leaf: &str, op: &Patch) -> Result<(), AwsError> {
    match leaf {
        "rateLimit" => throttle.rate_limit = Some(op.f64()?),
        "burstLimit" => throttle.burst_limit = Some(op.i64()?),
        _ => return Err(invalid_path(op)),
    }
    Ok(())
}

async fn apply(tx: &mut Tx<'_>, scope: &Scope, plan: &mut UsagePlan, op: &Patch) -> Result<(), AwsError> {
    let plan_id = plan.id.clone().unwrap_or_default();
    match (op.op, op.segs().as_slice()) {
        ("replace", ["name"]) => {
            let name = op.string()?;
            if name.trim().is_empty() {
                return Err(AwsError::bad_request("Usage Plan name cannot be blank"));
            }
            plan.name = Some(name);
        }
        ("replace", ["description"]) => plan.description = op.optional_string(),
        ("replace" | "remove", ["productCode"]) => plan.product_code = op.optional_string(),
        ("replace", ["throttle", leaf]) => {
            let mut throttle = plan.throttle.take().unwrap_or_default();
            set_throttle(&mut throttle, leaf, op)?;
            plan.throttle = Some(throttle);
        }
        ("remove", ["throttle"]) => plan.throttle = None,
        ("replace", ["quota", leaf]) => {
            let mut quota = plan.quota.take().unwrap_or_default();
            match *leaf {
                "limit" => quota.limit = Some(op.i64()?),
                "offset" => quota.offset = Some(op.i64()?),
                "period" => quota.period = Some(quota_period(&op.string()?)?),
                _ => return Err(invalid_path(op)),
            }
            plan.quota = quota_with_defaults(Some(quota));
        }
        ("remove", ["quota"]) => plan.quota = None,
        ("add", ["apiStages"]) => {
            let (api_id, stage) = split_api_stage(op.value.as_deref())?;
            check_stage(tx, scope, &api_id, &stage, &plan_id).await?;
            let stages = plan.api_stages.get_or_insert_default();
            if !stages.iter().any(|s| same_stage(s, &api_id, &stage)) {
                stages.push(ApiStage {
                    api_id: Some(api_id),
                    stage: Some(stage),
                    throttle: None,
                });
            }
        }
        ("remove", ["apiStages"]) => {
            let (api_id, stage) = split_api_stage(op.value.as_deref())?;
            let stages = plan.api_stages.get_or_insert_default();
            let before = stages.len();
            stages.retain(|s| !same_stage(s, &api_id, &stage));
            if stages.len() == before {
                return Err(unknown_api_stage(&api_id, &stage, &plan_id));
            }
        }
        // Per-method throttles: /apiStages/{apiId}:{stage}/throttle[/{resourcePath}/{method}[/{leaf}]],
        // the resource path escaped (`~1pets`) or, as Terraform sends it, raw
        // (`throttle//pets/{id}/GET/rateLimit`): its segments are joined back.
        (_, ["apiStages", api_stage, "throttle", rest @ ..]) => {
            let (api_id, stage) = split_api_stage(Some(*api_stage))?;
            let entry = plan
                .api_stages
                .get_or_insert_default()
                .iter_mut()
                .find(|s| same_stage(s, &api_id, &stage))
                .ok_or_else(|| unknown_api_stage(&api_id, &stage, &plan_id))?;
            match (op.op, rest) {
                ("remove", []) => entry.throttle = None,
                ("remove", [path @ .., method]) if !path.is_empty() => {
                    if let Some(map) = entry.throttle.as_mut() {
                        map.remove(&format!("{}/{method}", path.join("/")));
                    }
                }
                ("add" | "replace", [path @ .., method, leaf]) if !path.is_empty() => {
                    let map = entry.throttle.get_or_insert_default();
                    let throttle = map.entry(format!("{}/{method}", path.join("/"))).or_default();
                    set_throttle(throttle, leaf, op)?;
                }
                _ => return Err(invalid_path(op)),
            }
            if entry.throttle.as_ref().is_some_and(BTreeMap::is_empty) {
                entry.throttle = None;
            }
        }
        _ => return Err(invalid_path(op)),
    }
    Ok(())
}

fn same_stage(s: &ApiStage, api_id: &str, stage: &str) -> bool {
    s.api_id.as_deref() == Some(api_id) && s.stage.as_deref() == Some(stage)
}

pub async fn update(store: &Store, ctx: &RequestContext, input: UpdateUsagePlanRequest) -> Result<UsagePlan, AwsError> {
    let id = required(input.usage_plan_id);
    let ops = patches(input.patch_operations, "updateUsagePlanInput")?;
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    let Stored { row, doc: mut plan } = tx.top(&USAGE_PLAN, &scope, &id).await?.ok_or_else(not_found)?;
    for op in &ops {
        apply(&mut tx, &scope, &mut plan, op).await?;
    }
    tx.update(&USAGE_PLAN, &row, &plan).await?;
    tx.commit().await?;
    Ok(single(plan))
}

pub async fn delete(store: &Store, ctx: &RequestContext, input: DeleteUsagePlanRequest) -> Result<(), AwsError> {
    let id = required(input.usage_plan_id);
    let mut tx = store.write().await?;
    let plan = tx.top(&USAGE_PLAN, &scope(ctx), &id).await?.ok_or_else(not_found)?;
    // AWS refuses while the plan still covers a stage (aws-sdk-js#3841).
    if let Some(stage) = plan.doc.api_stages.iter().flatten().next() {
        return Err(AwsError::bad_request(format!(
            "Cannot delete Usage Plan {id} because there are API Stages associated with it, including {}:{}",
            stage.api_id.as_deref().unwrap_or_default(),
            stage.stage.as_deref().unwrap_or_default()
        )));
    }
    // Its keys and usage go with it.
    tx.delete(&plan.row).await?;
    tx.commit().await?;
    Ok(())
}

/// Every plan of the scope.
pub async fn all_plans(tx: &mut Tx<'_>, scope: &Scope) -> Result<Vec<Stored<UsagePlan>>, AwsError> {
    Ok(tx.page(&USAGE_PLAN, List::Top(scope), None, 1_000_000).await?.items)
}

/// Attaches a key to the plan whose row is `plan`; false when it already was.
pub async fn attach(tx: &mut Tx<'_>, plan: &Row, key_id: &str) -> Result<bool, AwsError> {
    let link = PlanKey {
        key_id: key_id.to_string(),
        key_type: "API_KEY".into(),
    };
    match tx.insert(&USAGE_PLAN_KEY, plan, key_id, &link).await {
        Err(StoreError::Exists) => Ok(false),
        other => {
            other?;
            Ok(true)
        }
    }
}

fn plan_key(key: &ApiKey) -> UsagePlanKey {
    UsagePlanKey {
        id: key.id.clone(),
        r#type: Some("API_KEY".into()),
        value: key.value.clone(),
        name: key.name.clone(),
    }
}

pub async fn create_key(
    store: &Store,
    ctx: &RequestContext,
    input: CreateUsagePlanKeyRequest,
) -> Result<UsagePlanKey, AwsError> {
    let plan_id = required(input.usage_plan_id);
    let key_id = required(input.key_id);
    if input.key_type.as_deref() != Some("API_KEY") {
        return Err(AwsError::bad_request("Invalid key type specified"));
    }
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    let plan = tx.top(&USAGE_PLAN, &scope, &plan_id).await?.ok_or_else(not_found)?;
    let key = tx
        .top(&API_KEY, &scope, &key_id)
        .await?
        .ok_or_else(api_keys::not_found)?;
    // A key may not be in two plans that share an API stage: the data plane could not tell
    // which plan's limits apply.
    let stages = plan.doc.api_stages.clone().unwrap_or_default();
    for other in all_plans(&mut tx, &scope).await? {
        if other.doc.id == plan.doc.id || tx.child(&USAGE_PLAN_KEY, &other.row, &key_id).await?.is_none() {
            continue;
        }
        for shared in other.doc.api_stages.iter().flatten() {
            let (api, stage) = (
                shared.api_id.as_deref().unwrap_or_default(),
                shared.stage.as_deref().unwrap_or_default(),
            );
            if stages.iter().any(|s| same_stage(s, api, stage)) {
                return Err(AwsError::conflict(format!(
                    "Usage Plan {plan_id} cannot be added because API Key {key_id} cannot reference multiple Usage Plans with the same API Stage: {api}:{stage}"
                )));
            }
        }
    }
    if !attach(&mut tx, &plan.row, &key_id).await? {
        return Err(AwsError::conflict(format!(
            "Usage Plan {plan_id} already contains API Key {key_id}"
        )));
    }
    tx.commit().await?;
    Ok(plan_key(&key.doc))
}

pub async fn get_key(
    store: &Store,
    ctx: &RequestContext,
    input: GetUsagePlanKeyRequest,
) -> Result<UsagePlanKey, AwsError> {
    let plan = load(store, ctx, &required(input.usage_plan_id)).await?;
    let key_id = required(input.key_id);
    // An unknown key is named as such before its absence from the plan.
    let key = api_keys::load(store, ctx, &key_id).await?;
    store
        .child(&USAGE_PLAN_KEY, &plan.row, &key_id)
        .await?
        .ok_or_else(key_not_found)?;
    Ok(plan_key(&key.doc))
}

pub async fn list_keys(
    store: &Store,
    ctx: &RequestContext,
    input: GetUsagePlanKeysRequest,
) -> Result<UsagePlanKeys, AwsError> {
    let limit = limit(input.limit)?;
    let from = position(input.position.as_deref())?;
    let scope = scope(ctx);
    // An unknown plan has no keys: AWS answers an empty list (`get-up-keys-bad-usage-plan`).
    let Some(plan) = store.top(&USAGE_PLAN, &scope, &required(input.usage_plan_id)).await? else {
        return Ok(UsagePlanKeys {
            position: None,
            items: Some(Vec::new()),
        });
    };
    let keys: BTreeMap<String, ApiKey> = store
        .page(&API_KEY, List::Top(&scope), None, 1_000_000)
        .await?
        .items
        .into_iter()
        .map(|k| (k.doc.id.clone().unwrap_or_default(), k.doc))
        .collect();
    let query = input.name_query.filter(|q| !q.is_empty());
    let (items, next) = filtered_page(
        store,
        &USAGE_PLAN_KEY,
        List::Children(&plan.row),
        from,
        limit,
        |link: &PlanKey| {
            keys.get(&link.key_id).is_some_and(|key| {
                query
                    .as_deref()
                    .is_none_or(|q| key.name.as_deref().unwrap_or_default().starts_with(q))
            })
        },
    )
    .await?;
    Ok(UsagePlanKeys {
        position: next,
        items: Some(items.iter().map(|link| plan_key(&keys[&link.doc.key_id])).collect()),
    })
}

pub async fn delete_key(store: &Store, ctx: &RequestContext, input: DeleteUsagePlanKeyRequest) -> Result<(), AwsError> {
    let plan_id = required(input.usage_plan_id);
    let key_id = required(input.key_id);
    let mut tx = store.write().await?;
    let plan = tx
        .top(&USAGE_PLAN, &scope(ctx), &plan_id)
        .await?
        .ok_or_else(not_found)?;
    let link = tx
        .child(&USAGE_PLAN_KEY, &plan.row, &key_id)
        .await?
        .ok_or_else(key_not_found)?;
    tx.delete(&link.row).await?;
    tx.commit().await?;
    Ok(())
}

// ---- Days, UTC, as days since 1970-01-01.

/// `yyyy-MM-dd` → days since the epoch.
fn parse_day(text: &str) -> Option<i64> {
    let mut parts = text.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d): (i64, i64, i64) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Howard Hinnant's days_from_civil.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

fn format_day(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Milliseconds the test clock (`--test-clock`) has been moved on. Quota days follow it, so a
/// test reaches tomorrow's quota without waiting; process-wide, as the test clock is.
static TEST_CLOCK_SHIFT_MS: AtomicI64 = AtomicI64::new(0);

/// Moves quota days on with the test clock.
pub fn shift_quota_days(by: std::time::Duration) {
    let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
    TEST_CLOCK_SHIFT_MS.fetch_add(by, Ordering::Relaxed);
}

/// The quota day (days since 1970-01-01, UTC) it is now.
pub fn today() -> i64 {
    let shift = TEST_CLOCK_SHIFT_MS.load(Ordering::Relaxed);
    (Timestamp::now().0 * 1000).saturating_add(shift).div_euclid(86_400_000)
}

/// The first day of the quota period `day` is in: the day itself (DAY), the last weekday
/// `offset` (WEEK, 0 = Sunday), or day `offset + 1` of the month (MONTH).
fn period_start(quota: &QuotaSettings, day: i64) -> i64 {
    let offset = quota.offset.unwrap_or(0);
    match quota.period.as_deref() {
        Some("WEEK") => {
            // 1970-01-01 was a Thursday (4).
            let weekday = (day + 4).rem_euclid(7);
            day - (weekday - offset.rem_euclid(7)).rem_euclid(7)
        }
        Some("MONTH") => {
            let (y, m, d) = civil_from_days(day);
            let first = offset.clamp(0, 27) + 1;
            if d >= first {
                days_from_civil(y, m, first)
            } else if m == 1 {
                days_from_civil(y - 1, 12, first)
            } else {
                days_from_civil(y, m - 1, first)
            }
        }
        _ => day,
    }
}

fn usage_id(key_id: &str, day: i64) -> String {
    format!("{key_id}:{}", format_day(day))
}

/// (used that day, remaining at its end) for each day of `days`, from the key's counters.
fn usage_rows(
    quota: Option<&QuotaSettings>,
    counters: &BTreeMap<i64, UsageDay>,
    days: std::ops::RangeInclusive<i64>,
) -> Vec<Vec<i64>> {
    days.map(|day| {
        let used = counters.get(&day).map_or(0, |c| c.used);
        let remaining = remaining_on(quota, counters, day).unwrap_or(0);
        vec![used, remaining]
    })
    .collect()
}

/// Remaining quota at the end of `day`; None without a quota.
fn remaining_on(quota: Option<&QuotaSettings>, counters: &BTreeMap<i64, UsageDay>, day: i64) -> Option<i64> {
    let quota = quota?;
    let spent: i64 = counters
        .range(period_start(quota, day)..=day)
        .map(|(_, c)| c.used - c.credit)
        .sum();
    Some(quota.limit.unwrap_or(0) - spent)
}

/// The counters of one key under a plan, by day.
async fn counters(store: &Store, plan: &Row, key_id: &str) -> Result<BTreeMap<i64, UsageDay>, AwsError> {
    Ok(store
        .children(&USAGE, plan)
        .await?
        .into_iter()
        .filter(|c| c.doc.key_id == key_id)
        .filter_map(|c| Some((parse_day(&c.doc.day)?, c.doc)))
        .collect())
}

pub async fn usage(store: &Store, ctx: &RequestContext, input: GetUsageRequest) -> Result<Usage, AwsError> {
    let plan_id = required(input.usage_plan_id);
    let start_text = required(input.start_date);
    let end_text = required(input.end_date);
    let plan = load(store, ctx, &plan_id).await?;
    let start = parse_day(&start_text).ok_or_else(|| AwsError::bad_request("Invalid start date"))?;
    let end = parse_day(&end_text).ok_or_else(|| AwsError::bad_request("Invalid end date"))?;
    if end < start {
        return Err(AwsError::bad_request("The end date must not be before the start date"));
    }
    let key_ids: Vec<String> = match input.key_id.filter(|k| !k.is_empty()) {
        Some(key_id) => vec![key_id],
        None => store
            .children(&USAGE_PLAN_KEY, &plan.row)
            .await?
            .into_iter()
            .map(|l| l.doc.key_id)
            .collect(),
    };
    let mut items = BTreeMap::new();
    for key_id in key_ids {
        let counters = counters(store, &plan.row, &key_id).await?;
        items.insert(key_id, usage_rows(plan.doc.quota.as_ref(), &counters, start..=end));
    }
    Ok(Usage {
        usage_plan_id: Some(plan_id),
        start_date: Some(start_text),
        end_date: Some(end_text),
        position: None,
        items: Some(items),
    })
}

pub async fn update_usage(store: &Store, ctx: &RequestContext, input: UpdateUsageRequest) -> Result<Usage, AwsError> {
    let plan_id = required(input.usage_plan_id);
    let key_id = required(input.key_id);
    let ops = patches(input.patch_operations, "updateUsageInput")?;
    let scope = scope(ctx);
    let day = today();
    let mut tx = store.write().await?;
    let plan = tx.top(&USAGE_PLAN, &scope, &plan_id).await?.ok_or_else(not_found)?;
    if tx.child(&USAGE_PLAN_KEY, &plan.row, &key_id).await?.is_none() {
        return Err(key_not_found());
    }
    for op in &ops {
        match (op.op, op.segs().as_slice()) {
            ("replace", ["keys", key, "remaining"]) if *key == key_id => {
                let wanted = op.i64()?;
                let all: BTreeMap<i64, UsageDay> = tx
                    .children(&USAGE, &plan.row)
                    .await?
                    .into_iter()
                    .filter(|c| c.doc.key_id == key_id)
                    .filter_map(|c| Some((parse_day(&c.doc.day)?, c.doc)))
                    .collect();
                let now = remaining_on(plan.doc.quota.as_ref(), &all, day).unwrap_or(0);
                // Today's counter absorbs the difference.
                add_to_day(&mut tx, &plan.row, &key_id, day, 0, wanted - now).await?;
            }
            _ => {
                return Err(AwsError::bad_request(format!(
                    "Invalid patch path  '{}' specified for op '{}'. Must be one of: [/keys/{key_id}/remaining]",
                    op.path, op.op
                )));
            }
        }
    }
    tx.commit().await?;
    let mut answer = usage(
        store,
        ctx,
        GetUsageRequest {
            usage_plan_id: Some(plan_id),
            key_id: Some(key_id),
            start_date: Some(format_day(day)),
            end_date: Some(format_day(day)),
            position: None,
            limit: None,
        },
    )
    .await?;
    answer.start_date = None;
    answer.end_date = None;
    Ok(answer)
}

/// Adds `used` requests and `credit` to a key's counter of `day` under a plan.
async fn add_to_day(
    tx: &mut Tx<'_>,
    plan: &Row,
    key_id: &str,
    day: i64,
    used: i64,
    credit: i64,
) -> Result<(), AwsError> {
    let id = usage_id(key_id, day);
    match tx.child(&USAGE, plan, &id).await? {
        Some(Stored { row, doc: mut counter }) => {
            counter.used += used;
            counter.credit += credit;
            tx.update(&USAGE, &row, &counter).await?;
        }
        None => {
            let counter = UsageDay {
                key_id: key_id.to_string(),
                day: format_day(day),
                used,
                credit,
            };
            tx.insert(&USAGE, plan, &id, &counter).await?;
        }
    }
    Ok(())
}

// ---- For the data plane.

/// A usage plan that covers one stage, as the data plane enforces it.
#[derive(Debug, Clone, Default)]
pub struct CoveringPlan {
    pub plan_id: String,
    /// The plan's throttle for every method of the stage.
    pub throttle: Option<ThrottleSettings>,
    /// Per-method throttles of this stage, keyed `{resourcePath}/{HTTP method}` (`/pets/GET`).
    pub method_throttle: BTreeMap<String, ThrottleSettings>,
    pub quota: Option<QuotaSettings>,
    /// The plan's enabled API keys: value → key id.
    pub keys: BTreeMap<String, String>,
}

/// The usage plans that list (`api_id`, `stage`) in their API stages, each with its limits
/// and its enabled keys. A request with key value `v` is under the plan whose `keys` holds `v`
/// (CreateUsagePlanKey keeps a key out of two plans sharing a stage); none means 403.
/// Read per request or cached: every change to keys and plans commits through the store, so
/// `Store::on_commit` (kinds `apikey` and `usageplan`) tells when a cache is stale.
pub async fn plans_for_stage(
    store: &Store,
    scope: &Scope,
    api_id: &str,
    stage: &str,
) -> Result<Vec<CoveringPlan>, AwsError> {
    let keys: BTreeMap<String, ApiKey> = store
        .page(&API_KEY, List::Top(scope), None, 1_000_000)
        .await?
        .items
        .into_iter()
        .map(|k| (k.doc.id.clone().unwrap_or_default(), k.doc))
        .collect();
    let mut covering = Vec::new();
    for plan in store.page(&USAGE_PLAN, List::Top(scope), None, 1_000_000).await?.items {
        let Some(entry) = plan
            .doc
            .api_stages
            .iter()
            .flatten()
            .find(|s| same_stage(s, api_id, stage))
        else {
            continue;
        };
        let mut enabled = BTreeMap::new();
        for link in store.children(&USAGE_PLAN_KEY, &plan.row).await? {
            if let Some(key) = keys.get(&link.doc.key_id).filter(|k| k.enabled == Some(true)) {
                enabled.insert(key.value.clone().unwrap_or_default(), link.doc.key_id);
            }
        }
        covering.push(CoveringPlan {
            plan_id: plan.doc.id.clone().unwrap_or_default(),
            throttle: plan.doc.throttle.clone(),
            method_throttle: entry.throttle.clone().unwrap_or_default(),
            quota: plan.doc.quota.clone(),
            keys: enabled,
        });
    }
    Ok(covering)
}

/// Adds `n` requests of `key_id` under `plan_id` to today's (UTC) usage, unchecked: the data
/// plane counts and checks in memory and writes its counts behind, in batches. A plan deleted
/// meanwhile takes its counts with it.
pub async fn add_requests(store: &Store, scope: &Scope, plan_id: &str, key_id: &str, n: i64) -> Result<(), AwsError> {
    let mut tx = store.write().await?;
    let Some(plan) = tx.top(&USAGE_PLAN, scope, plan_id).await? else {
        return Ok(());
    };
    add_to_day(&mut tx, &plan.row, key_id, today(), n, 0).await?;
    tx.commit().await?;
    Ok(())
}

/// The quota `key_id` has left under `plan_id` today, without counting a request.
pub async fn remaining_quota(
    store: &Store,
    scope: &Scope,
    plan_id: &str,
    key_id: &str,
) -> Result<Option<i64>, AwsError> {
    let plan = store.top(&USAGE_PLAN, scope, plan_id).await?.ok_or_else(not_found)?;
    let counters = counters(store, &plan.row, key_id).await?;
    Ok(remaining_on(plan.doc.quota.as_ref(), &counters, today()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::{REST_API, STAGE};

    #[tokio::test]
    async fn what_the_data_plane_reads_and_counts() {
        let store = Store::open(None).await.unwrap();
        let ctx = RequestContext {
            account: "123456789012".into(),
            region: "us-east-1".into(),
            request_id: "r".into(),
        };
        let scope = scope(&ctx);
        let mut tx = store.write().await.unwrap();
        let api = RestApi {
            id: Some("api1".into()),
            ..Default::default()
        };
        let row = tx.insert_top(&REST_API, &scope, "api1", &api).await.unwrap();
        tx.insert(&STAGE, &row, "dev", &Stage::default()).await.unwrap();
        tx.commit().await.unwrap();

        let plan = create(
            &store,
            &ctx,
            CreateUsagePlanRequest {
                name: Some("p".into()),
                api_stages: Some(vec![ApiStage {
                    api_id: Some("api1".into()),
                    stage: Some("dev".into()),
                    throttle: None,
                }]),
                throttle: Some(ThrottleSettings {
                    burst_limit: Some(5),
                    rate_limit: Some(10.0),
                }),
                quota: Some(QuotaSettings {
                    limit: Some(2),
                    offset: None,
                    period: Some("DAY".into()),
                }),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let plan_id = plan.id.clone().unwrap();
        let mut ids = Vec::new();
        for enabled in [true, false] {
            let key = crate::api_keys::create(
                &store,
                &ctx,
                CreateApiKeyRequest {
                    enabled: Some(enabled),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
            create_key(
                &store,
                &ctx,
                CreateUsagePlanKeyRequest {
                    usage_plan_id: Some(plan_id.clone()),
                    key_id: key.id.clone(),
                    key_type: Some("API_KEY".into()),
                },
            )
            .await
            .unwrap();
            ids.push((key.id.unwrap(), key.value.unwrap()));
        }

        let covering = plans_for_stage(&store, &scope, "api1", "dev").await.unwrap();
        assert_eq!(covering.len(), 1);
        assert_eq!(covering[0].plan_id, plan_id);
        assert_eq!(covering[0].throttle.as_ref().unwrap().burst_limit, Some(5));
        // Only the enabled key opens the stage.
        assert_eq!(covering[0].keys.len(), 1);
        assert_eq!(covering[0].keys[&ids[0].1], ids[0].0);
        assert!(
            plans_for_stage(&store, &scope, "api1", "prod")
                .await
                .unwrap()
                .is_empty()
        );

        let key_id = &ids[0].0;
        add_requests(&store, &scope, &plan_id, key_id, 1).await.unwrap();
        assert_eq!(
            remaining_quota(&store, &scope, &plan_id, key_id).await.unwrap(),
            Some(1)
        );
        add_requests(&store, &scope, &plan_id, key_id, 1).await.unwrap();
        assert_eq!(
            remaining_quota(&store, &scope, &plan_id, key_id).await.unwrap(),
            Some(0)
        );
        let day = format_day(today());
        let usage = usage(
            &store,
            &ctx,
            GetUsageRequest {
                usage_plan_id: Some(plan_id.clone()),
                start_date: Some(day.clone()),
                end_date: Some(day),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let items = usage.items.unwrap();
        assert_eq!(items[key_id], [vec![2, 0]]);
        assert_eq!(items[&ids[1].0], [vec![0, 2]]);
    }

    #[test]
    fn days_round_trip() {
        assert_eq!(parse_day("1970-01-01"), Some(0));
        assert_eq!(parse_day("2024-02-29").map(format_day).as_deref(), Some("2024-02-29"));
        assert_eq!(parse_day("2023-02-29"), None);
        assert_eq!(parse_day("2024-1-01"), None);
        let day = parse_day("2026-11-29").unwrap();
        assert_eq!(format_day(day), "2026-11-29");
    }

    #[test]
    fn quota_periods() {
        let quota = |period: &str, offset| QuotaSettings {
            limit: Some(10),
            offset: Some(offset),
            period: Some(period.into()),
        };
        // 2026-11-29 is a Sunday.
        let sunday = parse_day("2026-11-29").unwrap();
        assert_eq!(period_start(&quota("DAY", 0), sunday), sunday);
        assert_eq!(period_start(&quota("WEEK", 0), sunday), sunday);
        assert_eq!(format_day(period_start(&quota("WEEK", 1), sunday)), "2026-11-23");
        assert_eq!(format_day(period_start(&quota("MONTH", 0), sunday)), "2026-11-01");
        let early = parse_day("2026-01-03").unwrap();
        assert_eq!(format_day(period_start(&quota("MONTH", 4), early)), "2025-12-05");
    }

    #[test]
    fn remaining_counts_the_period() {
        let quota = QuotaSettings {
            limit: Some(10),
            offset: Some(0),
            period: Some("WEEK".into()),
        };
        let monday = parse_day("2026-11-30").unwrap();
        let mut counters = BTreeMap::new();
        for (day, used, credit) in [(monday - 2, 5, 0), (monday, 3, 0), (monday + 1, 1, 2)] {
            counters.insert(
                day,
                UsageDay {
                    key_id: "k".into(),
                    day: format_day(day),
                    used,
                    credit,
                },
            );
        }
        // The Saturday before belongs to the previous week.
        let rows = usage_rows(Some(&quota), &counters, monday..=monday + 2);
        assert_eq!(rows, [vec![3, 7], vec![1, 8], vec![0, 8]]);
    }
}
