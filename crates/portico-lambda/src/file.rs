//! The functions file (`--functions FILE`): functions declared in TOML, there from start-up
//! without a CreateFunction call.
//!
//! ```toml
//! [functions.hello]                  # the function's name
//! code = "./hello"                   # a local folder (relative to this file), read afresh on changes
//! runtime = "python3.12"
//! handler = "app.handler"
//! timeout = 10                       # seconds (3)
//! memory = 256                       # MB (128)
//! environment = { GREETING = "hi" }
//!
//! [functions.thumbnails]
//! rie = "http://thumbnails:8080"     # a Lambda container image's Runtime Interface Emulator
//!
//! [functions.billing]
//! endpoint = "http://127.0.0.1:3001" # another Lambda endpoint
//! name = "billing-prod"              # its name there (this entry's name by default)
//! account = "111111111111"           # where it lives here (else the default account
//! region = "eu-west-1"               # and region)
//! ```
//!
//! At every start the declared functions are written into the store as ordinary function
//! documents marked with the file (`FunctionDoc::declared_in`), so ListFunctions, GetFunction,
//! Invoke and API Gateway's integrations see them like any other: a declaration replaces a
//! stored function of the same name, and a function an earlier file declared that this one
//! does not (or that no file declares any more) is deleted. A declaration that has not
//! changed leaves its document alone (same `RevisionId`, same warm processes).

use crate::code::HOT_RELOAD_SHA;
use crate::functions::configuration;
use crate::kinds::{Code, FUNCTION, FunctionDoc, Remote};
use base64::Engine;
use portico_functions::{FunctionSpec, Runners};
use portico_store::{List, Scope, Store, StoreError};
use portico_wire::RequestContext;
use portico_wire::lambda::{CreateFunctionRequest, Environment, FunctionConfiguration};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A functions file, read and checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Declared {
    /// The file's absolute path (empty when there is none).
    pub file: String,
    pub functions: Vec<Declaration>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declaration {
    pub name: String,
    pub account: String,
    pub region: String,
    pub runs: Runs,
    pub timeout: i64,
    pub memory: i64,
    pub environment: BTreeMap<String, String>,
    pub description: Option<String>,
}

/// Where a declared function's code runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Runs {
    /// A local process, on a folder read afresh on changes (as `S3Bucket: hot-reload`).
    Folder {
        dir: PathBuf,
        runtime: String,
        handler: Option<String>,
    },
    Rie {
        url: String,
    },
    Endpoint {
        url: String,
        function: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    functions: BTreeMap<String, RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    code: Option<String>,
    runtime: Option<String>,
    handler: Option<String>,
    environment: Option<BTreeMap<String, String>>,
    rie: Option<String>,
    endpoint: Option<String>,
    name: Option<String>,
    timeout: Option<i64>,
    memory: Option<i64>,
    description: Option<String>,
    account: Option<String>,
    region: Option<String>,
}

/// Reads and checks `path`; every error names the file, and the entry when it is one's.
pub fn read(path: &Path, account: &str, region: &str) -> Result<Declared, String> {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let shown = absolute.display().to_string();
    let text =
        std::fs::read_to_string(&absolute).map_err(|e| format!("functions file {shown}: cannot read it: {e}"))?;
    let base = absolute.parent().unwrap_or(Path::new("/"));
    let functions = parse(&text, base, account, region).map_err(|e| format!("functions file {shown}: {e}"))?;
    Ok(Declared { file: shown, functions })
}

/// The declarations of a file's text; relative folders are taken from `base`.
pub fn parse(text: &str, base: &Path, account: &str, region: &str) -> Result<Vec<Declaration>, String> {
    let raw: RawFile = toml::from_str(text).map_err(|e| e.to_string().trim_end().to_owned())?;
    raw.functions
        .into_iter()
        .map(|(name, entry)| {
            entry
                .check(&name, base, account, region)
                .map_err(|e| format!("[functions.{name}]: {e}"))
        })
        .collect()
}

impl RawEntry {
    fn check(self, name: &str, base: &Path, account: &str, region: &str) -> Result<Declaration, String> {
        check_name(name)?;
        let given: Vec<&str> = [
            ("code", self.code.is_some()),
            ("rie", self.rie.is_some()),
            ("endpoint", self.endpoint.is_some()),
        ]
        .into_iter()
        .filter_map(|(key, set)| set.then_some(key))
        .collect();
        let runs = match (self.code, self.rie, self.endpoint) {
            (Some(code), None, None) => {
                let runtime = self
                    .runtime
                    .ok_or("a code folder needs a runtime, e.g. runtime = \"python3.12\"")?;
                if !["python3", "nodejs", "provided"].iter().any(|p| runtime.starts_with(p)) {
                    return Err(format!(
                        "runtime {runtime:?} cannot run on this machine: Portico runs python3.x, nodejs* and \
                         provided* code itself; run the function's container image and give its URL as rie"
                    ));
                }
                if !runtime.starts_with("provided") && self.handler.is_none() {
                    return Err(format!(
                        "a {runtime} function needs a handler, e.g. handler = \"app.handler\" (module.function)"
                    ));
                }
                let dir = base.join(&code);
                if !dir.is_dir() {
                    return Err(format!("code = {code:?}: {} is not a folder", dir.display()));
                }
                if self.name.is_some() {
                    return Err("name is for endpoint functions (the function's name there)".into());
                }
                Runs::Folder {
                    dir: std::path::absolute(&dir).unwrap_or(dir),
                    runtime,
                    handler: self.handler,
                }
            }
            (None, Some(url), None) | (None, None, Some(url)) => {
                let key = given[0];
                let local: Vec<&str> = [
                    ("runtime", self.runtime.is_some()),
                    ("handler", self.handler.is_some()),
                    ("environment", self.environment.is_some()),
                ]
                .into_iter()
                .filter_map(|(key, set)| set.then_some(key))
                .collect();
                if !local.is_empty() {
                    return Err(format!(
                        "{} only apply to code = a local folder: a {key} function runs with its own",
                        local.join(", ")
                    ));
                }
                check_url(key, &url)?;
                let url = url.trim_end_matches('/').to_owned();
                if key == "rie" {
                    if self.name.is_some() {
                        return Err("name is for endpoint functions (the function's name there)".into());
                    }
                    Runs::Rie { url }
                } else {
                    let function = self.name.unwrap_or_else(|| name.to_owned());
                    let valid = |c: char| c.is_ascii_alphanumeric() || "-_:$".contains(c);
                    if function.is_empty() || !function.chars().all(valid) {
                        return Err(format!("name {function:?} is not a Lambda function name or ARN"));
                    }
                    Runs::Endpoint { url, function }
                }
            }
            _ if given.is_empty() => {
                return Err(
                    "says nowhere to run it: give code = \"folder\" (run here), rie = \"http://host:port\" \
                     (a Lambda container image's Runtime Interface Emulator) or endpoint = \"http://...\" \
                     (another Lambda endpoint)"
                        .into(),
                );
            }
            _ => {
                return Err(format!(
                    "has {}: give one of code, rie and endpoint",
                    given.join(" and ")
                ));
            }
        };
        let timeout = self.timeout.unwrap_or(3);
        if !(1..=900).contains(&timeout) {
            return Err(format!("timeout = {timeout}: Lambda allows 1 to 900 seconds"));
        }
        let memory = self.memory.unwrap_or(128);
        if !(128..=10_240).contains(&memory) {
            return Err(format!("memory = {memory}: Lambda allows 128 to 10240 MB"));
        }
        let environment = self.environment.unwrap_or_default();
        for key in environment.keys() {
            let mut chars = key.chars();
            let first = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
            if !first || key.len() < 2 || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!(
                    "environment variable {key:?}: a name starts with a letter and holds letters, digits and _"
                ));
            }
        }
        let account = self.account.unwrap_or_else(|| account.to_owned());
        if account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!("account = {account:?}: an account id is 12 digits"));
        }
        let region = self.region.unwrap_or_else(|| region.to_owned());
        if !is_region(&region) {
            return Err(format!("region = {region:?} is not a region name like us-east-1"));
        }
        Ok(Declaration {
            name: name.to_owned(),
            account,
            region,
            runs,
            timeout,
            memory,
            environment,
            description: self.description,
        })
    }
}

/// Lambda's function names: 1 to 64 letters, digits, `-` and `_`.
fn check_name(name: &str) -> Result<(), String> {
    let valid = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if name.is_empty() || name.len() > 64 || !name.chars().all(valid) {
        return Err("a function name is 1 to 64 letters, digits, - and _".into());
    }
    Ok(())
}

fn check_url(key: &str, url: &str) -> Result<(), String> {
    let rest = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://"));
    match rest {
        Some(rest) if !rest.is_empty() && !rest.starts_with(['/', ':']) && !rest.contains(char::is_whitespace) => {
            Ok(())
        }
        _ => Err(format!(
            "{key} = {url:?}: expected an http:// or https:// URL, e.g. http://localhost:9000"
        )),
    }
}

/// `us-east-1`, `us-gov-west-1`, ...
fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    let letters = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase());
    matches!(parts.len(), 3 | 4)
        && parts[0].len() == 2
        && parts[..parts.len() - 1].iter().all(|p| letters(p))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

/// The document a declaration makes (`LastModified` and `RevisionId` new).
fn document(declared: &Declaration, file: &str) -> (FunctionConfiguration, Code) {
    let ctx = context(declared);
    let mut input = CreateFunctionRequest {
        function_name: Some(declared.name.clone()),
        timeout: Some(declared.timeout),
        memory_size: Some(declared.memory),
        description: declared.description.clone(),
        environment: Some(Environment {
            variables: Some(declared.environment.clone()),
        }),
        ..Default::default()
    };
    let remote = |remote: Remote, description: String| {
        let url = match &remote {
            Remote::Rie { url } | Remote::Endpoint { url, .. } => url.clone(),
        };
        let code = Code {
            remote: Some(remote),
            ..Code::default()
        };
        // Changes with where it runs, as a code hash changes with the code.
        let sha = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(url.as_bytes()));
        (code, sha, description)
    };
    let (code, sha, description) = match &declared.runs {
        Runs::Folder { dir, runtime, handler } => {
            input.runtime = Some(runtime.clone());
            input.handler = handler.clone();
            let code = Code {
                dir: dir.clone(),
                archive: None,
                hot_reload: true,
                remote: None,
            };
            (code, HOT_RELOAD_SHA.to_owned(), format!("Declared in {file}"))
        }
        Runs::Rie { url } => {
            input.package_type = Some("Image".into());
            remote(
                Remote::Rie { url: url.clone() },
                format!("Runs at the Runtime Interface Emulator {url} (declared in {file})"),
            )
        }
        Runs::Endpoint { url, function } => {
            input.package_type = Some("Image".into());
            remote(
                Remote::Endpoint {
                    url: url.clone(),
                    function: function.clone(),
                },
                format!("Runs as {function} at {url} (declared in {file})"),
            )
        }
    };
    input.description = Some(input.description.unwrap_or(description));
    (configuration(&ctx, &declared.name, input, 0, sha), code)
}

fn context(declared: &Declaration) -> RequestContext {
    RequestContext {
        account: declared.account.clone(),
        region: declared.region.clone(),
        request_id: String::new(),
    }
}

fn store_error(file: &str, e: StoreError) -> String {
    format!("functions file {file}: cannot write its functions: {e}")
}

/// Writes the declarations into the store and deletes the functions earlier files declared
/// that these do not. Functions whose runtime cannot run here are kept, with a warning:
/// their calls fail with Lambda's InvalidRuntimeException until it is installed.
pub async fn apply(store: &Store, runners: &Runners, declared: &Declared) -> Result<(), String> {
    let file = declared.file.as_str();
    let wanted: BTreeSet<(&str, &str, &str)> = declared
        .functions
        .iter()
        .map(|d| (d.account.as_str(), d.region.as_str(), d.name.as_str()))
        .collect();
    let mut stale = Vec::new();
    let mut from = None;
    loop {
        let page = store
            .page(&FUNCTION, List::Everywhere, from, 500)
            .await
            .map_err(|e| store_error(file, e))?;
        for function in page.items {
            let scope = function.row.scope();
            let name = function.doc.config.function_name.clone().unwrap_or_default();
            if function.doc.declared_in.is_some()
                && !wanted.contains(&(scope.account.as_str(), scope.region.as_str(), name.as_str()))
            {
                stale.push((scope.clone(), name));
            }
        }
        match page.next {
            Some(next) => from = Some(next),
            None => break,
        }
    }
    let mut tx = store.write().await.map_err(|e| store_error(file, e))?;
    for (scope, name) in &stale {
        if let Some(function) = tx.top(&FUNCTION, scope, name).await.map_err(|e| store_error(file, e))? {
            tracing::info!(function = %name, account = %scope.account, region = %scope.region,
                "deleting a function no functions file declares any more");
            tx.delete(&function.row).await.map_err(|e| store_error(file, e))?;
        }
    }
    for declaration in &declared.functions {
        let (config, code) = document(declaration, file);
        let scope = Scope {
            account: declaration.account.clone(),
            region: declaration.region.clone(),
        };
        let name = &declaration.name;
        match tx
            .top(&FUNCTION, &scope, name)
            .await
            .map_err(|e| store_error(file, e))?
        {
            Some(mut stored) => {
                let old = &stored.doc;
                let mut same = config.clone();
                same.last_modified.clone_from(&old.config.last_modified);
                same.revision_id.clone_from(&old.config.revision_id);
                if same == old.config && code == old.code && old.declared_in.as_deref() == Some(file) {
                    continue;
                }
                if old.declared_in.is_none() {
                    tracing::warn!(function = %name, file, "the functions file replaces a function created through the API");
                }
                stored.doc.config = config;
                stored.doc.code = code;
                stored.doc.declared_in = Some(file.to_owned());
                tx.update(&FUNCTION, &stored.row, &stored.doc)
                    .await
                    .map_err(|e| store_error(file, e))?;
            }
            None => {
                let doc = FunctionDoc {
                    config,
                    code,
                    next_version: 1,
                    declared_in: Some(file.to_owned()),
                    ..Default::default()
                };
                tx.insert_top(&FUNCTION, &scope, name, &doc)
                    .await
                    .map_err(|e| store_error(file, e))?;
            }
        }
    }
    tx.commit().await.map_err(|e| store_error(file, e))?;
    for declaration in &declared.functions {
        if let Runs::Folder { dir, runtime, handler } = &declaration.runs {
            let probe = FunctionSpec::new(&declaration.name, runtime, handler.as_deref().unwrap_or_default(), dir);
            if let Err(missing) = runners.check_async(&probe).await {
                tracing::warn!(function = %declaration.name, file, "{missing}");
            }
        }
    }
    if !declared.functions.is_empty() {
        let names: Vec<&str> = declared.functions.iter().map(|d| d.name.as_str()).collect();
        tracing::info!(file, functions = %names.join(", "), "functions declared");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("portico-file-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(dir.join("hello")).unwrap();
        dir
    }

    fn parse_in(base: &Path, text: &str) -> Result<Vec<Declaration>, String> {
        parse(text, base, "000000000000", "us-east-1")
    }

    #[test]
    fn the_three_kinds_with_their_defaults() {
        let base = folder();
        let declared = parse_in(
            &base,
            r#"
            [functions.hello]
            code = "hello"
            runtime = "python3.12"
            handler = "app.handler"
            timeout = 10
            environment = { GREETING = "hi" }

            [functions.image]
            rie = "http://image:8080/"
            memory = 512

            [functions.remote]
            endpoint = "https://lambda.example.com"
            name = "other"
            account = "111111111111"
            region = "eu-west-1"
            "#,
        )
        .unwrap();
        assert_eq!(declared.len(), 3);
        let hello = &declared[0];
        assert_eq!(hello.name, "hello");
        assert_eq!(
            hello.runs,
            Runs::Folder {
                dir: base.join("hello"),
                runtime: "python3.12".into(),
                handler: Some("app.handler".into()),
            }
        );
        assert_eq!((hello.timeout, hello.memory), (10, 128));
        assert_eq!(hello.environment["GREETING"], "hi");
        assert_eq!(
            (hello.account.as_str(), hello.region.as_str()),
            ("000000000000", "us-east-1")
        );
        let image = &declared[1];
        assert_eq!(
            image.runs,
            Runs::Rie {
                url: "http://image:8080".into()
            }
        );
        assert_eq!((image.timeout, image.memory), (3, 512));
        let remote = &declared[2];
        assert_eq!(
            remote.runs,
            Runs::Endpoint {
                url: "https://lambda.example.com".into(),
                function: "other".into()
            }
        );
        assert_eq!(
            (remote.account.as_str(), remote.region.as_str()),
            ("111111111111", "eu-west-1")
        );
        // The endpoint's name defaults to the entry's; a provided runtime needs no handler.
        let declared = parse_in(
            &base,
            "[functions.same]\nendpoint = \"http://a:1\"\n[functions.sh]\ncode = \"hello\"\nruntime = \"provided.al2023\"\n",
        )
        .unwrap();
        assert!(matches!(&declared[0].runs, Runs::Endpoint { function, .. } if function == "same"));
        assert!(matches!(&declared[1].runs, Runs::Folder { handler: None, .. }));
        assert_eq!(parse_in(&base, "").unwrap(), []);
        let _ = std::fs::remove_dir_all(base);
    }

    #[test]
    fn mistakes_are_named_with_their_entry() {
        let base = folder();
        let error = |text: &str| parse_in(&base, text).unwrap_err();
        let cases = [
            (
                "[functions.a]\ncode = \"hello\"\nruntime = \"python3.12\"\nhandlr = \"x\"\n",
                "unknown field `handlr`",
            ),
            ("[function.a]\nrie = \"http://x:1\"\n", "unknown field `function`"),
            (
                "[functions.a]\ncode = \"hello\"\nruntime = \"python3.12\"\n",
                "[functions.a]: a python3.12 function needs a handler",
            ),
            (
                "[functions.a]\ncode = \"hello\"\nhandler = \"app.h\"\n",
                "[functions.a]: a code folder needs a runtime",
            ),
            (
                "[functions.a]\ncode = \"nowhere\"\nruntime = \"python3.12\"\nhandler = \"a.b\"\n",
                "is not a folder",
            ),
            (
                "[functions.a]\ncode = \"hello\"\nruntime = \"java21\"\nhandler = \"a.b\"\n",
                "runtime \"java21\" cannot run on this machine",
            ),
            (
                "[functions.a]\ncode = \"hello\"\nrie = \"http://x:1\"\n",
                "[functions.a]: has code and rie: give one of code, rie and endpoint",
            ),
            ("[functions.a]\ntimeout = 3\n", "[functions.a]: says nowhere to run it"),
            (
                "[functions.a]\nrie = \"http://x:1\"\nhandler = \"a.b\"\n",
                "handler only apply to code = a local folder",
            ),
            (
                "[functions.a]\nrie = \"localhost:9000\"\n",
                "rie = \"localhost:9000\": expected an http:// or https:// URL",
            ),
            (
                "[functions.a]\nrie = \"http://x:1\"\nname = \"b\"\n",
                "name is for endpoint functions",
            ),
            (
                "[functions.a]\nendpoint = \"http://x:1\"\ntimeout = 901\n",
                "timeout = 901: Lambda allows 1 to 900 seconds",
            ),
            ("[functions.a]\nendpoint = \"http://x:1\"\nmemory = 64\n", "memory = 64"),
            (
                "[functions.a]\nendpoint = \"http://x:1\"\naccount = \"123\"\n",
                "an account id is 12 digits",
            ),
            (
                "[functions.a]\nendpoint = \"http://x:1\"\nregion = \"mars\"\n",
                "region = \"mars\"",
            ),
            (
                "[functions.\"bad name\"]\nendpoint = \"http://x:1\"\n",
                "[functions.bad name]: a function name is 1 to 64",
            ),
            (
                "[functions.a]\ncode = \"hello\"\nruntime = \"python3.12\"\nhandler = \"a.b\"\nenvironment = { 1X = \"v\" }\n",
                "environment variable \"1X\"",
            ),
            (
                "[functions.a]\ncode = \"hello\"\nruntime = \"python3.12\"\nhandler = \"a.b\"\nenvironment = { N = 1 }\n",
                "invalid type: integer",
            ),
            ("[functions.a\n", "TOML parse error at line 1"),
        ];
        for (text, expected) in cases {
            let message = error(text);
            assert!(
                message.contains(expected),
                "{text:?} gave {message:?}, expected {expected:?}"
            );
        }
        let _ = std::fs::remove_dir_all(base);
    }

    #[test]
    fn read_names_the_file_and_takes_folders_from_beside_it() {
        let base = folder();
        let path = base.join("functions.toml");
        std::fs::write(
            &path,
            "[functions.a]\ncode = \"hello\"\nruntime = \"nodejs20.x\"\nhandler = \"index.handler\"\n",
        )
        .unwrap();
        let declared = read(&path, "000000000000", "us-east-1").unwrap();
        assert_eq!(declared.file, path.display().to_string());
        assert!(matches!(&declared.functions[0].runs, Runs::Folder { dir, .. } if *dir == base.join("hello")));
        std::fs::write(&path, "[functions.a]\n").unwrap();
        let message = read(&path, "000000000000", "us-east-1").unwrap_err();
        assert!(
            message.starts_with(&format!("functions file {}: [functions.a]: ", path.display())),
            "{message}"
        );
        let missing = read(&base.join("nope.toml"), "000000000000", "us-east-1").unwrap_err();
        assert!(missing.contains("nope.toml: cannot read it"), "{missing}");
        let _ = std::fs::remove_dir_all(base);
    }
}
