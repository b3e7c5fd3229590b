//! `--version`: which published text a peer is held to, and what follows
//! from it. Every rule here is read from the core or the named file.

use clap::ValueEnum;
use setpoll_core::codes::{ObieErrorCode, SetErrCode, Vocabulary};
use setpoll_core::jose::HeaderProfile;
use setpoll_core::transmitter::Profile;
use setpoll_core::wire::RequestOptions;

/// The specification version a peer implements.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Version {
    /// OBIE Aggregated Polling v3.1.2 (`aggregated-polling-v3.1.2.yaml`).
    #[value(name = "v3.1.2")]
    V312,
    /// OBIE Event Notification API v3.1.11 (`events-v3.1.11.yaml`).
    #[value(name = "v3.1.11")]
    V3111,
    /// OBIE Event Notification API v4.0 (`events-v4.0.yaml`).
    #[value(name = "v4.0")]
    V40,
    /// RFC 8936 / OpenID SSF: no OBIE headers, RFC 8935 codes.
    #[value(name = "rfc8936")]
    Rfc8936,
}

impl Version {
    /// The name as given on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Version::V312 => "v3.1.2",
            Version::V3111 => "v3.1.11",
            Version::V40 => "v4.0",
            Version::Rfc8936 => "rfc8936",
        }
    }

    /// The OpenAPI file (or RFC) that defines `POST /events` for this version.
    pub fn file(self) -> &'static str {
        match self {
            Version::V312 => "aggregated-polling-v3.1.2.yaml",
            Version::V3111 => "events-v3.1.11.yaml",
            Version::V40 => "events-v4.0.yaml",
            Version::Rfc8936 => "RFC 8936",
        }
    }

    /// Whether OBIE rules (schemas, JOSE header, codes) apply.
    pub fn obie(self) -> bool {
        self != Version::Rfc8936
    }

    /// The core's transmitter profile for this version.
    pub fn profile(self) -> Profile {
        if self.obie() {
            Profile::Obie
        } else {
            Profile::Rfc8936
        }
    }

    /// How a conforming transmitter reads request bodies: the core's options
    /// for the profile, except that v3.1.2's `OBEventPolling1` has no
    /// `additionalProperties: false` (v3.1.11 and v4.0 added it).
    pub fn request_options(self) -> RequestOptions {
        RequestOptions {
            reject_unknown_members: self.profile().reject_unknown_members()
                && self != Version::V312,
            ..RequestOptions::default()
        }
    }

    /// Success statuses of `CreateEvents`: v3.1.2 lists only `201`; v3.1.11
    /// and v4.0 list `200` and `201`; RFC 8936 §2.5 answers `200`.
    pub fn success(self) -> &'static [u16] {
        match self {
            Version::V312 => &[201],
            Version::V3111 | Version::V40 => &[200, 201],
            Version::Rfc8936 => &[200],
        }
    }

    /// Whether `moreAvailable` must be present: the OBIE schemas list it in
    /// `required`; RFC 8936 §2.5 lets it be omitted (meaning `false`).
    pub fn more_available_required(self) -> bool {
        self.obie()
    }

    /// The `setErrs` vocabulary a recipient uses.
    pub fn vocabulary(self) -> Vocabulary {
        if self.obie() {
            Vocabulary::Obie
        } else {
            Vocabulary::Rfc8935
        }
    }

    /// Whether `code` is a valid `setErrs.err` for this version.
    pub fn valid_set_err(self, code: &str) -> bool {
        SetErrCode::from_code(code).vocabulary() == Some(self.vocabulary())
    }

    /// Whether `code` is an `ErrorCode` this version's `OBError1` allows:
    /// the v3.1.x namespaced enum (or an ASPSP's own `UK.` extension of
    /// it), or a v4.0 four-character `OBExternalStatusReason1Code`.
    pub fn valid_error_code(self, code: &str) -> bool {
        match self {
            Version::V40 => code.chars().count() == 4,
            Version::V312 | Version::V3111 => match ObieErrorCode::from_code(code) {
                ObieErrorCode::Other(s) => s.starts_with("UK.") && !s.starts_with("UK.OBIE."),
                _ => true,
            },
            Version::Rfc8936 => true,
        }
    }

    /// The JOSE header profile the mock ASPSP signs with.
    ///
    /// # Errors
    /// Never for the fixed values used here; typed anyway.
    pub fn header_profile(self) -> Result<HeaderProfile, String> {
        if self.obie() {
            HeaderProfile::obie("0015800001041RHAAY", "openbanking.org.uk")
                .map_err(|e| e.to_string())
        } else {
            Ok(HeaderProfile::rfc8417())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_follow_each_file() {
        for v in [Version::V312, Version::V3111] {
            assert!(v.valid_error_code("UK.OBIE.Field.Invalid"));
            assert!(
                v.valid_error_code("UK.Examplebank.Custom"),
                "an ASPSP extension"
            );
            assert!(!v.valid_error_code("UK.OBIE.Field.Nope"));
            assert!(!v.valid_error_code("U002"));
        }
        assert!(Version::V40.valid_error_code("U002"));
        assert!(!Version::V40.valid_error_code("UK.OBIE.Field.Invalid"));
    }

    #[test]
    fn set_err_vocabulary_and_schema_openness() {
        assert!(Version::V3111.valid_set_err("jwtAud"));
        assert!(!Version::V3111.valid_set_err("invalid_audience"));
        assert!(Version::Rfc8936.valid_set_err("invalid_audience"));
        assert!(!Version::Rfc8936.valid_set_err("jws"));
        assert!(!Version::V40.valid_set_err("made_up"));
        assert!(!Version::V312.request_options().reject_unknown_members);
        assert!(Version::V3111.request_options().reject_unknown_members);
        assert!(Version::V40.request_options().reject_unknown_members);
        assert!(!Version::Rfc8936.request_options().reject_unknown_members);
        assert_eq!(Version::V312.success(), &[201]);
        assert!(!Version::Rfc8936.more_available_required());
    }
}
