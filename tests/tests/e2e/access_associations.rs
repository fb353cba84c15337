//! Private custom domain names and their domain name access associations through the AWS SDK:
//! ids and ARNs, `domainNameId` on every call, associations across accounts, rejection, tags.

use crate::harness::Portico;
use crate::patch;
use aws_sdk_apigateway::types::{AccessAssociationSourceType, EndpointConfiguration, EndpointType, Op, ResourceOwner};

/// The status and the SDK's error of a failed call.
macro_rules! failure {
    ($call:expr) => {{
        let err = $call.await.unwrap_err();
        let status = err.raw_response().map(|r| r.status().as_u16());
        (status, err.into_service_error())
    }};
}

const CERT: &str = "arn:aws:acm:us-east-1:111111111111:certificate/abc";

async fn private_domain(client: &aws_sdk_apigateway::Client, name: &str) -> (String, String) {
    let domain = client
        .create_domain_name()
        .domain_name(name)
        .certificate_arn(CERT)
        .endpoint_configuration(EndpointConfiguration::builder().types(EndpointType::Private).build())
        .policy(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}"#)
        .send()
        .await
        .expect("private domain");
    (
        domain.domain_name_id().expect("id").to_string(),
        domain.domain_name_arn().expect("arn").to_string(),
    )
}

#[tokio::test]
async fn private_domain_names_have_ids_and_arns() {
    let portico = Portico::start();
    let client = portico.sdk_as("111111111111", "us-east-1");
    let created = client
        .create_domain_name()
        .domain_name("private.example.com")
        .certificate_arn(CERT)
        .endpoint_configuration(EndpointConfiguration::builder().types(EndpointType::Private).build())
        .policy(r#"{"Version": "2012-10-17"}"#)
        .tags("team", "core")
        .send()
        .await
        .unwrap();
    let id = created.domain_name_id().unwrap().to_string();
    assert_eq!(id.len(), 10, "{id}");
    assert_eq!(
        created.domain_name_arn(),
        Some(format!("arn:aws:apigateway:us-east-1:111111111111:/domainnames/private.example.com+{id}").as_str())
    );
    let endpoint = created.endpoint_configuration().unwrap();
    assert_eq!(endpoint.types(), &[EndpointType::Private]);
    assert_eq!(endpoint.ip_address_type().map(|t| t.as_str()), Some("dualstack"));
    assert_eq!(created.certificate_arn(), Some(CERT));
    assert_eq!(created.regional_domain_name(), None);
    assert_eq!(created.distribution_domain_name(), None);
    // The policy is answered as a plain JSON document (not escaped as a RestApi's).
    assert_eq!(created.policy(), Some(r#"{"Version":"2012-10-17"}"#));

    // The same name again is another private domain, with another id.
    let (other_id, _) = private_domain(&client, "private.example.com").await;
    assert_ne!(other_id, id);

    // Reads, updates and mappings name the id; without it the private domain is not found.
    let got = client
        .get_domain_name()
        .domain_name("private.example.com")
        .domain_name_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(got.domain_name_arn(), created.domain_name_arn());
    assert_eq!(got.tags().unwrap()["team"], "core");
    let (status, err) = failure!(client.get_domain_name().domain_name("private.example.com").send());
    assert_eq!(status, Some(404));
    assert_eq!(err.meta().code(), Some("NotFoundException"));
    let updated = client
        .update_domain_name()
        .domain_name("private.example.com")
        .domain_name_id(&id)
        .patch_operations(patch(Op::Replace, "/policy", Some(r#"{"Statement": []}"#)))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.policy(), Some(r#"{"Statement":[]}"#));
    let api = client.create_rest_api().name("private").send().await.unwrap();
    client
        .create_base_path_mapping()
        .domain_name("private.example.com")
        .domain_name_id(&id)
        .rest_api_id(api.id().unwrap())
        .base_path("v1")
        .send()
        .await
        .unwrap();
    let mappings = client
        .get_base_path_mappings()
        .domain_name("private.example.com")
        .domain_name_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(mappings.items().len(), 1);
    assert_eq!(client.get_domain_names().send().await.unwrap().items().len(), 2);

    // Tags by the private domain's ARN.
    client
        .tag_resource()
        .resource_arn(created.domain_name_arn().unwrap())
        .tags("env", "dev")
        .send()
        .await
        .unwrap();
    let tags = client
        .get_tags()
        .resource_arn(created.domain_name_arn().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags().unwrap().len(), 2);

    // PRIVATE takes dualstack only, and a certificate.
    let (status, _) = failure!(
        client
            .create_domain_name()
            .domain_name("v4.example.com")
            .certificate_arn(CERT)
            .endpoint_configuration(
                EndpointConfiguration::builder()
                    .types(EndpointType::Private)
                    .ip_address_type(aws_sdk_apigateway::types::IpAddressType::Ipv4)
                    .build()
            )
            .send()
    );
    assert_eq!(status, Some(400));
    let (status, _) = failure!(
        client
            .create_domain_name()
            .domain_name("nocert.example.com")
            .endpoint_configuration(EndpointConfiguration::builder().types(EndpointType::Private).build())
            .send()
    );
    assert_eq!(status, Some(400));

    client
        .delete_domain_name()
        .domain_name("private.example.com")
        .domain_name_id(&id)
        .send()
        .await
        .unwrap();
    let (status, _) = failure!(
        client
            .get_domain_name()
            .domain_name("private.example.com")
            .domain_name_id(&id)
            .send()
    );
    assert_eq!(status, Some(404));
}

#[tokio::test]
async fn access_associations_in_one_account() {
    let portico = Portico::start();
    let client = portico.sdk_as("111111111111", "us-east-1");
    let (id, domain_arn) = private_domain(&client, "private.example.com").await;

    let association = client
        .create_domain_name_access_association()
        .domain_name_arn(&domain_arn)
        .access_association_source_type(AccessAssociationSourceType::Vpce)
        .access_association_source("vpce-0abc123")
        .tags("team", "core")
        .send()
        .await
        .unwrap();
    let arn = association.domain_name_access_association_arn().unwrap().to_string();
    assert_eq!(
        arn,
        format!(
            "arn:aws:apigateway:us-east-1:111111111111:/domainnameaccessassociations/domainname/private.example.com+{id}/vpcesource/vpce-0abc123"
        )
    );
    assert_eq!(association.domain_name_arn(), Some(domain_arn.as_str()));
    assert_eq!(association.access_association_source(), Some("vpce-0abc123"));
    assert_eq!(
        association.access_association_source_type(),
        Some(&AccessAssociationSourceType::Vpce)
    );
    assert_eq!(association.tags().unwrap()["team"], "core");

    client
        .create_domain_name_access_association()
        .domain_name_arn(&domain_arn)
        .access_association_source_type(AccessAssociationSourceType::Vpce)
        .access_association_source("vpce-0def789")
        .send()
        .await
        .unwrap();

    // The raw answer: 201 and AWS's member names (unsigned: the default account's association).
    let raw = portico
        .call(
            "POST",
            "/domainnameaccessassociations",
            None,
            &format!(
                r#"{{"domainNameArn":"{domain_arn}","accessAssociationSourceType":"VPCE","accessAssociationSource":"vpce-0def456"}}"#
            ),
        )
        .await;
    assert_eq!(raw.status, 201, "{}", raw.body);
    let raw = raw.json();
    assert!(
        raw["domainNameAccessAssociationArn"]
            .as_str()
            .unwrap()
            .ends_with("/vpcesource/vpce-0def456")
    );

    // Twice is a conflict; a public domain, an unknown domain or a non-VPCE source is refused.
    let (status, err) = failure!(
        client
            .create_domain_name_access_association()
            .domain_name_arn(&domain_arn)
            .access_association_source_type(AccessAssociationSourceType::Vpce)
            .access_association_source("vpce-0abc123")
            .send()
    );
    assert_eq!(status, Some(409));
    assert_eq!(err.meta().code(), Some("ConflictException"));
    let public = client
        .create_domain_name()
        .domain_name("public.example.com")
        .certificate_arn(CERT)
        .send()
        .await
        .unwrap();
    for (domain, source) in [
        (public.domain_name_arn().unwrap().to_string(), "vpce-0abc123"),
        (format!("{domain_arn}x"), "vpce-0abc123"),
        (domain_arn.clone(), "vpc-0abc123"),
    ] {
        let (status, err) = failure!(
            client
                .create_domain_name_access_association()
                .domain_name_arn(&domain)
                .access_association_source_type(AccessAssociationSourceType::Vpce)
                .access_association_source(source)
                .send()
        );
        assert_eq!(status, Some(400), "{domain} {source}");
        assert_eq!(err.meta().code(), Some("BadRequestException"));
    }

    let listed = client.get_domain_name_access_associations().send().await.unwrap();
    assert_eq!(listed.items().len(), 2);
    let paged = client
        .get_domain_name_access_associations()
        .limit(1)
        .send()
        .await
        .unwrap();
    assert_eq!(paged.items().len(), 1);
    assert!(paged.position().is_some());
    let others = client
        .get_domain_name_access_associations()
        .resource_owner(ResourceOwner::OtherAccounts)
        .send()
        .await
        .unwrap();
    assert_eq!(others.items().len(), 1);
    assert!(
        others.items()[0]
            .domain_name_access_association_arn()
            .unwrap()
            .contains(":000000000000:")
    );

    // Tags by the association's ARN.
    client
        .tag_resource()
        .resource_arn(&arn)
        .tags("env", "dev")
        .send()
        .await
        .unwrap();
    let tags = client.get_tags().resource_arn(&arn).send().await.unwrap();
    assert_eq!(tags.tags().unwrap().len(), 2);
    client
        .untag_resource()
        .resource_arn(&arn)
        .tag_keys("team")
        .send()
        .await
        .unwrap();
    let tags = client.get_tags().resource_arn(&arn).send().await.unwrap();
    assert_eq!(tags.tags().unwrap().keys().collect::<Vec<_>>(), ["env"]);

    // Delete; then it is gone (404).
    client
        .delete_domain_name_access_association()
        .domain_name_access_association_arn(&arn)
        .send()
        .await
        .unwrap();
    let (status, err) = failure!(
        client
            .delete_domain_name_access_association()
            .domain_name_access_association_arn(&arn)
            .send()
    );
    assert_eq!(status, Some(404));
    assert_eq!(err.meta().code(), Some("NotFoundException"));

    // Deleting the domain takes the associations left, other accounts' too.
    client
        .delete_domain_name()
        .domain_name("private.example.com")
        .domain_name_id(&id)
        .send()
        .await
        .unwrap();
    let listed = client.get_domain_name_access_associations().send().await.unwrap();
    assert!(listed.items().is_empty());
    let theirs = portico
        .call("GET", "/domainnameaccessassociations", None, "")
        .await
        .json();
    assert_eq!(theirs["item"], serde_json::json!([]));
}

#[tokio::test]
async fn access_associations_across_accounts_and_rejection() {
    let portico = Portico::start();
    let owner = portico.sdk_as("111111111111", "us-east-1");
    let consumer = portico.sdk_as("222222222222", "us-east-1");
    let (_, domain_arn) = private_domain(&owner, "shared.example.com").await;

    let association = consumer
        .create_domain_name_access_association()
        .domain_name_arn(&domain_arn)
        .access_association_source_type(AccessAssociationSourceType::Vpce)
        .access_association_source("vpce-0consumer")
        .send()
        .await
        .unwrap();
    let arn = association.domain_name_access_association_arn().unwrap().to_string();
    assert!(
        arn.starts_with("arn:aws:apigateway:us-east-1:222222222222:/domainnameaccessassociations/"),
        "{arn}"
    );

    // The consumer sees it as its own; the owner sees it from another account.
    let own = consumer.get_domain_name_access_associations().send().await.unwrap();
    assert_eq!(own.items().len(), 1);
    let owner_self = owner.get_domain_name_access_associations().send().await.unwrap();
    assert!(owner_self.items().is_empty());
    let inbound = owner
        .get_domain_name_access_associations()
        .resource_owner(ResourceOwner::OtherAccounts)
        .send()
        .await
        .unwrap();
    assert_eq!(inbound.items().len(), 1);
    assert_eq!(
        inbound.items()[0].domain_name_access_association_arn(),
        Some(arn.as_str())
    );
    // And the consumer lists the owner's domain among other accounts' domain names.
    let shared = consumer
        .get_domain_names()
        .resource_owner(ResourceOwner::OtherAccounts)
        .send()
        .await
        .unwrap();
    assert_eq!(shared.items().len(), 1);
    assert_eq!(shared.items()[0].domain_name_arn(), Some(domain_arn.as_str()));

    // Only the domain's owner can reject; an unknown association is 404.
    let (status, _) = failure!(
        consumer
            .reject_domain_name_access_association()
            .domain_name_access_association_arn(&arn)
            .domain_name_arn(&domain_arn)
            .send()
    );
    assert_eq!(status, Some(404));
    let (status, err) = failure!(
        owner
            .reject_domain_name_access_association()
            .domain_name_access_association_arn(arn.replace("vpce-0consumer", "vpce-0other"))
            .domain_name_arn(&domain_arn)
            .send()
    );
    assert_eq!(status, Some(404));
    assert_eq!(err.meta().code(), Some("NotFoundException"));
    owner
        .reject_domain_name_access_association()
        .domain_name_access_association_arn(&arn)
        .domain_name_arn(&domain_arn)
        .send()
        .await
        .unwrap();
    assert!(
        consumer
            .get_domain_name_access_associations()
            .send()
            .await
            .unwrap()
            .items()
            .is_empty()
    );
    let inbound = owner
        .get_domain_name_access_associations()
        .resource_owner(ResourceOwner::OtherAccounts)
        .send()
        .await
        .unwrap();
    assert!(inbound.items().is_empty());
}
