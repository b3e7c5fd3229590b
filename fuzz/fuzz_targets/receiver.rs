//! A `Receiver` driven through the sans-IO verbs with arbitrary exchanges:
//! each request it asks for (`poll_request`) is answered (`handle_reply`)
//! with an arbitrary status, `Retry-After` and body (raw bytes, or a
//! response built from the vectors' valid tokens under arbitrary `jti`
//! keys), no answer (`handle_no_reply`) or an unknown request id,
//! interleaved with acks, rejections, time passing, key refreshes (the
//! receiver starts with one of the vectors' keys, so SETs signed with the
//! others are held) and restarts from the persisted journal.
//!
//! Checks: no panic; no SET is delivered twice within the run (the dedup
//! window outlasts it); an unknown request id changes nothing; every
//! delivery verified with the vectors' keys; a failure's retry time is not
//! in the past; the first state with every change taken since replayed
//! (`ReceiverState::apply`) equals `state()`, its JSON reads back equal,
//! and a receiver restores from it.
#![no_main]

use std::collections::HashSet;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use setpoll_core::codes::SetErrCode;
use setpoll_core::receiver::{
    Delivery, HttpResponse, PollOutcome, Receiver, ReceiverChange, ReceiverConfig, ReceiverState,
    RequestId,
};
use setpoll_core::set::verify_set;
use setpoll_core::Timestamp;

#[derive(Arbitrary, Debug)]
enum Body {
    Raw(Vec<u8>),
    Sets {
        /// (`jti` key choice, token choice): a key equal to the token's
        /// `jti` when the choice is even, a stray one otherwise.
        sets: Vec<(u8, u8)>,
        more_available: Option<bool>,
        extra_member: bool,
    },
}

#[derive(Arbitrary, Debug)]
enum Op {
    Exchange {
        status: u16,
        retry_after: Option<String>,
        body: Body,
    },
    Fail,
    WrongId(u64),
    Advance(u32),
    Ack(u8),
    Reject(u8, String),
    Save,
    Refresh,
    RefreshFailed,
}

/// What the run has seen delivered, and what is still unsettled.
#[derive(Default)]
struct Seen {
    delivered: HashSet<String>,
    unsettled: Vec<String>,
}

impl Seen {
    fn deliveries(&mut self, deliveries: &[Delivery], config: &ReceiverConfig, now: Timestamp) {
        for d in deliveries {
            assert!(
                self.delivered.insert(d.jti.clone()),
                "{} delivered twice",
                d.jti
            );
            let v = verify_set(&d.token, setpoll_fuzz::keyring(), &config.policy, now)
                .unwrap_or_else(|e| panic!("delivered SET does not verify: {e:?}"));
            assert_eq!(v.claims, d.claims);
            assert_eq!(d.claims.jti, d.jti);
            self.unsettled.push(d.jti.clone());
        }
    }
}

fn body_text(sets: &[(u8, u8)], more: Option<bool>, extra: bool) -> String {
    let tokens = setpoll_fuzz::valid_tokens();
    let mut out = String::from("{\"sets\":{");
    for (i, (key, pick)) in sets.iter().enumerate() {
        let Some((jti, token)) = tokens.get(usize::from(*pick) % tokens.len().max(1)) else {
            break;
        };
        if i > 0 {
            out.push(',');
        }
        let key = if key % 2 == 0 {
            jti.clone()
        } else {
            format!("stray-{key}")
        };
        out.push_str(&serde_json::to_string(&key).unwrap_or_default());
        out.push(':');
        out.push_str(&serde_json::to_string(token).unwrap_or_default());
    }
    out.push('}');
    if let Some(m) = more {
        out.push_str(&format!(",\"moreAvailable\":{m}"));
    }
    if extra {
        out.push_str(",\"x\":[1,{\"y\":null}]");
    }
    out.push('}');
    out
}

fuzz_target!(|ops: Vec<Op>| {
    let mut config = ReceiverConfig::new(
        setpoll_fuzz::ISSUER,
        setpoll_fuzz::AUDIENCE,
        setpoll_fuzz::first_key_only().clone(),
    );
    let Ok(mut receiver) = Receiver::new(config.clone()) else {
        panic!("vector receiver config refused");
    };
    let first = receiver.state();
    let mut journal: Vec<ReceiverChange> = Vec::new();
    let mut rng = setpoll_fuzz::CountingRng(7);
    let mut now = setpoll_fuzz::now();
    let mut seen = Seen::default();
    for op in ops.into_iter().take(64) {
        match op {
            // At most two minutes a step: the run stays inside the dedup window.
            Op::Advance(ms) => {
                now = now.saturating_add(std::time::Duration::from_millis(u64::from(ms % 120_000)));
            }
            Op::Ack(i) => {
                if !seen.unsettled.is_empty() {
                    let jti = seen.unsettled.remove(usize::from(i) % seen.unsettled.len());
                    receiver
                        .ack(&jti)
                        .unwrap_or_else(|e| panic!("ack {jti}: {e:?}"));
                }
            }
            Op::Reject(i, description) => {
                if !seen.unsettled.is_empty() {
                    let jti = seen.unsettled.remove(usize::from(i) % seen.unsettled.len());
                    receiver
                        .reject(&jti, SetErrCode::SetData, &description)
                        .unwrap_or_else(|e| panic!("reject {jti}: {e:?}"));
                }
            }
            Op::Save => {
                let mut state = first.clone();
                state
                    .apply(journal.clone())
                    .unwrap_or_else(|e| panic!("journal refused: {e:?}"));
                assert_eq!(state, receiver.state(), "journal replay differs");
                let text = state.to_json();
                let read = ReceiverState::from_json(&text)
                    .unwrap_or_else(|e| panic!("saved state refused: {e:?}\n{text}"));
                assert_eq!(read, state);
                let Ok(mut fresh) = Receiver::new(config.clone()) else {
                    panic!("config refused on restore");
                };
                fresh
                    .restore(read)
                    .unwrap_or_else(|e| panic!("restore refused: {e:?}"));
                receiver = fresh;
            }
            Op::Refresh => {
                config.keys = setpoll_fuzz::keyring().clone();
                let recheck = receiver.refresh_keys(config.keys.clone(), now);
                seen.deliveries(&recheck.deliveries, &config, now);
                assert!(receiver.keys_stale().is_none(), "every key is known now");
            }
            Op::RefreshFailed => receiver.refresh_keys_failed(now),
            Op::WrongId(id) => {
                let before = receiver.state();
                let in_flight = receiver.in_flight();
                if in_flight != Some(RequestId(id)) {
                    let result = receiver.handle_reply(
                        RequestId(id),
                        HttpResponse::new(200, b"{}"),
                        now,
                        &mut rng,
                    );
                    assert!(result.is_err());
                    assert_eq!(receiver.state(), before);
                    assert_eq!(receiver.in_flight(), in_flight);
                }
            }
            Op::Fail => {
                if let Some(request) = receiver.poll_request(now) {
                    let failure = receiver
                        .handle_no_reply(request.id, now, &mut rng)
                        .unwrap_or_else(|e| panic!("failure refused: {e:?}"));
                    assert!(failure.retry_at >= now);
                }
            }
            Op::Exchange {
                status,
                retry_after,
                body,
            } => {
                let Some(request) = receiver.poll_request(now) else {
                    continue;
                };
                let bytes = match &body {
                    Body::Raw(b) => b.clone(),
                    Body::Sets {
                        sets,
                        more_available,
                        extra_member,
                    } => body_text(sets, *more_available, *extra_member).into_bytes(),
                };
                let mut response = HttpResponse::new(status, &bytes);
                if let Some(v) = retry_after.as_deref() {
                    response = response.with_retry_after(v);
                }
                match receiver.handle_reply(request.id, response, now, &mut rng) {
                    Ok(PollOutcome::Batch(batch)) => {
                        assert_eq!(batch.request, request.id);
                        seen.deliveries(&batch.deliveries, &config, now);
                    }
                    Ok(PollOutcome::Failed(f)) => assert!(f.retry_at >= now),
                    Err(e) => panic!("answer to the request in flight refused: {e:?}"),
                }
            }
        }
        journal.extend(receiver.take_changes());
        let _: Option<Timestamp> = receiver.poll_timeout();
    }
});
