//! GetAccount/UpdateAccount: the account's API Gateway settings in a region. Nothing is
//! stored until the first update; AWS's defaults fill what is not.

use crate::kinds::ACCOUNT;
use crate::support::{patches, scope};
use portico_store::Store;
use portico_wire::apigateway::*;
use portico_wire::{AwsError, RequestContext};

const ID: &str = "account";

/// AWS's answer for an account nobody configured.
fn defaults(mut account: Account) -> Account {
    account.throttle_settings.get_or_insert(ThrottleSettings {
        burst_limit: Some(5000),
        rate_limit: Some(10000.0),
    });
    account.features.get_or_insert_with(|| vec!["UsagePlans".into()]);
    account.api_key_version.get_or_insert_with(|| "4".into());
    account
}

pub async fn get(store: &Store, ctx: &RequestContext, _input: GetAccountRequest) -> Result<Account, AwsError> {
    let stored = store.top(&ACCOUNT, &scope(ctx), ID).await?;
    Ok(defaults(stored.map(|a| a.doc).unwrap_or_default()))
}

pub async fn update(store: &Store, ctx: &RequestContext, input: UpdateAccountRequest) -> Result<Account, AwsError> {
    let ops = patches(input.patch_operations, "updateAccountInput")?;
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    let stored = tx.top(&ACCOUNT, &scope, ID).await?;
    let mut account = stored.as_ref().map(|a| a.doc.clone()).unwrap_or_default();
    for op in &ops {
        match (op.op, op.segs().as_slice()) {
            ("replace", ["cloudwatchRoleArn"]) => account.cloudwatch_role_arn = op.optional_string(),
            _ => return Err(op.invalid_path(&["/cloudwatchRoleArn"])),
        }
    }
    match stored {
        Some(stored) => tx.update(&ACCOUNT, &stored.row, &account).await?,
        None => {
            tx.insert_top(&ACCOUNT, &scope, ID, &account).await?;
        }
    }
    tx.commit().await?;
    Ok(defaults(account))
}
