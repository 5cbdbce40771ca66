//! Who the requester is (reference §6): Graph `GET /users/{id}` with `$select` (the default property
//! set without it), `GET /users/{id}/manager` (404 when none is recorded), and `signInActivity` only
//! when `$select` names it: then the tenant needs Entra ID P1/P2, the token `AuditLog.Read.All` and
//! `User.Read.All`, the caller a reports-reading role, the key must be the object id, and the tenant
//! gets 10 such reads a minute (emulator clock). Another user's profile needs `User.Read.All`
//! (`User.ReadBasic.All` gives only the basic properties); one's own needs no more than `User.Read`.

use crate::access::{graph_directory_denied, scopes, Access, SIGN_IN_ACTIVITY_READERS};
use crate::clock::format_time;
use crate::context_routes::Call;
use crate::errors::graph_error;
use crate::http_util::json_response;
use crate::scenario::User;
use crate::store::Store;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

/// What `GET /users/{id}` returns without `$select`.
const DEFAULT_PROPERTIES: &[&str] = &[
    "businessPhones",
    "displayName",
    "givenName",
    "id",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
];

/// The properties `User.ReadBasic.All` reveals.
const BASIC_PROPERTIES: &[&str] = &[
    "displayName",
    "givenName",
    "id",
    "mail",
    "surname",
    "userPrincipalName",
];

/// Everything else the emulator knows about a user.
const OTHER_PROPERTIES: &[&str] = &[
    "accountEnabled",
    "createdDateTime",
    "department",
    "userType",
    "companyName",
    "onPremisesSyncEnabled",
    "employeeId",
];

const SIGN_IN_ACTIVITY: &str = "signInActivity";

/// Accounts without `createdMinutesAgo` were created about two years before load.
const DEFAULT_CREATED_MINUTES_AGO: i64 = 2 * 365 * 24 * 60;

fn not_found(what: &str) -> Response {
    graph_error(
        StatusCode::NOT_FOUND,
        "Request_ResourceNotFound",
        &format!("Resource '{what}' does not exist or one of its queried reference-property objects are not present."),
    )
}

/// A person of the tenant by object id or UPN (service principals are not users).
fn find_user<'a>(store: &'a Store, key: &str) -> Option<&'a User> {
    store
        .scenario()
        .user_by_id_or_upn(key)
        .filter(|u| !u.is_service_principal())
}

/// How much of another user's profile the token may read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Visibility {
    All,
    Basic,
}

fn visibility(access: &Access, target: &User) -> Result<Visibility, Response> {
    if access.has_scope(scopes::USERS) || (target.id == access.caller.id()) {
        Ok(Visibility::All)
    } else if access.has_scope(scopes::USERS_BASIC) {
        Ok(Visibility::Basic)
    } else {
        Err(graph_directory_denied())
    }
}

/// `$select` names, or the default set; unknown names → 400.
fn selected(call: &Call, allow_sign_in: bool) -> Result<Option<Vec<String>>, Response> {
    let Some(text) = call.request.query_value("$select") else {
        return Ok(None);
    };
    let mut names = Vec::new();
    for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let known = DEFAULT_PROPERTIES
            .iter()
            .chain(OTHER_PROPERTIES)
            .chain(allow_sign_in.then_some(&SIGN_IN_ACTIVITY))
            .find(|known| known.eq_ignore_ascii_case(name));
        match known {
            Some(known) => names.push(known.to_string()),
            None => {
                return Err(graph_error(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    &format!("Parsing OData Select and Expand failed: Could not find a property named '{name}' on type 'microsoft.graph.user'."),
                ))
            }
        }
    }
    Ok(Some(names))
}

/// How much of `user` the token shows, and which properties the request selects.
fn read_rights(
    call: &Call,
    user: &User,
    allow_sign_in: bool,
) -> Result<(Visibility, Option<Vec<String>>), Response> {
    Ok((
        visibility(&call.access, user)?,
        selected(call, allow_sign_in)?,
    ))
}

fn given_and_surname(user: &User) -> (Value, Value) {
    let profile = &user.profile;
    let mut words = user.display_name.splitn(2, ' ');
    let given = profile
        .given_name
        .clone()
        .or(words.next().map(str::to_string));
    let surname = profile.surname.clone().or(words.next().map(str::to_string));
    (json!(given), json!(surname))
}

fn property(store: &Store, user: &User, name: &str) -> Value {
    let profile = &user.profile;
    let context = store.context();
    let (given, surname) = given_and_surname(user);
    match name {
        "id" => json!(user.id),
        "displayName" => json!(user.display_name),
        "userPrincipalName" => json!(user.user_principal_name),
        "mail" => json!(profile
            .mail
            .clone()
            .unwrap_or(user.user_principal_name.clone())),
        "givenName" => given,
        "surname" => surname,
        "businessPhones" => json!([]),
        "jobTitle" => json!(profile.job_title),
        "department" => json!(profile.department),
        "companyName" => json!(profile.company_name),
        "officeLocation" => json!(profile.office_location),
        "accountEnabled" => json!(profile.account_enabled.unwrap_or(true)),
        "userType" => json!(profile.user_type.as_deref().unwrap_or("Member")),
        "createdDateTime" => json!(format_time(
            context.minutes_ago(
                profile
                    .created_minutes_ago
                    .unwrap_or(DEFAULT_CREATED_MINUTES_AGO)
            )
        )),
        SIGN_IN_ACTIVITY => sign_in_activity_json(store, user),
        _ => Value::Null,
    }
}

fn sign_in_activity_json(store: &Store, user: &User) -> Value {
    let Some(activity) = &user.profile.sign_in_activity else {
        return Value::Null;
    };
    let at =
        |minutes: Option<i64>| json!(minutes.map(|m| format_time(store.context().minutes_ago(m))));
    let request_id = |kind: &str, minutes: Option<i64>| {
        json!(minutes.map(|m| crate::ids::derived_guid(&format!("{}:{m}", user.id), kind)))
    };
    json!({
        "lastSignInDateTime": at(activity.last_sign_in_minutes_ago),
        "lastSignInRequestId": request_id("sign-in", activity.last_sign_in_minutes_ago),
        "lastNonInteractiveSignInDateTime": at(activity.last_non_interactive_sign_in_minutes_ago),
        "lastNonInteractiveSignInRequestId": request_id("non-interactive", activity.last_non_interactive_sign_in_minutes_ago),
        "lastSuccessfulSignInDateTime": at(activity.last_successful_sign_in_minutes_ago),
        "lastSuccessfulSignInRequestId": request_id("successful", activity.last_successful_sign_in_minutes_ago),
    })
}

/// The user with the selected (else default) properties, `@odata.context` first.
fn user_body(
    store: &Store,
    user: &User,
    names: &Option<Vec<String>>,
    visibility: Visibility,
    context: String,
) -> Value {
    let names: Vec<&str> = match names {
        Some(names) => names.iter().map(String::as_str).collect(),
        None => DEFAULT_PROPERTIES.to_vec(),
    };
    let mut body = Map::new();
    body.insert("@odata.context".into(), json!(context));
    for name in names {
        if visibility == Visibility::Basic && !BASIC_PROPERTIES.contains(&name) {
            continue;
        }
        body.insert(name.to_string(), property(store, user, name));
    }
    Value::Object(body)
}

fn context_fragment(names: &Option<Vec<String>>) -> String {
    match names {
        Some(names) => format!("users({})/$entity", names.join(",")),
        None => "users/$entity".to_string(),
    }
}

/// F1 (and F3 when `$select` names `signInActivity`).
pub fn get_user(call: &Call, key: &str) -> Response {
    let now = call.now();
    let mut store = call.app.store();
    let Some(user) = find_user(&store, key).cloned() else {
        return not_found(key);
    };
    let (visibility, names) = match read_rights(call, &user, true) {
        Ok(rights) => rights,
        Err(response) => return response,
    };
    let wants_sign_in = names
        .as_ref()
        .is_some_and(|n| n.iter().any(|n| n == SIGN_IN_ACTIVITY));
    if wants_sign_in {
        if let Err(response) = allow_sign_in_activity(call, &mut store, &user, key, now) {
            return response;
        }
    }
    let body = user_body(
        &store,
        &user,
        &names,
        visibility,
        call.metadata_url(&context_fragment(&names)),
    );
    json_response(StatusCode::OK, body)
}

/// F3's gates in order: object id as key, scopes, licence, role, then the per-minute budget.
fn allow_sign_in_activity(
    call: &Call,
    store: &mut Store,
    user: &User,
    key: &str,
    now: DateTime<Utc>,
) -> Result<(), Response> {
    if !user.id.eq_ignore_ascii_case(key) {
        return Err(graph_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Get By Key only supports UserId and the key has to be a valid Guid",
        ));
    }
    if !call.access.has_scope(scopes::USERS) || !call.access.has_scope(scopes::AUDIT_LOG) {
        return Err(graph_error(
            StatusCode::FORBIDDEN,
            "Authentication_MSGraphPermissionMissing",
            "Calling principal does not have required MSGraph permissions AuditLog.Read.All",
        ));
    }
    if !store.scenario().context.entra_id_premium.unwrap_or(true) {
        return Err(graph_error(
            StatusCode::FORBIDDEN,
            "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
            "Neither tenant is B2C or tenant doesn't have premium license",
        ));
    }
    if !call
        .access
        .has_directory_role(store, SIGN_IN_ACTIVITY_READERS, now)
    {
        return Err(graph_directory_denied());
    }
    store
        .context_mut()
        .take_sign_in_activity_call(now)
        .map_err(throttled)
}

fn throttled(retry_after_seconds: i64) -> Response {
    let seconds = retry_after_seconds.max(1);
    let mut response = graph_error(
        StatusCode::TOO_MANY_REQUESTS,
        "TooManyRequests",
        &format!("Too many requests. Please retry after {seconds} seconds."),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

/// F2: the manager as a `directoryObject` (a user here), 404 when none is recorded.
pub fn get_manager(call: &Call, key: &str) -> Response {
    let store = call.app.store();
    let Some(user) = find_user(&store, key) else {
        return not_found(key);
    };
    let (visibility, names) = match read_rights(call, user, false) {
        Ok(rights) => rights,
        Err(response) => return response,
    };
    let manager = user
        .profile
        .manager
        .as_deref()
        .and_then(|id| find_user(&store, id));
    let Some(manager) = manager else {
        return not_found("manager");
    };
    let mut body = user_body(
        &store,
        manager,
        &names,
        visibility,
        call.metadata_url("directoryObjects/$entity"),
    );
    body["@odata.type"] = json!("#microsoft.graph.user");
    json_response(StatusCode::OK, body)
}
