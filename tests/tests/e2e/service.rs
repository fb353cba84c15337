//! Portico's own endpoints.

use crate::harness::Portico;

#[tokio::test]
async fn health_reset_and_localstack_health() {
    let portico = Portico::start();
    let client = portico.sdk();
    client.create_rest_api().name("a").send().await.unwrap();

    let health = portico.call("GET", "/_portico/health", None, "").await;
    assert_eq!(health.status, 200);
    let health = health.json();
    assert_eq!(health["status"], "running");
    assert_eq!(health["counts"]["restapi"], 1);
    assert_eq!(health["counts"]["resource"], 1, "the root resource");

    let localstack = portico.call("GET", "/_localstack/health", None, "").await.json();
    assert_eq!(localstack["services"]["apigateway"], "running");

    assert_eq!(portico.call("POST", "/_portico/reset", None, "").await.status, 200);
    let apis = client.get_rest_apis().send().await.unwrap();
    assert!(apis.items().is_empty(), "reset wipes everything");
}

#[test]
fn help_documents_every_option() {
    let output = std::process::Command::new(crate::harness::BIN)
        .arg("--help")
        .output()
        .unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for option in [
        "--host",
        "--port",
        "--data-dir",
        "--in-memory",
        "--default-account",
        "--default-region",
        "--log",
    ] {
        assert!(help.contains(option), "--help lacks {option}:\n{help}");
    }
    for env in [
        "PORTICO_HOST",
        "PORTICO_PORT",
        "PORTICO_DATA_DIR",
        "PORTICO_IN_MEMORY",
        "PORTICO_DEFAULT_ACCOUNT",
    ] {
        assert!(help.contains(env), "--help lacks {env}:\n{help}");
    }
}

#[test]
fn start_up_says_where_it_listens_and_where_state_lives() {
    let dir = crate::harness::temp_dir("startup");
    let mut child = std::process::Command::new(crate::harness::BIN)
        .args(["--port", "0", "--data-dir", dir.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
    let first = lines.next().unwrap().unwrap();
    let second = lines.next().unwrap().unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(first.starts_with("portico listening on http://127.0.0.1:"), "{first}");
    assert_eq!(second, format!("state: {}", dir.join("portico.db").display()));
    let _ = std::fs::remove_dir_all(dir);
}
