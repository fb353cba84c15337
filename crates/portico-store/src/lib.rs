//! Portico's state: typed documents in SQLite, scoped by account and region.
//!
//! Layout:
//! - `Store`: the pool, migrations, reset and counts; `write()` opens the single
//!   writer transaction, reads go straight to the pool.
//! - `Document`: a serde type with its `Kind`; the control plane's domain types
//!   implement it (the wire shapes of the model, plus `DeploymentSnapshot`).
//! - `generation()`: bumped on every commit, so caches (the data plane's) know
//!   when to reload.

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, Sqlite, Transaction};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

mod documents;
pub use documents::{DeploymentSnapshot, Kind};

/// Which account and region an object belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Scope {
    pub account: String,
    pub region: String,
}

/// A typed document stored under a kind.
pub trait Document: Serialize + DeserializeOwned + Send + Sync {
    const KIND: Kind;
}

#[derive(Debug)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "store: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        Self(e.to_string())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        Self(format!("document: {e}"))
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        Self(format!("migration: {e}"))
    }
}

impl From<StoreError> for portico_wire::AwsError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "store failure");
        portico_wire::AwsError::internal(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
    /// One writer at a time: SQLite allows no more, and waiting here beats SQLITE_BUSY.
    writer: Arc<tokio::sync::Mutex<()>>,
    generation: Arc<AtomicU64>,
}

/// A write transaction; dropped without `commit` it rolls back.
pub struct Tx<'a> {
    tx: Transaction<'static, Sqlite>,
    store: &'a Store,
    _writer: tokio::sync::MutexGuard<'a, ()>,
}

impl Store {
    /// Opens (creating if needed) `dir/portico.db`; `None` keeps everything in memory.
    pub async fn open(dir: Option<&Path>) -> Result<Self> {
        let (options, pool_options) = match dir {
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| StoreError(format!("creating {}: {e}", dir.display())))?;
                let options = SqliteConnectOptions::new()
                    .filename(dir.join("portico.db"))
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    // FULL: an acknowledged write survives a SIGKILL or power loss.
                    .synchronous(SqliteSynchronous::Full)
                    .busy_timeout(Duration::from_secs(10));
                (options, SqlitePoolOptions::new().max_connections(4))
            }
            None => {
                // One connection that never closes: a memory database lives as long as it.
                let options = SqliteConnectOptions::from_str("sqlite::memory:")?;
                (
                    options,
                    SqlitePoolOptions::new()
                        .max_connections(1)
                        .idle_timeout(None)
                        .max_lifetime(None),
                )
            }
        };
        let pool = pool_options.min_connections(1).connect_with(options).await?;
        migrator().run(&pool).await?;
        Ok(Self {
            pool,
            writer: Arc::new(tokio::sync::Mutex::new(())),
            generation: Arc::new(AtomicU64::new(1)),
        })
    }

    /// Starts the write transaction; everything an operation changes goes through one.
    pub async fn write(&self) -> Result<Tx<'_>> {
        let guard = self.writer.lock().await;
        let tx = self.pool.begin().await?;
        Ok(Tx {
            tx,
            store: self,
            _writer: guard,
        })
    }

    /// Changes whenever a write commits.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub async fn get<D: Document>(&self, scope: &Scope, parent: &str, id: &str) -> Result<Option<D>> {
        fetch_one(&self.pool, scope, parent, id).await
    }

    /// All documents of a kind under `parent`, oldest first.
    pub async fn list<D: Document>(&self, scope: &Scope, parent: &str) -> Result<Vec<D>> {
        fetch_all(&self.pool, scope, parent).await
    }

    /// A document found by parent and id in any scope: execute-api hosts name only the API.
    pub async fn find_unscoped<D: Document>(&self, parent: &str, id: &str) -> Result<Option<(Scope, D)>> {
        let row =
            sqlx::query("SELECT account, region, doc FROM objects WHERE kind = ? AND parent = ? AND id = ? LIMIT 1")
                .bind(D::KIND.as_str())
                .bind(parent)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| {
            let scope = Scope {
                account: r.get(0),
                region: r.get(1),
            };
            decode::<D>(r.get::<&str, _>(2)).map(|d| (scope, d))
        })
        .transpose()
    }

    /// Whether an id is taken by any object of this kind, in any scope (ids are global on AWS).
    pub async fn id_taken(&self, kind: Kind, id: &str) -> Result<bool> {
        let row = sqlx::query("SELECT 1 FROM objects WHERE kind = ? AND id = ? LIMIT 1")
            .bind(kind.as_str())
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// Object counts by kind, for the health endpoint.
    pub async fn counts(&self) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query("SELECT kind, COUNT(*) FROM objects GROUP BY kind ORDER BY kind")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    /// Wipes all state.
    pub async fn reset(&self) -> Result<()> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM objects").execute(&mut *tx.tx).await?;
        tx.commit().await
    }
}

impl Tx<'_> {
    pub async fn get<D: Document>(&mut self, scope: &Scope, parent: &str, id: &str) -> Result<Option<D>> {
        fetch_one(&mut *self.tx, scope, parent, id).await
    }

    pub async fn list<D: Document>(&mut self, scope: &Scope, parent: &str) -> Result<Vec<D>> {
        fetch_all(&mut *self.tx, scope, parent).await
    }

    /// Inserts or replaces; a replaced document keeps its place in listings.
    pub async fn put<D: Document>(&mut self, scope: &Scope, parent: &str, id: &str, doc: &D) -> Result<()> {
        let text = serde_json::to_string(doc)?;
        sqlx::query(
            "INSERT INTO objects (account, region, kind, parent, id, doc) VALUES (?, ?, ?, ?, ?, ?) \
             ON CONFLICT (account, region, kind, parent, id) DO UPDATE SET doc = excluded.doc",
        )
        .bind(&scope.account)
        .bind(&scope.region)
        .bind(D::KIND.as_str())
        .bind(parent)
        .bind(id)
        .bind(text)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Deletes one object; returns whether it existed.
    pub async fn delete(&mut self, scope: &Scope, kind: Kind, parent: &str, id: &str) -> Result<bool> {
        let done =
            sqlx::query("DELETE FROM objects WHERE account = ? AND region = ? AND kind = ? AND parent = ? AND id = ?")
                .bind(&scope.account)
                .bind(&scope.region)
                .bind(kind.as_str())
                .bind(parent)
                .bind(id)
                .execute(&mut *self.tx)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Deletes every object of `kind` under `parent`.
    pub async fn delete_children(&mut self, scope: &Scope, kind: Kind, parent: &str) -> Result<()> {
        sqlx::query("DELETE FROM objects WHERE account = ? AND region = ? AND kind = ? AND parent = ?")
            .bind(&scope.account)
            .bind(&scope.region)
            .bind(kind.as_str())
            .bind(parent)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        self.store.generation.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }
}

/// The schema's migrations, embedded in the binary (sqlx records them in `_sqlx_migrations`).
fn migrator() -> sqlx::migrate::Migrator {
    use sqlx::migrate::{Migration, MigrationType, Migrator};
    const MIGRATIONS: &[(i64, &str, &str)] = &[(1, "objects", include_str!("../migrations/0001_objects.sql"))];
    let migrations = MIGRATIONS
        .iter()
        .map(|(version, name, sql)| {
            Migration::new(*version, (*name).into(), MigrationType::Simple, (*sql).into(), false)
        })
        .collect();
    Migrator {
        migrations: std::borrow::Cow::Owned(migrations),
        ..Migrator::DEFAULT
    }
}

async fn fetch_one<'e, D: Document>(
    exec: impl sqlx::SqliteExecutor<'e>,
    scope: &Scope,
    parent: &str,
    id: &str,
) -> Result<Option<D>> {
    let row =
        sqlx::query("SELECT doc FROM objects WHERE account = ? AND region = ? AND kind = ? AND parent = ? AND id = ?")
            .bind(&scope.account)
            .bind(&scope.region)
            .bind(D::KIND.as_str())
            .bind(parent)
            .bind(id)
            .fetch_optional(exec)
            .await?;
    row.map(|r| decode::<D>(r.get::<&str, _>(0))).transpose()
}

async fn fetch_all<'e, D: Document>(
    exec: impl sqlx::SqliteExecutor<'e>,
    scope: &Scope,
    parent: &str,
) -> Result<Vec<D>> {
    let rows = sqlx::query(
        "SELECT doc FROM objects WHERE account = ? AND region = ? AND kind = ? AND parent = ? ORDER BY seq",
    )
    .bind(&scope.account)
    .bind(&scope.region)
    .bind(D::KIND.as_str())
    .bind(parent)
    .fetch_all(exec)
    .await?;
    rows.iter().map(|r| decode::<D>(r.get::<&str, _>(0))).collect()
}

fn decode<D: Document>(text: &str) -> Result<D> {
    Ok(serde_json::from_str(text)?)
}
