//! Fails when the checked-in generated modules differ from what the models give.

#[test]
fn generated_modules_match_the_models() {
    let wire = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for (file, want) in portico_codegen::generate_all(wire) {
        let path = wire.join("src/generated").join(&file);
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "{} is stale: run `cargo run -p portico-codegen`",
            path.display()
        );
    }
}
