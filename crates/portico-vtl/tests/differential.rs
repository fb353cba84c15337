//! Renders every case of `tests/cases.txt` that needs no host object with the real Apache
//! Velocity 1.7 (`tests/oracle/Render.java`, one JVM for all cases) and checks that it
//! agrees with the table, which `cases.rs` checks the engine against.
//!
//! Needs `java` and Debian's `velocity`, `libcommons-collections3-java` and
//! `libcommons-lang-java` jars (`apt-get install velocity libjsonpath-java
//! default-jre-headless`); without them the test says why and passes, unless
//! `PORTICO_REQUIRE_ALL=1`. `VTL_BLESS=1` writes Velocity's outputs into the table instead.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use portico_vtl::Value;

const JARS: [&[&str]; 3] = [
    &["/usr/share/java/velocity-1.7.jar", "/usr/share/java/velocity.jar"],
    &[
        "/usr/share/java/commons-collections3.jar",
        "/usr/share/java/commons-collections.jar",
    ],
    &[
        "/usr/share/java/commons-lang.jar",
        "/usr/share/java/commons-lang-2.6.jar",
    ],
];

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn unhex(h: &str) -> String {
    let bytes: Vec<u8> = (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
        .collect();
    String::from_utf8(bytes).unwrap()
}

/// The harness's typed encoding of a value (see `Render.java`).
fn encode(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push('n'),
        Value::Bool(b) => out.push(if *b { 't' } else { 'f' }),
        Value::Int(i) => out.push_str(&format!("i{i};")),
        Value::Float(x) => out.push_str(&format!("d{x:?};")),
        Value::Str(s) => out.push_str(&format!("s{};", hex(s))),
        Value::List(l) => {
            out.push_str(&format!("l{};", l.borrow().len()));
            for item in l.borrow().iter() {
                encode(item, out);
            }
        }
        Value::Map(m) => {
            out.push_str(&format!("m{};", m.borrow().len()));
            for (k, v) in m.borrow().iter() {
                out.push_str(&format!("s{};", hex(k)));
                encode(v, out);
            }
        }
        Value::Object(_) => panic!("host objects are not sent to Velocity"),
    }
}

fn skip(why: &str) {
    if std::env::var("PORTICO_REQUIRE_ALL").as_deref() == Ok("1") {
        panic!("the differential test cannot run: {why}");
    }
    // Straight to stderr: the test harness captures `eprintln!`, and a skip should be seen.
    let _ = writeln!(std::io::stderr(), "skipping the differential test: {why}");
}

#[test]
fn velocity_agrees_with_the_table() {
    if Command::new("java")
        .arg("-version")
        .stderr(Stdio::null())
        .status()
        .map(|s| !s.success())
        .unwrap_or(true)
    {
        return skip("java is not installed (apt-get install default-jre-headless)");
    }
    let mut classpath = Vec::new();
    for candidates in JARS {
        match candidates.iter().find(|p| Path::new(p).exists()) {
            Some(p) => classpath.push(*p),
            None => return skip(&format!("{} is missing (apt-get install velocity)", candidates[0])),
        }
    }
    let mut cases = common::load();
    let selected: Vec<usize> = (0..cases.len()).filter(|&i| cases[i].differential()).collect();
    let mut input = String::new();
    for &i in &selected {
        let mut vars = String::new();
        encode(&Value::map(cases[i].values()), &mut vars);
        input.push_str(&format!("{} {vars}\n", hex(&cases[i].template)));
    }
    let harness = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/Render.java");
    let mut child = Command::new("java")
        .arg("-cp")
        .arg(classpath.join(":"))
        .arg(&harness)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("java starts");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("java runs");
    writer.join().unwrap().unwrap();
    assert!(output.status.success(), "the Velocity harness failed");
    let lines: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(lines.len(), selected.len(), "one line per case from the harness");

    let bless = std::env::var("VTL_BLESS").as_deref() == Ok("1");
    let mut failures = Vec::new();
    for (&i, line) in selected.iter().zip(&lines) {
        let case = &mut cases[i];
        let (status, payload) = line.split_once(' ').unwrap_or((line, ""));
        let velocity = unhex(payload);
        let problem = match (status, case.has("error")) {
            ("OK", false) if velocity == case.expect => None,
            ("OK", false) => {
                if bless {
                    case.expect = velocity.clone();
                }
                Some(format!(
                    "Velocity rendered {velocity:?}\n  the table expects {:?}",
                    case.expect
                ))
            }
            ("OK", true) => Some(format!("Velocity rendered {velocity:?}, the table expects an error")),
            (_, true) => None,
            (_, false) => Some(format!(
                "Velocity failed: {velocity}\n  the table expects {:?}",
                case.expect
            )),
        };
        if let Some(p) = problem {
            failures.push(format!("{}: {p}\n  template {:?}", case.name, case.template));
        }
    }
    let _ = writeln!(
        std::io::stderr(),
        "{} of {} cases rendered by Velocity 1.7",
        selected.len(),
        cases.len()
    );
    if bless {
        std::fs::write(common::path(), common::write_cases(&cases)).unwrap();
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases disagree with Velocity:\n{}",
        failures.len(),
        selected.len(),
        failures.join("\n")
    );
}
