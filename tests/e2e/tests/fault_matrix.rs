//! The fault matrix of "Decisions and sessions you can trust": every operation (queue load, detail read,
//! decide, history, cancel) against every fault (429 with Retry-After, 503, 504 after commit, a dropped
//! connection, a stall past the app's timeout, malformed JSON, one malformed item, an unknown enum value,
//! 401, 403, 404, a 409 caused by another approver and one caused by the same user).
//!
//! One test per operation, each a table of cells sharing one emulator and one browser: between cells the
//! emulator is reset (`/_emulator/reset` keeps the signed-in identity), the drafts are cleared and the
//! app is loaded again. Each cell asserts on the emulator's log (how often the faulted call was sent, no
//! duplicate write), on the emulator's state (what the service holds) and on the page (the message is
//! true to that state; the justification is still in the box where nothing was recorded). The sources
//! rotate across the cells so that every source meets faults.
//!
//! A cell that does not apply to an operation is asserted for what it means there (on a read, "504
//! after commit" is a read that failed once; "409" is a request decided before the read) or left out
//! with the reason beside its table: MIM PAM and the portal have no approval read (their detail is the
//! pending list of the queue cells), MIM PAM keeps no approver history, and the portal API cannot cancel
//! (asserted: its rows offer no Cancel). A 2xx whose body is garbled, and an item fault on a write's
//! answer, are asserted on the services that answer a write with a body (ARM) or with 204.
//!
//! Faults that pass (429, 5xx, drop, stall, 401) hit once; the others stay for the whole cell, since a
//! page reads some lists twice (the queue and the overview tiles).

use e2e::*;
use serde_json::{json, Value};
use std::time::Instant;

/// The app's per-call timeout in these tests; a stall lasts longer.
const TIMEOUT_MS: u64 = 3000;
const STALL_MS: u64 = TIMEOUT_MS + 2000;
const JUSTIFICATION: &str = "Change CHG-7001 reviewed with the requester";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    /// 429 with `Retry-After: 2`.
    Throttled,
    /// 503, nothing committed.
    Unavailable,
    /// The service commits, then the gateway answers 504.
    GatewayTimeoutAfterCommit,
    /// The connection closes without an answer, nothing committed.
    Dropped,
    /// No answer within the app's timeout, nothing committed.
    Stalled,
    /// The service commits, and its answer never comes (a decide-only extra row).
    StalledAfterCommit,
    /// 200 with truncated JSON, nothing committed.
    MalformedJson,
    /// One item of a list (or the body of a single read) gets a field of the wrong type.
    MalformedItem,
    /// One item gets an enum value no client knows.
    UnknownEnum,
    /// The service's own 401.
    Unauthorized,
    Forbidden,
    NotFound,
    /// Another approver decided first (no fault: Nestor decides through the API).
    DecidedByOther,
    /// The same user's decision already stands: the service commits, then answers what a second send of
    /// the same write meets (409 by the same user).
    DecidedBySelf,
}

use Fault::*;

impl Fault {
    /// The emulator fault for `method path`; `None` where the cell changes the tenant instead.
    fn spec(self, method: &str, path: &str) -> Option<Value> {
        let mut spec = match self {
            Throttled => json!({ "kind": "throttle", "retryAfter": 2 }),
            Unavailable => json!({ "kind": "status", "status": 503 }),
            GatewayTimeoutAfterCommit => json!({ "kind": "afterCommit", "status": 504 }),
            Dropped => json!({ "kind": "drop" }),
            Stalled => json!({ "kind": "stall", "ms": STALL_MS }),
            StalledAfterCommit => json!({ "kind": "stallAfterCommit", "ms": STALL_MS }),
            MalformedJson => json!({ "kind": "malformed" }),
            MalformedItem => json!({ "kind": "malformedItem", "item": 1 }),
            UnknownEnum => json!({ "kind": "unknownEnum", "item": 1 }),
            Unauthorized => json!({ "kind": "unauthorized" }),
            Forbidden => json!({ "kind": "status", "status": 403 }),
            NotFound => json!({ "kind": "status", "status": 404 }),
            // On a write; a read meets the user's own decision as data (the cell decides first).
            DecidedBySelf if method != "GET" => json!({ "kind": "conflictAfterCommit" }),
            DecidedBySelf | DecidedByOther => return None,
        };
        spec["method"] = json!(method);
        spec["path"] = json!(path);
        if self == Dropped && method != "GET" {
            // Chromium resends a request by itself when a reused keep-alive connection closes before
            // any byte of an answer (once per idle connection it tries): every send of the write is
            // dropped, so that what the app sees and what is committed do not depend on the pool.
        } else if self.passes() {
            spec["times"] = json!(1);
        }
        Some(spec)
    }

    /// Whether the fault is a passing one (hit once, then the service answers again); the others stay
    /// for the whole cell, so that every read of the path meets them (a page reads some lists twice).
    fn passes(self) -> bool {
        !matches!(
            self,
            MalformedJson | MalformedItem | UnknownEnum | Forbidden | NotFound
        )
    }
}

const ROLES: Source = Source::EntraRoles;
const GROUPS: Source = Source::Groups;
const AZURE: Source = Source::AzureResources;
const PAM: Source = Source::MimPam;
const PORTAL: Source = Source::PortalApi;

/// The path prefix (no query) of each source's pending list.
fn pending_list_path(source: Source) -> &'static str {
    match source {
        ROLES => "/graph/v1.0/roleManagement/directory/roleAssignmentScheduleRequests/filterByCurrentUser",
        GROUPS => "/graph/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests/filterByCurrentUser",
        AZURE => "/arm/providers/Microsoft.Authorization/roleAssignmentScheduleRequests",
        PAM => "/pam/api/pamresources/pamrequeststoapprove",
        PORTAL => "/portal/api/security/pim/pending-approvals",
    }
}

/// The path prefix of each source's approvals: read with GET, decided with PATCH (POST for MIM PAM and
/// the portal, which have no approval read).
fn approvals_path(source: Source) -> &'static str {
    match source {
        ROLES => "/graph/beta/roleManagement/directory/roleAssignmentApprovals/",
        GROUPS => "/graph/v1.0/identityGovernance/privilegedAccess/group/assignmentApprovals/",
        AZURE => "/arm/providers/Microsoft.Authorization/roleAssignmentApprovals/",
        PAM => "/pam/api/pamresources/pamrequeststoapprove(",
        PORTAL => "/portal/api/security/pim/approvals/",
    }
}

fn decide_method(source: Source) -> &'static str {
    match source {
        PAM | PORTAL => "POST",
        _ => "PATCH",
    }
}

/// A browser signed in as `name`, against an emulator whose app config times calls out after
/// [`TIMEOUT_MS`].
async fn matrix_world(name: &str) -> World {
    let mut overlay = serde_json::Map::new();
    overlay.insert("requestTimeoutMs".into(), json!(TIMEOUT_MS));
    let world = World::start_with(Options {
        app_config_overlay: overlay,
        ..Options::default()
    })
    .await;
    world.sign_in_as(name).await;
    world
}

/// Back to the demo tenant as it started, without faults, log or drafts (the sign-in stays).
async fn reset(world: &World) {
    world.control("POST", "/_emulator/reset", Value::Null).await;
    world
        .eval(
            "Object.keys(sessionStorage).filter(k => k.startsWith('pim-approvals.draft:'))
               .forEach(k => sessionStorage.removeItem(k)); return true;",
        )
        .await;
}

async fn install(world: &World, fault: Fault, method: &str, path: &str) {
    if let Some(spec) = fault.spec(method, path) {
        world.fault(spec).await;
    }
}

/// The request `id` as the emulator holds it now.
async fn held(world: &World, id: &str) -> RequestView {
    world.state().await.request(id).clone()
}

/// For the 409 cells of a read: a request both approve, decided beforehand by Nestor (another approver)
/// or by Adele herself (as from another tab); `None` for the other cells.
async fn decided_beforehand(world: &World, fault: Fault, source: Source) -> Option<RequestView> {
    let who = match fault {
        DecidedByOther => NESTOR_ID,
        DecidedBySelf => ADELE_ID,
        _ => return None,
    };
    let request = shared_request(world, source).await;
    approve_through_api(world, who, &request).await;
    Some(request)
}

/// `user` approves `request` through the service's API (Graph or portal), as another browser would.
async fn approve_through_api(world: &World, user: &str, request: &RequestView) {
    let (id, step) = (&request.id, &request.ids.step_id);
    let graph_body =
        json!({ "reviewResult": "Approve", "justification": OTHER_APPROVER_JUSTIFICATION });
    let (resource, path, body) = match request.source {
        ROLES => (
            "graph",
            format!("{}{id}/steps/{step}", approvals_path(ROLES)),
            graph_body,
        ),
        GROUPS => (
            "graph",
            format!("{}{id}/stages/{step}", approvals_path(GROUPS)),
            graph_body,
        ),
        PORTAL => (
            "portal",
            format!("{}{id}/approve", approvals_path(PORTAL)),
            json!({ "justification": OTHER_APPROVER_JUSTIFICATION }),
        ),
        other => panic!("approve_through_api does not speak {other}"),
    };
    let method = decide_method(request.source);
    let token = world.token_for(user, resource).await;
    let response = world.call_as(&token, method, &path, Some(body)).await;
    assert!(
        response.status().is_success(),
        "{user} approves {id}: {}",
        response.status()
    );
}

/// Log entries of `method` whose path starts with `prefix` (batch items included).
fn hits<'a>(log: &'a [Value], method: &str, prefix: &str) -> Vec<&'a Value> {
    log.iter()
        .filter(|e| e["method"] == method && e["path"].as_str().unwrap_or("").starts_with(prefix))
        .collect()
}

fn statuses(entries: &[&Value]) -> Vec<Value> {
    entries.iter().map(|e| e["status"].clone()).collect()
}

/// A read the fault hit once, read again (same path and query) with success; a 401 with a fresh token,
/// a 429 after its Retry-After.
fn assert_read_again(cell: &str, fault: Fault, entries: &[&Value]) {
    let hit = entries
        .iter()
        .position(|e| !e["fault"].is_null())
        .unwrap_or_else(|| panic!("{cell}: the fault was hit: {:?}", statuses(entries)));
    let first = entries[hit];
    let expected_first = match fault {
        Throttled => json!(429),
        Unavailable => json!(503),
        GatewayTimeoutAfterCommit => json!(504),
        Unauthorized => json!(401),
        Dropped | Stalled => Value::Null,
        other => panic!("{other:?} is not read again"),
    };
    assert_eq!(
        first["status"],
        expected_first,
        "{cell}: {:?}",
        statuses(entries)
    );
    let again = entries[hit + 1..]
        .iter()
        .find(|e| e["path"] == first["path"] && e["query"] == first["query"])
        .unwrap_or_else(|| {
            panic!(
                "{cell}: the failed read is read again: {:?}",
                statuses(entries)
            )
        });
    assert_eq!(again["status"], 200, "{cell}: {:?}", statuses(entries));
    if fault == Unauthorized {
        assert_ne!(
            first["tokenFingerprint"], again["tokenFingerprint"],
            "{cell}: read again with a fresh token"
        );
    }
    if fault == Throttled {
        let waited = at(again) - at(first);
        assert!(
            waited >= chrono::Duration::milliseconds(1900),
            "{cell}: Retry-After 2 is honoured (waited {waited})"
        );
    }
}

/// A failure that reading again cannot cure (malformed, 403, 404) is not retried: each reader reads
/// it once (a retry would read it three times). The queue page has two readers of some lists (the queue
/// and the overview both read ARM's `asApprover()` list), hence at most two reads per query.
fn assert_not_read_again(cell: &str, entries: &[&Value]) {
    assert!(!entries.is_empty(), "{cell}: read");
    for a in entries {
        let same = entries
            .iter()
            .filter(|b| a["path"] == b["path"] && a["query"] == b["query"])
            .count();
        assert!(same <= 2, "{cell}: not read again: {:?}", statuses(entries));
    }
}

fn at(entry: &Value) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(entry["at"].as_str().unwrap()).unwrap()
}

/// The writes the app sent. After a dropped connection, Chromium's network stack resends the same
/// request by itself on another idle keep-alive connection until one is fresh: those sends come in one
/// burst (consecutive in the log, within a second, all dropped) and count as the app's one send.
fn app_writes<'a>(cell: &str, fault: Fault, mut sent: Vec<&'a Value>) -> Vec<&'a Value> {
    if fault == Dropped && sent.len() > 1 {
        let first = sent[0];
        for (n, resend) in sent.iter().enumerate().skip(1) {
            assert_eq!(resend["body"], first["body"], "{cell}: the same request");
            assert_eq!(resend["path"], first["path"], "{cell}: the same request");
            assert!(resend["status"].is_null(), "{cell}: dropped too: {sent:#?}");
            assert!(
                resend["seq"].as_u64() == first["seq"].as_u64().map(|s| s + n as u64)
                    && at(resend) - at(first) < chrono::Duration::seconds(1),
                "{cell}: a resend of the transport, not a later one: {sent:#?}"
            );
        }
        sent.truncate(1);
    }
    sent
}

fn cell_name(operation: &str, fault: Fault, source: Source) -> String {
    format!("{operation} × {fault:?} on {source}")
}

/// One cell's run time, printed so the report can quote it (`--nocapture`).
fn timed(cell: &str, started: Instant) {
    println!("{cell}: passed in {:.1} s", started.elapsed().as_secs_f64());
}

// ---------------------------------------------------------------------------------------------------
// Queue load
// ---------------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum QueueShows {
    /// Every request the emulator has waiting for Adele, no source error.
    Everything,
    /// The source's error (naming the source, with a retry); every other source's requests still show.
    SourceError,
    /// One request of the source could not be read and says so; the rest show.
    OneUnreadable,
    /// One request of the source shows its status as unknown (it is not offered for a decision);
    /// the rest show as usual, no error.
    OneUnknownStatus,
}

#[tokio::test(flavor = "multi_thread")]
async fn queue_load_through_every_fault() {
    let table: [(Fault, Source, QueueShows); 13] = [
        (Throttled, ROLES, QueueShows::Everything),
        (Unavailable, GROUPS, QueueShows::Everything),
        // On a read, "504 after commit" is a read that failed once: read again.
        (GatewayTimeoutAfterCommit, AZURE, QueueShows::Everything),
        (Dropped, PAM, QueueShows::Everything),
        (Stalled, PORTAL, QueueShows::Everything),
        (MalformedJson, ROLES, QueueShows::SourceError),
        (MalformedItem, GROUPS, QueueShows::OneUnreadable),
        // Graph filters the list to pending requests, so the item with the unknown status is one the
        // service holds as waiting: the app shows it, marked as unknown, rather than hiding it.
        (UnknownEnum, ROLES, QueueShows::OneUnknownStatus),
        (Unauthorized, GROUPS, QueueShows::Everything),
        (Forbidden, AZURE, QueueShows::SourceError),
        (NotFound, PORTAL, QueueShows::SourceError),
        // A queue load sends no write; the 409 cells are what the load shows after the decision.
        (DecidedByOther, PORTAL, QueueShows::Everything),
        (DecidedBySelf, ROLES, QueueShows::Everything),
    ];
    let all = Instant::now();
    let world = matrix_world(ADELE).await;
    for (fault, source, shows) in table {
        let started = Instant::now();
        let cell = cell_name("queue load", fault, source);
        reset(&world).await;
        let path = pending_list_path(source);
        let decided = decided_beforehand(&world, fault, source)
            .await
            .map(|r| r.id.clone());
        install(&world, fault, "GET", path).await;
        world.clear_log().await;
        world.goto("/").await;
        wait_until_loaded(&world).await;

        let expected = expected_queue(&world, ADELE_ID).await;
        let shown = shown_queue(&world).await;
        let slug = slug(source);
        let error = format!("[data-testid=source-error][data-source={slug}]");
        let of_source = |set: &std::collections::BTreeSet<(String, String)>| {
            set.iter().filter(|(s, _)| s == slug).count()
        };
        let others = |set: &std::collections::BTreeSet<(String, String)>| {
            set.iter()
                .filter(|(s, _)| s != slug)
                .cloned()
                .collect::<Vec<_>>()
        };
        assert_eq!(
            others(&shown),
            others(&expected),
            "{cell}: the other sources show"
        );
        let log = world.log().await;
        let reads = hits(&log, "GET", path);
        match shows {
            QueueShows::Everything => {
                assert_eq!(shown, expected, "{cell}");
                assert!(!world.exists(&error).await, "{cell}: no error");
                if fault.spec("GET", path).is_some() {
                    assert_read_again(&cell, fault, &reads);
                }
                if let Some(id) = &decided {
                    assert!(
                        !shown.iter().any(|(_, shown_id)| shown_id == id),
                        "{cell}: the decided request is not offered"
                    );
                    assert_eq!(held(&world, id).await.state, Status::Approved, "{cell}");
                }
            }
            QueueShows::SourceError => {
                let text = world.wait_for_text(&error, "").await;
                let label = world
                    .eval(&format!(
                        "return document.querySelector('{error}').textContent;"
                    ))
                    .await;
                assert!(!text.is_empty(), "{cell}: an error is shown");
                assert!(
                    label.as_str().unwrap_or("").contains(source_label(source)),
                    "{cell}: the error names the source: {label}"
                );
                assert_not_read_again(&cell, &reads);
            }
            QueueShows::OneUnknownStatus => {
                assert_eq!(
                    of_source(&shown),
                    of_source(&expected),
                    "{cell}: the whole source shows"
                );
                let marked = shown_rows(
                    &world,
                    &format!("[data-testid=queue-row][data-source={slug}]:has([data-testid=row-unknown-status])"),
                )
                .await;
                assert_eq!(marked.len(), 1, "{cell}: one row marked as unknown");
                let (_, id) = marked.first().unwrap();
                let row = reveal_in_queue(&world, id).await;
                let badge = world
                    .text_or_empty(&format!("{row} [data-testid=row-unknown-status]"))
                    .await;
                assert!(badge.starts_with("Unknown ("), "{cell}: {badge}");
                clear_queue_search(&world).await;
                assert!(
                    !world.exists(&error).await,
                    "{cell}: not an error of the whole source"
                );
            }
            QueueShows::OneUnreadable => {
                let unreadable = format!("[data-testid=unreadable][data-source={slug}]");
                let text = world.wait_for_text(&unreadable, "could not be read").await;
                assert!(text.starts_with("1 request"), "{cell}: {text}");
                assert_eq!(
                    of_source(&shown),
                    of_source(&expected) - 1,
                    "{cell}: the rest of the source shows"
                );
                assert!(
                    !world.exists(&error).await,
                    "{cell}: not an error of the whole source"
                );
            }
        }
        assert!(
            log.iter()
                .all(|e| !is_write(e) || e["path"].as_str().unwrap_or("").contains("/oauth2/")),
            "{cell}: a queue load writes nothing"
        );
        timed(&cell, started);
    }
    println!("queue load: {:.1} s", all.elapsed().as_secs_f64());
    world.finish().await;
}

fn source_label(source: Source) -> &'static str {
    match source {
        ROLES => "Entra roles",
        GROUPS => "PIM for Groups",
        AZURE => "Azure resources",
        PAM => "MIM PAM",
        PORTAL => "Admin portal",
    }
}

// ---------------------------------------------------------------------------------------------------
// Detail read
// ---------------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum DetailShows {
    /// The decision panel, with the approval read (again, after the fault).
    Decidable,
    /// The request, and in the decision area why the approval could not be read (the service's words
    /// include the fragment); no buttons.
    ApprovalUnreadable(&'static str),
    /// The request cannot be decided here, and the page says why; no buttons.
    Blocked,
    /// The outcome, "Approved by {name}"; no buttons.
    Outcome(&'static str),
}

#[tokio::test(flavor = "multi_thread")]
async fn detail_read_through_every_fault() {
    // MIM PAM and the portal have no approval read (the pending list implies it): their detail reads
    // are the list reads of the queue-load cells, so every cell here reads a Graph or ARM approval.
    let table: [(Fault, Source, DetailShows); 13] = [
        (Throttled, ROLES, DetailShows::Decidable),
        (Unavailable, GROUPS, DetailShows::Decidable),
        (GatewayTimeoutAfterCommit, AZURE, DetailShows::Decidable),
        (Dropped, ROLES, DetailShows::Decidable),
        (Stalled, GROUPS, DetailShows::Decidable),
        (
            MalformedJson,
            AZURE,
            DetailShows::ApprovalUnreadable("could not be read"),
        ),
        (
            MalformedItem,
            ROLES,
            DetailShows::ApprovalUnreadable("could not be read"),
        ),
        (UnknownEnum, GROUPS, DetailShows::Blocked),
        (Unauthorized, AZURE, DetailShows::Decidable),
        (
            Forbidden,
            ROLES,
            DetailShows::ApprovalUnreadable("did not allow this"),
        ),
        (
            NotFound,
            GROUPS,
            DetailShows::ApprovalUnreadable("does not know this request"),
        ),
        // A read sends no write: the 409 cells open a request already decided by Nestor / by Adele.
        (DecidedByOther, ROLES, DetailShows::Outcome(NESTOR)),
        (DecidedBySelf, GROUPS, DetailShows::Outcome(ADELE)),
    ];
    let all = Instant::now();
    let world = matrix_world(ADELE).await;
    for (fault, source, shows) in table {
        let started = Instant::now();
        let cell = cell_name("detail read", fault, source);
        reset(&world).await;
        let path = approvals_path(source);
        let request = match decided_beforehand(&world, fault, source).await {
            Some(request) => request,
            None => pick(&world, source, 0).await,
        };
        install(&world, fault, "GET", path).await;
        world.clear_log().await;
        world.goto(&route(&request)).await;
        let detail = world.wait_for("[data-testid=request-detail]").await;
        assert_eq!(
            detail.attr("data-id").await.unwrap().as_deref(),
            Some(request.id.as_str()),
            "{cell}: the request shows"
        );
        match shows {
            DetailShows::Decidable => {
                world.wait_for("[data-testid=decision-panel]").await;
                let log = world.log().await;
                assert_read_again(&cell, fault, &hits(&log, "GET", path));
            }
            DetailShows::ApprovalUnreadable(words) => {
                world
                    .wait_for_text(".card.decision", "The approval could not be read")
                    .await;
                let error = world
                    .wait_for_text(".card.decision [data-testid=source-error]", words)
                    .await;
                assert!(
                    error.contains(source_label(source)),
                    "{cell}: names the source: {error}"
                );
                assert!(
                    !world.exists("[data-testid=decision-panel]").await,
                    "{cell}: no buttons"
                );
                let log = world.log().await;
                assert_not_read_again(&cell, &hits(&log, "GET", path));
            }
            DetailShows::Blocked => {
                world.wait_for("[data-testid=decision-blocked]").await;
                assert!(
                    !world.exists("[data-testid=decision-panel]").await,
                    "{cell}: no buttons"
                );
            }
            DetailShows::Outcome(name) => {
                let outcome = world.wait_for_text("[data-testid=outcome]", name).await;
                assert!(
                    outcome.starts_with(&format!("Approved by {name}")),
                    "{cell}: {outcome}"
                );
                assert!(
                    !world.exists("[data-testid=decision-panel]").await,
                    "{cell}: no buttons"
                );
            }
        }
        assert_eq!(
            held(&world, &request.id).await.state,
            if matches!(fault, DecidedByOther | DecidedBySelf) {
                Status::Approved
            } else {
                Status::Pending
            },
            "{cell}: a read changes nothing"
        );
        timed(&cell, started);
    }
    println!("detail read: {:.1} s", all.elapsed().as_secs_f64());
    world.finish().await;
}

// ---------------------------------------------------------------------------------------------------
// Decide
// ---------------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Settles {
    /// "The service confirmed your decision", from its answer.
    Confirmed,
    /// Confirmed by reading the approval back after an answer that left it open.
    ConfirmedByReadBack,
    /// "Not recorded. Nothing was changed", the justification still in the box, the buttons back.
    NotRecorded,
    /// "Someone else decided this request first", naming Nestor.
    DecidedFirst,
    /// Nobody can tell (MIM PAM cannot show a decided request): said so, no buttons, "Check again".
    Unknown,
}

struct DecideCell {
    fault: Fault,
    source: Source,
    settles: Settles,
    /// Writes the app sends (a 401 gets one resend with a fresh token).
    writes: usize,
}

const fn cell(fault: Fault, source: Source, settles: Settles, writes: usize) -> DecideCell {
    DecideCell {
        fault,
        source,
        settles,
        writes,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn decide_through_every_fault() {
    use Settles::*;
    let table = [
        // A 429 on a write was not processed: never resent automatically.
        cell(Throttled, GROUPS, NotRecorded, 1),
        cell(Unavailable, PAM, NotRecorded, 1),
        cell(GatewayTimeoutAfterCommit, ROLES, ConfirmedByReadBack, 1),
        // MIM PAM lists only pending approvals: after a lost answer, nothing can tell who decided.
        cell(GatewayTimeoutAfterCommit, PAM, Unknown, 1),
        cell(Dropped, AZURE, NotRecorded, 1),
        cell(Stalled, PORTAL, NotRecorded, 1),
        cell(StalledAfterCommit, GROUPS, ConfirmedByReadBack, 1),
        // A 2xx whose body cannot be read leaves it open: read back, and nothing was committed.
        cell(MalformedJson, ROLES, NotRecorded, 1),
        // ARM answers the decision with the stage: a bad field or an unknown status in that answer
        // does not undo a committed decision (the other services answer 204 with no item).
        cell(MalformedItem, AZURE, Confirmed, 1),
        cell(UnknownEnum, AZURE, Confirmed, 1),
        cell(Unauthorized, ROLES, Confirmed, 2),
        cell(Forbidden, PORTAL, NotRecorded, 1),
        cell(NotFound, GROUPS, NotRecorded, 1),
        cell(DecidedByOther, PORTAL, DecidedFirst, 1),
        cell(DecidedBySelf, ROLES, ConfirmedByReadBack, 1),
    ];
    let all = Instant::now();
    let world = matrix_world(ADELE).await;
    for DecideCell {
        fault,
        source,
        settles,
        writes,
    } in table
    {
        let started = Instant::now();
        let cell = cell_name("decide", fault, source);
        reset(&world).await;
        let request = if fault == DecidedByOther {
            shared_request(&world, source).await
        } else {
            pick(&world, source, 0).await
        };
        let id = &request.id;
        world.goto(&route(&request)).await;
        world.wait_for("[data-testid=decision-panel]").await;
        let justified = source != PAM;
        if justified {
            world
                .type_into("#approver-justification", JUSTIFICATION)
                .await;
        }
        if fault == DecidedByOther {
            approve_through_api(&world, NESTOR_ID, &request).await;
        }
        let (method, path) = (decide_method(source), approvals_path(source));
        install(&world, fault, method, path).await;
        world.clear_log().await;
        world.click("[data-testid=approve]").await;
        world
            .wait_for(
                "[data-testid=confirmation], [data-testid=notice], [data-testid=decision-error]",
            )
            .await;

        // The log: the write sent once (a 401 once more with a fresh token), nothing else written.
        let log = world.log().await;
        let sent = app_writes(&cell, fault, hits(&log, method, path));
        assert_eq!(sent.len(), writes, "{cell}: writes {:?}", statuses(&sent));
        assert_eq!(
            log.iter().filter(|e| is_write(e)).count(),
            hits(&log, method, path).len(),
            "{cell}: no other write"
        );
        assert!(
            sent.iter().all(|e| e["path"] == sent[0]["path"]),
            "{cell}: one request decided"
        );
        if fault == Unauthorized {
            assert_eq!(statuses(&sent), [json!(401), json!(204)], "{cell}");
            assert_ne!(
                sent[0]["tokenFingerprint"], sent[1]["tokenFingerprint"],
                "{cell}"
            );
        }

        // The service: one decision at most, and whose.
        let now = held(&world, id).await;
        let committed = matches!(settles, Confirmed | ConfirmedByReadBack | Unknown)
            && !(settles == Unknown && fault != GatewayTimeoutAfterCommit);
        match settles {
            DecidedFirst => {
                assert_eq!(now.state, Status::Approved, "{cell}");
                assert_eq!(
                    now.decider(),
                    Some(NESTOR_ID),
                    "{cell}: Nestor's decision stands"
                );
            }
            _ if committed => {
                assert_eq!(now.state, Status::Approved, "{cell}: {now:?}");
                assert_eq!(now.decider(), Some(ADELE_ID), "{cell}");
            }
            _ => assert_eq!(now.state, Status::Pending, "{cell}: nothing committed"),
        }

        // The page: true to what the service holds.
        let panel_error = world.text_or_empty("[data-testid=decision-error]").await;
        match settles {
            Confirmed | ConfirmedByReadBack => {
                let text = world
                    .wait_for_text(
                        "[data-testid=confirmation]",
                        "service confirmed your decision",
                    )
                    .await;
                let lost = text.contains("answer was lost on the way");
                assert_eq!(lost, settles == ConfirmedByReadBack, "{cell}: {text}");
                world
                    .wait_for_text("[data-testid=outcome]", "Approved by Adele Vance")
                    .await;
            }
            NotRecorded => {
                world
                    .wait_for("[data-testid=decision-error][data-outcome=not-recorded]")
                    .await;
                assert!(
                    panel_error.contains("Not recorded. Nothing was changed"),
                    "{cell}: {panel_error}"
                );
                assert!(!world.exists("[data-testid=confirmation]").await, "{cell}");
                if justified {
                    let kept = world
                        .eval("return document.querySelector('#approver-justification').value;")
                        .await;
                    assert_eq!(
                        kept,
                        json!(JUSTIFICATION),
                        "{cell}: the justification is still in the box"
                    );
                }
                let enabled = world
                    .eval("return !document.querySelector('[data-testid=approve]').disabled;")
                    .await;
                assert_eq!(enabled, json!(true), "{cell}: the approver can try again");
            }
            DecidedFirst => {
                let notice = world
                    .wait_for_text(
                        "[data-testid=notice]",
                        "someone else decided this request first",
                    )
                    .await;
                assert!(notice.contains(NESTOR), "{cell}: {notice}");
                assert!(!world.exists("[data-testid=confirmation]").await, "{cell}");
            }
            Unknown => {
                world
                    .wait_for("[data-testid=decision-error][data-outcome=unknown]")
                    .await;
                assert!(
                    panel_error.contains("may or may not have been recorded"),
                    "{cell}: {panel_error}"
                );
                assert!(world.exists("[data-testid=check-again]").await, "{cell}");
                assert!(!world.exists("[data-testid=confirmation]").await, "{cell}");
                let disabled = world
                    .eval("return document.querySelector('[data-testid=approve]').disabled;")
                    .await;
                assert_eq!(
                    disabled,
                    json!(true),
                    "{cell}: no second send while it is unknown"
                );
            }
        }
        timed(&cell, started);
    }
    println!("decide: {:.1} s", all.elapsed().as_secs_f64());
    world.finish().await;
}

// ---------------------------------------------------------------------------------------------------
// History (Requests I Approved)
// ---------------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum HistoryShows {
    /// Every decision Adele made in the last 7 days (MIM PAM keeps none), no source error.
    Everything,
    /// The source's error; the other sources' decisions still show.
    SourceError,
    /// One item of the source could not be read and the page says so; the others show.
    OneUnreadable,
}

/// The lists each source reads for its history, by path prefix.
fn history_path(source: Source, which: usize) -> &'static str {
    match (source, which) {
        (ROLES | GROUPS, 0) => pending_list_path(source),
        (ROLES | GROUPS, _) => approvals_path(source),
        (AZURE, 0) => "/arm/providers/Microsoft.Authorization/roleAssignmentScheduleRequests",
        (AZURE, _) => "/arm/providers/Microsoft.Authorization/roleAssignmentApprovals",
        (PORTAL, _) => "/portal/api/security/pim/requests/history",
        (other, _) => panic!("{other} keeps no approver history"),
    }
}

/// Adele's decisions of the last 7 days as the emulator holds them (ids).
async fn expected_decisions(world: &World) -> std::collections::BTreeSet<String> {
    let state = world.state().await;
    decided_this_week(&state, ADELE_ID)
        .map(|r| r.id.clone())
        .collect()
}

async fn shown_decisions(world: &World) -> Vec<String> {
    let ids = world
        .eval("return [...document.querySelectorAll('[data-testid=decision-row]')].map(r => r.dataset.id);")
        .await;
    ids.as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn history_through_every_fault() {
    // MIM PAM keeps no approver history (its API lists only pending approvals): no history cell.
    // (fault, source, which list of the source: 0 = the requests, 1 = the approvals, what shows)
    let table: [(Fault, Source, usize, HistoryShows); 13] = [
        // A 429 on one approval inside Graph's $batch: that item alone is read again after Retry-After.
        (Throttled, ROLES, 1, HistoryShows::Everything),
        (Unavailable, GROUPS, 0, HistoryShows::Everything),
        (
            GatewayTimeoutAfterCommit,
            AZURE,
            0,
            HistoryShows::Everything,
        ),
        (Dropped, PORTAL, 0, HistoryShows::Everything),
        (Stalled, ROLES, 0, HistoryShows::Everything),
        (MalformedJson, GROUPS, 0, HistoryShows::SourceError),
        (MalformedItem, PORTAL, 0, HistoryShows::OneUnreadable),
        (UnknownEnum, AZURE, 1, HistoryShows::Everything),
        (Unauthorized, ROLES, 0, HistoryShows::Everything),
        (Forbidden, AZURE, 1, HistoryShows::SourceError),
        (NotFound, PORTAL, 0, HistoryShows::SourceError),
        // A history read sends no write: Nestor's decision is not Adele's; Adele's own shows once.
        (DecidedByOther, ROLES, 0, HistoryShows::Everything),
        (DecidedBySelf, GROUPS, 0, HistoryShows::Everything),
    ];
    let all = Instant::now();
    let world = matrix_world(ADELE).await;
    for (fault, source, which, shows) in table {
        let started = Instant::now();
        let cell = cell_name("history", fault, source);
        reset(&world).await;
        let decided = decided_beforehand(&world, fault, source)
            .await
            .map(|r| r.id.clone());
        // The queue loads first (it reads some of the same lists); the fault is for the history.
        world.goto("/").await;
        wait_until_loaded(&world).await;
        let path = history_path(source, which);
        install(&world, fault, "GET", path).await;
        world.clear_log().await;
        world.click("a[href='/approved-by-me']").await;
        world
            .wait_for_count(
                "[data-testid=decision-row], [data-testid=source-error]",
                |n| n > 0,
                "history shown",
            )
            .await;

        let expected = expected_decisions(&world).await;
        let error = format!("[data-testid=source-error][data-source={}]", slug(source));
        let log = world.log().await;
        let reads = hits(&log, "GET", path);
        match shows {
            HistoryShows::Everything => {
                let wanted: &Vec<String> = &expected.iter().cloned().collect();
                let w = &world;
                let shown = wait_until(&format!("{cell}: every decision"), || async move {
                    let mut shown = shown_decisions(w).await;
                    shown.sort();
                    if shown == *wanted {
                        Ok(shown)
                    } else {
                        Err(format!("{shown:?}"))
                    }
                })
                .await;
                assert!(!world.exists(&error).await, "{cell}: no error");
                if fault == Throttled {
                    assert_item_read_alone(&cell, &reads);
                } else if fault.spec("GET", path).is_some() && fault != UnknownEnum {
                    assert_read_again(&cell, fault, &reads);
                }
                if let Some(id) = &decided {
                    let times = shown.iter().filter(|s| *s == id).count();
                    assert_eq!(times, usize::from(fault == DecidedBySelf), "{cell}: {id}");
                }
            }
            HistoryShows::SourceError => {
                let text = world.wait_for_text(&error, source_label(source)).await;
                assert!(!text.is_empty(), "{cell}");
                let shown = shown_decisions(&world).await;
                let others: Vec<&String> = expected
                    .iter()
                    .filter(|id| !id_of_source(id, source))
                    .collect();
                for id in others {
                    assert!(
                        shown.contains(id),
                        "{cell}: {id} of another source still shows"
                    );
                }
                assert_not_read_again(&cell, &reads);
            }
            HistoryShows::OneUnreadable => {
                let unreadable = format!("[data-testid=unreadable][data-source={}]", slug(source));
                let text = world.wait_for_text(&unreadable, "could not be read").await;
                assert!(text.starts_with("1 request"), "{cell}: {text}");
                let shown = shown_decisions(&world).await;
                let missing = expected.iter().filter(|id| !shown.contains(id)).count();
                assert!(
                    missing <= 1,
                    "{cell}: only the unreadable item is missing ({missing})"
                );
                assert!(
                    !world.exists(&error).await,
                    "{cell}: not an error of the whole source"
                );
            }
        }
        assert_eq!(
            log.iter().filter(|e| is_write(e)).count(),
            0,
            "{cell}: reads only"
        );
        timed(&cell, started);
    }
    println!("history: {:.1} s", all.elapsed().as_secs_f64());
    world.finish().await;
}

/// Whether a demo request id belongs to `source` (ids are numbered per source).
fn id_of_source(id: &str, source: Source) -> bool {
    let prefix = match source {
        ROLES => "e0000000-",
        GROUPS => "90000000-",
        AZURE => "a2000000-",
        PAM => "b0000000-",
        PORTAL => "PR-",
    };
    id.starts_with(prefix)
}

/// One `$batch` item throttled, then that approval alone read again after its Retry-After.
fn assert_item_read_alone(cell: &str, reads: &[&Value]) {
    let throttled: Vec<&&Value> = reads.iter().filter(|e| e["status"] == 429).collect();
    assert_eq!(throttled.len(), 1, "{cell}: {:?}", statuses(reads));
    let item = throttled[0];
    assert_eq!(item["batchItem"], true, "{cell}: the 429 was a $batch item");
    let again: Vec<&&Value> = reads
        .iter()
        .filter(|e| e["path"] == item["path"] && e["batchItem"] != true)
        .collect();
    assert_eq!(again.len(), 1, "{cell}: that one approval read again alone");
    assert_eq!(again[0]["status"], 200, "{cell}");
    assert!(
        at(again[0]) - at(item) >= chrono::Duration::milliseconds(1900),
        "{cell}: after Retry-After"
    );
}

// ---------------------------------------------------------------------------------------------------
// Cancel (My Requests, signed in as Alex Wilber, who has pending requests in every source)
// ---------------------------------------------------------------------------------------------------

const ALEX: &str = "Alex Wilber";
const ALEX_ID: &str = "a0000000-0000-4000-8000-000000000004";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CancelEnds {
    /// Canceled, the row says so, no error.
    Canceled,
    /// Not canceled: the error is shown and the row still says Pending.
    NotCanceled,
    /// The service canceled it but its answer failed: the error is shown, and the list read again says
    /// Canceled.
    CanceledDespiteError,
    /// Adele approved it first: the cancel is refused and the list read again says Approved.
    ApprovedFirst,
}

fn cancel_path(source: Source) -> &'static str {
    match source {
        ROLES => "/graph/v1.0/roleManagement/directory/roleAssignmentScheduleRequests/",
        GROUPS => {
            "/graph/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests/"
        }
        AZURE => "/arm/",
        PAM => "/pam/api/pamresources/pamrequests(",
        other => panic!("{other} cannot cancel"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_through_every_fault() {
    use CancelEnds::*;
    // (fault, source, how it ends, cancel calls sent)
    let table: [(Fault, Source, CancelEnds, usize); 13] = [
        (Throttled, PAM, NotCanceled, 1),
        (Unavailable, ROLES, NotCanceled, 1),
        (GatewayTimeoutAfterCommit, GROUPS, CanceledDespiteError, 1),
        (Dropped, AZURE, NotCanceled, 1),
        (Stalled, PAM, NotCanceled, 1),
        (MalformedJson, ROLES, NotCanceled, 1),
        // ARM answers a cancel with the request: a bad field or unknown status in it does not undo it.
        (MalformedItem, AZURE, Canceled, 1),
        (UnknownEnum, AZURE, Canceled, 1),
        (Unauthorized, GROUPS, Canceled, 2),
        (Forbidden, PAM, NotCanceled, 1),
        (NotFound, ROLES, NotCanceled, 1),
        (DecidedByOther, GROUPS, ApprovedFirst, 1),
        (DecidedBySelf, ROLES, CanceledDespiteError, 1),
    ];
    let all = Instant::now();
    let world = matrix_world(ALEX).await;
    world.add_windows_session(ALEX_ID).await;

    // The portal API has no cancel endpoint: its pending rows offer no Cancel (the skipped column).
    world.goto("/my-requests").await;
    let portal_row = "[data-testid=history-row][data-source=portal][data-status=Pending]";
    world.wait_for(portal_row).await;
    assert!(
        !world
            .exists(&format!("{portal_row} [data-testid=cancel]"))
            .await,
        "no Cancel where the service cannot cancel"
    );

    for (fault, source, ends, sent_calls) in table {
        let started = Instant::now();
        let cell = cell_name("cancel", fault, source);
        reset(&world).await;
        let state = world.state().await;
        let request = state.first(&format!("Alex's pending {source} request"), |r| {
            r.source == source
                && r.principal == ALEX_ID
                && r.state == Status::Pending
                && r.action == Action::SelfActivate
        });
        let id = &request.id;
        world.goto("/my-requests").await;
        let row = format!("[data-testid=history-row][data-id='{id}']");
        world.wait_for(&format!("{row} [data-testid=cancel]")).await;
        if fault == DecidedByOther {
            approve_through_api(&world, ADELE_ID, request).await;
        }
        let path = cancel_path(source);
        install(&world, fault, "POST", path).await;
        world.clear_log().await;
        world.click(&format!("{row} [data-testid=cancel]")).await;
        world.click("[data-testid=confirm]").await;

        let (status, error) = match ends {
            Canceled => ("Canceled", false),
            NotCanceled => ("Pending", true),
            CanceledDespiteError => ("Canceled", true),
            ApprovedFirst => ("Approved", true),
        };
        if error {
            world.wait_for("[data-testid=source-error]").await;
        }
        world
            .wait_for_text(&format!("{row} [data-testid=status]"), status)
            .await;
        if !error {
            assert!(
                !world.exists("[data-testid=source-error]").await,
                "{cell}: no error"
            );
        }
        let log = world.log().await;
        let on_wire = hits(&log, "POST", path);
        let sent = app_writes(&cell, fault, on_wire.clone());
        assert_eq!(sent.len(), sent_calls, "{cell}: {:?}", statuses(&sent));
        assert_eq!(
            log.iter().filter(|e| is_write(e)).count(),
            on_wire.len(),
            "{cell}: no other write"
        );
        if fault == Unauthorized {
            assert_ne!(
                sent[0]["tokenFingerprint"], sent[1]["tokenFingerprint"],
                "{cell}"
            );
        }
        let held_state = held(&world, id).await.state;
        let expected_state = match ends {
            Canceled | CanceledDespiteError => Status::Canceled,
            NotCanceled => Status::Pending,
            ApprovedFirst => Status::Approved,
        };
        assert_eq!(
            held_state, expected_state,
            "{cell}: the row says what the service holds"
        );
        timed(&cell, started);
    }
    println!("cancel: {:.1} s", all.elapsed().as_secs_f64());
    world.finish().await;
}
