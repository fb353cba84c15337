//! Portico's own endpoints.

use crate::harness::Portico;

#[tokio::test]
async fn health_reset_and_localstack_health() {
    let portico = Portico::start();
    let client = portico.sdk();
    client.create_rest_api().name("a").send().await.unwrap();

    let health = portico.call("GET", "/_portico/health", None, "").await;
    assert_eq!(health.status, 200);
    let health = health.json();
    assert_eq!(health["status"], "running");
    assert_eq!(health["counts"]["restapi"], 1);
    assert_eq!(health["counts"]["resource"], 1, "the root resource");

    let localstack = portico.call("GET", "/_localstack/health", None, "").await.json();
    assert_eq!(localstack["services"]["apigateway"], "running");

    assert_eq!(portico.call("POST", "/_portico/reset", None, "").await.status, 200);
    let apis = client.get_rest_apis().send().await.unwrap();
    assert!(apis.items().is_empty(), "reset wipes everything");
}
