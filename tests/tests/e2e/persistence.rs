//! State survives a crash: what was acknowledged before SIGKILL is served after restart.

use crate::harness::{Portico, temp_dir};

#[tokio::test]
async fn state_survives_sigkill() {
    let dir = temp_dir("persist");
    let portico = Portico::start_persistent(&dir);
    let client = portico.sdk();
    let api = crate::mock_api(&client, "durable", r#"{"durable": true}"#, Some("prod")).await;
    assert_eq!(
        portico.invoke(&api.api_id, "GET", "/prod/hello").await.body,
        r#"{"durable": true}"#
    );
    portico.kill();

    let portico = Portico::start_persistent(&dir);
    let client = portico.sdk();
    let got = client.get_rest_api().rest_api_id(&api.api_id).send().await.unwrap();
    assert_eq!(got.name(), Some("durable"));
    let resources = client.get_resources().rest_api_id(&api.api_id).send().await.unwrap();
    assert_eq!(resources.items().len(), 2);
    let stage = client
        .get_stage()
        .rest_api_id(&api.api_id)
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    assert!(stage.deployment_id().is_some());
    let reply = portico.invoke(&api.api_id, "GET", "/prod/hello").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, r#"{"durable": true}"#);
}
