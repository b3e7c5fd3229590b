//! The transmitter: the ASPSP side of `POST /events` as a sans-IO state machine.
//!
//! SKELETON: completed by the transmitter work.
