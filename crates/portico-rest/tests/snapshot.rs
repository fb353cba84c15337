//! A deployment's snapshot holds the API's models, request validators and customised gateway
//! responses, which the data plane serves; nothing on the wire shows them, so the store is read.

use portico_rest::kinds::{DEPLOYMENT, REST_API, SNAPSHOT};
use portico_rest::{Quotas, RestControlPlane};
use portico_store::{Scope, Store};
use portico_wire::RequestContext;
use portico_wire::apigateway::*;
use std::collections::BTreeMap;

#[tokio::test]
async fn deployments_snapshot_models_validators_and_customised_responses() {
    let store = Store::open(None).await.unwrap();
    let rest = RestControlPlane::new(store.clone(), Quotas::default());
    let ctx = RequestContext {
        account: "000000000000".into(),
        region: "us-east-1".into(),
        request_id: "test".into(),
    };
    let api = rest
        .create_rest_api(
            &ctx,
            CreateRestApiRequest {
                name: Some("snap".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let (api_id, root) = (api.id.clone().unwrap(), api.root_resource_id.clone().unwrap());
    let validator = rest
        .create_request_validator(
            &ctx,
            CreateRequestValidatorRequest {
                rest_api_id: Some(api_id.clone()),
                name: Some("body".into()),
                validate_request_body: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    rest.put_gateway_response(
        &ctx,
        PutGatewayResponseRequest {
            rest_api_id: Some(api_id.clone()),
            response_type: Some("BAD_REQUEST_BODY".into()),
            status_code: Some("422".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    rest.put_method(
        &ctx,
        PutMethodRequest {
            rest_api_id: Some(api_id.clone()),
            resource_id: Some(root.clone()),
            http_method: Some("POST".into()),
            authorization_type: Some("NONE".into()),
            request_validator_id: validator.id.clone(),
            request_models: Some(BTreeMap::from([("application/json".into(), "Empty".into())])),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    rest.put_integration(
        &ctx,
        PutIntegrationRequest {
            rest_api_id: Some(api_id.clone()),
            resource_id: Some(root),
            http_method: Some("POST".into()),
            r#type: Some("MOCK".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let deployment = rest
        .create_deployment(
            &ctx,
            CreateDeploymentRequest {
                rest_api_id: Some(api_id.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    let id = deployment.id.unwrap();
    let scope = Scope {
        account: ctx.account.clone(),
        region: ctx.region.clone(),
    };
    let row = store
        .under(&REST_API, &DEPLOYMENT, &scope, &api_id, &id)
        .await
        .unwrap()
        .unwrap()
        .row;
    let snapshot = store.child(&SNAPSHOT, &row, &id).await.unwrap().unwrap().doc;
    let names: Vec<_> = snapshot.models.iter().filter_map(|m| m.name.as_deref()).collect();
    assert_eq!(names, ["Empty", "Error"]);
    assert_eq!(snapshot.request_validators.len(), 1);
    assert_eq!(snapshot.request_validators[0].id, validator.id);
    assert_eq!(snapshot.gateway_responses.len(), 1, "only the customised one");
    assert_eq!(snapshot.gateway_responses[0].status_code.as_deref(), Some("422"));
}
