//! Crypto backends behind one small signing/verifying interface.
//!
//! SKELETON: completed by the JOSE work.
