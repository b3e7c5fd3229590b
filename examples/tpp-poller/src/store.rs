//! The poller's own SQLite file: the receiver's state and the events the
//! application processed, written together so a crash loses nothing.
//!
//! - `receiver_state`: one row, the core's `ReceiverState` as JSON (pending
//!   acks and `setErrs`, SETs being processed, the dedup window, the schedule);
//! - `events`: one row per processed SET (`jti` primary key), the
//!   application's effect. Processing a batch inserts its events and saves
//!   the state (now holding their acks) in one transaction.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row as _, SqlitePool};

/// The state file.
#[derive(Debug, Clone)]
pub struct StateFile {
    pool: SqlitePool,
}

/// One processed event, as the application stores it.
#[derive(Debug, Clone)]
pub struct ProcessedEvent {
    /// `jti`.
    pub jti: String,
    /// Event type URIs, comma-separated.
    pub types: String,
    /// `sub`, if any.
    pub sub: Option<String>,
    /// The verified claims as JSON.
    pub claims: String,
    /// When it was processed, ms since the epoch.
    pub processed_at: i64,
}

impl StateFile {
    /// Open (creating) the file and its tables.
    ///
    /// # Errors
    /// When SQLite fails.
    pub async fn open(path: &std::path::Path) -> Result<Self, sqlx::Error> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a processed batch survives power loss, not just a crash.
            .synchronous(SqliteSynchronous::Full);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS receiver_state (id INTEGER PRIMARY KEY CHECK (id = 1), \
             state TEXT NOT NULL, saved_at INTEGER NOT NULL)",
        )
        .execute(&pool)
        .await?;
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS events (jti TEXT PRIMARY KEY, types TEXT NOT NULL, \
             sub TEXT, claims TEXT NOT NULL, processed_at INTEGER NOT NULL)",
        )
        .execute(&pool)
        .await?;
        Ok(StateFile { pool })
    }

    /// The saved receiver state, if any.
    ///
    /// # Errors
    /// When SQLite fails.
    pub async fn load_state(&self) -> Result<Option<String>, sqlx::Error> {
        let row = sqlx::query("SELECT state FROM receiver_state WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| r.try_get::<String, _>("state")).transpose()
    }

    /// Save the receiver state and insert `events` in one transaction.
    /// Returns the `jti`s that were already stored (a second processing the
    /// dedup window should have prevented; counted, never applied twice).
    ///
    /// # Errors
    /// When SQLite fails; nothing is written then.
    pub async fn commit(
        &self,
        state_json: &str,
        events: &[ProcessedEvent],
        now: i64,
    ) -> Result<Vec<String>, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let mut already = Vec::new();
        for e in events {
            let done = sqlx::query(
                "INSERT INTO events (jti, types, sub, claims, processed_at) VALUES (?, ?, ?, ?, ?) \
                 ON CONFLICT (jti) DO NOTHING",
            )
            .bind(&e.jti)
            .bind(&e.types)
            .bind(&e.sub)
            .bind(&e.claims)
            .bind(e.processed_at)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                already.push(e.jti.clone());
            }
        }
        sqlx::query(
            "INSERT INTO receiver_state (id, state, saved_at) VALUES (1, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET state = excluded.state, saved_at = excluded.saved_at",
        )
        .bind(state_json)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(already)
    }

    /// How many events the application holds.
    ///
    /// # Errors
    /// When SQLite fails.
    pub async fn event_count(&self) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar("SELECT COUNT(*) FROM events")
            .fetch_one(&self.pool)
            .await
    }
}
