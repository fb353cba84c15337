//! The store's own rules: scopes, inserts that refuse taken ids, rollback, generation, the
//! change feed, subtree deletes whatever the kinds, moves, and keyset pages.

use super::*;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Api {
    name: String,
}
const API: Kind<Api> = Kind::top("t-api");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Node {
    name: String,
}
const NODE: Kind<Node> = Kind::under("t-node", &["t-api", "t-node"]);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Leaf {
    n: u32,
}
const LEAF: Kind<Leaf> = Kind::under("t-leaf", &["t-node"]);

fn scope(account: &str) -> Scope {
    Scope {
        account: account.into(),
        region: "us-east-1".into(),
    }
}

fn api(name: &str) -> Api {
    Api { name: name.into() }
}

fn node(name: &str) -> Node {
    Node { name: name.into() }
}

async fn memory() -> Store {
    Store::open(None).await.unwrap()
}

/// A file-backed store in a fresh directory (several connections, as in production).
async fn on_disk(name: &str) -> (Store, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("portico-store-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    (Store::open(Some(&dir)).await.unwrap(), dir)
}

/// sqlx closes a pooled connection whose query future was dropped mid-flight (a client that
/// hangs up does that); the memory database must outlive it. It once did not: the next
/// connection opened a new, empty database and every request failed with `no such table`.
#[tokio::test]
async fn a_memory_store_outlives_its_pooled_connection() {
    let store = memory().await;
    let mut tx = store.write().await.unwrap();
    tx.insert_top(&API, &scope("111111111111"), "a", &api("kept"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let connection = store.pool.acquire().await.unwrap();
    sqlx::Connection::close(connection.detach()).await.unwrap();
    let read = store.top(&API, &scope("111111111111"), "a").await.unwrap().unwrap();
    assert_eq!(read.doc.name, "kept");
}

#[tokio::test]
async fn scopes_keep_documents_apart() {
    let store = memory().await;
    let mut tx = store.write().await.unwrap();
    tx.insert_top(&API, &scope("111111111111"), "a", &api("one"))
        .await
        .unwrap();
    tx.insert_top(&API, &scope("222222222222"), "a", &api("two"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let one = store.top(&API, &scope("111111111111"), "a").await.unwrap().unwrap();
    let two = store.top(&API, &scope("222222222222"), "a").await.unwrap().unwrap();
    assert_eq!((one.doc.name.as_str(), two.doc.name.as_str()), ("one", "two"));
    assert!(store.top(&API, &scope("333333333333"), "a").await.unwrap().is_none());
    assert_eq!(store.count(&API, List::Top(&scope("111111111111"))).await.unwrap(), 1);
    assert!(store.global(&API, "a").await.unwrap().is_some());
}

#[tokio::test]
async fn global_prefixes_reach_every_scope() {
    let store = memory().await;
    let mut tx = store.write().await.unwrap();
    for (account, id) in [
        ("111111111111", "x.example+1"),
        ("222222222222", "x.example+2"),
        ("111111111111", "x.example"),
        ("111111111111", "x_example+3"),
    ] {
        tx.insert_top(&API, &scope(account), id, &api(id)).await.unwrap();
    }
    tx.commit().await.unwrap();
    let found = store.global_prefixed(&API, "x.example+").await.unwrap();
    let ids: Vec<&str> = found.iter().map(|d| d.doc.name.as_str()).collect();
    assert_eq!(ids, ["x.example+1", "x.example+2"], "no LIKE wildcards, every account");
    assert_eq!(store.global_prefixed(&API, "").await.unwrap().len(), 4);
}

#[tokio::test]
async fn inserts_refuse_taken_ids_and_wrong_parents() {
    let store = memory().await;
    let s = scope("111111111111");
    let mut tx = store.write().await.unwrap();
    let a = tx.insert_top(&API, &s, "a", &api("a")).await.unwrap();
    assert!(matches!(
        tx.insert_top(&API, &s, "a", &api("again")).await,
        Err(StoreError::Exists)
    ));
    let n = tx.insert(&NODE, &a, "n1", &node("n1")).await.unwrap();
    assert!(matches!(
        tx.insert(&NODE, &a, "n1", &node("dup")).await,
        Err(StoreError::Exists)
    ));
    // Ids are per tree: another API may reuse it.
    let b = tx.insert_top(&API, &s, "b", &api("b")).await.unwrap();
    tx.insert(&NODE, &b, "n1", &node("n1 of b")).await.unwrap();
    // A leaf may only sit under a node.
    assert!(matches!(
        tx.insert(&LEAF, &a, "l", &Leaf { n: 1 }).await,
        Err(StoreError::Invalid(_))
    ));
    tx.insert(&LEAF, &n, "l", &Leaf { n: 1 }).await.unwrap();
    assert!(matches!(
        tx.insert_top(&NODE, &s, "x", &node("x")).await,
        Err(StoreError::Invalid(_))
    ));
    tx.commit().await.unwrap();
    let of_b = store.under(&API, &NODE, &s, "b", "n1").await.unwrap().unwrap();
    assert_eq!(of_b.doc.name, "n1 of b");
}

#[tokio::test]
async fn dropped_transactions_roll_back_and_commits_move_the_generation() {
    let store = memory().await;
    let s = scope("111111111111");
    let before = store.generation();
    {
        let mut tx = store.write().await.unwrap();
        tx.insert_top(&API, &s, "a", &api("a")).await.unwrap();
    }
    assert!(store.top(&API, &s, "a").await.unwrap().is_none());
    assert_eq!(store.generation(), before, "a rollback is not a change");
    let mut tx = store.write().await.unwrap();
    let row = tx.insert_top(&API, &s, "a", &api("a")).await.unwrap();
    tx.update(&API, &row, &api("renamed")).await.unwrap();
    tx.commit().await.unwrap();
    assert!(store.generation() > before);
    assert_eq!(store.top(&API, &s, "a").await.unwrap().unwrap().doc.name, "renamed");
}

#[tokio::test]
async fn deletes_take_the_whole_subtree_whatever_its_kinds() {
    let store = memory().await;
    let s = scope("111111111111");
    let mut tx = store.write().await.unwrap();
    let keep = tx.insert_top(&API, &s, "keep", &api("keep")).await.unwrap();
    tx.insert(&NODE, &keep, "k", &node("k")).await.unwrap();
    let a = tx.insert_top(&API, &s, "a", &api("a")).await.unwrap();
    let n1 = tx.insert(&NODE, &a, "n1", &node("n1")).await.unwrap();
    let n2 = tx.insert(&NODE, &n1, "n2", &node("n2")).await.unwrap();
    let n3 = tx.insert(&NODE, &n2, "n3", &node("n3")).await.unwrap();
    tx.insert(&LEAF, &n3, "l3", &Leaf { n: 3 }).await.unwrap();
    tx.insert(&LEAF, &n1, "l1", &Leaf { n: 1 }).await.unwrap();
    let side = tx.insert(&NODE, &a, "side", &node("side")).await.unwrap();
    tx.commit().await.unwrap();

    // A subtree: n2 and below go, n1 and its own leaf stay.
    let mut tx = store.write().await.unwrap();
    tx.delete(&n2).await.unwrap();
    tx.commit().await.unwrap();
    let left: Vec<String> = store
        .in_tree(&NODE, &a)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.doc.name)
        .collect();
    assert_eq!(left, ["n1", "side"]);
    assert_eq!(store.in_tree(&LEAF, &a).await.unwrap().len(), 1);
    assert_eq!(store.orphans().await.unwrap(), 0);

    // A whole tree.
    let mut tx = store.write().await.unwrap();
    tx.delete(&a).await.unwrap();
    tx.commit().await.unwrap();
    let counts = store.counts().await.unwrap();
    assert_eq!(
        counts,
        [("t-api".to_string(), 1), ("t-node".to_string(), 1)],
        "only `keep` and its node are left"
    );
    assert!(store.children(&NODE, &side).await.unwrap().is_empty());
    assert_eq!(store.orphans().await.unwrap(), 0);
}

#[tokio::test]
async fn moves_carry_the_subtree() {
    let store = memory().await;
    let s = scope("111111111111");
    let mut tx = store.write().await.unwrap();
    let a = tx.insert_top(&API, &s, "a", &api("a")).await.unwrap();
    let x = tx.insert(&NODE, &a, "x", &node("x")).await.unwrap();
    let y = tx.insert(&NODE, &a, "y", &node("y")).await.unwrap();
    let x1 = tx.insert(&NODE, &x, "x1", &node("x1")).await.unwrap();
    tx.insert(&NODE, &x1, "x2", &node("x2")).await.unwrap();
    tx.move_under(&x, &y).await.unwrap();
    let below: Vec<String> = tx
        .descendants(&NODE, &y)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.doc.name)
        .collect();
    assert_eq!(below, ["x", "x1", "x2"], "parents before children");
    let other = tx.insert_top(&API, &s, "b", &api("b")).await.unwrap();
    assert!(tx.move_under(&x, &other).await.is_err(), "trees don't mix");
    tx.commit().await.unwrap();
    assert_eq!(store.children(&NODE, &a).await.unwrap().len(), 1);
}

#[tokio::test]
async fn sibling_names_are_unique_and_indexed() {
    let store = memory().await;
    let s = scope("111111111111");
    let mut tx = store.write().await.unwrap();
    let a = tx.insert_top(&API, &s, "a", &api("a")).await.unwrap();
    let x = tx.insert_named(&NODE, &a, "x", Some("pets"), &node("x")).await.unwrap();
    let y = tx.insert_named(&NODE, &a, "y", Some("{id}"), &node("y")).await.unwrap();
    assert!(matches!(
        tx.insert_named(&NODE, &a, "z", Some("pets"), &node("z")).await,
        Err(StoreError::NameTaken)
    ));
    // The same name under another parent is fine, as are unnamed siblings.
    let under_x = tx.insert_named(&NODE, &x, "w", Some("pets"), &node("w")).await.unwrap();
    tx.insert(&NODE, &a, "u1", &node("u1")).await.unwrap();
    tx.insert(&NODE, &a, "u2", &node("u2")).await.unwrap();
    let variable = tx.child_named_like(&NODE, &a, "{").await.unwrap().unwrap();
    assert_eq!(variable.doc.name, "y");
    assert!(tx.child_named_like(&NODE, &x, "{").await.unwrap().is_none());
    // Moving where the name is taken fails; moving and renaming in one step does not.
    assert!(matches!(
        tx.place(&under_x, &a, "pets").await,
        Err(StoreError::NameTaken)
    ));
    tx.place(&under_x, &a, "toys").await.unwrap();
    assert!(matches!(tx.place(&y, &a, "toys").await, Err(StoreError::NameTaken)));
    tx.commit().await.unwrap();
    assert_eq!(store.children(&NODE, &a).await.unwrap().len(), 5);
}

#[tokio::test]
async fn pages_are_keyset_and_stable() {
    let store = memory().await;
    let s = scope("111111111111");
    let mut tx = store.write().await.unwrap();
    let mut rows = Vec::new();
    for i in 0..7 {
        rows.push(
            tx.insert_top(&API, &s, &format!("api{i}"), &api(&format!("{i}")))
                .await
                .unwrap(),
        );
    }
    tx.commit().await.unwrap();
    let names = |page: &Page<Stored<Api>>| page.items.iter().map(|a| a.doc.name.clone()).collect::<Vec<_>>();
    let first = store.page(&API, List::Top(&s), None, 3).await.unwrap();
    assert_eq!(names(&first), ["0", "1", "2"]);
    let token = first.next_token().unwrap();
    // The item a position names may go; the page still starts where it should.
    let mut tx = store.write().await.unwrap();
    tx.delete(&rows[3]).await.unwrap();
    tx.commit().await.unwrap();
    let second = store
        .page(&API, List::Top(&s), Position::parse(&token), 3)
        .await
        .unwrap();
    assert_eq!(names(&second), ["4", "5", "6"]);
    assert!(second.next.is_none());
    let other = store
        .page(&API, List::Top(&scope("222222222222")), None, 3)
        .await
        .unwrap();
    assert!(other.items.is_empty() && other.next.is_none());
    let mut tx = store.write().await.unwrap();
    tx.insert_top(&API, &scope("222222222222"), "elsewhere", &api("e"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let everywhere = store.page(&API, List::Everywhere, None, 100).await.unwrap();
    assert_eq!(names(&everywhere), ["0", "1", "2", "4", "5", "6", "e"]);
    assert_eq!(store.count(&API, List::Everywhere).await.unwrap(), 7);

    let mut tx = store.write().await.unwrap();
    let parent = tx.insert(&NODE, &rows[0], "p", &node("p")).await.unwrap();
    for i in 0..4 {
        tx.insert(&NODE, &parent, &format!("c{i}"), &node(&format!("c{i}")))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let kids = store.page(&NODE, List::Children(&parent), None, 2).await.unwrap();
    assert_eq!(kids.items.len(), 2);
    let rest = store.page(&NODE, List::Children(&parent), kids.next, 10).await.unwrap();
    assert_eq!(rest.items.len(), 2);
    assert_eq!(store.count(&NODE, List::Tree(&rows[0])).await.unwrap(), 5);
    assert_eq!(store.count(&NODE, List::Children(&parent)).await.unwrap(), 4);
    let mut tx = store.write().await.unwrap();
    let matching = tx
        .count_matching(&NODE, List::Tree(&rows[0]), "$.name", "c2")
        .await
        .unwrap();
    assert_eq!(matching, 1);
}

#[tokio::test]
async fn listings_use_the_indexes() {
    let store = memory().await;
    let plan = |sql: &'static str| {
        let store = store.clone();
        async move {
            let rows = sqlx::query(sql).fetch_all(&store.pool_for_tests()).await.unwrap();
            rows.iter()
                .map(|r| sqlx::Row::get::<String, _>(r, 3))
                .collect::<Vec<_>>()
                .join(" | ")
        }
    };
    for sql in [
        "EXPLAIN QUERY PLAN SELECT doc FROM documents WHERE account = 'a' AND region = 'r' AND tree = 0 AND kind = 'k' AND seq >= 5 ORDER BY seq LIMIT 26",
        "EXPLAIN QUERY PLAN SELECT doc FROM documents WHERE parent = 3 AND kind = 'k' AND seq >= 5 ORDER BY seq LIMIT 26",
        "EXPLAIN QUERY PLAN SELECT doc FROM documents WHERE tree = 0 AND kind = 'k' AND id = 'x' LIMIT 1",
        "EXPLAIN QUERY PLAN SELECT doc FROM documents WHERE account = 'a' AND region = 'r' AND tree = 3 AND kind = 'k' AND id = 'x'",
        "EXPLAIN QUERY PLAN SELECT doc FROM documents WHERE parent = 3 AND kind = 'k' AND name >= '{' AND name < '|' ORDER BY name LIMIT 1",
    ] {
        let plan = plan(sql).await;
        assert!(plan.contains("USING INDEX"), "{sql}: {plan}");
        assert!(!plan.contains("TEMP B-TREE"), "{sql} sorts: {plan}");
    }
}

#[tokio::test]
async fn commits_announce_the_trees_they_touched() {
    let store = memory().await;
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = seen.clone();
    store.on_commit(Arc::new(move |changes: &[Changed]| {
        let mut seen = sink.lock().unwrap();
        seen.extend(
            changes
                .iter()
                .map(|c| format!("{}:{}:{}", c.scope.account, c.kind, c.id)),
        );
    }));
    let s = scope("111111111111");
    let mut tx = store.write().await.unwrap();
    let a = tx.insert_top(&API, &s, "a", &api("a")).await.unwrap();
    tx.insert_top(&API, &s, "b", &api("b")).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        seen.lock().unwrap().drain(..).collect::<Vec<_>>(),
        ["111111111111:t-api:a", "111111111111:t-api:b"]
    );

    let mut tx = store.write().await.unwrap();
    tx.insert(&NODE, &a, "n", &node("n")).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        seen.lock().unwrap().drain(..).collect::<Vec<_>>(),
        ["111111111111:t-api:a"]
    );

    {
        let mut tx = store.write().await.unwrap();
        tx.insert(&NODE, &a, "m", &node("m")).await.unwrap();
    }
    assert!(seen.lock().unwrap().is_empty(), "nothing is announced for a rollback");

    let mut tx = store.write().await.unwrap();
    tx.delete(&a).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        seen.lock().unwrap().drain(..).collect::<Vec<_>>(),
        ["111111111111:t-api:a"]
    );

    store.reset().await.unwrap();
    assert_eq!(
        seen.lock().unwrap().drain(..).collect::<Vec<_>>(),
        ["111111111111:t-api:b"]
    );
}

/// Failing writes (rolled back) beside succeeding ones, on several connections: none may meet
/// SQLITE_BUSY ("database is locked").
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_failing_and_succeeding_writes_never_lock() {
    let (store, dir) = on_disk("concurrent").await;
    let s = scope("111111111111");
    let mut tx = store.write().await.unwrap();
    let a = tx.insert_top(&API, &s, "a", &api("a")).await.unwrap();
    tx.commit().await.unwrap();
    let mut tasks = Vec::new();
    for worker in 0..8 {
        let store = store.clone();
        let s = s.clone();
        let a = a.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..60 {
                // Reads through the pool interleave with the writes, as handlers do.
                store.top(&API, &s, "a").await.unwrap();
                let mut tx = store.write().await.unwrap();
                if worker % 2 == 0 {
                    // Writes, then gives up: the rollback must not leave the database locked.
                    assert!(tx.top(&API, &s, "missing").await.unwrap().is_none());
                    tx.insert(&NODE, &a, &format!("doomed{worker}-{i}"), &node("doomed"))
                        .await
                        .unwrap();
                    drop(tx);
                } else {
                    let id = format!("w{worker}-{i}");
                    tx.child(&NODE, &a, &id).await.unwrap();
                    tx.insert(&NODE, &a, &id, &node(&id)).await.unwrap();
                    tx.commit().await.unwrap();
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(store.count(&NODE, List::Tree(&a)).await.unwrap(), 4 * 60);
    let _ = std::fs::remove_dir_all(dir);
}

/// State written by the first schema comes through the migration whole.
#[tokio::test]
async fn first_schema_state_is_migrated() {
    let dir = std::env::temp_dir().join(format!("portico-store-migrate-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    {
        use sqlx::sqlite::SqliteConnectOptions;
        let options = SqliteConnectOptions::new()
            .filename(dir.join("portico.db"))
            .create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        let first = sqlx::migrate::Migrator {
            migrations: std::borrow::Cow::Owned(vec![migrator().migrations[0].clone()]),
            ..sqlx::migrate::Migrator::DEFAULT
        };
        first.run(&pool).await.unwrap();
        for (kind, parent, id, doc) in [
            ("restapi", "", "api1", r#"{"id":"api1","name":"old"}"#),
            ("resource", "api1", "root", r#"{"id":"root","path":"/"}"#),
            (
                "resource",
                "api1",
                "pets",
                r#"{"id":"pets","parentId":"root","path":"/pets"}"#,
            ),
            (
                "resource",
                "api1",
                "pet",
                r#"{"id":"pet","parentId":"pets","path":"/pets/{id}"}"#,
            ),
            ("deployment", "api1", "d1", r#"{"id":"d1"}"#),
            ("deployment-snapshot", "api1", "d1", r#"{"api":{},"resources":[]}"#),
            ("stage", "api1", "dev", r#"{"stageName":"dev","deploymentId":"d1"}"#),
        ] {
            sqlx::query("INSERT INTO objects (account, region, kind, parent, id, doc) VALUES ('000000000000', 'us-east-1', ?, ?, ?, ?)")
                .bind(kind)
                .bind(parent)
                .bind(id)
                .bind(doc)
                .execute(&pool)
                .await
                .unwrap();
        }
        pool.close().await;
    }
    let store = Store::open(Some(&dir)).await.unwrap();
    let rows = sqlx::query(
        "SELECT d.kind, d.id, p.id FROM documents d LEFT JOIN documents p ON p.seq = d.parent ORDER BY d.seq",
    )
    .fetch_all(&store.pool_for_tests())
    .await
    .unwrap();
    let links: Vec<(String, String, Option<String>)> = rows
        .iter()
        .map(|r| (sqlx::Row::get(r, 0), sqlx::Row::get(r, 1), sqlx::Row::get(r, 2)))
        .collect();
    let link = |k: &str, i: &str, p: Option<&str>| (k.to_string(), i.to_string(), p.map(str::to_string));
    assert_eq!(
        links,
        [
            link("restapi", "api1", None),
            link("resource", "root", Some("api1")),
            link("resource", "pets", Some("root")),
            link("resource", "pet", Some("pets")),
            link("deployment", "d1", Some("api1")),
            link("deployment-snapshot", "d1", Some("d1")),
            link("stage", "dev", Some("api1")),
        ]
    );
    assert_eq!(store.orphans().await.unwrap(), 0);
    drop(store);
    let _ = std::fs::remove_dir_all(dir);
}
