//! Where functions run besides CreateFunction's local processes: the functions file
//! (`--functions`: local folders, Runtime Interface Emulators, other Lambda endpoints),
//! `--lambda-endpoint` for functions Portico does not know, and Invoke's `LogType: Tail`.
//!
//! The other endpoint and the emulator are real: another Portico running a real Python
//! handler (awslambdaric), reached over HTTP. An RIE serves its one function at
//! `/2015-03-31/functions/function/invocations`, which is Portico's Invoke of a function named
//! `function`.

use crate::harness::{BIN, Portico, request, temp_dir};
use crate::lambda::{create_function, lambda_method, runtimes_here};
use base64::Engine;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const CALC: &str = r#"
import json

def handler(event, context):
    print("calc got", json.dumps(event, sort_keys=True))
    if "httpMethod" in event:
        body = {"function": context.function_name, "path": event["path"]}
        return {"statusCode": 200, "body": json.dumps(body)}
    if event.get("fail"):
        raise ValueError("asked to fail")
    return {"sum": event["a"] + event["b"], "function": context.function_name}
"#;

const SLOW: &str = r#"
import json, time

def handler(event, context):
    if "httpMethod" in event:
        return {"statusCode": 200, "body": json.dumps({"via": context.function_name, "path": event["path"]})}
    if event.get("fail"):
        raise ValueError("rie failure")
    start = time.time()
    time.sleep(event.get("sleep", 0))
    return {"start": start, "end": time.time()}
"#;

/// The AWS CLI against `endpoint`: `(succeeded, stdout, stderr)`.
fn aws(endpoint: &str, args: &[&str], dir: &Path) -> (bool, String, String) {
    let out = Command::new("aws")
        .arg("--endpoint-url")
        .arg(endpoint)
        .args(args)
        .envs([
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
            ("AWS_PAGER", ""),
        ])
        .current_dir(dir)
        .output()
        .expect("the AWS CLI (pip install awscli)");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `aws lambda invoke`: the metadata the CLI prints and the payload it wrote.
fn invoke(portico: &Portico, function: &str, payload: &str, extra: &[&str]) -> (Value, Value) {
    let dir = temp_dir("invoke");
    let mut args = vec!["lambda", "invoke", "--function-name", function, "--payload", payload];
    args.extend_from_slice(extra);
    args.push("out.json");
    let (ok, stdout, stderr) = aws(&portico.endpoint, &args, &dir);
    assert!(ok, "invoke {function}: {stderr}");
    let meta = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let payload = serde_json::from_slice(&std::fs::read(dir.join("out.json")).unwrap()).unwrap();
    let _ = std::fs::remove_dir_all(dir);
    (meta, payload)
}

fn decoded_log(meta: &Value) -> String {
    let encoded = meta["LogResult"]
        .as_str()
        .unwrap_or_else(|| panic!("no LogResult: {meta}"));
    String::from_utf8(base64::engine::general_purpose::STANDARD.decode(encoded).unwrap()).unwrap()
}

/// A deployed API on `portico` whose `GET /{part}` calls each named function (AWS_PROXY).
async fn api_calling(portico: &Portico, routes: &[(&str, &str)]) -> String {
    let client = portico.sdk();
    let api = client.create_rest_api().name("function-sources").send().await.unwrap();
    let api_id = api.id().unwrap().to_owned();
    for (part, function) in routes {
        let resource = client
            .create_resource()
            .rest_api_id(&api_id)
            .parent_id(api.root_resource_id().unwrap())
            .path_part(*part)
            .send()
            .await
            .unwrap();
        let uri = format!(
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/\
             arn:aws:lambda:us-east-1:000000000000:function:{function}/invocations"
        );
        lambda_method(&client, &api_id, resource.id().unwrap(), "GET", None, &uri, None).await;
    }
    client
        .create_deployment()
        .rest_api_id(&api_id)
        .stage_name("test")
        .send()
        .await
        .unwrap();
    api_id
}

async fn get(portico: &Portico, api_id: &str, path: &str) -> (u16, Value) {
    let url = format!("{}/_aws/execute-api/{api_id}/test{path}", portico.endpoint);
    let reply = request("GET", &url, None, &[], "").await;
    let body = serde_json::from_str(&reply.body).unwrap_or(Value::String(reply.body.clone()));
    (reply.status, body)
}

fn functions_file(dir: &Path, text: &str) -> String {
    let path = dir.join("functions.toml");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[tokio::test]
async fn functions_portico_does_not_know_run_at_the_lambda_endpoint() {
    if !runtimes_here() {
        return;
    }
    let a = Portico::start();
    create_function(&a, "calc", "python3.12", "app.handler", &[("app.py", CALC)], 5);
    let dir = temp_dir("endpoint-file");
    let file = functions_file(
        &dir,
        &format!(
            "[functions.calculator]\nendpoint = \"{}\"\nname = \"calc\"\n",
            a.endpoint
        ),
    );
    let b = Portico::start_with(&["--in-memory", "--lambda-endpoint", &a.endpoint, "--functions", &file]);

    // B does not know `calc`: A runs it, through the AWS CLI's Invoke on B.
    let (meta, payload) = invoke(&b, "calc", r#"{"a": 2, "b": 3}"#, &[]);
    assert_eq!(payload, json!({"sum": 5, "function": "calc"}));
    assert_eq!(meta["StatusCode"], 200);
    assert_eq!(meta["ExecutedVersion"], "$LATEST");
    // A function error comes through unchanged; so does an AWS error of A's.
    let (meta, payload) = invoke(&b, "calc", r#"{"fail": true}"#, &[]);
    assert_eq!(meta["FunctionError"], "Unhandled");
    assert_eq!(
        (payload["errorType"].as_str(), payload["errorMessage"].as_str()),
        (Some("ValueError"), Some("asked to fail"))
    );
    let (ok, _, stderr) = aws(
        &b.endpoint,
        &["lambda", "invoke", "--function-name", "nowhere", "out.json"],
        &dir,
    );
    assert!(
        !ok && stderr.contains("(ResourceNotFoundException)") && stderr.contains("function:nowhere"),
        "{stderr}"
    );
    // A's log tail, as A wrote it.
    let (meta, _) = invoke(&b, "calc", r#"{"a": 1, "b": 1}"#, &["--log-type", "Tail"]);
    let log = decoded_log(&meta);
    assert!(
        log.starts_with("START RequestId: ") && log.contains("calc got {\"a\": 1, \"b\": 1}"),
        "{log}"
    );

    // The file's endpoint entry: a function of B's own, run by A under its name there.
    let (_, payload) = invoke(&b, "calculator", r#"{"a": 4, "b": 5}"#, &[]);
    assert_eq!(payload, json!({"sum": 9, "function": "calc"}));
    // A missing version of one of B's own functions is B's 404, not A's business.
    let (ok, _, stderr) = aws(
        &b.endpoint,
        &[
            "lambda",
            "invoke",
            "--function-name",
            "calculator",
            "--qualifier",
            "7",
            "out.json",
        ],
        &dir,
    );
    assert!(!ok && stderr.contains("function:calculator:7"), "{stderr}");
    let (ok, listed, _) = aws(
        &b.endpoint,
        &["lambda", "list-functions", "--query", "Functions[].FunctionName"],
        &dir,
    );
    assert!(ok);
    assert_eq!(serde_json::from_str::<Value>(&listed).unwrap(), json!(["calculator"]));

    // API Gateway on B: an unknown function and the file's, both answered by A's handler.
    let api_id = api_calling(
        &b,
        &[("unknown", "calc"), ("declared", "calculator"), ("missing", "nowhere")],
    )
    .await;
    assert_eq!(
        get(&b, &api_id, "/unknown").await,
        (200, json!({"function": "calc", "path": "/unknown"}))
    );
    assert_eq!(
        get(&b, &api_id, "/declared").await,
        (200, json!({"function": "calc", "path": "/declared"}))
    );
    assert_eq!(get(&b, &api_id, "/missing").await.0, 500);

    // Without --lambda-endpoint an unknown function is B's own 404.
    let c = Portico::start_with(&["--in-memory"]);
    let (ok, _, stderr) = aws(
        &c.endpoint,
        &["lambda", "invoke", "--function-name", "calc", "out.json"],
        &dir,
    );
    assert!(!ok && stderr.contains("(ResourceNotFoundException)"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn calls_to_a_runtime_interface_emulator_wait_their_turn() {
    if !runtimes_here() {
        return;
    }
    // The emulator: a Portico whose function is named `function`, at the RIE's path.
    let rie = Portico::start();
    create_function(&rie, "function", "python3.12", "app.handler", &[("app.py", SLOW)], 10);
    let dir = temp_dir("rie-file");
    let file = functions_file(
        &dir,
        &format!("[functions.slow]\nrie = \"{}\"\ntimeout = 10\n", rie.endpoint),
    );
    let portico = Portico::start_with(&["--in-memory", "--functions", &file]);

    let (meta, payload) = invoke(&portico, "slow", r#"{"sleep": 0}"#, &[]);
    assert_eq!(meta["StatusCode"], 200);
    assert!(payload["start"].is_f64(), "{payload}");
    let (meta, payload) = invoke(&portico, "slow", r#"{"fail": true}"#, &[]);
    assert_eq!(meta["FunctionError"], "Unhandled");
    assert_eq!(payload["errorMessage"], "rie failure");

    // Two calls at once: the emulator itself would run them side by side (two processes
    // here), but through Portico the second starts when the first has finished.
    let call = |url: String| async move {
        let reply = request("POST", &url, None, &[], r#"{"sleep": 1}"#).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let span = reply.json();
        (span["start"].as_f64().unwrap(), span["end"].as_f64().unwrap())
    };
    let direct = format!("{}/2015-03-31/functions/function/invocations", rie.endpoint);
    let (x, y) = tokio::join!(call(direct.clone()), call(direct));
    assert!(x.0 < y.1 && y.0 < x.1, "the emulator's own calls overlap: {x:?} {y:?}");
    let queued = format!("{}/2015-03-31/functions/slow/invocations", portico.endpoint);
    let started = Instant::now();
    let (x, y) = tokio::join!(call(queued.clone()), call(queued));
    let (first, second) = if x.0 < y.0 { (x, y) } else { (y, x) };
    assert!(
        second.0 >= first.1,
        "calls through Portico overlapped: {first:?} {second:?}"
    );
    assert!(started.elapsed() >= Duration::from_secs(2));

    // An API Gateway method on the emulator's function.
    let api_id = api_calling(&portico, &[("image", "slow")]).await;
    assert_eq!(
        get(&portico, &api_id, "/image").await,
        (200, json!({"via": "function", "path": "/image"}))
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_folder_in_the_functions_file_is_a_function_from_the_start() {
    if !runtimes_here() {
        return;
    }
    let dir = temp_dir("folder-file");
    let code = dir.join("hello");
    std::fs::create_dir_all(&code).unwrap();
    let handler = |greeting: &str| {
        format!(
            "import json, os\n\
             def handler(event, context):\n    \
                 print('handling', context.aws_request_id)\n    \
                 body = {{'greeting': '{greeting}', 'who': os.environ['WHO']}}\n    \
                 if 'httpMethod' in event:\n        return {{'statusCode': 200, 'body': json.dumps(body)}}\n    \
                 return body\n"
        )
    };
    std::fs::write(code.join("app.py"), handler("hello")).unwrap();
    let text = |timeout: u32, extra: &str| {
        format!(
            "[functions.hello]\ncode = \"hello\"\nruntime = \"python3.12\"\nhandler = \"app.handler\"\n\
             timeout = {timeout}\nenvironment = {{ WHO = \"world\" }}\n{extra}"
        )
    };
    let extra = "[functions.extra]\nrie = \"http://127.0.0.1:9\"\n";
    let file = functions_file(&dir, &text(5, extra));
    let state = dir.join("state");
    let data = state.to_str().unwrap();
    let portico = Portico::start_with(&["--data-dir", data, "--functions", &file]);

    let (ok, listed, _) = aws(
        &portico.endpoint,
        &[
            "lambda",
            "list-functions",
            "--query",
            "Functions[].[FunctionName,PackageType,Timeout]",
        ],
        &dir,
    );
    assert!(ok);
    assert_eq!(
        serde_json::from_str::<Value>(&listed).unwrap(),
        json!([["extra", "Image", 3], ["hello", "Zip", 5]])
    );
    let (_, payload) = invoke(&portico, "hello", "{}", &[]);
    assert_eq!(payload, json!({"greeting": "hello", "who": "world"}));

    // LogType Tail: Lambda's lines around what the handler printed.
    let (meta, _) = invoke(&portico, "hello", "{}", &["--log-type", "Tail"]);
    let log = decoded_log(&meta);
    let lines: Vec<&str> = log.lines().collect();
    let id = lines[0]
        .strip_prefix("START RequestId: ")
        .and_then(|rest| rest.strip_suffix(" Version: $LATEST"))
        .unwrap_or_else(|| panic!("{log}"));
    assert!(lines.contains(&format!("handling {id}").as_str()), "{log}");
    assert_eq!(lines[lines.len() - 2], format!("END RequestId: {id}"));
    let report = lines[lines.len() - 1];
    for field in [
        "\tDuration: ",
        " ms\tBilled Duration: ",
        " ms\tMemory Size: 128 MB\tMax Memory Used: ",
        " MB\t",
    ] {
        assert!(
            report.starts_with(&format!("REPORT RequestId: {id}")) && report.contains(field),
            "{report}"
        );
    }

    // Read afresh from the folder; its code is the file's business, not UpdateFunctionCode's.
    std::fs::write(code.join("app.py"), handler("bonjour")).unwrap();
    let (_, payload) = invoke(&portico, "hello", "{}", &[]);
    assert_eq!(payload["greeting"], "bonjour");
    // An empty zip archive: its end-of-directory record alone.
    std::fs::write(dir.join("empty.zip"), [b"PK\x05\x06".as_slice(), &[0; 18]].concat()).unwrap();
    let (ok, _, stderr) = aws(
        &portico.endpoint,
        &[
            "lambda",
            "update-function-code",
            "--function-name",
            "hello",
            "--zip-file",
            "fileb://empty.zip",
        ],
        &dir,
    );
    assert!(!ok && stderr.contains("is declared in the functions file"), "{stderr}");

    let api_id = api_calling(&portico, &[("hello", "hello")]).await;
    assert_eq!(
        get(&portico, &api_id, "/hello").await,
        (200, json!({"greeting": "bonjour", "who": "world"}))
    );

    // Restarted on the same state with an edited file: the file wins, and what it no longer
    // declares is gone.
    drop(portico);
    let file = functions_file(&dir, &text(7, ""));
    let portico = Portico::start_with(&["--data-dir", data, "--functions", &file]);
    let (_, listed, _) = aws(
        &portico.endpoint,
        &[
            "lambda",
            "list-functions",
            "--query",
            "Functions[].[FunctionName,Timeout]",
        ],
        &dir,
    );
    assert_eq!(serde_json::from_str::<Value>(&listed).unwrap(), json!([["hello", 7]]));
    // The API (state, not the file) still calls it.
    assert_eq!(get(&portico, &api_id, "/hello").await.0, 200);
    drop(portico);
    let _ = std::fs::remove_dir_all(dir);
}

/// Runs portico expecting it to refuse to start: its stderr.
fn refused(args: &[&str]) -> String {
    let mut child = Command::new(BIN)
        .args(["--port", "0", "--in-memory"])
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("portico started with {args:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(1), "{stderr}");
    stderr
}

#[test]
fn a_mistake_in_the_functions_file_stops_start_up() {
    let dir = temp_dir("bad-file");
    std::fs::create_dir_all(dir.join("code")).unwrap();
    let file = functions_file(
        &dir,
        "[functions.good]\nrie = \"http://127.0.0.1:9000\"\n\n[functions.broken]\ncode = \"code\"\nrie = \"http://127.0.0.1:9000\"\n",
    );
    let stderr = refused(&["--functions", &file]);
    assert!(
        stderr.contains(&format!("functions file {file}: [functions.broken]: has code and rie")),
        "{stderr}"
    );
    let file = functions_file(&dir, "[functions.typo]\nrei = \"http://127.0.0.1:9000\"\n");
    let stderr = refused(&["--functions", &file]);
    assert!(
        stderr.contains(&format!("functions file {file}: ")) && stderr.contains("unknown field `rei`"),
        "{stderr}"
    );
    assert!(stderr.contains("line 2"), "{stderr}");
    let missing = dir.join("missing.toml");
    let stderr = refused(&["--functions", missing.to_str().unwrap()]);
    assert!(stderr.contains("missing.toml: cannot read it"), "{stderr}");
    let stderr = refused(&["--lambda-endpoint", "localhost:3001"]);
    assert!(
        stderr.contains("--lambda-endpoint \"localhost:3001\": expected an http:// or https:// URL"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// The functions Portico lists in an account and region (ListFunctions over raw HTTP).
async fn listed(portico: &Portico, account: &str, region: &str) -> Vec<String> {
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential={account}/20260101/{region}/lambda/aws4_request, SignedHeaders=host, Signature=0"
    );
    let url = format!("{}/2015-03-31/functions/", portico.endpoint);
    let reply = request("GET", &url, None, &[("authorization", &auth)], "").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let functions = reply.json()["Functions"].as_array().unwrap().clone();
    functions
        .iter()
        .map(|f| f["FunctionName"].as_str().unwrap().to_owned())
        .collect()
}

/// The README's functions file and the Compose example's are files Portico starts with.
#[tokio::test]
async fn the_documented_functions_files_are_accepted() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let start = "<!-- functions-file:start -->\n```toml\n";
    let from = readme.find(start).expect("the README's functions file") + start.len();
    let to = from + readme[from..].find("```\n<!-- functions-file:end -->").unwrap();
    let dir = temp_dir("readme-file");
    std::fs::create_dir_all(dir.join("hello")).unwrap();
    let file = functions_file(&dir, &readme[from..to]);
    let portico = Portico::start_with(&["--in-memory", "--functions", &file]);
    assert_eq!(
        listed(&portico, "000000000000", "us-east-1").await,
        ["hello", "thumbnails"]
    );
    assert_eq!(listed(&portico, "111111111111", "eu-west-1").await, ["billing"]);

    let compose = root.join("docker/functions.toml");
    let portico = Portico::start_with(&["--in-memory", "--functions", compose.to_str().unwrap()]);
    assert_eq!(listed(&portico, "000000000000", "us-east-1").await, ["hello"]);
    let _ = std::fs::remove_dir_all(dir);
}
