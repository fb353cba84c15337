//! How a runtime starts here: finding interpreters, the shipped Node client, the child's
//! command and environment, and the code folder's signature for hot reload.

use crate::{FunctionSpec, RunnerConfig};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::sync::Mutex;
use std::time::UNIX_EPOCH;
use tokio::process::Command;

const NODE_CLIENT: &str = include_str!("node_client.js");

/// How to start one runtime.
#[derive(Debug, Clone)]
pub(crate) enum Launch {
    /// The interpreter that imported awslambdaric (its `sys.executable`, so version
    /// managers' shims are not in the way on every start).
    Python {
        exe: PathBuf,
    },
    Node {
        client: PathBuf,
    },
    Provided {
        bootstrap: PathBuf,
    },
}

impl Launch {
    pub(crate) fn command(&self, spec: &FunctionSpec) -> Command {
        match self {
            Launch::Python { exe } => {
                let mut command = Command::new(exe);
                command.args(["-m", "awslambdaric", &spec.handler]);
                command
            }
            Launch::Node { client } => {
                let mut command = Command::new("node");
                command.arg(client);
                command
            }
            Launch::Provided { bootstrap } => Command::new(bootstrap),
        }
    }
}

/// Finds runtimes; successful probes are kept (failures are probed again, so installing
/// the missing piece works without a restart).
pub(crate) struct Launcher {
    work_dir: PathBuf,
    found: Mutex<HashMap<String, PathBuf>>,
}

impl Launcher {
    pub(crate) fn new(config: &RunnerConfig) -> Launcher {
        let work_dir = config
            .work_dir
            .clone()
            .unwrap_or_else(|| std::env::temp_dir().join(format!("portico-functions-{}", std::process::id())));
        Launcher {
            work_dir,
            found: Mutex::new(HashMap::new()),
        }
    }

    /// `LAMBDA_RUNTIME_DIR`: where the shipped clients live.
    pub(crate) fn runtime_dir(&self) -> &Path {
        &self.work_dir
    }

    /// Blocking: may run an interpreter.
    pub(crate) fn resolve(&self, spec: &FunctionSpec) -> Result<Launch, String> {
        let runtime = spec.runtime.as_str();
        if runtime.starts_with("python3") {
            let exe = self.cached(runtime, || probe_python(runtime))?;
            Ok(Launch::Python { exe })
        } else if runtime.starts_with("nodejs") {
            self.cached("node", || probe_node(runtime))?;
            let client = self.cached("node-client", || self.write_node_client())?;
            Ok(Launch::Node { client })
        } else if runtime.starts_with("provided") {
            let bootstrap = spec.code_dir.join("bootstrap");
            check_bootstrap(runtime, &bootstrap)?;
            Ok(Launch::Provided { bootstrap })
        } else {
            Err(format!(
                "{runtime} functions cannot run on this machine: Portico runs python3.x, nodejs* and provided* \
                 runtimes locally; point the function at a Lambda endpoint or a Runtime Interface Emulator instead"
            ))
        }
    }

    fn cached(&self, key: &str, probe: impl FnOnce() -> Result<PathBuf, String>) -> Result<PathBuf, String> {
        if let Some(found) = self.found.lock().expect("launcher lock").get(key) {
            return Ok(found.clone());
        }
        let found = probe()?;
        self.found
            .lock()
            .expect("launcher lock")
            .insert(key.to_owned(), found.clone());
        Ok(found)
    }

    fn write_node_client(&self) -> Result<PathBuf, String> {
        let path = self.work_dir.join("portico-node-runtime.js");
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(&self.work_dir)?;
            // Write beside, then rename: a process starting meanwhile never sees half a file.
            let partial = self
                .work_dir
                .join(format!("portico-node-runtime.{}.tmp", uuid::Uuid::new_v4()));
            std::fs::write(&partial, NODE_CLIENT)?;
            std::fs::rename(&partial, &path)
        };
        write().map_err(|e| format!("cannot write the Node runtime client to {}: {e}", path.display()))?;
        Ok(path)
    }
}

const PYTHON_PROBE: &str =
    "import sys\ntry:\n    import awslambdaric\nexcept ImportError:\n    sys.exit(3)\nprint(sys.executable)";

/// The runtime's own interpreter (`python3.12`) if it runs, else `python3`.
fn probe_python(runtime: &str) -> Result<PathBuf, String> {
    let mut candidates = vec![runtime];
    if runtime != "python3" {
        candidates.push("python3");
    }
    let mut without_ric = None;
    for candidate in candidates {
        let Ok(out) = StdCommand::new(candidate).args(["-c", PYTHON_PROBE]).output() else {
            continue;
        };
        if out.status.success() {
            let exe = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            return Ok(if exe.is_empty() {
                PathBuf::from(candidate)
            } else {
                PathBuf::from(exe)
            });
        }
        if out.status.code() == Some(3) && without_ric.is_none() {
            without_ric = Some(candidate);
        }
    }
    Err(match without_ric {
        Some(python) => format!("{runtime} functions need PyPI's awslambdaric: {python} -m pip install awslambdaric"),
        None => format!(
            "{runtime} functions need Python 3 on PATH ({runtime} or python3) with PyPI's awslambdaric: \
             python3 -m pip install awslambdaric"
        ),
    })
}

fn probe_node(runtime: &str) -> Result<PathBuf, String> {
    match StdCommand::new("node").arg("--version").output() {
        Ok(out) if out.status.success() => Ok(PathBuf::from("node")),
        _ => Err(format!("{runtime} functions need Node.js on PATH (the node command)")),
    }
}

fn check_bootstrap(runtime: &str, bootstrap: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::metadata(bootstrap) {
        Ok(meta) if meta.is_file() && meta.permissions().mode() & 0o111 != 0 => Ok(()),
        Ok(_) => Err(format!(
            "{runtime} functions need an executable bootstrap: chmod +x {}",
            bootstrap.display()
        )),
        Err(_) => Err(format!(
            "{runtime} functions need an executable file named bootstrap at the root of the code ({} is missing)",
            bootstrap.display()
        )),
    }
}

/// The child's environment: what Lambda sets, then the function's own variables (which
/// win). Nothing else of Portico's environment leaks in but PATH and HOME.
pub(crate) fn environment(
    spec: &FunctionSpec,
    config: &RunnerConfig,
    runtime_api: &str,
    runtime_dir: &Path,
) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    let mut set = |k: &str, v: &str| {
        env.insert(k.to_owned(), v.to_owned());
    };
    let path = std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".to_owned());
    set("PATH", &path);
    if let Ok(home) = std::env::var("HOME") {
        set("HOME", &home);
    }
    set("LANG", "en_US.UTF-8");
    set("TZ", ":UTC");
    set("AWS_LAMBDA_RUNTIME_API", runtime_api);
    set("AWS_LAMBDA_FUNCTION_NAME", &spec.name);
    set("AWS_LAMBDA_FUNCTION_VERSION", &spec.version);
    set("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", &spec.memory_mb.to_string());
    set("AWS_LAMBDA_LOG_GROUP_NAME", &format!("/aws/lambda/{}", spec.name));
    set("AWS_LAMBDA_LOG_STREAM_NAME", &crate::log_stream_name(&spec.version));
    set("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
    set("AWS_REGION", &spec.region);
    set("AWS_DEFAULT_REGION", &spec.region);
    set("AWS_EXECUTION_ENV", &format!("AWS_Lambda_{}", spec.runtime));
    set("_HANDLER", &spec.handler);
    let task_root = spec.code_dir.to_string_lossy();
    set("LAMBDA_TASK_ROOT", &task_root);
    set("LAMBDA_RUNTIME_DIR", &runtime_dir.to_string_lossy());
    set("AWS_ACCESS_KEY_ID", &config.credentials.access_key_id);
    set("AWS_SECRET_ACCESS_KEY", &config.credentials.secret_access_key);
    // Lambda always passes a session token; SDKs accept any value against Portico.
    let token = config.credentials.session_token.as_deref().unwrap_or("test");
    set("AWS_SESSION_TOKEN", token);
    set("AWS_ENDPOINT_URL", &config.endpoint_url_for_handlers);
    if spec.runtime.starts_with("python") {
        set("PYTHONPATH", &task_root);
        // Lines reach the log as they are printed, not when a buffer fills.
        set("PYTHONUNBUFFERED", "1");
        if spec.hot_reload {
            // A .pyc is trusted by its source's mtime in whole seconds and its size: an edit
            // within the same second keeping the size would run stale code. Hot-reload code is
            // compiled from source every start: no bytecode read from the user's folder
            // (the prefix is never created) nor written into it.
            set("PYTHONDONTWRITEBYTECODE", "1");
            set("PYTHONPYCACHEPREFIX", &runtime_dir.join("no-pycache").to_string_lossy());
        }
    }
    for (k, v) in &spec.environment {
        env.insert(k.clone(), v.clone());
    }
    env
}

/// A cheap signature of a folder: newest modification time and number of entries.
/// `__pycache__` is left out: Python writes there when it imports the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Signature {
    newest: u128,
    entries: u64,
}

pub(crate) fn signature(dir: &Path) -> Signature {
    let mut sig = Signature { newest: 0, entries: 0 };
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            if entry.file_name() == "__pycache__" {
                continue;
            }
            // symlink_metadata: a link to a parent folder must not loop.
            let Ok(meta) = entry.path().symlink_metadata() else {
                continue;
            };
            sig.entries += 1;
            if let Ok(modified) = meta.modified() {
                let nanos = modified.duration_since(UNIX_EPOCH).unwrap_or_default().as_nanos();
                sig.newest = sig.newest.max(nanos);
            }
            if meta.is_dir() {
                stack.push(entry.path());
            }
        }
    }
    sig
}
