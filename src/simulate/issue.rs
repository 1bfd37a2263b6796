//! The names DevTools gives CORS failures (Chromium's issues panel, the DevTools protocol's
//! `Network.CorsError`), so a user can match corslint's verdict to what the console shows.

use serde::Serialize;

/// One CORS failure, named as Chromium names it (`services/network/public/mojom/cors.mojom`).
/// Serialised as the bare name (`PreflightMissingAllowOriginHeader`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum CorsIssue {
    MissingAllowOriginHeader,
    WildcardOriginNotAllowed,
    MultipleAllowOriginValues,
    InvalidAllowOriginValue,
    AllowOriginMismatch,
    InvalidAllowCredentials,
    PreflightMissingAllowOriginHeader,
    PreflightWildcardOriginNotAllowed,
    PreflightMultipleAllowOriginValues,
    PreflightInvalidAllowOriginValue,
    PreflightAllowOriginMismatch,
    PreflightInvalidAllowCredentials,
    PreflightInvalidStatus,
    PreflightDisallowedRedirect,
    InvalidAllowMethodsPreflightResponse,
    InvalidAllowHeadersPreflightResponse,
    MethodDisallowedByPreflightResponse,
    HeaderDisallowedByPreflightResponse,
}

impl CorsIssue {
    /// The same access-check failure on a preflight response (Chromium reports it under its own name).
    pub fn on_preflight(self) -> CorsIssue {
        use CorsIssue::*;
        match self {
            MissingAllowOriginHeader => PreflightMissingAllowOriginHeader,
            WildcardOriginNotAllowed => PreflightWildcardOriginNotAllowed,
            MultipleAllowOriginValues => PreflightMultipleAllowOriginValues,
            InvalidAllowOriginValue => PreflightInvalidAllowOriginValue,
            AllowOriginMismatch => PreflightAllowOriginMismatch,
            InvalidAllowCredentials => PreflightInvalidAllowCredentials,
            other => other,
        }
    }

    /// The name as DevTools shows it.
    pub fn name(self) -> String {
        format!("{self:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::CorsIssue;

    #[test]
    fn serialises_as_the_devtools_name() {
        let json = serde_json::to_string(&CorsIssue::PreflightInvalidAllowCredentials).unwrap_or_default();
        assert_eq!(json, "\"PreflightInvalidAllowCredentials\"");
        assert_eq!(CorsIssue::WildcardOriginNotAllowed.on_preflight().name(), "PreflightWildcardOriginNotAllowed");
        assert_eq!(CorsIssue::PreflightInvalidStatus.on_preflight(), CorsIssue::PreflightInvalidStatus);
    }
}
