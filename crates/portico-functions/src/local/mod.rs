//! The local backend: pools of warm runtime processes, one pool per function version.
//!
//! A call takes a permit of its pool (at most `max_concurrency_per_function` at once; a
//! call finding none waits up to `queue_wait`, then fails with `TooManyRequests`), then
//! the most recently used idle process that is still alive, of the spec's revision and,
//! with hot reload, started on the code as it is now; else it starts a new one.

mod launch;
mod process;

use crate::{Backend, BoxFuture, FunctionSpec, Invocation, Ran, RunError, RunnerConfig, lambda};
use launch::{Launcher, Signature};
use process::{Handle, Process};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

pub(crate) struct LocalBackend {
    config: RunnerConfig,
    launcher: Arc<Launcher>,
    /// By (unqualified ARN, version).
    pools: Mutex<HashMap<(String, String), Arc<Pool>>>,
}

struct Pool {
    permits: Arc<Semaphore>,
    idle: Mutex<Vec<Process>>,
    /// Processes serving a call, by a number of the pool's.
    busy: Mutex<HashMap<u64, Handle>>,
    next_id: AtomicU64,
    retired: AtomicBool,
}

impl Pool {
    /// Stops the idle processes, and the busy ones too with `busy` (at shutdown; on
    /// update or delete, calls under way finish, as in Lambda). Returns what was stopped.
    fn retire(&self, busy: bool) -> Vec<Handle> {
        self.retired.store(true, Ordering::SeqCst);
        let idle = std::mem::take(&mut *self.idle.lock().expect("pool lock"));
        let mut stopped: Vec<Handle> = idle.iter().map(Process::handle).collect();
        // Dropping a process kills it.
        drop(idle);
        if busy {
            for handle in self.busy.lock().expect("pool lock").values() {
                handle.kill();
                stopped.push(handle.clone());
            }
        }
        stopped
    }
}

/// A process listed as busy in its pool for as long as this lives (also when the call's
/// future is dropped, which drops and so kills the process).
struct Busy<'a> {
    pool: &'a Pool,
    id: u64,
}

impl<'a> Busy<'a> {
    fn new(pool: &'a Pool, process: &Process) -> Busy<'a> {
        let id = pool.next_id.fetch_add(1, Ordering::Relaxed);
        pool.busy.lock().expect("pool lock").insert(id, process.handle());
        Busy { pool, id }
    }
}

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.pool.busy.lock().expect("pool lock").remove(&self.id);
    }
}

impl LocalBackend {
    pub(crate) fn new(config: RunnerConfig) -> LocalBackend {
        LocalBackend {
            launcher: Arc::new(Launcher::new(&config)),
            config,
            pools: Mutex::new(HashMap::new()),
        }
    }

    fn pool(&self, spec: &FunctionSpec) -> Arc<Pool> {
        let mut pools = self.pools.lock().expect("pools lock");
        pools
            .entry((spec.arn.clone(), spec.version.clone()))
            .or_insert_with(|| {
                Arc::new(Pool {
                    permits: Arc::new(Semaphore::new(self.config.max_concurrency_per_function.max(1))),
                    idle: Mutex::new(Vec::new()),
                    busy: Mutex::new(HashMap::new()),
                    next_id: AtomicU64::new(0),
                    retired: AtomicBool::new(false),
                })
            })
            .clone()
    }

    async fn run(&self, spec: &FunctionSpec, invocation: Invocation) -> Result<Ran, RunError> {
        let pool = self.pool(spec);
        let permit = match tokio::time::timeout(self.config.queue_wait, pool.permits.clone().acquire_owned()).await {
            Ok(Ok(permit)) => permit,
            _ => return Err(RunError::TooManyRequests),
        };
        let signature = if spec.hot_reload {
            let dir = spec.code_dir.clone();
            Some(blocking(move || launch::signature(&dir)).await?)
        } else {
            None
        };
        let process = match self.warm(&pool, spec, signature) {
            Some(process) => process,
            None => self.start(spec, signature).await?,
        };
        let busy = Busy::new(&pool, &process);
        let request_id = invocation.request_id.clone();
        let tail = invocation.log_tail;
        process.begin(tail);
        let start = format!("START RequestId: {request_id} Version: {}", spec.version);
        tracing::info!(target: "portico::function", function = %spec.name, request_id = %request_id, "{start}");
        let started = std::time::Instant::now();
        let finished = process.run(invocation, spec.timeout).await;
        let duration = process.handler_duration().unwrap_or_else(|| started.elapsed());
        let end = format!("END RequestId: {request_id}");
        let report = lambda::report_line(
            &request_id,
            duration,
            spec.memory_mb,
            process.max_memory_mb(),
            process.take_init_duration(),
        );
        tracing::info!(target: "portico::function", function = %spec.name, request_id = %request_id, "{end}");
        tracing::info!(target: "portico::function", function = %spec.name, request_id = %request_id, "{report}");
        let log_result = if tail && finished.is_ok() {
            let printed = process.captured().await;
            let mut log = Vec::with_capacity(start.len() + printed.len() + end.len() + report.len() + 3);
            for part in [
                start.as_bytes(),
                b"\n",
                &printed,
                end.as_bytes(),
                b"\n",
                report.as_bytes(),
                b"\n",
            ] {
                log.extend_from_slice(part);
            }
            Some(lambda::log_result(&log))
        } else {
            None
        };
        drop(busy);
        let reusable = matches!(finished, Ok((_, true)));
        if reusable && !pool.retired.load(Ordering::SeqCst) {
            pool.idle.lock().expect("pool lock").push(process);
        }
        drop(permit);
        finished.map(|(outcome, _)| Ran {
            outcome,
            log_result,
            executed_version: None,
        })
    }

    /// An idle process fit for the spec; unfit ones met on the way are stopped.
    fn warm(&self, pool: &Pool, spec: &FunctionSpec, signature: Option<Signature>) -> Option<Process> {
        let mut idle = pool.idle.lock().expect("pool lock");
        while let Some(process) = idle.pop() {
            let fresh = process.revision == spec.revision && (!spec.hot_reload || process.signature == signature);
            if fresh && !process.has_exited() {
                return Some(process);
            }
            tracing::debug!(function = %spec.name, pid = process.pid, "retiring a stale runtime process");
        }
        None
    }

    async fn start(&self, spec: &FunctionSpec, signature: Option<Signature>) -> Result<Process, RunError> {
        let launcher = self.launcher.clone();
        let probe = spec.clone();
        let launch = blocking(move || launcher.resolve(&probe))
            .await?
            .map_err(RunError::RuntimeMissing)?;
        let runtime_dir = self.launcher.runtime_dir();
        let process = Process::spawn(
            spec,
            &launch,
            |api| launch::environment(spec, &self.config, api, runtime_dir),
            signature,
        )
        .await?;
        tracing::debug!(function = %spec.name, pid = process.pid, "started a runtime process");
        Ok(process)
    }

    fn take_pools(&self, which: impl Fn(&(String, String)) -> bool) -> Vec<Arc<Pool>> {
        let mut pools = self.pools.lock().expect("pools lock");
        let keys: Vec<_> = pools.keys().filter(|k| which(k)).cloned().collect();
        keys.iter().filter_map(|k| pools.remove(k)).collect()
    }
}

/// How long shutdown waits for the processes to end.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(5);

async fn futures_join(all: impl Iterator<Item = impl Future<Output = ()> + Send + 'static>) {
    let tasks: Vec<_> = all.map(tokio::spawn).collect();
    for task in tasks {
        let _ = task.await;
    }
}

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, RunError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| RunError::Backend(e.to_string()))
}

impl Backend for LocalBackend {
    fn invoke<'a>(&'a self, spec: &'a FunctionSpec, invocation: Invocation) -> BoxFuture<'a, Result<Ran, RunError>> {
        Box::pin(self.run(spec, invocation))
    }

    fn check(&self, spec: &FunctionSpec) -> Result<(), String> {
        self.launcher.resolve(spec).map(|_| ())
    }

    fn retire<'a>(&'a self, function_arn: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let pools =
                self.take_pools(|(arn, version)| arn == function_arn || format!("{arn}:{version}") == function_arn);
            for pool in pools {
                pool.retire(false);
            }
        })
    }

    fn shutdown(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let stopped: Vec<Handle> = self
                .take_pools(|_| true)
                .iter()
                .flat_map(|pool| pool.retire(true))
                .collect();
            // Wait for the children to be gone, so none outlives Portico.
            let all = futures_join(stopped.into_iter().map(Handle::exited));
            let _ = tokio::time::timeout(SHUTDOWN_WAIT, all).await;
        })
    }
}
