//! What PIM for Entra roles and PIM for Groups share on Microsoft Graph: the schedule-request wire model,
//! `filterByCurrentUser` lists with `$expand`, approvals with beta `steps` or v1.0 `stages`, `$batch` reads
//! (one failed item is retried alone and reported alone), the PATCH that decides and the cancel action.
//! [`super::graph_roles`] and [`super::graph_groups`] supply the paths and how to read the role and scope
//! of a request.

use super::http::{sleep_ms, Http};
use super::throttle::{wait_before_resend_ms, Pause, WRITE_ATTEMPTS};
use super::wire::{self, text, time, Embedded, Identity, Invalid, Schedule, TicketInfo};
use super::{ErrorKind, Listing, Me, RequestSource, SourceError, Unreadable};
use crate::domain::history::{in_approver_history, DateRange};
use crate::domain::*;
use async_trait::async_trait;
use gloo_net::http::Method;
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// Graph caps a JSON batch at 20 requests.
const BATCH_LIMIT: usize = 20;

/// The reviewer id Graph uses for "nobody yet" on v1.0 stages.
const NO_REVIEWER: &str = "00000000-0000-0000-0000-000000000000";

/// Where one Graph PIM surface lives and how to read its targets.
pub(crate) struct GraphFlavor {
    pub kind: SourceKind,
    /// Under `/v1.0`, e.g. `/roleManagement/directory/roleAssignmentScheduleRequests`.
    pub requests_path: &'static str,
    pub expand: &'static str,
    /// `beta` for Entra roles (no v1.0 approvals exist), `v1.0` for groups.
    pub approvals_version: &'static str,
    /// Under the version, e.g. `/roleManagement/directory/roleAssignmentApprovals`.
    pub approvals_path: &'static str,
    /// `steps` (beta) or `stages` (v1.0).
    pub stages_segment: &'static str,
    pub target: fn(&GraphRequest) -> (RoleRef, ScopeRef),
}

/// A `unifiedRoleAssignmentScheduleRequest` or `privilegedAccessGroupAssignmentScheduleRequest`, with
/// what `$expand` adds (`principal`, and `roleDefinition`/`directoryScope` or `group`). Enum values are
/// read as text (samples mix `SelfActivate` and `selfActivate`); unknown ones become `Other`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GraphRequest {
    id: String,
    status: Option<String>,
    /// The groups doc sample spells it `createdDateTIme`; the CSDL name is `createdDateTime`.
    #[serde(alias = "createdDateTIme")]
    created_date_time: String,
    /// Set even on pending requests (documented): never read as "done" while pending.
    #[serde(alias = "completedDateTIme")]
    completed_date_time: Option<String>,
    approval_id: Option<String>,
    action: Option<String>,
    principal_id: Option<String>,
    created_by: Option<IdentitySet>,
    principal: Option<Identity>,
    justification: Option<String>,
    schedule_info: Option<Schedule>,
    ticket_info: Option<TicketInfo>,
    // Entra roles
    pub(super) role_definition_id: Option<String>,
    pub(super) role_definition: Option<Embedded>,
    pub(super) directory_scope_id: Option<String>,
    pub(super) directory_scope: Option<Embedded>,
    // PIM for Groups
    pub(super) group_id: Option<String>,
    pub(super) access_id: Option<String>,
    pub(super) group: Option<Embedded>,
}

/// `identitySet` (`createdBy`): only the user part is used.
#[derive(Deserialize)]
struct IdentitySet {
    user: Option<Identity>,
}

impl GraphRequest {
    /// The unified request; `flavor` reads the role and scope.
    fn into_request(self, flavor: &GraphFlavor) -> Result<ApprovalRequest, Invalid> {
        let created = wire::required_time(&self.created_date_time, "createdDateTime")?;
        let (role, scope) = (flavor.target)(&self);
        let principal = self.principal.map(|p| p.person()).unwrap_or_default();
        let created_by = self
            .created_by
            .and_then(|c| c.user)
            .unwrap_or_default()
            .person();
        let schedule = self.schedule_info.unwrap_or_default();
        Ok(ApprovalRequest {
            key: RequestKey::new(flavor.kind, self.id.clone()),
            requester: Person {
                id: principal
                    .id
                    .or_else(|| text(self.principal_id.as_deref()))
                    .or(created_by.id),
                display_name: principal.display_name.or(created_by.display_name),
                upn: principal.upn,
            },
            role,
            scope,
            action: RequestAction::parse(self.action.as_deref().unwrap_or_default()),
            status: RequestStatus::from_service(self.status.as_deref().unwrap_or_default()),
            created,
            start: schedule.start(),
            duration: schedule.duration(),
            end: schedule.end(),
            justification: text(self.justification.as_deref()),
            ticket: self.ticket_info.and_then(|t| t.ticket()),
            completed: time(self.completed_date_time.as_deref()),
            review: None,
            source_ref: SourceRef::Graph {
                approval_id: text(self.approval_id.as_deref()).unwrap_or(self.id),
            },
        })
    }
}

/// An `approval` with beta `steps` or v1.0 `stages`.
#[derive(Deserialize)]
struct GraphApproval {
    id: String,
    #[serde(alias = "steps")]
    stages: Vec<GraphStage>,
}

/// An `approvalStep` (beta) or `approvalStage` (v1.0): read values `NotReviewed|Approved|Denied`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphStage {
    id: String,
    display_name: Option<String>,
    status: Option<String>,
    assigned_to_me: Option<bool>,
    review_result: Option<String>,
    reviewed_by: Option<Identity>,
    reviewed_date_time: Option<String>,
    justification: Option<String>,
}

impl From<GraphApproval> for Approval {
    fn from(approval: GraphApproval) -> Self {
        Approval {
            id: approval.id,
            stages: approval.stages.into_iter().map(Stage::from).collect(),
        }
    }
}

impl From<GraphStage> for Stage {
    fn from(stage: GraphStage) -> Self {
        let reviewer = stage.reviewed_by.unwrap_or_default().person();
        let review = Decision::from_review_result(
            stage.review_result.as_deref().unwrap_or_default(),
        )
        .map(|decision| Review {
            decision,
            by: Person {
                id: reviewer.id.filter(|id| id != NO_REVIEWER),
                ..reviewer
            },
            at: time(stage.reviewed_date_time.as_deref()),
            justification: text(stage.justification.as_deref()),
        });
        Stage {
            id: stage.id,
            name: text(stage.display_name.as_deref()),
            status: StageStatus::parse(stage.status.as_deref().unwrap_or_default()),
            assigned_to_me: stage.assigned_to_me.unwrap_or(false),
            review,
        }
    }
}

/// The body of a `$batch` answer: one response per inner request, in any order.
#[derive(Deserialize)]
struct BatchReply {
    responses: Vec<BatchItem>,
}

#[derive(Deserialize)]
struct BatchItem {
    id: String,
    #[serde(default)]
    status: u16,
    #[serde(default)]
    headers: Map<String, Value>,
    #[serde(default)]
    body: Value,
}

impl BatchItem {
    /// `Retry-After` in seconds, as a string or a number, whatever the header's case.
    fn retry_after(&self) -> Option<u32> {
        let (_, value) = self
            .headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("retry-after"))?;
        value
            .as_str()
            .and_then(|s| s.trim().parse().ok())
            .or_else(|| value.as_u64().and_then(|n| u32::try_from(n).ok()))
    }
}

/// What one `$batch` call said about each of its approvals.
#[derive(Debug, Default, PartialEq)]
struct BatchOutcome {
    /// `(position, approval)` of each item that was read.
    read: Vec<(usize, Approval)>,
    /// `(position, why)` of each item that failed (a 404: the request is gone).
    failed: Vec<(usize, SourceError)>,
}

/// One `$batch` item: its position and its body, or the error its status maps to.
pub(crate) type BatchAnswer = (usize, Result<Value, SourceError>);

/// The items of a `$batch` answer whose inner ids are the positions `0..expected`, in any order: each
/// position's body, or the error its own status maps to.
pub(crate) fn batch_items(
    reply: &Value,
    expected: usize,
    source: SourceKind,
) -> Result<Vec<BatchAnswer>, SourceError> {
    let reply: BatchReply = wire::read_response(source, reply)?;
    reply
        .responses
        .into_iter()
        .map(|item| {
            let index = item
                .id
                .parse::<usize>()
                .ok()
                .filter(|i| *i < expected)
                .ok_or_else(|| {
                    SourceError::malformed(source, "a $batch item with an unknown id")
                })?;
            let result = match item.status {
                200..=299 => Ok(item.body),
                status => Err(SourceError::from_response(
                    source,
                    status,
                    &item.body.to_string(),
                    item.retry_after(),
                )),
            };
            Ok((index, result))
        })
        .collect()
}

/// Sorts the items of a `$batch` answer whose inner ids are the positions in a list of `expected`.
fn batch_outcome(
    reply: &Value,
    expected: usize,
    source: SourceKind,
) -> Result<BatchOutcome, SourceError> {
    let mut outcome = BatchOutcome::default();
    for (index, result) in batch_items(reply, expected, source)? {
        match result {
            Ok(body) => match wire::read_response::<GraphApproval>(source, &body) {
                Ok(approval) => outcome.read.push((index, approval.into())),
                Err(e) => outcome.failed.push((index, e)),
            },
            Err(e) => outcome.failed.push((index, e)),
        }
    }
    Ok(outcome)
}

/// Whether a failed batch item may succeed when read again on its own, and after how long (ms): a
/// read may be repeated after a 429 as a write may, and also after a failure that left it open.
pub(crate) fn retry_delay_ms(error: &SourceError) -> Option<u32> {
    wait_before_resend_ms(error).or(match error.kind {
        ErrorKind::Unavailable | ErrorKind::Network | ErrorKind::TimedOut => Some(400),
        _ => None,
    })
}

pub(crate) struct GraphSource {
    http: Http,
    me: Me,
    flavor: &'static GraphFlavor,
}

impl GraphSource {
    pub fn new(http: Http, me: Me, flavor: &'static GraphFlavor) -> Self {
        GraphSource { http, me, flavor }
    }

    fn list_url(&self, on: &str, pending_only: bool) -> String {
        list_url(self.flavor, &self.http.url(""), on, pending_only)
    }

    fn approval_url(&self, approval_id: &str) -> String {
        self.http.url(&format!(
            "/{}{}/{}",
            self.flavor.approvals_version,
            self.flavor.approvals_path,
            wire::encode(approval_id)
        ))
    }

    pub(crate) fn read_page(&self, items: &[Value]) -> Listing<ApprovalRequest> {
        wire::read_items(self.flavor.kind, items, |w: GraphRequest| {
            w.into_request(self.flavor)
        })
    }

    /// The requests `on` the signed-in user that `keep` accepts, filtered page by page.
    async fn list(
        &self,
        on: &str,
        pending_only: bool,
        keep: impl Fn(&ApprovalRequest) -> bool,
    ) -> Result<Listing<ApprovalRequest>, SourceError> {
        let url = self.list_url(on, pending_only);
        self.http
            .read_all(&url, |items| self.read_page(items).retain(&keep))
            .await
    }

    fn approval_id<'r>(&self, request: &'r ApprovalRequest) -> Result<&'r str, SourceError> {
        match &request.source_ref {
            SourceRef::Graph { approval_id } => Ok(approval_id),
            _ => Err(super::foreign_request(self.flavor.kind, request)),
        }
    }

    async fn read_approval(&self, approval_id: &str) -> Result<Approval, SourceError> {
        let body = self.http.get_json(&self.approval_url(approval_id)).await?;
        wire::read_response::<GraphApproval>(self.flavor.kind, &body).map(Approval::from)
    }

    /// Reads many approvals with `$batch`, 20 per call, all calls in parallel, one answer per id. An item
    /// that failed inside a batch is read again on its own (after its `Retry-After`) when that may help.
    async fn read_approvals(&self, ids: &[String]) -> Vec<Result<Approval, SourceError>> {
        let batch_url = self.batch_url();
        let calls = ids.chunks(BATCH_LIMIT).map(|chunk| {
            let body = batch_body(self.flavor, chunk);
            let url = batch_url.clone();
            async move { self.http.post_read(&url, &body).await }
        });
        let replies = futures::future::join_all(calls).await;
        let mut approvals: Vec<Option<Result<Approval, SourceError>>> = vec![None; ids.len()];
        let mut failed = Vec::new();
        for (number, reply) in replies.into_iter().enumerate() {
            let offset = number * BATCH_LIMIT;
            let size = BATCH_LIMIT.min(ids.len() - offset);
            match reply.and_then(|r| batch_outcome(&r, size, self.flavor.kind)) {
                Ok(outcome) => {
                    for (index, approval) in outcome.read {
                        approvals[offset + index] = Some(Ok(approval));
                    }
                    failed.extend(outcome.failed.into_iter().map(|(i, e)| (offset + i, e)));
                }
                Err(e) => failed.extend((offset..offset + size).map(|i| (i, e.clone()))),
            }
        }
        let retries = failed
            .into_iter()
            .map(|(index, error)| self.read_alone(index, &ids[index], error));
        for (index, result) in futures::future::join_all(retries).await {
            approvals[index] = Some(result);
        }
        approvals
            .into_iter()
            .map(|a| {
                a.unwrap_or_else(|| {
                    Err(SourceError::malformed(
                        self.flavor.kind,
                        "the $batch answer left this approval out",
                    ))
                })
            })
            .collect()
    }

    /// `{base}/beta/$batch` for Entra roles' approval steps, `{base}/v1.0/$batch` for groups' stages.
    fn batch_url(&self) -> String {
        self.http.url(&batch_path(self.flavor))
    }

    /// Writes `decision` to the approvals at `positions` in `$batch` calls of at most 20, all in
    /// parallel; the answer of each position (the whole call's failure for each of its items).
    async fn write_batches(
        &self,
        positions: &[usize],
        approvals: &[Approval],
        decision: Decision,
        justification: &str,
        fresh_token: bool,
    ) -> Vec<(usize, Result<(), SourceError>)> {
        let url = self.batch_url();
        let calls = positions.chunks(BATCH_LIMIT).map(|chunk| {
            let items: Vec<&Approval> = chunk.iter().map(|&i| &approvals[i]).collect();
            let body = decision_batch_body(self.flavor, &items, decision, justification);
            let url = url.clone();
            async move {
                let reply = if fresh_token {
                    self.http
                        .write_with_fresh_token(Method::POST, &url, Some(&body))
                        .await
                } else {
                    self.http.write(Method::POST, &url, Some(&body)).await
                };
                decision_answers(reply, chunk, self.flavor.kind)
            }
        });
        futures::future::join_all(calls)
            .await
            .into_iter()
            .flatten()
            .collect()
    }

    /// One approval whose `$batch` item failed with `error`, read again on its own when that may help.
    async fn read_alone(
        &self,
        index: usize,
        approval_id: &str,
        error: SourceError,
    ) -> (usize, Result<Approval, SourceError>) {
        let Some(delay) = retry_delay_ms(&error) else {
            return (index, Err(error));
        };
        sleep_ms(delay).await;
        (index, self.read_approval(approval_id).await)
    }

    /// The requests of `listing` that `decided` picks get their settling reviews; the approvals that
    /// could not be read join its notes, their requests kept without review.
    pub(crate) async fn with_reviews(
        &self,
        mut listing: Listing<ApprovalRequest>,
        decided: impl Fn(&ApprovalRequest) -> bool,
    ) -> Listing<ApprovalRequest> {
        let positions: Vec<usize> = (0..listing.items.len())
            .filter(|&i| decided(&listing.items[i]))
            .collect();
        if positions.is_empty() {
            return listing;
        }
        let ids: Vec<String> = positions
            .iter()
            .map(|&i| {
                let request = &listing.items[i];
                self.approval_id(request)
                    .unwrap_or(&request.key.id)
                    .to_string()
            })
            .collect();
        let approvals = self.read_approvals(&ids).await;
        for ((i, id), approval) in positions.into_iter().zip(&ids).zip(approvals) {
            match approval {
                Ok(approval) => listing.items[i].review = approval.settling_review().cloned(),
                // The request is gone: nothing to show, nothing to report.
                Err(e) if e.kind == ErrorKind::NotFound => {}
                Err(e) => listing.unreadable.push(Unreadable {
                    source: self.flavor.kind,
                    at: format!("approval {id}"),
                    problem: e.to_string(),
                }),
            }
        }
        listing
    }
}

/// `…/filterByCurrentUser(on='approver')?$filter=status eq 'PendingApproval'&$expand=…`
fn list_url(flavor: &GraphFlavor, base: &str, on: &str, pending_only: bool) -> String {
    let filter = if pending_only {
        "$filter=status%20eq%20'PendingApproval'&"
    } else {
        ""
    };
    format!(
        "{base}/v1.0{}/filterByCurrentUser(on='{on}')?{filter}$expand={}",
        flavor.requests_path, flavor.expand
    )
}

/// `/beta/$batch` or `/v1.0/$batch`: one batch targets one version, the one the approvals live in.
fn batch_path(flavor: &GraphFlavor) -> String {
    format!("/{}/$batch", flavor.approvals_version)
}

/// A `$batch` body of stage PATCHes writing `decision` to each approval's stage that is the
/// approver's to decide; item ids are the positions in `approvals` (each has such a stage).
fn decision_batch_body(
    flavor: &GraphFlavor,
    approvals: &[&Approval],
    decision: Decision,
    justification: &str,
) -> Value {
    let requests: Vec<Value> = approvals
        .iter()
        .enumerate()
        .map(|(index, approval)| {
            let stage = approval.decidable_stage().map_or("", |s| s.id.as_str());
            json!({
                "id": index.to_string(),
                "method": "PATCH",
                "url": format!(
                    "{}/{}/{}/{}",
                    flavor.approvals_path,
                    wire::encode(&approval.id),
                    flavor.stages_segment,
                    wire::encode(stage)
                ),
                "headers": { "Content-Type": "application/json" },
                "body": { "reviewResult": decision.api_value(), "justification": justification },
            })
        })
        .collect();
    json!({ "requests": requests })
}

/// Each write's answer from the reply to a `$batch` of `chunk.len()` writes (item ids are positions in
/// `chunk`, which holds the writes' own positions): its own status, or the whole call's failure. An
/// item the answer leaves out, or an answer that cannot be read, leaves that write uncertain.
fn decision_answers(
    reply: Result<String, SourceError>,
    chunk: &[usize],
    source: SourceKind,
) -> Vec<(usize, Result<(), SourceError>)> {
    let lost = |why: &str| SourceError::malformed(source, why).with_status(200);
    let items = reply.and_then(|text| {
        let value: Value = serde_json::from_str(&text)
            .map_err(|_| lost("the answer to the $batch could not be read"))?;
        batch_items(&value, chunk.len(), source).map_err(|e| lost(&e.to_string()))
    });
    let mut answers: Vec<Result<(), SourceError>> = match items {
        Err(e) => return chunk.iter().map(|&i| (i, Err(e.clone()))).collect(),
        Ok(_) => vec![Err(lost("the $batch answer left this write out")); chunk.len()],
    };
    for (position, result) in items.into_iter().flatten() {
        // A PATCH answers 204, or 200 with a JSON object; a body that was not JSON (carried as a string)
        // came garbled or cut short, so what the service did is open.
        answers[position] = result.and_then(|body| match body {
            Value::String(_) => Err(lost("the answer to the write could not be read")),
            _ => Ok(()),
        });
    }
    chunk.iter().copied().zip(answers).collect()
}

/// A `$batch` body of approval GETs; item ids are the positions in `approval_ids`.
fn batch_body(flavor: &GraphFlavor, approval_ids: &[String]) -> Value {
    let requests: Vec<Value> = approval_ids
        .iter()
        .enumerate()
        .map(|(index, id)| {
            json!({
                "id": index.to_string(),
                "method": "GET",
                "url": format!("{}/{}", flavor.approvals_path, wire::encode(id)),
            })
        })
        .collect();
    json!({ "requests": requests })
}

/// `/v1.0/me`: who is signed in.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MeWire {
    id: String,
    display_name: Option<String>,
    user_principal_name: Option<String>,
}

/// The signed-in user from Graph `/v1.0/me` (used when a host portal supplies the tokens, so there
/// is no ID token to read the account from).
pub(crate) async fn me(http: &Http) -> Result<crate::auth::Account, SourceError> {
    let body = http.get_json(&http.url("/v1.0/me")).await?;
    let me: MeWire = wire::read_response(http.source(), &body)?;
    let object_id = text(Some(&me.id))
        .ok_or_else(|| SourceError::malformed(http.source(), "/me without an id"))?;
    Ok(crate::auth::Account {
        name: text(me.display_name.as_deref()).unwrap_or_else(|| object_id.clone()),
        username: text(me.user_principal_name.as_deref()).unwrap_or_default(),
        object_id,
    })
}

#[async_trait(?Send)]
impl RequestSource for GraphSource {
    fn kind(&self) -> SourceKind {
        self.flavor.kind
    }

    async fn pending(
        &self,
        on_page: &mut dyn FnMut(Listing<ApprovalRequest>),
    ) -> Result<(), SourceError> {
        let url = self.list_url("approver", true);
        self.http
            .pages(&url, &mut |items| on_page(self.read_page(&items)))
            .await
    }

    async fn find(&self, id: &str) -> Result<Option<ApprovalRequest>, SourceError> {
        let url = self.http.url(&format!(
            "/v1.0{}/{}?$expand={}",
            self.flavor.requests_path,
            wire::encode(id),
            self.flavor.expand
        ));
        let body = match self.http.get_json(&url).await {
            Ok(body) => body,
            Err(e) if e.kind == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let request: GraphRequest = wire::read_response(self.flavor.kind, &body)?;
        request
            .into_request(self.flavor)
            .map(Some)
            .map_err(|e| e.into_error(self.flavor.kind))
    }

    /// Read through `$batch` like the bulk reads: the decision's write then goes to the same URL, whose
    /// CORS preflight the browser has cached by the time Approve is clicked (one round trip, not two).
    async fn approval(&self, request: &ApprovalRequest) -> Result<Approval, SourceError> {
        let id = self.approval_id(request)?.to_string();
        self.read_approvals(&[id]).await.pop().unwrap_or_else(|| {
            Err(SourceError::malformed(
                self.flavor.kind,
                "the $batch answer left this approval out",
            ))
        })
    }

    /// The approvals read fresh in `$batch` calls of 20.
    async fn read_back_many(
        &self,
        requests: &[ApprovalRequest],
    ) -> Vec<Result<Approval, SourceError>> {
        let ids: Vec<Result<String, SourceError>> = requests
            .iter()
            .map(|r| self.approval_id(r).map(str::to_string))
            .collect();
        let readable: Vec<String> = ids.iter().flatten().cloned().collect();
        let mut read = self.read_approvals(&readable).await.into_iter();
        ids.into_iter()
            .map(|id| {
                id.and_then(|_| {
                    read.next().unwrap_or_else(|| {
                        Err(SourceError::malformed(
                            self.flavor.kind,
                            "an approval was not read",
                        ))
                    })
                })
            })
            .collect()
    }

    /// Decisions go as `$batch` PATCHes, 20 per call, all calls in parallel; items answered with 429
    /// wait their `Retry-After` and go again in a later batch. One decision is
    /// [`RequestSource::decide`].
    async fn decide_many(
        &self,
        approvals: &[Approval],
        decision: Decision,
        justification: &str,
    ) -> Vec<Result<(), SourceError>> {
        if approvals.len() == 1 {
            return vec![self.decide(&approvals[0], decision, justification).await];
        }
        let mut answers: Vec<Option<Result<(), SourceError>>> = approvals
            .iter()
            .map(|a| super::stage_to_decide(a, self.flavor.kind).err().map(Err))
            .collect();
        let mut to_send: Vec<usize> = (0..approvals.len())
            .filter(|&i| answers[i].is_none())
            .collect();
        let pause = Pause::default();
        let mut attempt = 0;
        while !to_send.is_empty() {
            attempt += 1;
            pause.wait().await;
            let replies = self
                .write_batches(&to_send, approvals, decision, justification, false)
                .await;
            to_send.clear();
            for (index, answer) in replies {
                match answer.as_ref().err().and_then(wait_before_resend_ms) {
                    Some(ms) if attempt < WRITE_ATTEMPTS => {
                        pause.extend(ms);
                        to_send.push(index);
                    }
                    _ => answers[index] = Some(answer),
                }
            }
        }
        answers
            .into_iter()
            .map(|a| {
                a.unwrap_or_else(|| {
                    Err(SourceError::malformed(
                        self.flavor.kind,
                        "a write was not sent",
                    ))
                })
            })
            .collect()
    }

    /// One decision: a `$batch` of one, so its write reuses the CORS preflight of the approval read
    /// (see [`GraphSource::approval`]). Sent once, like every single write (a 429 is the approver's
    /// to retry); an item refused with 401 was not processed and goes once more with a fresh token.
    async fn decide(
        &self,
        approval: &Approval,
        decision: Decision,
        justification: &str,
    ) -> Result<(), SourceError> {
        super::stage_to_decide(approval, self.flavor.kind)?;
        let approvals = std::slice::from_ref(approval);
        let send = |fresh_token: bool| async move {
            self.write_batches(&[0], approvals, decision, justification, fresh_token)
                .await
                .pop()
                .map_or_else(
                    || {
                        Err(SourceError::malformed(
                            self.flavor.kind,
                            "a write was not sent",
                        ))
                    },
                    |(_, answer)| answer,
                )
        };
        match send(false).await {
            Err(e) if e.kind == ErrorKind::Unauthorized => send(true).await,
            answer => answer,
        }
    }

    async fn my_requests(&self) -> Result<Listing<ApprovalRequest>, SourceError> {
        let mine = self.list("principal", false, |_| true).await?;
        Ok(self
            .with_reviews(mine, |r| {
                matches!(r.status, RequestStatus::Approved | RequestStatus::Denied)
            })
            .await)
    }

    async fn cancel(&self, request: &ApprovalRequest) -> Result<(), SourceError> {
        let url = self.http.url(&format!(
            "/v1.0{}/{}/cancel",
            self.flavor.requests_path,
            wire::encode(&request.key.id)
        ));
        self.http.write(Method::POST, &url, None).await.map(|_| ())
    }

    async fn history(&self, range: &DateRange) -> Result<Listing<ApprovalRequest>, SourceError> {
        let settled = self
            .list("approver", false, |r| {
                in_approver_history(r, &self.me.object_id, range)
            })
            .await?;
        Ok(self.with_reviews(settled, |_| true).await)
    }

    fn history_note(&self) -> &'static str {
        "Microsoft keeps PIM request history for 30 days."
    }
}

#[cfg(test)]
mod tests {
    use super::super::{graph_groups, graph_roles};
    use super::*;

    #[test]
    fn batches_hold_at_most_twenty_requests() {
        let ids: Vec<String> = (0..45).map(|i| format!("id-{i}")).collect();
        let sizes: Vec<usize> = ids
            .chunks(BATCH_LIMIT)
            .map(|c| {
                batch_body(&graph_roles::FLAVOR, c)["requests"]
                    .as_array()
                    .unwrap()
                    .len()
            })
            .collect();
        assert_eq!(sizes, [20, 20, 5]);
        let body = batch_body(&graph_roles::FLAVOR, &ids[..1]);
        assert_eq!(
            body["requests"][0]["url"],
            "/roleManagement/directory/roleAssignmentApprovals/id-0"
        );
        let body = batch_body(&graph_groups::FLAVOR, &ids[..1]);
        assert_eq!(
            body["requests"][0]["url"],
            "/identityGovernance/privilegedAccess/group/assignmentApprovals/id-0"
        );
    }

    #[test]
    fn batch_items_map_per_item_statuses() {
        let reply = json!({ "responses": [
            { "id": "1", "status": 200, "body": { "id": "b", "steps": [] } },
            { "id": "0", "status": 404, "body": { "error": { "code": "NotFound" } } },
        ]});
        let outcome = batch_outcome(&reply, 2, SourceKind::EntraRoles).unwrap();
        assert_eq!(
            outcome.read,
            vec![(
                1,
                Approval {
                    id: "b".into(),
                    stages: vec![]
                }
            )]
        );
        assert_eq!(outcome.failed.len(), 1);
        assert_eq!(outcome.failed[0].1.kind, ErrorKind::NotFound);
        assert_eq!(
            retry_delay_ms(&outcome.failed[0].1),
            None,
            "gone: not read again"
        );
    }

    #[test]
    fn one_failed_batch_item_is_kept_apart_with_its_retry_after() {
        let reply = json!({ "responses": [
            { "id": "0", "status": 429, "headers": { "Retry-After": "3" }, "body": { "error": { "code": "TooManyRequests" } } },
            { "id": "1", "status": 200, "body": { "id": "b", "steps": [] } },
            { "id": "2", "status": 503, "headers": { "retry-after": 2 }, "body": {} },
            { "id": "3", "status": 403, "body": { "error": { "code": "Forbidden" } } },
            { "id": "4", "status": 200, "body": { "id": "e" } },
        ]});
        let outcome = batch_outcome(&reply, 5, SourceKind::EntraRoles).unwrap();
        assert_eq!(outcome.read.len(), 1);
        let failed: Vec<(usize, &ErrorKind)> =
            outcome.failed.iter().map(|(i, e)| (*i, &e.kind)).collect();
        assert_eq!(
            failed,
            [
                (
                    0,
                    &ErrorKind::Throttled {
                        retry_after: Some(3)
                    }
                ),
                (2, &ErrorKind::Unavailable),
                (3, &ErrorKind::Forbidden),
                (4, &ErrorKind::Malformed),
            ]
        );
        assert_eq!(
            outcome.failed[3].1.detail.as_deref(),
            Some("missing field `stages`")
        );
        let delays: Vec<Option<u32>> = outcome
            .failed
            .iter()
            .map(|(_, e)| retry_delay_ms(e))
            .collect();
        assert_eq!(delays, [Some(3000), Some(400), None, None]);
        let too_long = SourceError::new(
            SourceKind::EntraRoles,
            ErrorKind::Throttled {
                retry_after: Some(60),
            },
        );
        assert_eq!(retry_delay_ms(&too_long), None);
    }

    fn open_approval(id: &str) -> Approval {
        Approval {
            id: id.into(),
            stages: vec![Stage {
                id: format!("{id}-stage"),
                name: None,
                status: StageStatus::InProgress,
                assigned_to_me: true,
                review: None,
            }],
        }
    }

    #[test]
    fn decisions_go_to_the_batch_endpoint_of_their_approvals_version() {
        assert_eq!(batch_path(&graph_roles::FLAVOR), "/beta/$batch");
        assert_eq!(batch_path(&graph_groups::FLAVOR), "/v1.0/$batch");
        let approvals: Vec<Approval> = (0..45).map(|i| open_approval(&format!("a{i}"))).collect();
        let positions: Vec<usize> = (0..approvals.len()).collect();
        let sizes: Vec<usize> = positions
            .chunks(BATCH_LIMIT)
            .map(|chunk| {
                let items: Vec<&Approval> = chunk.iter().map(|&i| &approvals[i]).collect();
                decision_batch_body(&graph_roles::FLAVOR, &items, Decision::Approve, "ok")
                    ["requests"]
                    .as_array()
                    .unwrap()
                    .len()
            })
            .collect();
        assert_eq!(sizes, [20, 20, 5]);
        let body = decision_batch_body(
            &graph_roles::FLAVOR,
            &[&approvals[0], &approvals[1]],
            Decision::Deny,
            "Not needed",
        );
        assert_eq!(
            body["requests"][1],
            json!({
                "id": "1",
                "method": "PATCH",
                "url": "/roleManagement/directory/roleAssignmentApprovals/a1/steps/a1-stage",
                "headers": { "Content-Type": "application/json" },
                "body": { "reviewResult": "Deny", "justification": "Not needed" },
            })
        );
        let body = decision_batch_body(
            &graph_groups::FLAVOR,
            &[&approvals[0]],
            Decision::Approve,
            "ok",
        );
        assert_eq!(
            body["requests"][0]["url"],
            "/identityGovernance/privilegedAccess/group/assignmentApprovals/a0/stages/a0-stage"
        );
    }

    #[test]
    fn each_batched_write_gets_its_own_answer() {
        let kind = SourceKind::EntraRoles;
        let reply = json!({ "responses": [
            { "id": "2", "status": 409, "body": { "error": { "code": "Conflict" } } },
            { "id": "0", "status": 204 },
            { "id": "3", "status": 429, "headers": { "Retry-After": "2" }, "body": {} },
        ]})
        .to_string();
        let answers = decision_answers(Ok(reply), &[7, 8, 9, 10], kind);
        let positions: Vec<usize> = answers.iter().map(|(i, _)| *i).collect();
        assert_eq!(positions, [7, 8, 9, 10]);
        assert_eq!(answers[0].1, Ok(()));
        let missing = answers[1].1.as_ref().unwrap_err();
        assert!(missing.leaves_write_uncertain(), "left out: read back");
        let conflict = answers[2].1.as_ref().unwrap_err();
        assert_eq!(conflict.kind, ErrorKind::AlreadyDecided);
        assert!(conflict.leaves_write_uncertain());
        let throttled = answers[3].1.as_ref().unwrap_err();
        assert!(!throttled.leaves_write_uncertain());
        assert_eq!(wait_before_resend_ms(throttled), Some(2000));

        // A 2xx item whose body was not JSON (carried as a string): what the service did is open.
        let cut_short =
            json!({ "responses": [{ "id": "0", "status": 200, "body": "{\"id\": \"a0" }] });
        let answers = decision_answers(Ok(cut_short.to_string()), &[0], kind);
        assert!(answers[0].1.as_ref().unwrap_err().leaves_write_uncertain());

        let garbled = decision_answers(Ok("{\"respo".into()), &[0, 1], kind);
        assert!(garbled
            .iter()
            .all(|(_, a)| a.as_ref().unwrap_err().leaves_write_uncertain()));
        let refused = SourceError::new(kind, ErrorKind::Rejected);
        let whole = decision_answers(Err(refused.clone()), &[4, 5], kind);
        assert_eq!(whole, vec![(4, Err(refused.clone())), (5, Err(refused))]);
    }

    #[test]
    fn a_batch_item_with_a_foreign_id_fails_the_batch() {
        let reply = json!({ "responses": [{ "id": "7", "status": 200, "body": {} }] });
        assert!(batch_outcome(&reply, 2, SourceKind::Groups).is_err());
    }

    #[test]
    fn list_urls_filter_and_expand() {
        assert_eq!(
            list_url(&graph_roles::FLAVOR, "https://graph.microsoft.com", "approver", true),
            "https://graph.microsoft.com/v1.0/roleManagement/directory/roleAssignmentScheduleRequests/filterByCurrentUser(on='approver')?$filter=status%20eq%20'PendingApproval'&$expand=principal,roleDefinition"
        );
        assert_eq!(
            list_url(&graph_groups::FLAVOR, "https://graph.microsoft.com", "principal", false),
            "https://graph.microsoft.com/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests/filterByCurrentUser(on='principal')?$expand=group,principal"
        );
    }
}

/// Test helpers shared by the two flavors' tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// One request item through the same reader the lists use.
    pub fn request(flavor: &GraphFlavor, item: &Value) -> Result<ApprovalRequest, Unreadable> {
        wire::only(wire::read_items(
            flavor.kind,
            std::slice::from_ref(item),
            |w: GraphRequest| w.into_request(flavor),
        ))
    }

    pub fn approval(flavor: &GraphFlavor, body: &Value) -> Result<Approval, SourceError> {
        wire::read_response::<GraphApproval>(flavor.kind, body).map(Approval::from)
    }
}
