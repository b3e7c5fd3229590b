//! The host's defaults are the core's: `transmitter_defaults()` and the
//! settings a `Receiver` with only its identity reports equal
//! tests/vectors/defaults.json (which the generator writes from the core's
//! `Default`s), member for member. The bindings run the same check in JS,
//! Python and Kotlin; this one fails first when the host's conversion drifts.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use serde_json::{Map, Value};
use setpoll_host::{transmitter_defaults, Receiver, ReceiverConfig};

/// `snake_case` member names as the vector file writes them (camelCase).
fn camel(v: Value) -> Map<String, Value> {
    let Value::Object(m) = v else {
        return Map::new();
    };
    m.into_iter()
        .map(|(k, v)| {
            let mut out = String::new();
            let mut up = false;
            for c in k.chars() {
                if c == '_' {
                    up = true;
                } else if up {
                    out.extend(c.to_uppercase());
                    up = false;
                } else {
                    out.push(c);
                }
            }
            (out, v)
        })
        .collect()
}

#[test]
fn host_defaults_equal_the_vector_file() {
    let text = std::fs::read_to_string("../tests/vectors/defaults.json").unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let case = |name: &str| {
        doc["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()
            .clone()
    };

    let want = case("transmitter")["expect"]["ok"].clone();
    let got = camel(serde_json::to_value(transmitter_defaults()).unwrap());
    assert_eq!(got.len(), 10);
    assert_eq!(Value::Object(got), want);

    let rx = case("receiver");
    let config = ReceiverConfig {
        issuer: rx["issuer"].as_str().unwrap().to_owned(),
        client_id: rx["clientId"].as_str().unwrap().to_owned(),
        jwks_json: rx["jwksJson"].as_str().unwrap().to_owned(),
        ..ReceiverConfig::default()
    };
    let reported = Receiver::new(config.clone()).unwrap().config().unwrap();
    assert_eq!(
        (&reported.issuer, &reported.client_id, &reported.jwks_json),
        (&config.issuer, &config.client_id, &config.jwks_json)
    );
    assert_eq!(reported.jitter_seed, None);
    let mut got = camel(serde_json::to_value(reported).unwrap());
    for identity in ["issuer", "clientId", "jwksJson", "jitterSeed"] {
        got.remove(identity);
    }
    assert_eq!(got.len(), 13);
    assert_eq!(Value::Object(got), rx["expect"]["ok"]);
}
