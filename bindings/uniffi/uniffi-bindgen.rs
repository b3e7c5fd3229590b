//! `uniffi-bindgen`, built from this workspace so the generator's version is
//! exactly the `uniffi` the library links (`=` pin in Cargo.toml).
//!
//! `cargo run -p setpoll-uniffi --bin uniffi-bindgen -- generate \
//!     target/debug/libsetpoll_uniffi.so --language kotlin --out-dir out`

fn main() {
    uniffi::uniffi_bindgen_main()
}
