//! RestApi, Resource, Method, Integration and Tags through the AWS SDK for Rust.

use crate::harness::Portico;
use crate::patch;
use aws_sdk_apigateway::types::{ConnectionType, EndpointConfiguration, EndpointType, IntegrationType, Op};

#[tokio::test]
async fn rest_api_lifecycle() {
    let portico = Portico::start();
    let client = portico.sdk();

    let api = client
        .create_rest_api()
        .name("pets")
        .description("pet store")
        .tags("team", "core")
        .send()
        .await
        .unwrap();
    let id = api.id().unwrap().to_string();
    assert_eq!(id.len(), 10);
    assert!(id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
    assert_eq!(api.name(), Some("pets"));
    assert_eq!(api.api_key_source().map(|s| s.as_str()), Some("HEADER"));
    assert!(!api.disable_execute_api_endpoint());
    assert!(api.created_date().is_some());
    let endpoint = api.endpoint_configuration().unwrap();
    assert_eq!(endpoint.types(), &[EndpointType::Edge]);
    assert_eq!(endpoint.ip_address_type().map(|t| t.as_str()), Some("ipv4"));
    assert_eq!(api.tags().unwrap().get("team").map(String::as_str), Some("core"));

    let got = client.get_rest_api().rest_api_id(&id).send().await.unwrap();
    assert_eq!(got.root_resource_id(), api.root_resource_id());
    assert_eq!(got.description(), Some("pet store"));

    let regional = client
        .create_rest_api()
        .name("regional")
        .endpoint_configuration(EndpointConfiguration::builder().types(EndpointType::Regional).build())
        .binary_media_types("image/png")
        .send()
        .await
        .unwrap();
    assert_eq!(
        regional.endpoint_configuration().unwrap().types(),
        &[EndpointType::Regional]
    );
    assert_eq!(regional.binary_media_types(), &["image/png".to_string()]);

    // Patch operations.
    let updated = client
        .update_rest_api()
        .rest_api_id(&id)
        .patch_operations(patch(Op::Replace, "/name", Some("pets-v2")))
        .patch_operations(patch(Op::Remove, "/description", None))
        .patch_operations(patch(Op::Add, "/binaryMediaTypes/image~1jpeg", None))
        .patch_operations(patch(Op::Replace, "/minimumCompressionSize", Some("1024")))
        .patch_operations(patch(
            Op::Replace,
            "/endpointConfiguration/types/EDGE",
            Some("REGIONAL"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.name(), Some("pets-v2"));
    assert_eq!(updated.description(), None);
    assert_eq!(updated.binary_media_types(), &["image/jpeg".to_string()]);
    assert_eq!(updated.minimum_compression_size(), Some(1024));
    assert_eq!(
        updated.endpoint_configuration().unwrap().types(),
        &[EndpointType::Regional]
    );
    let updated = client
        .update_rest_api()
        .rest_api_id(&id)
        .patch_operations(patch(Op::Remove, "/binaryMediaTypes/image~1jpeg", None))
        .patch_operations(patch(Op::Replace, "/minimumCompressionSize", Some("")))
        .send()
        .await
        .unwrap();
    assert!(updated.binary_media_types().is_empty());
    assert_eq!(updated.minimum_compression_size(), None);

    let err = client
        .update_rest_api()
        .rest_api_id(&id)
        .patch_operations(patch(Op::Replace, "/minimumCompressionSize", Some("-1")))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_bad_request_exception());
    assert_eq!(
        err.meta().message(),
        Some("Invalid minimum compression size, must be between 0 and 10485760")
    );

    // Deleting removes it and everything under it.
    client.delete_rest_api().rest_api_id(&id).send().await.unwrap();
    let err = client
        .get_rest_api()
        .rest_api_id(&id)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_not_found_exception());
    let err = client
        .get_resources()
        .rest_api_id(&id)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_not_found_exception());
}

#[tokio::test]
async fn rest_apis_paginate() {
    let portico = Portico::start();
    let client = portico.sdk();
    let mut created = Vec::new();
    for i in 0..5 {
        created.push(
            client
                .create_rest_api()
                .name(format!("api-{i}"))
                .send()
                .await
                .unwrap()
                .id()
                .unwrap()
                .to_string(),
        );
    }
    let first = client.get_rest_apis().limit(2).send().await.unwrap();
    assert_eq!(first.items().len(), 2);
    let position = first.position().expect("a next page").to_string();
    let second = client.get_rest_apis().limit(2).position(position).send().await.unwrap();
    assert_eq!(second.items().len(), 2);
    let third = client
        .get_rest_apis()
        .limit(2)
        .position(second.position().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(third.items().len(), 1);
    assert_eq!(third.position(), None);
    let seen: Vec<String> = [first, second, third]
        .iter()
        .flat_map(|page| page.items().iter().map(|a| a.id().unwrap().to_string()))
        .collect();
    assert_eq!(seen, created, "every API once, in creation order");

    // The SDK's paginator walks the same pages.
    let all: Vec<_> = client
        .get_rest_apis()
        .limit(2)
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    assert_eq!(all.len(), 5);

    let err = client
        .get_rest_apis()
        .limit(501)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_bad_request_exception());
}

#[tokio::test]
async fn resource_tree() {
    let portico = Portico::start();
    let client = portico.sdk();
    let api = client.create_rest_api().name("tree").send().await.unwrap();
    let id = api.id().unwrap();
    let root = api.root_resource_id().unwrap();

    let resources = client.get_resources().rest_api_id(id).send().await.unwrap();
    assert_eq!(resources.items().len(), 1);
    assert_eq!(resources.items()[0].path(), Some("/"));
    assert_eq!(resources.items()[0].parent_id(), None);

    let pets = client
        .create_resource()
        .rest_api_id(id)
        .parent_id(root)
        .path_part("pets")
        .send()
        .await
        .unwrap();
    assert_eq!(pets.path(), Some("/pets"));
    assert_eq!(pets.parent_id(), Some(root));
    assert_eq!(pets.id().unwrap().len(), 6);
    let pet = client
        .create_resource()
        .rest_api_id(id)
        .parent_id(pets.id().unwrap())
        .path_part("{petId}")
        .send()
        .await
        .unwrap();
    assert_eq!(pet.path(), Some("/pets/{petId}"));
    let proxy = client
        .create_resource()
        .rest_api_id(id)
        .parent_id(root)
        .path_part("{proxy+}")
        .send()
        .await
        .unwrap();
    assert_eq!(proxy.path(), Some("/{proxy+}"));

    let err = client
        .create_resource()
        .rest_api_id(id)
        .parent_id(root)
        .path_part("pets")
        .send()
        .await
        .unwrap_err();
    let err = err.into_service_error();
    assert!(err.is_conflict_exception());
    assert_eq!(
        err.meta().message(),
        Some("Another resource with the same parent already has this name: pets")
    );
    let err = client
        .create_resource()
        .rest_api_id(id)
        .parent_id(proxy.id().unwrap())
        .path_part("x")
        .send()
        .await;
    let err = err.unwrap_err().into_service_error();
    assert!(err.is_bad_request_exception());
    assert_eq!(
        err.meta().message(),
        Some("Cannot create a child of a resource with a greedy path variable: {proxy+}")
    );
    let err = client
        .create_resource()
        .rest_api_id(id)
        .parent_id(root)
        .path_part("{other}")
        .send()
        .await;
    assert!(
        err.unwrap_err().into_service_error().is_bad_request_exception(),
        "one variable sibling only"
    );
    let err = client
        .create_resource()
        .rest_api_id(id)
        .parent_id("nope")
        .path_part("x")
        .send()
        .await;
    let err = err.unwrap_err().into_service_error();
    assert!(err.is_not_found_exception());
    assert_eq!(err.meta().message(), Some("Invalid Resource identifier specified"));

    // Renaming a parent moves the paths of its children.
    let renamed = client
        .update_resource()
        .rest_api_id(id)
        .resource_id(pets.id().unwrap())
        .patch_operations(patch(Op::Replace, "/pathPart", Some("animals")))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.path(), Some("/animals"));
    let child = client
        .get_resource()
        .rest_api_id(id)
        .resource_id(pet.id().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(child.path(), Some("/animals/{petId}"));
    let err = client
        .update_resource()
        .rest_api_id(id)
        .resource_id(pets.id().unwrap())
        .patch_operations(patch(Op::Replace, "/invalid", Some("x")))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        err.meta().message(),
        Some("Invalid patch path  '/invalid' specified for op 'replace'. Must be one of: [/parentId, /pathPart]")
    );

    let err = client
        .update_resource()
        .rest_api_id(id)
        .resource_id(root)
        .patch_operations(patch(Op::Replace, "/pathPart", Some("x")))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(err.meta().message(), Some("Root resource cannot update its pathPart."));

    // Deleting a parent deletes its children.
    client
        .delete_resource()
        .rest_api_id(id)
        .resource_id(pets.id().unwrap())
        .send()
        .await
        .unwrap();
    let err = client
        .get_resource()
        .rest_api_id(id)
        .resource_id(pet.id().unwrap())
        .send()
        .await
        .unwrap_err();
    assert!(err.into_service_error().is_not_found_exception());
    assert_eq!(
        client
            .get_resources()
            .rest_api_id(id)
            .send()
            .await
            .unwrap()
            .items()
            .len(),
        2
    );
}

#[tokio::test]
async fn methods_and_integrations() {
    let portico = Portico::start();
    let client = portico.sdk();
    let api = client.create_rest_api().name("methods").send().await.unwrap();
    let id = api.id().unwrap();
    let res = client
        .create_resource()
        .rest_api_id(id)
        .parent_id(api.root_resource_id().unwrap())
        .path_part("items")
        .send()
        .await;
    let rid = res.unwrap().id().unwrap().to_string();

    let method = client
        .put_method()
        .rest_api_id(id)
        .resource_id(&rid)
        .http_method("GET")
        .authorization_type("NONE")
        .request_parameters("method.request.querystring.page", false)
        .send()
        .await
        .unwrap();
    assert_eq!(method.http_method(), Some("GET"));
    assert_eq!(method.authorization_type(), Some("NONE"));
    assert_eq!(method.api_key_required(), Some(false));
    let err = client
        .put_method()
        .rest_api_id(id)
        .resource_id(&rid)
        .http_method("GET")
        .authorization_type("NONE")
        .send()
        .await;
    assert!(err.unwrap_err().into_service_error().is_conflict_exception());
    let err = client
        .put_method()
        .rest_api_id(id)
        .resource_id(&rid)
        .http_method("FETCH")
        .authorization_type("NONE")
        .send()
        .await;
    let err = err.unwrap_err().into_service_error();
    assert_eq!(
        err.meta().message(),
        Some("Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY")
    );

    let updated = client
        .update_method()
        .rest_api_id(id)
        .resource_id(&rid)
        .http_method("GET")
        .patch_operations(patch(Op::Replace, "/apiKeyRequired", Some("true")))
        .patch_operations(patch(
            Op::Add,
            "/requestParameters/method.request.header.x-trace",
            Some("true"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.api_key_required(), Some(true));
    assert_eq!(
        updated
            .request_parameters()
            .unwrap()
            .get("method.request.header.x-trace"),
        Some(&true)
    );

    let response = client
        .put_method_response()
        .rest_api_id(id)
        .resource_id(&rid)
        .http_method("GET")
        .status_code("200")
        .response_parameters("method.response.header.x-id", true)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status_code(), Some("200"));
    let err = client
        .get_method_response()
        .rest_api_id(id)
        .resource_id(&rid)
        .http_method("GET")
        .status_code("404")
        .send()
        .await;
    let err = err.unwrap_err().into_service_error();
    assert!(err.is_not_found_exception());
    assert_eq!(err.meta().message(), Some("Invalid Response status code specified"));

    // No integration yet.
    let err = client
        .get_integration()
        .rest_api_id(id)
        .resource_id(&rid)
        .http_method("GET")
        .send()
        .await
        .unwrap_err();
    let err = err.into_service_error();
    assert!(err.is_not_found_exception());
    assert_eq!(err.meta().message(), Some("Invalid Integration identifier specified"));

    let err = client
        .put_integration()
        .rest_api_id(id)
        .resource_id(&rid)
        .http_method("GET")
        .r#type(IntegrationType::HttpProxy)
        .uri("http://example.com")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        err.meta().message(),
        Some("Enumeration value for HttpMethod must be non-empty")
    );

    let integration = client
        .put_integration()
        .rest_api_id(id)
        .resource_id(&rid)
        .http_method("GET")
        .r#type(IntegrationType::HttpProxy)
        .integration_http_method("GET")
        .uri("http://127.0.0.1:9/items")
        .send()
        .await
        .unwrap();
    assert_eq!(integration.r#type(), Some(&IntegrationType::HttpProxy));
    assert_eq!(integration.http_method(), Some("GET"));
    assert_eq!(integration.connection_type(), Some(&ConnectionType::Internet));
    assert_eq!(integration.timeout_in_millis(), 29000);
    assert_eq!(integration.passthrough_behavior(), Some("WHEN_NO_MATCH"));
    assert!(integration.cache_key_parameters().is_empty());

    let integration = client
        .update_integration()
        .rest_api_id(id)
        .resource_id(&rid)
        .http_method("GET")
        .patch_operations(patch(Op::Replace, "/uri", Some("http://127.0.0.1:9/v2/items")))
        .patch_operations(patch(Op::Replace, "/timeoutInMillis", Some("5000")))
        .send()
        .await
        .unwrap();
    assert_eq!(integration.uri(), Some("http://127.0.0.1:9/v2/items"));
    assert_eq!(integration.timeout_in_millis(), 5000);

    client
        .put_integration_response()
        .rest_api_id(id)
        .resource_id(&rid)
        .http_method("GET")
        .status_code("200")
        .selection_pattern("")
        .response_templates("application/json", "{}")
        .send()
        .await
        .unwrap();
    let ir = client
        .update_integration_response()
        .rest_api_id(id)
        .resource_id(&rid)
        .http_method("GET")
        .status_code("200")
        .patch_operations(patch(Op::Replace, "/selectionPattern", Some("2\\d{2}")))
        .send()
        .await
        .unwrap();
    assert_eq!(ir.selection_pattern(), Some("2\\d{2}"));

    // GetMethod shows the whole method; GetResources embeds it on request.
    let method = client
        .get_method()
        .rest_api_id(id)
        .resource_id(&rid)
        .http_method("GET")
        .send()
        .await
        .unwrap();
    let integration = method.method_integration().unwrap();
    assert_eq!(
        integration.integration_responses().unwrap()["200"].selection_pattern(),
        Some("2\\d{2}")
    );
    assert_eq!(method.method_responses().unwrap()["200"].status_code(), Some("200"));
    let embedded = client
        .get_resources()
        .rest_api_id(id)
        .embed("methods")
        .send()
        .await
        .unwrap();
    let items = embedded.items().iter().find(|r| r.id() == Some(rid.as_str())).unwrap();
    assert!(items.resource_methods().unwrap()["GET"].method_integration().is_some());

    client
        .delete_integration_response()
        .rest_api_id(id)
        .resource_id(&rid)
        .http_method("GET")
        .status_code("200")
        .send()
        .await
        .unwrap();
    client
        .delete_integration()
        .rest_api_id(id)
        .resource_id(&rid)
        .http_method("GET")
        .send()
        .await
        .unwrap();
    client
        .delete_method_response()
        .rest_api_id(id)
        .resource_id(&rid)
        .http_method("GET")
        .status_code("200")
        .send()
        .await
        .unwrap();
    client
        .delete_method()
        .rest_api_id(id)
        .resource_id(&rid)
        .http_method("GET")
        .send()
        .await
        .unwrap();
    let err = client
        .get_method()
        .rest_api_id(id)
        .resource_id(&rid)
        .http_method("GET")
        .send()
        .await
        .unwrap_err();
    let err = err.into_service_error();
    assert!(err.is_not_found_exception());
    assert_eq!(err.meta().message(), Some("Invalid Method identifier specified"));
}

#[tokio::test]
async fn tags_by_arn() {
    let portico = Portico::start();
    let client = portico.sdk();
    let api = crate::mock_api(&client, "tagged", "{}", Some("dev")).await;
    let api_arn = format!("arn:aws:apigateway:us-east-1::/restapis/{}", api.api_id);
    let stage_arn = format!("{api_arn}/stages/dev");

    client
        .tag_resource()
        .resource_arn(&api_arn)
        .tags("env", "test")
        .tags("owner", "me")
        .send()
        .await
        .unwrap();
    client
        .untag_resource()
        .resource_arn(&api_arn)
        .tag_keys("owner")
        .send()
        .await
        .unwrap();
    let tags = client.get_tags().resource_arn(&api_arn).send().await.unwrap();
    assert_eq!(tags.tags().unwrap().len(), 1);
    assert_eq!(tags.tags().unwrap()["env"], "test");
    let got = client.get_rest_api().rest_api_id(&api.api_id).send().await.unwrap();
    assert_eq!(got.tags().unwrap()["env"], "test");

    client
        .tag_resource()
        .resource_arn(&stage_arn)
        .tags("tier", "gold")
        .send()
        .await
        .unwrap();
    let stage = client
        .get_stage()
        .rest_api_id(&api.api_id)
        .stage_name("dev")
        .send()
        .await
        .unwrap();
    assert_eq!(stage.tags().unwrap()["tier"], "gold");

    let err = client
        .get_tags()
        .resource_arn("arn:aws:apigateway:us-east-1::/restapis/nope")
        .send()
        .await
        .unwrap_err();
    assert!(err.into_service_error().is_not_found_exception());
}

#[tokio::test]
async fn resources_per_api_quota() {
    let portico = Portico::start();
    let client = portico.sdk();
    let api = client.create_rest_api().name("quota").send().await.unwrap();
    let (id, root) = (api.id().unwrap(), api.root_resource_id().unwrap());
    for i in 1..300 {
        client
            .create_resource()
            .rest_api_id(id)
            .parent_id(root)
            .path_part(format!("r{i}"))
            .send()
            .await
            .unwrap();
    }
    let err = client
        .create_resource()
        .rest_api_id(id)
        .parent_id(root)
        .path_part("one-more")
        .send()
        .await
        .unwrap_err();
    let raw_status = err.raw_response().map(|r| r.status().as_u16());
    let err = err.into_service_error();
    assert!(err.is_limit_exceeded_exception(), "{err:?}");
    assert_eq!(raw_status, Some(429));
    assert_eq!(
        err.meta().message(),
        Some(
            "Maximum number of Resources for this API has been reached.  Please contact AWS if you need additional Resources."
        )
    );
}

#[tokio::test]
async fn clone_from_copies_the_resource_tree() {
    let portico = Portico::start();
    let client = portico.sdk();
    let source = crate::mock_api(&client, "source", r#"{"from": "source"}"#, None).await;
    let clone = client
        .create_rest_api()
        .name("clone")
        .clone_from(&source.api_id)
        .send()
        .await
        .unwrap();
    let clone_id = clone.id().unwrap();
    assert_ne!(clone.root_resource_id(), Some(source.root_id.as_str()));

    let resources = client
        .get_resources()
        .rest_api_id(clone_id)
        .embed("methods")
        .send()
        .await
        .unwrap();
    let mut paths: Vec<&str> = resources.items().iter().filter_map(|r| r.path()).collect();
    paths.sort();
    assert_eq!(paths, ["/", "/hello"]);
    let root = resources.items().iter().find(|r| r.path() == Some("/")).unwrap();
    assert_eq!(root.id(), clone.root_resource_id());
    let hello = resources.items().iter().find(|r| r.path() == Some("/hello")).unwrap();
    assert_ne!(hello.id(), Some(source.resource_id.as_str()));
    assert_eq!(hello.parent_id(), clone.root_resource_id());
    assert!(hello.resource_methods().unwrap()["GET"].method_integration().is_some());

    // The clone deploys and answers on its own.
    client
        .create_deployment()
        .rest_api_id(clone_id)
        .stage_name("dev")
        .send()
        .await
        .unwrap();
    assert_eq!(
        portico.invoke(clone_id, "GET", "/dev/hello").await.body,
        r#"{"from": "source"}"#
    );

    let err = client
        .create_rest_api()
        .name("x")
        .clone_from("nope")
        .send()
        .await
        .unwrap_err();
    let err = err.into_service_error();
    assert!(err.is_bad_request_exception());
    assert_eq!(
        err.meta().message(),
        Some("Invalid API identifier specified 000000000000:nope")
    );
}
