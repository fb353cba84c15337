//! State is scoped by the account and region of the SigV4 credential scope.

use crate::harness::Portico;

#[tokio::test]
async fn regions_and_accounts_are_separate() {
    let portico = Portico::start();
    let east = portico.sdk_as("test", "us-east-1");
    let west = portico.sdk_as("test", "eu-west-1");
    let other_account = portico.sdk_as("123456789012", "us-east-1");

    let api = east.create_rest_api().name("east").send().await.unwrap();
    let id = api.id().unwrap();
    assert_eq!(east.get_rest_apis().send().await.unwrap().items().len(), 1);
    assert!(west.get_rest_apis().send().await.unwrap().items().is_empty());
    assert!(other_account.get_rest_apis().send().await.unwrap().items().is_empty());

    // The 404 names the caller's account: the default one for `test`, the key itself for 12 digits.
    let err = west
        .get_rest_api()
        .rest_api_id(id)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_not_found_exception());
    assert_eq!(
        err.meta().message(),
        Some(format!("Invalid API identifier specified 000000000000:{id}").as_str())
    );
    let err = other_account
        .get_rest_api()
        .rest_api_id(id)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        err.meta().message(),
        Some(format!("Invalid API identifier specified 123456789012:{id}").as_str())
    );
}

#[tokio::test]
async fn default_account_is_configurable() {
    let portico = Portico::start_with(&["--in-memory", "--default-account", "111122223333"]);
    let err = portico
        .sdk()
        .get_rest_api()
        .rest_api_id("nope")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        err.meta().message(),
        Some("Invalid API identifier specified 111122223333:nope")
    );
}
