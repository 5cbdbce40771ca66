//! Failed calls, in words an approver can act on: which source, what happened, what to do. Parses the
//! error bodies of every service (Graph/ARM/portal `{"error":{code,message}}`, MIM's OData v3
//! `{"odata.error":…}`, the identity platform's `{error, error_description}`).

use crate::domain::SourceKind;
use serde_json::Value;
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// 401: the token or session was refused.
    Unauthorized,
    /// 403: not allowed (e.g. own request, not an approver, missing permission).
    Forbidden,
    NotFound,
    /// Someone decided first (409, or MIM's "already completed").
    AlreadyDecided,
    /// The 24-hour window closed.
    Expired,
    /// 429, with the seconds the service asked us to wait.
    Throttled {
        retry_after: Option<u32>,
    },
    /// 400: the service refused the request as sent.
    Rejected,
    /// 5xx.
    Unavailable,
    /// No response at all (offline, blocked by CORS, connection dropped).
    Network,
    /// No complete answer within the configured request timeout (`requestTimeoutMs`).
    TimedOut,
    /// A response we could not read (or a request that could not be built).
    Malformed,
    /// Signing in (or the host portal's token hand-off) failed.
    SignIn,
    /// Reading back after an uncertain write, the service could not tell what became of the decision
    /// (MIM PAM: the approval left the pending list, and nothing says who decided it or how).
    OutcomeUnknown,
}

/// A failed call to one source: which source, what happened, and the service's own words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceError {
    pub source: SourceKind,
    pub kind: ErrorKind,
    pub status: Option<u16>,
    /// The service's own error code, when it sent one.
    pub code: Option<String>,
    /// The service's own message, when it sent one (untrusted text: render as text).
    pub detail: Option<String>,
}

impl SourceError {
    pub fn new(source: SourceKind, kind: ErrorKind) -> Self {
        SourceError {
            source,
            kind,
            status: None,
            code: None,
            detail: None,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub fn malformed(source: SourceKind, what: impl Into<String>) -> Self {
        Self::new(source, ErrorKind::Malformed).with_detail(what)
    }

    /// Whether a write that failed this way may still have been committed by the service, so that only
    /// reading the approval again can tell what happened. True for a conflict or expiry refusal (it may
    /// answer our own earlier write), any 5xx, a dropped connection, a timeout, and a response that came
    /// but could not be read; false when the service surely did not process the write (401, 400, 403,
    /// 404, 429, or a failure before anything was sent: signing in, building the request).
    pub fn leaves_write_uncertain(&self) -> bool {
        match self.kind {
            ErrorKind::AlreadyDecided
            | ErrorKind::Expired
            | ErrorKind::Unavailable
            | ErrorKind::Network
            | ErrorKind::TimedOut
            | ErrorKind::OutcomeUnknown => true,
            ErrorKind::Malformed => self.status.is_some(),
            ErrorKind::Unauthorized
            | ErrorKind::Forbidden
            | ErrorKind::NotFound
            | ErrorKind::Throttled { .. }
            | ErrorKind::Rejected
            | ErrorKind::SignIn => false,
        }
    }

    /// Maps an HTTP error response of any service.
    pub fn from_response(
        source: SourceKind,
        status: u16,
        body: &str,
        retry_after: Option<u32>,
    ) -> Self {
        let (code, detail) = parse_error_body(body);
        let kind = classify(status, code.as_deref(), detail.as_deref(), retry_after);
        SourceError {
            source,
            kind,
            status: Some(status),
            code,
            detail,
        }
    }

    /// What happened, in one sentence.
    pub fn what_happened(&self) -> String {
        let status = self
            .status
            .map(|s| format!(" (HTTP {s})"))
            .unwrap_or_default();
        let base = match &self.kind {
            ErrorKind::Unauthorized => "refused your sign-in".to_string(),
            ErrorKind::Forbidden => "did not allow this".to_string(),
            ErrorKind::NotFound => "does not know this request".to_string(),
            ErrorKind::AlreadyDecided => "says the request was already decided".to_string(),
            ErrorKind::Expired => "says the request has expired".to_string(),
            ErrorKind::Throttled { .. } => "is throttling requests".to_string(),
            ErrorKind::Rejected => "refused the request".to_string(),
            ErrorKind::Unavailable => "is not responding correctly".to_string(),
            ErrorKind::Network => "could not be reached".to_string(),
            ErrorKind::TimedOut => "did not answer in time".to_string(),
            ErrorKind::Malformed => "sent a response that could not be read".to_string(),
            ErrorKind::SignIn => "needs you to sign in again".to_string(),
            ErrorKind::OutcomeUnknown => {
                "did not tell what became of the decision: the outcome could not be read"
                    .to_string()
            }
        };
        format!("{} {base}{status}.", self.source.label())
    }

    /// What the approver can do about it.
    pub fn what_to_do(&self) -> String {
        match &self.kind {
            ErrorKind::Unauthorized | ErrorKind::SignIn => {
                "Sign out and sign in again; if it persists, ask an administrator to check the app's consent.".into()
            }
            ErrorKind::Forbidden => {
                "Check that you are signed in with your approver account and are an approver for this role.".into()
            }
            ErrorKind::NotFound => "It may have been withdrawn; refresh the list.".into(),
            ErrorKind::AlreadyDecided => "Refresh to see who decided.".into(),
            ErrorKind::Expired => "The requester must submit a new request.".into(),
            ErrorKind::Throttled { retry_after } => match retry_after {
                Some(s) => format!("Try again in {s} s."),
                None => "Try again in a minute.".into(),
            },
            ErrorKind::Rejected => "Check the details below and try again.".into(),
            ErrorKind::Unavailable => "Try again in a minute.".into(),
            ErrorKind::Network => {
                "Check your connection (and, for MIM PAM, that you are on the corporate network), then try again.".into()
            }
            ErrorKind::TimedOut => "Try again in a minute; if it keeps happening, check your connection.".into(),
            ErrorKind::Malformed => "Try again; if it persists, report it to your administrator.".into(),
            ErrorKind::OutcomeUnknown => {
                "Check the request in the service's own console before deciding again.".into()
            }
        }
    }
}

impl std::error::Error for SourceError {}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.what_happened(), self.what_to_do())?;
        if let Some(detail) = &self.detail {
            write!(f, " ({detail})")?;
        }
        Ok(())
    }
}

/// `(code, message)` from any of the services' error envelopes.
fn parse_error_body(body: &str) -> (Option<String>, Option<String>) {
    let Ok(value) = serde_json::from_str::<Value>(body) else {
        return (None, None);
    };
    let text = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    if let Some(error) = value.get("error").filter(|e| e.is_object()) {
        return (text(error.get("code")), text(error.get("message")));
    }
    if let Some(error) = value.get("odata.error") {
        return (
            text(error.get("code")),
            text(error.pointer("/message/value")).or_else(|| text(error.get("message"))),
        );
    }
    if value.get("error").is_some() {
        return (
            text(value.get("error")),
            text(value.get("error_description")),
        );
    }
    (None, None)
}

fn classify(
    status: u16,
    code: Option<&str>,
    message: Option<&str>,
    retry_after: Option<u32>,
) -> ErrorKind {
    let code = code.unwrap_or("").to_ascii_lowercase();
    let message = message.unwrap_or("").to_ascii_lowercase();
    let mentions = |needle: &str| code.contains(needle) || message.contains(needle);
    match status {
        401 => ErrorKind::Unauthorized,
        409 if mentions("expired") => ErrorKind::Expired,
        409 => ErrorKind::AlreadyDecided,
        429 => ErrorKind::Throttled { retry_after },
        // MIM PAM only documents 401/403/...: a completed or expired approval comes back as 403.
        403 | 400
            if mentions("already")
                && (mentions("completed") || mentions("decided") || mentions("reviewed")) =>
        {
            ErrorKind::AlreadyDecided
        }
        403 | 400 if mentions("expired") => ErrorKind::Expired,
        403 => ErrorKind::Forbidden,
        404 => ErrorKind::NotFound,
        400..=499 => ErrorKind::Rejected,
        500..=599 => ErrorKind::Unavailable,
        _ => ErrorKind::Malformed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_graph_errors() {
        let body = r#"{"error":{"code":"Conflict","message":"The request has already been approved by another approver in the same approval stage.","innerError":{"date":"x","request-id":"y"}}}"#;
        let e = SourceError::from_response(SourceKind::EntraRoles, 409, body, None);
        assert_eq!(e.kind, ErrorKind::AlreadyDecided);
        assert_eq!(e.code.as_deref(), Some("Conflict"));
        assert!(e
            .what_happened()
            .starts_with("Entra roles says the request was already decided"));
    }

    #[test]
    fn reads_graph_throttling() {
        let body = r#"{ "error": { "code": "TooManyRequests", "innerError": { "code": "429" }, "message": "Please retry again later." } }"#;
        let e = SourceError::from_response(SourceKind::Groups, 429, body, Some(10));
        assert_eq!(
            e.kind,
            ErrorKind::Throttled {
                retry_after: Some(10)
            }
        );
        assert_eq!(e.what_to_do(), "Try again in 10 s.");
    }

    #[test]
    fn reads_mim_odata_errors() {
        let body = r#"{"odata.error":{"code":"","message":{"lang":"en-US","value":"Approval has already been completed."}}}"#;
        let e = SourceError::from_response(SourceKind::MimPam, 403, body, None);
        assert_eq!(e.kind, ErrorKind::AlreadyDecided);
        assert_eq!(
            e.detail.as_deref(),
            Some("Approval has already been completed.")
        );
        let own = r#"{"odata.error":{"code":"","message":{"lang":"en-US","value":"Requestor cannot approve own request."}}}"#;
        assert_eq!(
            SourceError::from_response(SourceKind::MimPam, 403, own, None).kind,
            ErrorKind::Forbidden
        );
    }

    #[test]
    fn reads_arm_and_identity_errors() {
        let arm = r#"{"error":{"code":"ApprovalStepExpired","message":"The approval step has expired."}}"#;
        assert_eq!(
            SourceError::from_response(SourceKind::AzureResources, 400, arm, None).kind,
            ErrorKind::Expired
        );
        let aad = r#"{"error":"invalid_grant","error_description":"AADSTS700084: The refresh token was issued to a single page app"}"#;
        let (code, message) = parse_error_body(aad);
        assert_eq!(code.as_deref(), Some("invalid_grant"));
        assert!(message.unwrap().starts_with("AADSTS700084"));
    }

    #[test]
    fn unreadable_bodies_still_map_by_status() {
        let e = SourceError::from_response(SourceKind::PortalApi, 503, "<html>oops</html>", None);
        assert_eq!(e.kind, ErrorKind::Unavailable);
        assert_eq!(e.detail, None);
        assert!(e
            .to_string()
            .contains("Admin portal is not responding correctly (HTTP 503)."));
    }

    #[test]
    fn only_failures_after_which_the_write_may_have_landed_are_uncertain() {
        let by_status = |status: u16, body: &str| {
            SourceError::from_response(SourceKind::EntraRoles, status, body, None)
                .leaves_write_uncertain()
        };
        for status in [409, 500, 502, 503, 504] {
            assert!(by_status(status, ""), "{status}");
        }
        for status in [400, 401, 403, 404, 429] {
            assert!(!by_status(status, ""), "{status}");
        }
        let expired = r#"{"error":{"code":"ApprovalStepExpired","message":"The approval step has expired."}}"#;
        assert!(by_status(400, expired));
        let mim_done = r#"{"odata.error":{"code":"","message":{"lang":"en-US","value":"Approval has already been completed."}}}"#;
        assert!(by_status(403, mim_done));
        let kind = |kind| SourceError::new(SourceKind::MimPam, kind).leaves_write_uncertain();
        assert!(kind(ErrorKind::Network));
        assert!(kind(ErrorKind::TimedOut));
        assert!(!kind(ErrorKind::SignIn));
        assert!(
            !kind(ErrorKind::Malformed),
            "a request that could not be built"
        );
        assert!(SourceError::malformed(SourceKind::MimPam, "too large")
            .with_status(200)
            .leaves_write_uncertain());
    }

    #[test]
    fn timeouts_say_so() {
        let e = SourceError::new(SourceKind::AzureResources, ErrorKind::TimedOut);
        assert!(e
            .what_happened()
            .starts_with("Azure resources did not answer in time"));
    }
}
