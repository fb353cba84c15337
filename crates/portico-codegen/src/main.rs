//! `cargo run -p portico-codegen` rewrites `crates/portico-wire/src/generated/`.

fn main() {
    let wire = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../portico-wire");
    for (file, text) in portico_codegen::generate_all(&wire) {
        let path = wire.join("src/generated").join(&file);
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        println!("wrote {}", path.display());
    }
}
