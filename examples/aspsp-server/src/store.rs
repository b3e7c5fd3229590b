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
    Change, EnqueueError, EnqueueOutcome, EnqueuePlan, PollOutcome, PollPlan, SetFailure,
    SetRecord, SetState, SweepOutcome, SweepPlan, Transmitter,
};
use setpoll_core::Timestamp;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Connection as _, Executor as _, Row as _};

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
            // `+client_id` (a no-op on text) keeps SQLite from walking the
            // (client_id, seq) index over the whole table to skip a sort:
            // the WHERE's own index finds the few rows, which are sorted.
            Dialect::Sqlite => " ORDER BY +client_id, seq",
            Dialect::Postgres => " ORDER BY client_id COLLATE \"C\", seq",
        }
    }

    /// `ORDER BY` of a `SELECT` of named rows (`client_id = ? AND jti IN
    /// (...)`): seq order. On SQLite `+seq` keeps the planner on the
    /// primary key (O(named)) instead of the (client_id, seq) index, which
    /// walks the client's whole queue.
    #[must_use]
    pub fn order_seq_named(self) -> &'static str {
        match self {
            Dialect::Sqlite => " ORDER BY +seq",
            Dialect::Postgres => " ORDER BY seq",
        }
    }

    /// Placeholder number `n` of a statement whose placeholders appear in
    /// bind order: `?` on SQLite (sqlx looks a `$n` up by name, a linear
    /// search per parameter: quadratic in a 700-parameter batch), `$n` on
    /// PostgreSQL.
    fn mark(self, n: usize) -> String {
        match self {
            Dialect::Sqlite => "?".to_owned(),
            Dialect::Postgres => format!("${n}"),
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
    /// SQLite has one writer at a time: this process's write transactions
    /// queue here, in order, instead of in SQLite's busy handler (which
    /// retries with sleeps and can starve one writer past `busy_timeout`
    /// when many wait on a loaded machine). They all run on the one
    /// connection kept here: a connection whose file another connection
    /// wrote since its last transaction drops its whole page cache, so
    /// writes taking turns over the pool's connections read their pages
    /// again from the OS on every poll.
    writer: std::sync::Arc<tokio::sync::Mutex<Option<PoolConnection<Any>>>>,
    /// SETs this process has queued (PostgreSQL: see [`Store::enqueue_many`]).
    enqueued: std::sync::Arc<std::sync::atomic::AtomicU64>,
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
                        conn.execute("PRAGMA busy_timeout = 30000").await?;
                        // Checkpoint every 8000 pages (32 MiB of WAL), not
                        // 1000: a row delivered in one poll and deleted by
                        // the next ack dirties the same pages twice; one
                        // checkpoint then copies them once.
                        conn.execute("PRAGMA wal_autocheckpoint = 8000").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let store = Store {
            pool,
            dialect,
            writer: std::sync::Arc::default(),
            enqueued: std::sync::Arc::default(),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Run `write` in this process's turn to write (SQLite: after the
    /// writes before it; PostgreSQL: at once). After a failure the SQLite
    /// connection goes back to the pool, which checks it.
    async fn writing<T, E>(
        &self,
        write: impl AsyncFnOnce(&mut WriteTurn<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut turn = match self.dialect {
            Dialect::Sqlite => WriteTurn(Some(self.writer.lock().await)),
            Dialect::Postgres => WriteTurn(None),
        };
        let result = write(&mut turn).await;
        if result.is_err() {
            turn.failed();
        }
        result
    }

    /// Apply the migrations not yet applied (sqlx's migrator: on
    /// PostgreSQL it holds an advisory lock, so several servers may start
    /// at once on one database).
    async fn migrate(&self) -> Result<(), sqlx::Error> {
        sqlx::migrate!("./migrations").run(&self.pool).await?;
        Ok(())
    }
}

/// A turn to write: on SQLite the writer's lock and its connection.
struct WriteTurn<'a>(Option<tokio::sync::MutexGuard<'a, Option<PoolConnection<Any>>>>);

impl WriteTurn<'_> {
    /// Open the write transaction: on SQLite on the writer's connection
    /// (taken from the pool the first time), on PostgreSQL on any.
    async fn begin(
        &mut self,
        pool: &AnyPool,
        dialect: Dialect,
    ) -> Result<sqlx::Transaction<'_, Any>, sqlx::Error> {
        match &mut self.0 {
            Some(held) => {
                if held.is_none() {
                    **held = Some(pool.acquire().await?);
                }
                match held.as_mut() {
                    Some(conn) => conn.begin_with(dialect.begin_write()).await,
                    None => Err(sqlx::Error::PoolClosed),
                }
            }
            None => pool.begin_with(dialect.begin_write()).await,
        }
    }

    /// After a failed write, hand the connection back to the pool (which
    /// checks it) and take a fresh one next time.
    fn failed(&mut self) {
        if let Some(held) = &mut self.0 {
            **held = None;
        }
    }
}

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

/// [`COLUMNS`] without the token, for rows a poll names (acks and
/// `setErrs`): the core only updates or deletes those, never delivers them,
/// so their tokens (most of a row's bytes) are not read.
const NAMED_COLUMNS: &str = "client_id, seq, jti, '' AS token, state, attempts, visible_at, \
                             enqueued_at, expires_at, last_error";

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

/// Rows per multi-row `INSERT` (10 parameters each).
const INSERT_CHUNK: usize = 100;
/// Rows per `UPDATE ... FROM (VALUES ...)` (7 parameters each).
const UPDATE_CHUNK: usize = 100;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Insert,
    Update,
    Delete,
}

fn kind_of(change: &Change) -> (Kind, &str, &str) {
    match change {
        Change::Insert(r) => (Kind::Insert, &r.client, &r.jti),
        Change::Update(u) => (Kind::Update, &u.client, &u.jti),
        Change::Delete { client, jti, .. } => (Kind::Delete, client, jti),
    }
}

/// Apply the core's changes, in order, inside the caller's transaction.
///
/// Consecutive changes of one kind touching distinct rows are written as
/// one statement per [`INSERT_CHUNK`] / [`UPDATE_CHUNK`] / [`IN_CHUNK`]
/// rows (a poll of 100 SETs is a handful of statements, not 200): the
/// result is the same as applying them one by one, in order.
async fn apply(
    conn: &mut AnyConnection,
    dialect: Dialect,
    changes: &[Change],
) -> Result<(), StoreError> {
    let mut start = 0;
    while start < changes.len() {
        let Some(first) = changes.get(start) else {
            break;
        };
        let (kind, _, _) = kind_of(first);
        let mut seen = std::collections::HashSet::new();
        let mut end = start;
        while let Some(change) = changes.get(end) {
            let (k, client, jti) = kind_of(change);
            if k != kind || !seen.insert((client, jti)) {
                break;
            }
            end += 1;
        }
        let run = changes.get(start..end).unwrap_or(&[]);
        match kind {
            Kind::Insert => insert_rows(conn, dialect, run).await?,
            Kind::Update => update_rows(conn, dialect, run).await?,
            Kind::Delete => delete_rows(conn, dialect, run).await?,
        }
        start = end;
    }
    Ok(())
}

/// `(m, m), (m, m)`: `rows` rows of `per_row` placeholders numbered from
/// `first` (see [`Dialect::mark`]), each cast to its `casts` type if any.
fn marks(dialect: Dialect, first: usize, rows: usize, per_row: usize, casts: &[&str]) -> String {
    let mut sql = String::with_capacity(rows * per_row * 24);
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for col in 0..per_row {
            if col > 0 {
                sql.push_str(", ");
            }
            let n = dialect.mark(first + row * per_row + col);
            match casts.get(col).filter(|c| !c.is_empty()) {
                Some(ty) => sql.push_str(&format!("CAST({n} AS {ty})")),
                None => sql.push_str(&n),
            }
        }
        sql.push(')');
    }
    sql
}

async fn insert_rows(
    conn: &mut AnyConnection,
    dialect: Dialect,
    run: &[Change],
) -> Result<(), StoreError> {
    let records: Vec<&SetRecord> = run
        .iter()
        .filter_map(|c| match c {
            Change::Insert(r) => Some(r),
            _ => None,
        })
        .collect();
    for chunk in records.chunks(INSERT_CHUNK) {
        let sql = format!(
            "INSERT INTO set_records (client_id, seq, jti, token, state, attempts, \
             visible_at, enqueued_at, expires_at, last_error) VALUES {}",
            marks(dialect, 1, chunk.len(), 10, &[])
        );
        let mut query = sqlx::query(&sql);
        for r in chunk {
            query = query
                .bind(&r.client)
                .bind(to_i64(r.seq))
                .bind(&r.jti)
                .bind(&r.token)
                .bind(r.state.as_str())
                .bind(i64::from(r.attempts))
                .bind(ts(r.visible_at))
                .bind(ts(r.enqueued_at))
                .bind(ts(r.expires_at))
                .bind(last_error_json(r.last_error.as_ref()));
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

async fn update_rows(
    conn: &mut AnyConnection,
    dialect: Dialect,
    run: &[Change],
) -> Result<(), StoreError> {
    let updates: Vec<_> = run
        .iter()
        .filter_map(|c| match c {
            Change::Update(u) => Some(u),
            _ => None,
        })
        .collect();
    for chunk in updates.chunks(UPDATE_CHUNK) {
        // Column types are cast so PostgreSQL types the VALUES list the
        // same as the table; SQLite accepts the same text.
        let sql = format!(
            "UPDATE set_records SET state = v.column3, attempts = v.column4, \
             visible_at = v.column5, expires_at = v.column6, last_error = v.column7 \
             FROM (VALUES {}) AS v \
             WHERE set_records.client_id = v.column1 AND set_records.jti = v.column2",
            marks(
                dialect,
                1,
                chunk.len(),
                7,
                &["TEXT", "TEXT", "TEXT", "BIGINT", "BIGINT", "BIGINT", "TEXT"]
            )
        );
        let mut query = sqlx::query(&sql);
        for u in chunk {
            query = query
                .bind(&u.client)
                .bind(&u.jti)
                .bind(u.state.as_str())
                .bind(i64::from(u.attempts))
                .bind(ts(u.visible_at))
                .bind(ts(u.expires_at))
                .bind(last_error_json(u.last_error.as_ref()));
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

async fn delete_rows(
    conn: &mut AnyConnection,
    dialect: Dialect,
    run: &[Change],
) -> Result<(), StoreError> {
    // Grouped by client, in order of first appearance.
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for change in run {
        if let Change::Delete { client, jti, .. } = change {
            match groups.iter_mut().find(|(c, _)| c == client) {
                Some((_, jtis)) => jtis.push(jti),
                None => groups.push((client, vec![jti])),
            }
        }
    }
    for (client, jtis) in groups {
        for chunk in jtis.chunks(IN_CHUNK) {
            let sql = format!(
                "DELETE FROM set_records WHERE client_id = {} AND jti IN ({})",
                dialect.mark(1),
                marks(dialect, 2, chunk.len(), 1, &[]).replace(['(', ')'], "")
            );
            let mut query = sqlx::query(&sql).bind(client);
            for jti in chunk {
                query = query.bind(*jti);
            }
            query.execute(&mut *conn).await?;
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
        self.writing(async |turn| self.poll_in(turn, transmitter, plan).await)
            .await
    }

    async fn poll_in(
        &self,
        turn: &mut WriteTurn<'_>,
        transmitter: &Transmitter,
        plan: PollPlan,
    ) -> Result<PollOutcome, StoreError> {
        let mut tx = turn.begin(&self.pool, self.dialect).await?;
        let mut named = Vec::with_capacity(plan.named.len());
        for chunk in plan.named.chunks(IN_CHUNK) {
            // Lock in seq order so two polls naming the same rows cannot deadlock.
            let sql = format!(
                "SELECT {NAMED_COLUMNS} FROM set_records WHERE client_id = {} AND jti IN ({}){}{}",
                self.dialect.mark(1),
                marks(self.dialect, 2, chunk.len(), 1, &[]).replace(['(', ')'], ""),
                self.dialect.order_seq_named(),
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
        // the batch so the core can say whether more are available. The
        // plan's `exclude` (the jtis this request names) is applied as the
        // seqs of the named rows just loaded (the same rows: a named jti
        // with no row excludes nothing): `seq` is in the (client_id, seq)
        // index the scan walks, so the previous batch, acked by this very
        // request, is skipped there without reading its rows and tokens.
        let q = &plan.deliverable;
        let d = self.dialect;
        let exclude: std::collections::HashSet<&str> =
            q.exclude.iter().map(String::as_str).collect();
        let excluded: Vec<i64> = named
            .iter()
            .filter(|r| exclude.contains(r.jti.as_str()))
            .map(|r| to_i64(r.seq))
            .collect();
        let exclude = if excluded.is_empty() {
            String::new()
        } else {
            let marks: Vec<String> = (5..excluded.len() + 5).map(|i| d.mark(i)).collect();
            format!(" AND seq NOT IN ({})", marks.join(", "))
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM set_records WHERE client_id = {} \
             AND state IN ('pending', 'delivered') AND visible_at <= {} AND expires_at > {} \
             AND attempts < {}{exclude} ORDER BY seq LIMIT {}{}",
            d.mark(1),
            d.mark(2),
            d.mark(3),
            d.mark(4),
            d.mark(excluded.len() + 5),
            d.lock_skip_locked()
        );
        let mut query = sqlx::query(&sql)
            .bind(&q.client)
            .bind(ts(q.now))
            .bind(ts(q.now))
            .bind(i64::from(q.max_attempts));
        for seq in excluded {
            query = query.bind(seq);
        }
        let query = query.bind(i64::try_from(q.limit).unwrap_or(i64::MAX));
        let rows = query.fetch_all(&mut *tx).await?;
        let deliverable = rows
            .iter()
            .map(record_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let outcome = transmitter.decide_poll(&plan, named, deliverable);
        apply(&mut tx, self.dialect, &outcome.changes).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Enqueue signed SETs in one transaction, all or nothing; the
    /// outcomes are in input order. A concurrent enqueue for the same
    /// client (another server process) that takes the same `seq` makes the
    /// whole batch retry.
    ///
    /// # Errors
    /// The index of the token the core refused, or the database error
    /// (index 0); nothing is queued then.
    pub async fn enqueue_many(
        &self,
        transmitter: &Transmitter,
        tokens: &[String],
        now: Timestamp,
    ) -> Result<Vec<EnqueueOutcome>, (usize, StoreError)> {
        let mut plans = Vec::with_capacity(tokens.len());
        for (i, token) in tokens.iter().enumerate() {
            let plan = transmitter
                .plan_enqueue(token.clone(), now)
                .map_err(|e| (i, StoreError::Enqueue(e)))?;
            plans.push(plan);
        }
        let mut tries = 0;
        let outcome = loop {
            tries += 1;
            match self.try_enqueue(transmitter, plans.clone()).await {
                Err((_, e)) if tries < 5 && is_unique_violation(&e) => continue,
                other => break other,
            }
        };
        if outcome.is_ok() {
            self.analyze_when_grown(plans.len() as u64).await;
        }
        outcome
    }

    /// PostgreSQL plans a poll's `SELECT` from the table's statistics, which
    /// autovacuum refreshes only a minute or more after a burst of
    /// enqueues; until then a table it last saw empty gets a bitmap scan of
    /// the client's whole queue and a sort on every poll (26 ms at 20 000
    /// queued, against 0.2 ms through the `(client_id, seq)` index). So the
    /// statistics are refreshed here each time this process's enqueues
    /// pass a power of two from 1024 on: a few `ANALYZE`s (a sample, not a
    /// scan) per run, whatever its size. A failure only costs speed.
    async fn analyze_when_grown(&self, n: u64) {
        use std::sync::atomic::Ordering;
        if self.dialect != Dialect::Postgres || n == 0 {
            return;
        }
        let before = self.enqueued.fetch_add(n, Ordering::Relaxed);
        let after = before.saturating_add(n);
        if after >= 1024 && (before < 1024 || after.ilog2() > before.ilog2()) {
            if let Err(e) = sqlx::query("ANALYZE set_records").execute(&self.pool).await {
                tracing::warn!(error = %e, "ANALYZE set_records failed");
            }
        }
    }

    async fn try_enqueue(
        &self,
        transmitter: &Transmitter,
        plans: Vec<EnqueuePlan>,
    ) -> Result<Vec<EnqueueOutcome>, (usize, StoreError)> {
        let mut clients: Vec<String> = plans.iter().map(|p| p.client.clone()).collect();
        clients.sort_unstable();
        clients.dedup();
        self.writing(async |turn| self.enqueue_in(turn, transmitter, plans, &clients).await)
            .await
    }

    async fn enqueue_in(
        &self,
        turn: &mut WriteTurn<'_>,
        transmitter: &Transmitter,
        plans: Vec<EnqueuePlan>,
        clients: &[String],
    ) -> Result<Vec<EnqueueOutcome>, (usize, StoreError)> {
        let db = |e: sqlx::Error| (0, StoreError::Db(e));
        let mut tx = turn.begin(&self.pool, self.dialect).await.map_err(db)?;
        // Per client: its highest seq, and the records it already holds
        // under the batch's jtis.
        let mut newest: std::collections::HashMap<String, Option<u64>> =
            std::collections::HashMap::new();
        let mut existing: std::collections::HashMap<(String, String), SetRecord> =
            std::collections::HashMap::new();
        for client in clients.iter().map(String::as_str) {
            if self.dialect == Dialect::Postgres {
                // Serialise enqueues per client (seq is MAX(seq) + 1), taken
                // in sorted order so two batches cannot deadlock; SQLite's
                // BEGIN IMMEDIATE already serialises every writer.
                sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
                    .bind(client)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
            }
            let max: Option<i64> =
                sqlx::query_scalar("SELECT MAX(seq) FROM set_records WHERE client_id = $1")
                    .bind(client)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db)?;
            newest.insert(client.to_owned(), max.and_then(|s| u64::try_from(s).ok()));
            let jtis: Vec<&str> = plans
                .iter()
                .filter(|p| p.client == client)
                .map(|p| p.jti.as_str())
                .collect();
            for chunk in jtis.chunks(IN_CHUNK) {
                let sql = format!(
                    "SELECT {COLUMNS} FROM set_records WHERE client_id = {} AND jti IN ({})",
                    self.dialect.mark(1),
                    marks(self.dialect, 2, chunk.len(), 1, &[]).replace(['(', ')'], "")
                );
                let mut query = sqlx::query(&sql).bind(client);
                for jti in chunk {
                    query = query.bind(*jti);
                }
                for row in query.fetch_all(&mut *tx).await.map_err(db)? {
                    let record = record_from_row(&row).map_err(|e| (0, e))?;
                    existing.insert((record.client.clone(), record.jti.clone()), record);
                }
            }
        }
        let mut outcomes = Vec::with_capacity(plans.len());
        let mut changes = Vec::with_capacity(plans.len());
        for (i, plan) in plans.into_iter().enumerate() {
            let key = (plan.client.clone(), plan.jti.clone());
            let last = newest.get(&plan.client).copied().flatten();
            let outcome = transmitter
                .decide_enqueue(plan, existing.get(&key), last)
                .map_err(|e| (i, StoreError::Enqueue(e)))?;
            if let EnqueueOutcome::Queued { record } = &outcome {
                // Later items of this batch see this one.
                newest.insert(record.client.clone(), Some(record.seq));
                existing.insert(key, record.clone());
            }
            changes.extend(outcome.changes());
            outcomes.push(outcome);
        }
        apply(&mut tx, self.dialect, &changes)
            .await
            .map_err(|e| (0, e))?;
        tx.commit().await.map_err(db)?;
        Ok(outcomes)
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
        self.writing(async |turn| self.sweep_in(turn, transmitter, &plan).await)
            .await
    }

    async fn sweep_in(
        &self,
        turn: &mut WriteTurn<'_>,
        transmitter: &Transmitter,
        plan: &SweepPlan,
    ) -> Result<SweepOutcome, StoreError> {
        let mut tx = turn.begin(&self.pool, self.dialect).await?;
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
        let outcome = transmitter.decide_sweep(plan, &records, loaded_full);
        apply(&mut tx, self.dialect, &outcome.changes).await?;
        tx.commit().await?;
        Ok(outcome)
    }
}
