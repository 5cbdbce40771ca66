//! Fault injection (test control `POST /_emulator/faults`) and the fixed `--latency-ms` delay: a
//! middleware on every service route. Some faults answer instead of the handler (nothing committed:
//! `status`, `throttle`, `drop`, `malformed`, `unauthorized`, `stall`), others let the handler run and
//! commit first (`afterCommit`, `conflictAfterCommit`, `stallAfterCommit`, `malformedItem`,
//! `unknownEnum`). Faults also hit the inner requests of a Graph `$batch`, each item on its own; the
//! fixed latency (`--latency-ms`, or a path's `--route-latency`) applies once, to the outer batch
//! request (CORS preflights get theirs in `cors`). Each hit is noted in the request log.

use crate::app::App;
use crate::errors::Service;
use crate::http_util::{empty_response, MAX_BODY_BYTES};
use crate::item_faults::{ItemEdit, ItemFault};
use crate::request_log::{BatchItem, LogSeq};
use crate::server::ConnectionKill;
use crate::tokens::AuthFailure;
use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::time::Duration;
use tower::ServiceExt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FaultKind {
    /// Wait `ms`, then answer normally.
    Latency,
    /// Answer `status` with the service's error body; the handler never runs.
    Status,
    /// Answer 429 `TooManyRequests` with `Retry-After`; the handler never runs.
    Throttle,
    /// Close the connection without an answer; the handler never runs.
    Drop,
    /// Answer 200 with truncated JSON; the handler never runs.
    Malformed,
    /// Answer the service's own 401 for a refused token; the handler never runs.
    Unauthorized,
    /// Hold the request for `ms`, then close the connection; the handler never runs.
    Stall,
    /// The handler runs (a write commits), then the client gets `status` with the service's error body.
    AfterCommit,
    /// The handler runs, then the client gets what the service answers to the same request sent again
    /// (for a decision: the conflict the caller's own decision causes).
    ConflictAfterCommit,
    /// The handler runs, then the request is held for `ms` and the connection closed.
    StallAfterCommit,
    /// The handler runs, then one item of its list gets a field of the wrong type.
    MalformedItem,
    /// The handler runs, then one item of its list gets an enum value no client knows.
    UnknownEnum,
}

/// The body of `POST /_emulator/faults`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultSpec {
    #[serde(default)]
    pub method: Option<String>,
    /// Prefix of the request path (without query).
    pub path: String,
    pub kind: FaultKind,
    #[serde(default)]
    pub ms: Option<u64>,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub retry_after: Option<u64>,
    /// How many requests it hits; absent = all.
    #[serde(default)]
    pub times: Option<u32>,
    /// Error code in the body (`status`, `afterCommit`; for `unauthorized`,
    /// `InvalidAuthenticationToken` instead of the expired-token answer).
    #[serde(default)]
    pub code: Option<String>,
    /// Error message in the body (`status`, `afterCommit`).
    #[serde(default)]
    pub message: Option<String>,
    /// `malformedItem`/`unknownEnum`: dotted path of the list (default `value`, `steps`, `stages`,
    /// `properties.stages`, else the whole body is the item).
    #[serde(default)]
    pub list: Option<String>,
    /// `malformedItem`/`unknownEnum`: index of the item (default 0, clamped to the last).
    #[serde(default)]
    pub item: Option<usize>,
    /// `malformedItem`/`unknownEnum`: dotted path of the field inside the item.
    #[serde(default)]
    pub field: Option<String>,
    /// `malformedItem`/`unknownEnum`: the value to put there.
    #[serde(default)]
    pub value: Option<Value>,
}

impl FaultSpec {
    /// Preflights are only hit by a fault that names `OPTIONS` explicitly.
    fn matches(&self, method: &Method, path: &str) -> bool {
        let method_matches = match &self.method {
            Some(wanted) => wanted.eq_ignore_ascii_case(method.as_str()),
            None => method != Method::OPTIONS,
        };
        method_matches && path.starts_with(&self.path)
    }
}

/// An active fault and the spec it was added with.
#[derive(Clone)]
struct Fault {
    id: String,
    spec: FaultSpec,
    remaining: Option<u32>,
}

/// The active faults, in the order they were added.
#[derive(Default)]
pub struct FaultSet {
    faults: Vec<Fault>,
    next_id: u64,
}

impl FaultSet {
    pub fn add(&mut self, spec: FaultSpec) -> String {
        self.next_id += 1;
        let id = format!("fault-{}", self.next_id);
        self.faults.push(Fault {
            id: id.clone(),
            remaining: spec.times,
            spec,
        });
        id
    }

    pub fn clear(&mut self) {
        self.faults.clear();
    }

    /// The faults hitting this request: every matching latency fault and the first other one.
    /// Each hit uses up one of its `times`.
    fn take_hits(&mut self, method: &Method, path: &str) -> Vec<Fault> {
        let mut hits = Vec::new();
        let mut has_terminal = false;
        for fault in &mut self.faults {
            let is_latency = fault.spec.kind == FaultKind::Latency;
            if (!is_latency && has_terminal) || !fault.spec.matches(method, path) {
                continue;
            }
            has_terminal |= !is_latency;
            if let Some(remaining) = &mut fault.remaining {
                *remaining -= 1;
            }
            hits.push(fault.clone());
        }
        self.faults.retain(|f| f.remaining != Some(0));
        hits
    }

    pub fn ids(&self) -> Vec<String> {
        self.faults.iter().map(|f| f.id.clone()).collect()
    }
}

/// Middleware: fixed latency, then any injected fault, else the real handler.
pub async fn inject_faults(State(app): State<App>, request: Request, next: Next) -> Response {
    if request.uri().path().starts_with("/_emulator") {
        return next.run(request).await;
    }
    let is_batch_item = request.extensions().get::<BatchItem>().is_some();
    let path = request.uri().path().to_string();
    let latency = app.settings.latency_for(&path);
    if latency > 0 && !is_batch_item {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let hits = app
        .faults
        .lock()
        .expect("faults lock")
        .take_hits(request.method(), &path);
    let mut terminal = None;
    for hit in hits {
        match hit.spec.kind {
            FaultKind::Latency => sleep_ms(hit.spec.ms.unwrap_or(1000)).await,
            _ => terminal = Some(hit),
        }
    }
    let Some(fault) = terminal else {
        return next.run(request).await;
    };
    let hit = FaultHit {
        app: app.clone(),
        seq: request.extensions().get::<LogSeq>().map(|seq| seq.0),
        service: Service::of_path(&path),
        kill: request.extensions().get::<ConnectionKill>().cloned(),
        spec: fault.spec,
    };
    if let Some(seq) = hit.seq {
        let note = json!({ "id": fault.id, "kind": hit.spec.kind });
        app.log
            .lock()
            .expect("log lock")
            .annotate(seq, "fault", note);
    }
    if hit.spec.kind.runs_handler() {
        hit.after_handler(request, next).await
    } else {
        hit.instead_of_handler().await
    }
}

impl FaultKind {
    /// Whether the real handler runs (and commits a write) before the fault.
    fn runs_handler(self) -> bool {
        matches!(
            self,
            FaultKind::AfterCommit
                | FaultKind::ConflictAfterCommit
                | FaultKind::StallAfterCommit
                | FaultKind::MalformedItem
                | FaultKind::UnknownEnum
        )
    }
}

/// One fault hitting one request.
struct FaultHit {
    app: App,
    /// The request's log entry, annotated with what the fault did.
    seq: Option<u64>,
    service: Service,
    kill: Option<ConnectionKill>,
    spec: FaultSpec,
}

impl FaultHit {
    /// Add `key: value` to the `fault` note of the request's log entry.
    fn note(&self, key: &str, value: Value) {
        if let Some(seq) = self.seq {
            let mut log = self.app.log.lock().expect("log lock");
            log.annotate_fault(seq, key, value);
        }
    }

    /// Faults that answer without running the handler (nothing is committed).
    async fn instead_of_handler(&self) -> Response {
        match self.spec.kind {
            FaultKind::Status => self.error_response(503),
            FaultKind::Throttle => {
                let seconds = self.spec.retry_after.unwrap_or(1);
                let message = format!("Too many requests. Please retry after {seconds} seconds.");
                let mut response =
                    self.service
                        .error(StatusCode::TOO_MANY_REQUESTS, "TooManyRequests", &message);
                set_retry_after(&mut response, seconds);
                response
            }
            FaultKind::Malformed => malformed_json(),
            FaultKind::Unauthorized => {
                let failure = match self.spec.code.as_deref() {
                    Some("InvalidAuthenticationToken") => AuthFailure::Invalid,
                    _ => AuthFailure::Expired,
                };
                self.service.unauthorized(failure)
            }
            FaultKind::Stall => {
                sleep_ms(self.stall_ms()).await;
                drop_connection(self.kill.clone()).await
            }
            FaultKind::Drop => drop_connection(self.kill.clone()).await,
            other => unreachable!("{other:?} runs the handler first"),
        }
    }

    /// Faults that let the real handler run first (a write commits), then change the answer.
    async fn after_handler(&self, request: Request, next: Next) -> Response {
        let (parts, body) = request.into_parts();
        let body = to_bytes(body, MAX_BODY_BYTES).await.unwrap_or_default();
        let replay = replay_of(&parts, &body);
        let response = next.run(Request::from_parts(parts, Body::from(body))).await;
        self.note("handlerStatus", json!(response.status().as_u16()));
        match self.spec.kind {
            FaultKind::AfterCommit => self.error_response(504),
            FaultKind::ConflictAfterCommit => {
                let router = crate::router::bare_service_router(self.app.clone());
                router.oneshot(replay).await.expect("router is infallible")
            }
            FaultKind::StallAfterCommit => {
                sleep_ms(self.stall_ms()).await;
                drop_connection(self.kill.clone()).await
            }
            FaultKind::MalformedItem => self.edit_item(response, ItemFault::Malformed).await,
            FaultKind::UnknownEnum => self.edit_item(response, ItemFault::UnknownEnum).await,
            other => unreachable!("{other:?} answers instead of the handler"),
        }
    }

    fn stall_ms(&self) -> u64 {
        self.spec.ms.unwrap_or(DEFAULT_STALL_MS)
    }

    /// `status` (else `default_status`) with the service's error body, code and message overridable.
    fn error_response(&self, default_status: u16) -> Response {
        let status = StatusCode::from_u16(self.spec.status.unwrap_or(default_status))
            .unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        let code = self
            .spec
            .code
            .as_deref()
            .unwrap_or(self.service.code_for_status(status));
        let message = self.spec.message.as_deref().unwrap_or("Injected fault.");
        let mut response = self.service.error(status, code, message);
        if let Some(seconds) = self.spec.retry_after {
            set_retry_after(&mut response, seconds);
        }
        response
    }

    /// A successful JSON answer with one item changed; anything else passes unchanged.
    async fn edit_item(&self, response: Response, kind: ItemFault) -> Response {
        if !response.status().is_success() {
            return response;
        }
        let (mut parts, body) = response.into_parts();
        let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
        let Ok(mut json) = serde_json::from_slice::<Value>(&bytes) else {
            return Response::from_parts(parts, Body::from(bytes));
        };
        let edit = ItemEdit {
            kind,
            list: self.spec.list.as_deref(),
            item: self.spec.item.unwrap_or(0),
            field: self.spec.field.as_deref(),
            value: self.spec.value.as_ref(),
        };
        self.note("target", json!(edit.apply(&mut json)));
        parts.headers.remove(header::CONTENT_LENGTH);
        Response::from_parts(parts, Body::from(json.to_string()))
    }
}

/// How long `stall` and `stallAfterCommit` hold a request when the fault gives no `ms`.
const DEFAULT_STALL_MS: u64 = 30_000;

/// The same request again, for `conflictAfterCommit` (no extensions: it bypasses every layer).
fn replay_of(parts: &axum::http::request::Parts, body: &Bytes) -> Request {
    let mut replay = Request::new(Body::from(body.clone()));
    *replay.method_mut() = parts.method.clone();
    *replay.uri_mut() = parts.uri.clone();
    *replay.headers_mut() = parts.headers.clone();
    replay
}

async fn sleep_ms(ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

fn set_retry_after(response: &mut Response, seconds: u64) {
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
}

/// A 200 whose JSON body is cut off.
fn malformed_json() -> Response {
    let mut response = Response::new(Body::from(r#"{"value": [{"id": "9f2b5ddb-a50e-44a1"#));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// Close the connection without answering (the future never completes; the connection task drops it).
async fn drop_connection(kill: Option<ConnectionKill>) -> Response {
    match kill {
        Some(kill) => {
            kill.kill();
            std::future::pending::<Response>().await
        }
        None => empty_response(StatusCode::BAD_GATEWAY),
    }
}
