//! The documents the Lambda control plane stores.
//!
//! ```text
//! function ─┬─ function-version (published, immutable)
//!           └─ function-alias
//! ```
//! Deleting a function takes its versions and aliases with it.

use portico_wire::lambda as lm;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

use portico_store::Kind;

/// `$LATEST`, with what is not part of its configuration.
pub const FUNCTION: Kind<FunctionDoc> = Kind::top("function");
/// A published version: a frozen configuration and the code it had.
pub const VERSION: Kind<VersionDoc> = Kind::under("function-version", &["function"]);
pub const ALIAS: Kind<lm::AliasConfiguration> = Kind::under("function-alias", &["function"]);

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FunctionDoc {
    pub config: lm::FunctionConfiguration,
    pub code: Code,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// The resource policy's statements, in the order they were added.
    #[serde(default)]
    pub policy: Vec<serde_json::Value>,
    /// Changes with every change to the policy (GetPolicy's `RevisionId`).
    #[serde(default)]
    pub policy_revision: String,
    /// The number the next published version gets.
    pub next_version: i64,
    /// PutFunctionConcurrency's reservation; none until one is put.
    #[serde(default)]
    pub reserved_concurrency: Option<i64>,
    /// The functions file that declares the function (`--functions`): it is written at
    /// every start from there, and removed at a start whose file no longer declares it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared_in: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct VersionDoc {
    pub config: lm::FunctionConfiguration,
    pub code: Code,
}

/// Where a function's code lives on this machine.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Code {
    /// The unpacked code (the handler's `LAMBDA_TASK_ROOT`).
    pub dir: PathBuf,
    /// The uploaded archive, kept for GetFunction's `Code.Location`; none for a hot-reload folder.
    pub archive: Option<PathBuf>,
    /// The user's own folder, read afresh on changes (LocalStack's `hot-reload` bucket).
    #[serde(default)]
    pub hot_reload: bool,
    /// The code runs elsewhere (functions file entries `rie` and `endpoint`); `dir` is empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<Remote>,
}

/// Where a function runs when not on this machine.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Remote {
    /// A Runtime Interface Emulator (a Lambda container image): its base URL.
    Rie { url: String },
    /// Another Lambda endpoint: its base URL and the function's name there.
    Endpoint { url: String, function: String },
}
