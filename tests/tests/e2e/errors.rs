//! Bad input gets AWS's error type and status, never a 5xx. Asserted on the raw wire,
//! where a client would hide the difference.

use crate::harness::{Portico, Reply};

fn assert_error(reply: &Reply, status: u16, error_type: &str) {
    assert_eq!(reply.status, status, "{reply:?}");
    assert_eq!(reply.header("x-amzn-ErrorType"), Some(error_type), "{reply:?}");
    assert!(reply.json()["message"].is_string(), "{reply:?}");
}

#[tokio::test]
async fn bad_input_is_answered_like_aws() {
    let portico = Portico::start();

    let malformed = portico.call("POST", "/restapis", None, "{\"name\": ").await;
    assert_error(&malformed, 400, "BadRequestException");

    let not_object = portico.call("POST", "/restapis", None, "[1, 2]").await;
    assert_error(&not_object, 400, "BadRequestException");

    let wrong_type = portico.call("POST", "/restapis", None, r#"{"name": 42}"#).await;
    assert_error(&wrong_type, 400, "SerializationException");

    let missing_name = portico.call("POST", "/restapis", None, r#"{"description": "x"}"#).await;
    assert_error(&missing_name, 400, "BadRequestException");

    let bad_enum = portico
        .call("POST", "/restapis", None, r#"{"name": "x", "apiKeySource": "BOGUS"}"#)
        .await;
    assert_error(&bad_enum, 400, "ValidationException");
    assert_eq!(
        bad_enum.json()["message"],
        "1 validation error detected: Value 'BOGUS' at 'createRestApiInput.apiKeySource' failed to satisfy constraint: Member must satisfy enum value set: [HEADER, AUTHORIZER]"
    );

    let unknown_api = portico.call("GET", "/restapis/doesnotexist", None, "").await;
    assert_error(&unknown_api, 404, "NotFoundException");
    assert_eq!(
        unknown_api.json()["message"],
        "Invalid API identifier specified 000000000000:doesnotexist"
    );

    let created = portico.call("POST", "/restapis", None, r#"{"name": "errors"}"#).await;
    assert_eq!(created.status, 201);
    assert_eq!(created.header("content-type"), Some("application/json"));
    let api = created.json();
    let id = api["id"].as_str().unwrap();
    assert!(api["createdDate"].is_i64(), "epoch seconds on the wire: {api}");
    let root = api["rootResourceId"].as_str().unwrap();

    let missing_path_part = portico
        .call("POST", &format!("/restapis/{id}/resources/{root}"), None, "{}")
        .await;
    assert_error(&missing_path_part, 400, "BadRequestException");

    let wrong_patch = portico
        .call(
            "PATCH",
            &format!("/restapis/{id}"),
            None,
            r#"{"patchOperations": [{"op": "replace", "path": "/nonsense", "value": "x"}]}"#,
        )
        .await;
    assert_error(&wrong_patch, 400, "BadRequestException");
    let wrong_op = portico
        .call(
            "PATCH",
            &format!("/restapis/{id}"),
            None,
            r#"{"patchOperations": [{"op": "wrong", "path": "/name", "value": "x"}]}"#,
        )
        .await;
    assert_error(&wrong_op, 400, "ValidationException");
    assert!(
        wrong_op.json()["message"]
            .as_str()
            .unwrap()
            .contains("[add, remove, move, test, replace, copy]")
    );
    assert_eq!(
        wrong_op.json()["message"],
        "1 validation error detected: Value 'wrong' at 'updateRestApiInput.patchOperations.1.member.op' failed to satisfy constraint: Member must satisfy enum value set: [add, remove, move, test, replace, copy]"
    );

    let bad_limit = portico.call("GET", "/restapis?limit=abc", None, "").await;
    assert_error(&bad_limit, 400, "BadRequestException");

    let unknown_resource = portico
        .call("GET", &format!("/restapis/{id}/resources/nope"), None, "")
        .await;
    assert_error(&unknown_resource, 404, "NotFoundException");

    let bad_type = portico
        .call(
            "PUT",
            &format!("/restapis/{id}/resources/{root}/methods/GET"),
            None,
            r#"{"authorizationType": "NONE"}"#,
        )
        .await;
    assert_eq!(bad_type.status, 201);
    let bad_integration = portico
        .call(
            "PUT",
            &format!("/restapis/{id}/resources/{root}/methods/GET/integration"),
            None,
            r#"{"type": "HTTPS_PROXY"}"#,
        )
        .await;
    assert_error(&bad_integration, 400, "ValidationException");

    let deleted = portico.call("DELETE", &format!("/restapis/{id}"), None, "").await;
    assert_eq!(deleted.status, 202);
    assert_eq!(deleted.body, "");
}

#[tokio::test]
async fn unserved_operations_answer_501_naming_them() {
    let portico = Portico::start();
    // Every apigateway operation is served, and every apigatewayv2 one but the developer
    // portals' and domains' routing rules: the examples are those.
    let reply = portico
        .call("GET", "/v2/domainnames/api.example.com/routingrules", None, "")
        .await;
    assert_error(&reply, 501, "NotImplemented");
    assert!(reply.json()["message"].as_str().unwrap().contains("ListRoutingRules"));

    let v2 = portico.call("GET", "/v2/portals", None, "").await;
    assert_error(&v2, 501, "NotImplemented");
    assert!(v2.json()["message"].as_str().unwrap().contains("ListPortals"));

    let unknown = portico.call("GET", "/no/such/operation", None, "").await;
    assert_error(&unknown, 404, "UnknownOperationException");
}
