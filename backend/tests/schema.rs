//! The SQLite and PostgreSQL migrations stay in step: the same migration
//! files, and after running them the same tables with the same columns
//! (name, nullability, primary key), but for each database's own search
//! index (SQLite's FTS5 tables, PostgreSQL's `tsvector` columns), which
//! hold the same terms in each one's form. Needs `RAPPORT_TEST_POSTGRES`, the URL
//! of a PostgreSQL server where it may create a database (`cargo xtask
//! test` provides one).

use std::collections::BTreeMap;
use std::path::Path;

use rapport::config::DatabaseLocation;
use rapport::store::{Store, StoreOptions};
use sqlx::{Connection, PgConnection, SqliteConnection};

/// Table → column → (not null, part of the primary key).
type Schema = BTreeMap<String, BTreeMap<String, (bool, bool)>>;

fn migration_names(backend: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(backend);
    let mut names: Vec<String> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

#[test]
fn both_backends_have_the_same_migrations() {
    let sqlite = migration_names("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, migration_names("postgres"), "every migration needs its twin in the other backend's folder");
}

#[tokio::test]
async fn both_backends_end_with_the_same_tables_and_columns() {
    let admin = std::env::var("RAPPORT_TEST_POSTGRES")
        .expect("RAPPORT_TEST_POSTGRES must be the URL of a PostgreSQL server where this test may create a database (cargo xtask test starts one)");
    let url = testbed::create_database(&admin, &format!("schema_{}_{}", std::process::id(), rand::random::<u32>())).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("schema.db");
    for location in [DatabaseLocation::Sqlite(file.clone()), DatabaseLocation::Postgres(url.clone())] {
        Store::open(&location, StoreOptions::default()).await.unwrap().close().await;
    }
    let sqlite = sqlite_schema(&file).await;
    let postgres = postgres_schema(&url).await;
    assert!(sqlite.contains_key("messages"), "{sqlite:?}");
    assert_eq!(sqlite, postgres);
}

async fn sqlite_schema(file: &Path) -> Schema {
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}", file.display())).await.unwrap();
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != '_sqlx_migrations' AND name NOT LIKE '%\\_fts%' ESCAPE '\\'")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    let mut schema = Schema::new();
    for table in tables {
        let columns: Vec<(String, bool, i64)> =
            sqlx::query_as(&format!("SELECT name, \"notnull\", pk FROM pragma_table_info('{table}')")).fetch_all(&mut conn).await.unwrap();
        // SQLite lets a primary-key column be NULL unless declared NOT NULL
        // (INTEGER PRIMARY KEY aside); PostgreSQL never does. Compare the
        // rule, not the quirk.
        schema.insert(table, columns.into_iter().map(|(name, not_null, pk)| (name, (not_null || pk > 0, pk > 0))).collect());
    }
    schema
}

async fn postgres_schema(url: &str) -> Schema {
    let mut conn = PgConnection::connect(url).await.unwrap();
    let columns: Vec<(String, String, String, bool)> = sqlx::query_as(
        "SELECT c.table_name::TEXT, c.column_name::TEXT, c.is_nullable::TEXT,
                EXISTS (SELECT 1 FROM information_schema.key_column_usage k
                        JOIN information_schema.table_constraints t ON t.constraint_name = k.constraint_name AND t.table_name = k.table_name
                        WHERE t.constraint_type = 'PRIMARY KEY' AND k.table_name = c.table_name AND k.column_name = c.column_name)
         FROM information_schema.columns c
         WHERE c.table_schema = 'public' AND c.table_name != '_sqlx_migrations' AND c.data_type != 'tsvector'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut schema = Schema::new();
    for (table, column, nullable, pk) in columns {
        schema.entry(table).or_default().insert(column, (nullable == "NO", pk));
    }
    schema
}
