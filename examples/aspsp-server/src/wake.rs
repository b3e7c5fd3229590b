//! Per-client wake-ups for long polls.
//!
//! A long poll that found nothing waits on its client's [`Notify`]; enqueuing
//! a SET for that client wakes it at once. Other server processes on the
//! same PostgreSQL database cannot reach this in-process signal, so waiters
//! also re-check the database at a short interval (see `http::long_poll`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

/// Client id -> its wake-up signal.
#[derive(Debug, Default, Clone)]
pub struct Wakeups {
    inner: Arc<Mutex<HashMap<String, Arc<Notify>>>>,
}

impl Wakeups {
    /// The signal of one client (created on first use).
    #[must_use]
    pub fn for_client(&self, client: &str) -> Arc<Notify> {
        let mut map = match self.inner.lock() {
            Ok(map) => map,
            // A panic elsewhere while holding the lock leaves the map usable.
            Err(poisoned) => poisoned.into_inner(),
        };
        map.entry(client.to_owned())
            .or_insert_with(|| Arc::new(Notify::new()))
            .clone()
    }

    /// Wake every long poll of `client` now waiting.
    pub fn wake(&self, client: &str) {
        self.for_client(client).notify_waiters();
    }
}
