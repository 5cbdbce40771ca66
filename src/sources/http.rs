//! The one HTTP client every source uses: attaches the right credential for its service, gives every
//! call the configured timeout, caps response bodies, retries reads that may succeed later (429 with
//! `Retry-After`, 5xx, a dropped connection, a 401 with a fresh token), resends a write only after a 401
//! (it was not processed) with a fresh token, follows paging links only back to the same service, and
//! turns failures into [`SourceError`].

use super::error::{ErrorKind, SourceError};
use super::wire::{self, Page};
use super::Listing;
use crate::auth::{Resource, TokenSource};
use crate::domain::SourceKind;
use gloo_net::http::{Method, RequestBuilder, Response};
use serde_json::Value;
use std::rc::Rc;
use web_sys::RequestCredentials;

/// Reads are tried at most this many times.
const READ_ATTEMPTS: u32 = 3;
/// Longest `Retry-After` we honour automatically; beyond it the approver sees the error.
pub(crate) const MAX_AUTO_WAIT_SECS: u32 = 8;
/// Stop following next links after this many pages (a runaway service must not hang the page).
const MAX_PAGES: usize = 200;
/// Largest response body read: a runaway or hostile service must not exhaust the tab's memory.
pub(crate) const MAX_BODY_BYTES: usize = 5 * 1024 * 1024;

/// How a service authenticates the caller.
#[derive(Clone)]
pub(crate) enum Credentials {
    /// An access token for exactly this resource; never sent to another service.
    Bearer {
        tokens: Rc<dyn TokenSource>,
        resource: Resource,
    },
    /// The browser's own session with the service (Windows auth, portal cookie): `credentials: include`.
    BrowserSession,
}

#[derive(Clone)]
pub(crate) struct Http {
    source: SourceKind,
    base_url: String,
    credentials: Credentials,
    /// Longest a single call may take, body included (`requestTimeoutMs` in `config.json`).
    timeout_ms: u32,
}

impl Http {
    pub fn new(
        source: SourceKind,
        base_url: String,
        credentials: Credentials,
        timeout_ms: u32,
    ) -> Self {
        Http {
            source,
            base_url,
            credentials,
            timeout_ms,
        }
    }

    pub fn source(&self) -> SourceKind {
        self.source
    }

    /// `{base}{path}`: `path` starts with `/`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// GET and parse JSON, retrying what may succeed later.
    pub async fn get_json(&self, url: &str) -> Result<Value, SourceError> {
        let body = self.read(Method::GET, url, None).await?;
        self.json(&body)
    }

    /// A read-only POST (Graph `$batch` of GETs): retried like a GET.
    pub async fn post_read(&self, url: &str, body: &Value) -> Result<Value, SourceError> {
        let reply = self.read(Method::POST, url, Some(body)).await?;
        self.json(&reply)
    }

    fn json(&self, body: &str) -> Result<Value, SourceError> {
        serde_json::from_str(body)
            .map_err(|e| SourceError::malformed(self.source, format!("invalid JSON: {e}")))
    }

    /// A paged list (`value` + `@odata.nextLink` / `nextLink`): each page's items go to `on_page` as
    /// soon as they arrive; the result says whether every page was read.
    pub async fn pages(
        &self,
        first_url: &str,
        on_page: &mut dyn FnMut(Vec<Value>),
    ) -> Result<(), SourceError> {
        let mut next = Some(first_url.to_string());
        let mut pages = 0;
        while let Some(url) = next.take() {
            pages += 1;
            if pages > MAX_PAGES {
                return Err(SourceError::malformed(self.source, "too many pages"));
            }
            let body = self.get_json(&url).await?;
            let page: Page = wire::read_response(self.source, &body)?;
            on_page(page.value);
            next = page
                .next_link
                .map(|link| self.same_service(&link))
                .transpose()?;
        }
        Ok(())
    }

    /// A paged list read page by page with `read`: only one page's JSON is held at a time, never the
    /// whole list's (a history of thousands is filtered as it arrives).
    pub async fn read_all<T>(
        &self,
        first_url: &str,
        read: impl Fn(&[Value]) -> Listing<T>,
    ) -> Result<Listing<T>, SourceError> {
        let mut listing = Listing::default();
        self.pages(first_url, &mut |items| listing.extend(read(&items)))
            .await?;
        Ok(listing)
    }

    /// Every item of a paged list (the requester's record lists, a few items).
    pub async fn get_all(&self, first_url: &str) -> Result<Vec<Value>, SourceError> {
        let mut items = Vec::new();
        self.pages(first_url, &mut |page| items.extend(page))
            .await?;
        Ok(items)
    }

    /// A paging link must lead back to this service, so a token never leaves it.
    pub(crate) fn same_service(&self, link: &str) -> Result<String, SourceError> {
        let origin = origin_of(&self.base_url);
        if origin_of(link) == origin && !origin.is_empty() {
            Ok(link.to_string())
        } else {
            Err(SourceError::malformed(
                self.source,
                "a paging link that points to another site was not followed",
            ))
        }
    }

    /// One write (PATCH/POST), returning the response body (empty for 204). Sent once; resent once only
    /// after a 401, which means the service did not process it, with a freshly fetched token.
    pub async fn write(
        &self,
        method: Method,
        url: &str,
        body: Option<&Value>,
    ) -> Result<String, SourceError> {
        let (status, answer) = match self.exchange(method.clone(), url, body, false).await {
            Err(e) if e.kind == ErrorKind::Unauthorized && self.uses_tokens() => {
                self.exchange(method, url, body, true).await
            }
            outcome => outcome,
        }?;
        self.readable_write_answer(status, answer)
    }

    /// [`Http::write`] with a freshly fetched token from the start, sent once: for a write whose Graph
    /// `$batch` item was refused with 401 (that item was not processed).
    pub async fn write_with_fresh_token(
        &self,
        method: Method,
        url: &str,
        body: Option<&Value>,
    ) -> Result<String, SourceError> {
        let (status, answer) = self.exchange(method, url, body, true).await?;
        self.readable_write_answer(status, answer)
    }

    /// A write's 2xx answer whose body is not JSON came garbled or cut short: what the service did is
    /// open, so it is an error that leaves the write uncertain (read back, never resent), not a success.
    fn readable_write_answer(&self, status: u16, body: String) -> Result<String, SourceError> {
        if body.trim().is_empty() || serde_json::from_str::<serde::de::IgnoredAny>(&body).is_ok() {
            Ok(body)
        } else {
            Err(
                SourceError::malformed(self.source, "the answer to the write could not be read")
                    .with_status(status),
            )
        }
    }

    async fn read(
        &self,
        method: Method,
        url: &str,
        body: Option<&Value>,
    ) -> Result<String, SourceError> {
        let mut fresh_token = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let error = match self.exchange(method.clone(), url, body, fresh_token).await {
                Ok((_, reply)) => return Ok(reply),
                Err(e) => e,
            };
            if attempt >= READ_ATTEMPTS {
                return Err(error);
            }
            match &error.kind {
                ErrorKind::Unauthorized if !fresh_token && self.uses_tokens() => fresh_token = true,
                ErrorKind::Throttled { retry_after } => match retry_after {
                    Some(secs) if *secs <= MAX_AUTO_WAIT_SECS => sleep_ms(secs * 1000).await,
                    None => sleep_ms(1000 * attempt).await,
                    Some(_) => return Err(error),
                },
                ErrorKind::Unavailable | ErrorKind::Network | ErrorKind::TimedOut => {
                    sleep_ms(400 * attempt).await
                }
                _ => return Err(error),
            }
        }
    }

    fn uses_tokens(&self) -> bool {
        matches!(self.credentials, Credentials::Bearer { .. })
    }

    /// One request and its whole answer: the 2xx status and the body.
    async fn exchange(
        &self,
        method: Method,
        url: &str,
        body: Option<&Value>,
        fresh_token: bool,
    ) -> Result<(u16, String), SourceError> {
        let response = self.send_once(method, url, body, fresh_token).await?;
        self.finish(response).await
    }

    async fn send_once(
        &self,
        method: Method,
        url: &str,
        body: Option<&Value>,
        fresh_token: bool,
    ) -> Result<Response, SourceError> {
        let signal = web_sys::AbortSignal::timeout_with_u32(self.timeout_ms);
        let mut builder = RequestBuilder::new(url)
            .method(method)
            .header("Accept", "application/json")
            .abort_signal(Some(&signal));
        match &self.credentials {
            Credentials::Bearer { tokens, resource } => {
                let token = tokens
                    .access_token(resource, fresh_token)
                    .await
                    .map_err(|e| {
                        SourceError::new(self.source, ErrorKind::SignIn).with_detail(e.to_string())
                    })?;
                builder = builder.header("Authorization", &format!("Bearer {token}"));
            }
            Credentials::BrowserSession => {
                builder = builder.credentials(RequestCredentials::Include)
            }
        }
        let request = match body {
            Some(body) => builder.json(body),
            None => builder.build(),
        }
        .map_err(|e| SourceError::malformed(self.source, e.to_string()))?;
        request
            .send()
            .await
            .map_err(|e| self.transport_error(&e, None))
    }

    async fn finish(&self, response: Response) -> Result<(u16, String), SourceError> {
        let status = response.status();
        let headers = response.headers();
        let retry_after = headers
            .get("retry-after")
            .and_then(|v| v.trim().parse::<u32>().ok());
        let declared = headers
            .get("content-length")
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|len| len > MAX_BODY_BYTES as u64) {
            return Err(self.too_large(status));
        }
        let body = response
            .text()
            .await
            .map_err(|e| self.transport_error(&e, Some(status)))?;
        if body.len() > MAX_BODY_BYTES {
            return Err(self.too_large(status));
        }
        if (200..300).contains(&status) {
            Ok((status, body))
        } else {
            Err(SourceError::from_response(
                self.source,
                status,
                &body,
                retry_after,
            ))
        }
    }

    fn too_large(&self, status: u16) -> SourceError {
        SourceError::malformed(
            self.source,
            "the response was larger than 5 MB, so it was not read",
        )
        .with_status(status)
    }

    /// No (complete) answer: the timeout fired, or the connection failed.
    fn transport_error(&self, error: &gloo_net::Error, status: Option<u16>) -> SourceError {
        let timed_out = matches!(error, gloo_net::Error::JsError(e) if e.name == "TimeoutError");
        let kind = if timed_out {
            ErrorKind::TimedOut
        } else {
            ErrorKind::Network
        };
        SourceError {
            status,
            ..SourceError::new(self.source, kind)
        }
    }
}

/// `scheme://host[:port]` of an absolute URL, or "" when it is not one.
fn origin_of(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return String::new();
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase()
    )
}

pub(crate) async fn sleep_ms(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_garbled_answer_to_a_write_leaves_it_uncertain() {
        let http = Http::new(
            SourceKind::EntraRoles,
            "https://graph.microsoft.com".into(),
            Credentials::BrowserSession,
            30_000,
        );
        assert_eq!(
            http.readable_write_answer(204, String::new()),
            Ok(String::new())
        );
        let stage = r#"{"id":"1","properties":{"status":"Completed"}}"#.to_string();
        assert_eq!(http.readable_write_answer(200, stage.clone()), Ok(stage));
        let cut = http
            .readable_write_answer(200, r#"{"id":"1","prop"#.into())
            .unwrap_err();
        assert_eq!(cut.kind, ErrorKind::Malformed);
        assert!(
            cut.leaves_write_uncertain(),
            "read back, never taken as done"
        );
    }

    #[test]
    fn origins() {
        assert_eq!(
            origin_of("https://graph.microsoft.com/v1.0/x?$skiptoken=1"),
            "https://graph.microsoft.com"
        );
        assert_eq!(
            origin_of("http://127.0.0.1:8400/graph"),
            "http://127.0.0.1:8400"
        );
        assert_eq!(origin_of("/relative"), "");
    }

    #[test]
    fn paging_links_stay_on_the_service() {
        let http = Http::new(
            SourceKind::PortalApi,
            "https://admin.contoso.com/pim".into(),
            Credentials::BrowserSession,
            30_000,
        );
        assert!(http
            .same_service("https://admin.contoso.com/pim/api?page=2")
            .is_ok());
        assert!(http.same_service("https://evil.example/steal").is_err());
        assert!(http.same_service("/relative").is_err());
    }
}
