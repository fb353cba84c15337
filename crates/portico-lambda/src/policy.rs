//! AddPermission, RemovePermission and GetPolicy: the function's resource policy. Statements
//! are kept with the function; a qualifier selects those whose `Resource` names it.

use crate::functions::{load, load_in};
use crate::kinds::FUNCTION;
use crate::names::{self, conflict, function_arn, not_found, qualified_arn};
use crate::support::revision;
use portico_store::Store;
use portico_wire::lambda::*;
use portico_wire::{AwsError, RequestContext};
use serde_json::{Value, json};

fn principal(given: &str) -> Value {
    if given == "*" {
        json!("*")
    } else if given.ends_with(".amazonaws.com") || given.ends_with(".amazonaws.com.cn") {
        json!({ "Service": given })
    } else if given.len() == 12 && given.chars().all(|c| c.is_ascii_digit()) {
        json!({ "AWS": format!("arn:aws:iam::{given}:root") })
    } else {
        json!({ "AWS": given })
    }
}

/// The ARN a statement's `Resource` names: the function, or one of its versions or aliases.
fn resource_arn(ctx: &RequestContext, function: &names::FunctionRef) -> String {
    match function.qualifier.as_deref() {
        None => function_arn(ctx, &function.name),
        Some(q) => qualified_arn(ctx, &function.name, q),
    }
}

/// The policy's own revision (GetPolicy's `RevisionId`), when the caller gives one.
fn check_policy_revision(given: Option<&str>, doc: &crate::kinds::FunctionDoc) -> Result<(), AwsError> {
    crate::functions::check_revision(given, Some(doc.policy_revision.as_str()).filter(|r| !r.is_empty()))
}

fn policy_not_found() -> AwsError {
    not_found("No policy is associated with the given resource.")
}

pub async fn add(
    store: &Store,
    ctx: &RequestContext,
    input: AddPermissionRequest,
) -> Result<AddPermissionResponse, AwsError> {
    let function = names::given(ctx, input.function_name, input.qualifier.as_deref())?;
    let mut tx = store.write().await?;
    let mut stored = load_in(&mut tx, ctx, &function.name).await?;
    check_policy_revision(input.revision_id.as_deref(), &stored.doc)?;
    let resource = resource_arn(ctx, &function);
    let sid = input.statement_id.unwrap_or_default();
    if stored.doc.policy.iter().any(|s| s["Sid"] == sid.as_str()) {
        return Err(conflict(
            "The statement id (sid) provided already exists. Please provide a new statement id, or remove the existing statement.",
        ));
    }
    let mut statement = json!({
        "Sid": sid,
        "Effect": "Allow",
        "Principal": principal(&input.principal.unwrap_or_default()),
        "Action": input.action.unwrap_or_default(),
        "Resource": resource,
    });
    let mut condition = serde_json::Map::new();
    if let Some(account) = input.source_account {
        condition.insert("StringEquals".into(), json!({ "AWS:SourceAccount": account }));
    }
    if let Some(org) = input.principal_org_id {
        condition.insert("StringEquals".into(), json!({ "aws:PrincipalOrgID": org }));
    }
    if let Some(token) = input.event_source_token {
        condition.insert("StringEquals".into(), json!({ "lambda:EventSourceToken": token }));
    }
    if let Some(arn) = input.source_arn {
        condition.insert("ArnLike".into(), json!({ "AWS:SourceArn": arn }));
    }
    if let Some(auth) = input.function_url_auth_type {
        condition.insert("StringEquals".into(), json!({ "lambda:FunctionUrlAuthType": auth }));
    }
    if !condition.is_empty() {
        statement["Condition"] = Value::Object(condition);
    }
    stored.doc.policy.push(statement.clone());
    stored.doc.policy_revision = revision();
    tx.update(&FUNCTION, &stored.row, &stored.doc).await?;
    tx.commit().await?;
    Ok(AddPermissionResponse {
        statement: Some(statement.to_string()),
    })
}

pub async fn remove(store: &Store, ctx: &RequestContext, input: RemovePermissionRequest) -> Result<(), AwsError> {
    let function = names::given(ctx, input.function_name, input.qualifier.as_deref())?;
    let sid = input.statement_id.unwrap_or_default();
    let mut tx = store.write().await?;
    let mut stored = load_in(&mut tx, ctx, &function.name).await?;
    check_policy_revision(input.revision_id.as_deref(), &stored.doc)?;
    if stored.doc.policy.is_empty() {
        return Err(policy_not_found());
    }
    let before = stored.doc.policy.len();
    stored.doc.policy.retain(|s| s["Sid"] != sid.as_str());
    if stored.doc.policy.len() == before {
        return Err(not_found(format!("Statement {sid} is not found in resource policy.")));
    }
    stored.doc.policy_revision = revision();
    tx.update(&FUNCTION, &stored.row, &stored.doc).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn get(store: &Store, ctx: &RequestContext, input: GetPolicyRequest) -> Result<GetPolicyResponse, AwsError> {
    let function = names::given(ctx, input.function_name, input.qualifier.as_deref())?;
    let stored = load(store, ctx, &function.name).await?;
    let resource = resource_arn(ctx, &function);
    let statements: Vec<&Value> = stored
        .doc
        .policy
        .iter()
        .filter(|s| s["Resource"] == resource.as_str())
        .collect();
    if statements.is_empty() {
        return Err(policy_not_found());
    }
    let policy = json!({ "Version": "2012-10-17", "Id": "default", "Statement": statements });
    Ok(GetPolicyResponse {
        policy: Some(policy.to_string()),
        revision_id: Some(stored.doc.policy_revision.clone()),
    })
}
