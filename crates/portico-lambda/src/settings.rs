//! Per-function settings the SDKs and Terraform read on every refresh: reserved concurrency,
//! the code signing configuration (never set here) and the runtime management configuration.

use crate::functions::{load, load_in};
use crate::kinds::FUNCTION;
use crate::names::{self, function_arn, invalid};
use portico_store::Store;
use portico_wire::lambda::*;
use portico_wire::{AwsError, RequestContext};

/// The function these operations name: unqualified, as Lambda requires.
fn unqualified(ctx: &RequestContext, given: Option<String>) -> Result<String, AwsError> {
    let function = names::given(ctx, given, None)?;
    if function.qualifier.is_some() {
        return Err(invalid(
            "This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN.",
        ));
    }
    Ok(function.name)
}

pub async fn put_concurrency(
    store: &Store,
    ctx: &RequestContext,
    input: PutFunctionConcurrencyRequest,
) -> Result<Concurrency, AwsError> {
    let name = unqualified(ctx, input.function_name)?;
    let reserved = input.reserved_concurrent_executions.unwrap_or_default();
    if reserved < 0 {
        return Err(AwsError::validation(format!(
            "1 validation error detected: Value '{reserved}' at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 0"
        )));
    }
    let mut tx = store.write().await?;
    let mut function = load_in(&mut tx, ctx, &name).await?;
    function.doc.reserved_concurrency = Some(reserved);
    tx.update(&FUNCTION, &function.row, &function.doc).await?;
    tx.commit().await?;
    Ok(Concurrency {
        reserved_concurrent_executions: Some(reserved),
    })
}

pub async fn get_concurrency(
    store: &Store,
    ctx: &RequestContext,
    input: GetFunctionConcurrencyRequest,
) -> Result<GetFunctionConcurrencyResponse, AwsError> {
    let name = unqualified(ctx, input.function_name)?;
    // Without a reservation Lambda answers an empty object.
    Ok(GetFunctionConcurrencyResponse {
        reserved_concurrent_executions: load(store, ctx, &name).await?.doc.reserved_concurrency,
    })
}

pub async fn delete_concurrency(
    store: &Store,
    ctx: &RequestContext,
    input: DeleteFunctionConcurrencyRequest,
) -> Result<(), AwsError> {
    let name = unqualified(ctx, input.function_name)?;
    let mut tx = store.write().await?;
    let mut function = load_in(&mut tx, ctx, &name).await?;
    if function.doc.reserved_concurrency.take().is_some() {
        tx.update(&FUNCTION, &function.row, &function.doc).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Portico has no code signing configurations: Lambda answers an empty ARN for a function
/// without one.
pub async fn get_code_signing(
    store: &Store,
    ctx: &RequestContext,
    input: GetFunctionCodeSigningConfigRequest,
) -> Result<GetFunctionCodeSigningConfigResponse, AwsError> {
    let name = unqualified(ctx, input.function_name)?;
    load(store, ctx, &name).await?;
    Ok(GetFunctionCodeSigningConfigResponse {
        code_signing_config_arn: Some(String::new()),
        function_name: Some(name),
    })
}

/// Runtimes are never updated under a function here, which is Lambda's default `Auto` mode as
/// far as a caller can tell.
pub async fn get_runtime_management(
    store: &Store,
    ctx: &RequestContext,
    input: GetRuntimeManagementConfigRequest,
) -> Result<GetRuntimeManagementConfigResponse, AwsError> {
    let function = names::given(ctx, input.function_name, input.qualifier.as_deref())?;
    let (_, config, _) = crate::functions::resolve(store, ctx, &function).await?;
    Ok(GetRuntimeManagementConfigResponse {
        update_runtime_on: Some("Auto".into()),
        runtime_version_arn: None,
        function_arn: Some(config.function_arn.unwrap_or_else(|| function_arn(ctx, &function.name))),
    })
}
