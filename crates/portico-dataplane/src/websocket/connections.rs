//! The live connections of every WebSocket API: id → where its frames go and what
//! GetConnection tells. Ids are unique across APIs, so the management API at Portico's root
//! finds a connection by its id alone.

use base64::Engine;
use bytes::Bytes;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::mpsc;

/// Frames waiting for one client; past this, PostToConnection answers LimitExceededException.
pub const QUEUE: usize = 1024;

/// What a connection's task is told to do.
#[derive(Debug)]
pub enum Outbound {
    /// A data frame: text when it is UTF-8, binary otherwise.
    Data(Bytes),
    /// Close with this code and reason (DeleteConnection, or a limit).
    Close { code: u16, reason: String },
}

#[derive(Debug)]
pub struct Connection {
    pub id: Arc<str>,
    pub api_id: Arc<str>,
    pub stage: Arc<str>,
    pub connected_at: SystemTime,
    /// Milliseconds since the epoch of the last frame either way.
    last_active: AtomicU64,
    pub source_ip: String,
    pub user_agent: String,
    sender: mpsc::Sender<Outbound>,
}

/// Why a frame could not be queued.
#[derive(Debug, PartialEq, Eq)]
pub enum SendError {
    Gone,
    Full,
}

/// `last_active` is kept as milliseconds since the epoch (never before it).
fn millis(at: SystemTime) -> u64 {
    u64::try_from(crate::context::epoch_millis(at)).unwrap_or(0)
}

impl Connection {
    pub fn touch(&self) {
        self.last_active.store(millis(SystemTime::now()), Ordering::Relaxed);
    }

    pub fn last_active(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.last_active.load(Ordering::Relaxed))
    }

    pub fn send(&self, message: Outbound) -> Result<(), SendError> {
        self.sender.try_send(message).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => SendError::Full,
            mpsc::error::TrySendError::Closed(_) => SendError::Gone,
        })
    }
}

/// What a new connection is registered with.
pub struct NewConnection {
    pub api_id: Arc<str>,
    pub stage: Arc<str>,
    pub source_ip: String,
    pub user_agent: String,
}

#[derive(Debug, Default)]
pub struct Connections {
    live: RwLock<HashMap<Arc<str>, Arc<Connection>>>,
}

/// AWS's form: 11 random bytes in base64 (16 characters, one `=`), without `+` or `/`, so
/// that the id is a path segment as it is.
fn new_id() -> String {
    loop {
        let bytes: [u8; 11] = rand::random();
        let id = base64::engine::general_purpose::STANDARD.encode(bytes);
        if !id.contains(['+', '/']) {
            return id;
        }
    }
}

impl Connections {
    /// A fresh id, not yet registered (the `$connect` route runs with it first).
    pub fn reserve_id(&self) -> Arc<str> {
        let live = self.live.read().unwrap_or_else(|e| e.into_inner());
        loop {
            let id = new_id();
            if !live.contains_key(id.as_str()) {
                return id.into();
            }
        }
    }

    /// Registers a connection under `id`; its frames come out of the receiver.
    pub fn register(
        &self,
        id: Arc<str>,
        new: NewConnection,
        connected_at: SystemTime,
    ) -> (Arc<Connection>, mpsc::Receiver<Outbound>) {
        let (sender, receiver) = mpsc::channel(QUEUE);
        let connection = Arc::new(Connection {
            id: id.clone(),
            api_id: new.api_id,
            stage: new.stage,
            connected_at,
            last_active: AtomicU64::new(millis(connected_at)),
            source_ip: new.source_ip,
            user_agent: new.user_agent,
            sender,
        });
        self.live
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, connection.clone());
        (connection, receiver)
    }

    pub fn get(&self, id: &str) -> Option<Arc<Connection>> {
        self.live.read().unwrap_or_else(|e| e.into_inner()).get(id).cloned()
    }

    pub fn remove(&self, id: &str) -> Option<Arc<Connection>> {
        self.live.write().unwrap_or_else(|e| e.into_inner()).remove(id)
    }

    pub fn len(&self) -> usize {
        self.live.read().unwrap_or_else(|e| e.into_inner()).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new() -> NewConnection {
        NewConnection {
            api_id: "api".into(),
            stage: "dev".into(),
            source_ip: "127.0.0.1".into(),
            user_agent: "test".into(),
        }
    }

    #[test]
    fn ids_look_like_aws_ones() {
        let registry = Connections::default();
        let id = registry.reserve_id();
        assert_eq!(id.len(), 16);
        assert!(id.ends_with('=') && !id.ends_with("=="));
        assert!(!id.contains(['+', '/']));
    }

    #[tokio::test]
    async fn frames_reach_the_receiver_until_it_is_gone() {
        let registry = Connections::default();
        let id = registry.reserve_id();
        let (connection, mut frames) = registry.register(id.clone(), new(), SystemTime::now());
        connection.send(Outbound::Data(Bytes::from_static(b"hi"))).unwrap();
        assert!(matches!(frames.recv().await, Some(Outbound::Data(d)) if d == "hi"));
        assert!(registry.get(&id).is_some());
        drop(frames);
        assert_eq!(connection.send(Outbound::Data(Bytes::new())), Err(SendError::Gone));
        registry.remove(&id);
        assert!(registry.get(&id).is_none() && registry.len() == 0);
    }
}
