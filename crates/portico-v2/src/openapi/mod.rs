//! OpenAPI 3.0 definitions of HTTP APIs, JSON or YAML: ImportApi and ReimportApi read one
//! (`import` converts it without touching the store, `write` lands it in one transaction),
//! ExportApi writes the API or a stage's deployment back out (`export`).

mod export;
mod import;
mod write;

pub use export::export;
pub use write::{import_api, reimport_api};
