//! The dedup window: which `(iss, jti)` pairs were already processed, so a
//! redelivered SET is acknowledged again without reaching the application
//! twice.
//!
//! Entries are kept in delivery order and forgotten oldest first, when older
//! than the window or beyond the capacity. Memory and exported state are
//! therefore bounded by [`DedupConfig::capacity`](super::DedupConfig::capacity).

use std::collections::{HashMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::codes::SetErrCode;
use crate::json::typed::{deserialize_via_tree, Fields, FromJson, ShapeError};
use crate::json::Json;
use crate::time::Timestamp;

/// How the application settled a SET.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum Settlement {
    /// Acknowledged (`ack`).
    Acked,
    /// Rejected with a `setErrs` entry.
    Rejected {
        /// The error code sent.
        err: SetErrCode,
        /// The description sent.
        description: String,
    },
}

/// One remembered SET, as exported in [`ReceiverState`](super::ReceiverState).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessedSet {
    /// The issuer (`iss`).
    pub iss: String,
    /// The SET's `jti`.
    pub jti: String,
    /// When it was handed to the application (the window counts from here).
    pub delivered_at: Timestamp,
    /// How the application settled it.
    #[serde(flatten)]
    pub settlement: Settlement,
}

// Read from the tree (crate::json::typed) as one flat object: `outcome`
// anywhere among the members, `err` and `description` required with
// `rejected`.
deserialize_via_tree!(ProcessedSet);

impl FromJson for ProcessedSet {
    fn from_json(j: &Json) -> Result<Self, ShapeError> {
        let f = Fields::of(j, "struct ProcessedSet")?;
        let iss = f.req("iss")?;
        let jti = f.req("jti")?;
        let delivered_at = f.req("deliveredAt")?;
        let settlement = match f.tag("outcome", &["acked", "rejected"])? {
            0 => Settlement::Acked,
            _ => Settlement::Rejected {
                err: f.req("err")?,
                description: f.req("description")?,
            },
        };
        Ok(ProcessedSet {
            iss,
            jti,
            delivered_at,
            settlement,
        })
    }
}

/// `(iss, jti)`.
pub(crate) type Key = (String, String);

/// The in-memory window.
#[derive(Clone, Debug, Default)]
pub(crate) struct Dedup {
    entries: HashMap<Key, (u64, Timestamp, Settlement)>,
    /// Keys in insertion order, tagged with the sequence number of their
    /// insertion; a tag that no longer matches the map is a stale leftover.
    order: VecDeque<(u64, Key)>,
    seq: u64,
}

impl Dedup {
    /// A window holding `list` (oldest first), unbounded.
    pub(crate) fn from_processed(list: Vec<ProcessedSet>) -> Self {
        let mut d = Dedup::default();
        for p in list {
            let _ = d.insert(p.iss, p.jti, p.delivered_at, p.settlement, usize::MAX);
        }
        d
    }

    /// When `(iss, jti)` was delivered and how it was settled, if it is
    /// remembered.
    pub(crate) fn get(&self, iss: &str, jti: &str) -> Option<(Timestamp, &Settlement)> {
        self.entries
            .get(&(iss.to_owned(), jti.to_owned()))
            .map(|(_, at, s)| (*at, s))
    }

    /// Remember `(iss, jti)`, then forget the oldest entries beyond
    /// `capacity`; returns the `(iss, jti)` pairs forgotten.
    pub(crate) fn insert(
        &mut self,
        iss: String,
        jti: String,
        delivered_at: Timestamp,
        settlement: Settlement,
        capacity: usize,
    ) -> Vec<Key> {
        self.seq = self.seq.wrapping_add(1);
        let key = (iss, jti);
        self.entries
            .insert(key.clone(), (self.seq, delivered_at, settlement));
        self.order.push_back((self.seq, key));
        let mut forgotten = Vec::new();
        while self.entries.len() > capacity {
            match self.pop_front() {
                Some(key) => forgotten.push(key),
                None => break,
            }
        }
        self.compact();
        forgotten
    }

    /// Forget `(iss, jti)`, if remembered.
    pub(crate) fn remove(&mut self, iss: &str, jti: &str) {
        self.entries.remove(&(iss.to_owned(), jti.to_owned()));
        self.compact();
    }

    /// Forget entries delivered at or before `now - window`; returns them.
    pub(crate) fn expire(&mut self, now: Timestamp, window: core::time::Duration) -> Vec<Key> {
        let mut forgotten = Vec::new();
        while let Some((seq, key)) = self.order.front() {
            match self.entries.get(key) {
                Some((s, at, _)) if s == seq => {
                    if at.saturating_add(window) > now {
                        break;
                    }
                    forgotten.extend(self.pop_front());
                }
                _ => {
                    self.order.pop_front();
                }
            }
        }
        forgotten
    }

    /// Drop the oldest live entry and return its key; `None` when there is
    /// none.
    fn pop_front(&mut self) -> Option<Key> {
        while let Some((seq, key)) = self.order.pop_front() {
            if matches!(self.entries.get(&key), Some((s, _, _)) if *s == seq) {
                self.entries.remove(&key);
                return Some(key);
            }
        }
        None
    }

    /// Drop stale leftovers when they outnumber live entries.
    fn compact(&mut self) {
        if self.order.len() > 2 * self.entries.len() + 16 {
            let entries = &self.entries;
            self.order
                .retain(|(seq, key)| matches!(entries.get(key), Some((s, _, _)) if s == seq));
        }
    }

    /// Number of remembered SETs.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The entries, oldest first.
    pub(crate) fn export(&self) -> Vec<ProcessedSet> {
        self.order
            .iter()
            .filter_map(|(seq, key)| match self.entries.get(key) {
                Some((s, at, settlement)) if s == seq => Some(ProcessedSet {
                    iss: key.0.clone(),
                    jti: key.1.clone(),
                    delivered_at: *at,
                    settlement: settlement.clone(),
                }),
                _ => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::time::Duration;

    const ISS: &str = "https://bank.example/";

    fn add(d: &mut Dedup, jti: &str, at: u64, cap: usize) {
        let _ = d.insert(
            ISS.into(),
            jti.into(),
            Timestamp::from_secs(at),
            Settlement::Acked,
            cap,
        );
    }

    #[test]
    fn remembers_per_issuer() {
        let mut d = Dedup::default();
        add(&mut d, "a", 1, 10);
        assert_eq!(
            d.get(ISS, "a"),
            Some((Timestamp::from_secs(1), &Settlement::Acked))
        );
        assert_eq!(d.get("https://other/", "a"), None);
        assert_eq!(d.get(ISS, "b"), None);
    }

    #[test]
    fn capacity_forgets_the_oldest() {
        let mut d = Dedup::default();
        for i in 0..10u64 {
            add(&mut d, &format!("j{i}"), i, 4);
        }
        assert_eq!(d.len(), 4);
        let jtis: Vec<String> = d.export().into_iter().map(|p| p.jti).collect();
        assert_eq!(jtis, ["j6", "j7", "j8", "j9"]);
        assert_eq!(d.get(ISS, "j5"), None);
    }

    #[test]
    fn window_forgets_by_age() {
        let mut d = Dedup::default();
        for i in 0..5u64 {
            add(&mut d, &format!("j{i}"), i * 10, 100);
        }
        assert!(d
            .expire(Timestamp::from_secs(59), Duration::from_secs(60))
            .is_empty());
        let gone = d.expire(Timestamp::from_secs(81), Duration::from_secs(60));
        let gone: Vec<&str> = gone.iter().map(|(_, j)| j.as_str()).collect();
        assert_eq!(gone, ["j0", "j1", "j2"]);
        let jtis: Vec<String> = d.export().into_iter().map(|p| p.jti).collect();
        assert_eq!(jtis, ["j3", "j4"]);
    }

    #[test]
    fn reinserting_a_key_moves_it_to_the_back_and_bounds_the_queue() {
        let mut d = Dedup::default();
        add(&mut d, "a", 1, 3);
        add(&mut d, "b", 2, 3);
        let _ = d.insert(
            ISS.into(),
            "a".into(),
            Timestamp::from_secs(3),
            Settlement::Rejected {
                err: SetErrCode::SetData,
                description: "bad".into(),
            },
            3,
        );
        let got: Vec<(String, u64)> = d
            .export()
            .into_iter()
            .map(|p| (p.jti, p.delivered_at.as_secs()))
            .collect();
        assert_eq!(got, [("b".to_owned(), 2), ("a".to_owned(), 3)]);
        for i in 0..1000u64 {
            add(&mut d, "same", i, 3);
        }
        assert!(d.order.len() <= 2 * d.len() + 17);
        assert_eq!(d.len(), 3);
    }

    /// The exported form reads back whatever the key order, and a rejected
    /// entry without its code is refused by name.
    #[test]
    #[allow(clippy::unwrap_used)]
    fn processed_sets_read_back() {
        for settlement in [
            Settlement::Acked,
            Settlement::Rejected {
                err: SetErrCode::Other("x".into()),
                description: "d".into(),
            },
        ] {
            let p = ProcessedSet {
                iss: ISS.into(),
                jti: "j".into(),
                delivered_at: Timestamp::from_secs(3),
                settlement,
            };
            let text = serde_json::to_string(&p).unwrap();
            assert!(text.contains(r#""outcome":"#), "{text}");
            assert_eq!(serde_json::from_str::<ProcessedSet>(&text).unwrap(), p);
            let serde_json::Value::Object(map) = serde_json::to_value(&p).unwrap() else {
                unreachable!()
            };
            let reversed: serde_json::Map<_, _> = map.into_iter().rev().collect();
            assert_eq!(
                serde_json::from_value::<ProcessedSet>(reversed.into()).unwrap(),
                p
            );
        }
        let read = |t: &str| {
            serde_json::from_str::<ProcessedSet>(t)
                .unwrap_err()
                .to_string()
        };
        let base = r#""iss":"i","jti":"j","deliveredAt":1"#;
        assert!(read(&format!(r#"{{{base},"outcome":"rejected"}}"#)).contains("`err`"));
        assert!(read(&format!(
            r#"{{{base},"outcome":"rejected","err":"jwtAud"}}"#
        ))
        .contains("`description`"));
        assert!(read(&format!(r#"{{{base},"outcome":"ignored"}}"#)).contains("unknown variant"));
        assert!(read(&format!(r#"{{{base}}}"#)).contains("missing field `outcome`"));
    }
}
