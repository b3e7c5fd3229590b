//! One unit test per transmitter rule.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use core::time::Duration;

use super::*;
use crate::codes::SetErrCode;
use crate::time::Timestamp;
use crate::wire::{EventPolling, EventPollingResponse, SetErr};

fn token(client: &str, jti: &str) -> String {
    use base64::Engine as _;
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let payload = serde_json::json!({ "iss": "https://bank.example/", "jti": jti, "aud": client });
    format!(
        "{}.{}.c2ln",
        b64(r#"{"alg":"ES256"}"#),
        b64(&payload.to_string())
    )
}

fn t(ms: u64) -> Timestamp {
    Timestamp::from_millis(ms)
}

fn cfg() -> TransmitterConfig {
    TransmitterConfig {
        visibility_timeout: Duration::from_millis(1_000),
        retention: Duration::from_millis(100_000),
        dead_letter_retention: Duration::from_millis(50_000),
        max_attempts: 3,
        ..TransmitterConfig::default()
    }
}

fn queue(config: TransmitterConfig) -> MemoryQueue {
    MemoryQueue::new(config).unwrap()
}

fn fill(q: &mut MemoryQueue, client: &str, jtis: &[&str], now: u64) {
    for j in jtis {
        let outcome = q.enqueue(token(client, j), t(now)).unwrap();
        assert!(matches!(outcome, EnqueueOutcome::Queued { .. }));
    }
}

fn req(max: Option<u32>) -> EventPolling {
    EventPolling {
        max_events: max,
        return_immediately: Some(true),
        ..EventPolling::default()
    }
}

fn acking(max: Option<u32>, ack: &[&str]) -> EventPolling {
    EventPolling {
        ack: ack.iter().map(|s| (*s).to_owned()).collect(),
        ..req(max)
    }
}

fn err(code: SetErrCode) -> SetErr {
    SetErr {
        err: code,
        description: "could not process".into(),
    }
}

fn respond(o: &PollOutcome) -> &EventPollingResponse {
    o.response().expect("a response, not a wait")
}

fn jtis(o: &PollOutcome) -> Vec<&str> {
    respond(o).sets.iter().map(|(j, _)| j.as_str()).collect()
}

// ---- 1. queues per client, enqueue -------------------------------------

#[test]
fn enqueue_keys_on_jti_per_aud_and_delivers_the_token_byte_for_byte() {
    let mut q = queue(cfg());
    let tok = token("tpp-a", "j1");
    let out = q.enqueue(tok.clone(), t(10)).unwrap();
    assert_eq!(out.wake(), Some("tpp-a"));
    let changes = out.changes();
    let [Change::Insert(rec)] = changes.as_slice() else {
        panic!("one insert expected")
    };
    assert_eq!(
        (rec.client.as_str(), rec.jti.as_str(), rec.seq),
        ("tpp-a", "j1", 1)
    );
    assert_eq!((rec.state, rec.attempts), (SetState::Pending, 0));
    assert_eq!(rec.expires_at, t(100_010));
    for round in 0..2 {
        let o = q.poll("tpp-a", &req(None), t(10 + round * 5_000));
        assert_eq!(respond(&o).sets, vec![("j1".to_owned(), tok.clone())]);
    }
}

#[test]
fn enqueueing_a_jti_twice_is_idempotent_per_client() {
    let mut q = queue(cfg());
    fill(&mut q, "a", &["j1"], 0);
    let again = q.enqueue(token("a", "j1"), t(5)).unwrap();
    assert_eq!(
        again,
        EnqueueOutcome::AlreadyQueued {
            client: "a".into(),
            jti: "j1".into(),
            seq: 1,
            state: SetState::Pending,
            same_token: true
        }
    );
    assert!(again.changes().is_empty() && again.wake().is_none());
    // A different token under the same jti is still not a second copy.
    let mut other = token("a", "j1");
    other.push('x');
    let clash = q.enqueue(other, t(6)).unwrap();
    assert!(matches!(
        clash,
        EnqueueOutcome::AlreadyQueued {
            same_token: false,
            ..
        }
    ));
    // The same jti for another client is that client's own SET.
    fill(&mut q, "b", &["j1"], 7);
    assert_eq!(q.len(), 2);
}

#[test]
fn seq_is_monotonic_per_client() {
    let mut q = queue(cfg());
    fill(&mut q, "a", &["x", "y"], 0);
    fill(&mut q, "b", &["z"], 0);
    fill(&mut q, "a", &["w"], 0);
    let seqs: Vec<_> = q
        .records()
        .iter()
        .map(|r| (r.client.clone(), r.seq))
        .collect();
    assert_eq!(
        seqs,
        vec![
            ("a".into(), 1),
            ("a".into(), 2),
            ("a".into(), 3),
            ("b".into(), 1)
        ]
    );
}

#[test]
fn enqueue_rejects_tokens_it_cannot_route() {
    let q = queue(cfg());
    let rules = q.rules();
    let e = |tok: String| rules.plan_enqueue(tok, t(0)).unwrap_err();
    assert_eq!(e("not-a-jws".into()).code(), "malformed_token");
    use base64::Engine as _;
    let b64 = |v: serde_json::Value| {
        format!(
            "e30.{}.c2ln",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
        )
    };
    assert_eq!(
        e(b64(serde_json::json!({"jti": "j"}))),
        EnqueueError::MissingAudience
    );
    assert_eq!(
        e(b64(serde_json::json!({"jti": "j", "aud": ["a", "b"]}))),
        EnqueueError::MultipleAudiences { count: 2 }
    );
    assert_eq!(
        e(b64(serde_json::json!({"jti": "j", "aud": ""}))),
        EnqueueError::BadClientId { chars: 0 }
    );
    assert_eq!(
        e(token("a", &"j".repeat(129))),
        EnqueueError::JtiTooLong { chars: 129 }
    );
    // A one-element array is a single audience.
    let ok = rules
        .plan_enqueue(b64(serde_json::json!({"jti": "j", "aud": ["a"]})), t(0))
        .unwrap();
    assert_eq!(ok.client, "a");
    assert!(!EnqueueError::SeqExhausted.to_string().is_empty());
}

// ---- 2. polls ------------------------------------------------------------

#[test]
fn oldest_first_with_deterministic_truncation() {
    let mut q = queue(cfg());
    fill(&mut q, "a", &["e1", "e2", "e3", "e4", "e5"], 0);
    let o = q.poll("a", &req(Some(2)), t(1));
    assert_eq!(jtis(&o), vec!["e1", "e2"]);
    assert!(respond(&o).more_available);
    let o = q.poll("a", &req(Some(2)), t(2));
    assert_eq!(jtis(&o), vec!["e3", "e4"]);
    let o = q.poll("a", &req(Some(2)), t(3));
    assert_eq!(jtis(&o), vec!["e5"]);
    assert!(!respond(&o).more_available);
}

#[test]
fn acks_are_applied_before_sets_are_chosen() {
    let mut q = queue(cfg());
    fill(&mut q, "a", &["e1", "e2", "e3"], 0);
    let _ = q.poll("a", &req(Some(2)), t(1));
    // After the visibility timeout e1/e2 are deliverable again; acking them
    // first means only e3 comes back.
    let o = q.poll("a", &acking(Some(2), &["e1", "e2"]), t(5_000));
    assert_eq!(jtis(&o), vec!["e3"]);
    assert!(!respond(&o).more_available);
    let deletes: Vec<_> = o
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::Delete { jti, reason, .. } => Some((jti.as_str(), *reason)),
            _ => None,
        })
        .collect();
    assert_eq!(
        deletes,
        vec![
            ("e1", DeleteReason::Acknowledged),
            ("e2", DeleteReason::Acknowledged)
        ]
    );
    assert_eq!(q.len(), 1);
}

#[test]
fn unknown_foreign_or_stale_acks_change_nothing_and_reveal_nothing() {
    let mut a = queue(cfg());
    fill(&mut a, "a", &["mine"], 0);
    fill(&mut a, "b", &["theirs", "gone"], 0);
    let _ = a.poll("b", &req(None), t(1));
    let _ = a.poll("b", &acking(Some(0), &["gone"]), t(2));
    let before = a.records();
    let mut bad = acking(None, &["theirs", "gone", "never-existed"]);
    bad.set_errs = vec![("theirs".into(), err(SetErrCode::Jws))];
    let with = a.poll("a", &bad, t(3));
    // The twin gets the same request without any feedback.
    let mut twin = queue(cfg());
    fill(&mut twin, "a", &["mine"], 0);
    let without = twin.poll("a", &req(None), t(3));
    assert_eq!(with, without);
    // Client b's records are untouched.
    let b_before: Vec<_> = before.iter().filter(|r| r.client == "b").collect();
    let after = a.records();
    let b_after: Vec<_> = after.iter().filter(|r| r.client == "b").collect();
    assert_eq!(b_before, b_after);
    assert!(with.changes.iter().all(|c| c.client() == "a"));
}

#[test]
fn a_replayed_request_is_harmless() {
    let mut q = queue(cfg());
    fill(&mut q, "a", &["e1", "e2", "e3"], 0);
    let _ = q.poll("a", &req(Some(1)), t(1));
    let mut r = acking(Some(0), &["e1"]);
    r.set_errs = vec![("e2".into(), err(SetErrCode::SetData))];
    let first = q.poll("a", &r, t(2));
    assert_eq!(first.changes.len(), 2);
    let state = q.records();
    let second = q.poll("a", &r, t(3));
    assert!(second.changes.is_empty());
    assert_eq!(q.records(), state);
    assert_eq!(respond(&first), respond(&second));
}

#[test]
fn a_jti_both_acked_and_errored_is_dead_lettered() {
    let mut q = queue(cfg());
    fill(&mut q, "a", &["e1"], 0);
    let _ = q.poll("a", &req(None), t(1));
    let mut r = acking(Some(0), &["e1"]);
    r.set_errs = vec![("e1".into(), err(SetErrCode::JwtCrypto))];
    let o = q.poll("a", &r, t(2));
    assert_eq!(o.changes.len(), 1);
    let rec = q.get("a", "e1").unwrap();
    assert_eq!(rec.state, SetState::DeadLetter);
    let failure = rec.last_error.unwrap();
    assert_eq!(failure.at, t(2));
    assert_eq!(
        failure.reason,
        FailureReason::SetErr {
            err: SetErrCode::JwtCrypto,
            description: "could not process".into()
        }
    );
}

#[test]
fn max_events_zero_returns_nothing_and_answers_at_once() {
    let mut q = queue(TransmitterConfig {
        long_poll_max_wait: Some(Duration::from_secs(30)),
        ..cfg()
    });
    let mut r = req(Some(0));
    r.return_immediately = Some(false);
    let o = q.poll("a", &r, t(0));
    assert_eq!(respond(&o), &EventPollingResponse::default());
    fill(&mut q, "a", &["e1"], 0);
    let o = q.poll("a", &r, t(1));
    assert!(respond(&o).sets.is_empty());
    assert!(respond(&o).more_available, "a SET waits");
    assert!(o.changes.is_empty());
}

#[test]
fn absent_max_events_means_the_configured_default_and_the_limit_always_applies() {
    let small = |profile| TransmitterConfig {
        profile,
        default_max_events: 2,
        max_events_limit: 3,
        ..cfg()
    };
    let names = ["e1", "e2", "e3", "e4"];
    let mut obie = queue(small(Profile::Obie));
    fill(&mut obie, "a", &names, 0);
    assert_eq!(jtis(&obie.poll("a", &req(None), t(1))).len(), 2);
    let mut rfc = queue(small(Profile::Rfc8936));
    fill(&mut rfc, "a", &names, 0);
    assert_eq!(jtis(&rfc.poll("a", &req(None), t(1))).len(), 2);
    let mut capped = queue(small(Profile::Rfc8936));
    fill(&mut capped, "a", &names, 0);
    let o = capped.poll("a", &req(Some(u32::MAX)), t(1));
    assert_eq!(jtis(&o).len(), 3);
    assert!(respond(&o).more_available);
}

#[test]
fn more_available_is_exact() {
    let mut q = queue(cfg());
    fill(&mut q, "a", &["e1", "e2"], 0);
    let o = q.poll("a", &req(Some(2)), t(1));
    assert!(!respond(&o).more_available, "exactly the batch remained");
    fill(&mut q, "a", &["e3", "e4", "e5"], 1);
    let o = q.poll("a", &req(Some(2)), t(2));
    assert!(respond(&o).more_available);
    // Acks remove candidates the plan loaded: e3/e4 are in flight, e5
    // waits; acking e3/e4 leaves e5 as the only one returned.
    let o = q.poll("a", &acking(Some(1), &["e3", "e4"]), t(3));
    assert_eq!(jtis(&o), vec!["e5"]);
    assert!(!respond(&o).more_available);
    // In-flight SETs are not "available".
    let o = q.poll("a", &req(Some(5)), t(4));
    assert_eq!((jtis(&o).len(), respond(&o).more_available), (0, false));
}

#[test]
fn long_polling_only_where_enabled_and_allowed() {
    let mut r = req(None);
    r.return_immediately = None;
    // Disabled by default: an empty answer at once.
    let mut off = queue(cfg());
    assert_eq!(
        respond(&off.poll("a", &r, t(0))),
        &EventPollingResponse::default()
    );
    let wait_cfg = |profile| TransmitterConfig {
        profile,
        long_poll_max_wait: Some(Duration::from_millis(20_000)),
        ..cfg()
    };
    let mut q = queue(wait_cfg(Profile::Obie));
    let o = q.poll("a", &r, t(100));
    let PollDecision::Wait(wait) = o.decision else {
        panic!("expected a wait")
    };
    assert_eq!((wait.client.as_str(), wait.until), ("a", t(20_100)));
    // returnImmediately: true never waits.
    assert!(q.poll("a", &req(None), t(100)).response().is_some());
    // Woken by an enqueue for the client: the SET is delivered.
    fill(&mut q, "a", &["e1"], 200);
    assert_eq!(jtis(&q.resume(&wait, t(200))), vec!["e1"]);
    // Woken with nothing deliverable before the deadline: wait again, same deadline.
    let again = q.resume(&wait, t(300));
    assert!(matches!(again.decision, PollDecision::Wait(ref w) if w.until == t(20_100)));
    let _ = q.poll("a", &acking(Some(0), &["e1"]), t(350));
    // At the deadline: an empty answer.
    assert_eq!(
        respond(&q.resume(&wait, t(20_100))),
        &EventPollingResponse::default()
    );
    // OBIE: a request carrying acks answers at once; RFC 8936 may wait,
    // and its ack is applied (and returned for persisting) before it waits.
    let mut with_ack = r.clone();
    with_ack.ack = vec!["e1".into()];
    let o = q.poll("a", &with_ack, t(400));
    assert!(o.response().is_some());
    let mut rfc = queue(wait_cfg(Profile::Rfc8936));
    fill(&mut rfc, "a", &["e1"], 0);
    let _ = rfc.poll("a", &req(None), t(1));
    let o = rfc.poll("a", &with_ack, t(2));
    assert!(matches!(o.decision, PollDecision::Wait(ref w) if w.request.ack.is_empty()));
    assert!(matches!(
        o.changes.as_slice(),
        [Change::Delete {
            reason: DeleteReason::Acknowledged,
            ..
        }]
    ));
}

#[test]
fn profiles_expose_their_choices() {
    assert!(Profile::Obie.reject_unknown_members());
    assert!(!Profile::Rfc8936.reject_unknown_members());
    // Hosts read bodies with the options the configuration names.
    let options = |profile| {
        TransmitterConfig {
            profile,
            ..TransmitterConfig::default()
        }
        .request_options()
    };
    assert!(options(Profile::Obie).reject_unknown_members);
    assert!(!options(Profile::Rfc8936).reject_unknown_members);
    assert_eq!(
        options(Profile::Obie).limits,
        crate::wire::RequestLimits::default()
    );
    assert!(!Profile::Obie.long_poll_with_feedback());
    assert!(Profile::Rfc8936.long_poll_with_feedback());
    assert_eq!(Profile::default(), Profile::Obie);
}

// ---- 3. delivery policy ------------------------------------------------------

#[test]
fn unacknowledged_sets_come_back_after_the_visibility_timeout() {
    let mut q = queue(cfg());
    fill(&mut q, "a", &["e1"], 0);
    assert_eq!(jtis(&q.poll("a", &req(None), t(0))), vec!["e1"]);
    assert!(jtis(&q.poll("a", &req(None), t(999))).is_empty());
    assert_eq!(jtis(&q.poll("a", &req(None), t(1_000))), vec!["e1"]);
    assert_eq!(q.get("a", "e1").unwrap().attempts, 2);
}

#[test]
fn out_of_attempts_sets_are_dead_lettered_by_the_sweep() {
    let mut q = queue(cfg()); // 3 attempts, 1 s visibility
    fill(&mut q, "a", &["e1"], 0);
    for i in 0..3 {
        assert_eq!(jtis(&q.poll("a", &req(None), t(i * 1_000))), vec!["e1"]);
    }
    assert!(jtis(&q.poll("a", &req(None), t(5_000))).is_empty());
    let s = q.sweep(t(5_000), usize::MAX);
    assert!(!s.more);
    assert_eq!(s.changes.len(), 1);
    let rec = q.get("a", "e1").unwrap();
    assert_eq!(rec.state, SetState::DeadLetter);
    assert_eq!(
        rec.last_error.unwrap().reason,
        FailureReason::MaxAttempts { attempts: 3 }
    );
    assert_eq!(rec.expires_at, t(55_000));
    // A late ack of a dead letter changes nothing.
    assert!(q
        .poll("a", &acking(Some(0), &["e1"]), t(6_000))
        .changes
        .is_empty());
}

#[test]
fn a_set_err_dead_letters_by_default() {
    let mut q = queue(cfg());
    fill(&mut q, "a", &["e1", "e2"], 0);
    let _ = q.poll("a", &req(Some(1)), t(0));
    let mut r = req(None);
    r.set_errs = vec![("e1".into(), err(SetErrCode::Other("custom_code".into())))];
    let o = q.poll("a", &r, t(10));
    assert_eq!(jtis(&o), vec!["e2"]);
    assert!(!respond(&o).more_available);
    let rec = q.get("a", "e1").unwrap();
    assert_eq!(rec.state, SetState::DeadLetter);
    assert!(matches!(
        rec.last_error.unwrap().reason,
        FailureReason::SetErr { err: SetErrCode::Other(ref c), .. } if c == "custom_code"
    ));
    assert!(jtis(&q.poll("a", &req(None), t(10_000))).contains(&"e2"));
    assert!(!jtis(&q.poll("a", &req(None), t(20_000))).contains(&"e1"));
}

#[test]
fn redeliver_mode_sends_errored_sets_again() {
    let mut q = queue(TransmitterConfig {
        on_set_err: SetErrPolicy::Redeliver,
        ..cfg()
    });
    fill(&mut q, "a", &["e1"], 0);
    let _ = q.poll("a", &req(None), t(0));
    let mut r = req(None);
    r.set_errs = vec![("e1".into(), err(SetErrCode::Jws))];
    let o = q.poll("a", &r, t(10));
    assert!(jtis(&o).is_empty(), "not in the response that reported it");
    assert!(respond(&o).more_available, "but available again");
    let rec = q.get("a", "e1").unwrap();
    assert_eq!((rec.state, rec.visible_at), (SetState::Delivered, t(10)));
    assert!(rec.last_error.is_some());
    assert_eq!(jtis(&q.poll("a", &req(None), t(11))), vec!["e1"]);
    // Attempts still bound it: the third error dead-letters.
    let _ = q.poll("a", &r, t(12));
    let _ = q.poll("a", &req(None), t(13));
    let _ = q.poll("a", &r, t(14));
    assert_eq!(q.get("a", "e1").unwrap().state, SetState::DeadLetter);
}

#[test]
fn deliver_once_removes_on_delivery_and_ignores_feedback() {
    let mut q = queue(TransmitterConfig {
        delivery: DeliveryMode::DeliverOnce,
        ..cfg()
    });
    fill(&mut q, "a", &["e1", "e2"], 0);
    let o = q.poll("a", &req(Some(1)), t(0));
    assert_eq!(jtis(&o), vec!["e1"]);
    assert!(matches!(
        o.changes.as_slice(),
        [Change::Delete {
            reason: DeleteReason::DeliveredOnce,
            ..
        }]
    ));
    let mut r = acking(Some(0), &["e2"]);
    r.set_errs = vec![("e2".into(), err(SetErrCode::Jws))];
    let o = q.poll("a", &r, t(1));
    assert!(o.changes.is_empty());
    assert_eq!(q.get("a", "e2").unwrap().state, SetState::Pending);
}

#[test]
fn retention_expires_undelivered_sets_and_purges_dead_letters() {
    let mut q = queue(cfg()); // retention 100 s, dead letters 50 s
    fill(&mut q, "a", &["old", "dead"], 0);
    let _ = q.poll("a", &req(Some(1)), t(0)); // delivers "old"
    let _ = q.poll("a", &req(Some(1)), t(1_000)); // redelivers "old"
    let mut r = req(Some(0));
    r.set_errs = vec![("dead".into(), err(SetErrCode::Dup))];
    let _ = q.poll("a", &r, t(90_000)); // "dead" kept until 140 s
    assert!(
        jtis(&q.poll("a", &req(None), t(100_000))).is_empty(),
        "expired"
    );
    let s = q.sweep(t(100_000), usize::MAX);
    assert!(matches!(
        s.changes.as_slice(),
        [Change::Delete { reason: DeleteReason::Expired, jti, .. }] if jti == "old"
    ));
    let s = q.sweep(t(140_000), usize::MAX);
    assert!(matches!(
        s.changes.as_slice(),
        [Change::Delete {
            reason: DeleteReason::Purged,
            ..
        }]
    ));
    assert!(q.is_empty());
}

#[test]
fn sweep_work_is_bounded_and_resumes() {
    let mut q = queue(cfg());
    fill(&mut q, "a", &["a1", "a2", "a3"], 0);
    fill(&mut q, "b", &["b1", "b2"], 0);
    let mut deleted = 0;
    let mut calls = 0;
    loop {
        let s = q.sweep(t(200_000), 2);
        calls += 1;
        deleted += s.changes.len();
        if !s.more {
            break;
        }
    }
    assert_eq!((deleted, calls), (5, 3));
    assert!(q.is_empty());
}

#[test]
fn config_is_validated_with_typed_errors() {
    let bad = |c: TransmitterConfig| Transmitter::new(c).unwrap_err();
    let base = TransmitterConfig::default();
    assert_eq!(base.validate(), Ok(()));
    let e = bad(TransmitterConfig {
        max_events_limit: 0,
        ..base.clone()
    });
    assert_eq!(e.code(), "zero_max_events_limit");
    let e = bad(TransmitterConfig {
        default_max_events: 2000,
        ..base.clone()
    });
    assert_eq!(
        e,
        ConfigError::DefaultAboveLimit {
            default: 2000,
            limit: 1000
        }
    );
    assert!(e.to_string().contains("2000"));
    let e = bad(TransmitterConfig {
        default_max_events: 0,
        ..base.clone()
    });
    assert_eq!(e.code(), "zero_default_max_events");
    let e = bad(TransmitterConfig {
        max_attempts: 0,
        ..base.clone()
    });
    assert_eq!(e.code(), "zero_max_attempts");
    let e = bad(TransmitterConfig {
        long_poll_max_wait: Some(Duration::ZERO),
        ..base.clone()
    });
    assert_eq!(
        e,
        ConfigError::ZeroDuration {
            field: "long_poll_max_wait"
        }
    );
    let e = bad(TransmitterConfig {
        visibility_timeout: Duration::ZERO,
        ..base
    });
    assert_eq!(e.code(), "zero_duration");
}

// ---- 4/5. persistence and the storage-neutral form ---------------------------

#[test]
fn rebuilding_from_persisted_records_gives_the_same_state_and_behaviour() {
    let mut q = queue(cfg());
    let mut db: Vec<Change> = Vec::new();
    for j in ["e1", "e2", "e3", "e4"] {
        db.extend(q.enqueue(token("a", j), t(0)).unwrap().changes());
    }
    db.extend(q.poll("a", &req(Some(2)), t(1)).changes);
    let mut r = acking(Some(1), &["e1"]);
    r.set_errs = vec![("e2".into(), err(SetErrCode::Jws))];
    db.extend(q.poll("a", &r, t(2)).changes);
    // Replay the change log into a fresh queue.
    let mut replica = queue(cfg());
    for c in &db {
        replica.apply(c).unwrap();
    }
    assert_eq!(replica.records(), q.records());
    let mut rebuilt = MemoryQueue::from_records(q.rules().clone(), q.records()).unwrap();
    assert_eq!(rebuilt.records(), q.records());
    let (x, y) = (
        q.poll("a", &req(None), t(5_000)),
        rebuilt.poll("a", &req(None), t(5_000)),
    );
    assert_eq!(x, y);
    assert_eq!(rebuilt.records(), q.records());
}

#[test]
fn rebuild_refuses_conflicting_records() {
    let mut q = queue(cfg());
    fill(&mut q, "a", &["e1", "e2"], 0);
    let mut recs = q.records();
    let rules = q.rules().clone();
    recs[1].jti = "e1".into();
    let e = MemoryQueue::from_records(rules.clone(), recs.clone()).unwrap_err();
    assert_eq!(e.code(), "duplicate_jti");
    recs[1].jti = "e3".into();
    recs[1].seq = 1;
    let e = MemoryQueue::from_records(rules, recs).unwrap_err();
    assert_eq!(e.code(), "duplicate_seq");
    let e = q
        .apply(&Change::Update(SetUpdate {
            client: "zz".into(),
            jti: "e1".into(),
            seq: 1,
            state: SetState::Delivered,
            attempts: 1,
            visible_at: t(0),
            expires_at: t(0),
            last_error: None,
        }))
        .unwrap_err();
    assert_eq!(e.code(), "unknown_record");
}

#[test]
fn storage_neutral_steps_match_the_memory_queue_and_ignore_foreign_rows() {
    let rules = Transmitter::new(cfg()).unwrap();
    let mut db: Vec<SetRecord> = Vec::new();
    for (i, (c, j)) in [("a", "e1"), ("b", "x1"), ("a", "e2")].iter().enumerate() {
        let plan = rules.plan_enqueue(token(c, j), t(i as u64)).unwrap();
        let newest = db
            .iter()
            .filter(|r| r.client == plan.client)
            .map(|r| r.seq)
            .max();
        let EnqueueOutcome::Queued { record } = rules.decide_enqueue(plan, None, newest).unwrap()
        else {
            panic!("new")
        };
        db.push(record);
    }
    let plan = rules.plan_poll("a", &req(None), t(10));
    assert_eq!(plan.deliverable.limit, 101, "default batch + 1");
    // A buggy loader that returns every row, including client b's.
    let o = rules.decide_poll(&plan, db.clone(), db.clone());
    assert_eq!(jtis(&o), vec!["e1", "e2"]);
    assert!(o.changes.iter().all(|c| c.client() == "a"));
    let mut mem = queue(cfg());
    for (i, (c, j)) in [("a", "e1"), ("b", "x1"), ("a", "e2")].iter().enumerate() {
        let _ = mem.enqueue(token(c, j), t(i as u64)).unwrap();
    }
    assert_eq!(mem.poll("a", &req(None), t(10)), o);
    // Records and changes are plain serialisable data.
    for c in &o.changes {
        let json = serde_json::to_string(c).unwrap();
        assert_eq!(&serde_json::from_str::<Change>(&json).unwrap(), c);
    }
    let json = serde_json::to_value(&db[0]).unwrap();
    assert_eq!(json["state"], "pending");
}

#[test]
fn a_decide_enqueue_with_the_wrong_row_is_refused() {
    let rules = Transmitter::new(cfg()).unwrap();
    let plan = rules.plan_enqueue(token("a", "e1"), t(0)).unwrap();
    let other = rules
        .decide_enqueue(
            rules.plan_enqueue(token("b", "e1"), t(0)).unwrap(),
            None,
            None,
        )
        .unwrap();
    let EnqueueOutcome::Queued { record } = other else {
        panic!("new")
    };
    assert_eq!(
        rules.decide_enqueue(plan.clone(), Some(&record), None),
        Err(EnqueueError::LoadMismatch)
    );
    assert_eq!(
        rules.decide_enqueue(plan, None, Some(u64::MAX)),
        Err(EnqueueError::SeqExhausted)
    );
}

#[test]
fn states_have_stable_names() {
    for s in [SetState::Pending, SetState::Delivered, SetState::DeadLetter] {
        assert_eq!(SetState::from_name(s.as_str()), Some(s));
        assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
    }
    assert_eq!(SetState::from_name("acked"), None);
    assert_eq!(DeleteReason::DeliveredOnce.code(), "delivered_once");
}

#[test]
fn policy_names_round_trip_and_unknown_names_are_refused() {
    for &name in Profile::NAMES {
        assert_eq!(Profile::from_name(name).map(Profile::as_str), Some(name));
    }
    for &name in SetErrPolicy::NAMES {
        assert_eq!(
            SetErrPolicy::from_name(name).map(SetErrPolicy::as_str),
            Some(name)
        );
    }
    for &name in DeliveryMode::NAMES {
        assert_eq!(
            DeliveryMode::from_name(name).map(DeliveryMode::as_str),
            Some(name)
        );
    }
    assert_eq!(Profile::from_name("OBIE"), None);
    assert_eq!(SetErrPolicy::from_name("dead-letter"), None);
    assert_eq!(DeliveryMode::from_name(""), None);
    assert_eq!(Profile::default().as_str(), "obie");
}

/// The flat readers of the tagged records accept exactly what the derived
/// writer produces, with the tag anywhere (as JSONB reorders keys), and name
/// the field a variant is missing.
#[test]
fn tagged_records_read_back_in_any_key_order() {
    use crate::transmitter::{FailureReason, SetFailure};
    let record = SetRecord {
        seq: 7,
        client: "c".into(),
        jti: "j".into(),
        token: "a.b.c".into(),
        state: SetState::DeadLetter,
        attempts: 3,
        visible_at: t(5),
        enqueued_at: t(1),
        expires_at: t(9),
        last_error: Some(SetFailure {
            reason: FailureReason::SetErr {
                err: SetErrCode::Other("custom".into()),
                description: "bad".into(),
            },
            at: t(4),
        }),
    };
    let mut update = record.update();
    update.last_error = Some(SetFailure {
        reason: FailureReason::MaxAttempts { attempts: 3 },
        at: t(6),
    });
    let changes = [
        Change::Insert(record.clone()),
        Change::Update(update),
        Change::Update(SetUpdate {
            last_error: None,
            ..record.update()
        }),
        Change::Delete {
            client: "c".into(),
            jti: "j".into(),
            seq: 7,
            reason: DeleteReason::DeliveredOnce,
        },
    ];
    for c in &changes {
        let value = serde_json::to_value(c).unwrap();
        assert_eq!(&serde_json::from_value::<Change>(value.clone()).unwrap(), c);
        // Keys reversed: the tag comes last.
        let serde_json::Value::Object(map) = value else {
            panic!("object")
        };
        let reversed: serde_json::Map<_, _> = map.into_iter().rev().collect();
        let text = serde_json::to_string(&reversed).unwrap();
        assert!(
            text.ends_with(&format!("\"op\":\"{}\"}}", c_op(c))),
            "{text}"
        );
        assert_eq!(&serde_json::from_str::<Change>(&text).unwrap(), c);
    }
    let err = |text: &str| {
        serde_json::from_str::<Change>(text)
            .unwrap_err()
            .to_string()
    };
    let key = r#""client":"c","jti":"j","seq":1"#;
    assert!(err(&format!(r#"{{{key}}}"#)).contains("missing field `op`"));
    assert!(err(&format!(r#"{{"op":"upsert",{key}}}"#)).contains("unknown variant `upsert`"));
    assert!(err(&format!(r#"{{"op":"delete",{key}}}"#)).contains("missing field `reason`"));
    assert!(
        err(&format!(r#"{{"op":"insert",{key},"state":"pending"}}"#))
            .contains("missing field `token`")
    );
    assert!(err(&format!(
        r#"{{"op":"update",{key},"state":"pending","attempts":1,"visible_at":1}}"#
    ))
    .contains("missing field `expires_at`"));
    assert!(
        err(r#"{"op":"delete","jti":"j","seq":1,"reason":"expired"}"#)
            .contains("missing field `client`")
    );
    let reason = |text: &str| serde_json::from_str::<FailureReason>(text);
    assert_eq!(
        reason(r#"{"attempts":2,"kind":"max_attempts"}"#).unwrap(),
        FailureReason::MaxAttempts { attempts: 2 }
    );
    assert!(reason(r#"{"kind":"set_err","err":"jwtAud"}"#)
        .unwrap_err()
        .to_string()
        .contains("missing field `description`"));
    assert!(reason(r#"{"kind":"max_attempts"}"#).is_err());
}

fn c_op(c: &Change) -> &'static str {
    match c {
        Change::Insert(_) => "insert",
        Change::Update(_) => "update",
        Change::Delete { .. } => "delete",
    }
}

// ---- the sweep's budget and `more`, in both forms -------------------------

/// The storage-neutral sweep over `records`, loading as the docs say: each
/// query in `(client, seq)` order, at most `plan.limit` rows.
fn storage_sweep(
    rules: &Transmitter,
    records: &[SetRecord],
    now: Timestamp,
    budget: usize,
) -> SweepOutcome {
    let plan = rules.plan_sweep(now, budget);
    let mut sorted = records.to_vec();
    sorted.sort_by(|a, b| (&a.client, a.seq).cmp(&(&b.client, b.seq)));
    let expired: Vec<SetRecord> = sorted
        .iter()
        .filter(|r| r.expires_at <= now)
        .take(plan.limit)
        .cloned()
        .collect();
    let exhausted: Vec<SetRecord> = sorted
        .iter()
        .filter(|r| {
            r.state == SetState::Delivered && r.attempts >= plan.max_attempts && r.visible_at <= now
        })
        .take(plan.limit)
        .cloned()
        .collect();
    let full = expired.len() == plan.limit || exhausted.len() == plan.limit;
    rules.decide_sweep(&plan, &[exhausted, expired].concat(), full)
}

/// Sweep `q` and the storage form over the same records; they must agree.
fn sweep_both(q: &mut MemoryQueue, now: u64, budget: usize) -> SweepOutcome {
    let records = q.records();
    let stored = storage_sweep(q.rules(), &records, t(now), budget);
    let memory = q.sweep(t(now), budget);
    assert_eq!(memory, stored, "the two forms disagree");
    memory
}

fn deleted(s: &SweepOutcome) -> Vec<&str> {
    s.changes.iter().map(Change::jti).collect()
}

/// Three SETs expire at 100 s; two fresh ones sit between them in `seq`
/// order (a budget counting rows examined would stop at those).
fn three_due_among_five() -> MemoryQueue {
    let mut q = queue(cfg());
    fill(&mut q, "a", &["e1"], 0);
    fill(&mut q, "a", &["fresh1"], 50_000);
    fill(&mut q, "a", &["e2"], 0);
    fill(&mut q, "a", &["fresh2"], 50_000);
    fill(&mut q, "a", &["e3"], 0);
    q
}

#[test]
fn a_sweep_with_nothing_due_changes_nothing_and_has_no_more() {
    let mut q = three_due_among_five();
    for budget in [0, 1, 2, usize::MAX] {
        let s = sweep_both(&mut q, 99_999, budget);
        assert_eq!((s.changes.len(), s.more), (0, false));
    }
    assert_eq!(q.len(), 5);
}

#[test]
fn a_sweep_with_exactly_budget_due_takes_them_all_and_has_no_more() {
    let mut q = three_due_among_five();
    let s = sweep_both(&mut q, 100_000, 3);
    assert_eq!(deleted(&s), vec!["e1", "e2", "e3"]);
    assert!(!s.more, "nothing due remains");
    assert_eq!(q.len(), 2);
    // Budget 1 with one due: the same edge at the smallest budget.
    let mut q = queue(cfg());
    fill(&mut q, "a", &["only"], 0);
    fill(&mut q, "b", &["fresh"], 90_000);
    let s = sweep_both(&mut q, 100_000, 1);
    assert_eq!((deleted(&s), s.more), (vec!["only"], false));
}

#[test]
fn a_sweep_with_one_more_than_budget_due_says_more_and_the_next_call_finishes() {
    let mut q = three_due_among_five();
    let s = sweep_both(&mut q, 100_000, 2);
    assert_eq!((deleted(&s), s.more), (vec!["e1", "e2"], true));
    let s = sweep_both(&mut q, 100_000, 2);
    assert_eq!((deleted(&s), s.more), (vec!["e3"], false));
    // Budget 1 (and 0, which counts as 1): one change per call, in order.
    let mut q = three_due_among_five();
    let mut order = Vec::new();
    for budget in [0, 1, 1] {
        let s = sweep_both(&mut q, 100_000, budget);
        order.extend(deleted(&s).into_iter().map(str::to_owned));
        assert_eq!(s.more, order.len() < 3);
    }
    assert_eq!(order, ["e1", "e2", "e3"]);
    assert_eq!(q.rules().plan_sweep(t(0), 0).limit, 2);
    assert_eq!(
        q.rules().plan_sweep(t(0), usize::MAX).budget(),
        usize::MAX - 1
    );
}

#[test]
fn a_sweep_takes_the_first_due_records_across_clients_and_kinds() {
    let mut q = queue(cfg()); // 3 attempts, 1 s visibility
    fill(&mut q, "b", &["b-old"], 0);
    fill(&mut q, "a", &["a-spent"], 95_000);
    for i in 0..3 {
        let _ = q.poll("a", &req(None), t(95_000 + i * 1_000));
    }
    fill(&mut q, "a", &["a-old"], 0);
    // At 100 s: a-spent is out of attempts, a-old and b-old expired.
    let s = sweep_both(&mut q, 100_000, 2);
    assert!(matches!(
        s.changes.as_slice(),
        [Change::Update(u), Change::Delete { jti, .. }] if u.jti == "a-spent" && jti == "a-old"
    ));
    assert!(s.more);
    let s = sweep_both(&mut q, 100_000, 2);
    assert_eq!((deleted(&s), s.more), (vec!["b-old"], false));
}

#[test]
fn a_change_between_sweeps_restarts_the_scan() {
    let mut q = queue(cfg());
    fill(&mut q, "b", &["b1", "b2"], 0);
    let s = sweep_both(&mut q, 100_000, 1);
    assert_eq!((deleted(&s), s.more), (vec!["b1"], true));
    // A record inserted before where the loop stopped, already expired
    // (a replayed change, or a host whose clocks disagree).
    let mut early = q.get("b", "b2").unwrap();
    early.client = "a".into();
    q.apply(&Change::Insert(early)).unwrap();
    let s = sweep_both(&mut q, 100_000, 1);
    assert_eq!((deleted(&s), s.more), (vec!["b2"], true), "a sorts first");
    assert_eq!(s.changes[0].client(), "a");
    let s = sweep_both(&mut q, 100_000, 1);
    assert_eq!((deleted(&s), s.more), (vec!["b2"], false));
    assert!(q.is_empty());
}

#[test]
fn a_dead_letter_still_due_at_the_end_of_time_is_purged_by_the_next_call() {
    let mut q = queue(cfg());
    fill(&mut q, "a", &["spent", "later"], u64::MAX - 200_000);
    for i in 0..3 {
        let _ = q.poll("a", &req(Some(1)), t(u64::MAX - 200_000 + i * 1_000));
    }
    // At the end of time the dead letter's retention saturates: still due.
    let s = sweep_both(&mut q, u64::MAX, 1);
    assert!(matches!(s.changes.as_slice(), [Change::Update(u)] if u.jti == "spent"));
    assert!(s.more);
    let s = sweep_both(&mut q, u64::MAX, 1);
    assert!(matches!(
        s.changes.as_slice(),
        [Change::Delete { jti, reason: DeleteReason::Purged, .. }] if jti == "spent"
    ));
    let s = sweep_both(&mut q, u64::MAX, 1);
    assert_eq!((deleted(&s), s.more), (vec!["later"], false));
}

#[test]
fn decide_sweep_never_says_more_without_a_change() {
    let rules = Transmitter::new(cfg()).unwrap();
    let mut q = queue(cfg());
    fill(&mut q, "a", &["e1", "e2", "e3"], 0);
    let rows = q.records();
    // A host that loaded fewer rows than planned but saw a full query.
    let plan = rules.plan_sweep(t(100_000), 2);
    let s = rules.decide_sweep(&plan, &rows[..2], true);
    assert_eq!((s.changes.len(), s.more), (2, true));
    // Full but nothing due (not yet expired): no change, so no more.
    let s = rules.decide_sweep(&rules.plan_sweep(t(10), 2), &rows, true);
    assert_eq!((s.changes.len(), s.more), (0, false));
    // A hand-made plan with limit 0 or 1 still acts on one record per call.
    for limit in [0, 1] {
        let plan = SweepPlan {
            limit,
            ..rules.plan_sweep(t(100_000), 1)
        };
        assert_eq!(plan.budget(), 1);
        let s = rules.decide_sweep(&plan, &rows, false);
        assert_eq!((deleted(&s), s.more), (vec!["e1"], true));
    }
    // A row loaded by both queries counts once.
    let twice = [rows.clone(), rows.clone()].concat();
    let s = rules.decide_sweep(&rules.plan_sweep(t(100_000), 3), &twice, false);
    assert_eq!((s.changes.len(), s.more), (3, false));
}

// ---- plans altered by a host -------------------------------------------------

#[test]
fn an_altered_plan_is_harmless() {
    // Plans are plain values the host could change before deciding; the
    // decision still keeps to what the configuration allows.
    let rules = Transmitter::new(cfg()).unwrap();
    // Consistent but raised: a batch above what the request and the
    // configuration allow is capped when deciding.
    let mut q = queue(cfg());
    fill(&mut q, "a", &["e1", "e2", "e3"], 0);
    let mut greedy = rules.plan_poll("a", &req(Some(1)), t(1));
    greedy.batch = 3;
    greedy.deliverable.limit = 4;
    let o = rules.decide_poll(&greedy, Vec::new(), q.records());
    assert_eq!((jtis(&o), respond(&o).more_available), (vec!["e1"], true));

    // A sweep plan with another limit or attempt count: bounded by its
    // limit, acting only on what the configuration says is due.
    let plan = SweepPlan {
        limit: 2,
        max_attempts: 1,
        ..rules.plan_sweep(t(100_000), 50)
    };
    let mut q = queue(cfg());
    fill(&mut q, "a", &["e1", "e2"], 0);
    let _ = q.poll("a", &req(Some(1)), t(1)); // delivered once of 3: not spent
    let s = rules.decide_sweep(&plan, &q.records(), false);
    assert!(matches!(
        s.changes.as_slice(),
        [Change::Delete { reason: DeleteReason::Expired, jti, .. }] if jti == "e1"
    ));
    assert!(s.more);
    let not_yet = SweepPlan {
        now: t(50_000),
        ..plan
    };
    let s = rules.decide_sweep(&not_yet, &q.records(), false);
    assert_eq!(
        (s.changes.len(), s.more),
        (0, false),
        "e1 is not out of attempts"
    );
}
