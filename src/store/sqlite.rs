//! The embedded default: one SQLite file in WAL mode.
//!
//! WAL lets readers proceed while a write commits; writes are serialised by
//! SQLite itself. Every write transaction starts with `BEGIN IMMEDIATE`, so
//! it takes the write lock up front and waits for it (busy timeout) instead
//! of failing half-way when a read lock cannot be upgraded.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, MutexGuard};

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};

use super::common::impl_store;
use super::{Backend, StoreError};

/// How long a writer waits for the lock before reporting the database busy.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections in the pool: readers run in parallel under WAL.
pub const MAX_CONNECTIONS: u32 = 8;

/// Sessions on SQLite.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// Writers of this process queue here rather than in SQLite's busy
    /// handler, which sleeps in coarse steps; other processes still wait
    /// on the busy timeout.
    write_lock: Arc<Mutex<()>>,
}

impl SqliteStore {
    /// Opens (creating if missing) the database file at `path`, creating its
    /// folder too, and runs the migrations.
    pub async fn open_path(path: &Path) -> Result<Self, StoreError> {
        create_parent(path)?;
        let path = absolute(path)?;
        Self::connect(SqliteConnectOptions::new().filename(path)).await
    }

    /// Opens a `sqlite:` URL (`sqlite:data/x.sqlite`, `sqlite://x.sqlite`,
    /// `sqlite::memory:`) and runs the migrations.
    pub async fn open_url(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::BadUrl(format!("{url}: {e}")))?;
        let file = options.get_filename().to_path_buf();
        let options = if in_memory(url) || file.to_string_lossy().starts_with("file:") {
            options
        } else {
            create_parent(&file)?;
            let path = absolute(&file)?;
            options.filename(path)
        };
        Self::connect(options).await
    }

    /// Connects with the bot's settings (WAL, foreign keys, busy timeout,
    /// create if missing) on top of `options`, and runs the migrations.
    pub async fn connect(options: SqliteConnectOptions) -> Result<Self, StoreError> {
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(BUSY_TIMEOUT)
            .connect_with(options)
            .await?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        Ok(SqliteStore {
            pool,
            write_lock: Arc::new(Mutex::new(())),
        })
    }

    /// The pool, for tools and tests that need raw SQL.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// A write transaction holding the write lock from its first statement,
    /// with this process's writer slot (release both by dropping them).
    async fn begin(
        &self,
    ) -> Result<(MutexGuard<'_, ()>, sqlx::Transaction<'static, sqlx::Sqlite>), StoreError> {
        let guard = self.write_lock.lock().await;
        Ok((guard, self.pool.begin_with("BEGIN IMMEDIATE").await?))
    }
}

fn in_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

/// Pool connections open lazily, so a relative path is resolved now: a later
/// change of working directory must not point the pool at another file.
fn absolute(path: &Path) -> Result<std::path::PathBuf, StoreError> {
    std::path::absolute(path).map_err(|source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn create_parent(path: &Path) -> Result<(), StoreError> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                path: dir.to_path_buf(),
                source,
            })
        }
        _ => Ok(()),
    }
}

impl_store!(SqliteStore, SqliteRow, Backend::Sqlite);
