//! API keys, usage plans, their keys and usage through the AWS SDK, against the answers AWS
//! recorded (LocalStack's `test_apigateway_extended` and `test_apigateway_common` snapshots):
//! defaults, generated values, name queries, pages, patches, ImportApiKeys, GetUsage, and the
//! 400/404/409s.

use crate::harness::{Portico, temp_dir};
use crate::{mock_api, patch};
use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::primitives::Blob;
use aws_sdk_apigateway::types::{
    ApiKeysFormat, ApiStage, Op, QuotaPeriodType, QuotaSettings, StageKey, ThrottleSettings,
};

/// The status and the SDK's error of a failed call.
macro_rules! failure {
    ($call:expr) => {{
        let err = $call.await.unwrap_err();
        let status = err.raw_response().map(|r| r.status().as_u16());
        (status, err.into_service_error())
    }};
}

const VALUE: &str = "apikey1234abcdefghij0123456789";

async fn stage_api(client: &Client, name: &str) -> String {
    mock_api(client, name, "{}", Some("dev")).await.api_id
}

#[tokio::test]
async fn api_keys_as_aws_answers_them() {
    let portico = Portico::start();
    let client = portico.sdk();
    let api = stage_api(&client, "keys").await;

    assert!(client.get_api_keys().send().await.unwrap().items().is_empty());

    // Defaults: disabled, a generated 40-character value, no stages, ids like AWS's.
    let first = client.create_api_key().name("test-key-one").send().await.unwrap();
    let first_id = first.id().unwrap().to_string();
    assert_eq!(first_id.len(), 10);
    assert!(first_id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
    assert!(!first.enabled());
    let value = first.value().unwrap();
    assert_eq!(value.len(), 40);
    assert!(value.chars().all(|c| c.is_ascii_alphanumeric()));
    assert!(first.stage_keys().is_empty());
    assert!(first.created_date().is_some() && first.last_updated_date().is_some());
    assert!(first.tags().is_none());

    let second = client
        .create_api_key()
        .name("test-key-two")
        .description("second")
        .enabled(true)
        .value(VALUE)
        .customer_id("customer-1")
        .stage_keys(StageKey::builder().rest_api_id(&api).stage_name("dev").build())
        .tags("team", "a")
        .send()
        .await
        .unwrap();
    let second_id = second.id().unwrap().to_string();
    assert_eq!(second.value(), Some(VALUE));
    assert_eq!(second.stage_keys(), [format!("{api}/dev")]);
    assert_eq!(second.customer_id(), Some("customer-1"));
    assert!(second.enabled());

    // An empty name or value is as none.
    let unnamed = client.create_api_key().name("").value("").send().await.unwrap();
    assert!(unnamed.name().is_none());
    assert_eq!(unnamed.value().map(str::len), Some(40));
    client
        .delete_api_key()
        .api_key(unnamed.id().unwrap())
        .send()
        .await
        .unwrap();

    // GetApiKey: the value only when asked, tags always.
    let got = client.get_api_key().api_key(&second_id).send().await.unwrap();
    assert!(got.value().is_none());
    assert_eq!(got.tags().unwrap()["team"], "a");
    let got = client
        .get_api_key()
        .api_key(&first_id)
        .include_value(true)
        .send()
        .await
        .unwrap();
    assert_eq!(got.value(), first.value());
    assert!(got.tags().unwrap().is_empty());

    // GetApiKeys: nameQuery is a case-sensitive prefix; customerId; includeValues; pages.
    let names = |keys: &aws_sdk_apigateway::operation::get_api_keys::GetApiKeysOutput| {
        keys.items()
            .iter()
            .map(|k| k.name().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let all = client.get_api_keys().send().await.unwrap();
    assert_eq!(names(&all), ["test-key-one", "test-key-two"]);
    assert!(all.items().iter().all(|k| k.value().is_none()));
    let query = |q: &str| client.get_api_keys().name_query(q).send();
    assert_eq!(
        names(&query("test-key").await.unwrap()),
        ["test-key-one", "test-key-two"]
    );
    assert_eq!(names(&query("test-key-t").await.unwrap()), ["test-key-two"]);
    assert!(query("TEST-key").await.unwrap().items().is_empty());
    assert!(query("key-one").await.unwrap().items().is_empty());
    let by_customer = client.get_api_keys().customer_id("customer-1").send().await.unwrap();
    assert_eq!(names(&by_customer), ["test-key-two"]);
    let with_values = client.get_api_keys().include_values(true).send().await.unwrap();
    assert_eq!(with_values.items()[1].value(), Some(VALUE));
    let page = client.get_api_keys().limit(1).send().await.unwrap();
    assert_eq!(names(&page), ["test-key-one"]);
    let next = client
        .get_api_keys()
        .limit(1)
        .position(page.position().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(names(&next), ["test-key-two"]);
    assert!(next.position().is_none());
    let filtered = client
        .get_api_keys()
        .name_query("test-key-t")
        .limit(1)
        .send()
        .await
        .unwrap();
    assert_eq!(names(&filtered), ["test-key-two"]);
    assert!(filtered.position().is_none());

    // CreateApiKey's 400s and the 409 for a value in use.
    let (status, err) = failure!(client.create_api_key().value("short").send());
    assert_eq!(status, Some(400));
    assert!(err.is_bad_request_exception());
    assert_eq!(
        err.meta().message(),
        Some("API Key value should be at least 20 characters")
    );
    let (status, err) = failure!(client.create_api_key().value("a".repeat(129)).send());
    assert_eq!(status, Some(400));
    assert_eq!(
        err.meta().message(),
        Some("API Key value exceeds maximum size of 128 characters")
    );
    let (status, err) = failure!(client.create_api_key().name("a".repeat(1025)).send());
    assert_eq!(status, Some(400));
    assert_eq!(
        err.meta().message(),
        Some("Invalid API Key name, can be at most 1024 characters.")
    );
    let (status, err) = failure!(client.create_api_key().description("a".repeat(125_001)).send());
    assert_eq!(status, Some(400));
    assert_eq!(err.meta().message(), Some("Invalid API Key description specified."));
    let (status, err) = failure!(client.create_api_key().value(VALUE).send());
    assert_eq!(status, Some(409));
    assert!(err.is_conflict_exception());
    let (status, _) = failure!(
        client
            .create_api_key()
            .stage_keys(StageKey::builder().rest_api_id(&api).stage_name("nope").build())
            .send()
    );
    assert_eq!(status, Some(404));

    // UpdateApiKey.
    let updated = client
        .update_api_key()
        .api_key(&first_id)
        .patch_operations(patch(Op::Replace, "/name", Some("renamed")))
        .patch_operations(patch(Op::Replace, "/description", Some("about")))
        .patch_operations(patch(Op::Replace, "/enabled", Some("true")))
        .patch_operations(patch(Op::Replace, "/customerId", Some("customer-2")))
        .patch_operations(patch(Op::Add, "/stages", Some(&format!("{api}/dev"))))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.name(), Some("renamed"));
    assert_eq!(updated.description(), Some("about"));
    assert!(updated.enabled());
    assert_eq!(updated.customer_id(), Some("customer-2"));
    assert_eq!(updated.stage_keys(), [format!("{api}/dev")]);
    assert!(updated.value().is_none());
    assert!(updated.tags().unwrap().is_empty());
    // Anything but "true" switches the key off, as on AWS.
    let updated = client
        .update_api_key()
        .api_key(&first_id)
        .patch_operations(patch(Op::Replace, "/enabled", Some("not-a-boolean")))
        .patch_operations(patch(Op::Remove, "/stages", Some(&format!("{api}/dev"))))
        .send()
        .await
        .unwrap();
    assert!(!updated.enabled());
    assert!(updated.stage_keys().is_empty());
    let (status, err) = failure!(
        client
            .update_api_key()
            .api_key(&first_id)
            .patch_operations(patch(Op::Replace, "/id", Some("new-id")))
            .send()
    );
    assert_eq!(status, Some(400));
    assert_eq!(
        err.meta().message(),
        Some(
            "Invalid patch path  '/id' specified for op 'replace'. Must be one of: [/description, /enabled, /name, /customerId]"
        )
    );

    // 404s for an unknown key.
    let (status, err) = failure!(client.get_api_key().api_key("nope").send());
    assert_eq!(status, Some(404));
    assert!(err.is_not_found_exception());
    assert_eq!(err.meta().message(), Some("Invalid API Key identifier specified"));
    let (status, _) = failure!(
        client
            .update_api_key()
            .api_key("nope")
            .patch_operations(patch(Op::Replace, "/name", Some("x")))
            .send()
    );
    assert_eq!(status, Some(404));
    let (status, _) = failure!(client.delete_api_key().api_key("nope").send());
    assert_eq!(status, Some(404));

    // DeleteApiKey, and its value is free again.
    client.delete_api_key().api_key(&second_id).send().await.unwrap();
    let (status, _) = failure!(client.get_api_key().api_key(&second_id).send());
    assert_eq!(status, Some(404));
    client.create_api_key().value(VALUE).send().await.unwrap();
}

#[tokio::test]
async fn usage_plans_and_their_keys() {
    let portico = Portico::start();
    let client = portico.sdk();
    let api = stage_api(&client, "plans").await;

    // CreateUsagePlan: apiStages always shown, a quota's offset defaults to 0.
    let bare = client.create_usage_plan().name("bare").send().await.unwrap();
    assert!(bare.api_stages().is_empty());
    assert!(bare.throttle().is_none() && bare.quota().is_none() && bare.tags().is_none());
    let plan = client
        .create_usage_plan()
        .name("gold")
        .description("Test Usage Plan for API key")
        .api_stages(ApiStage::builder().api_id(&api).stage("dev").build())
        .throttle(ThrottleSettings::builder().burst_limit(1).rate_limit(2.0).build())
        .quota(QuotaSettings::builder().limit(10).period(QuotaPeriodType::Day).build())
        .tags("tag_key", "tag_value")
        .send()
        .await
        .unwrap();
    let plan_id = plan.id().unwrap().to_string();
    assert_eq!(plan.api_stages()[0].api_id(), Some(api.as_str()));
    assert_eq!(plan.api_stages()[0].stage(), Some("dev"));
    assert_eq!(plan.throttle().unwrap().burst_limit(), 1);
    assert_eq!(plan.throttle().unwrap().rate_limit(), 2.0);
    let quota = plan.quota().unwrap();
    assert_eq!(
        (quota.limit(), quota.offset(), quota.period()),
        (10, 0, Some(&QuotaPeriodType::Day))
    );
    assert_eq!(plan.tags().unwrap()["tag_key"], "tag_value");

    // An API stage that does not exist is a 404.
    let (status, err) = failure!(
        client
            .create_usage_plan()
            .name("broken")
            .api_stages(ApiStage::builder().api_id(&api).stage("nope").build())
            .send()
    );
    assert_eq!(status, Some(404));
    assert!(err.is_not_found_exception());

    // Get: tags always; list and pages.
    let got = client
        .get_usage_plan()
        .usage_plan_id(bare.id().unwrap())
        .send()
        .await
        .unwrap();
    assert!(got.tags().unwrap().is_empty());
    let plans = client.get_usage_plans().send().await.unwrap();
    assert_eq!(plans.items().len(), 2);
    let page = client.get_usage_plans().limit(1).send().await.unwrap();
    assert_eq!(page.items()[0].name(), Some("bare"));
    let next = client
        .get_usage_plans()
        .position(page.position().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(next.items()[0].name(), Some("gold"));

    // UpdateUsagePlan: throttle, quota, API stages, per-method throttles.
    let updated = client
        .update_usage_plan()
        .usage_plan_id(bare.id().unwrap())
        .patch_operations(patch(Op::Replace, "/throttle/burstLimit", Some("100")))
        .patch_operations(patch(Op::Replace, "/throttle/rateLimit", Some("200")))
        .patch_operations(patch(Op::Replace, "/quota/period", Some("MONTH")))
        .patch_operations(patch(Op::Replace, "/quota/limit", Some("5000")))
        .patch_operations(patch(Op::Replace, "/name", Some("silver")))
        .patch_operations(patch(Op::Replace, "/description", Some("desc")))
        .patch_operations(patch(Op::Add, "/apiStages", Some(&format!("{api}:dev"))))
        .patch_operations(patch(
            Op::Replace,
            &format!("/apiStages/{api}:dev/throttle/~1hello/GET/rateLimit"),
            Some("5"),
        ))
        .patch_operations(patch(
            Op::Replace,
            &format!("/apiStages/{api}:dev/throttle/~1hello/GET/burstLimit"),
            Some("3"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.name(), Some("silver"));
    assert_eq!(updated.description(), Some("desc"));
    assert_eq!(updated.throttle().unwrap().burst_limit(), 100);
    assert_eq!(updated.throttle().unwrap().rate_limit(), 200.0);
    let quota = updated.quota().unwrap();
    assert_eq!(
        (quota.limit(), quota.offset(), quota.period()),
        (5000, 0, Some(&QuotaPeriodType::Month))
    );
    let method = &updated.api_stages()[0].throttle().unwrap()["/hello/GET"];
    assert_eq!((method.rate_limit(), method.burst_limit()), (5.0, 3));
    let silver_id = updated.id().unwrap().to_string();
    // Terraform sends the resource path unescaped (`throttle//hello/GET/rateLimit`).
    let updated = client
        .update_usage_plan()
        .usage_plan_id(&silver_id)
        .patch_operations(patch(
            Op::Replace,
            &format!("/apiStages/{api}:dev/throttle//hello/GET/rateLimit"),
            Some("7"),
        ))
        .send()
        .await
        .unwrap();
    let throttles = updated.api_stages()[0].throttle().unwrap();
    assert_eq!(throttles.len(), 1);
    assert_eq!(
        (
            throttles["/hello/GET"].rate_limit(),
            throttles["/hello/GET"].burst_limit()
        ),
        (7.0, 3)
    );

    // AWS's errors for API stages (`test_usage_plan_crud`).
    let remove = |value: Option<&str>| {
        client
            .update_usage_plan()
            .usage_plan_id(&silver_id)
            .patch_operations(patch(Op::Remove, "/apiStages", value))
            .send()
    };
    let (status, err) = failure!(remove(None));
    assert_eq!(status, Some(400));
    assert_eq!(err.meta().message(), Some("Invalid API Stage specified"));
    let (status, err) = failure!(remove(Some("fakevalue")));
    assert_eq!(status, Some(400));
    assert_eq!(err.meta().message(), Some("Invalid API Stage specified"));
    let wrong = format!("{api}b:dev");
    let (status, err) = failure!(remove(Some(&wrong)));
    assert_eq!(status, Some(404));
    assert_eq!(
        err.meta().message(),
        Some(format!("Invalid API Stage {{api: {api}b, stage: dev}} specified for usageplan {silver_id}").as_str())
    );
    let wrong = format!("{api}:fakestagename");
    let (status, err) = failure!(remove(Some(&wrong)));
    assert_eq!(status, Some(404));
    assert_eq!(
        err.meta().message(),
        Some(
            format!("Invalid API Stage {{api: {api}, stage: fakestagename}} specified for usageplan {silver_id}")
                .as_str()
        )
    );
    let (status, err) = failure!(
        client
            .update_usage_plan()
            .usage_plan_id(format!("{silver_id}1"))
            .patch_operations(patch(Op::Replace, "/throttle/burstLimit", Some("100")))
            .send()
    );
    assert_eq!(status, Some(404));
    assert_eq!(err.meta().message(), Some("Invalid Usage Plan ID specified"));

    // Usage plan keys.
    let key_one = client
        .create_api_key()
        .name("test-key-1")
        .enabled(true)
        .send()
        .await
        .unwrap();
    let key_two = client.create_api_key().name("test-key-2").send().await.unwrap();
    let (one, two) = (key_one.id().unwrap(), key_two.id().unwrap());
    assert!(
        client
            .get_usage_plan_keys()
            .usage_plan_id(&plan_id)
            .send()
            .await
            .unwrap()
            .items()
            .is_empty()
    );
    let attached = client
        .create_usage_plan_key()
        .usage_plan_id(&plan_id)
        .key_id(one)
        .key_type("API_KEY")
        .send()
        .await
        .unwrap();
    assert_eq!(attached.id(), Some(one));
    assert_eq!(attached.r#type(), Some("API_KEY"));
    assert_eq!(attached.name(), Some("test-key-1"));
    assert_eq!(attached.value(), key_one.value());
    client
        .create_usage_plan_key()
        .usage_plan_id(&plan_id)
        .key_id(two)
        .key_type("API_KEY")
        .send()
        .await
        .unwrap();
    let (status, err) = failure!(
        client
            .create_usage_plan_key()
            .usage_plan_id(&plan_id)
            .key_id(one)
            .key_type("API_KEY")
            .send()
    );
    assert_eq!(status, Some(409));
    assert!(err.is_conflict_exception());
    // Not in two plans sharing an API stage.
    let (status, _) = failure!(
        client
            .create_usage_plan_key()
            .usage_plan_id(&silver_id)
            .key_id(one)
            .key_type("API_KEY")
            .send()
    );
    assert_eq!(status, Some(409));
    let (status, err) = failure!(
        client
            .create_usage_plan_key()
            .usage_plan_id(&plan_id)
            .key_id("nope")
            .key_type("API_KEY")
            .send()
    );
    assert_eq!(status, Some(404));
    assert_eq!(err.meta().message(), Some("Invalid API Key identifier specified"));
    let (status, err) = failure!(
        client
            .create_usage_plan_key()
            .usage_plan_id("nope")
            .key_id(one)
            .key_type("API_KEY")
            .send()
    );
    assert_eq!(status, Some(404));
    assert_eq!(err.meta().message(), Some("Invalid Usage Plan ID specified"));

    let got = client
        .get_usage_plan_key()
        .usage_plan_id(&plan_id)
        .key_id(two)
        .send()
        .await
        .unwrap();
    assert_eq!(got.name(), Some("test-key-2"));
    let (status, err) = failure!(client.get_usage_plan_key().usage_plan_id(&silver_id).key_id(two).send());
    assert_eq!(status, Some(404));
    assert!(err.is_not_found_exception());
    let (status, err) = failure!(
        client
            .get_usage_plan_key()
            .usage_plan_id(&plan_id)
            .key_id("nope")
            .send()
    );
    assert_eq!(status, Some(404));
    assert_eq!(err.meta().message(), Some("Invalid API Key identifier specified"));
    let (status, err) = failure!(client.get_usage_plan_key().usage_plan_id("nope").key_id(two).send());
    assert_eq!(status, Some(404));
    assert_eq!(err.meta().message(), Some("Invalid Usage Plan ID specified"));
    let keys = |q: Option<&str>| {
        client
            .get_usage_plan_keys()
            .usage_plan_id(&plan_id)
            .set_name_query(q.map(str::to_string))
            .send()
    };
    let listed: Vec<_> = keys(None)
        .await
        .unwrap()
        .items()
        .iter()
        .map(|k| k.id().unwrap().to_string())
        .collect();
    assert_eq!(listed, [one, two]);
    assert_eq!(keys(Some("test-key")).await.unwrap().items().len(), 2);
    assert_eq!(keys(Some("test-key-1")).await.unwrap().items().len(), 1);
    assert!(keys(Some("TEST-key")).await.unwrap().items().is_empty());
    assert!(keys(Some("nothing")).await.unwrap().items().is_empty());
    // An unknown plan lists no keys rather than failing, as on AWS.
    let none = client
        .get_usage_plan_keys()
        .usage_plan_id("bad-id")
        .send()
        .await
        .unwrap();
    assert!(none.items().is_empty());
    let page = client
        .get_usage_plan_keys()
        .usage_plan_id(&plan_id)
        .limit(1)
        .send()
        .await
        .unwrap();
    assert_eq!(page.items().len(), 1);
    assert!(page.position().is_some());

    // GetUsagePlans keyId: the plans the key is in.
    let with_key = client.get_usage_plans().key_id(two).send().await.unwrap();
    assert_eq!(with_key.items().len(), 1);
    assert_eq!(with_key.items()[0].id(), Some(plan_id.as_str()));

    // Detaching, and deleting a key takes it out of its plans.
    client
        .delete_usage_plan_key()
        .usage_plan_id(&plan_id)
        .key_id(two)
        .send()
        .await
        .unwrap();
    let (status, _) = failure!(
        client
            .delete_usage_plan_key()
            .usage_plan_id(&plan_id)
            .key_id(two)
            .send()
    );
    assert_eq!(status, Some(404));
    client.delete_api_key().api_key(one).send().await.unwrap();
    assert!(keys(None).await.unwrap().items().is_empty());

    // DeleteUsagePlan: refused while the plan covers a stage, as on AWS.
    let (status, err) = failure!(client.delete_usage_plan().usage_plan_id(&plan_id).send());
    assert_eq!(status, Some(400));
    assert_eq!(
        err.meta().message(),
        Some(format!("Cannot delete Usage Plan {plan_id} because there are API Stages associated with it, including {api}:dev").as_str())
    );
    let (status, err) = failure!(
        client
            .update_usage_plan()
            .usage_plan_id(&plan_id)
            .patch_operations(patch(Op::Remove, &format!("/apiStages/{api}:dev"), None))
            .send()
    );
    assert_eq!(status, Some(400));
    assert_eq!(
        err.meta().message(),
        Some(format!("Invalid patch path  '/apiStages/{api}:dev' specified for op 'remove'. Must be one of: [/apiStages, /quota, /throttle, /productCode, /apiStages/<apidId:stageName>/throttle/<resourcePath>/<httpMethod>, /apiStages/<apidId:stageName>/throttle]").as_str())
    );
    let emptied = client
        .update_usage_plan()
        .usage_plan_id(&plan_id)
        .patch_operations(patch(Op::Remove, "/apiStages", Some(&format!("{api}:dev"))))
        .patch_operations(patch(Op::Remove, "/throttle", None))
        .patch_operations(patch(Op::Remove, "/quota", None))
        .send()
        .await
        .unwrap();
    assert!(emptied.api_stages().is_empty());
    assert!(emptied.throttle().is_none() && emptied.quota().is_none());
    client.delete_usage_plan().usage_plan_id(&plan_id).send().await.unwrap();
    let (status, err) = failure!(client.get_usage_plan().usage_plan_id(&plan_id).send());
    assert_eq!(status, Some(404));
    assert!(err.is_not_found_exception());
    let (status, _) = failure!(client.delete_usage_plan().usage_plan_id(&plan_id).send());
    assert_eq!(status, Some(404));
}

#[tokio::test]
async fn import_api_keys_from_csv() {
    let portico = Portico::start();
    let client = portico.sdk();
    let plan_a = client.create_usage_plan().name("a").send().await.unwrap();
    let plan_b = client.create_usage_plan().name("b").send().await.unwrap();
    let (a, b) = (plan_a.id().unwrap(), plan_b.id().unwrap());
    let csv = format!(
        "Name,key,description,Enabled,usageplanIds\n\
         first,{VALUE},An imported key,TRUE,{a}\n\
         second,apikey1234abcdefghij0123456780,,false,\"{a},{b}\"\n"
    );
    let imported = client
        .import_api_keys()
        .body(Blob::new(csv))
        .format(ApiKeysFormat::Csv)
        .send()
        .await
        .unwrap();
    assert_eq!(imported.ids().len(), 2);
    assert!(imported.warnings().is_empty());
    let first = client
        .get_api_key()
        .api_key(&imported.ids()[0])
        .include_value(true)
        .send()
        .await
        .unwrap();
    assert_eq!(first.name(), Some("first"));
    assert_eq!(first.value(), Some(VALUE));
    assert_eq!(first.description(), Some("An imported key"));
    assert!(first.enabled());
    let second = client.get_api_key().api_key(&imported.ids()[1]).send().await.unwrap();
    assert!(!second.enabled());
    let in_a = client.get_usage_plan_keys().usage_plan_id(a).send().await.unwrap();
    assert_eq!(in_a.items().len(), 2);
    let in_b = client.get_usage_plan_keys().usage_plan_id(b).send().await.unwrap();
    assert_eq!(in_b.items()[0].name(), Some("second"));

    // Columns in any order and any case; Enabled defaults to true; the same value overwrites.
    let again = client
        .import_api_keys()
        .body(Blob::new(format!("KEY,NAME\n{VALUE},renamed\n")))
        .format(ApiKeysFormat::Csv)
        .send()
        .await
        .unwrap();
    assert_eq!(again.ids(), [imported.ids()[0].clone()]);
    let first = client.get_api_key().api_key(&imported.ids()[0]).send().await.unwrap();
    assert_eq!(first.name(), Some("renamed"));
    assert!(first.enabled());
    assert_eq!(client.get_api_keys().send().await.unwrap().items().len(), 2);

    // A bad row is a warning, or a 400 with failOnWarnings.
    let bad = "name,key\nshort,abc\nok,apikey1234abcdefghij0123456781\n";
    let warned = client
        .import_api_keys()
        .body(Blob::new(bad))
        .format(ApiKeysFormat::Csv)
        .send()
        .await
        .unwrap();
    assert_eq!(warned.ids().len(), 1);
    assert_eq!(warned.warnings().len(), 1);
    let (status, err) = failure!(
        client
            .import_api_keys()
            .body(Blob::new("name,key\nshort,abcd\n"))
            .format(ApiKeysFormat::Csv)
            .fail_on_warnings(true)
            .send()
    );
    assert_eq!(status, Some(400));
    assert!(err.is_bad_request_exception());
    let (status, _) = failure!(
        client
            .import_api_keys()
            .body(Blob::new("description\nx\n"))
            .format(ApiKeysFormat::Csv)
            .send()
    );
    assert_eq!(status, Some(400));
}

#[tokio::test]
async fn usage_and_remaining_quota() {
    let portico = Portico::start();
    let client = portico.sdk();
    let plan = client
        .create_usage_plan()
        .name("metered")
        .quota(
            QuotaSettings::builder()
                .limit(100)
                .period(QuotaPeriodType::Month)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let plan_id = plan.id().unwrap();
    let key = client.create_api_key().name("k").enabled(true).send().await.unwrap();
    let key_id = key.id().unwrap();
    client
        .create_usage_plan_key()
        .usage_plan_id(plan_id)
        .key_id(key_id)
        .key_type("API_KEY")
        .send()
        .await
        .unwrap();

    // AWS's shape: one [used, remaining] per day for each key.
    let usage = client
        .get_usage()
        .usage_plan_id(plan_id)
        .start_date("2020-01-01")
        .end_date("2020-01-03")
        .send()
        .await
        .unwrap();
    assert_eq!(usage.usage_plan_id(), Some(plan_id));
    assert_eq!(usage.start_date(), Some("2020-01-01"));
    assert_eq!(usage.end_date(), Some("2020-01-03"));
    assert_eq!(usage.items().unwrap()[key_id], vec![vec![0, 100]; 3]);

    // UpdateUsage sets the remaining quota of the current period.
    let updated = client
        .update_usage()
        .usage_plan_id(plan_id)
        .key_id(key_id)
        .patch_operations(patch(Op::Replace, &format!("/keys/{key_id}/remaining"), Some("42")))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.items().unwrap()[key_id], vec![vec![0, 42]]);
    let today = time_today();
    let usage = client
        .get_usage()
        .usage_plan_id(plan_id)
        .key_id(key_id)
        .start_date(&today)
        .end_date(&today)
        .send()
        .await
        .unwrap();
    assert_eq!(usage.items().unwrap()[key_id], vec![vec![0, 42]]);

    // Errors.
    let (status, err) = failure!(
        client
            .get_usage()
            .usage_plan_id("nope")
            .start_date("2020-01-01")
            .end_date("2020-01-03")
            .send()
    );
    assert_eq!(status, Some(404));
    assert_eq!(err.meta().message(), Some("Invalid Usage Plan ID specified"));
    let (status, _) = failure!(
        client
            .get_usage()
            .usage_plan_id(plan_id)
            .start_date("2020-13-01")
            .end_date("2020-01-03")
            .send()
    );
    assert_eq!(status, Some(400));
    let (status, _) = failure!(
        client
            .update_usage()
            .usage_plan_id(plan_id)
            .key_id("nope")
            .patch_operations(patch(Op::Replace, "/keys/nope/remaining", Some("1")))
            .send()
    );
    assert_eq!(status, Some(404));
}

/// Today, UTC, as `yyyy-MM-dd`.
fn time_today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        / 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 };
    format!("{y:04}-{m:02}-{d:02}")
}

#[tokio::test]
async fn tags_on_keys_and_plans() {
    let portico = Portico::start();
    let client = portico.sdk();
    let key = client.create_api_key().name("tagged").send().await.unwrap();
    let plan = client.create_usage_plan().name("tagged").send().await.unwrap();
    for arn in [
        format!("arn:aws:apigateway:us-east-1::/apikeys/{}", key.id().unwrap()),
        format!("arn:aws:apigateway:us-east-1::/usageplans/{}", plan.id().unwrap()),
    ] {
        client
            .tag_resource()
            .resource_arn(&arn)
            .tags("env", "test")
            .send()
            .await
            .unwrap();
        let tags = client.get_tags().resource_arn(&arn).send().await.unwrap();
        assert_eq!(tags.tags().unwrap()["env"], "test");
        client
            .untag_resource()
            .resource_arn(&arn)
            .tag_keys("env")
            .send()
            .await
            .unwrap();
        let tags = client.get_tags().resource_arn(&arn).send().await.unwrap();
        assert!(tags.tags().unwrap().is_empty());
    }
    let got = client.get_api_key().api_key(key.id().unwrap()).send().await.unwrap();
    assert!(got.tags().unwrap().is_empty());
    let (status, _) = failure!(
        client
            .get_tags()
            .resource_arn("arn:aws:apigateway:us-east-1::/apikeys/nope")
            .send()
    );
    assert_eq!(status, Some(404));
}

#[tokio::test]
async fn wire_shapes_as_aws() {
    let portico = Portico::start();

    // CreateApiKey's answer as AWS records it: 201, `stageKeys` and `enabled` always there.
    let created = portico.call("POST", "/apikeys", None, r#"{"name": "raw"}"#).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let key = created.json();
    assert_eq!(key["stageKeys"], serde_json::json!([]));
    assert_eq!(key["enabled"], false);
    assert_eq!(key["value"].as_str().map(str::len), Some(40));
    assert!(key.get("tags").is_none() && key.get("customerId").is_none());
    assert!(key["createdDate"].is_number() && key["lastUpdatedDate"].is_number());
    let listed = portico.call("GET", "/apikeys", None, "").await.json();
    assert!(listed["items"][0].get("value").is_none());
    assert!(listed.get("position").is_none());

    let plan = portico
        .call(
            "POST",
            "/usageplans",
            None,
            r#"{"name": "p", "throttle": {"rateLimit": 10, "burstLimit": 20}}"#,
        )
        .await;
    assert_eq!(plan.status, 201, "{}", plan.body);
    assert!(plan.body.contains(r#""rateLimit":10.0"#), "{}", plan.body);
    let plan = plan.json();
    assert_eq!(plan["apiStages"], serde_json::json!([]));
    assert_eq!(plan["throttle"]["burstLimit"], 20);
    let id = plan["id"].as_str().unwrap();

    let usage = portico
        .call(
            "GET",
            &format!("/usageplans/{id}/usage?startDate=2020-01-01&endDate=2020-01-02"),
            None,
            "",
        )
        .await;
    assert_eq!(usage.status, 200, "{}", usage.body);
    // The model's `items` member goes on the wire as `values`.
    assert_eq!(
        usage.json(),
        serde_json::json!({"usagePlanId": id, "startDate": "2020-01-01", "endDate": "2020-01-02", "values": {}})
    );
}

#[tokio::test]
async fn keys_plans_and_usage_survive_a_restart() {
    let dir = temp_dir("keys");
    let portico = Portico::start_persistent(&dir);
    let client = portico.sdk();
    let key = client
        .create_api_key()
        .name("durable")
        .value(VALUE)
        .send()
        .await
        .unwrap();
    let key_id = key.id().unwrap();
    let plan = client
        .create_usage_plan()
        .name("durable")
        .quota(QuotaSettings::builder().limit(10).period(QuotaPeriodType::Week).build())
        .send()
        .await
        .unwrap();
    let plan_id = plan.id().unwrap();
    client
        .create_usage_plan_key()
        .usage_plan_id(plan_id)
        .key_id(key_id)
        .key_type("API_KEY")
        .send()
        .await
        .unwrap();
    client
        .update_usage()
        .usage_plan_id(plan_id)
        .key_id(key_id)
        .patch_operations(patch(Op::Replace, &format!("/keys/{key_id}/remaining"), Some("7")))
        .send()
        .await
        .unwrap();
    portico.kill();

    let portico = Portico::start_persistent(&dir);
    let client = portico.sdk();
    let got = client
        .get_api_key()
        .api_key(key_id)
        .include_value(true)
        .send()
        .await
        .unwrap();
    assert_eq!(got.value(), Some(VALUE));
    let keys = client
        .get_usage_plan_keys()
        .usage_plan_id(plan_id)
        .send()
        .await
        .unwrap();
    assert_eq!(keys.items()[0].id(), Some(key_id));
    let today = time_today();
    let usage = client
        .get_usage()
        .usage_plan_id(plan_id)
        .start_date(&today)
        .end_date(&today)
        .send()
        .await
        .unwrap();
    assert_eq!(usage.items().unwrap()[key_id], vec![vec![0, 7]]);
}
