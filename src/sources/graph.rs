//! What PIM for Entra roles and PIM for Groups share on Microsoft Graph: the schedule-request shape,
//! `filterByCurrentUser` lists with `$expand`, approvals with steps/stages, `$batch` reads, the PATCH
//! that decides and the cancel action. [`super::graph_roles`] and [`super::graph_groups`] supply the
//! paths and how to read the role and scope of a request.

use super::http::Http;
use super::json::{self, text, timestamp};
use super::{Me, RequestSource, SourceError};
use crate::domain::history::DateRange;
use crate::domain::*;
use async_trait::async_trait;
use gloo_net::http::Method;
use serde_json::{json, Value};

/// Graph caps a JSON batch at 20 requests.
pub const BATCH_LIMIT: usize = 20;

/// The reviewer id Graph uses for "nobody yet" on v1.0 stages.
const NO_REVIEWER: &str = "00000000-0000-0000-0000-000000000000";

/// Where one Graph PIM surface lives and how to read its targets.
pub struct GraphFlavor {
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
    pub target: fn(&Value) -> (RoleRef, ScopeRef),
}

#[derive(Clone)]
pub struct GraphSource {
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
            json::encode(approval_id)
        ))
    }

    fn parse_all(&self, items: &[Value]) -> Result<Vec<ApprovalRequest>, SourceError> {
        items
            .iter()
            .map(|item| parse_request(self.flavor, item))
            .collect()
    }

    /// Reads the approvals of many requests with `$batch`, 20 per call, all calls in parallel, and
    /// puts each settling review on its request.
    async fn attach_reviews(&self, requests: &mut [ApprovalRequest]) -> Result<(), SourceError> {
        let ids: Vec<String> = requests.iter().map(approval_id_of).collect();
        let batch_url = self
            .http
            .url(&format!("/{}/$batch", self.flavor.approvals_version));
        let calls = ids.chunks(BATCH_LIMIT).map(|chunk| {
            let body = batch_body(self.flavor, chunk);
            let url = batch_url.clone();
            async move { self.http.post_read(&url, &body).await }
        });
        let replies = futures::future::join_all(calls).await;
        let mut approvals = std::collections::HashMap::new();
        for (chunk, reply) in ids.chunks(BATCH_LIMIT).zip(replies) {
            for (index, item) in batch_items(&reply?, chunk.len(), self.flavor.kind)? {
                approvals.insert(chunk[index].clone(), parse_approval(self.flavor, &item)?);
            }
        }
        for request in requests.iter_mut() {
            if let Some(approval) = approvals.get(&approval_id_of(request)) {
                request.review = approval.settling_review().cloned();
            }
        }
        Ok(())
    }
}

fn approval_id_of(request: &ApprovalRequest) -> String {
    request
        .approval_id
        .clone()
        .unwrap_or_else(|| request.key.id.clone())
}

/// `…/filterByCurrentUser(on='approver')?$filter=status eq 'PendingApproval'&$expand=…`
pub fn list_url(flavor: &GraphFlavor, base: &str, on: &str, pending_only: bool) -> String {
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

/// A `$batch` body of approval GETs; item ids are the positions in `approval_ids`.
pub fn batch_body(flavor: &GraphFlavor, approval_ids: &[String]) -> Value {
    let requests: Vec<Value> = approval_ids
        .iter()
        .enumerate()
        .map(|(index, id)| {
            json!({
                "id": index.to_string(),
                "method": "GET",
                "url": format!("{}/{}", flavor.approvals_path, json::encode(id)),
            })
        })
        .collect();
    json!({ "requests": requests })
}

/// `(position, body)` of every successful batch item; 404s are skipped (request gone), any other
/// failing item fails the call with that item's status.
pub fn batch_items(
    reply: &Value,
    expected: usize,
    source: SourceKind,
) -> Result<Vec<(usize, Value)>, SourceError> {
    let responses = reply
        .get("responses")
        .and_then(Value::as_array)
        .ok_or_else(|| SourceError::malformed(source, "a $batch response without \"responses\""))?;
    let mut out = Vec::new();
    for item in responses {
        let index = text(item, "/id")
            .and_then(|id| id.parse::<usize>().ok())
            .filter(|i| *i < expected)
            .ok_or_else(|| SourceError::malformed(source, "a $batch item with an unknown id"))?;
        let status = item.get("status").and_then(Value::as_u64).unwrap_or(0) as u16;
        let body = item.get("body").cloned().unwrap_or(Value::Null);
        match status {
            200..=299 => out.push((index, body)),
            404 => {}
            _ => {
                let retry_after = item
                    .pointer("/headers/Retry-After")
                    .or_else(|| item.pointer("/headers/retry-after"))
                    .and_then(|v| {
                        v.as_str()
                            .and_then(|s| s.parse().ok())
                            .or(v.as_u64().map(|n| n as u32))
                    });
                return Err(SourceError::from_response(
                    source,
                    status,
                    &body.to_string(),
                    retry_after,
                ));
            }
        }
    }
    Ok(out)
}

/// A `unifiedRoleAssignmentScheduleRequest` or `privilegedAccessGroupAssignmentScheduleRequest`.
pub fn parse_request(flavor: &GraphFlavor, item: &Value) -> Result<ApprovalRequest, SourceError> {
    let id = text(item, "/id")
        .ok_or_else(|| SourceError::malformed(flavor.kind, "a request without \"id\""))?;
    // The groups doc sample spells it `createdDateTIme`; the CSDL name is `createdDateTime`.
    let created = timestamp(item, "/createdDateTime")
        .or_else(|| timestamp(item, "/createdDateTIme"))
        .ok_or_else(|| {
            SourceError::malformed(flavor.kind, format!("request {id} has no createdDateTime"))
        })?;
    let (role, scope) = (flavor.target)(item);
    let principal_id = text(item, "/principalId").or_else(|| text(item, "/createdBy/user/id"));
    Ok(ApprovalRequest {
        key: RequestKey::new(flavor.kind, id.clone()),
        requester: Person {
            id: text(item, "/principal/id").or(principal_id),
            display_name: text(item, "/principal/displayName")
                .or_else(|| text(item, "/createdBy/user/displayName")),
            upn: text(item, "/principal/userPrincipalName"),
        },
        role,
        scope,
        action: RequestAction::parse(&text(item, "/action").unwrap_or_default()),
        status: RequestStatus::from_service(&text(item, "/status").unwrap_or_default()),
        created,
        start: timestamp(item, "/scheduleInfo/startDateTime"),
        duration: RequestedDuration::from_iso(
            text(item, "/scheduleInfo/expiration/duration").as_deref(),
        ),
        end: timestamp(item, "/scheduleInfo/expiration/endDateTime"),
        justification: text(item, "/justification"),
        ticket: Ticket::from_parts(
            text(item, "/ticketInfo/ticketNumber"),
            text(item, "/ticketInfo/ticketSystem"),
        ),
        completed: timestamp(item, "/completedDateTime"),
        review: None,
        approval_id: text(item, "/approvalId").or(Some(id)),
        locator: None,
    })
}

/// An `approval` with beta `steps` or v1.0 `stages`.
pub fn parse_approval(flavor: &GraphFlavor, body: &Value) -> Result<Approval, SourceError> {
    let id = text(body, "/id")
        .ok_or_else(|| SourceError::malformed(flavor.kind, "an approval without \"id\""))?;
    let stages = body
        .get(flavor.stages_segment)
        .or_else(|| body.get("steps"))
        .or_else(|| body.get("stages"))
        .and_then(Value::as_array)
        .ok_or_else(|| {
            SourceError::malformed(
                flavor.kind,
                format!("approval {id} has no {}", flavor.stages_segment),
            )
        })?;
    Ok(Approval {
        id,
        stages: stages.iter().filter_map(parse_stage).collect(),
    })
}

fn parse_stage(stage: &Value) -> Option<Stage> {
    let reviewer_id = text(stage, "/reviewedBy/id").filter(|id| id != NO_REVIEWER);
    let review = Decision::from_review_result(&text(stage, "/reviewResult").unwrap_or_default())
        .map(|decision| Review {
            decision,
            by: Person {
                id: reviewer_id,
                display_name: text(stage, "/reviewedBy/displayName"),
                upn: text(stage, "/reviewedBy/userPrincipalName"),
            },
            at: timestamp(stage, "/reviewedDateTime"),
            justification: text(stage, "/justification"),
        });
    Some(Stage {
        id: text(stage, "/id")?,
        name: text(stage, "/displayName"),
        status: StageStatus::parse(&text(stage, "/status").unwrap_or_default()),
        assigned_to_me: json::boolean(stage, "/assignedToMe"),
        review,
    })
}

/// The signed-in user from Graph `/v1.0/me` (used when a host portal supplies the tokens, so there
/// is no ID token to read the account from).
pub async fn me(http: &Http) -> Result<crate::auth::Account, SourceError> {
    let body = http.get_json(&http.url("/v1.0/me")).await?;
    let object_id = text(&body, "/id")
        .ok_or_else(|| SourceError::malformed(http.source(), "/me without an id"))?;
    Ok(crate::auth::Account {
        name: text(&body, "/displayName").unwrap_or_else(|| object_id.clone()),
        username: text(&body, "/userPrincipalName").unwrap_or_default(),
        object_id,
    })
}

/// Requests whose approval may hold a review in `range` (PIM decides within 24 h of creation).
fn settled_in(range: &DateRange) -> impl Fn(&ApprovalRequest) -> bool + '_ {
    move |r| {
        !r.is_pending()
            && r.created + chrono::Duration::days(1) >= range.from
            && r.created <= range.to
    }
}

#[async_trait(?Send)]
impl RequestSource for GraphSource {
    fn kind(&self) -> SourceKind {
        self.flavor.kind
    }

    async fn pending(&self) -> Result<Vec<ApprovalRequest>, SourceError> {
        let items = self.http.get_all(&self.list_url("approver", true)).await?;
        self.parse_all(&items)
    }

    async fn find(&self, id: &str) -> Result<Option<ApprovalRequest>, SourceError> {
        let url = self.http.url(&format!(
            "/v1.0{}/{}?$expand={}",
            self.flavor.requests_path,
            json::encode(id),
            self.flavor.expand
        ));
        match self.http.get_json(&url).await {
            Ok(body) => parse_request(self.flavor, &body).map(Some),
            Err(e) if e.kind == super::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn approval(&self, request: &ApprovalRequest) -> Result<Approval, SourceError> {
        let body = self
            .http
            .get_json(&self.approval_url(&approval_id_of(request)))
            .await?;
        parse_approval(self.flavor, &body)
    }

    async fn decide(
        &self,
        approval: &Approval,
        decision: Decision,
        justification: &str,
    ) -> Result<(), SourceError> {
        let stage = super::stage_to_decide(approval, self.flavor.kind)?;
        let url = format!(
            "{}/{}/{}",
            self.approval_url(&approval.id),
            self.flavor.stages_segment,
            json::encode(&stage.id)
        );
        let body = json!({ "reviewResult": decision.api_value(), "justification": justification });
        self.http
            .write(Method::PATCH, &url, Some(&body))
            .await
            .map(|_| ())
    }

    async fn my_requests(&self) -> Result<Vec<ApprovalRequest>, SourceError> {
        let items = self
            .http
            .get_all(&self.list_url("principal", false))
            .await?;
        let mut requests = self.parse_all(&items)?;
        let mut decided: Vec<ApprovalRequest> = requests
            .iter()
            .filter(|r| matches!(r.status, RequestStatus::Approved | RequestStatus::Denied))
            .cloned()
            .collect();
        if !decided.is_empty() {
            self.attach_reviews(&mut decided).await?;
            for request in requests.iter_mut() {
                if let Some(done) = decided.iter().find(|d| d.key == request.key) {
                    request.review = done.review.clone();
                }
            }
        }
        Ok(requests)
    }

    async fn cancel(&self, request: &ApprovalRequest) -> Result<(), SourceError> {
        let url = self.http.url(&format!(
            "/v1.0{}/{}/cancel",
            self.flavor.requests_path,
            json::encode(&request.key.id)
        ));
        self.http.write(Method::POST, &url, None).await.map(|_| ())
    }

    async fn history(&self, range: &DateRange) -> Result<Vec<ApprovalRequest>, SourceError> {
        let items = self.http.get_all(&self.list_url("approver", false)).await?;
        let mut settled: Vec<ApprovalRequest> = self
            .parse_all(&items)?
            .into_iter()
            .filter(|r| !r.requested_by(&self.me.object_id))
            .filter(settled_in(range))
            .collect();
        self.attach_reviews(&mut settled).await?;
        Ok(settled)
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
            { "id": "1", "status": 200, "body": { "id": "b" } },
            { "id": "0", "status": 404, "body": { "error": { "code": "NotFound" } } },
        ]});
        let items = batch_items(&reply, 2, SourceKind::EntraRoles).unwrap();
        assert_eq!(items, vec![(1, json!({ "id": "b" }))]);
        let throttled = json!({ "responses": [
            { "id": "0", "status": 429, "headers": { "Retry-After": "3" }, "body": { "error": { "code": "TooManyRequests" } } },
        ]});
        let err = batch_items(&throttled, 1, SourceKind::EntraRoles).unwrap_err();
        assert_eq!(
            err.kind,
            super::super::ErrorKind::Throttled {
                retry_after: Some(3)
            }
        );
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
