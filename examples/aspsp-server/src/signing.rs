//! The signing pool: one long-lived thread per core that signs SETs for
//! `POST /admin/events`.
//!
//! Signing is CPU work (about 0.3 ms of CPU per PS256 SET here, most of it
//! the RSA private-key operation), so it runs off the async workers. A
//! batch is cut into small jobs that every thread takes from one queue:
//! while one batch waits for the database, the next one's jobs keep every
//! core signing, and a batch that is almost done does not leave a core
//! idle. Threads that live as long as the server also keep their crypto
//! library's per-thread random generator, seeded once per thread.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce() + Send + 'static>;

/// A fixed set of threads running jobs from one queue.
#[derive(Debug)]
pub struct SigningPool {
    jobs: mpsc::Sender<Job>,
}

/// Why a job gave no answer.
#[derive(Debug)]
pub struct PoolGone;

impl SigningPool {
    /// Start `threads` threads (at least one).
    ///
    /// # Errors
    /// When the operating system refuses a thread.
    pub fn start(threads: usize) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads.max(1) {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("signer-{n}"))
                .spawn(move || worker(&queue))?;
        }
        Ok(Self { jobs })
    }

    /// Run `job` on the pool; resolves to its result.
    ///
    /// # Errors
    /// [`PoolGone`] when the job panicked or the pool's threads are gone.
    pub async fn run<T, F>(&self, job: F) -> Result<T, PoolGone>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (answer, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = answer.send(job());
        });
        self.jobs.send(job).map_err(|_| PoolGone)?;
        result.await.map_err(|_| PoolGone)
    }
}

fn worker(queue: &Mutex<mpsc::Receiver<Job>>) {
    loop {
        // The lock is held only while waiting for the next job, never while
        // one runs.
        let job = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        // A panicking job drops its answer (its caller sees `PoolGone`);
        // the thread lives on.
        let _ = std::panic::catch_unwind(AssertUnwindSafe(job));
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_run_and_a_panic_costs_only_its_own_answer() {
        let pool = SigningPool::start(2).expect("threads");
        let answers: Vec<_> = (0..20u32).map(|n| pool.run(move || n * 2)).collect();
        let mut got = Vec::new();
        for answer in answers {
            got.push(answer.await.expect("answer"));
        }
        assert_eq!(got, (0..20u32).map(|n| n * 2).collect::<Vec<_>>());
        let failed = pool.run(|| -> u32 { panic!("boom") }).await;
        assert!(failed.is_err());
        // Both threads still serve.
        assert_eq!(pool.run(|| 7).await.expect("after panic"), 7);
        assert_eq!(pool.run(|| 8).await.expect("after panic"), 8);
    }
}
