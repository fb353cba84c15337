//! Resource policies: evaluated on every call of a deployed stage (source IP ranges, explicit
//! denies, AWS principals that anonymous callers are not), with AWS's 403 messages.

use crate::harness::Portico;
use crate::{deploy, mock_api, patch};
use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::types::Op;

/// A MOCK API deployed to `dev` with `policy` attached before the deployment.
async fn api_with_policy(client: &Client, name: &str, policy: &str) -> String {
    let api = mock_api(client, name, r#"{"ok": true}"#, None).await;
    client
        .update_rest_api()
        .rest_api_id(&api.api_id)
        .patch_operations(patch(Op::Replace, "/policy", Some(policy)))
        .send()
        .await
        .expect("attach policy");
    deploy(client, &api.api_id, "dev").await;
    api.api_id
}

fn statement(effect: &str, principal: &str, condition: &str) -> String {
    format!(
        r#"{{"Effect": "{effect}", "Principal": {principal}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"{condition}}}"#
    )
}

fn policy(statements: &[String]) -> String {
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#,
        statements.join(", ")
    )
}

fn refusal(api_id: &str, suffix: &str, message: &str) {
    let prefix = "User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********";
    let tail = format!(":{api_id}/dev/GET/hello{suffix}");
    assert!(
        message.starts_with(prefix) && message.ends_with(&tail),
        "unexpected message {message:?}"
    );
}

#[tokio::test]
async fn source_ranges_and_explicit_denies_decide() {
    let portico = Portico::start();
    let client = portico.sdk();

    // Our range allowed (the tests call from 127.0.0.1): served.
    let local = statement(
        "Allow",
        r#""*""#,
        r#", "Condition": {"IpAddress": {"aws:SourceIp": ["127.0.0.0/8"]}}"#,
    );
    let allowed = api_with_policy(&client, "allowed", &policy(&[local])).await;
    let reply = portico.invoke(&allowed, "GET", "/dev/hello").await;
    assert_eq!((reply.status, reply.body.as_str()), (200, r#"{"ok": true}"#));

    // Only another range allowed: implicitly denied, the authorizer never asked.
    let other = statement(
        "Allow",
        r#""*""#,
        r#", "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}"#,
    );
    let elsewhere = api_with_policy(&client, "elsewhere", &policy(&[other])).await;
    let reply = portico.invoke(&elsewhere, "GET", "/dev/hello").await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.header("x-amzn-ErrorType"), Some("AccessDeniedException"));
    refusal(&elsewhere, "", reply.json()["Message"].as_str().unwrap_or_default());

    // Everyone allowed, our address denied: the deny wins.
    let everyone = statement("Allow", r#""*""#, "");
    let deny_us = statement(
        "Deny",
        r#"{"AWS": "*"}"#,
        r#", "Condition": {"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}}"#,
    );
    let denied = api_with_policy(&client, "denied", &policy(&[everyone, deny_us])).await;
    let reply = portico.invoke(&denied, "GET", "/dev/hello").await;
    assert_eq!(reply.status, 403);
    refusal(
        &denied,
        " with an explicit deny",
        reply.json()["Message"].as_str().unwrap_or_default(),
    );

    // An AWS principal is never an anonymous caller.
    let account_only = statement("Allow", r#"{"AWS": "arn:aws:iam::111122223333:root"}"#, "");
    let iam_only = api_with_policy(&client, "iam-only", &policy(&[account_only])).await;
    assert_eq!(portico.invoke(&iam_only, "GET", "/dev/hello").await.status, 403);
}

#[tokio::test]
async fn a_policy_takes_effect_when_deployed() {
    let portico = Portico::start();
    let client = portico.sdk();
    let everyone = statement("Allow", r#""*""#, "");
    let api_id = api_with_policy(&client, "redeploy", &policy(&[everyone])).await;
    assert_eq!(portico.invoke(&api_id, "GET", "/dev/hello").await.status, 200);

    // A deny attached but not deployed changes nothing yet, as on AWS.
    let deny =
        r#"{"Effect": "Deny", "Principal": "*", "Action": "execute-api:*", "Resource": "execute-api:/*/GET/hello"}"#;
    let text = policy(&[statement("Allow", r#""*""#, ""), deny.to_owned()]);
    client
        .update_rest_api()
        .rest_api_id(&api_id)
        .patch_operations(patch(Op::Replace, "/policy", Some(&text)))
        .send()
        .await
        .expect("new policy");
    assert_eq!(portico.invoke(&api_id, "GET", "/dev/hello").await.status, 200);
    deploy(&client, &api_id, "dev").await;
    let reply = portico.invoke(&api_id, "GET", "/dev/hello").await;
    assert_eq!(reply.status, 403);
    refusal(
        &api_id,
        " with an explicit deny",
        reply.json()["Message"].as_str().unwrap_or_default(),
    );
}
