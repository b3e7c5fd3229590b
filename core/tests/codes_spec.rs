//! The code tables against the official OpenAPI files.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use setpoll_core::codes::{ObieErrorCode, SetErrCode};

#[test]
fn obie_error_codes_match_the_v3_enum() {
    let ours: Vec<&str> = ObieErrorCode::KNOWN
        .iter()
        .map(ObieErrorCode::as_str)
        .collect();
    for file in ["events-v3.1.11.yaml", "aggregated-polling-v3.1.2.yaml"] {
        let detail = common::schema(file, "OBError1");
        let theirs: Vec<&str> = detail["properties"]["ErrorCode"]["x-namespaced-enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{file}: no x-namespaced-enum"))
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(ours, theirs, "{file}");
    }
}

#[test]
fn v4_error_codes_are_carried_as_other() {
    let detail = common::schema("events-v4.0.yaml", "OBError1");
    assert_eq!(
        detail["properties"]["ErrorCode"]["$ref"],
        "#/components/schemas/OBExternalStatusReason1Code"
    );
    let code = common::schema("events-v4.0.yaml", "OBExternalStatusReason1Code");
    let example = code["example"].as_str().unwrap();
    assert_eq!(
        example.chars().count() as u64,
        code["minLength"].as_u64().unwrap()
    );
    let parsed = ObieErrorCode::from_code(example);
    assert_eq!(parsed, ObieErrorCode::Other(example.to_owned()));
    assert_eq!(parsed.as_str(), example);
}

#[test]
fn set_err_codes_fit_the_polling_schema() {
    for file in common::POLLING_FILES {
        let s = common::schema(file, "OBEventPolling1");
        let err = &s["properties"]["setErrs"]["additionalProperties"]["properties"]["err"];
        let max = err["maxLength"].as_u64().unwrap() as usize;
        let desc_max = s["properties"]["setErrs"]["additionalProperties"]["properties"]
            ["description"]["maxLength"]
            .as_u64()
            .unwrap() as usize;
        for code in SetErrCode::KNOWN {
            assert!(code.as_str().len() <= max, "{file}: {code}");
            // A description can be sent as the setErrs description as is.
            assert!(code.description().unwrap().chars().count() <= desc_max);
        }
    }
}
