//! Script executors for the `transmitter` and `receiver` vector kinds.
//!
//! A script is a configuration and a list of steps; the executor runs the
//! steps against the core and returns, per step, the object its `expect`
//! holds. The generator uses it to fill `expect`; the runner uses it to
//! check the committed files. Both read only the JSON of the steps.

pub mod receiver;
pub mod transmitter;
