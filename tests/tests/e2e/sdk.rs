//! SDK generation through the AWS SDK: AWS's SDK types, GetSdk's answer, the generated
//! JavaScript, Java and Ruby clients run against the deployed stage (`node`, `javac`,
//! `ruby`), and the iOS SDKs' layout, classes and methods (no Swift or Objective-C toolchain
//! here).

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
    // Android needs its four parameters (400); iOS its class prefix; Ruby its service name.
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
            .sdk_type("swift")
            .send()
    );
    assert_eq!(status, Some(400));
    assert!(err.meta().message().unwrap().ends_with("swift: classPrefix"), "{err:?}");
    let (status, err) = failure!(
        client
            .get_sdk()
            .rest_api_id(&api.api_id)
            .stage_name("dev")
            .sdk_type("ruby")
            .parameters("ruby.gem-name", "pets")
            .send()
    );
    assert_eq!(status, Some(400));
    assert!(err.meta().message().unwrap().ends_with("ruby: service.name"), "{err:?}");
    // A Ruby module is letters only, as AWS requires.
    let (status, _) = failure!(
        client
            .get_sdk()
            .rest_api_id(&api.api_id)
            .stage_name("dev")
            .sdk_type("ruby")
            .parameters("service.name", "Pets2")
            .send()
    );
    assert_eq!(status, Some(400));
    let (status, _) = failure!(
        client
            .get_sdk()
            .rest_api_id(&api.api_id)
            .stage_name("dev")
            .sdk_type("objectivec")
            .parameters("classPrefix", "2PET")
            .send()
    );
    assert_eq!(status, Some(400));
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

#[tokio::test]
async fn the_ruby_sdk_calls_the_stage() {
    if !have("ruby") || !have_ruby_gem("aws-sigv4") {
        return;
    }
    let portico = Portico::start_with(&["--in-memory", "--iam-credentials", "AKIDRUBYSDK:ruby-secret"]);
    let client = portico.sdk();
    let api_id = pets_api_with_model(&client).await;
    // GET /signed, behind AWS_IAM.
    let root = client
        .get_resources()
        .rest_api_id(&api_id)
        .send()
        .await
        .unwrap()
        .items()
        .iter()
        .find(|r| r.path() == Some("/"))
        .and_then(|r| r.id())
        .unwrap()
        .to_string();
    let signed = client
        .create_resource()
        .rest_api_id(&api_id)
        .parent_id(&root)
        .path_part("signed")
        .send()
        .await
        .unwrap();
    let signed_id = signed.id().unwrap();
    put_mock_method(
        &client,
        &api_id,
        signed_id,
        "GET",
        r#"{"caller": "$context.identity.accessKey"}"#,
    )
    .await;
    client
        .update_method()
        .rest_api_id(&api_id)
        .resource_id(signed_id)
        .http_method("GET")
        .patch_operations(patch(Op::Replace, "/authorizationType", Some("AWS_IAM")))
        .send()
        .await
        .unwrap();
    deploy(&client, &api_id, "dev").await;

    let sdk = client
        .get_sdk()
        .rest_api_id(&api_id)
        .stage_name("dev")
        .sdk_type("ruby")
        .parameters("service.name", "Pets")
        .send()
        .await
        .unwrap();
    let disposition = sdk.content_disposition().unwrap_or_default().to_string();
    assert!(disposition.starts_with("attachment; filename=\"ruby_"), "{disposition}");
    let dir = unzip(&sdk.body.expect("body").into_inner(), "ruby-sdk");
    // AWS's layout: the gem named `{service}-sdk` by default, the client under lib/.
    for file in [
        "pets-sdk/pets-sdk.gemspec",
        "pets-sdk/README.md",
        "pets-sdk/lib/pets-sdk.rb",
        "pets-sdk/lib/pets-sdk/client.rb",
        "pets-sdk/lib/pets-sdk/client_api.rb",
        "pets-sdk/lib/pets-sdk/types.rb",
        "pets-sdk/lib/pets-sdk/errors.rb",
        "pets-sdk/lib/pets-sdk/resource.rb",
        "pets-sdk/lib/pets-sdk/customizations.rb",
        "pets-sdk/lib/pets-sdk/plugins/apig_endpoint.rb",
        "pets-sdk/lib/pets-sdk/plugins/authorizer.rb",
    ] {
        assert!(dir.join(file).is_file(), "{file}");
    }
    let client_rb = std::fs::read_to_string(dir.join("pets-sdk/lib/pets-sdk/client.rb")).unwrap();
    assert!(client_rb.contains("def get_pets_pet_id(params = {}, options = {})"));
    let gemspec = std::fs::read_to_string(dir.join("pets-sdk/pets-sdk.gemspec")).unwrap();
    assert!(gemspec.contains("spec.add_dependency('aws-sigv4'"), "{gemspec}");
    std::fs::write(
        dir.join("run.rb"),
        r#"
require 'json'
require 'pets-sdk'

endpoint = ARGV[0]
client = Pets::Client.new(endpoint: endpoint, retry_limit: 0)
hello = client.get_hello
pet = client.get_pets_pet_id(pet_id: 'rex 1', type: 'dog')
created = client.post_pets(pet: Pets::Types::Pet.new(id: 'x', type: 'cat', age: 3))
missing = begin
  client.get_pets_pet_id(type: 'dog')
  'no error'
rescue ArgumentError => e
  e.message
end
unsigned = begin
  client.get_signed
  'no error'
rescue Pets::Errors::MissingCredentialsError => e
  e.message
end
signer = Pets::Client.new(endpoint: endpoint, access_key_id: 'AKIDRUBYSDK',
                          secret_access_key: 'ruby-secret', region: 'us-east-1')
wrong = begin
  Pets::Client.new(endpoint: endpoint, access_key_id: 'AKIDRUBYSDK', secret_access_key: 'wrong',
                   retry_limit: 0).get_signed
  'no error'
rescue Pets::Errors::ClientError => e
  [e.status_code, e.code]
end
puts JSON.generate(
  operations: client.operation_names.sort,
  status: hello.status_code,
  hello: hello.data,
  pet: pet.data,
  created: [created.data.class.name, created.id, created.type],
  missing: missing,
  unsigned: unsigned,
  signed: signer.get_signed.data,
  wrong: wrong
)
"#,
    )
    .unwrap();
    let invoke_url = format!("{}/_aws/execute-api/{api_id}/dev", portico.endpoint);
    let out = tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || {
            // The gemspec builds, as AWS's instructions have it (`gem build`).
            let build = Command::new("gem")
                .args(["build", "pets-sdk.gemspec"])
                .current_dir(dir.join("pets-sdk"))
                .output()
                .expect("gem runs");
            assert!(build.status.success(), "{}", String::from_utf8_lossy(&build.stderr));
            assert!(dir.join("pets-sdk/pets-sdk-1.0.0.gem").is_file());
            Command::new("ruby")
                .args(["-I", "pets-sdk/lib", "run.rb"])
                .arg(invoke_url)
                .env_remove("AWS_ACCESS_KEY_ID")
                .env_remove("AWS_SECRET_ACCESS_KEY")
                .env_remove("AWS_SESSION_TOKEN")
                .current_dir(&dir)
                .output()
                .expect("ruby runs")
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
    let result: serde_json::Value = serde_json::from_str(stdout.trim()).expect("JSON from ruby");
    assert_eq!(
        result["operations"],
        serde_json::json!(["get_hello", "get_pets_pet_id", "get_signed", "post_pets"])
    );
    assert_eq!(result["status"], 200);
    assert_eq!(result["hello"], serde_json::json!({"hello": "from the sdk"}));
    assert_eq!(result["pet"], serde_json::json!({"id": "rex 1", "type": "dog"}));
    // POST /pets answers its response model as the gem's model class.
    assert_eq!(result["created"], serde_json::json!(["Pets::Types::Pet", "new", "cat"]));
    assert_eq!(result["missing"], "missing required parameter params[:pet_id]");
    assert_eq!(result["unsigned"], "no AWS credentials for an AWS_IAM method");
    assert_eq!(result["signed"], serde_json::json!({"caller": "AKIDRUBYSDK"}));
    assert_eq!(result["wrong"], serde_json::json!([403, "InvalidSignatureException"]));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Whether Ruby finds `gem`; when it does not, the test skips itself (a failure in CI).
fn have_ruby_gem(gem: &str) -> bool {
    let found = Command::new("ruby")
        .args(["-e", &format!("require '{gem}'")])
        .status()
        .is_ok_and(|s| s.success());
    if found {
        return true;
    }
    assert!(
        std::env::var("PORTICO_REQUIRE_ALL").is_err(),
        "the {gem} gem is needed for the Ruby SDK test"
    );
    eprintln!("SKIPPED: the {gem} gem is not installed");
    false
}

/// The `pets` API with a `Pet` model: `POST /pets` takes and answers one.
async fn pets_api_with_model(client: &aws_sdk_apigateway::Client) -> String {
    let api_id = pets_api(client).await;
    client
        .create_model()
        .rest_api_id(&api_id)
        .name("Pet")
        .content_type("application/json")
        .schema(r#"{"type": "object", "properties": {"id": {"type": "string"}, "type": {"type": "string"}, "age": {"type": "integer"}}}"#)
        .send()
        .await
        .unwrap();
    let resources = client.get_resources().rest_api_id(&api_id).send().await.unwrap();
    let pets = resources
        .items()
        .iter()
        .find(|r| r.path() == Some("/pets"))
        .and_then(|r| r.id())
        .unwrap()
        .to_string();
    put_mock_method(client, &api_id, &pets, "POST", r#"{"id": "new", "type": "cat"}"#).await;
    client
        .update_method()
        .rest_api_id(&api_id)
        .resource_id(&pets)
        .http_method("POST")
        .patch_operations(patch(Op::Add, "/requestModels/application~1json", Some("Pet")))
        .send()
        .await
        .unwrap();
    client
        .update_method_response()
        .rest_api_id(&api_id)
        .resource_id(&pets)
        .http_method("POST")
        .status_code("200")
        .patch_operations(patch(Op::Add, "/responseModels/application~1json", Some("Pet")))
        .send()
        .await
        .unwrap();
    deploy(client, &api_id, "dev").await;
    api_id
}

/// The files of an archive, by path (unpacked by `unzip`, then read back).
fn files_of(bytes: &[u8], name: &str) -> std::collections::BTreeMap<String, String> {
    fn walk(root: &std::path::Path, dir: &std::path::Path, out: &mut std::collections::BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if path.file_name().is_some_and(|n| n != "sdk.zip") {
                let key = path.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.insert(key, std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let dir = unzip(bytes, name);
    let mut out = std::collections::BTreeMap::new();
    walk(&dir, &dir, &mut out);
    let _ = std::fs::remove_dir_all(&dir);
    out
}

#[tokio::test]
async fn the_ios_sdks_are_aws_mobile_sdk_clients() {
    let portico = Portico::start();
    let client = portico.sdk();
    let api_id = pets_api_with_model(&client).await;
    let get = |kind: &'static str| {
        let client = client.clone();
        let api_id = api_id.clone();
        async move {
            let sdk = client
                .get_sdk()
                .rest_api_id(&api_id)
                .stage_name("dev")
                .sdk_type(kind)
                .parameters("classPrefix", "PET")
                .send()
                .await
                .unwrap();
            files_of(&sdk.body.unwrap().into_inner(), kind)
        }
    };

    let objc = get("objectivec").await;
    let names: Vec<&str> = objc.keys().map(String::as_str).collect();
    let src = "aws-apigateway-ios-objectivec/generated-src";
    for file in [
        "aws-apigateway-ios-objectivec/README.md",
        "aws-apigateway-ios-objectivec/Podfile",
        &format!("{src}/PETPetsClient.h"),
        &format!("{src}/PETPetsClient.m"),
        &format!("{src}/PETPet.h"),
        &format!("{src}/PETPet.m"),
        &format!("{src}/PETEmpty.h"),
        &format!("{src}/PETError.h"),
    ] {
        assert!(names.contains(&file), "{file} in {names:?}");
    }
    assert!(objc["aws-apigateway-ios-objectivec/Podfile"].contains("pod 'AWSAPIGateway'"));
    let header = &objc[&format!("{src}/PETPetsClient.h")];
    assert!(header.contains("@interface PETPetsClient : AWSAPIGatewayClient"));
    assert!(header.contains("+ (instancetype)defaultClient;"));
    assert!(header.contains("- (AWSTask *)helloGet;"), "{header}");
    assert!(header.contains("- (AWSTask *)petsPetIdGet:(NSString *)petId type:(nullable NSString *)type;"));
    assert!(header.contains("- (AWSTask *)petsPost:(PETPet *)body;"));
    let source = &objc[&format!("{src}/PETPetsClient.m")];
    assert!(source.contains("URLString:@\"/pets/{petId}\""));
    assert!(source.contains("queryParameters[@\"type\"] = type;"));
    assert!(source.contains("responseClass:[PETPet class]"));
    // Path parameters are required: a call without one fails its task.
    assert!(source.contains("if (petId == nil) {"));
    assert!(source.contains("Missing required parameter: petId"));
    let model = &objc[&format!("{src}/PETPet.h")];
    assert!(model.contains("@interface PETPet : AWSModel"));
    assert!(model.contains("@property (nonatomic, strong, nullable) NSNumber *age;"));
    assert!(objc[&format!("{src}/PETPet.m")].contains("@\"type\": @\"type\""));

    let swift = get("swift").await;
    let src = "aws-apigateway-ios-swift/generated-src";
    for file in [
        "aws-apigateway-ios-swift/README.md",
        "aws-apigateway-ios-swift/Podfile",
        &format!("{src}/PETPetsClient.swift"),
        &format!("{src}/PETPet.swift"),
        &format!("{src}/Bridging_Header.h"),
    ] {
        assert!(swift.contains_key(file), "{file} in {:?}", swift.keys());
    }
    let client_swift = &swift[&format!("{src}/PETPetsClient.swift")];
    assert!(client_swift.contains("public class PETPetsClient: AWSAPIGatewayClient"));
    assert!(client_swift.contains("public func helloGet() -> AWSTask<AnyObject>"));
    assert!(client_swift.contains("public func petsPetIdGet(petId: String, type: String?) -> AWSTask<AnyObject>"));
    assert!(client_swift.contains("public func petsPost(body: PETPet) -> AWSTask<AnyObject>"));
    assert!(client_swift.contains("responseClass: PETPet.self"));
    let model = &swift[&format!("{src}/PETPet.swift")];
    assert!(model.contains("public class PETPet: AWSModel"));
    assert!(model.contains("public var age: NSNumber?"));
}
