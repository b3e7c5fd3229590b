//! Arbitrary payload bytes signed with the vectors' ES256 key, then
//! `verify_set` with the vectors' key set: the fuzzer cannot forge
//! signatures, so this is how it reaches the claims checks behind them.
//!
//! Checks: the signature always verifies, so the outcome is decided by the
//! claims alone: verified claims equal `SetClaims::from_json(payload)`; a
//! claims refusal is the same error `from_json` gives; payloads `from_json`
//! accepts fail only on the policy (issuer, audience, time claims).
#![no_main]

use libfuzzer_sys::fuzz_target;
use setpoll_core::claims::SetClaims;
use setpoll_core::jose::jws::sign_compact;
use setpoll_core::jose::HeaderProfile;
use setpoll_core::set::{verify_set, VerifyError};

fuzz_target!(|data: &[u8]| {
    let key = setpoll_fuzz::signing_key();
    let now = setpoll_fuzz::now();
    let token = sign_compact(&HeaderProfile::rfc8417(), data, key, now)
        .unwrap_or_else(|e| panic!("signing failed: {e:?}"));
    let direct = SetClaims::from_json(data);
    match verify_set(
        &token,
        setpoll_fuzz::keyring(),
        &setpoll_fuzz::policy(),
        now,
    ) {
        Ok(verified) => assert_eq!(direct.as_ref(), Ok(&verified.claims)),
        Err(VerifyError::Claims(e)) => assert_eq!(direct, Err(e)),
        Err(VerifyError::Jws(e)) => panic!("own signature refused: {e:?}"),
        Err(e) => assert!(
            direct.is_ok() || e.code() == "claims_invalid",
            "{e:?} for claims {direct:?}"
        ),
    }
});
