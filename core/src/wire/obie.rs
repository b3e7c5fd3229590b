//! What differs between the Open Banking API versions an events endpoint
//! serves: the success status, the error-code vocabulary of
//! `OBErrorResponse1`, and the empty answer. Every host (the example
//! server, a Python, JS or Kotlin bank) asks these instead of redoing them.

use crate::codes::ObieErrorCode;

use super::{ErrorResponse, EventPollingResponse, RequestError};

/// The version of the OBIE Event Notification API an events path serves.
///
/// | version | file | success status | `ErrorCode` |
/// |---|---|---|---|
/// | `v3.1.2` | `aggregated-polling-v3.1.2.yaml` | `201 Created` (the file defines no other) | `UK.OBIE.*` |
/// | `v3.1.11` | `events-v3.1.11.yaml` | `200 OK` | `UK.OBIE.*` |
/// | `v4.0` | `events-v4.0.yaml` | `200 OK` | `OBExternalStatusReason1Code` (four characters, `U002`...) |
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ObieVersion {
    /// Aggregated Polling v3.1.2.
    V3_1_2,
    /// Event Notification API v3.1.11 (the v3.1 line's last file).
    #[default]
    V3_1_11,
    /// Event Notification API v4.0.
    V4_0,
}

impl ObieVersion {
    /// Every version, oldest first.
    pub const ALL: [ObieVersion; 3] =
        [ObieVersion::V3_1_2, ObieVersion::V3_1_11, ObieVersion::V4_0];

    /// The version as written in the OBIE specifications (`"v3.1.2"`,
    /// `"v3.1.11"`, `"v4.0"`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ObieVersion::V3_1_2 => "v3.1.2",
            ObieVersion::V3_1_11 => "v3.1.11",
            ObieVersion::V4_0 => "v4.0",
        }
    }

    /// Parse [`as_str`](Self::as_str)'s names; `None` when unknown.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == name)
    }

    /// The status of a successful `POST /events` answer: `201` for
    /// v3.1.2 (the only success its file defines), `200` after.
    #[must_use]
    pub fn success_status(self) -> u16 {
        match self {
            ObieVersion::V3_1_2 => 201,
            _ => 200,
        }
    }

    /// The `ErrorCode` this version writes for `code`: unchanged up to
    /// v3.1.11; on v4.0 the four-character `OBExternalStatusReason1Code`
    /// OBIE maps each `UK.OBIE.*` name to ([`v4_status_reason`]).
    #[must_use]
    pub fn error_code(self, code: &ObieErrorCode) -> ObieErrorCode {
        match self {
            ObieVersion::V4_0 => ObieErrorCode::from_code(v4_status_reason(code)),
            _ => code.clone(),
        }
    }

    /// Rewrite every `ErrorCode` of an error body for this version.
    #[must_use]
    pub fn error_response(self, mut response: ErrorResponse) -> ErrorResponse {
        for detail in &mut response.errors {
            detail.error_code = self.error_code(&detail.error_code);
        }
        response
    }

    /// The `400 Bad Request` body for a refused request, in this version's
    /// codes, naming `interaction_id` as its `Id`.
    #[must_use]
    pub fn request_error_response(
        self,
        error: &RequestError,
        interaction_id: &str,
    ) -> ErrorResponse {
        self.error_response(error.to_error_response(interaction_id))
    }

    /// The answer when nothing is queued: `{"sets":{},"moreAvailable":false}`
    /// with [`success_status`](Self::success_status).
    #[must_use]
    pub fn empty_response(self) -> (u16, EventPollingResponse) {
        (self.success_status(), EventPollingResponse::default())
    }
}

/// The v4.0 `OBExternalStatusReason1Code` for a v3.1 `UK.OBIE.*` code.
///
/// The v4.0 file types `OBError1.ErrorCode` as four characters. OBIE's
/// code set maps `UK.OBIE.Field.Expected` .. `UK.OBIE.Header.Missing` to
/// `U001` .. `U007` in table order; codes already four characters long
/// (a v4.0 code) are kept; anything else is reported as an invalid field
/// (`U002`).
#[must_use]
pub fn v4_status_reason(code: &ObieErrorCode) -> &'static str {
    match code {
        ObieErrorCode::FieldExpected => "U001",
        ObieErrorCode::FieldInvalid => "U002",
        ObieErrorCode::FieldInvalidDate => "U003",
        ObieErrorCode::FieldMissing => "U004",
        ObieErrorCode::FieldUnexpected => "U005",
        ObieErrorCode::HeaderInvalid => "U006",
        ObieErrorCode::HeaderMissing => "U007",
        other => V4_CODES
            .iter()
            .find(|c| **c == other.as_str())
            .copied()
            .unwrap_or("U002"),
    }
}

/// The `U` codes [`v4_status_reason`] writes, kept as they are when a body
/// already carries one.
const V4_CODES: [&str; 7] = ["U001", "U002", "U003", "U004", "U005", "U006", "U007"];

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_is_none() {
        for v in ObieVersion::ALL {
            assert_eq!(ObieVersion::from_name(v.as_str()), Some(v));
        }
        assert_eq!(ObieVersion::from_name("v3.1"), None);
    }

    #[test]
    fn only_v3_1_2_answers_201() {
        assert_eq!(ObieVersion::V3_1_2.success_status(), 201);
        assert_eq!(ObieVersion::V3_1_11.success_status(), 200);
        assert_eq!(ObieVersion::V4_0.success_status(), 200);
        let (status, body) = ObieVersion::V3_1_2.empty_response();
        assert_eq!(status, 201);
        assert_eq!(body.to_json(), r#"{"sets":{},"moreAvailable":false}"#);
    }

    #[test]
    fn v4_maps_each_field_and_header_code_and_defaults_to_u002() {
        let table = [
            ("UK.OBIE.Field.Expected", "U001"),
            ("UK.OBIE.Field.Invalid", "U002"),
            ("UK.OBIE.Field.InvalidDate", "U003"),
            ("UK.OBIE.Field.Missing", "U004"),
            ("UK.OBIE.Field.Unexpected", "U005"),
            ("UK.OBIE.Header.Invalid", "U006"),
            ("UK.OBIE.Header.Missing", "U007"),
            ("UK.OBIE.UnexpectedError", "U002"),
            ("U005", "U005"),
        ];
        for (v31, v4) in table {
            let code = ObieErrorCode::from_code(v31);
            assert_eq!(ObieVersion::V4_0.error_code(&code).as_str(), v4, "{v31}");
            assert_eq!(ObieVersion::V3_1_11.error_code(&code).as_str(), v31);
        }
    }

    #[test]
    fn request_errors_get_the_version_codes() {
        let err = crate::wire::EventPolling::parse(br#"{"maxEvents":-1}"#, &Default::default())
            .unwrap_err();
        let v31 = ObieVersion::V3_1_11.request_error_response(&err, "id-1");
        let v4 = ObieVersion::V4_0.request_error_response(&err, "id-1");
        let code31 = v31.errors.first().unwrap().error_code.as_str().to_owned();
        assert!(code31.starts_with("UK.OBIE."), "{code31}");
        assert_eq!(
            v4.errors.first().unwrap().error_code.as_str(),
            v4_status_reason(&ObieErrorCode::from_code(&code31))
        );
        assert!(v4.to_json().contains("\"Id\":\"id-1\""));
    }
}
