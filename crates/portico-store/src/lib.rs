//! Portico's state: documents in SQLite, scoped by account and region, each linked to the
//! document it belongs to. The store knows documents, scopes and parent links, never the domain.
//!
//! Layout:
//! - `kind`: `Kind` and `Document`; the crate that owns a kind declares it, the parents it may
//!   sit under, and the serde type it holds.
//! - `store`: `Store` (pool, migrations, reads, counts, reset) and `Tx`, the single writer's
//!   transaction: inserts that fail on an existing id, updates, moves, and deletes that take the
//!   whole subtree whatever kinds it holds.
//! - `page`: keyset pages in SQL, with opaque, stable positions.
//! - `changes`: after each commit, which top-level documents' trees it touched, so caches drop
//!   only those.

mod changes;
mod kind;
mod page;
mod store;

pub use changes::{Changed, Listener};
pub use kind::{Document, Kind};
pub use page::{Page, Position};
pub use store::{List, Row, Store, Stored, Tx};

/// Which account and region an object belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scope {
    pub account: String,
    pub region: String,
}

#[derive(Debug)]
pub enum StoreError {
    /// An insert met a document of its kind with the same id (in its scope or tree).
    Exists,
    /// An insert, rename or move met a sibling of the same kind with the same name.
    NameTaken,
    /// A call the store's rules refuse (a bug of the caller).
    Invalid(String),
    Db(String),
    Document(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Exists => write!(f, "store: the id is taken"),
            StoreError::NameTaken => write!(f, "store: a sibling has that name"),
            StoreError::Invalid(m) => write!(f, "store: invalid call: {m}"),
            StoreError::Db(m) => write!(f, "store: {m}"),
            StoreError::Document(m) => write!(f, "store: document: {m}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl StoreError {
    /// A unique-index violation is `Exists` (ids) or `NameTaken` (sibling names); anything
    /// else is a database error.
    fn from_write(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                if db.message().contains("documents.name") {
                    StoreError::NameTaken
                } else {
                    StoreError::Exists
                }
            }
            _ => e.into(),
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        Self::Db(e.to_string())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        Self::Document(e.to_string())
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        Self::Db(format!("migration: {e}"))
    }
}

impl From<StoreError> for portico_wire::AwsError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "store failure");
        portico_wire::AwsError::internal(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// The schema's migrations, embedded in the binary (sqlx records them in `_sqlx_migrations`).
fn migrator() -> sqlx::migrate::Migrator {
    use sqlx::migrate::{Migration, MigrationType, Migrator};
    const MIGRATIONS: &[(i64, &str, &str)] = &[
        (1, "objects", include_str!("../migrations/0001_objects.sql")),
        (2, "documents", include_str!("../migrations/0002_documents.sql")),
    ];
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

#[cfg(test)]
mod tests;
