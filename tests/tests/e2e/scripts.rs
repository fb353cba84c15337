//! The README's AWS CLI walk-through and the Terraform configuration, run for real.

use crate::harness::{Portico, run_script};

#[test]
fn aws_cli_walkthrough() {
    let portico = Portico::start();
    run_script(&portico, "cli/walkthrough.sh");
}

#[test]
fn terraform_apply_plan_destroy() {
    let portico = Portico::start();
    run_script(&portico, "terraform/run.sh");
}
