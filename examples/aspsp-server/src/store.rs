//! The SQL side: one code path (sqlx `Any`) over SQLite and PostgreSQL.
//!
//! The SQL text is shared; the few places where the two databases differ
//! are chosen by [`Dialect`]: the DDL of the `seq` column, how a write
//! transaction starts (`BEGIN IMMEDIATE` serialises writers on SQLite) and
//! row locking on PostgreSQL (`FOR UPDATE SKIP LOCKED`, so several server
//! processes on one database hand concurrent pollers disjoint batches).
//! Parameters are written `$1, $2, ...`, which both drivers bind by number.

use std::time::Duration;

use setpoll_core::transmitter::{
    Change, EnqueueError, EnqueueOutcome, PollOutcome, PollPlan, SetFailure, SetRecord, SetState,
    SweepOutcome, Transmitter,
};
use setpoll_core::Timestamp;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::{AnyConnection, AnyPool, Executor as _, Row as _};

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

    /// `ORDER BY` of a sweep query: `(client, seq)` with client ids compared
    /// byte by byte, the order the core's sweep acts in (SQLite's default
    /// collation is bytewise; PostgreSQL's follows the locale unless told).
    #[must_use]
    pub fn order_client_seq(self) -> &'static str {
        match self {
            Dialect::Sqlite => " ORDER BY client_id, seq",
            Dialect::Postgres => " ORDER BY client_id COLLATE \"C\", seq",
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
    include_str!("../migrations/0001_set_records.sql"),
    include_str!("../migrations/0001_set_records.sql"),
)];

// ---------------------------------------------------------------------------
// The transmitter's storage-neutral steps: plan (core) -> load (here) ->
// decide (core) -> commit the changes (here), in one transaction.

/// Why a storage step failed.
#[derive(Debug)]
pub enum StoreError {
    /// The database refused or failed.
    Db(sqlx::Error),
    /// A stored row could not be read back as a record.
    Corrupt(String),
    /// The core refused the enqueue.
    Enqueue(EnqueueError),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Db(e) => write!(f, "database: {e}"),
            StoreError::Corrupt(m) => write!(f, "stored record unreadable: {m}"),
            StoreError::Enqueue(e) => write!(f, "{e}"),
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Db(e)
    }
}

const COLUMNS: &str =
    "client_id, seq, jti, token, state, attempts, visible_at, enqueued_at, expires_at, last_error";

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn ts(v: Timestamp) -> i64 {
    to_i64(v.as_millis())
}

fn record_from_row(row: &AnyRow) -> Result<SetRecord, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(what.to_owned());
    let u64_col = |name: &str| -> Result<u64, StoreError> {
        let v: i64 = row.try_get(name)?;
        u64::try_from(v).map_err(|_| corrupt(name))
    };
    let state: String = row.try_get("state")?;
    let last_error: Option<String> = row.try_get("last_error")?;
    let last_error = match last_error {
        None => None,
        Some(text) => Some(serde_json::from_str(&text).map_err(|_| corrupt("last_error"))?),
    };
    Ok(SetRecord {
        client: row.try_get("client_id")?,
        seq: u64_col("seq")?,
        jti: row.try_get("jti")?,
        token: row.try_get("token")?,
        state: SetState::from_name(&state).ok_or_else(|| corrupt("state"))?,
        attempts: u32::try_from(u64_col("attempts")?).map_err(|_| corrupt("attempts"))?,
        visible_at: Timestamp::from_millis(u64_col("visible_at")?),
        enqueued_at: Timestamp::from_millis(u64_col("enqueued_at")?),
        expires_at: Timestamp::from_millis(u64_col("expires_at")?),
        last_error,
    })
}

fn last_error_json(failure: Option<&SetFailure>) -> Option<String> {
    failure.and_then(|f| serde_json::to_string(f).ok())
}

/// Apply the core's changes, in order, inside the caller's transaction.
async fn apply(conn: &mut AnyConnection, changes: &[Change]) -> Result<(), StoreError> {
    for change in changes {
        match change {
            Change::Insert(r) => {
                sqlx::query(
                    "INSERT INTO set_records (client_id, seq, jti, token, state, attempts, \
                     visible_at, enqueued_at, expires_at, last_error) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(&r.client)
                .bind(to_i64(r.seq))
                .bind(&r.jti)
                .bind(&r.token)
                .bind(r.state.as_str())
                .bind(i64::from(r.attempts))
                .bind(ts(r.visible_at))
                .bind(ts(r.enqueued_at))
                .bind(ts(r.expires_at))
                .bind(last_error_json(r.last_error.as_ref()))
                .execute(&mut *conn)
                .await?;
            }
            Change::Update(u) => {
                sqlx::query(
                    "UPDATE set_records SET state = $1, attempts = $2, visible_at = $3, \
                     expires_at = $4, last_error = $5 WHERE client_id = $6 AND jti = $7",
                )
                .bind(u.state.as_str())
                .bind(i64::from(u.attempts))
                .bind(ts(u.visible_at))
                .bind(ts(u.expires_at))
                .bind(last_error_json(u.last_error.as_ref()))
                .bind(&u.client)
                .bind(&u.jti)
                .execute(&mut *conn)
                .await?;
            }
            Change::Delete { client, jti, .. } => {
                sqlx::query("DELETE FROM set_records WHERE client_id = $1 AND jti = $2")
                    .bind(client)
                    .bind(jti)
                    .execute(&mut *conn)
                    .await?;
            }
        }
    }
    Ok(())
}

/// Is this a unique-constraint violation (a concurrent insert won)?
fn is_unique_violation(e: &StoreError) -> bool {
    match e {
        StoreError::Db(sqlx::Error::Database(db)) => {
            db.kind() == sqlx::error::ErrorKind::UniqueViolation
        }
        _ => false,
    }
}

/// Most `jti`s bound in one `IN (...)` list.
const IN_CHUNK: usize = 500;

impl Store {
    /// One poll (or the resumption of a long poll): load what `plan` names,
    /// let the core decide, commit its changes. Returns the outcome only
    /// after the commit, so the answer never runs ahead of the database.
    ///
    /// # Errors
    /// When the database fails; nothing is committed then.
    pub async fn poll(
        &self,
        transmitter: &Transmitter,
        plan: PollPlan,
    ) -> Result<PollOutcome, StoreError> {
        let mut tx = self.pool.begin_with(self.dialect.begin_write()).await?;
        let mut named = Vec::with_capacity(plan.named.len());
        for chunk in plan.named.chunks(IN_CHUNK) {
            let placeholders: Vec<String> = (2..chunk.len() + 2).map(|i| format!("${i}")).collect();
            // Lock in seq order so two polls naming the same rows cannot deadlock.
            let sql = format!(
                "SELECT {COLUMNS} FROM set_records WHERE client_id = $1 AND jti IN ({}) \
                 ORDER BY seq{}",
                placeholders.join(", "),
                self.dialect.lock_for_update()
            );
            let mut query = sqlx::query(&sql).bind(&plan.client);
            for jti in chunk {
                query = query.bind(jti);
            }
            for row in query.fetch_all(&mut *tx).await? {
                named.push(record_from_row(&row)?);
            }
        }
        // Loaded even for `maxEvents: 0`: the plan asks for one row beyond
        // the batch so the core can say whether more are available.
        let q = &plan.deliverable;
        let exclude = if q.exclude.is_empty() {
            String::new()
        } else {
            let marks: Vec<String> = (5..q.exclude.len() + 5).map(|i| format!("${i}")).collect();
            format!(" AND jti NOT IN ({})", marks.join(", "))
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM set_records WHERE client_id = $1 \
             AND state IN ('pending', 'delivered') AND visible_at <= $2 AND expires_at > $2 \
             AND attempts < $3{exclude} ORDER BY seq LIMIT $4{}",
            self.dialect.lock_skip_locked()
        );
        let mut query = sqlx::query(&sql)
            .bind(&q.client)
            .bind(ts(q.now))
            .bind(i64::from(q.max_attempts))
            .bind(i64::try_from(q.limit).unwrap_or(i64::MAX));
        for jti in &q.exclude {
            query = query.bind(jti);
        }
        let rows = query.fetch_all(&mut *tx).await?;
        let deliverable = rows
            .iter()
            .map(record_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let outcome = transmitter.decide_poll(&plan, named, deliverable);
        apply(&mut tx, &outcome.changes).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Enqueue one signed SET. A concurrent enqueue for the same client
    /// (another server process) that takes the same `seq` makes this one
    /// retry.
    ///
    /// # Errors
    /// When the core refuses the token, or the database fails.
    pub async fn enqueue(
        &self,
        transmitter: &Transmitter,
        token: &str,
        now: Timestamp,
    ) -> Result<EnqueueOutcome, StoreError> {
        let mut tries = 0;
        loop {
            tries += 1;
            match self.try_enqueue(transmitter, token, now).await {
                Err(e) if tries < 5 && is_unique_violation(&e) => continue,
                other => return other,
            }
        }
    }

    async fn try_enqueue(
        &self,
        transmitter: &Transmitter,
        token: &str,
        now: Timestamp,
    ) -> Result<EnqueueOutcome, StoreError> {
        let plan = transmitter
            .plan_enqueue(token.to_owned(), now)
            .map_err(StoreError::Enqueue)?;
        let mut tx = self.pool.begin_with(self.dialect.begin_write()).await?;
        if self.dialect == Dialect::Postgres {
            // Serialise enqueues per client (seq is MAX(seq) + 1); SQLite's
            // BEGIN IMMEDIATE already serialises every writer.
            sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
                .bind(&plan.client)
                .execute(&mut *tx)
                .await?;
        }
        let existing = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM set_records WHERE client_id = $1 AND jti = $2"
        ))
        .bind(&plan.client)
        .bind(&plan.jti)
        .fetch_optional(&mut *tx)
        .await?;
        let existing = existing.as_ref().map(record_from_row).transpose()?;
        let newest: Option<i64> =
            sqlx::query_scalar("SELECT MAX(seq) FROM set_records WHERE client_id = $1")
                .bind(&plan.client)
                .fetch_one(&mut *tx)
                .await?;
        let newest = newest.and_then(|s| u64::try_from(s).ok());
        let outcome = transmitter
            .decide_enqueue(plan, existing.as_ref(), newest)
            .map_err(StoreError::Enqueue)?;
        apply(&mut tx, &outcome.changes()).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// One housekeeping pass: dead-letter SETs out of attempts, drop expired
    /// ones, purge old dead letters, acting on at most `budget` records.
    /// Its `more` is exact: call again while it is true.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn sweep(
        &self,
        transmitter: &Transmitter,
        now: Timestamp,
        budget: usize,
    ) -> Result<SweepOutcome, StoreError> {
        let plan = transmitter.plan_sweep(now, budget);
        let mut tx = self.pool.begin_with(self.dialect.begin_write()).await?;
        let lim = i64::try_from(plan.limit).unwrap_or(i64::MAX);
        let lock = self.dialect.lock_skip_locked();
        let order = self.dialect.order_client_seq();
        let exhausted = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM set_records WHERE state = 'delivered' AND attempts >= $1 \
             AND visible_at <= $2{order} LIMIT $3{lock}"
        ))
        .bind(i64::from(plan.max_attempts))
        .bind(ts(plan.now))
        .bind(lim)
        .fetch_all(&mut *tx)
        .await?;
        let expired = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM set_records WHERE expires_at <= $1{order} LIMIT $2{lock}"
        ))
        .bind(ts(plan.now))
        .bind(lim)
        .fetch_all(&mut *tx)
        .await?;
        let loaded_full = exhausted.len() >= plan.limit || expired.len() >= plan.limit;
        let records = exhausted
            .iter()
            .chain(expired.iter())
            .map(record_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let outcome = transmitter.decide_sweep(&plan, &records, loaded_full);
        apply(&mut tx, &outcome.changes).await?;
        tx.commit().await?;
        Ok(outcome)
    }
}
