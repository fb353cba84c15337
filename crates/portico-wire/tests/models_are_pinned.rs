//! `models/VERSION` names the one botocore release every vendored model comes from
//! (`scripts/vendor-models <version>` writes both), and the generated files say so too.

#[test]
fn every_model_comes_from_the_pinned_botocore() {
    let wire = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let pinned = std::fs::read_to_string(wire.join("models/VERSION")).expect("models/VERSION");
    let pinned = pinned.strip_suffix('\n').expect("one line");
    let version = pinned.strip_prefix("botocore ").expect("`botocore <version>`");
    assert!(
        version.split('.').count() == 3 && version.split('.').all(|p| p.parse::<u32>().is_ok()),
        "{pinned}"
    );
    for (module, _, _) in portico_codegen::SERVICES {
        let text = std::fs::read_to_string(wire.join(format!("models/{module}.json"))).unwrap();
        let model: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(model["metadata"]["x-portico-source"], pinned, "models/{module}.json");
        let generated = std::fs::read_to_string(wire.join(format!("src/generated/{module}.rs"))).unwrap();
        assert!(
            generated.lines().next().unwrap().contains(&format!("({pinned})")),
            "src/generated/{module}.rs"
        );
    }
}
