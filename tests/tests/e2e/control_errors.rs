//! The control plane's errors, as AWS recorded them. Each assertion names the answer it comes
//! from: LocalStack's AWS-validated snapshots (`tests/aws/services/apigateway/*.snapshot.json`),
//! file and test. Raw HTTP where the SDK would hide the wire (status, `x-amzn-ErrorType`).

use crate::harness::{Portico, Reply};
use serde_json::{Value, json};

/// Asserts status, error type and exact message on the wire.
#[track_caller]
fn assert_aws(reply: &Reply, status: u16, error_type: &str, message: &str) {
    assert_eq!(reply.status, status, "{reply:?}");
    assert_eq!(reply.header("x-amzn-ErrorType"), Some(error_type), "{reply:?}");
    assert_eq!(reply.json()["message"], message, "{reply:?}");
}

const OPS: &str = "Member must satisfy enum value set: [add, remove, move, test, replace, copy]";
const TYPES: &str = "Value '[wrong]' at 'createRestApiInput.endpointConfiguration.types' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [PRIVATE, EDGE, REGIONAL]]";
const IP: &str = "Value 'wrong' at 'createRestApiInput.endpointConfiguration.ipAddressType' failed to satisfy constraint: Member must satisfy enum value set: [ipv4, dualstack]";
const STATUS: &str = r"Value 'wrong' at 'statusCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [1-5]\d\d";

struct Api<'a> {
    portico: &'a Portico,
    id: String,
    root: String,
}

impl Api<'_> {
    async fn create<'a>(portico: &'a Portico, name: &str) -> Api<'a> {
        let reply = portico
            .call("POST", "/restapis", None, &json!({ "name": name }).to_string())
            .await;
        assert_eq!(reply.status, 201, "{reply:?}");
        let api = reply.json();
        Api {
            portico,
            id: api["id"].as_str().unwrap().into(),
            root: api["rootResourceId"].as_str().unwrap().into(),
        }
    }

    /// `path` under `/restapis/{id}`.
    async fn call(&self, method: &str, path: &str, body: Value) -> Reply {
        let body = if body.is_null() {
            String::new()
        } else {
            body.to_string()
        };
        self.portico
            .call(method, &format!("/restapis/{}{path}", self.id), None, &body)
            .await
    }

    fn root_method(&self, verb: &str) -> String {
        format!("/resources/{}/methods/{verb}", self.root)
    }

    async fn patch(&self, path: &str, ops: Value) -> Reply {
        self.call("PATCH", path, json!({ "patchOperations": ops })).await
    }

    /// GET on the root: a method, a MOCK integration and its 200 method response.
    async fn mock_get(&self) {
        let method = self.root_method("GET");
        let r = self.call("PUT", &method, json!({"authorizationType": "NONE"})).await;
        assert_eq!(r.status, 201, "{r:?}");
        let r = self
            .call(
                "PUT",
                &format!("{method}/integration"),
                json!({"type": "MOCK", "requestTemplates": {"application/json": "{\"statusCode\": 200}"}}),
            )
            .await;
        assert_eq!(r.status, 201, "{r:?}");
        let r = self
            .call(
                "PUT",
                &format!("{method}/responses/200"),
                json!({"responseParameters": {"method.response.header.my-header": false}, "responseModels": {"application/json": "Empty"}}),
            )
            .await;
        assert_eq!(r.status, 201, "{r:?}");
    }
}

#[tokio::test]
async fn rest_api_errors() {
    let portico = Portico::start();

    // test_apigateway_api: test_create_rest_api_with_endpoint_configuration.
    let create = |body: Value| {
        let portico = &portico;
        async move { portico.call("POST", "/restapis", None, &body.to_string()).await }
    };
    let both =
        create(json!({"name": "n", "endpointConfiguration": {"types": ["wrong"], "ipAddressType": "wrong"}})).await;
    assert_aws(
        &both,
        400,
        "ValidationException",
        &format!("2 validation errors detected: {TYPES}; {IP}"),
    );
    // ... create-with-multiple-errors-1: constraint problems come before BadRequest checks.
    let with_bad_description = create(json!({"name": "n", "description": "", "minimumCompressionSize": -1, "endpointConfiguration": {"ipAddressType": "wrong", "types": ["wrong"]}})).await;
    assert_aws(
        &with_bad_description,
        400,
        "ValidationException",
        &format!("2 validation errors detected: {TYPES}; {IP}"),
    );
    let ip = create(json!({"name": "n", "endpointConfiguration": {"types": ["EDGE"], "ipAddressType": "wrong"}})).await;
    assert_aws(
        &ip,
        400,
        "ValidationException",
        &format!("1 validation error detected: {IP}"),
    );
    let empty = create(json!({"name": "n", "endpointConfiguration": {"types": []}})).await;
    assert_aws(
        &empty,
        400,
        "BadRequestException",
        "REGIONAL Configuration and EDGE Configuration cannot be both DISABLED.",
    );
    let two = create(json!({"name": "n", "endpointConfiguration": {"types": ["EDGE", "REGIONAL"]}})).await;
    assert_aws(
        &two,
        400,
        "BadRequestException",
        "Cannot create an api with multiple Endpoint Types.",
    );
    // test_create_rest_api_private_type.
    let private_ipv4 =
        create(json!({"name": "n", "endpointConfiguration": {"types": ["PRIVATE"], "ipAddressType": "ipv4"}})).await;
    assert_aws(
        &private_ipv4,
        400,
        "BadRequestException",
        "Only dualstack ipAddressType is supported for Private APIs.",
    );
    // test_create_rest_api_with_optional_params.
    let empty_description = create(json!({"name": "n", "description": ""})).await;
    assert_aws(
        &empty_description,
        400,
        "BadRequestException",
        "Description cannot be an empty string",
    );
    // A JSON value of the wrong type.
    let wrong_type = create(json!({"name": "n", "disableExecuteApiEndpoint": "yes"})).await;
    assert_aws(
        &wrong_type,
        400,
        "SerializationException",
        "class java.lang.String can not be converted to an Boolean",
    );

    let api = Api::create(&portico, "errors").await;

    // test_update_rest_api_behaviour: a list member patched without an element.
    for op in ["add", "replace", "remove"] {
        let reply = api
            .patch(
                "",
                json!([{"op": op, "path": "/binaryMediaTypes", "value": "image/gif"}]),
            )
            .await;
        assert_aws(
            &reply,
            400,
            "BadRequestException",
            "Invalid patch path /binaryMediaTypes",
        );
    }
    let dash = api
        .patch(
            "",
            json!([{"op": "add", "path": "/binaryMediaTypes/-", "value": "image/png"}]),
        )
        .await;
    assert_eq!(dash.json()["binaryMediaTypes"], json!(["-"]), "{dash:?}");

    // test_update_rest_api_compression.
    let negative = api
        .patch(
            "",
            json!([{"op": "replace", "path": "/minimumCompressionSize", "value": "-1"}]),
        )
        .await;
    assert_aws(
        &negative,
        400,
        "BadRequestException",
        "Invalid minimum compression size, must be between 0 and 10485760",
    );
    let add = api
        .patch(
            "",
            json!([{"op": "add", "path": "/minimumCompressionSize", "value": "10"}]),
        )
        .await;
    assert_aws(
        &add,
        400,
        "BadRequestException",
        "Invalid patch operation specified. Must be one of: [replace]",
    );

    // test_update_rest_api_ip_address_type: types are replaced by index, EDGE to PRIVATE.
    let replaced = api
        .patch(
            "",
            json!([
                {"op": "replace", "path": "/endpointConfiguration/types/0", "value": "EDGE"},
                {"op": "replace", "path": "/endpointConfiguration/types/0", "value": "REGIONAL"},
                {"op": "replace", "path": "/endpointConfiguration/types/0", "value": "PRIVATE"},
            ]),
        )
        .await;
    assert_eq!(replaced.status, 200, "{replaced:?}");
    assert_eq!(
        replaced.json()["endpointConfiguration"],
        json!({"ipAddressType": "dualstack", "types": ["PRIVATE"]})
    );
    let to_ipv4 = api
        .patch(
            "",
            json!([{"op": "replace", "path": "/endpointConfiguration/ipAddressType", "value": "ipv4"}]),
        )
        .await;
    assert_aws(
        &to_ipv4,
        400,
        "BadRequestException",
        "Only dualstack ipAddressType is supported for Private APIs.",
    );
    let wrong_ip = api
        .patch(
            "",
            json!([{"op": "replace", "path": "/endpointConfiguration/ipAddressType", "value": "wrong"}]),
        )
        .await;
    assert_aws(
        &wrong_ip,
        400,
        "BadRequestException",
        "ipAddressType must be either ipv4 or dualstack.",
    );
    let wrong_type = api
        .patch(
            "",
            json!([{"op": "replace", "path": "/endpointConfiguration/types/0", "value": "wrong"}]),
        )
        .await;
    assert_aws(
        &wrong_type,
        400,
        "BadRequestException",
        "Invalid EndpointTypes specified. Valid options are REGIONAL,EDGE,PRIVATE",
    );
    let remove_ip = api
        .patch(
            "",
            json!([{"op": "remove", "path": "/endpointConfiguration/ipAddressType", "value": "dualstack"}]),
        )
        .await;
    assert_aws(
        &remove_ip,
        400,
        "BadRequestException",
        "Invalid patch operation specified. Must be one of: [replace]",
    );
    let remove_type = api
        .patch(
            "",
            json!([{"op": "remove", "path": "/endpointConfiguration/types/0", "value": "EDGE"}]),
        )
        .await;
    assert_aws(
        &remove_type,
        400,
        "BadRequestException",
        "Invalid patch operation specified. Must be 'add'|'remove'|'replace'",
    );
    let unchanged = api.call("GET", "", Value::Null).await.json();
    assert_eq!(unchanged["endpointConfiguration"]["types"], json!(["PRIVATE"]));

    // test_update_rest_api_concatenation_of_errors: every bad op of one request, counted.
    let ops = api
        .patch(
            "",
            json!([
                {"op": "wrong", "path": "/endpointConfiguration/ipAddressType", "value": "ipv4"},
                {"op": "wrong", "path": "/endpointConfiguration/types/0", "value": "EDGE"},
                {"op": "wrong", "path": "/endpointConfiguration/types/0", "value": "EDGE"},
            ]),
        )
        .await;
    let problem = |i: usize| {
        format!(
            "Value 'wrong' at 'updateRestApiInput.patchOperations.{i}.member.op' failed to satisfy constraint: {OPS}"
        )
    };
    assert_aws(
        &ops,
        400,
        "ValidationException",
        &format!(
            "3 validation errors detected: {}; {}; {}",
            problem(1),
            problem(2),
            problem(3)
        ),
    );

    // test_update_rest_api_invalid_api_id.
    let missing = portico
        .call(
            "PATCH",
            "/restapis/api_id",
            None,
            &json!({"patchOperations": [{"op": "replace", "path": "/name", "value": "x"}]}).to_string(),
        )
        .await;
    assert_aws(
        &missing,
        404,
        "NotFoundException",
        "Invalid API identifier specified 000000000000:api_id",
    );
}

#[tokio::test]
async fn method_and_method_response_errors() {
    let portico = Portico::start();
    let api = Api::create(&portico, "methods").await;

    // test_put_method_validation: an unknown API or resource wins over a bad verb.
    let wrong_api = portico
        .call(
            "PUT",
            &format!("/restapis/fake-api/resources/{}/methods/WRONG", api.root),
            None,
            r#"{"authorizationType": "NONE"}"#,
        )
        .await;
    assert_aws(
        &wrong_api,
        404,
        "NotFoundException",
        "Invalid Resource identifier specified",
    );
    let wrong_resource = api
        .call(
            "PUT",
            "/resources/fake-resource-id/methods/WRONG",
            json!({"authorizationType": "NONE"}),
        )
        .await;
    assert_aws(
        &wrong_resource,
        404,
        "NotFoundException",
        "Invalid Resource identifier specified",
    );
    let wrong_verb = api
        .call("PUT", &api.root_method("WRONG"), json!({"authorizationType": "NONE"}))
        .await;
    assert_aws(
        &wrong_verb,
        400,
        "BadRequestException",
        "Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY",
    );
    let no_authorizer = api
        .call("PUT", &api.root_method("ANY"), json!({"authorizationType": "CUSTOM"}))
        .await;
    assert_aws(
        &no_authorizer,
        400,
        "BadRequestException",
        "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer.",
    );

    // test_put_integration_request_parameter_bool_type: keys are mapping expressions.
    let bad_key = api
        .call(
            "PUT",
            &api.root_method("POST"),
            json!({"authorizationType": "NONE", "requestParameters": {"method.request.path.testPath": true, "true": true}}),
        )
        .await;
    assert_aws(
        &bad_key,
        400,
        "BadRequestException",
        "Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression specified: true]",
    );
    // test_method_request_parameters.
    let same_name = api
        .call(
            "PUT",
            &api.root_method("POST"),
            json!({"authorizationType": "NONE", "requestParameters": {"method.request.querystring.q": true, "method.request.header.q": true}}),
        )
        .await;
    assert_aws(
        &same_name,
        400,
        "BadRequestException",
        "Parameter names must be unique across querystring, header and path",
    );

    // test_apigateway_integrations: test_integration_mock_with_path_param puts `authorizationType="none"`.
    let lower = api
        .call("PUT", &api.root_method("PATCH"), json!({"authorizationType": "none"}))
        .await;
    assert_eq!(lower.status, 201, "{lower:?}");

    api.mock_get().await;
    let get = api.root_method("GET");
    // The key of a request parameter added by patch is a mapping expression too.
    let bad_param = api
        .patch(
            &get,
            json!([{"op": "add", "path": "/requestParameters/wrong", "value": "true"}]),
        )
        .await;
    assert_aws(
        &bad_param,
        400,
        "BadRequestException",
        "Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression specified: wrong]",
    );
    // test_update_method_validation.
    let bad_path = api
        .patch(&get, json!([{"op": "replace", "path": "/httpMethod", "value": "POST"}]))
        .await;
    assert_aws(&bad_path, 400, "BadRequestException", "Invalid patch path /httpMethod");
    let bare_params = api
        .patch(
            &get,
            json!([{"op": "add", "path": "/requestParameters", "value": "true"}]),
        )
        .await;
    assert_aws(
        &bare_params,
        400,
        "BadRequestException",
        "Invalid patch path /requestParameters",
    );
    let add_op = api
        .patch(&get, json!([{"op": "add", "path": "/operationName", "value": "x"}]))
        .await;
    assert_aws(
        &add_op,
        400,
        "BadRequestException",
        "Invalid patch operation specified. Must be one of: [replace]",
    );

    // test_update_method_wrong_param_names: only `add` may name what the response lacks.
    let response = format!("{get}/responses/200");
    for (op, path, message) in [
        (
            "replace",
            "/responseParameters/wrong",
            "Invalid parameter name specified",
        ),
        (
            "remove",
            "/responseParameters/wrong",
            "Invalid parameter name specified",
        ),
        (
            "replace",
            "/responseModels/wrong",
            "Content-Type specified was not found",
        ),
        (
            "remove",
            "/responseModels/wrong",
            "Content-Type specified was not found",
        ),
    ] {
        let reply = api
            .patch(&response, json!([{"op": op, "path": path, "value": "Empty"}]))
            .await;
        assert_aws(&reply, 404, "NotFoundException", message);
    }
    // test_update_method_response: removing the last entries leaves no empty maps.
    let removed = api
        .patch(
            &response,
            json!([
                {"op": "remove", "path": "/responseParameters/method.response.header.my-header", "value": "true"},
                {"op": "remove", "path": "/responseModels/application~1json", "value": "Empty"},
            ]),
        )
        .await;
    assert_eq!((removed.status, removed.json()), (201, json!({"statusCode": "200"})));
    let added = api
        .patch(
            &response,
            json!([
                {"op": "add", "path": "/responseParameters/method.response.header.my-header", "value": "true"},
                {"op": "add", "path": "/responseModels/application~1json", "value": "Empty"},
            ]),
        )
        .await;
    assert_eq!(
        added.json(),
        json!({"statusCode": "200", "responseParameters": {"method.response.header.my-header": true}, "responseModels": {"application/json": "Empty"}})
    );

    // test_update_method_response_negative_tests / test_update_method_response_wrong_operations.
    let wrong_op =
        json!({"op": "wrong_op", "path": "/responseParameters/method.response.header.my-header", "value": "true"});
    let op_problem = |i: usize| {
        format!(
            "Value 'wrong_op' at 'updateMethodResponseInput.patchOperations.{i}.member.op' failed to satisfy constraint: {OPS}"
        )
    };
    let two_ops = api.patch(&response, json!([wrong_op, wrong_op])).await;
    assert_aws(
        &two_ops,
        400,
        "ValidationException",
        &format!("2 validation errors detected: {}; {}", op_problem(1), op_problem(2)),
    );
    let op_and_status = api.patch(&format!("{get}/responses/wrong"), json!([wrong_op])).await;
    assert_aws(
        &op_and_status,
        400,
        "ValidationException",
        &format!("2 validation errors detected: {}; {STATUS}", op_problem(1)),
    );
    let unknown_status = api
        .patch(
            &format!("{get}/responses/201"),
            json!([{"op": "add", "path": "/responseModels/application~1json", "value": "Empty"}]),
        )
        .await;
    assert_aws(
        &unknown_status,
        404,
        "NotFoundException",
        "Invalid Response status code specified",
    );
    let bad_response_key = api
        .call(
            "PUT",
            &format!("{get}/responses/400"),
            json!({"responseParameters": {"wrong": true}}),
        )
        .await;
    assert_aws(
        &bad_response_key,
        400,
        "BadRequestException",
        "Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression specified: wrong]",
    );
}

#[tokio::test]
async fn integration_and_integration_response_errors() {
    let portico = Portico::start();
    let api = Api::create(&portico, "integrations").await;
    let get = api.root_method("GET");
    let post = api.root_method("POST");

    // test_get_integration_non_existent.
    let no_method = api.call("GET", &format!("{get}/integration"), Value::Null).await;
    assert_aws(
        &no_method,
        404,
        "NotFoundException",
        "Invalid Method identifier specified",
    );
    api.call("PUT", &post, json!({"authorizationType": "NONE"})).await;
    let no_integration = api.call("GET", &format!("{post}/integration"), Value::Null).await;
    assert_aws(
        &no_integration,
        404,
        "NotFoundException",
        "Invalid Integration identifier specified",
    );

    // test_put_integration_wrong_type.
    let wrong_type = api
        .call("PUT", &format!("{post}/integration"), json!({"type": "HTTPS_PROXY"}))
        .await;
    assert_aws(
        &wrong_type,
        400,
        "ValidationException",
        "1 validation error detected: Value 'HTTPS_PROXY' at 'putIntegrationInput.type' failed to satisfy constraint: Member must satisfy enum value set: [HTTP, MOCK, AWS_PROXY, HTTP_PROXY, AWS]",
    );
    // test_put_integration_request_parameter_bool_type: a JSON value of the wrong type.
    for params in [
        json!({"true": true}),
        json!({"integration.request.path.testPath": true}),
    ] {
        let reply = api
            .call(
                "PUT",
                &format!("{post}/integration"),
                json!({"type": "HTTP_PROXY", "httpMethod": "GET", "uri": "http://example.com", "requestParameters": params}),
            )
            .await;
        assert_aws(
            &reply,
            400,
            "SerializationException",
            "class java.lang.Boolean can not be converted to an String",
        );
    }
    // A source the method does not declare (AWS's "Invalid mapping expression" knowledge-center case).
    let undeclared = api
        .call(
            "PUT",
            &format!("{post}/integration"),
            json!({"type": "HTTP_PROXY", "httpMethod": "GET", "uri": "http://example.com/{proxy}", "requestParameters": {"integration.request.path.proxy": "method.request.path.proxy"}}),
        )
        .await;
    assert_aws(
        &undeclared,
        400,
        "BadRequestException",
        "Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression parameter specified: method.request.path.proxy]",
    );
    // test_put_integration_validation (test_apigateway_integrations).
    let no_verb = api
        .call(
            "PUT",
            &format!("{post}/integration"),
            json!({"type": "HTTP", "uri": "http://example.com"}),
        )
        .await;
    assert_aws(
        &no_verb,
        400,
        "BadRequestException",
        "Enumeration value for HttpMethod must be non-empty",
    );

    api.mock_get().await;
    let responses = format!("{get}/integration/responses");
    // test_integration_response_invalid_statuscode.
    let bad_status = api
        .call(
            "PUT",
            &format!("{responses}/wrong"),
            json!({"selectionPattern": "", "responseTemplates": {"application/json": "\"created\""}}),
        )
        .await;
    assert_aws(
        &bad_status,
        400,
        "ValidationException",
        &format!("1 validation error detected: {STATUS}"),
    );
    // test_integration_response_invalid_responsetemplates.
    let number = api
        .call(
            "PUT",
            &format!("{responses}/200"),
            json!({"responseTemplates": {"application/json": 123}}),
        )
        .await;
    assert_aws(
        &number,
        400,
        "SerializationException",
        "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String",
    );
    let content_type = api
        .call(
            "PUT",
            &format!("{responses}/200"),
            json!({"responseTemplates": {"123": "{}"}}),
        )
        .await;
    assert_aws(
        &content_type,
        400,
        "BadRequestException",
        "Validation Result: warnings : [], errors : [Invalid content type specified: 123]",
    );
    // Mapping to a header the method response does not declare.
    let undeclared_header = api
        .call(
            "PUT",
            &format!("{responses}/200"),
            json!({"responseParameters": {"method.response.header.Access-Control-Allow-Origin": "'*'"}}),
        )
        .await;
    assert_aws(
        &undeclared_header,
        400,
        "BadRequestException",
        "Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression parameter specified: method.response.header.Access-Control-Allow-Origin]",
    );
    let declared_header = api
        .call(
            "PUT",
            &format!("{responses}/200"),
            json!({"selectionPattern": "", "responseParameters": {"method.response.header.my-header": "'v'"}}),
        )
        .await;
    assert_eq!(declared_header.status, 201, "{declared_header:?}");
    // test_put_integration_response_templates: a null or empty template is kept, answered as null.
    for template in [Value::Null, json!("")] {
        let put = api
            .call(
                "PUT",
                &format!("{responses}/200"),
                json!({"selectionPattern": "", "responseTemplates": {"application/json": template}}),
            )
            .await;
        let expected =
            json!({"statusCode": "200", "selectionPattern": "", "responseTemplates": {"application/json": null}});
        assert_eq!((put.status, put.json()), (201, expected.clone()));
        let got = api.call("GET", &format!("{responses}/200"), Value::Null).await;
        assert_eq!(got.json(), expected);
    }
    let bare = api
        .call("PUT", &format!("{responses}/200"), json!({"selectionPattern": ""}))
        .await;
    assert_eq!(bare.json(), json!({"statusCode": "200", "selectionPattern": ""}));

    // test_integration_response_wrong_status_code.
    let unknown = api.call("GET", &format!("{responses}/201"), Value::Null).await;
    assert_aws(
        &unknown,
        404,
        "NotFoundException",
        "Invalid Response status code specified",
    );

    // test_delete_integration_response_errors: a missing method is a missing integration here.
    let delete = |path: String| {
        let api = &api;
        async move { api.portico.call("DELETE", &path, None, "").await }
    };
    let base = format!("/restapis/{}/resources", api.id);
    let no_resource = delete(format!("{base}/bad-resource/methods/GET/integration/responses/200")).await;
    assert_aws(
        &no_resource,
        404,
        "NotFoundException",
        "Invalid Resource identifier specified",
    );
    let no_api = delete(format!(
        "/restapis/bad-api-id/resources/{}/methods/GET/integration/responses/200",
        api.root
    ))
    .await;
    assert_aws(
        &no_api,
        404,
        "NotFoundException",
        "Invalid Resource identifier specified",
    );
    for verb in ["PUT", "WRONG"] {
        let reply = delete(format!("{base}/{}/methods/{verb}/integration/responses/200", api.root)).await;
        assert_aws(
            &reply,
            404,
            "NotFoundException",
            "Invalid Integration identifier specified",
        );
    }
    let no_status = delete(format!("{base}/{}/methods/GET/integration/responses/201", api.root)).await;
    assert_aws(
        &no_status,
        404,
        "NotFoundException",
        "Invalid Response status code specified",
    );
}

#[tokio::test]
async fn stage_access_log_errors() {
    let portico = Portico::start();
    let api = Api::create(&portico, "stages").await;
    api.mock_get().await;
    let r = api
        .call(
            "PUT",
            &format!("{}/integration/responses/200", api.root_method("GET")),
            json!({"selectionPattern": ""}),
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    let deployment = api.call("POST", "/deployments", json!({})).await;
    assert_eq!(deployment.status, 201, "{deployment:?}");
    let id = deployment.json()["id"].as_str().unwrap().to_string();
    let stage = api
        .call("POST", "/stages", json!({"stageName": "dev", "deploymentId": id}))
        .await;
    assert_eq!(stage.status, 201, "{stage:?}");

    // test_apigateway_api: test_stage_access_log_settings_validation.
    const PATHS: &str = "Invalid accessLogSettings path. Must be one of : [/accessLogSettings/destinationArn, /accessLogSettings/format]";
    let update = |op: &str, path: &str, value: Option<&str>| {
        let ops = json!([{"op": op, "path": path, "value": value}]);
        let api = &api;
        async move { api.patch("/stages/dev", ops).await }
    };
    for path in ["/accessLogSettings/randomValue", "/accessLogSettings/*"] {
        for op in ["add", "replace"] {
            assert_aws(
                &update(op, path, Some("updated")).await,
                400,
                "BadRequestException",
                PATHS,
            );
        }
        let removed = update("remove", path, Some("updated")).await;
        let setting = path.trim_start_matches('/');
        assert_aws(
            &removed,
            400,
            "BadRequestException",
            &format!("Cannot remove method setting {setting} because there is no method setting for this method "),
        );
    }
    for op in ["add", "replace"] {
        assert_aws(
            &update(op, "/accessLogSettings", Some("test")).await,
            400,
            "BadRequestException",
            PATHS,
        );
    }
    let arn = "arn:aws:logs:us-east-1:000000000000:log-group:portico";
    let added = update("add", "/accessLogSettings/destinationArn", Some(arn)).await;
    assert_eq!(added.status, 200, "{added:?}");
    assert_eq!(added.json()["accessLogSettings"]["destinationArn"], arn);
    for path in ["/accessLogSettings/destinationArn", "/accessLogSettings/format"] {
        assert_aws(
            &update("replace", path, Some("")).await,
            400,
            "BadRequestException",
            "Access Log value must not be empty",
        );
    }
    assert_aws(
        &update("remove", "/accessLogSettings/destinationArn", None).await,
        400,
        "BadRequestException",
        "Cannot remove method setting accessLogSettings/destinationArn because there is no method setting for this method ",
    );
    // test_apigateway_common: test_update_stage_remove_wildcard.
    assert_aws(
        &update("remove", "/*/*", None).await,
        400,
        "BadRequestException",
        "Cannot remove method setting */* because there is no method setting for this method ",
    );
    // test_apigateway_common: test_create_delete_deployments.
    let busy = api.call("DELETE", &format!("/deployments/{id}"), Value::Null).await;
    assert_aws(
        &busy,
        400,
        "BadRequestException",
        "Active stages pointing to this deployment must be moved or deleted",
    );
}
