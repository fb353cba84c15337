//! What HTTP and WebSocket APIs keep compiled, by API id: each id's entry is filled by its
//! first request (concurrent first requests share one load), `None` when the id is no API
//! of that kind, and dropped when a commit touches the API.

use portico_store::{Changed, StoreError};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, RwLock};
use tokio::sync::OnceCell;

/// Past this many remembered ids (APIs of the kind or not) the memory starts over.
const MAX_APIS: usize = 4096;

type Entry<T> = Arc<OnceCell<Option<Arc<T>>>>;

pub struct ByApiId<T> {
    entries: RwLock<HashMap<String, Entry<T>>>,
}

impl<T> Default for ByApiId<T> {
    fn default() -> Self {
        ByApiId {
            entries: RwLock::new(HashMap::new()),
        }
    }
}

impl<T> ByApiId<T> {
    /// Drops the entries of the top-level documents of `kind` that `changes` touched (a new
    /// API drops the memory that its id was none).
    pub fn changed(&self, changes: &[Changed], kind: &str) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        for change in changes.iter().filter(|c| c.kind == kind) {
            entries.remove(&change.id);
        }
    }

    /// What is compiled of `api_id` now, without loading it.
    pub fn loaded(&self, api_id: &str) -> Option<Arc<T>> {
        let entry = self
            .entries
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(api_id)
            .cloned();
        entry.as_deref().and_then(OnceCell::get).cloned().flatten()
    }

    /// The entry of `api_id`, loaded by `load` on its first request.
    pub async fn get<F, Fut>(&self, api_id: &str, load: F) -> Result<Option<Arc<T>>, StoreError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<Arc<T>>, StoreError>>,
    {
        let cell = self
            .entries
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(api_id)
            .cloned();
        let cell = match cell {
            Some(cell) => cell,
            None => {
                let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
                if entries.len() >= MAX_APIS {
                    entries.clear();
                }
                entries.entry(api_id.to_owned()).or_default().clone()
            }
        };
        if let Some(hit) = cell.get() {
            return Ok(hit.clone());
        }
        Box::pin(cell.get_or_try_init(load)).await.cloned()
    }
}
