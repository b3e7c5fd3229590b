//! The JSON form of the storage-neutral plans: what a host keeps between a
//! `plan_*` call and its `decide_*` call, possibly across a process or a
//! language boundary (the Python and UniFFI bindings hand it out as text).
//!
//! Writing is derived on the plan types. Reading goes through the field
//! structs below, which refuse unknown members and then check what every
//! plan the rules make satisfies, so that a plan altered in between is
//! refused instead of acted on.

use core::fmt;

use serde::Deserialize;

use super::enqueue::{route, EnqueuePlan};
use super::poll::{feedback_jtis, DeliverableQuery, PollPlan};
use crate::time::Timestamp;
use crate::wire::EventPolling;

/// A plan whose parts disagree.
#[derive(Debug)]
pub(super) struct Inconsistent(String);

impl fmt::Display for Inconsistent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The members of an [`EnqueuePlan`], as read.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct EnqueuePlanFields {
    client: String,
    jti: String,
    token: String,
    now: Timestamp,
}

impl TryFrom<EnqueuePlanFields> for EnqueuePlan {
    type Error = Inconsistent;

    fn try_from(p: EnqueuePlanFields) -> Result<Self, Inconsistent> {
        let (client, jti) =
            route(&p.token).map_err(|e| Inconsistent(format!("enqueue plan token: {e}")))?;
        if client != p.client || jti != p.jti {
            return Err(Inconsistent(
                "enqueue plan: client and jti are not the token's aud and jti".into(),
            ));
        }
        Ok(EnqueuePlan {
            client: p.client,
            jti: p.jti,
            token: p.token,
            now: p.now,
        })
    }
}

/// The members of a [`PollPlan`], as read.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PollPlanFields {
    client: String,
    now: Timestamp,
    named: Vec<String>,
    deliverable: DeliverableQuery,
    batch: u32,
    #[serde(deserialize_with = "request::deserialize")]
    request: EventPolling,
    deadline: Option<Timestamp>,
}

impl TryFrom<PollPlanFields> for PollPlan {
    type Error = Inconsistent;

    fn try_from(p: PollPlanFields) -> Result<Self, Inconsistent> {
        let q = &p.deliverable;
        let limit = usize::try_from(p.batch)
            .unwrap_or(usize::MAX)
            .saturating_add(1);
        let wrong = if q.client != p.client {
            Some("deliverable.client is not the plan's client")
        } else if q.now != p.now {
            Some("deliverable.now is not the plan's now")
        } else if q.limit != limit {
            Some("deliverable.limit is not batch + 1")
        } else if q.exclude != p.named {
            Some("deliverable.exclude is not named")
        } else if !p.named.is_empty() && p.named != feedback_jtis(&p.request) {
            Some("named is not the jtis of the request's setErrs and ack")
        } else {
            None
        };
        if let Some(what) = wrong {
            return Err(Inconsistent(format!("inconsistent poll plan: {what}")));
        }
        Ok(PollPlan {
            client: p.client,
            now: p.now,
            named: p.named,
            deliverable: p.deliverable,
            batch: p.batch,
            request: p.request,
            deadline: p.deadline,
        })
    }
}

/// A `request` member: the `OBEventPolling1` body as
/// [`EventPolling::to_json`] writes it (canonical member order), read back
/// with [`EventPolling::parse`]'s strict rules (duplicate or unknown
/// members, wrong types and out-of-range values refused).
pub(super) mod request {
    use serde::de::{self, Deserialize, Deserializer};
    use serde::ser::{Serialize, SerializeMap, Serializer};

    use crate::json::{find_duplicate, Json};
    use crate::wire::{EventPolling, RequestOptions, SetErr};

    pub(crate) fn serialize<S: Serializer>(r: &EventPolling, s: S) -> Result<S::Ok, S::Error> {
        let members = usize::from(r.max_events.is_some())
            + usize::from(r.return_immediately.is_some())
            + usize::from(!r.ack.is_empty())
            + usize::from(!r.set_errs.is_empty());
        let mut map = s.serialize_map(Some(members))?;
        if let Some(n) = r.max_events {
            map.serialize_entry("maxEvents", &n)?;
        }
        if let Some(b) = r.return_immediately {
            map.serialize_entry("returnImmediately", &b)?;
        }
        if !r.ack.is_empty() {
            map.serialize_entry("ack", &r.ack)?;
        }
        if !r.set_errs.is_empty() {
            map.serialize_entry("setErrs", &SetErrs(&r.set_errs))?;
        }
        map.end()
    }

    struct SetErrs<'a>(&'a [(String, SetErr)]);

    impl Serialize for SetErrs<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut map = s.serialize_map(Some(self.0.len()))?;
            for (jti, e) in self.0 {
                map.serialize_entry(jti, &Entry(e))?;
            }
            map.end()
        }
    }

    struct Entry<'a>(&'a SetErr);

    impl Serialize for Entry<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut map = s.serialize_map(Some(2))?;
            map.serialize_entry("err", self.0.err.as_str())?;
            map.serialize_entry("description", &self.0.description)?;
            map.end()
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<EventPolling, D::Error> {
        let tree = Json::deserialize(d)?;
        // The text below would keep only the last of two equal names.
        if let Some(path) = find_duplicate(&tree) {
            return Err(de::Error::custom(format_args!(
                "request: duplicate member {path}"
            )));
        }
        let text = serde_json::to_string(&tree.into_value()).map_err(de::Error::custom)?;
        EventPolling::parse(text.as_bytes(), &RequestOptions::default())
            .map_err(|e| de::Error::custom(format_args!("request: {e}")))
    }
}
