//! SDK generation through the AWS SDK: AWS's SDK types, GetSdk's answer, and the generated
//! JavaScript client run with `node` against the deployed stage.

use crate::harness::{Portico, temp_dir};
use crate::{deploy, mock_api, patch, put_mock_method};
use aws_sdk_apigateway::types::Op;
use std::process::Command;

/// The status and the SDK's error of a failed call.
macro_rules! failure {
    ($call:expr) => {{
        let err = $call.await.unwrap_err();
        let status = err.raw_response().map(|r| r.status().as_u16());
        (status, err.into_service_error())
    }};
}

#[tokio::test]
async fn sdk_types_are_aws_s() {
    let portico = Portico::start();
    let client = portico.sdk();
    let types = client.get_sdk_types().send().await.unwrap();
    let ids: Vec<_> = types.items().iter().map(|t| t.id().unwrap()).collect();
    assert_eq!(ids, ["android", "javascript", "objectivec", "swift", "java", "ruby"]);
    let android = client.get_sdk_type().id("android").send().await.unwrap();
    assert_eq!(android.friendly_name(), Some("Android"));
    let names: Vec<_> = android
        .configuration_properties()
        .iter()
        .map(|p| (p.name().unwrap(), p.required()))
        .collect();
    assert_eq!(
        names,
        [
            ("groupId", true),
            ("invokerPackage", true),
            ("artifactId", true),
            ("artifactVersion", true)
        ]
    );
    let js = client.get_sdk_type().id("javascript").send().await.unwrap();
    assert!(js.configuration_properties().is_empty());
    let (status, err) = failure!(client.get_sdk_type().id("cobol").send());
    assert_eq!(status, Some(404));
    assert_eq!(err.meta().code(), Some("NotFoundException"));
}

#[tokio::test]
async fn get_sdk_checks_the_stage_type_and_parameters() {
    let portico = Portico::start();
    let client = portico.sdk();
    let api = mock_api(&client, "pets", r#"{"hello": "sdk"}"#, Some("dev")).await;

    let (status, err) = failure!(
        client
            .get_sdk()
            .rest_api_id(&api.api_id)
            .stage_name("nope")
            .sdk_type("javascript")
            .send()
    );
    assert_eq!(status, Some(404));
    assert_eq!(err.meta().code(), Some("NotFoundException"));
    let (status, _) = failure!(
        client
            .get_sdk()
            .rest_api_id("missing")
            .stage_name("dev")
            .sdk_type("javascript")
            .send()
    );
    assert_eq!(status, Some(404));
    let (status, _) = failure!(
        client
            .get_sdk()
            .rest_api_id(&api.api_id)
            .stage_name("dev")
            .sdk_type("cobol")
            .send()
    );
    assert_eq!(status, Some(404));
    // Android needs its four parameters (400); iOS its class prefix, then is not generated yet (501).
    let (status, err) = failure!(
        client
            .get_sdk()
            .rest_api_id(&api.api_id)
            .stage_name("dev")
            .sdk_type("android")
            .parameters("groupId", "com.example")
            .send()
    );
    assert_eq!(status, Some(400));
    assert_eq!(err.meta().code(), Some("BadRequestException"));
    let message = err.meta().message().unwrap();
    assert!(
        message.contains("invokerPackage, artifactId, artifactVersion"),
        "{message}"
    );
    let (status, _) = failure!(
        client
            .get_sdk()
            .rest_api_id(&api.api_id)
            .stage_name("dev")
            .sdk_type("objectivec")
            .send()
    );
    assert_eq!(status, Some(400));
    let (status, err) = failure!(
        client
            .get_sdk()
            .rest_api_id(&api.api_id)
            .stage_name("dev")
            .sdk_type("objectivec")
            .parameters("classPrefix", "PET")
            .send()
    );
    assert_eq!(status, Some(501));
    assert!(err.meta().message().unwrap().contains("objectivec"));
    // With them, Android's is a Maven project named by them.
    let android = client
        .get_sdk()
        .rest_api_id(&api.api_id)
        .stage_name("dev")
        .sdk_type("android")
        .parameters("groupId", "com.example")
        .parameters("invokerPackage", "com.example.pets")
        .parameters("artifactId", "pets-sdk")
        .parameters("artifactVersion", "1.0.0")
        .send()
        .await
        .unwrap();
    let files = unzip(&android.body.unwrap().into_inner(), "android-sdk");
    assert!(
        files
            .join("pets-sdk/src/main/java/com/example/pets/PetsClient.java")
            .is_file()
    );
    let pom = std::fs::read_to_string(files.join("pets-sdk/pom.xml")).unwrap();
    assert!(pom.contains("<groupId>com.example</groupId>") && pom.contains("<version>1.0.0</version>"));
    let _ = std::fs::remove_dir_all(&files);
    // Java's class name must be one.
    let (status, _) = failure!(
        client
            .get_sdk()
            .rest_api_id(&api.api_id)
            .stage_name("dev")
            .sdk_type("java")
            .parameters("service.name", "pets-sdk")
            .parameters("java.package-name", "com.example.pets")
            .send()
    );
    assert_eq!(status, Some(400));

    // The raw answer: a zip, named as AWS names it.
    let raw = portico
        .call(
            "GET",
            &format!("/restapis/{}/stages/dev/sdks/javascript", api.api_id),
            None,
            "",
        )
        .await;
    assert_eq!(raw.status, 200);
    assert_eq!(raw.header("content-type"), Some("application/octet-stream"));
    let disposition = raw.header("content-disposition").unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"javascript_") && disposition.ends_with("Z.zip\""),
        "{disposition}"
    );
}

/// The archive unpacked into a new directory (with Python's zipfile, as a user might).
fn unzip(bytes: &[u8], name: &str) -> std::path::PathBuf {
    assert!(bytes.starts_with(b"PK"), "a zip archive");
    let dir = temp_dir(name);
    std::fs::write(dir.join("sdk.zip"), bytes).unwrap();
    let unzip = Command::new("python3")
        .args(["-m", "zipfile", "-e", "sdk.zip", "."])
        .current_dir(&dir)
        .status()
        .expect("python3");
    assert!(unzip.success());
    dir
}

/// The deployed `pets` API: GET /hello answering `{"hello": "from the sdk"}`, and
/// GET /pets/{petId}?type=… answering both parameters.
async fn pets_api(client: &aws_sdk_apigateway::Client) -> String {
    let api = mock_api(client, "pets", r#"{"hello": "from the sdk"}"#, None).await;
    let pets = client
        .create_resource()
        .rest_api_id(&api.api_id)
        .parent_id(&api.root_id)
        .path_part("pets")
        .send()
        .await
        .unwrap();
    let pet = client
        .create_resource()
        .rest_api_id(&api.api_id)
        .parent_id(pets.id().unwrap())
        .path_part("{petId}")
        .send()
        .await
        .unwrap();
    let pet_id = pet.id().unwrap();
    put_mock_method(
        client,
        &api.api_id,
        pet_id,
        "GET",
        r#"{"id": "$input.params('petId')", "type": "$input.params('type')"}"#,
    )
    .await;
    client
        .update_method()
        .rest_api_id(&api.api_id)
        .resource_id(pet_id)
        .http_method("GET")
        .patch_operations(patch(
            Op::Add,
            "/requestParameters/method.request.querystring.type",
            Some("false"),
        ))
        .send()
        .await
        .unwrap();
    deploy(client, &api.api_id, "dev").await;
    api.api_id
}

/// Whether `tool` runs; when it does not, the test skips itself (a failure in CI).
fn have(tool: &str) -> bool {
    if Command::new(tool).arg("--version").output().is_ok() {
        return true;
    }
    assert!(
        std::env::var("PORTICO_REQUIRE_ALL").is_err(),
        "{tool} is needed for the SDK tests"
    );
    eprintln!("SKIPPED: {tool} is not installed");
    false
}

#[tokio::test]
async fn the_java_sdk_calls_the_stage() {
    if !have("javac") {
        return;
    }
    let portico = Portico::start();
    let client = portico.sdk();
    let api_id = pets_api(&client).await;
    let sdk = client
        .get_sdk()
        .rest_api_id(&api_id)
        .stage_name("dev")
        .sdk_type("java")
        .parameters("service.name", "PetsSdk")
        .parameters("java.package-name", "com.example.pets")
        .send()
        .await
        .unwrap();
    let dir = unzip(&sdk.body.expect("body").into_inner(), "java-sdk");
    let source = dir.join("petssdk/src/main/java/com/example/pets/PetsSdk.java");
    let text = std::fs::read_to_string(&source).unwrap();
    assert!(text.contains("public Response petsPetIdGet(Map<String, String> params, String body)"));
    std::fs::write(
        dir.join("Main.java"),
        r#"
import com.example.pets.PetsSdk;
import java.util.HashMap;
import java.util.Map;

public class Main {
    public static void main(String[] args) throws Exception {
        PetsSdk client = new PetsSdk(args[0]);
        PetsSdk.Response hello = client.helloGet(null, null);
        Map<String, String> params = new HashMap<>();
        params.put("petId", "rex 1");
        params.put("type", "dog");
        PetsSdk.Response pet = client.petsPetIdGet(params, null);
        String missing = "no error";
        try {
            client.petsPetIdGet(null, null);
        } catch (IllegalArgumentException e) {
            missing = e.getMessage();
        }
        System.out.println(hello.status + "\n" + hello.body + "\n" + pet.body + "\n" + missing);
    }
}
"#,
    )
    .unwrap();
    let invoke_url = format!("{}/_aws/execute-api/{api_id}/dev", portico.endpoint);
    let out = tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || {
            let javac = Command::new("javac")
                .args(["-d", "out", "Main.java"])
                .arg(source)
                .current_dir(&dir)
                .output()
                .expect("javac runs");
            assert!(javac.status.success(), "{}", String::from_utf8_lossy(&javac.stderr));
            Command::new("java")
                .args(["-cp", "out", "Main"])
                .arg(invoke_url)
                .current_dir(&dir)
                .output()
                .expect("java runs")
        }
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "200");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(lines[1]).unwrap(),
        serde_json::json!({"hello": "from the sdk"})
    );
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(lines[2]).unwrap(),
        serde_json::json!({"id": "rex 1", "type": "dog"})
    );
    assert_eq!(lines[3], "Missing required parameter: petId");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_javascript_sdk_calls_the_stage() {
    if !have("node") {
        return;
    }
    let portico = Portico::start();
    let client = portico.sdk();
    let api_id = pets_api(&client).await;
    let sdk = client
        .get_sdk()
        .rest_api_id(&api_id)
        .stage_name("dev")
        .sdk_type("javascript")
        .send()
        .await
        .unwrap();
    assert_eq!(sdk.content_type(), Some("application/octet-stream"));
    let dir = unzip(&sdk.body.expect("body").into_inner(), "js-sdk");
    let client_js = std::fs::read_to_string(dir.join("apiGateway-js-sdk/apigClient.js")).unwrap();
    assert!(client_js.contains("apigClient.helloGet = function (params, body, additionalParams)"));
    assert!(client_js.contains("apigClient.petsPetIdGet = function"));

    std::fs::write(
        dir.join("run.js"),
        r#"
const apigClientFactory = require('./apiGateway-js-sdk/apigClient.js');
const apigClient = apigClientFactory.newClient({ invokeUrl: process.argv[2] });
(async () => {
    const hello = await apigClient.helloGet({}, null, {});
    const pet = await apigClient.petsPetIdGet({ petId: 'rex 1', type: 'dog' }, null, {});
    let missing = 'no error';
    try { apigClient.petsPetIdGet({}, null, {}); } catch (e) { missing = e.message; }
    console.log(JSON.stringify({ status: hello.status, hello: hello.data, pet: pet.data, missing }));
})().catch((e) => { console.error(e.response || e); process.exit(1); });
"#,
    )
    .unwrap();
    let invoke_url = format!("{}/_aws/execute-api/{api_id}/dev", portico.endpoint);
    let out = tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || {
            Command::new("node")
                .arg("run.js")
                .arg(invoke_url)
                .current_dir(&dir)
                .output()
                .expect("node runs")
        }
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result: serde_json::Value = serde_json::from_str(stdout.trim()).expect("JSON from node");
    assert_eq!(result["status"], 200);
    assert_eq!(result["hello"], serde_json::json!({"hello": "from the sdk"}));
    assert_eq!(result["pet"], serde_json::json!({"id": "rex 1", "type": "dog"}));
    assert_eq!(result["missing"], "Missing required parameter: petId");
    let _ = std::fs::remove_dir_all(&dir);
}
