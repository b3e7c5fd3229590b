//! The poller's own SQLite file: the receiver's state and the events the
//! application processed, written together so a crash loses nothing.
//!
//! - `receiver_state`: one row, a snapshot of the core's `ReceiverState` as
//!   JSON (pending acks and `setErrs`, SETs being processed or held for a
//!   key refresh, the dedup window, the schedule);
//! - `receiver_changes`: the receiver's changes since that snapshot
//!   (`Receiver::take_changes`, one small JSON record per row), replayed
//!   onto it at start (`ReceiverState::apply`); compacted into a new
//!   snapshot every [`COMPACT_AFTER`] rows;
//! - `events`: one row per processed SET (`jti` primary key), the
//!   application's effect. Processing a batch inserts its events and
//!   appends the receiver's changes (now holding their acks) in one
//!   transaction.

/// Journal rows after which a commit also writes a fresh snapshot.
pub const COMPACT_AFTER: i64 = 2000;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row as _, SqlitePool};

/// Rows per multi-row `INSERT` (5 parameters each for events).
const INSERT_CHUNK: usize = 200;

/// The state file.
#[derive(Debug, Clone)]
pub struct StateFile {
    pool: SqlitePool,
    /// Rows in `receiver_changes` (counted at open, then kept here: this
    /// process is the file's only writer).
    journal_rows: std::sync::Arc<std::sync::atomic::AtomicI64>,
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
            "CREATE TABLE IF NOT EXISTS receiver_changes (id INTEGER PRIMARY KEY AUTOINCREMENT, \
             change TEXT NOT NULL)",
        )
        .execute(&pool)
        .await?;
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS events (jti TEXT PRIMARY KEY, types TEXT NOT NULL, \
             sub TEXT, claims TEXT NOT NULL, processed_at INTEGER NOT NULL)",
        )
        .execute(&pool)
        .await?;
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM receiver_changes")
            .fetch_one(&pool)
            .await?;
        Ok(StateFile {
            pool,
            journal_rows: std::sync::Arc::new(rows.into()),
        })
    }

    /// The saved snapshot (if any) and the journal after it, oldest first.
    ///
    /// # Errors
    /// When SQLite fails.
    pub async fn load(&self) -> Result<(Option<String>, Vec<String>), sqlx::Error> {
        let row = sqlx::query("SELECT state FROM receiver_state WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?;
        let state = row.map(|r| r.try_get::<String, _>("state")).transpose()?;
        let changes = sqlx::query_scalar("SELECT change FROM receiver_changes ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        Ok((state, changes))
    }

    /// Append the receiver's `changes` and insert `events` in one
    /// transaction; `snapshot` (the receiver's whole state, which holds the
    /// changes) is written instead of the journal when it has grown past
    /// [`COMPACT_AFTER`] rows: pass a closure that builds it. Returns the
    /// `jti`s that were already stored (a second processing the dedup window
    /// should have prevented; counted, never applied twice).
    ///
    /// # Errors
    /// When SQLite fails; nothing is written then.
    pub async fn commit(
        &self,
        changes: &[String],
        snapshot: impl FnOnce() -> String,
        events: &[ProcessedEvent],
        now: i64,
    ) -> Result<Vec<String>, sqlx::Error> {
        use std::sync::atomic::Ordering;
        let mut tx = self.pool.begin().await?;
        // One statement per chunk (not per row): `RETURNING` names the
        // rows inserted, so the others were already stored.
        let mut inserted = std::collections::HashSet::with_capacity(events.len());
        for chunk in events.chunks(INSERT_CHUNK) {
            let sql = format!(
                "INSERT INTO events (jti, types, sub, claims, processed_at) VALUES {} \
                 ON CONFLICT (jti) DO NOTHING RETURNING jti",
                rows_of(chunk.len(), 5)
            );
            let mut query = sqlx::query_scalar::<_, String>(&sql);
            for e in chunk {
                query = query
                    .bind(&e.jti)
                    .bind(&e.types)
                    .bind(&e.sub)
                    .bind(&e.claims)
                    .bind(e.processed_at);
            }
            inserted.extend(query.fetch_all(&mut *tx).await?);
        }
        let already: Vec<String> = events
            .iter()
            .filter(|e| !inserted.contains(&e.jti))
            .map(|e| e.jti.clone())
            .collect();
        let rows = self.journal_rows.load(Ordering::Relaxed);
        let added = i64::try_from(changes.len()).unwrap_or(i64::MAX);
        let rows = if rows.saturating_add(added) > COMPACT_AFTER {
            sqlx::query("DELETE FROM receiver_changes")
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO receiver_state (id, state, saved_at) VALUES (1, ?, ?) \
                 ON CONFLICT (id) DO UPDATE SET state = excluded.state, saved_at = excluded.saved_at",
            )
            .bind(snapshot())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            0
        } else {
            for chunk in changes.chunks(INSERT_CHUNK) {
                let sql = format!(
                    "INSERT INTO receiver_changes (change) VALUES {}",
                    rows_of(chunk.len(), 1)
                );
                let mut query = sqlx::query(&sql);
                for change in chunk {
                    query = query.bind(change);
                }
                query.execute(&mut *tx).await?;
            }
            rows.saturating_add(added)
        };
        tx.commit().await?;
        self.journal_rows.store(rows, Ordering::Relaxed);
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

/// `(?, ?), (?, ?)`: `rows` rows of `per_row` placeholders.
fn rows_of(rows: usize, per_row: usize) -> String {
    let one = format!("({})", vec!["?"; per_row].join(", "));
    vec![one; rows].join(", ")
}
