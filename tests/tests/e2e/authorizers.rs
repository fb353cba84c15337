//! The authorizer control plane through the AWS SDK: defaults, pages, patches, AWS's errors,
//! the 409 for an authorizer a method still uses, the cascade with its API, and the quota.

use crate::harness::Portico;
use crate::patch;
use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::operation::create_authorizer::builders::CreateAuthorizerFluentBuilder;
use aws_sdk_apigateway::types::{AuthorizerType, Op};

const URI: &str = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations";
const POOL: &str = "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_abc";
const POOL2: &str = "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_def";

/// A valid TOKEN authorizer's CreateAuthorizer, for the cases that change one thing of it.
fn create_token(client: &Client, api: &str, name: &str) -> CreateAuthorizerFluentBuilder {
    client
        .create_authorizer()
        .rest_api_id(api)
        .name(name)
        .r#type(AuthorizerType::Token)
        .authorizer_uri(URI)
        .identity_source("method.request.header.Authorization")
}

async fn token_authorizer(client: &Client, api: &str, name: &str) -> String {
    create_token(client, api, name)
        .send()
        .await
        .unwrap()
        .id()
        .unwrap()
        .to_string()
}

/// The status and the SDK's error of a failed call.
macro_rules! failure {
    ($call:expr) => {{
        let err = $call.await.unwrap_err();
        let status = err.raw_response().map(|r| r.status().as_u16());
        (status, err.into_service_error())
    }};
}

#[tokio::test]
async fn authorizers_as_aws_answers_them() {
    let portico = Portico::start();
    let client = portico.sdk();
    let api = client.create_rest_api().name("auth").send().await.unwrap();
    let (api, root) = (
        api.id().unwrap().to_string(),
        api.root_resource_id().unwrap().to_string(),
    );

    // Defaults: authType from the type, no TTL until one is set, as AWS answers.
    let token = create_token(&client, &api, "token")
        .identity_source("method.request.header.Auth")
        .send()
        .await
        .unwrap();
    assert_eq!(token.auth_type(), Some("custom"));
    assert_eq!(token.identity_source(), Some("method.request.header.Auth"));
    assert_eq!(token.authorizer_result_ttl_in_seconds(), None);
    assert_eq!(token.id().unwrap().len(), 6);
    let cognito = client
        .create_authorizer()
        .rest_api_id(&api)
        .name("users")
        .r#type(AuthorizerType::CognitoUserPools)
        .provider_arns(POOL)
        .identity_source("method.request.header.Authorization")
        .send()
        .await
        .unwrap();
    assert_eq!(cognito.auth_type(), Some("cognito_user_pools"));
    assert_eq!(cognito.provider_arns(), [POOL]);
    // A REQUEST authorizer may go without identity sources only with caching off.
    let (status, err) = failure!(
        client
            .create_authorizer()
            .rest_api_id(&api)
            .name("request")
            .r#type(AuthorizerType::Request)
            .authorizer_uri(URI)
            .send()
    );
    assert_eq!(status, Some(400));
    assert!(err.is_bad_request_exception(), "{err:?}");
    let request = client
        .create_authorizer()
        .rest_api_id(&api)
        .name("request")
        .r#type(AuthorizerType::Request)
        .authorizer_uri(URI)
        .authorizer_result_ttl_in_seconds(0)
        .send()
        .await
        .unwrap();
    assert_eq!(request.authorizer_result_ttl_in_seconds(), Some(0));

    // Bad input is AWS's 400 with the reason.
    let (status, err) = failure!(
        create_token(&client, &api, "bad")
            .authorizer_uri("arn:aws:lambda:us-east-1:000000000000:function:auth")
            .send()
    );
    assert_eq!(status, Some(400));
    assert!(
        err.meta().message().unwrap().starts_with("Invalid Authorizer URI: "),
        "{err:?}"
    );
    let (status, err) = failure!(
        create_token(&client, &api, "bad")
            .identity_source("method.request.querystring.token")
            .send()
    );
    assert_eq!(status, Some(400));
    assert!(
        err.meta()
            .message()
            .unwrap()
            .starts_with("Invalid token source expression"),
        "{err:?}"
    );
    let (status, _) = failure!(
        create_token(&client, &api, "bad")
            .authorizer_result_ttl_in_seconds(3601)
            .send()
    );
    assert_eq!(status, Some(400));
    // AWS answers a create under a missing API with 409, and a read with 404 (recorded).
    let (status, err) = failure!(create_token(&client, "nosuchapi", "x").send());
    assert_eq!(status, Some(409));
    assert_eq!(
        err.meta().message(),
        Some("Unable to complete operation due to concurrent modification. Please try again later.")
    );
    let (status, _) = failure!(client.get_authorizers().rest_api_id("nosuchapi").send());
    assert_eq!(status, Some(404));
    let (status, err) = failure!(client.get_authorizer().rest_api_id(&api).authorizer_id("nope00").send());
    assert_eq!(status, Some(404));
    assert_eq!(err.meta().message(), Some("Invalid Authorizer identifier specified"));

    // Pages in creation order, with a position token.
    let first = client
        .get_authorizers()
        .rest_api_id(&api)
        .limit(2)
        .send()
        .await
        .unwrap();
    let names: Vec<_> = first.items().iter().filter_map(|a| a.name()).collect();
    assert_eq!(names, ["token", "users"]);
    let rest = client
        .get_authorizers()
        .rest_api_id(&api)
        .limit(2)
        .position(first.position().expect("a next page"))
        .send()
        .await
        .unwrap();
    let names: Vec<_> = rest.items().iter().filter_map(|a| a.name()).collect();
    assert_eq!(names, ["request"]);
    assert_eq!(rest.position(), None);

    // Patches: scalars, the TTL as text, provider ARNs added and removed by path.
    let token_id = token.id().unwrap();
    let updated = client
        .update_authorizer()
        .rest_api_id(&api)
        .authorizer_id(token_id)
        .patch_operations(patch(Op::Replace, "/name", Some("renamed")))
        .patch_operations(patch(Op::Replace, "/authorizerResultTtlInSeconds", Some("60")))
        .patch_operations(patch(Op::Replace, "/identityValidationExpression", Some("^Bearer .+$")))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.name(), Some("renamed"));
    assert_eq!(updated.authorizer_result_ttl_in_seconds(), Some(60));
    assert_eq!(updated.identity_validation_expression(), Some("^Bearer .+$"));
    let cognito_id = cognito.id().unwrap();
    let updated = client
        .update_authorizer()
        .rest_api_id(&api)
        .authorizer_id(cognito_id)
        .patch_operations(patch(Op::Add, &format!("/providerARNs/{POOL2}"), None))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.provider_arns(), [POOL, POOL2]);
    let updated = client
        .update_authorizer()
        .rest_api_id(&api)
        .authorizer_id(cognito_id)
        .patch_operations(patch(Op::Remove, &format!("/providerARNs/{POOL}"), None))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.provider_arns(), [POOL2]);
    // A patch that would leave it invalid changes nothing.
    let (status, _) = failure!(
        client
            .update_authorizer()
            .rest_api_id(&api)
            .authorizer_id(token_id)
            .patch_operations(patch(Op::Replace, "/name", Some("kept")))
            .patch_operations(patch(Op::Replace, "/authorizerResultTtlInSeconds", Some("7200")))
            .send()
    );
    assert_eq!(status, Some(400));
    let (status, _) = failure!(
        client
            .update_authorizer()
            .rest_api_id(&api)
            .authorizer_id(token_id)
            .patch_operations(patch(Op::Replace, "/nosuchfield", Some("x")))
            .send()
    );
    assert_eq!(status, Some(400));
    let read = client
        .get_authorizer()
        .rest_api_id(&api)
        .authorizer_id(token_id)
        .send()
        .await
        .unwrap();
    assert_eq!(read.name(), Some("renamed"));
    assert_eq!(read.authorizer_result_ttl_in_seconds(), Some(60));

    // A method naming it keeps it: 409 until the method lets go (AWS writes `GET//test` for
    // `/test`, so `GET//` for the root).
    client
        .put_method()
        .rest_api_id(&api)
        .resource_id(&root)
        .http_method("GET")
        .authorization_type("CUSTOM")
        .authorizer_id(token_id)
        .send()
        .await
        .unwrap();
    let (status, err) = failure!(
        client
            .delete_authorizer()
            .rest_api_id(&api)
            .authorizer_id(token_id)
            .send()
    );
    assert_eq!(status, Some(409));
    assert_eq!(
        err.meta().message(),
        Some("Cannot delete authorizer 'renamed', is referenced in method: GET//")
    );
    // A method may not name an authorizer that is not there.
    let (status, _) = failure!(
        client
            .put_method()
            .rest_api_id(&api)
            .resource_id(&root)
            .http_method("POST")
            .authorization_type("CUSTOM")
            .authorizer_id("nope00")
            .send()
    );
    assert_eq!(status, Some(400));
    client
        .delete_method()
        .rest_api_id(&api)
        .resource_id(&root)
        .http_method("GET")
        .send()
        .await
        .unwrap();
    client
        .delete_authorizer()
        .rest_api_id(&api)
        .authorizer_id(token_id)
        .send()
        .await
        .unwrap();
    let (status, _) = failure!(client.get_authorizer().rest_api_id(&api).authorizer_id(token_id).send());
    assert_eq!(status, Some(404));

    // FlushStageAuthorizersCache: 202 for a stage, 404 without one.
    let (status, err) = failure!(
        client
            .flush_stage_authorizers_cache()
            .rest_api_id(&api)
            .stage_name("dev")
            .send()
    );
    assert_eq!(status, Some(404));
    assert!(err.is_not_found_exception(), "{err:?}");
    client
        .put_method()
        .rest_api_id(&api)
        .resource_id(&root)
        .http_method("GET")
        .authorization_type("NONE")
        .send()
        .await
        .unwrap();
    client
        .put_integration()
        .rest_api_id(&api)
        .resource_id(&root)
        .http_method("GET")
        .r#type(aws_sdk_apigateway::types::IntegrationType::Mock)
        .send()
        .await
        .unwrap();
    client
        .create_deployment()
        .rest_api_id(&api)
        .stage_name("dev")
        .send()
        .await
        .unwrap();
    client
        .flush_stage_authorizers_cache()
        .rest_api_id(&api)
        .stage_name("dev")
        .send()
        .await
        .unwrap();

    // Deleting the API takes its authorizers along.
    client.delete_rest_api().rest_api_id(&api).send().await.unwrap();
    let (status, _) = failure!(
        client
            .get_authorizer()
            .rest_api_id(&api)
            .authorizer_id(cognito_id)
            .send()
    );
    assert_eq!(status, Some(404));
    let health: serde_json::Value = portico.call("GET", "/_portico/health", None, "").await.json();
    assert_eq!(health["counts"], serde_json::json!({}), "{health}");
}

#[tokio::test]
async fn authorizers_per_api_quota() {
    let portico = Portico::start_with(&["--in-memory", "--quota", "authorizers-per-api=3"]);
    let client = portico.sdk();
    let api = client.create_rest_api().name("quota").send().await.unwrap();
    let api = api.id().unwrap();
    for i in 0..3 {
        token_authorizer(&client, api, &format!("a{i}")).await;
    }
    let (status, err) = failure!(create_token(&client, api, "one-more").send());
    assert_eq!(status, Some(429));
    assert!(err.is_limit_exceeded_exception(), "{err:?}");
    assert_eq!(
        err.meta().message(),
        Some(
            "Maximum number of Authorizers for this API has been reached.  Please contact AWS if you need additional Authorizers."
        )
    );
    // The quota is per API.
    let other = client.create_rest_api().name("other").send().await.unwrap();
    token_authorizer(&client, other.id().unwrap(), "a0").await;
}
