//! The case table (`tests/cases.txt`, described in `tests/common/mod.rs`) rendered by the
//! engine; `differential.rs` checks the same expectations against Apache Velocity 1.7.

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use portico_vtl::{Limits, Template};

#[test]
fn cases() {
    let cases = common::load();
    assert!(cases.len() >= 250, "only {} cases", cases.len());
    let limits = Limits::default();
    let mut failures = Vec::new();
    let mut slowest = (Duration::ZERO, "");
    for case in &cases {
        let started = Instant::now();
        let result = Template::parse(&case.template).and_then(|t| t.render(&mut case.scope(), &limits));
        let elapsed = started.elapsed();
        if elapsed > slowest.0 {
            slowest = (elapsed, &case.name);
        }
        let problem = match (&result, case.has("error")) {
            (Ok(out), false) if *out == case.expect => None,
            (Ok(out), false) => Some(format!("rendered {out:?}\n  expected {:?}", case.expect)),
            (Ok(out), true) => Some(format!(
                "rendered {out:?}, expected an error containing {:?}",
                case.expect
            )),
            (Err(e), true) if e.to_string().contains(&case.expect) => None,
            (Err(e), _) => Some(format!("failed: {e}\n  expected {:?}", case.expect)),
        };
        // Hostile templates prove their bound by the error they expect (steps, output, depth);
        // how long that takes is reported below, never asserted (a busy machine is slow).
        if let Some(p) = problem {
            failures.push(format!("{}: {p}\n  template {:?}", case.name, case.template));
        }
    }
    // Straight to stderr (the harness captures `eprintln!`): how long hostile cases take.
    let _ = writeln!(
        std::io::stderr(),
        "{} cases; the slowest, {}, took {:?}",
        cases.len(),
        slowest.1,
        slowest.0
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn the_table_round_trips() {
    let text = std::fs::read_to_string(common::path()).unwrap();
    assert_eq!(common::write_cases(&common::parse_cases(&text)), text);
}
