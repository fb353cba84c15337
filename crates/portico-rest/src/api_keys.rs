//! API keys: CreateApiKey … DeleteApiKey and ImportApiKeys. A key's value is unique in its
//! account and region; it is stored with the key and shown only when asked for.

use crate::kinds::{API_KEY, REST_API, STAGE, USAGE_PLAN, USAGE_PLAN_KEY};
use crate::support::{Patch, filtered_page, new_id, patches, position, required, scope};
use portico_store::{List, Scope, Store, StoreError, Stored, Tx};
use portico_wire::apigateway::*;
use portico_wire::types::Timestamp;
use portico_wire::{AwsError, RequestContext};
use rand::Rng;

pub fn not_found() -> AwsError {
    AwsError::not_found("Invalid API Key identifier specified")
}

/// AWS's limits, with its messages (LocalStack's `test_apigateway_extended` snapshots).
const MAX_NAME: usize = 1024;
const MAX_DESCRIPTION: usize = 125_000;

fn check_name(name: &str) -> Result<(), AwsError> {
    if name.chars().count() > MAX_NAME {
        return Err(AwsError::bad_request(
            "Invalid API Key name, can be at most 1024 characters.",
        ));
    }
    Ok(())
}

fn check_description(description: &str) -> Result<(), AwsError> {
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(AwsError::bad_request("Invalid API Key description specified."));
    }
    Ok(())
}

fn check_value(value: &str) -> Result<(), AwsError> {
    let len = value.chars().count();
    if len < 20 {
        return Err(AwsError::bad_request("API Key value should be at least 20 characters"));
    }
    if len > 128 {
        return Err(AwsError::bad_request(
            "API Key value exceeds maximum size of 128 characters",
        ));
    }
    Ok(())
}

fn duplicate() -> AwsError {
    AwsError::conflict("API Key already exists")
}

/// A value as AWS generates them: 40 letters and digits.
fn generate_value() -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..40)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

/// Whether a key of the scope already has `value`.
async fn value_taken(tx: &mut Tx<'_>, scope: &Scope, value: &str) -> Result<bool, AwsError> {
    Ok(tx.count_matching(&API_KEY, List::Top(scope), "$.value", value).await? > 0)
}

/// `restApiId/stageName`, checked to name an existing stage.
async fn stage_key(tx: &mut Tx<'_>, scope: &Scope, api_id: &str, stage: &str) -> Result<String, AwsError> {
    if tx.under(&REST_API, &STAGE, scope, api_id, stage).await?.is_none() {
        return Err(crate::stages::not_found());
    }
    Ok(format!("{api_id}/{stage}"))
}

/// Inserts `key` under a fresh id, which it returns filled in.
async fn insert(tx: &mut Tx<'_>, scope: &Scope, key: &mut ApiKey) -> Result<(), AwsError> {
    loop {
        let id = new_id(10);
        key.id = Some(id.clone());
        match tx.insert_top(&API_KEY, scope, &id, &*key).await {
            Err(StoreError::Exists) => continue,
            other => {
                other?;
                return Ok(());
            }
        }
    }
}

pub async fn create(store: &Store, ctx: &RequestContext, input: CreateApiKeyRequest) -> Result<ApiKey, AwsError> {
    let name = input.name.filter(|n| !n.is_empty());
    if let Some(name) = &name {
        check_name(name)?;
    }
    if let Some(description) = &input.description {
        check_description(description)?;
    }
    // An empty value asks for a generated one, as no value does.
    let value = match input.value.filter(|v| !v.is_empty()) {
        Some(value) => {
            check_value(&value)?;
            value
        }
        None => generate_value(),
    };
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    if value_taken(&mut tx, &scope, &value).await? {
        return Err(duplicate());
    }
    let mut stage_keys = Vec::new();
    for key in input.stage_keys.unwrap_or_default() {
        let api_id = key.rest_api_id.unwrap_or_default();
        let stage = key.stage_name.unwrap_or_default();
        stage_keys.push(stage_key(&mut tx, &scope, &api_id, &stage).await?);
    }
    let now = Timestamp::now();
    let mut key = ApiKey {
        id: None,
        value: Some(value),
        name,
        customer_id: input.customer_id.filter(|c| !c.is_empty()),
        description: input.description.filter(|d| !d.is_empty()),
        enabled: Some(input.enabled.unwrap_or(false)),
        created_date: Some(now),
        last_updated_date: Some(now),
        stage_keys: Some(stage_keys),
        tags: input.tags.filter(|t| !t.is_empty()),
    };
    insert(&mut tx, &scope, &mut key).await?;
    tx.commit().await?;
    Ok(key)
}

/// The key or AWS's 404 for it, value included.
pub async fn load(store: &Store, ctx: &RequestContext, id: &str) -> Result<Stored<ApiKey>, AwsError> {
    store.top(&API_KEY, &scope(ctx), id).await?.ok_or_else(not_found)
}

/// A key as GetApiKey and UpdateApiKey answer it: tags always there, the value if asked.
fn single(mut key: ApiKey, include_value: bool) -> ApiKey {
    if !include_value {
        key.value = None;
    }
    key.tags.get_or_insert_default();
    key
}

pub async fn get(store: &Store, ctx: &RequestContext, input: GetApiKeyRequest) -> Result<ApiKey, AwsError> {
    let key = load(store, ctx, &required(input.api_key)).await?.doc;
    Ok(single(key, input.include_value.unwrap_or(false)))
}

pub async fn list(store: &Store, ctx: &RequestContext, input: GetApiKeysRequest) -> Result<ApiKeys, AwsError> {
    // AWS answers a limit out of range with a default page rather than an error (limit=-1
    // in LocalStack's `test_negative_get_usage_plan_api_keys` snapshot).
    let limit = crate::support::limit(input.limit).unwrap_or(25);
    let name_query = input.name_query.filter(|q| !q.is_empty());
    let customer = input.customer_id.filter(|c| !c.is_empty());
    let scope = scope(ctx);
    let (items, next) = filtered_page(
        store,
        &API_KEY,
        List::Top(&scope),
        position(input.position.as_deref())?,
        limit,
        |key: &ApiKey| {
            // nameQuery is a case-sensitive prefix.
            name_query
                .as_deref()
                .is_none_or(|q| key.name.as_deref().unwrap_or_default().starts_with(q))
                && customer
                    .as_deref()
                    .is_none_or(|c| key.customer_id.as_deref() == Some(c))
        },
    )
    .await?;
    let include = input.include_values.unwrap_or(false);
    Ok(ApiKeys {
        warnings: None,
        position: next,
        items: Some(
            items
                .into_iter()
                .map(|k| {
                    let mut key = k.doc;
                    if !include {
                        key.value = None;
                    }
                    key
                })
                .collect(),
        ),
    })
}

const PATHS: &str = "[/description, /enabled, /name, /customerId]";

fn invalid_path(op: &Patch) -> AwsError {
    AwsError::bad_request(format!(
        "Invalid patch path  '{}' specified for op '{}'. Must be one of: {PATHS}",
        op.path, op.op
    ))
}

async fn apply(tx: &mut Tx<'_>, scope: &Scope, key: &mut ApiKey, op: &Patch) -> Result<(), AwsError> {
    match (op.op, op.segs().as_slice()) {
        ("replace", ["name"]) => {
            let name = op.value.clone().unwrap_or_default();
            check_name(&name)?;
            key.name = Some(name).filter(|n| !n.is_empty());
        }
        ("replace", ["description"]) => {
            let description = op.value.clone().unwrap_or_default();
            check_description(&description)?;
            key.description = Some(description).filter(|d| !d.is_empty());
        }
        // AWS reads anything but "true" as false (`test_update_api_key_invalid_enabled_type`).
        ("replace", ["enabled"]) => {
            key.enabled = Some(op.value.as_deref().is_some_and(|v| v.eq_ignore_ascii_case("true")));
        }
        ("replace", ["customerId"]) => key.customer_id = op.value.clone().filter(|c| !c.is_empty()),
        ("add" | "remove", ["stages"]) => {
            let value = op.value.clone().unwrap_or_default();
            let Some((api_id, stage)) = value.split_once('/') else {
                return Err(AwsError::bad_request(format!("Invalid stage key specified: {value}")));
            };
            let stages = key.stage_keys.get_or_insert_default();
            if op.op == "add" {
                let stage_key = stage_key(tx, scope, api_id, stage).await?;
                if !stages.contains(&stage_key) {
                    stages.push(stage_key);
                }
            } else {
                stages.retain(|s| *s != value);
            }
        }
        _ => return Err(invalid_path(op)),
    }
    Ok(())
}

pub async fn update(store: &Store, ctx: &RequestContext, input: UpdateApiKeyRequest) -> Result<ApiKey, AwsError> {
    let id = required(input.api_key);
    let ops = patches(input.patch_operations, "updateApiKeyInput")?;
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    let Stored { row, doc: mut key } = tx.top(&API_KEY, &scope, &id).await?.ok_or_else(not_found)?;
    for op in &ops {
        apply(&mut tx, &scope, &mut key, op).await?;
    }
    key.last_updated_date = Some(Timestamp::now());
    tx.update(&API_KEY, &row, &key).await?;
    tx.commit().await?;
    Ok(single(key, false))
}

pub async fn delete(store: &Store, ctx: &RequestContext, input: DeleteApiKeyRequest) -> Result<(), AwsError> {
    let id = required(input.api_key);
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    let key = tx.top(&API_KEY, &scope, &id).await?.ok_or_else(not_found)?;
    // The key leaves every plan it was in (`get-up-keys-after-delete` is empty on AWS).
    detach_everywhere(&mut tx, &scope, &id).await?;
    tx.delete(&key.row).await?;
    tx.commit().await?;
    Ok(())
}

/// Removes the key from every usage plan of the scope.
async fn detach_everywhere(tx: &mut Tx<'_>, scope: &Scope, key_id: &str) -> Result<(), AwsError> {
    for plan in crate::usage_plans::all_plans(tx, scope).await? {
        if let Some(link) = tx.child(&USAGE_PLAN_KEY, &plan.row, key_id).await? {
            tx.delete(&link.row).await?;
        }
    }
    Ok(())
}

/// One CSV record: fields split on commas outside double or single quotes.
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quote: Option<char> = None;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) if c == q => {
                // A doubled quote inside quotes is a literal one.
                if chars.peek() == Some(&q) {
                    field.push(q);
                    chars.next();
                } else {
                    quote = None;
                }
            }
            Some(_) => field.push(c),
            None if (c == '"' || c == '\'') && field.trim().is_empty() => {
                field.clear();
                quote = Some(c);
            }
            None if c == ',' => fields.push(std::mem::take(&mut field).trim().to_string()),
            None => field.push(c),
        }
    }
    fields.push(field.trim().to_string());
    fields
}

/// One key of an import file.
struct Imported {
    name: String,
    value: String,
    description: String,
    enabled: bool,
    plans: Vec<String>,
}

/// A line of the file (1-based) and its key, or the warning it gave.
type Line = (usize, Result<Imported, String>);

/// Parses AWS's API key file: a header naming `Name` and `Key` (any case, any order) and
/// optionally `Description`, `Enabled`, `UsagePlanIds`; other columns are ignored.
fn parse_csv(text: &str) -> Result<Vec<Line>, AwsError> {
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Err(AwsError::bad_request("Invalid API key file: it has no header"));
    };
    let header: Vec<String> = csv_fields(header).iter().map(|h| h.to_ascii_lowercase()).collect();
    let column = |name: &str| header.iter().position(|h| h == name);
    let (Some(name_col), Some(key_col)) = (column("name"), column("key")) else {
        return Err(AwsError::bad_request(
            "Invalid API key file: the header must name the Name and Key columns",
        ));
    };
    let (description_col, enabled_col, plans_col) = (column("description"), column("enabled"), column("usageplanids"));
    Ok(lines
        .map(|(index, line)| {
            let fields = csv_fields(line);
            let get = |col: Option<usize>| col.and_then(|c| fields.get(c)).cloned().unwrap_or_default();
            let row = index + 1;
            let value = get(Some(key_col));
            let name = get(Some(name_col));
            let checked = check_value(&value)
                .and_then(|_| check_name(&name))
                .map_err(|e| format!("Line {row}: {}", e.message))
                .map(|_| {
                    let enabled = get(enabled_col);
                    Imported {
                        name,
                        value,
                        description: get(description_col),
                        // Missing or empty means true, as AWS documents.
                        enabled: enabled.is_empty() || enabled.eq_ignore_ascii_case("true"),
                        plans: get(plans_col)
                            .split(',')
                            .map(str::trim)
                            .filter(|p| !p.is_empty())
                            .map(str::to_string)
                            .collect(),
                    }
                });
            (row, checked)
        })
        .collect())
}

pub async fn import(store: &Store, ctx: &RequestContext, input: ImportApiKeysRequest) -> Result<ApiKeyIds, AwsError> {
    let body = input.body.map(|b| b.0).unwrap_or_default();
    let text = String::from_utf8(body).map_err(|_| AwsError::bad_request("Invalid API key file: not UTF-8"))?;
    let fail_on_warnings = input.fail_on_warnings.unwrap_or(false);
    let rows = parse_csv(&text)?;
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    let mut ids = Vec::new();
    let mut warnings = Vec::new();
    for (row, parsed) in rows {
        let imported = match parsed {
            Ok(imported) => imported,
            Err(warning) if fail_on_warnings => return Err(AwsError::bad_request(warning)),
            Err(warning) => {
                warnings.push(warning);
                continue;
            }
        };
        let mut plans = Vec::new();
        for plan_id in &imported.plans {
            match tx.top(&USAGE_PLAN, &scope, plan_id).await? {
                Some(plan) => plans.push(plan),
                None => {
                    let warning = format!("Line {row}: Invalid Usage Plan ID specified: {plan_id}");
                    if fail_on_warnings {
                        return Err(AwsError::bad_request(warning));
                    }
                    warnings.push(warning);
                }
            }
        }
        let now = Timestamp::now();
        // The same value imported again overwrites the key that has it, as AWS documents.
        let existing = find_by_value(&mut tx, &scope, &imported.value).await?;
        let id = match existing {
            Some(Stored { row, doc: mut key }) => {
                key.name = Some(imported.name).filter(|n| !n.is_empty());
                key.description = Some(imported.description).filter(|d| !d.is_empty());
                key.enabled = Some(imported.enabled);
                key.last_updated_date = Some(now);
                tx.update(&API_KEY, &row, &key).await?;
                key.id.unwrap_or_default()
            }
            None => {
                let mut key = ApiKey {
                    value: Some(imported.value),
                    name: Some(imported.name).filter(|n| !n.is_empty()),
                    description: Some(imported.description).filter(|d| !d.is_empty()),
                    enabled: Some(imported.enabled),
                    created_date: Some(now),
                    last_updated_date: Some(now),
                    stage_keys: Some(Vec::new()),
                    ..Default::default()
                };
                insert(&mut tx, &scope, &mut key).await?;
                key.id.unwrap_or_default()
            }
        };
        for plan in plans {
            crate::usage_plans::attach(&mut tx, &plan.row, &id).await?;
        }
        ids.push(id);
    }
    tx.commit().await?;
    Ok(ApiKeyIds {
        ids: Some(ids),
        warnings: Some(warnings),
    })
}

async fn find_by_value(tx: &mut Tx<'_>, scope: &Scope, value: &str) -> Result<Option<Stored<ApiKey>>, AwsError> {
    if !value_taken(tx, scope, value).await? {
        return Ok(None);
    }
    Ok(all_keys(tx, scope)
        .await?
        .into_iter()
        .find(|k| k.doc.value.as_deref() == Some(value)))
}

/// Every key of the scope.
pub async fn all_keys(tx: &mut Tx<'_>, scope: &Scope) -> Result<Vec<Stored<ApiKey>>, AwsError> {
    Ok(tx.page(&API_KEY, List::Top(scope), None, 1_000_000).await?.items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_records_with_quotes() {
        assert_eq!(csv_fields("a,b , c"), ["a", "b", "c"]);
        assert_eq!(csv_fields("true,k,\"p1,p2\""), ["true", "k", "p1,p2"]);
        assert_eq!(csv_fields("'x,y',z"), ["x,y", "z"]);
        assert_eq!(csv_fields("\"a \"\"q\"\"\",b"), ["a \"q\"", "b"]);
    }

    #[test]
    fn key_files() {
        let rows = parse_csv(
            "Name,key,description,Enabled,usageplanIds\nfirst,apikey1234abcdefghij0123456789,An imported key,FALSE,\"p1,p2\"\nshort,abc\n",
        )
        .unwrap();
        let first = rows[0].1.as_ref().unwrap();
        assert_eq!(first.name, "first");
        assert!(!first.enabled);
        assert_eq!(first.plans, ["p1", "p2"]);
        assert!(rows[1].1.is_err());
        assert!(parse_csv("name,description\nx,y").is_err());
        let rows = parse_csv("KEY,NAME\napikey1234abcdefghij0123456789,n").unwrap();
        assert!(rows[0].1.as_ref().unwrap().enabled);
    }

    #[test]
    fn generated_values() {
        let value = generate_value();
        assert_eq!(value.len(), 40);
        assert!(value.chars().all(|c| c.is_ascii_alphanumeric()));
    }
}
