//! Models, request validators and gateway responses through the AWS SDK, against the answers
//! AWS recorded (LocalStack's `test_apigateway_api.snapshot.json`): defaults, pages, patches,
//! `$ref`s, the 409 for a model in use, the 400s for unknown models and validators.

use crate::harness::Portico;
use crate::patch;
use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::types::{GatewayResponseType, Op, PatchOperation};

/// The status and the SDK's error of a failed call.
macro_rules! failure {
    ($call:expr) => {{
        let err = $call.await.unwrap_err();
        let status = err.raw_response().map(|r| r.status().as_u16());
        (status, err.into_service_error())
    }};
}

const EMPTY_SCHEMA: &str = "{\n  \"$schema\": \"http://json-schema.org/draft-04/schema#\",\n  \"title\" : \"Empty Schema\",\n  \"type\" : \"object\"\n}";
const ERROR_SCHEMA: &str = "{\n  \"$schema\" : \"http://json-schema.org/draft-04/schema#\",\n  \"title\" : \"Error Schema\",\n  \"type\" : \"object\",\n  \"properties\" : {\n    \"message\" : { \"type\" : \"string\" }\n  }\n}";
const DEFAULT_TEMPLATE: &str = r#"{"message":$context.error.messageString}"#;

async fn new_api(client: &Client, name: &str) -> (String, String) {
    let api = client.create_rest_api().name(name).send().await.unwrap();
    (
        api.id().unwrap().to_string(),
        api.root_resource_id().unwrap().to_string(),
    )
}

fn reference(api: &str, model: &str) -> String {
    format!("https://apigateway.amazonaws.com/restapis/{api}/models/{model}")
}

#[tokio::test]
async fn models_as_aws_answers_them() {
    let portico = Portico::start();
    let client = portico.sdk();
    let (api, _) = new_api(&client, "models").await;

    // Every API starts with AWS's Empty and Error models.
    let models = client.get_models().rest_api_id(&api).send().await.unwrap();
    let defaults: Vec<_> = models.items().iter().map(|m| m.name().unwrap()).collect();
    assert_eq!(defaults, ["Empty", "Error"]);
    let empty = client
        .get_model()
        .rest_api_id(&api)
        .model_name("Empty")
        .send()
        .await
        .unwrap();
    assert_eq!(empty.schema(), Some(EMPTY_SCHEMA));
    assert_eq!(empty.description(), Some("This is a default empty schema model"));
    assert_eq!(empty.content_type(), Some("application/json"));
    assert_eq!(empty.id().map(str::len), Some(6));
    let error = client
        .get_model()
        .rest_api_id(&api)
        .model_name("Error")
        .send()
        .await
        .unwrap();
    assert_eq!(error.schema(), Some(ERROR_SCHEMA));
    assert_eq!(error.description(), Some("This is a default error schema model"));

    // CreateModel: 201, the schema kept as sent, an empty description left out.
    let schema = "{\n\t\"title\": \"Calc output\",\n\t\"type\": \"object\",\n\t\"properties\": {\n\t\t\"a\": {\"type\": \"number\"},\n\t\t\"op\": {\"type\": \"string\"},\n\t\t\"c\": {\"type\": \"number\"}\n\t},\n\t\"required\": [\"a\", \"op\"]\n}\n";
    let created = client
        .create_model()
        .rest_api_id(&api)
        .name("CalcOutput")
        .content_type("application/json")
        .description("Calc output model")
        .schema(schema)
        .send()
        .await
        .unwrap();
    assert_eq!(created.name(), Some("CalcOutput"));
    assert_eq!(created.schema(), Some(schema));
    assert_eq!(created.description(), Some("Calc output model"));
    let quiet = client
        .create_model()
        .rest_api_id(&api)
        .name("MySchema")
        .content_type("application/json")
        .description("")
        .schema(r#"{"title": "MySchema", "type": "object"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(quiet.description(), None);
    let got = client
        .get_model()
        .rest_api_id(&api)
        .model_name("CalcOutput")
        .send()
        .await
        .unwrap();
    assert_eq!(got.id(), created.id());

    // AWS's errors.
    let (status, err) = failure!(
        client
            .create_model()
            .rest_api_id(&api)
            .name("MySchema")
            .content_type("application/json")
            .schema(r#"{"type": "object"}"#)
            .send()
    );
    assert_eq!(status, Some(409));
    assert!(err.is_conflict_exception());
    assert_eq!(
        err.meta().message(),
        Some("Model name already exists for this REST API")
    );
    let (status, err) = failure!(
        client
            .create_model()
            .rest_api_id(&api)
            .name("")
            .content_type("application/json")
            .schema(r#"{"type": "object"}"#)
            .send()
    );
    assert_eq!(status, Some(400));
    assert_eq!(err.meta().message(), Some("Model name must be non-empty"));
    for (content_type, schema) in [
        ("application/json", Some("")),
        ("application/json", None),
        ("application/xml", None),
    ] {
        let (status, err) = failure!(
            client
                .create_model()
                .rest_api_id(&api)
                .name("MyEmptySchema")
                .content_type(content_type)
                .set_schema(schema.map(str::to_string))
                .send()
        );
        assert_eq!(status, Some(400));
        assert!(err.is_bad_request_exception());
        assert_eq!(
            err.meta().message(),
            Some("Model schema must have at least 1 property or array items defined")
        );
    }
    for bad in [
        "{not json",
        "[1]",
        r#"{"type": "thing"}"#,
        r#"{"properties": {"a": 1}}"#,
    ] {
        let (status, err) = failure!(
            client
                .create_model()
                .rest_api_id(&api)
                .name("Bad")
                .content_type("application/json")
                .schema(bad)
                .send()
        );
        assert_eq!(status, Some(400), "{bad}");
        assert_eq!(
            err.meta().message(),
            Some(
                "Invalid model specified: Validation Result: warnings : [], errors : [Invalid model schema specified]"
            ),
            "{bad}"
        );
    }
    let (status, err) = failure!(
        client
            .create_model()
            .rest_api_id("abcde0")
            .name("MySchema")
            .content_type("application/json")
            .schema(r#"{"type": "object"}"#)
            .send()
    );
    assert_eq!(status, Some(404));
    assert_eq!(
        err.meta().message(),
        Some("Invalid API identifier specified 000000000000:abcde0")
    );
    let (status, err) = failure!(client.get_models().rest_api_id("abcde0").send());
    assert_eq!(status, Some(404));
    assert_eq!(
        err.meta().message(),
        Some("Invalid API identifier specified 000000000000:abcde0")
    );
    for api_id in ["abcde0", api.as_str()] {
        let (status, err) = failure!(client.get_model().rest_api_id(api_id).model_name("Nope").send());
        assert_eq!(status, Some(404));
        assert_eq!(err.meta().message(), Some("Invalid model name specified: Nope"));
        let (status, err) = failure!(client.delete_model().rest_api_id(api_id).model_name("Nope").send());
        assert_eq!(status, Some(404));
        assert_eq!(err.meta().message(), Some("Invalid model name specified: Nope"));
    }

    // Pages: 25 by default, `position` to go on.
    let first = client.get_models().rest_api_id(&api).limit(2).send().await.unwrap();
    assert_eq!(first.items().len(), 2);
    let position = first.position().expect("a second page").to_string();
    let second = client
        .get_models()
        .rest_api_id(&api)
        .limit(2)
        .position(position)
        .send()
        .await
        .unwrap();
    let names: Vec<_> = second.items().iter().map(|m| m.name().unwrap()).collect();
    assert_eq!(names, ["CalcOutput", "MySchema"]);
    assert_eq!(second.position(), None);

    // UpdateModel: /schema and /description, replace only.
    let updated = client
        .update_model()
        .rest_api_id(&api)
        .model_name("MySchema")
        .patch_operations(patch(
            Op::Replace,
            "/schema",
            Some(r#"{"title": "Updated schema", "type": "object"}"#),
        ))
        .patch_operations(patch(Op::Replace, "/description", Some("described")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        updated.schema(),
        Some(r#"{"title": "Updated schema", "type": "object"}"#)
    );
    assert_eq!(updated.description(), Some("described"));
    let (status, err) = failure!(
        client
            .update_model()
            .rest_api_id(&api)
            .model_name("MySchema")
            .patch_operations(patch(Op::Add, "/wrong-path", Some("x")))
            .send()
    );
    assert_eq!(status, Some(400));
    assert_eq!(
        err.meta().message(),
        Some("Invalid patch path  '/wrong-path' specified for op 'add'. Please choose supported operations")
    );
    let (_, err) = failure!(
        client
            .update_model()
            .rest_api_id(&api)
            .model_name("MySchema")
            .patch_operations(patch(Op::Replace, "/name", Some("x")))
            .send()
    );
    assert_eq!(
        err.meta().message(),
        Some("Invalid patch path  '/name' specified for op 'replace'. Must be one of: [/description, /schema]")
    );
    let (_, err) = failure!(
        client
            .update_model()
            .rest_api_id(&api)
            .model_name("MySchema")
            .patch_operations(patch(Op::Replace, "/schema", Some("")))
            .send()
    );
    assert_eq!(
        err.meta().message(),
        Some("Model schema must have at least 1 property or array items defined")
    );
    let (status, err) = failure!(
        client
            .update_model()
            .rest_api_id("abcde0")
            .model_name("mySchema")
            .patch_operations(patch(Op::Replace, "/description", Some("")))
            .send()
    );
    assert_eq!(status, Some(404));
    assert_eq!(err.meta().message(), Some("Invalid model name specified: mySchema"));

    // GetModelTemplate: a mapping template shaped like the schema, in its order.
    let template = client
        .get_model_template()
        .rest_api_id(&api)
        .model_name("CalcOutput")
        .send()
        .await
        .unwrap();
    assert_eq!(
        template.value(),
        Some(
            "#set($inputRoot = $input.path('$'))\n{\n  \"a\" : $inputRoot.a,\n  \"op\" : \"$inputRoot.op\",\n  \"c\" : $inputRoot.c\n}\n"
        )
    );

    // DeleteModel: 202, then gone.
    client
        .delete_model()
        .rest_api_id(&api)
        .model_name("CalcOutput")
        .send()
        .await
        .unwrap();
    let (status, _) = failure!(client.get_model().rest_api_id(&api).model_name("CalcOutput").send());
    assert_eq!(status, Some(404));
}

#[tokio::test]
async fn model_references_and_models_in_use() {
    let portico = Portico::start();
    let client = portico.sdk();
    let (api, root) = new_api(&client, "refs").await;

    // A $ref names a model of the same API in AWS's canonical form, and the model must exist.
    let pets = format!(
        r#"{{"type": "array", "items": {{"$ref": "{}"}}}}"#,
        reference(&api, "Pet")
    );
    let (status, err) = failure!(
        client
            .create_model()
            .rest_api_id(&api)
            .name("Pets")
            .content_type("application/json")
            .schema(&pets)
            .send()
    );
    assert_eq!(status, Some(400));
    assert!(err.is_bad_request_exception());
    assert_eq!(
        err.meta().message(),
        Some(
            "Invalid model specified: Validation Result: warnings : [], errors : [Invalid model schema specified, Model reference must be in canonical form]"
        )
    );
    let (status, _) = failure!(
        client
            .create_model()
            .rest_api_id(&api)
            .name("Pets")
            .content_type("application/json")
            .schema(r#"{"type": "array", "items": {"$ref": "Pet"}}"#)
            .send()
    );
    assert_eq!(status, Some(400), "a bare name is not canonical");
    client
        .create_model()
        .rest_api_id(&api)
        .name("Pet")
        .content_type("application/json")
        .schema(r#"{"type": "object", "properties": {"name": {"type": "string"}}}"#)
        .send()
        .await
        .unwrap();
    client
        .create_model()
        .rest_api_id(&api)
        .name("Pets")
        .content_type("application/json")
        .schema(&pets)
        .send()
        .await
        .unwrap();
    let flat = client
        .get_model()
        .rest_api_id(&api)
        .model_name("Pets")
        .flatten(true)
        .send()
        .await
        .unwrap();
    let flat: serde_json::Value = serde_json::from_str(flat.schema().unwrap()).unwrap();
    assert_eq!(
        flat,
        serde_json::json!({"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}})
    );
    // A model another model references stays.
    let (status, err) = failure!(client.delete_model().rest_api_id(&api).model_name("Pet").send());
    assert_eq!(status, Some(409));
    assert!(err.is_conflict_exception());

    // Methods may only name models of their API.
    let (status, err) = failure!(
        client
            .put_method()
            .rest_api_id(&api)
            .resource_id(&root)
            .http_method("ANY")
            .authorization_type("NONE")
            .request_models("application/json", "petModel")
            .send()
    );
    assert_eq!(status, Some(400));
    assert!(err.is_bad_request_exception());
    assert_eq!(
        err.meta().message(),
        Some("Invalid model identifier specified: petModel")
    );
    let method = client
        .put_method()
        .rest_api_id(&api)
        .resource_id(&root)
        .http_method("ANY")
        .authorization_type("NONE")
        .request_models("application/json", "Pets")
        .send()
        .await
        .unwrap();
    assert_eq!(method.request_models().unwrap()["application/json"], "Pets");
    let (status, err) = failure!(
        client
            .update_method()
            .rest_api_id(&api)
            .resource_id(&root)
            .http_method("ANY")
            .patch_operations(patch(Op::Replace, "/requestModels/application~1json", Some("Nope")))
            .send()
    );
    assert_eq!(status, Some(400));
    assert_eq!(err.meta().message(), Some("Invalid model identifier specified: Nope"));

    // The model a method request uses cannot go: AWS names the method.
    let (status, err) = failure!(client.delete_model().rest_api_id(&api).model_name("Pets").send());
    assert_eq!(status, Some(409));
    assert_eq!(
        err.meta().message(),
        Some("Cannot delete model 'Pets', is referenced in method request: //ANY")
    );
    let child = client
        .create_resource()
        .rest_api_id(&api)
        .parent_id(&root)
        .path_part("test")
        .send()
        .await
        .unwrap();
    let child = child.id().unwrap().to_string();
    client
        .put_method()
        .rest_api_id(&api)
        .resource_id(&child)
        .http_method("ANY")
        .authorization_type("NONE")
        .request_models("application/json", "Pets")
        .send()
        .await
        .unwrap();
    let (_, err) = failure!(client.delete_model().rest_api_id(&api).model_name("Pets").send());
    assert_eq!(
        err.meta().message(),
        Some("Cannot delete model 'Pets', is referenced in method request: /test/ANY")
    );
    client
        .update_method()
        .rest_api_id(&api)
        .resource_id(&child)
        .http_method("ANY")
        .patch_operations(patch(Op::Remove, "/requestModels/application~1json", None))
        .send()
        .await
        .unwrap();
    client
        .update_method()
        .rest_api_id(&api)
        .resource_id(&root)
        .http_method("ANY")
        .patch_operations(patch(Op::Replace, "/requestModels/application~1json", Some("Empty")))
        .send()
        .await
        .unwrap();

    // Method responses likewise.
    let (status, err) = failure!(
        client
            .put_method_response()
            .rest_api_id(&api)
            .resource_id(&child)
            .http_method("ANY")
            .status_code("200")
            .response_models("application/json", "Ghost")
            .send()
    );
    assert_eq!(status, Some(400));
    assert_eq!(err.meta().message(), Some("Invalid model identifier specified: Ghost"));
    client
        .put_method_response()
        .rest_api_id(&api)
        .resource_id(&child)
        .http_method("ANY")
        .status_code("200")
        .response_models("application/json", "Pets")
        .send()
        .await
        .unwrap();
    let (status, _) = failure!(
        client
            .update_method_response()
            .rest_api_id(&api)
            .resource_id(&child)
            .http_method("ANY")
            .status_code("200")
            .patch_operations(patch(Op::Replace, "/responseModels/application~1json", Some("Ghost")))
            .send()
    );
    assert_eq!(status, Some(400));
    let (status, err) = failure!(client.delete_model().rest_api_id(&api).model_name("Pets").send());
    assert_eq!(status, Some(409));
    assert!(err.meta().message().unwrap().contains("method response"), "{err:?}");
    client
        .delete_method()
        .rest_api_id(&api)
        .resource_id(&child)
        .http_method("ANY")
        .send()
        .await
        .unwrap();
    client
        .delete_model()
        .rest_api_id(&api)
        .model_name("Pets")
        .send()
        .await
        .unwrap();
    client
        .delete_model()
        .rest_api_id(&api)
        .model_name("Pet")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn request_validators_as_aws_answers_them() {
    let portico = Portico::start();
    let client = portico.sdk();
    let (api, root) = new_api(&client, "validators").await;

    let created = client
        .create_request_validator()
        .rest_api_id(&api)
        .name("test-validator")
        .send()
        .await
        .unwrap();
    let id = created.id().unwrap().to_string();
    assert_eq!(created.name(), Some("test-validator"));
    assert!(!created.validate_request_body());
    assert!(!created.validate_request_parameters());
    let got = client
        .get_request_validator()
        .rest_api_id(&api)
        .request_validator_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(got.id(), Some(id.as_str()));
    let both = client
        .create_request_validator()
        .rest_api_id(&api)
        .name("both")
        .validate_request_body(true)
        .validate_request_parameters(true)
        .send()
        .await
        .unwrap();
    assert!(both.validate_request_body());

    // Pages.
    let first = client
        .get_request_validators()
        .rest_api_id(&api)
        .limit(1)
        .send()
        .await
        .unwrap();
    assert_eq!(first.items().len(), 1);
    assert_eq!(first.items()[0].id(), Some(id.as_str()));
    let second = client
        .get_request_validators()
        .rest_api_id(&api)
        .limit(1)
        .position(first.position().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(second.items()[0].name(), Some("both"));
    assert_eq!(second.position(), None);

    // Updates: replace only; a replace without a value turns a switch off.
    let updated = client
        .update_request_validator()
        .rest_api_id(&api)
        .request_validator_id(&id)
        .patch_operations(patch(Op::Replace, "/validateRequestBody", Some("true")))
        .send()
        .await
        .unwrap();
    assert!(updated.validate_request_body());
    let updated = client
        .update_request_validator()
        .rest_api_id(&api)
        .request_validator_id(&id)
        .patch_operations(patch(Op::Replace, "/validateRequestBody", None))
        .patch_operations(patch(Op::Replace, "/name", Some("renamed")))
        .send()
        .await
        .unwrap();
    assert!(!updated.validate_request_body());
    assert_eq!(updated.name(), Some("renamed"));
    for (op, name) in [(Op::Add, "add"), (Op::Remove, "remove")] {
        let (status, err) = failure!(
            client
                .update_request_validator()
                .rest_api_id(&api)
                .request_validator_id(&id)
                .patch_operations(patch(op, "/validateRequestBody", Some("true")))
                .send()
        );
        assert_eq!(status, Some(400));
        assert_eq!(
            err.meta().message().map(str::to_string),
            Some(format!(
                "Invalid patch path  '/validateRequestBody' specified for op '{name}'. Please choose supported operations"
            ))
        );
    }
    let (_, err) = failure!(
        client
            .update_request_validator()
            .rest_api_id(&api)
            .request_validator_id(&id)
            .patch_operations(patch(Op::Replace, "/invalidPath", Some("x")))
            .send()
    );
    assert_eq!(
        err.meta().message(),
        Some(
            "Invalid patch path  '/invalidPath' specified for op 'replace'. Must be one of: [/name, /validateRequestParameters, /validateRequestBody]"
        )
    );
    let (_, err) = failure!(
        client
            .update_request_validator()
            .rest_api_id(&api)
            .request_validator_id(&id)
            .patch_operations(patch(Op::Replace, "/name", Some("")))
            .send()
    );
    assert_eq!(err.meta().message(), Some("Request Validator name cannot be blank"));

    // AWS's errors for unknown APIs and validators.
    let (status, err) = failure!(client.create_request_validator().rest_api_id("api_id").name("v").send());
    assert_eq!(status, Some(400));
    assert!(err.is_bad_request_exception());
    assert_eq!(err.meta().message(), Some("Invalid REST API identifier specified"));
    let (status, err) = failure!(client.get_request_validators().rest_api_id("api_id").send());
    assert_eq!(status, Some(404));
    assert_eq!(
        err.meta().message(),
        Some("Invalid API identifier specified 000000000000:api_id")
    );
    for (api_id, validator) in [("api_id", id.as_str()), (api.as_str(), "validator_id")] {
        let (status, err) = failure!(
            client
                .get_request_validator()
                .rest_api_id(api_id)
                .request_validator_id(validator)
                .send()
        );
        assert_eq!(status, Some(404));
        assert_eq!(
            err.meta().message(),
            Some("Invalid Request Validator identifier specified")
        );
        let (status, err) = failure!(
            client
                .delete_request_validator()
                .rest_api_id(api_id)
                .request_validator_id(validator)
                .send()
        );
        assert_eq!(status, Some(404));
        assert_eq!(
            err.meta().message(),
            Some("Invalid Request Validator identifier specified")
        );
    }

    // Methods may only name validators of their API.
    let (status, err) = failure!(
        client
            .put_method()
            .rest_api_id(&api)
            .resource_id(&root)
            .http_method("ANY")
            .authorization_type("NONE")
            .request_validator_id("fake-validator")
            .send()
    );
    assert_eq!(status, Some(400));
    assert_eq!(
        err.meta().message(),
        Some("Invalid Request Validator identifier specified")
    );
    client
        .put_method()
        .rest_api_id(&api)
        .resource_id(&root)
        .http_method("ANY")
        .authorization_type("NONE")
        .request_validator_id(&id)
        .send()
        .await
        .unwrap();
    let (status, err) = failure!(
        client
            .update_method()
            .rest_api_id(&api)
            .resource_id(&root)
            .http_method("ANY")
            .patch_operations(patch(Op::Replace, "/requestValidatorId", Some("fake-id")))
            .send()
    );
    assert_eq!(status, Some(400));
    assert_eq!(
        err.meta().message(),
        Some("Invalid Request Validator identifier specified")
    );
    let method = client
        .update_method()
        .rest_api_id(&api)
        .resource_id(&root)
        .http_method("ANY")
        .patch_operations(patch(Op::Replace, "/requestValidatorId", Some(both.id().unwrap())))
        .send()
        .await
        .unwrap();
    assert_eq!(method.request_validator_id(), both.id());

    // Delete: 202, then 404; the list empties.
    for v in [id.as_str(), both.id().unwrap()] {
        client
            .delete_request_validator()
            .rest_api_id(&api)
            .request_validator_id(v)
            .send()
            .await
            .unwrap();
    }
    let (status, _) = failure!(
        client
            .get_request_validator()
            .rest_api_id(&api)
            .request_validator_id(&id)
            .send()
    );
    assert_eq!(status, Some(404));
    let all = client.get_request_validators().rest_api_id(&api).send().await.unwrap();
    assert!(all.items().is_empty());
    // The method that named a deleted validator no longer does.
    let method = client
        .get_method()
        .rest_api_id(&api)
        .resource_id(&root)
        .http_method("ANY")
        .send()
        .await
        .unwrap();
    assert_eq!(method.request_validator_id(), None);
}

/// Every type with the status code AWS answers for it by default (recorded in
/// `test_gateway_response_crud`'s `get-gateway-responses`, in that order).
const RECORDED: &[(&str, Option<&str>)] = &[
    ("ACCESS_DENIED", Some("403")),
    ("API_CONFIGURATION_ERROR", Some("500")),
    ("AUTHORIZER_CONFIGURATION_ERROR", Some("500")),
    ("AUTHORIZER_FAILURE", Some("500")),
    ("BAD_REQUEST_BODY", Some("400")),
    ("BAD_REQUEST_PARAMETERS", Some("400")),
    ("DEFAULT_4XX", None),
    ("DEFAULT_5XX", None),
    ("EXPIRED_TOKEN", Some("403")),
    ("INTEGRATION_FAILURE", Some("504")),
    ("INTEGRATION_TIMEOUT", Some("504")),
    ("INVALID_API_KEY", Some("403")),
    ("INVALID_SIGNATURE", Some("403")),
    ("MISSING_AUTHENTICATION_TOKEN", Some("403")),
    ("QUOTA_EXCEEDED", Some("429")),
    ("REQUEST_TOO_LARGE", Some("413")),
    ("RESOURCE_NOT_FOUND", Some("404")),
    ("THROTTLED", Some("429")),
    ("UNAUTHORIZED", Some("401")),
    ("UNSUPPORTED_MEDIA_TYPE", Some("415")),
    ("WAF_FILTERED", Some("403")),
];

const CUSTOM_TEMPLATE: &str =
    "{\n     \"message\": $context.error.messageString,\n     \"type\":  \"$context.error.responseType\"\n}";

#[tokio::test]
async fn gateway_responses_as_aws_answers_them() {
    let portico = Portico::start();
    let client = portico.sdk();
    let (api, _) = new_api(&client, "responses").await;

    // Every type's default, as AWS recorded it, both listed and one by one.
    let all = client.get_gateway_responses().rest_api_id(&api).send().await.unwrap();
    assert_eq!(all.items().len(), RECORDED.len());
    assert_eq!(all.position(), None);
    for (item, (kind, status)) in all.items().iter().zip(RECORDED) {
        assert_eq!(item.response_type().map(|t| t.as_str()), Some(*kind));
        assert_eq!(item.status_code(), *status, "{kind}");
        assert!(item.default_response(), "{kind}");
        assert!(item.response_parameters().unwrap().is_empty(), "{kind}");
        let templates = item.response_templates().unwrap();
        assert_eq!(templates.len(), 1);
        assert_eq!(templates["application/json"], DEFAULT_TEMPLATE, "{kind}");
        let one = client
            .get_gateway_response()
            .rest_api_id(&api)
            .response_type(GatewayResponseType::from(*kind))
            .send()
            .await
            .unwrap();
        assert_eq!(one.status_code(), *status, "{kind}");
        assert!(one.default_response());
    }
    // The collection is not paged: `limit` does not apply.
    let limited = client
        .get_gateway_responses()
        .rest_api_id(&api)
        .limit(2)
        .send()
        .await
        .unwrap();
    assert_eq!(limited.items().len(), RECORDED.len());

    // PutGatewayResponse: 201, customised; members left out take the type's defaults.
    let put = client
        .put_gateway_response()
        .rest_api_id(&api)
        .response_type(GatewayResponseType::MissingAuthenticationToken)
        .status_code("404")
        .response_parameters("gatewayresponse.header.Access-Control-Allow-Origin", "'a.b.c'")
        .response_parameters("gatewayresponse.header.x-request-path", "method.request.path.petId")
        .response_templates("application/json", CUSTOM_TEMPLATE)
        .send()
        .await
        .unwrap();
    assert!(!put.default_response());
    assert_eq!(put.status_code(), Some("404"));
    assert_eq!(put.response_parameters().unwrap().len(), 2);
    assert_eq!(put.response_templates().unwrap()["application/json"], CUSTOM_TEMPLATE);
    let params_only = client
        .put_gateway_response()
        .rest_api_id(&api)
        .response_type(GatewayResponseType::AccessDenied)
        .response_parameters(
            "gatewayresponse.header.x-request-header",
            "method.request.header.Accept",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(params_only.status_code(), Some("403"));
    assert_eq!(
        params_only.response_templates().unwrap()["application/json"],
        DEFAULT_TEMPLATE
    );
    let got = client
        .get_gateway_response()
        .rest_api_id(&api)
        .response_type(GatewayResponseType::MissingAuthenticationToken)
        .send()
        .await
        .unwrap();
    assert!(!got.default_response());
    assert_eq!(got.status_code(), Some("404"));

    // A customised DEFAULT_5XX reaches the 5XX types not customised themselves, which AWS
    // still lists as defaults; a type customised itself keeps its own.
    client
        .put_gateway_response()
        .rest_api_id(&api)
        .response_type(GatewayResponseType::AuthorizerFailure)
        .response_parameters("gatewayresponse.header.foo", "'bar'")
        .send()
        .await
        .unwrap();
    client
        .put_gateway_response()
        .rest_api_id(&api)
        .response_type(GatewayResponseType::Default5Xx)
        .status_code("599")
        .response_parameters(
            "gatewayresponse.header.x-request-header",
            "method.request.header.Accept",
        )
        .response_templates("application/json", CUSTOM_TEMPLATE)
        .send()
        .await
        .unwrap();
    let all = client.get_gateway_responses().rest_api_id(&api).send().await.unwrap();
    let find = |kind: &str| {
        all.items()
            .iter()
            .find(|r| r.response_type().map(|t| t.as_str()) == Some(kind))
            .unwrap()
            .clone()
    };
    let timeout = find("INTEGRATION_TIMEOUT");
    assert_eq!(timeout.status_code(), Some("599"));
    assert!(timeout.default_response());
    assert_eq!(
        timeout.response_templates().unwrap()["application/json"],
        CUSTOM_TEMPLATE
    );
    let failure_ = find("AUTHORIZER_FAILURE");
    assert_eq!(failure_.status_code(), Some("500"));
    assert!(!failure_.default_response());
    assert_eq!(find("THROTTLED").status_code(), Some("429"));

    // UpdateGatewayResponse on a type not customised customises it.
    let updated = client
        .update_gateway_response()
        .rest_api_id(&api)
        .response_type(GatewayResponseType::Default4Xx)
        .patch_operations(patch(Op::Replace, "/statusCode", Some("444")))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.status_code(), Some("444"));
    assert!(!updated.default_response());
    assert!(updated.response_parameters().unwrap().is_empty());
    assert_eq!(
        updated.response_templates().unwrap()["application/json"],
        DEFAULT_TEMPLATE
    );
    let updated = client
        .update_gateway_response()
        .rest_api_id(&api)
        .response_type(GatewayResponseType::MissingAuthenticationToken)
        .patch_operations(patch(
            Op::Replace,
            "/responseParameters/gatewayresponse.header.Access-Control-Allow-Origin",
            Some("'example.com'"),
        ))
        .patch_operations(patch(
            Op::Add,
            "/responseTemplates/application~1xml",
            Some("<message>$context.error.messageString</message>"),
        ))
        .patch_operations(patch(
            Op::Remove,
            "/responseParameters/gatewayresponse.header.x-request-path",
            None,
        ))
        .send()
        .await
        .unwrap();
    let params = updated.response_parameters().unwrap();
    assert_eq!(params.len(), 1);
    assert_eq!(
        params["gatewayresponse.header.Access-Control-Allow-Origin"],
        "'example.com'"
    );
    assert_eq!(updated.response_templates().unwrap().len(), 2);

    // AWS's errors.
    for op in [Op::Add, Op::Remove] {
        let (status, err) = failure!(
            client
                .update_gateway_response()
                .rest_api_id(&api)
                .response_type(GatewayResponseType::Default4Xx)
                .patch_operations(patch(op, "/statusCode", Some("444")))
                .send()
        );
        assert_eq!(status, Some(400));
        assert_eq!(err.meta().message(), Some("Invalid patch path /statusCode"));
    }
    let (status, err) = failure!(
        client
            .update_gateway_response()
            .rest_api_id(&api)
            .response_type(GatewayResponseType::IntegrationFailure)
            .patch_operations(patch(
                Op::Replace,
                "/responseParameters/gatewayresponse.header.Nope",
                Some("'x'"),
            ))
            .send()
    );
    assert_eq!(status, Some(404));
    assert_eq!(err.meta().message(), Some("Invalid parameter name specified"));
    let (_, err) = failure!(
        client
            .update_gateway_response()
            .rest_api_id(&api)
            .response_type(GatewayResponseType::Default4Xx)
            .patch_operations(patch(Op::Add, "/wrongPath", Some("x")))
            .send()
    );
    assert_eq!(err.meta().message(), Some("Invalid patch path /wrongPath"));
    let (status, err) = failure!(
        client
            .update_gateway_response()
            .rest_api_id(&api)
            .response_type(GatewayResponseType::Default4Xx)
            .patch_operations(PatchOperation::builder().op(Op::Add).value("'example.com'").build())
            .send()
    );
    assert_eq!(status, Some(400));
    assert_eq!(err.meta().message(), Some("Invalid patch path null"));
    let (status, err) = failure!(
        client
            .update_gateway_response()
            .rest_api_id(&api)
            .response_type(GatewayResponseType::Default4Xx)
            .patch_operations(patch(Op::from("wrong-op"), "/statusCode", Some("'example.com'")))
            .send()
    );
    assert_eq!(status, Some(400));
    assert_eq!(
        err.meta().message(),
        Some(
            "1 validation error detected: Value 'wrong-op' at 'updateGatewayResponseInput.patchOperations.1.member.op' failed to satisfy constraint: Member must satisfy enum value set: [add, remove, move, test, replace, copy]"
        )
    );
    for (path, member) in [
        ("/responseTemplates/application~1json", "responseTemplates"),
        ("/responseParameters/gatewayresponse.header.x", "responseParameters"),
    ] {
        let (_, err) = failure!(
            client
                .update_gateway_response()
                .rest_api_id(&api)
                .response_type(GatewayResponseType::Default4Xx)
                .patch_operations(patch(Op::Replace, path, None))
                .send()
        );
        assert_eq!(
            err.meta().message().map(str::to_string),
            Some(format!("Invalid null or empty value in {member}"))
        );
    }
    let (status, err) = failure!(
        client
            .delete_gateway_response()
            .rest_api_id(&api)
            .response_type(GatewayResponseType::Throttled)
            .send()
    );
    assert_eq!(status, Some(404));
    assert_eq!(err.meta().message(), Some("Gateway response type not defined on api"));
    let (status, err) = failure!(client.get_gateway_responses().rest_api_id("fake-api-id").send());
    assert_eq!(status, Some(404));
    assert_eq!(
        err.meta().message(),
        Some("Invalid API identifier specified 000000000000:fake-api-id")
    );
    let (status, _) = failure!(
        client
            .get_gateway_response()
            .rest_api_id("fake-api-id")
            .response_type(GatewayResponseType::Default4Xx)
            .send()
    );
    assert_eq!(status, Some(404));
    let (status, err) = failure!(
        client
            .get_gateway_response()
            .rest_api_id(&api)
            .response_type(GatewayResponseType::from("FAKE_RESPONSE_TYPE"))
            .send()
    );
    assert_eq!(status, Some(400));
    assert_eq!(err.meta().code(), Some("ValidationException"));
    assert_eq!(
        err.meta().message(),
        Some(
            "1 validation error detected: Value 'FAKE_RESPONSE_TYPE' at 'responseType' failed to satisfy constraint: Member must satisfy enum value set: [REQUEST_TOO_LARGE, RESOURCE_NOT_FOUND, AUTHORIZER_CONFIGURATION_ERROR, MISSING_AUTHENTICATION_TOKEN, BAD_REQUEST_BODY, INVALID_SIGNATURE, INVALID_API_KEY, BAD_REQUEST_PARAMETERS, AUTHORIZER_FAILURE, UNAUTHORIZED, INTEGRATION_TIMEOUT, ACCESS_DENIED, DEFAULT_4XX, DEFAULT_5XX, WAF_FILTERED, QUOTA_EXCEEDED, THROTTLED, API_CONFIGURATION_ERROR, UNSUPPORTED_MEDIA_TYPE, INTEGRATION_FAILURE, EXPIRED_TOKEN]"
        )
    );

    // DeleteGatewayResponse: 202, back to the default.
    client
        .delete_gateway_response()
        .rest_api_id(&api)
        .response_type(GatewayResponseType::MissingAuthenticationToken)
        .send()
        .await
        .unwrap();
    let back = client
        .get_gateway_response()
        .rest_api_id(&api)
        .response_type(GatewayResponseType::MissingAuthenticationToken)
        .send()
        .await
        .unwrap();
    assert!(back.default_response());
    assert!(back.response_parameters().unwrap().is_empty());
    assert_eq!(back.status_code(), Some("444"), "the customised DEFAULT_4XX");
    client
        .delete_gateway_response()
        .rest_api_id(&api)
        .response_type(GatewayResponseType::Default4Xx)
        .send()
        .await
        .unwrap();
    let back = client
        .get_gateway_response()
        .rest_api_id(&api)
        .response_type(GatewayResponseType::MissingAuthenticationToken)
        .send()
        .await
        .unwrap();
    assert_eq!(back.status_code(), Some("403"));
}

#[tokio::test]
async fn deleting_the_api_takes_its_models_validators_and_responses() {
    let portico = Portico::start();
    let client = portico.sdk();
    let api = crate::mock_api(&client, "cascade", "{}", None).await;
    let id = api.api_id.as_str();
    client
        .create_request_validator()
        .rest_api_id(id)
        .name("v")
        .send()
        .await
        .unwrap();
    client
        .put_gateway_response()
        .rest_api_id(id)
        .response_type(GatewayResponseType::Default4Xx)
        .status_code("400")
        .send()
        .await
        .unwrap();
    // A deployment snapshots them with the rest of the API.
    client.create_deployment().rest_api_id(id).send().await.unwrap();
    let counts = portico.call("GET", "/_portico/health", None, "").await.json()["counts"].clone();
    assert_eq!(counts["model"], 2, "{counts}");
    assert_eq!(counts["request-validator"], 1, "{counts}");
    assert_eq!(counts["gateway-response"], 1, "{counts}");
    client.delete_rest_api().rest_api_id(id).send().await.unwrap();
    let counts = portico.call("GET", "/_portico/health", None, "").await.json()["counts"].clone();
    assert_eq!(counts, serde_json::json!({}), "{counts}");
}

#[tokio::test]
async fn a_clone_takes_models_validators_and_responses() {
    let portico = Portico::start();
    let client = portico.sdk();
    let (source, root) = new_api(&client, "source").await;
    client
        .create_model()
        .rest_api_id(&source)
        .name("Pet")
        .content_type("application/json")
        .schema(r#"{"type": "object", "properties": {"name": {"type": "string"}}}"#)
        .send()
        .await
        .unwrap();
    client
        .create_model()
        .rest_api_id(&source)
        .name("Pets")
        .content_type("application/json")
        .schema(format!(
            r#"{{"type": "array", "items": {{"$ref": "{}"}}}}"#,
            reference(&source, "Pet")
        ))
        .send()
        .await
        .unwrap();
    let validator = client
        .create_request_validator()
        .rest_api_id(&source)
        .name("body")
        .validate_request_body(true)
        .send()
        .await
        .unwrap();
    client
        .put_method()
        .rest_api_id(&source)
        .resource_id(&root)
        .http_method("POST")
        .authorization_type("NONE")
        .request_validator_id(validator.id().unwrap())
        .request_models("application/json", "Pets")
        .send()
        .await
        .unwrap();
    client
        .put_gateway_response()
        .rest_api_id(&source)
        .response_type(GatewayResponseType::BadRequestBody)
        .status_code("422")
        .send()
        .await
        .unwrap();

    let clone = client
        .create_rest_api()
        .name("clone")
        .clone_from(&source)
        .send()
        .await
        .unwrap();
    let clone = clone.id().unwrap();
    let models = client.get_models().rest_api_id(clone).send().await.unwrap();
    let names: Vec<_> = models.items().iter().map(|m| m.name().unwrap()).collect();
    assert_eq!(names, ["Empty", "Error", "Pet", "Pets"]);
    let pets = client
        .get_model()
        .rest_api_id(clone)
        .model_name("Pets")
        .send()
        .await
        .unwrap();
    assert!(pets.schema().unwrap().contains(&reference(clone, "Pet")), "{pets:?}");
    let cloned = client
        .get_request_validator()
        .rest_api_id(clone)
        .request_validator_id(validator.id().unwrap())
        .send()
        .await
        .unwrap();
    assert!(cloned.validate_request_body());
    let response = client
        .get_gateway_response()
        .rest_api_id(clone)
        .response_type(GatewayResponseType::BadRequestBody)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status_code(), Some("422"));
    assert!(!response.default_response());
}
