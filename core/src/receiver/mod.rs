//! The receiver: the TPP side, a sans-IO poller that never loses an acknowledgement.
//!
//! SKELETON: completed by the receiver work.
