//! The change feed: after each commit, listeners learn which top-level documents' trees the
//! commit touched, so a cache drops only what it holds of those (the data plane's stage cache
//! drops one API's stages, never another's).

use crate::Scope;
use std::sync::{Arc, RwLock};

/// A top-level document whose tree a commit wrote to (itself or anything below it), or deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    pub scope: Scope,
    pub kind: String,
    pub id: String,
}

pub type Listener = Arc<dyn Fn(&[Changed]) + Send + Sync>;

/// Listeners run synchronously after the commit, before the write returns to its caller: a
/// client that saw its write acknowledged never reads a cache from before it.
#[derive(Clone, Default)]
pub(crate) struct Feed {
    listeners: Arc<RwLock<Vec<Listener>>>,
}

impl Feed {
    pub fn subscribe(&self, listener: Listener) {
        self.listeners.write().unwrap_or_else(|e| e.into_inner()).push(listener);
    }

    pub fn publish(&self, changes: &[Changed]) {
        if changes.is_empty() {
            return;
        }
        for listener in self.listeners.read().unwrap_or_else(|e| e.into_inner()).iter() {
            listener(changes);
        }
    }
}
