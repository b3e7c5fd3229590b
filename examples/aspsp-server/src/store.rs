//! The SQL side: one code path (sqlx `Any`) over SQLite and PostgreSQL.
//!
//! The SQL text is shared; the few places where the two databases differ
//! are chosen by [`Dialect`]: the DDL of the `seq` column, how a write
//! transaction starts (`BEGIN IMMEDIATE` serialises writers on SQLite) and
//! row locking on PostgreSQL (`FOR UPDATE SKIP LOCKED`, so several server
//! processes on one database hand concurrent pollers disjoint batches).
//! Parameters are written `$1, $2, ...`, which both drivers bind by number.

use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor as _};

/// Which database the pool talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite (a file).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Dialect {
    /// Statement that opens a write transaction.
    #[must_use]
    pub fn begin_write(self) -> &'static str {
        match self {
            // Take the write lock up front: a deferred transaction that
            // reads then writes can fail with SQLITE_BUSY mid-way.
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            Dialect::Postgres => "BEGIN",
        }
    }

    /// Row-locking suffix for a `SELECT` of rows to hand out.
    #[must_use]
    pub fn lock_skip_locked(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// Row-locking suffix for a `SELECT` of rows about to be updated.
    #[must_use]
    pub fn lock_for_update(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE",
        }
    }
}

/// The database: a pool and its dialect.
#[derive(Debug, Clone)]
pub struct Store {
    /// The pool.
    pub pool: AnyPool,
    /// Its dialect.
    pub dialect: Dialect,
}

/// Turn `--database` into a URL and a dialect.
///
/// A plain path becomes a SQLite URL that creates the file when missing.
#[must_use]
pub fn database_url(database: &str) -> (String, Dialect) {
    if database.starts_with("postgres://") || database.starts_with("postgresql://") {
        (database.to_owned(), Dialect::Postgres)
    } else if database.starts_with("sqlite:") {
        (database.to_owned(), Dialect::Sqlite)
    } else {
        (format!("sqlite://{database}?mode=rwc"), Dialect::Sqlite)
    }
}

impl Store {
    /// Connect and bring the schema up to date.
    ///
    /// # Errors
    /// When the database cannot be reached or a migration fails.
    pub async fn open(database: &str, connections: u32) -> Result<Self, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let (url, dialect) = database_url(database);
        let options: AnyConnectOptions = url.parse()?;
        let pool = AnyPoolOptions::new()
            .max_connections(connections.max(1))
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if dialect == Dialect::Sqlite {
                        // WAL lets readers run beside the single writer;
                        // NORMAL is durable across process crashes in WAL mode.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let store = Store { pool, dialect };
        store.migrate().await?;
        Ok(store)
    }

    /// Apply the migrations not yet applied, each in its own transaction.
    async fn migrate(&self) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin_with(self.dialect.begin_write()).await?;
        if self.dialect == Dialect::Postgres {
            // Several servers may start at once on one database.
            tx.execute("SELECT pg_advisory_xact_lock(4242001)").await?;
        }
        tx.execute(
            "CREATE TABLE IF NOT EXISTS setpoll_migrations \
             (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
        )
        .await?;
        let applied: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM setpoll_migrations")
                .fetch_one(&mut *tx)
                .await?;
        let applied = applied.unwrap_or(0);
        for (version, sqlite, postgres) in MIGRATIONS {
            if *version <= applied {
                continue;
            }
            let script = match self.dialect {
                Dialect::Sqlite => *sqlite,
                Dialect::Postgres => *postgres,
            };
            for statement in script.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                tx.execute(statement).await?;
            }
            sqlx::query("INSERT INTO setpoll_migrations (version, applied_at) VALUES ($1, $2)")
                .bind(*version)
                .bind(crate::now_millis_i64())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await
    }
}

/// `(version, SQLite script, PostgreSQL script)`; statements split on `;`.
const MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    include_str!("../migrations/0001_sqlite.sql"),
    include_str!("../migrations/0001_postgres.sql"),
)];
