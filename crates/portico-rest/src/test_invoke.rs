//! TestInvokeMethod: the API's configuration as it is now, handed to the data plane (which
//! runs the chain) through the hook the binary wires.

use crate::kinds::{AUTHORIZER, DeploymentSnapshot, RESOURCE};
use crate::restapis;
use crate::support::required;
use portico_store::Store;
use portico_wire::apigateway::TestInvokeMethodRequest;
use portico_wire::{AwsError, RequestContext};

/// What a deployment made now would freeze (without saving it).
pub async fn current(store: &Store, ctx: &RequestContext, api_id: &str) -> Result<DeploymentSnapshot, AwsError> {
    let api = restapis::load(store, ctx, api_id).await?;
    let resources = store
        .in_tree(&RESOURCE, &api.row)
        .await?
        .into_iter()
        .map(|r| r.doc)
        .collect();
    let authorizers = store
        .in_tree(&AUTHORIZER, &api.row)
        .await?
        .into_iter()
        .map(|a| a.doc)
        .collect();
    Ok(DeploymentSnapshot {
        api: api.doc,
        resources,
        authorizers,
        ..Default::default()
    })
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
