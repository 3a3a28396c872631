//! PostgreSQL, for several bot processes sharing one database.
//!
//! Nothing is held in memory between commands: every write is one
//! transaction that updates the session only if its version is unchanged
//! (another process may have written it), appends the events and bumps the
//! step counters with `INSERT ... ON CONFLICT DO UPDATE`. Migrations take
//! PostgreSQL's advisory lock, so processes starting together are safe.

use std::str::FromStr;
use std::time::Duration;

use sqlx::Connection as _;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions, PgRow};

use super::common::impl_store;
use super::{Backend, StoreError};

/// Connections per process.
pub const MAX_CONNECTIONS: u32 = 10;

/// How long a command waits for a pooled connection.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Sessions on PostgreSQL.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to a `postgres://` URL and runs the migrations.
    pub async fn open_url(url: &str) -> Result<Self, StoreError> {
        Self::connect(parse_url(url)?).await
    }

    /// Connects with `options` and runs the migrations.
    pub async fn connect(options: PgConnectOptions) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        Ok(PostgresStore { pool })
    }

    /// The pool, for tools and tests that need raw SQL.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// A write transaction (no process-local lock: rows are locked by the
    /// database, and other processes write too).
    async fn begin(&self) -> Result<((), sqlx::Transaction<'static, sqlx::Postgres>), StoreError> {
        Ok(((), self.pool.begin().await?))
    }
}

fn parse_url(url: &str) -> Result<PgConnectOptions, StoreError> {
    PgConnectOptions::from_str(url).map_err(|e| StoreError::BadUrl(format!("{url}: {e}")))
}

/// Schema names are spliced into SQL, so only plain identifiers are allowed.
fn check_schema(schema: &str) -> Result<(), StoreError> {
    let ok = !schema.is_empty()
        && schema.len() <= 63
        && schema
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !schema.starts_with(|c: char| c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(StoreError::BadUrl(format!(
            "schema `{schema}`: use lower-case letters, digits and _"
        )))
    }
}

/// Connects to `url` with every table in `schema` (created if missing, and
/// migrated): tests and several bots can share one database without seeing
/// each other's data.
pub async fn connect_postgres_with_schema(
    url: &str,
    schema: &str,
) -> Result<PostgresStore, StoreError> {
    check_schema(schema)?;
    let base = parse_url(url)?;
    let mut conn = PgConnection::connect_with(&base).await?;
    let created = sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
        .execute(&mut conn)
        .await;
    // Two callers creating the same schema at once: one loses the race on
    // the catalogue's unique index, which is fine.
    if let Err(e) = created {
        let raced = matches!(&e, sqlx::Error::Database(db)
            if matches!(db.code().as_deref(), Some("23505") | Some("42P06")));
        if !raced {
            return Err(e.into());
        }
    }
    conn.close().await?;
    PostgresStore::connect(base.options([("search_path", schema)])).await
}

/// Drops `schema` and everything in it (the end of a test).
pub async fn drop_postgres_schema(url: &str, schema: &str) -> Result<(), StoreError> {
    check_schema(schema)?;
    let mut conn = PgConnection::connect_with(&parse_url(url)?).await?;
    sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}

impl_store!(PostgresStore, PgRow, Backend::Postgres);
