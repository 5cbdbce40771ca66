//! Fault injection (test control `POST /_emulator/faults`) and the fixed `--latency-ms` delay: a
//! middleware on every service route. Faults also hit the inner requests of a Graph `$batch`; the fixed
//! latency applies once, to the outer batch request.

use crate::app::App;
use crate::errors::Service;
use crate::http_util::empty_response;
use crate::request_log::BatchItem;
use crate::server::ConnectionKill;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use serde::Deserialize;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FaultKind {
    Latency,
    Status,
    Throttle,
    Drop,
    Malformed,
}

/// The body of `POST /_emulator/faults`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
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
    fn take_hits(&mut self, method: &Method, path: &str) -> Vec<FaultSpec> {
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
            hits.push(fault.spec.clone());
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
    if app.settings.latency_ms > 0 && !is_batch_item {
        tokio::time::sleep(Duration::from_millis(app.settings.latency_ms)).await;
    }
    let path = request.uri().path().to_string();
    let hits = app
        .faults
        .lock()
        .expect("faults lock")
        .take_hits(request.method(), &path);
    let mut terminal = None;
    for hit in hits {
        match hit.kind {
            FaultKind::Latency => sleep_ms(hit.ms.unwrap_or(1000)).await,
            _ => terminal = Some(hit),
        }
    }
    match terminal {
        None => next.run(request).await,
        Some(fault) => {
            let kill = request.extensions().get::<ConnectionKill>().cloned();
            fault_response(&fault, Service::of_path(&path), kill).await
        }
    }
}

async fn sleep_ms(ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

async fn fault_response(
    fault: &FaultSpec,
    service: Service,
    kill: Option<ConnectionKill>,
) -> Response {
    match fault.kind {
        FaultKind::Status => {
            let status = StatusCode::from_u16(fault.status.unwrap_or(503))
                .unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let mut response = service.error(status, status_code_name(status), "Injected fault.");
            if let Some(seconds) = fault.retry_after {
                set_retry_after(&mut response, seconds);
            }
            response
        }
        FaultKind::Throttle => {
            let seconds = fault.retry_after.unwrap_or(1);
            let message = format!("Too many requests. Please retry after {seconds} seconds.");
            let mut response =
                service.error(StatusCode::TOO_MANY_REQUESTS, "TooManyRequests", &message);
            set_retry_after(&mut response, seconds);
            response
        }
        FaultKind::Malformed => malformed_json(),
        FaultKind::Drop => drop_connection(kill).await,
        FaultKind::Latency => unreachable!("latency faults are not terminal"),
    }
}

fn status_code_name(status: StatusCode) -> &'static str {
    match status.as_u16() {
        500 => "InternalServerError",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        429 => "TooManyRequests",
        _ => "InjectedFault",
    }
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
