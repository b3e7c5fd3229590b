//! v4.0 error codes.
//!
//! The v4.0 OpenAPI file types `OBError1.ErrorCode` as an
//! `OBExternalStatusReason1Code`: four characters. OBIE's internal code set
//! maps each v3.1 `UK.OBIE.*` name to such a code (`U004` is
//! `UK.OBIE.Field.Missing`, `U005` `Field.Unexpected`, `U006`
//! `Header.Invalid`, `U007` `Header.Missing`); `U001`..`U003` follow the
//! same table order (`Field.Expected`, `Field.Invalid`, `Field.InvalidDate`).

/// The four-character v4.0 code for a v3.1 `UK.OBIE.*` error code.
#[must_use]
pub fn v4_code(v31: &str) -> &'static str {
    match v31 {
        "UK.OBIE.Field.Expected" => "U001",
        "UK.OBIE.Field.Invalid" => "U002",
        "UK.OBIE.Field.InvalidDate" => "U003",
        "UK.OBIE.Field.Missing" => "U004",
        "UK.OBIE.Field.Unexpected" => "U005",
        "UK.OBIE.Header.Invalid" => "U006",
        "UK.OBIE.Header.Missing" => "U007",
        // Anything else is reported as an invalid field.
        _ => "U002",
    }
}

/// Rewrite an `OBErrorResponse1` built with v3.1 codes for a v4.0 path.
pub fn to_v4(response: &mut setpoll_core::wire::ErrorResponse) {
    for detail in &mut response.errors {
        let code = v4_code(detail.error_code.as_str());
        detail.error_code = setpoll_core::codes::ObieErrorCode::from_code(code);
    }
}
