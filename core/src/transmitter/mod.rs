//! The transmitter: the ASPSP side of `POST /events` as a sans-IO state machine.
//!
//! The bank's `POST /events` handler calls it: it decides, it does no IO.
//! Two ways to hold the queue share one set of rules ([`Transmitter`]):
//!
//! - [`MemoryQueue`] keeps the queue in memory (embedded use, tests);
//! - a database host keeps [`SetRecord`] rows and drives the storage-neutral
//!   steps itself: `plan_*` says which rows to load, the host loads them,
//!   `decide_*` returns the decision and the [`Change`]s to commit.
//!
//! # Run-loop contract
//! | when | call | then |
//! |---|---|---|
//! | the bank has a signed SET for a TPP | [`MemoryQueue::enqueue`] / [`Transmitter::plan_enqueue`] + [`Transmitter::decide_enqueue`] | persist [`EnqueueOutcome::changes`]; wake long polls of [`EnqueueOutcome::wake`] |
//! | `POST /events` arrives (client authenticated, body parsed) | [`MemoryQueue::poll`] / [`Transmitter::plan_poll`] + [`Transmitter::decide_poll`] | commit [`PollOutcome::changes`] in one transaction, **then** answer or hold the request ([`PollDecision::Wait`]) |
//! | a held request's client was woken, or its deadline passed | [`MemoryQueue::resume`] / [`Transmitter::plan_resume`] + [`Transmitter::decide_poll`] | as for a poll |
//! | periodically (e.g. every minute) | [`MemoryQueue::sweep`] / [`Transmitter::plan_sweep`] + [`Transmitter::decide_sweep`] | commit the changes; call again soon while `more` |
//! | after a restart | [`MemoryQueue::from_records`] | nothing is lost: the records are the state |
//!
//! Every call is safe to repeat: replaying a poll's request re-applies
//! nothing already applied, and replaying persisted changes is idempotent for
//! deletes. Polls of one client must be serialised by the host (one
//! transaction at a time per client, e.g. `SELECT ... FOR UPDATE`), or a SET
//! may be delivered to two concurrent requests.
//!
//! See `TRANSMITTER.md` for every policy and default, and
//! `ARCHITECTURE-transmitter.md` for the state diagram of a SET.

mod config;
mod enqueue;
mod memory;
mod poll;
mod record;
mod rules;
mod sweep;

pub use config::{ConfigError, DeliveryMode, Profile, SetErrPolicy, TransmitterConfig};
pub use enqueue::{EnqueueError, EnqueueOutcome, EnqueuePlan, MAX_CLIENT_CHARS, MAX_JTI_CHARS};
pub use memory::{ApplyError, MemoryQueue};
pub use poll::{DeliverableQuery, PollDecision, PollOutcome, PollPlan, Wait};
pub use record::{Change, DeleteReason, FailureReason, SetFailure, SetRecord, SetState, SetUpdate};
pub use rules::Transmitter;
pub use sweep::{SweepOutcome, SweepPlan};

#[cfg(test)]
mod tests;

/// `core/TRANSMITTER.md` (the README section), compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../TRANSMITTER.md")]
pub struct TransmitterReadme;
