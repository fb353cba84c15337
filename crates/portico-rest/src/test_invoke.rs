//! TestInvokeMethod: the API's configuration as it is now, handed to the data plane (which
//! runs the chain) through the hook the binary wires.

use crate::kinds::DeploymentSnapshot;
use crate::support::{required, scope};
use crate::{deployments, restapis};
use portico_store::Store;
use portico_wire::apigateway::TestInvokeMethodRequest;
use portico_wire::{AwsError, RequestContext};

/// What a deployment made now would freeze (read in a transaction that is never committed).
pub async fn current(store: &Store, ctx: &RequestContext, api_id: &str) -> Result<DeploymentSnapshot, AwsError> {
    let mut tx = store.write().await?;
    let api = restapis::load_in(&mut tx, ctx, &scope(ctx), api_id).await?;
    deployments::freeze(&mut tx, api.doc, &api.row).await
}

/// The resource and method must exist, as AWS checks before running anything.
pub fn check(snapshot: &DeploymentSnapshot, input: &TestInvokeMethodRequest) -> Result<(), AwsError> {
    let resource_id = required(input.resource_id.clone());
    let http_method = required(input.http_method.clone());
    let resource = snapshot
        .resources
        .iter()
        .find(|r| r.id.as_deref() == Some(resource_id.as_str()))
        .ok_or_else(|| AwsError::not_found("Invalid Resource identifier specified"))?;
    let has_method = resource
        .resource_methods
        .iter()
        .flatten()
        .any(|(name, _)| name.eq_ignore_ascii_case(&http_method));
    if !has_method {
        return Err(AwsError::not_found("Invalid Method identifier specified"));
    }
    Ok(())
}
