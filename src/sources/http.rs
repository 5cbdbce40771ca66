//! The one HTTP client every source uses: attaches the right credential for its service, retries
//! reads that may succeed later (429 with `Retry-After`, 5xx, a dropped connection), never retries a
//! write, follows paging links only back to the same service, and turns failures into [`SourceError`].

use super::error::SourceError;
use super::json;
use crate::auth::{Resource, TokenSource};
use crate::domain::SourceKind;
use gloo_net::http::{Method, RequestBuilder, Response};
use serde_json::Value;
use std::rc::Rc;
use web_sys::RequestCredentials;

/// Longest a single call may take before it counts as a network failure.
const TIMEOUT_MS: u32 = 30_000;
/// Reads are tried at most this many times.
const READ_ATTEMPTS: u32 = 3;
/// Longest `Retry-After` we honour automatically; beyond it the approver sees the error.
const MAX_AUTO_WAIT_SECS: u32 = 8;
/// Stop following next links after this many pages (a runaway service must not hang the page).
const MAX_PAGES: usize = 200;

/// How a service authenticates the caller.
#[derive(Clone)]
pub enum Credentials {
    /// An access token for exactly this resource; never sent to another service.
    Bearer {
        tokens: Rc<dyn TokenSource>,
        resource: Resource,
    },
    /// The browser's own session with the service (Windows auth, portal cookie): `credentials: include`.
    BrowserSession,
}

/// A successful response: status and raw body (empty for 204).
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub body: String,
}

impl Reply {
    pub fn json(&self, source: SourceKind) -> Result<Value, SourceError> {
        serde_json::from_str(&self.body)
            .map_err(|e| SourceError::malformed(source, format!("invalid JSON: {e}")))
    }
}

#[derive(Clone)]
pub struct Http {
    source: SourceKind,
    base_url: String,
    credentials: Credentials,
}

impl Http {
    pub fn new(source: SourceKind, base_url: String, credentials: Credentials) -> Self {
        Http {
            source,
            base_url,
            credentials,
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
        let reply = self.read(Method::GET, url, None).await?;
        reply.json(self.source)
    }

    /// A read-only POST (Graph `$batch` of GETs): retried like a GET.
    pub async fn post_read(&self, url: &str, body: &Value) -> Result<Value, SourceError> {
        let reply = self.read(Method::POST, url, Some(body)).await?;
        reply.json(self.source)
    }

    /// Every item of a paged list, following `@odata.nextLink` / `nextLink`.
    pub async fn get_all(&self, first_url: &str) -> Result<Vec<Value>, SourceError> {
        let mut items = Vec::new();
        let mut next = Some(first_url.to_string());
        let mut pages = 0;
        while let Some(url) = next.take() {
            pages += 1;
            if pages > MAX_PAGES {
                return Err(SourceError::malformed(self.source, "too many pages"));
            }
            let body = self.get_json(&url).await?;
            let (page, link) = json::page(&body).ok_or_else(|| {
                SourceError::malformed(self.source, "a list response without \"value\"")
            })?;
            items.extend(page.iter().cloned());
            next = link.map(|l| self.same_service(&l)).transpose()?;
        }
        Ok(items)
    }

    /// A paging link must lead back to this service, so a token never leaves it.
    fn same_service(&self, link: &str) -> Result<String, SourceError> {
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

    /// One write (PATCH/POST): sent exactly once, whatever happens.
    pub async fn write(
        &self,
        method: Method,
        url: &str,
        body: Option<&Value>,
    ) -> Result<Reply, SourceError> {
        let response = self.send_once(method, url, body, false).await?;
        self.finish(response).await
    }

    async fn read(
        &self,
        method: Method,
        url: &str,
        body: Option<&Value>,
    ) -> Result<Reply, SourceError> {
        let mut fresh_token = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outcome = match self.send_once(method.clone(), url, body, fresh_token).await {
                Ok(response) => self.finish(response).await,
                Err(e) => Err(e),
            };
            let error = match outcome {
                Ok(reply) => return Ok(reply),
                Err(e) => e,
            };
            if attempt >= READ_ATTEMPTS {
                return Err(error);
            }
            match &error.kind {
                super::ErrorKind::Unauthorized if !fresh_token && self.uses_tokens() => {
                    fresh_token = true
                }
                super::ErrorKind::Throttled { retry_after } => match retry_after {
                    Some(secs) if *secs <= MAX_AUTO_WAIT_SECS => sleep_ms(secs * 1000).await,
                    None => sleep_ms(1000 * attempt).await,
                    Some(_) => return Err(error),
                },
                super::ErrorKind::Unavailable | super::ErrorKind::Network => {
                    sleep_ms(400 * attempt).await
                }
                _ => return Err(error),
            }
        }
    }

    fn uses_tokens(&self) -> bool {
        matches!(self.credentials, Credentials::Bearer { .. })
    }

    async fn send_once(
        &self,
        method: Method,
        url: &str,
        body: Option<&Value>,
        fresh_token: bool,
    ) -> Result<Response, SourceError> {
        let signal = web_sys::AbortSignal::timeout_with_u32(TIMEOUT_MS);
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
                        SourceError::new(self.source, super::ErrorKind::SignIn)
                            .with_detail(e.to_string())
                    })?;
                builder = builder.header("Authorization", &format!("Bearer {token}"));
            }
            Credentials::BrowserSession => {
                builder = builder.credentials(RequestCredentials::Include)
            }
        }
        let request = match body {
            Some(body) => builder
                .json(body)
                .map_err(|e| SourceError::malformed(self.source, e.to_string()))?,
            None => builder
                .build()
                .map_err(|e| SourceError::malformed(self.source, e.to_string()))?,
        };
        request
            .send()
            .await
            .map_err(|_| SourceError::network(self.source))
    }

    async fn finish(&self, response: Response) -> Result<Reply, SourceError> {
        let status = response.status();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.trim().parse::<u32>().ok());
        let body = response
            .text()
            .await
            .map_err(|_| SourceError::network(self.source))?;
        if (200..300).contains(&status) {
            Ok(Reply { status, body })
        } else {
            Err(SourceError::from_response(
                self.source,
                status,
                &body,
                retry_after,
            ))
        }
    }
}

/// `scheme://host[:port]` of an absolute URL, or "" when it is not one.
pub fn origin_of(url: &str) -> String {
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

async fn sleep_ms(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

#[cfg(test)]
mod tests {
    use super::*;

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
        );
        assert!(http
            .same_service("https://admin.contoso.com/pim/api?page=2")
            .is_ok());
        assert!(http.same_service("https://evil.example/steal").is_err());
        assert!(http.same_service("/relative").is_err());
    }
}
