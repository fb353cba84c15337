//! The README's AWS CLI walk-through and the Terraform configuration, run for real.

use crate::harness::{Portico, run_script};

#[test]
fn aws_cli_walkthrough() {
    let portico = Portico::start();
    run_script(&portico, "cli/check-walkthrough.sh");
}

/// The README shows the walk-through script's own lines, so what the README says is what runs.
#[test]
fn readme_walkthrough_is_the_tested_script() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = std::fs::read_to_string(root.join("cli/walkthrough.sh")).unwrap();
    let readme = std::fs::read_to_string(root.join("../README.md")).unwrap();
    let between = |text: &str, start: &str, end: &str| -> String {
        let from = text.find(start).unwrap_or_else(|| panic!("no {start:?}")) + start.len();
        let to = from + text[from..].find(end).unwrap_or_else(|| panic!("no {end:?}"));
        text[from..to].trim_matches('\n').to_string()
    };
    let lines = between(&script, "# readme:start\n", "# readme:end");
    let shown = between(
        &readme,
        "<!-- walkthrough:start -->\n```sh\n",
        "```\n<!-- walkthrough:end -->",
    );
    assert_eq!(
        shown, lines,
        "README.md's walk-through differs from tests/cli/walkthrough.sh: copy the lines between its readme markers"
    );
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
