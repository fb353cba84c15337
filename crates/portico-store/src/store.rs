//! The store and its writer transaction.

use crate::changes::{Changed, Feed, Listener};
use crate::page::{Page, Position};
use crate::{Document, Kind, Result, Scope, StoreError};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{ConnectOptions as _, Row as _, Sqlite, SqliteExecutor, Transaction};
use std::collections::BTreeSet;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Where a stored document sits: its row, its tree (the top-level document it belongs to, or
/// itself) and its scope. Children are inserted under a `Row`, and found in its tree.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Row {
    seq: i64,
    tree: i64,
    scope: Scope,
}

impl Row {
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The row's number: unique among all documents for the life of the store, never reused,
    /// so a cache may key what it derives from an immutable document by it.
    pub fn seq(&self) -> i64 {
        self.seq
    }

    fn is_top(&self) -> bool {
        self.seq == self.tree
    }
}

/// A document with its place.
#[derive(Debug, Clone)]
pub struct Stored<D> {
    pub row: Row,
    pub doc: D,
}

/// Which documents a page or count covers.
#[derive(Debug, Clone, Copy)]
pub enum List<'a> {
    /// Top-level documents of the scope.
    Top(&'a Scope),
    /// Every document of the kind in the row's tree, at any depth.
    Tree(&'a Row),
    /// The row's direct children.
    Children(&'a Row),
    /// Top-level documents of every scope: start-up work over all accounts and regions
    /// (its pages are sorted, not read in index order).
    Everywhere,
}

#[derive(Clone)]
pub struct Store {
    pub(crate) pool: SqlitePool,
    /// One writer at a time: SQLite allows no more, and waiting here beats SQLITE_BUSY.
    writer: Arc<tokio::sync::Mutex<()>>,
    generation: Arc<AtomicU64>,
    feed: Feed,
    /// In memory only: a connection held outside the pool for the store's life. sqlx's memory
    /// database is shared by name between connections and lives while one is open; the pool
    /// closes its connection when a query future is dropped mid-flight (a client hanging up),
    /// and without the anchor the replacement opened a new, empty database.
    _anchor: Option<Arc<std::sync::Mutex<sqlx::SqliteConnection>>>,
}

/// The single writer's transaction. Dropped without `commit`, it rolls back: the rollback is
/// queued on its connection before the writer lock is released (fields drop in order).
pub struct Tx<'a> {
    tx: Transaction<'static, Sqlite>,
    store: &'a Store,
    trees: BTreeSet<i64>,
    deleted: Vec<Changed>,
    _writer: tokio::sync::MutexGuard<'a, ()>,
}

const COLUMNS: &str = "seq, tree, account, region, doc";

impl Store {
    /// Opens (creating if needed) `dir/portico.db`; `None` keeps everything in memory.
    pub async fn open(dir: Option<&Path>) -> Result<Self> {
        let (options, pool_options, in_memory) = match dir {
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| StoreError::Db(format!("creating {}: {e}", dir.display())))?;
                let options = SqliteConnectOptions::new()
                    .filename(dir.join("portico.db"))
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    // FULL: an acknowledged write survives a SIGKILL or power loss.
                    .synchronous(SqliteSynchronous::Full)
                    .busy_timeout(Duration::from_secs(10));
                (options, SqlitePoolOptions::new().max_connections(4), false)
            }
            None => {
                // A named, shared-cache memory database (sqlx names each `:memory:` apart).
                // One pooled connection: shared cache locks whole tables, so more would only
                // trade waits for SQLITE_LOCKED errors.
                let options = SqliteConnectOptions::from_str("sqlite::memory:")?;
                (
                    options,
                    SqlitePoolOptions::new()
                        .max_connections(1)
                        .idle_timeout(None)
                        .max_lifetime(None),
                    true,
                )
            }
        };
        let anchor = match in_memory {
            true => Some(Arc::new(std::sync::Mutex::new(options.connect().await?))),
            false => None,
        };
        let pool = pool_options.min_connections(1).connect_with(options).await?;
        crate::migrator().run(&pool).await?;
        Ok(Self {
            pool,
            writer: Arc::new(tokio::sync::Mutex::new(())),
            generation: Arc::new(AtomicU64::new(1)),
            feed: Feed::default(),
            _anchor: anchor,
        })
    }

    /// Starts the write transaction; everything an operation changes goes through one.
    pub async fn write(&self) -> Result<Tx<'_>> {
        let guard = self.writer.lock().await;
        // IMMEDIATE takes SQLite's write lock now (waiting out a straggling rollback on another
        // connection), so a transaction that has read never fails to upgrade to a writer.
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok(Tx {
            tx,
            store: self,
            trees: BTreeSet::new(),
            deleted: Vec::new(),
            _writer: guard,
        })
    }

    /// Changes whenever a write commits.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Calls `listener` after every commit with the trees it touched.
    pub fn on_commit(&self, listener: Listener) {
        self.feed.subscribe(listener);
    }

    pub async fn top<D: Document>(&self, kind: &Kind<D>, scope: &Scope, id: &str) -> Result<Option<Stored<D>>> {
        read::top(&self.pool, kind, scope, id).await
    }

    pub async fn child<D: Document>(&self, kind: &Kind<D>, tree: &Row, id: &str) -> Result<Option<Stored<D>>> {
        read::child(&self.pool, kind, tree, id).await
    }

    /// The document of kind `D` with `id` in the tree of the top-level `T` named `top_id`, in one query.
    pub async fn under<T: Document, D: Document>(
        &self,
        top: &Kind<T>,
        kind: &Kind<D>,
        scope: &Scope,
        top_id: &str,
        id: &str,
    ) -> Result<Option<Stored<D>>> {
        read::under(&self.pool, top, kind, scope, top_id, id).await
    }

    pub async fn children<D: Document>(&self, kind: &Kind<D>, parent: &Row) -> Result<Vec<Stored<D>>> {
        read::children(&self.pool, kind, parent).await
    }

    pub async fn in_tree<D: Document>(&self, kind: &Kind<D>, tree: &Row) -> Result<Vec<Stored<D>>> {
        read::in_tree(&self.pool, kind, tree).await
    }

    pub async fn page<D: Document>(
        &self,
        kind: &Kind<D>,
        list: List<'_>,
        from: Option<Position>,
        limit: usize,
    ) -> Result<Page<Stored<D>>> {
        read::page(&self.pool, kind, list, from, limit).await
    }

    pub async fn count<D: Document>(&self, kind: &Kind<D>, list: List<'_>) -> Result<u64> {
        read::count(&self.pool, kind, list).await
    }

    /// A top-level document in any scope: execute-api hosts name only the API.
    pub async fn global<D: Document>(&self, kind: &Kind<D>, id: &str) -> Result<Option<Stored<D>>> {
        read::global(&self.pool, kind, id).await
    }

    /// The top-level documents of `kind` in any scope whose ids start with `prefix`, oldest
    /// first (a Host names a private domain name without its id).
    pub async fn global_prefixed<D: Document>(&self, kind: &Kind<D>, prefix: &str) -> Result<Vec<Stored<D>>> {
        read::global_prefixed(&self.pool, kind, prefix).await
    }

    /// Document counts by kind, for the health endpoint.
    pub async fn counts(&self) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query("SELECT kind, COUNT(*) FROM documents GROUP BY kind ORDER BY kind")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    /// Rows whose parent or tree is gone: always 0 unless a delete leaked.
    pub async fn orphans(&self) -> Result<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM documents d WHERE \
             (d.parent != 0 AND NOT EXISTS (SELECT 1 FROM documents p WHERE p.seq = d.parent)) OR \
             (d.tree != 0 AND NOT EXISTS (SELECT 1 FROM documents t WHERE t.seq = d.tree))",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(row.get(0))
    }

    /// Wipes all state.
    pub async fn reset(&self) -> Result<()> {
        let mut tx = self.write().await?;
        let tops = sqlx::query("SELECT account, region, kind, id FROM documents WHERE tree = 0")
            .fetch_all(&mut *tx.tx)
            .await?;
        tx.deleted.extend(tops.iter().map(|r| Changed {
            scope: Scope {
                account: r.get(0),
                region: r.get(1),
            },
            kind: r.get(2),
            id: r.get(3),
        }));
        sqlx::query("DELETE FROM documents").execute(&mut *tx.tx).await?;
        tx.commit().await
    }
}

impl Tx<'_> {
    pub async fn top<D: Document>(&mut self, kind: &Kind<D>, scope: &Scope, id: &str) -> Result<Option<Stored<D>>> {
        read::top(&mut *self.tx, kind, scope, id).await
    }

    pub async fn child<D: Document>(&mut self, kind: &Kind<D>, tree: &Row, id: &str) -> Result<Option<Stored<D>>> {
        read::child(&mut *self.tx, kind, tree, id).await
    }

    pub async fn under<T: Document, D: Document>(
        &mut self,
        top: &Kind<T>,
        kind: &Kind<D>,
        scope: &Scope,
        top_id: &str,
        id: &str,
    ) -> Result<Option<Stored<D>>> {
        read::under(&mut *self.tx, top, kind, scope, top_id, id).await
    }

    pub async fn children<D: Document>(&mut self, kind: &Kind<D>, parent: &Row) -> Result<Vec<Stored<D>>> {
        read::children(&mut *self.tx, kind, parent).await
    }

    pub async fn in_tree<D: Document>(&mut self, kind: &Kind<D>, tree: &Row) -> Result<Vec<Stored<D>>> {
        read::in_tree(&mut *self.tx, kind, tree).await
    }

    pub async fn count<D: Document>(&mut self, kind: &Kind<D>, list: List<'_>) -> Result<u64> {
        read::count(&mut *self.tx, kind, list).await
    }

    pub async fn page<D: Document>(
        &mut self,
        kind: &Kind<D>,
        list: List<'_>,
        from: Option<Position>,
        limit: usize,
    ) -> Result<Page<Stored<D>>> {
        read::page(&mut *self.tx, kind, list, from, limit).await
    }

    pub async fn global<D: Document>(&mut self, kind: &Kind<D>, id: &str) -> Result<Option<Stored<D>>> {
        read::global(&mut *self.tx, kind, id).await
    }

    /// How many documents of the list have `value` at the JSON `path` of their document
    /// (e.g. `$.endpointConfiguration.types[0]`): quotas that count one sort of a kind.
    pub async fn count_matching<D: Document>(
        &mut self,
        kind: &Kind<D>,
        list: List<'_>,
        path: &str,
        value: &str,
    ) -> Result<u64> {
        read::count_matching(&mut *self.tx, kind, list, path, value).await
    }

    /// Documents of kind `D` below `root` at any depth, parents before their children.
    pub async fn descendants<D: Document>(&mut self, kind: &Kind<D>, root: &Row) -> Result<Vec<Stored<D>>> {
        let sql = format!(
            "WITH RECURSIVE below(seq, depth) AS ( \
               SELECT seq, 1 FROM documents WHERE parent = ?1 AND kind = ?2 \
               UNION ALL SELECT d.seq, below.depth + 1 FROM documents d JOIN below ON d.parent = below.seq WHERE d.kind = ?2) \
             SELECT {COLUMNS} FROM documents JOIN below USING (seq) ORDER BY below.depth, seq"
        );
        let rows = sqlx::query(&sql)
            .bind(root.seq)
            .bind(kind.name)
            .fetch_all(&mut *self.tx)
            .await?;
        rows.iter().map(read::decode).collect()
    }

    /// Inserts a top-level document; `Exists` when the scope already has one of its kind with `id`.
    pub async fn insert_top<D: Document>(&mut self, kind: &Kind<D>, scope: &Scope, id: &str, doc: &D) -> Result<Row> {
        if !kind.is_top() {
            return Err(StoreError::Invalid(format!("{} is not a top-level kind", kind.name)));
        }
        let text = serde_json::to_string(doc)?;
        let done = sqlx::query(
            "INSERT INTO documents (account, region, kind, id, parent, tree, doc) VALUES (?, ?, ?, ?, 0, 0, ?)",
        )
        .bind(&scope.account)
        .bind(&scope.region)
        .bind(kind.name)
        .bind(id)
        .bind(text)
        .execute(&mut *self.tx)
        .await
        .map_err(StoreError::from_write)?;
        let seq = done.last_insert_rowid();
        self.trees.insert(seq);
        Ok(Row {
            seq,
            tree: seq,
            scope: scope.clone(),
        })
    }

    /// Inserts a document under `parent`; `Exists` when its tree already has one of its kind
    /// with `id`. The parent's kind must be one `D` declares.
    pub async fn insert<D: Document>(&mut self, kind: &Kind<D>, parent: &Row, id: &str, doc: &D) -> Result<Row> {
        self.insert_named(kind, parent, id, None, doc).await
    }

    /// Inserts a document that has a name unique among its siblings of the same kind:
    /// `NameTaken` when a sibling has it.
    pub async fn insert_named<D: Document>(
        &mut self,
        kind: &Kind<D>,
        parent: &Row,
        id: &str,
        name: Option<&str>,
        doc: &D,
    ) -> Result<Row> {
        let text = serde_json::to_string(doc)?;
        let parents = serde_json::to_string(kind.parents)?;
        let done = sqlx::query(
            "INSERT INTO documents (account, region, kind, id, parent, tree, name, doc) \
             SELECT account, region, ?1, ?2, seq, ?3, ?4, ?5 FROM documents \
             WHERE seq = ?6 AND kind IN (SELECT value FROM json_each(?7))",
        )
        .bind(kind.name)
        .bind(id)
        .bind(parent.tree)
        .bind(name)
        .bind(text)
        .bind(parent.seq)
        .bind(parents)
        .execute(&mut *self.tx)
        .await
        .map_err(StoreError::from_write)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Invalid(format!(
                "no parent of kind {:?} at row {} for a {}",
                kind.parents, parent.seq, kind.name
            )));
        }
        self.trees.insert(parent.tree);
        Ok(Row {
            seq: done.last_insert_rowid(),
            tree: parent.tree,
            scope: parent.scope.clone(),
        })
    }

    /// Moves a named document under `parent` (its own, or another of its tree) and names it, in
    /// one step: `NameTaken` when a sibling there has the name.
    pub async fn place(&mut self, row: &Row, parent: &Row, name: &str) -> Result<()> {
        if row.tree != parent.tree || row.is_top() {
            return Err(StoreError::Invalid("a document moves only inside its tree".into()));
        }
        sqlx::query("UPDATE documents SET parent = ?, name = ? WHERE seq = ?")
            .bind(parent.seq)
            .bind(name)
            .bind(row.seq)
            .execute(&mut *self.tx)
            .await
            .map_err(StoreError::from_write)?;
        self.trees.insert(row.tree);
        Ok(())
    }

    /// The first child of `parent` whose name starts with `prefix`, by name.
    pub async fn child_named_like<D: Document>(
        &mut self,
        kind: &Kind<D>,
        parent: &Row,
        prefix: &str,
    ) -> Result<Option<Stored<D>>> {
        // A range on the name index: [prefix, prefix + U+10FFFF).
        let upper = format!("{prefix}\u{10FFFF}");
        let sql = format!(
            "SELECT {COLUMNS} FROM documents WHERE parent = ? AND kind = ? AND name >= ? AND name < ? ORDER BY name LIMIT 1"
        );
        let row = sqlx::query(&sql)
            .bind(parent.seq)
            .bind(kind.name)
            .bind(prefix)
            .bind(upper)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.as_ref().map(read::decode).transpose()
    }

    /// Replaces a stored document.
    pub async fn update<D: Document>(&mut self, kind: &Kind<D>, row: &Row, doc: &D) -> Result<()> {
        let text = serde_json::to_string(doc)?;
        let done = sqlx::query("UPDATE documents SET doc = ? WHERE seq = ? AND kind = ?")
            .bind(text)
            .bind(row.seq)
            .bind(kind.name)
            .execute(&mut *self.tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Invalid(format!("no {} at row {}", kind.name, row.seq)));
        }
        self.trees.insert(row.tree);
        Ok(())
    }

    /// Moves a document (and so its subtree) under another parent of the same tree.
    pub async fn move_under(&mut self, row: &Row, parent: &Row) -> Result<()> {
        if row.tree != parent.tree || row.is_top() {
            return Err(StoreError::Invalid("a document moves only inside its tree".into()));
        }
        sqlx::query("UPDATE documents SET parent = ? WHERE seq = ?")
            .bind(parent.seq)
            .bind(row.seq)
            .execute(&mut *self.tx)
            .await
            .map_err(StoreError::from_write)?;
        self.trees.insert(row.tree);
        Ok(())
    }

    /// Deletes a document and everything below it, whatever their kinds.
    pub async fn delete(&mut self, row: &Row) -> Result<()> {
        if row.is_top() {
            if let Some(top) = sqlx::query("SELECT kind, id FROM documents WHERE seq = ?")
                .bind(row.seq)
                .fetch_optional(&mut *self.tx)
                .await?
            {
                self.deleted.push(Changed {
                    scope: row.scope.clone(),
                    kind: top.get(0),
                    id: top.get(1),
                });
            }
            // A whole tree: its rows are found by the tree column, no recursion needed.
            sqlx::query("DELETE FROM documents WHERE seq = ?1 OR (account = ?2 AND region = ?3 AND tree = ?1)")
                .bind(row.seq)
                .bind(&row.scope.account)
                .bind(&row.scope.region)
                .execute(&mut *self.tx)
                .await?;
        } else {
            sqlx::query(
                "WITH RECURSIVE doomed(seq) AS ( \
                   SELECT ?1 UNION ALL SELECT d.seq FROM documents d JOIN doomed ON d.parent = doomed.seq) \
                 DELETE FROM documents WHERE seq IN doomed",
            )
            .bind(row.seq)
            .execute(&mut *self.tx)
            .await?;
            self.trees.insert(row.tree);
        }
        Ok(())
    }

    pub async fn commit(mut self) -> Result<()> {
        let mut changes = std::mem::take(&mut self.deleted);
        if !self.trees.is_empty() {
            let trees = serde_json::to_string(&self.trees)?;
            let rows = sqlx::query(
                "SELECT account, region, kind, id FROM documents WHERE seq IN (SELECT value FROM json_each(?))",
            )
            .bind(trees)
            .fetch_all(&mut *self.tx)
            .await?;
            changes.extend(rows.iter().map(|r| Changed {
                scope: Scope {
                    account: r.get(0),
                    region: r.get(1),
                },
                kind: r.get(2),
                id: r.get(3),
            }));
        }
        let Tx { tx, store, _writer, .. } = self;
        tx.commit().await?;
        store.generation.fetch_add(1, Ordering::AcqRel);
        store.feed.publish(&changes);
        Ok(())
    }
}

/// Queries shared by the pool and the writer's transaction.
mod read {
    use super::*;

    pub fn decode<D: Document>(r: &SqliteRow) -> Result<Stored<D>> {
        let seq: i64 = r.get(0);
        let tree: i64 = r.get(1);
        let doc = serde_json::from_str(r.get::<&str, _>(4))?;
        Ok(Stored {
            row: Row {
                seq,
                tree: if tree == 0 { seq } else { tree },
                scope: Scope {
                    account: r.get(2),
                    region: r.get(3),
                },
            },
            doc,
        })
    }

    fn one<D: Document>(row: Option<SqliteRow>) -> Result<Option<Stored<D>>> {
        row.as_ref().map(decode).transpose()
    }

    /// The document of the list with `id`.
    async fn by_id<'e, D: Document>(
        exec: impl SqliteExecutor<'e>,
        kind: &Kind<D>,
        list: List<'_>,
        id: &str,
    ) -> Result<Option<Stored<D>>> {
        let (filter, binds) = filter(list);
        let sql = format!("SELECT {COLUMNS} FROM documents WHERE {filter} AND id = ?");
        let row = bind_all(sqlx::query(&sql), kind.name, binds)
            .bind(id)
            .fetch_optional(exec)
            .await?;
        one(row)
    }

    /// Every document of the list, oldest first.
    async fn all<'e, D: Document>(
        exec: impl SqliteExecutor<'e>,
        kind: &Kind<D>,
        list: List<'_>,
    ) -> Result<Vec<Stored<D>>> {
        let (filter, binds) = filter(list);
        let sql = format!("SELECT {COLUMNS} FROM documents WHERE {filter} ORDER BY seq");
        let rows = bind_all(sqlx::query(&sql), kind.name, binds).fetch_all(exec).await?;
        rows.iter().map(decode).collect()
    }

    pub async fn top<'e, D: Document>(
        exec: impl SqliteExecutor<'e>,
        kind: &Kind<D>,
        scope: &Scope,
        id: &str,
    ) -> Result<Option<Stored<D>>> {
        by_id(exec, kind, List::Top(scope), id).await
    }

    pub async fn child<'e, D: Document>(
        exec: impl SqliteExecutor<'e>,
        kind: &Kind<D>,
        tree: &Row,
        id: &str,
    ) -> Result<Option<Stored<D>>> {
        by_id(exec, kind, List::Tree(tree), id).await
    }

    pub async fn under<'e, T: Document, D: Document>(
        exec: impl SqliteExecutor<'e>,
        top: &Kind<T>,
        kind: &Kind<D>,
        scope: &Scope,
        top_id: &str,
        id: &str,
    ) -> Result<Option<Stored<D>>> {
        let row = sqlx::query(
            "SELECT d.seq, d.tree, d.account, d.region, d.doc FROM documents t \
             JOIN documents d ON d.account = t.account AND d.region = t.region AND d.tree = t.seq \
             WHERE t.account = ?1 AND t.region = ?2 AND t.tree = 0 AND t.kind = ?3 AND t.id = ?4 \
               AND d.kind = ?5 AND d.id = ?6",
        )
        .bind(&scope.account)
        .bind(&scope.region)
        .bind(top.name)
        .bind(top_id)
        .bind(kind.name)
        .bind(id)
        .fetch_optional(exec)
        .await?;
        one(row)
    }

    pub async fn children<'e, D: Document>(
        exec: impl SqliteExecutor<'e>,
        kind: &Kind<D>,
        parent: &Row,
    ) -> Result<Vec<Stored<D>>> {
        all(exec, kind, List::Children(parent)).await
    }

    pub async fn in_tree<'e, D: Document>(
        exec: impl SqliteExecutor<'e>,
        kind: &Kind<D>,
        tree: &Row,
    ) -> Result<Vec<Stored<D>>> {
        all(exec, kind, List::Tree(tree)).await
    }

    /// `WHERE` clause and its binds for a list, on indexes that keep `seq` order.
    fn filter(list: List<'_>) -> (&'static str, Vec<Bind<'_>>) {
        match list {
            List::Top(scope) => (
                "account = ? AND region = ? AND tree = 0 AND kind = ?",
                vec![Bind::Text(&scope.account), Bind::Text(&scope.region), Bind::Kind],
            ),
            List::Tree(row) => (
                "account = ? AND region = ? AND tree = ? AND kind = ?",
                vec![
                    Bind::Text(&row.scope.account),
                    Bind::Text(&row.scope.region),
                    Bind::Int(row.tree),
                    Bind::Kind,
                ],
            ),
            List::Children(row) => ("parent = ? AND kind = ?", vec![Bind::Int(row.seq), Bind::Kind]),
            List::Everywhere => ("tree = 0 AND kind = ?", vec![Bind::Kind]),
        }
    }

    enum Bind<'a> {
        Text(&'a str),
        Int(i64),
        /// The kind being listed.
        Kind,
    }

    type Query<'q> = sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>>;

    fn bind_all<'q>(mut query: Query<'q>, kind: &'static str, binds: Vec<Bind<'q>>) -> Query<'q> {
        for bind in binds {
            query = match bind {
                Bind::Text(t) => query.bind(t),
                Bind::Int(i) => query.bind(i),
                Bind::Kind => query.bind(kind),
            };
        }
        query
    }

    pub async fn page<'e, D: Document>(
        exec: impl SqliteExecutor<'e>,
        kind: &Kind<D>,
        list: List<'_>,
        from: Option<Position>,
        limit: usize,
    ) -> Result<Page<Stored<D>>> {
        let (filter, binds) = filter(list);
        let sql = format!("SELECT {COLUMNS} FROM documents WHERE {filter} AND seq >= ? ORDER BY seq LIMIT ?");
        let query = bind_all(sqlx::query(&sql), kind.name, binds)
            .bind(from.map_or(0, |p| p.0))
            .bind(limit as i64 + 1);
        let rows = query.fetch_all(exec).await?;
        let mut items = rows.iter().map(decode).collect::<Result<Vec<Stored<D>>>>()?;
        let next = if items.len() > limit {
            let next = Position(items[limit].row.seq);
            items.truncate(limit);
            Some(next)
        } else {
            None
        };
        Ok(Page { items, next })
    }

    pub async fn count<'e, D: Document>(exec: impl SqliteExecutor<'e>, kind: &Kind<D>, list: List<'_>) -> Result<u64> {
        let (filter, binds) = filter(list);
        let sql = format!("SELECT COUNT(*) FROM documents WHERE {filter}");
        let row = bind_all(sqlx::query(&sql), kind.name, binds).fetch_one(exec).await?;
        Ok(row.get::<i64, _>(0) as u64)
    }

    pub async fn count_matching<'e, D: Document>(
        exec: impl SqliteExecutor<'e>,
        kind: &Kind<D>,
        list: List<'_>,
        path: &str,
        value: &str,
    ) -> Result<u64> {
        let (filter, binds) = filter(list);
        let sql = format!("SELECT COUNT(*) FROM documents WHERE {filter} AND json_extract(doc, ?) = ?");
        let row = bind_all(sqlx::query(&sql), kind.name, binds)
            .bind(path)
            .bind(value)
            .fetch_one(exec)
            .await?;
        Ok(row.get::<i64, _>(0) as u64)
    }

    pub async fn global<'e, D: Document>(
        exec: impl SqliteExecutor<'e>,
        kind: &Kind<D>,
        id: &str,
    ) -> Result<Option<Stored<D>>> {
        let sql = format!("SELECT {COLUMNS} FROM documents WHERE tree = 0 AND kind = ? AND id = ? LIMIT 1");
        let row = sqlx::query(&sql).bind(kind.name).bind(id).fetch_optional(exec).await?;
        one(row)
    }

    pub async fn global_prefixed<'e, D: Document>(
        exec: impl SqliteExecutor<'e>,
        kind: &Kind<D>,
        prefix: &str,
    ) -> Result<Vec<Stored<D>>> {
        // substr, not LIKE: ids may hold LIKE's wildcards.
        let sql = format!(
            "SELECT {COLUMNS} FROM documents WHERE tree = 0 AND kind = ? AND substr(id, 1, length(?)) = ? ORDER BY seq"
        );
        let rows = sqlx::query(&sql)
            .bind(kind.name)
            .bind(prefix)
            .bind(prefix)
            .fetch_all(exec)
            .await?;
        rows.iter().map(decode).collect()
    }
}

#[cfg(test)]
impl Store {
    pub(crate) fn pool_for_tests(&self) -> SqlitePool {
        self.pool.clone()
    }
}
