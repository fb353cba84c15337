//! The small REST control-plane resources through the AWS SDK: `_custom_id_`, the resource
//! policy's wire form, client certificates, VPC links and the account.

use crate::harness::Portico;
use crate::patch;
use aws_sdk_apigateway::types::Op;

/// The status and the SDK's error of a failed call.
macro_rules! failure {
    ($call:expr) => {{
        let err = $call.await.unwrap_err();
        let status = err.raw_response().map(|r| r.status().as_u16());
        (status, err.into_service_error())
    }};
}

#[tokio::test]
async fn custom_id_tag_chooses_the_api_id() {
    let portico = Portico::start();
    let client = portico.sdk();
    let api = client
        .create_rest_api()
        .name("mine")
        .tags("_custom_id_", "myapi123")
        .send()
        .await
        .unwrap();
    assert_eq!(api.id(), Some("myapi123"));
    let got = client.get_rest_api().rest_api_id("myapi123").send().await.unwrap();
    assert_eq!(got.name(), Some("mine"));
    let resources = client.get_resources().rest_api_id("myapi123").send().await.unwrap();
    assert_eq!(resources.items()[0].path(), Some("/"));

    let (status, err) = failure!(
        client
            .create_rest_api()
            .name("again")
            .tags("_custom_id_", "myapi123")
            .send()
    );
    assert_eq!(status, Some(409));
    assert_eq!(err.meta().code(), Some("ConflictException"));
    // Another region is another namespace.
    let west = portico.sdk_as("test", "us-west-2");
    let other = west
        .create_rest_api()
        .name("west")
        .tags("_custom_id_", "myapi123")
        .send()
        .await
        .unwrap();
    assert_eq!(other.id(), Some("myapi123"));
}

#[tokio::test]
async fn policy_is_answered_escaped_as_aws_does() {
    let portico = Portico::start();
    let client = portico.sdk();
    let policy = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Principal\": \"*\", \"Action\": \"execute-api:Invoke\", \"Resource\": \"execute-api:/*\"}]\n}";
    let escaped = r#"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"execute-api:Invoke\",\"Resource\":\"execute-api:\/*\"}]}"#;
    let api = client.create_rest_api().name("p").policy(policy).send().await.unwrap();
    let id = api.id().unwrap().to_string();
    // Key order may be the store's; compare as documents after unescaping.
    let as_doc = |text: &str| -> serde_json::Value {
        let inner: String = serde_json::from_str(&format!("\"{text}\"")).unwrap();
        serde_json::from_str(&inner).unwrap()
    };
    let want = as_doc(escaped);
    assert!(api.policy().unwrap().starts_with(r#"{\""#), "{:?}", api.policy());
    assert_eq!(as_doc(api.policy().unwrap()), want);

    let got = client.get_rest_api().rest_api_id(&id).send().await.unwrap();
    assert_eq!(got.policy(), api.policy());
    let listed = client.get_rest_apis().send().await.unwrap();
    assert_eq!(listed.items()[0].policy(), api.policy());
    // The raw JSON answer: a string whose characters are the escaped document.
    let raw = portico.call("GET", &format!("/restapis/{id}"), None, "").await.json();
    assert_eq!(raw["policy"].as_str(), api.policy());

    // Terraform's aws_api_gateway_rest_api_policy patches /policy with the raw document.
    let updated = client
        .update_rest_api()
        .rest_api_id(&id)
        .patch_operations(patch(
            Op::Replace,
            "/policy",
            Some(r#"{"Version":"2012-10-17","Statement":[]}"#),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        as_doc(updated.policy().unwrap()),
        serde_json::json!({"Version": "2012-10-17", "Statement": []})
    );
    // Sending the escaped form back stores the same document.
    let updated = client
        .update_rest_api()
        .rest_api_id(&id)
        .patch_operations(patch(Op::Replace, "/policy", api.policy()))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.policy(), api.policy());
    let removed = client
        .update_rest_api()
        .rest_api_id(&id)
        .patch_operations(patch(Op::Replace, "/policy", Some("")))
        .send()
        .await
        .unwrap();
    assert_eq!(removed.policy(), None);
}

#[tokio::test]
async fn client_certificate_lifecycle() {
    let portico = Portico::start();
    let client = portico.sdk();
    let cert = client
        .generate_client_certificate()
        .description("backend")
        .tags("team", "core")
        .send()
        .await
        .unwrap();
    let id = cert.client_certificate_id().unwrap().to_string();
    assert_eq!(id.len(), 6);
    let pem = cert.pem_encoded_certificate().unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"), "{pem}");
    assert!(pem.trim_end().ends_with("-----END CERTIFICATE-----"));
    let created = cert.created_date().unwrap().secs();
    let expires = cert.expiration_date().unwrap().secs();
    assert_eq!(expires - created, 365 * 24 * 3600);
    assert_eq!(cert.tags().unwrap()["team"], "core");
    // When openssl is at hand, it must read the certificate.
    if let Ok(mut child) = std::process::Command::new("openssl")
        .args(["x509", "-noout", "-subject"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
    {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(pem.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "openssl refused the PEM");
        assert!(String::from_utf8_lossy(&out.stdout).contains("ApiGateway"));
    }

    let got = client
        .get_client_certificate()
        .client_certificate_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(got.pem_encoded_certificate(), Some(pem));
    assert_eq!(got.description(), Some("backend"));

    for _ in 0..2 {
        client.generate_client_certificate().send().await.unwrap();
    }
    let first = client.get_client_certificates().limit(2).send().await.unwrap();
    assert_eq!(first.items().len(), 2);
    let rest = client
        .get_client_certificates()
        .position(first.position().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.items().len(), 1);
    assert_eq!(rest.position(), None);

    let updated = client
        .update_client_certificate()
        .client_certificate_id(&id)
        .patch_operations(patch(Op::Replace, "/description", Some("renamed")))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.description(), Some("renamed"));
    let (status, err) = failure!(
        client
            .update_client_certificate()
            .client_certificate_id(&id)
            .patch_operations(patch(Op::Replace, "/pemEncodedCertificate", Some("x")))
            .send()
    );
    assert_eq!(status, Some(400));
    assert_eq!(err.meta().code(), Some("BadRequestException"));

    let arn = format!("arn:aws:apigateway:us-east-1::/clientcertificates/{id}");
    client
        .tag_resource()
        .resource_arn(&arn)
        .tags("env", "dev")
        .send()
        .await
        .unwrap();
    client
        .untag_resource()
        .resource_arn(&arn)
        .tag_keys("team")
        .send()
        .await
        .unwrap();
    let tags = client.get_tags().resource_arn(&arn).send().await.unwrap();
    assert_eq!(tags.tags().unwrap().len(), 1);
    assert_eq!(tags.tags().unwrap()["env"], "dev");

    client
        .delete_client_certificate()
        .client_certificate_id(&id)
        .send()
        .await
        .unwrap();
    let (status, err) = failure!(client.get_client_certificate().client_certificate_id(&id).send());
    assert_eq!(status, Some(404));
    assert_eq!(err.meta().code(), Some("NotFoundException"));
    let (status, _) = failure!(client.delete_client_certificate().client_certificate_id(&id).send());
    assert_eq!(status, Some(404));
}

#[tokio::test]
async fn vpc_link_lifecycle() {
    let portico = Portico::start();
    let client = portico.sdk();
    let nlb = "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/nlb/1234567890abcdef";
    let link = client
        .create_vpc_link()
        .name("link")
        .description("to the nlb")
        .target_arns(nlb)
        .tags("team", "core")
        .send()
        .await
        .unwrap();
    let id = link.id().unwrap().to_string();
    assert_eq!(link.status().map(|s| s.as_str()), Some("AVAILABLE"));
    assert_eq!(link.target_arns(), &[nlb.to_string()]);
    assert_eq!(link.tags().unwrap()["team"], "core");

    let got = client.get_vpc_link().vpc_link_id(&id).send().await.unwrap();
    assert_eq!(got.name(), Some("link"));
    let listed = client.get_vpc_links().send().await.unwrap();
    assert_eq!(listed.items().len(), 1);

    let updated = client
        .update_vpc_link()
        .vpc_link_id(&id)
        .patch_operations(patch(Op::Replace, "/name", Some("renamed")))
        .patch_operations(patch(Op::Replace, "/description", None))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.name(), Some("renamed"));
    assert_eq!(updated.description(), None);
    let (status, _) = failure!(
        client
            .update_vpc_link()
            .vpc_link_id(&id)
            .patch_operations(patch(Op::Replace, "/targetArns", Some("x")))
            .send()
    );
    assert_eq!(status, Some(400));

    let arn = format!("arn:aws:apigateway:us-east-1::/vpclinks/{id}");
    let tags = client.get_tags().resource_arn(&arn).send().await.unwrap();
    assert_eq!(tags.tags().unwrap()["team"], "core");

    client.delete_vpc_link().vpc_link_id(&id).send().await.unwrap();
    let (status, err) = failure!(client.get_vpc_link().vpc_link_id(&id).send());
    assert_eq!(status, Some(404));
    assert_eq!(err.meta().code(), Some("NotFoundException"));
}

#[tokio::test]
async fn account_defaults_and_cloudwatch_role() {
    let portico = Portico::start();
    let client = portico.sdk();
    let account = client.get_account().send().await.unwrap();
    assert_eq!(account.cloudwatch_role_arn(), None);
    let throttle = account.throttle_settings().unwrap();
    assert_eq!(throttle.burst_limit(), 5000);
    assert_eq!(throttle.rate_limit(), 10000.0);
    assert_eq!(account.features(), &["UsagePlans".to_string()]);
    assert_eq!(account.api_key_version(), Some("4"));

    let role = "arn:aws:iam::000000000000:role/apigw-logs";
    let updated = client
        .update_account()
        .patch_operations(patch(Op::Replace, "/cloudwatchRoleArn", Some(role)))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.cloudwatch_role_arn(), Some(role));
    assert_eq!(updated.api_key_version(), Some("4"));
    let account = client.get_account().send().await.unwrap();
    assert_eq!(account.cloudwatch_role_arn(), Some(role));

    let (status, err) = failure!(
        client
            .update_account()
            .patch_operations(patch(Op::Replace, "/apiKeyVersion", Some("3")))
            .send()
    );
    assert_eq!(status, Some(400));
    assert_eq!(err.meta().code(), Some("BadRequestException"));
}

#[tokio::test]
async fn documentation_parts_and_versions() {
    use aws_sdk_apigateway::primitives::Blob;
    use aws_sdk_apigateway::types::{DocumentationPartLocation, DocumentationPartType, LocationStatusType, PutMode};
    let portico = Portico::start();
    let client = portico.sdk();
    let api = client.create_rest_api().name("docs").send().await.unwrap();
    let api_id = api.id().unwrap().to_string();
    let location = |kind: DocumentationPartType| DocumentationPartLocation::builder().r#type(kind).build().unwrap();

    // AWS's recorded lifecycle (test_documentation_part_lifecycle).
    let part = client
        .create_documentation_part()
        .rest_api_id(&api_id)
        .location(location(DocumentationPartType::Api))
        .properties(r#"{ "description": "Sample API description" }"#)
        .send()
        .await
        .unwrap();
    let part_id = part.id().unwrap().to_string();
    assert_eq!(part.location().unwrap().r#type(), &DocumentationPartType::Api);
    assert_eq!(part.location().unwrap().path(), None);
    let (status, err) = failure!(
        client
            .create_documentation_part()
            .rest_api_id(&api_id)
            .location(location(DocumentationPartType::Api))
            .properties("{}")
            .send()
    );
    assert_eq!(status, Some(409));
    assert_eq!(err.meta().code(), Some("ConflictException"));
    let method = client
        .create_documentation_part()
        .rest_api_id(&api_id)
        .location(
            DocumentationPartLocation::builder()
                .r#type(DocumentationPartType::Method)
                .method("GET")
                .build()
                .unwrap(),
        )
        .properties("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(method.location().unwrap().path(), Some("/"));
    let (status, _) = failure!(
        client
            .create_documentation_part()
            .rest_api_id(&api_id)
            .location(location(DocumentationPartType::Model))
            .properties("{}")
            .send()
    );
    assert_eq!(status, Some(400));

    let got = client
        .get_documentation_part()
        .rest_api_id(&api_id)
        .documentation_part_id(&part_id)
        .send()
        .await
        .unwrap();
    assert_eq!(got.properties(), Some(r#"{ "description": "Sample API description" }"#));
    let methods = client
        .get_documentation_parts()
        .rest_api_id(&api_id)
        .r#type(DocumentationPartType::Method)
        .send()
        .await
        .unwrap();
    assert_eq!(methods.items().len(), 1);
    let undocumented = client
        .get_documentation_parts()
        .rest_api_id(&api_id)
        .location_status(LocationStatusType::Undocumented)
        .send()
        .await
        .unwrap();
    assert_eq!(undocumented.items()[0].id(), method.id());
    let first = client
        .get_documentation_parts()
        .rest_api_id(&api_id)
        .limit(1)
        .send()
        .await
        .unwrap();
    assert_eq!(first.items()[0].id(), Some(part_id.as_str()));
    let second = client
        .get_documentation_parts()
        .rest_api_id(&api_id)
        .position(first.position().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(second.items()[0].id(), method.id());

    let updated = client
        .update_documentation_part()
        .rest_api_id(&api_id)
        .documentation_part_id(&part_id)
        .patch_operations(patch(Op::Replace, "/properties", Some(r#"{"description":"Updated"}"#)))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.properties(), Some(r#"{"description":"Updated"}"#));
    let (status, err) = failure!(
        client
            .update_documentation_part()
            .rest_api_id(&api_id)
            .documentation_part_id(&part_id)
            .patch_operations(patch(Op::Add, "/properties", Some("{}")))
            .send()
    );
    assert_eq!(status, Some(400));
    assert_eq!(
        err.meta().message(),
        Some("Invalid patch path  '/properties' specified for op 'add'. Please choose supported operations")
    );
    let (_, err) = failure!(
        client
            .update_documentation_part()
            .rest_api_id(&api_id)
            .documentation_part_id(&part_id)
            .patch_operations(patch(Op::Replace, "/invalidPath", Some("{}")))
            .send()
    );
    assert_eq!(
        err.meta().message(),
        Some("Invalid patch path  '/invalidPath' specified for op 'replace'. Must be one of: [/properties]")
    );
    let (status, err) = failure!(
        client
            .get_documentation_part()
            .rest_api_id("api_id")
            .documentation_part_id(&part_id)
            .send()
    );
    assert_eq!(status, Some(404));
    assert_eq!(
        err.meta().message(),
        Some("Invalid Documentation part identifier specified")
    );
    let (_, err) = failure!(client.get_documentation_parts().rest_api_id("api_id").send());
    assert_eq!(
        err.meta().message(),
        Some("Invalid API identifier specified 000000000000:api_id")
    );

    // Versions snapshot the parts; stageName points the stage at the version.
    let root = api.root_resource_id().unwrap();
    client
        .put_method()
        .rest_api_id(&api_id)
        .resource_id(root)
        .http_method("GET")
        .authorization_type("NONE")
        .send()
        .await
        .unwrap();
    client
        .put_integration()
        .rest_api_id(&api_id)
        .resource_id(root)
        .http_method("GET")
        .r#type(aws_sdk_apigateway::types::IntegrationType::Mock)
        .send()
        .await
        .unwrap();
    client
        .create_deployment()
        .rest_api_id(&api_id)
        .stage_name("dev")
        .send()
        .await
        .unwrap();
    let version = client
        .create_documentation_version()
        .rest_api_id(&api_id)
        .documentation_version("v1")
        .stage_name("dev")
        .description("first")
        .send()
        .await
        .unwrap();
    assert_eq!(version.version(), Some("v1"));
    assert!(version.created_date().is_some());
    let stage = client
        .get_stage()
        .rest_api_id(&api_id)
        .stage_name("dev")
        .send()
        .await
        .unwrap();
    assert_eq!(stage.documentation_version(), Some("v1"));
    let (status, _) = failure!(
        client
            .create_documentation_version()
            .rest_api_id(&api_id)
            .documentation_version("v1")
            .send()
    );
    assert_eq!(status, Some(409));
    let updated = client
        .update_documentation_version()
        .rest_api_id(&api_id)
        .documentation_version("v1")
        .patch_operations(patch(Op::Replace, "/description", Some("doc version new")))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.description(), Some("doc version new"));
    let got = client
        .get_documentation_version()
        .rest_api_id(&api_id)
        .documentation_version("v1")
        .send()
        .await
        .unwrap();
    assert_eq!(got.description(), Some("doc version new"));
    let versions = client
        .get_documentation_versions()
        .rest_api_id(&api_id)
        .send()
        .await
        .unwrap();
    assert_eq!(versions.items().len(), 1);

    // Import: merge keeps the API part's id; overwrite replaces every part.
    let body = serde_json::json!({
        "openapi": "3.0.0",
        "info": {"title": "doc", "version": "1"},
        "paths": {},
        "x-amazon-apigateway-documentation": {
            "version": "1.0.3",
            "documentationParts": [
                {"location": {"type": "API"}, "properties": {"description": "API description"}},
                {"location": {"type": "RESPONSE", "method": "GET", "statusCode": "200"}, "properties": {"description": "200 response"}}
            ]
        }
    })
    .to_string();
    let merged = client
        .import_documentation_parts()
        .rest_api_id(&api_id)
        .mode(PutMode::Merge)
        .body(Blob::new(body.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(merged.ids().len(), 2);
    assert_eq!(merged.ids()[0], part_id);
    let all = client
        .get_documentation_parts()
        .rest_api_id(&api_id)
        .send()
        .await
        .unwrap();
    assert_eq!(all.items().len(), 3);
    let overwritten = client
        .import_documentation_parts()
        .rest_api_id(&api_id)
        .mode(PutMode::Overwrite)
        .body(Blob::new(body))
        .send()
        .await
        .unwrap();
    assert!(!overwritten.ids().contains(&part_id));
    let all = client
        .get_documentation_parts()
        .rest_api_id(&api_id)
        .send()
        .await
        .unwrap();
    assert_eq!(all.items().len(), 2);
    let response = &all.items()[1];
    assert_eq!(response.location().unwrap().path(), Some("/"));
    assert_eq!(response.location().unwrap().status_code(), Some("200"));
    let (status, err) = failure!(
        client
            .import_documentation_parts()
            .rest_api_id(&api_id)
            .mode(PutMode::Overwrite)
            .body(Blob::new("{'key:value}"))
            .send()
    );
    assert_eq!(status, Some(400));
    assert_eq!(
        err.meta().message(),
        Some("Unable to build importer with provided input.")
    );

    client
        .delete_documentation_part()
        .rest_api_id(&api_id)
        .documentation_part_id(overwritten.ids()[0].clone())
        .send()
        .await
        .unwrap();
    let (status, _) = failure!(
        client
            .delete_documentation_part()
            .rest_api_id(&api_id)
            .documentation_part_id(overwritten.ids()[0].clone())
            .send()
    );
    assert_eq!(status, Some(404));
    client
        .delete_documentation_version()
        .rest_api_id(&api_id)
        .documentation_version("v1")
        .send()
        .await
        .unwrap();
    let (status, _) = failure!(
        client
            .get_documentation_version()
            .rest_api_id(&api_id)
            .documentation_version("v1")
            .send()
    );
    assert_eq!(status, Some(404));
}

#[tokio::test]
async fn domain_names_and_base_path_mappings() {
    use aws_sdk_apigateway::types::{EndpointConfiguration, EndpointType};
    let portico = Portico::start();
    let client = portico.sdk();
    let regional = client
        .create_domain_name()
        .domain_name("api.example.com")
        .regional_certificate_arn("arn:aws:acm:us-east-1:000000000000:certificate/abc")
        .endpoint_configuration(EndpointConfiguration::builder().types(EndpointType::Regional).build())
        .tags("team", "core")
        .send()
        .await
        .unwrap();
    let regional_host = regional.regional_domain_name().unwrap();
    assert!(regional_host.starts_with("d-"), "{regional_host}");
    assert!(
        regional_host.ends_with(".execute-api.us-east-1.amazonaws.com"),
        "{regional_host}"
    );
    assert_eq!(regional.regional_hosted_zone_id(), Some("Z1UJRXOUMOOFQ8"));
    assert_eq!(regional.domain_name_status().map(|s| s.as_str()), Some("AVAILABLE"));
    assert_eq!(regional.distribution_domain_name(), None);

    let edge = client
        .create_domain_name()
        .domain_name("edge.example.com")
        .certificate_arn("arn:aws:acm:us-east-1:000000000000:certificate/def")
        .send()
        .await
        .unwrap();
    assert!(edge.distribution_domain_name().unwrap().ends_with(".cloudfront.net"));
    assert_eq!(edge.distribution_hosted_zone_id(), Some("Z2FDTNDATAQYW2"));
    assert_eq!(edge.endpoint_configuration().unwrap().types(), &[EndpointType::Edge]);

    let (status, err) = failure!(
        client
            .create_domain_name()
            .domain_name("edge.example.com")
            .certificate_arn("arn:aws:acm:us-east-1:000000000000:certificate/def")
            .send()
    );
    assert_eq!(status, Some(409));
    assert_eq!(err.meta().code(), Some("ConflictException"));
    let (status, _) = failure!(client.create_domain_name().domain_name("nocert.example.com").send());
    assert_eq!(status, Some(400));

    let got = client
        .get_domain_name()
        .domain_name("api.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(got.regional_domain_name(), Some(regional_host));
    assert_eq!(client.get_domain_names().send().await.unwrap().items().len(), 2);
    let updated = client
        .update_domain_name()
        .domain_name("api.example.com")
        .patch_operations(patch(Op::Replace, "/securityPolicy", Some("TLS_1_0")))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.security_policy().map(|s| s.as_str()), Some("TLS_1_0"));

    // Mappings: `(none)` by default, a stage or none, the API and stage checked.
    let api = client.create_rest_api().name("mapped").send().await.unwrap();
    let api_id = api.id().unwrap().to_string();
    let (status, _) = failure!(
        client
            .create_base_path_mapping()
            .domain_name("api.example.com")
            .rest_api_id(&api_id)
            .stage("nope")
            .send()
    );
    assert_eq!(status, Some(400));
    let root = client
        .create_base_path_mapping()
        .domain_name("api.example.com")
        .rest_api_id(&api_id)
        .send()
        .await
        .unwrap();
    assert_eq!(root.base_path(), Some("(none)"));
    assert_eq!(root.stage(), None);
    let v1 = client
        .create_base_path_mapping()
        .domain_name("api.example.com")
        .base_path("v1")
        .rest_api_id(&api_id)
        .send()
        .await
        .unwrap();
    assert_eq!(v1.base_path(), Some("v1"));
    let (status, _) = failure!(
        client
            .create_base_path_mapping()
            .domain_name("api.example.com")
            .base_path("v1")
            .rest_api_id(&api_id)
            .send()
    );
    assert_eq!(status, Some(409));
    let got = client
        .get_base_path_mapping()
        .domain_name("api.example.com")
        .base_path("(none)")
        .send()
        .await
        .unwrap();
    assert_eq!(got.rest_api_id(), Some(api_id.as_str()));
    let moved = client
        .update_base_path_mapping()
        .domain_name("api.example.com")
        .base_path("v1")
        .patch_operations(patch(Op::Replace, "/basePath", Some("v2")))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.base_path(), Some("v2"));
    let (status, err) = failure!(
        client
            .get_base_path_mapping()
            .domain_name("api.example.com")
            .base_path("v1")
            .send()
    );
    assert_eq!(status, Some(404));
    assert_eq!(err.meta().code(), Some("NotFoundException"));
    let mappings = client
        .get_base_path_mappings()
        .domain_name("api.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(mappings.items().len(), 2);
    client
        .delete_base_path_mapping()
        .domain_name("api.example.com")
        .base_path("v2")
        .send()
        .await
        .unwrap();

    let arn = "arn:aws:apigateway:us-east-1::/domainnames/api.example.com";
    let tags = client.get_tags().resource_arn(arn).send().await.unwrap();
    assert_eq!(tags.tags().unwrap()["team"], "core");

    client
        .delete_domain_name()
        .domain_name("api.example.com")
        .send()
        .await
        .unwrap();
    let (status, err) = failure!(client.get_domain_name().domain_name("api.example.com").send());
    assert_eq!(status, Some(404));
    assert_eq!(err.meta().message(), Some("Invalid domain name identifier specified"));
    let (status, _) = failure!(client.get_base_path_mappings().domain_name("api.example.com").send());
    assert_eq!(status, Some(404));
}
