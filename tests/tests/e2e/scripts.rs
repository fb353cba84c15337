//! The README's AWS CLI walk-through and the Terraform configuration, run for real.

use crate::harness::{Portico, run_script};

#[test]
fn aws_cli_walkthrough() {
    let portico = Portico::start();
    run_script(&portico, "cli/check-walkthrough.sh");
}

/// The lines between a script's `# readme:start` and `# readme:end` markers must be what the
/// README shows between `<!-- {marker}:start -->` and `<!-- {marker}:end -->`.
fn readme_shows(script: &str, marker: &str) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join(script)).unwrap();
    let readme = std::fs::read_to_string(root.join("../README.md")).unwrap();
    let between = |text: &str, start: &str, end: &str| -> String {
        let from = text.find(start).unwrap_or_else(|| panic!("no {start:?}")) + start.len();
        let to = from + text[from..].find(end).unwrap_or_else(|| panic!("no {end:?}"));
        text[from..to].trim_matches('\n').to_string()
    };
    let lines = between(&text, "# readme:start\n", "# readme:end");
    let shown = between(
        &readme,
        &format!("<!-- {marker}:start -->\n```sh\n"),
        &format!("```\n<!-- {marker}:end -->"),
    );
    assert_eq!(
        shown, lines,
        "README.md's {marker} differs from tests/{script}: copy the lines between its readme markers"
    );
}

/// The README shows the walk-through scripts' own lines, so what the README says is what runs.
#[test]
fn readme_walkthrough_is_the_tested_script() {
    readme_shows("cli/walkthrough.sh", "walkthrough");
    readme_shows("cli/lambda-walkthrough.sh", "lambda-walkthrough");
    readme_shows("cli/http-api-walkthrough.sh", "http-api-walkthrough");
}

#[test]
fn aws_cli_http_api_walkthrough() {
    let portico = Portico::start();
    run_script(&portico, "cli/check-http-api-walkthrough.sh");
}

#[test]
fn aws_cli_lambda_walkthrough() {
    let portico = Portico::start();
    run_script(&portico, "cli/check-lambda-walkthrough.sh");
}

#[test]
fn terraform_apply_plan_destroy() {
    let portico = Portico::start();
    run_script(&portico, "terraform/run.sh");
}

#[test]
fn terraform_lambda_apply_plan_destroy() {
    let portico = Portico::start();
    run_script(&portico, "terraform/lambda.sh");
}

#[test]
fn aws_cli_lambda_api() {
    let portico = Portico::start();
    run_script(&portico, "cli/lambda.sh");
}
