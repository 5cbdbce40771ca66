//! The app's routes in one place: the typed [`Route`] (its path, its link and its parsing), where the
//! app is served from (`<base href>`), and the one validator for routes that come from outside the
//! app (a host portal's `navigate` message, the return path after sign-in).

use crate::domain::{encode_path_segment, RequestKey, SourceKind};

/// Every page of the app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// Approve requests, the queue (`/`).
    Queue,
    /// One request's detail (`/requests/{source}/{id}`).
    Request(RequestKey),
    /// My Requests (`/my-requests`).
    MyRequests,
    /// Requests I Approved (`/approved-by-me`).
    ApprovedByMe,
}

impl Route {
    /// The path relative to the app's base, e.g. `/requests/groups/123` (ids percent-encoded).
    pub fn path(&self) -> String {
        match self {
            Route::Queue => "/".into(),
            Route::Request(key) => {
                format!("/requests/{}/{}", key.source.slug(), encode_id(&key.id))
            }
            Route::MyRequests => "/my-requests".into(),
            Route::ApprovedByMe => "/approved-by-me".into(),
        }
    }

    /// A link target: the path under the sub-path the app is served from, so links work when opened in
    /// a new tab and the router recognises them as its own.
    pub fn href(&self) -> String {
        href(&self.path())
    }

    /// The request a detail route's parameters name: a known source slug and an id that is not empty
    /// and not a dot segment (`.`/`..` would change the path it is written into).
    pub fn request_key(source: &str, id: &str) -> Result<RequestKey, String> {
        let kind = SourceKind::from_slug(source).ok_or_else(|| source.to_string())?;
        if id.is_empty() || id == "." || id == ".." {
            return Err(source.to_string());
        }
        Ok(RequestKey::new(kind, id))
    }
}

/// A route from outside the app (host `navigate`, sign-in `return_to`) if it is safe to go to: starts
/// with one `/`, has no control characters (a TAB or newline is dropped by URL parsers, turning `/\t/x`
/// into `//x`), no backslash (read as `/`), no dot segments (plain or percent-encoded) that could climb
/// above the app's base. Anything else is `None`; callers go to `/` instead.
pub fn in_app_route(raw: &str) -> Option<&str> {
    let starts_well = raw.starts_with('/') && !raw.starts_with("//");
    let clean_chars = !raw.chars().any(|c| c.is_control() || c == '\\');
    let path = raw.split(['?', '#']).next().unwrap_or("");
    let no_dot_segments = !path.split('/').any(is_dot_segment);
    (starts_well && clean_chars && no_dot_segments).then_some(raw)
}

/// [`in_app_route`], or `/`.
pub fn in_app_route_or_home(raw: &str) -> &str {
    in_app_route(raw).unwrap_or("/")
}

/// An id as one path segment: percent-encoded, and a dot segment (`.`, `..`) encoded too so that the
/// link stays on the detail route (which then refuses it) instead of climbing the path.
fn encode_id(id: &str) -> String {
    if id == "." || id == ".." {
        id.replace('.', "%2E")
    } else {
        encode_path_segment(id)
    }
}

fn is_dot_segment(segment: &str) -> bool {
    let lower = segment.to_ascii_lowercase().replace("%2e", ".");
    lower == "." || lower == ".."
}

/// Where the app is served: `/` or a sub-path such as `/admin/pim/` (from `<base href>`).
pub fn base_path() -> String {
    let base = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.base_uri().ok().flatten())
        .and_then(|uri| web_sys::Url::new(&uri).ok())
        .map(|url| url.pathname())
        .unwrap_or_else(|| "/".into());
    if base.ends_with('/') {
        base
    } else {
        format!("{base}/")
    }
}

/// The router's `base`: the sub-path without its trailing slash (empty at the root).
pub fn router_base() -> String {
    base_path().trim_end_matches('/').to_string()
}

/// `route` (app-relative, starting with `/`) under the app's base.
pub fn href(route: &str) -> String {
    format!("{}{}", router_base(), route)
}

/// The current route relative to the base, with its query, e.g. `/requests/groups/123`.
pub fn current_route() -> String {
    let location = web_sys::window().map(|w| w.location());
    let path = location
        .as_ref()
        .and_then(|l| l.pathname().ok())
        .unwrap_or_default();
    let base = router_base();
    let relative = path.strip_prefix(&base).unwrap_or(&path);
    if relative.is_empty() {
        "/".into()
    } else {
        relative.to_string()
    }
}

/// Replaces the address bar without a reload with `route` (validated; `/` otherwise). This is also what
/// takes `?code=…&state=…` out of the address bar after sign-in, so if the browser refuses the URL the
/// app's home is used instead: the code never stays.
pub fn replace_url(route: &str) {
    let Some(history) = web_sys::window().and_then(|w| w.history().ok()) else {
        return;
    };
    let target = href(in_app_route_or_home(route));
    let replaced = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&target));
    if replaced.is_err() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&href("/")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_encode_ids() {
        let key = RequestKey::new(SourceKind::PortalApi, "PR/1?x=<y>");
        assert_eq!(
            Route::Request(key).path(),
            "/requests/portal/PR%2F1%3Fx%3D%3Cy%3E"
        );
        let dots = RequestKey::new(SourceKind::Groups, "..");
        assert_eq!(Route::Request(dots).path(), "/requests/groups/%2E%2E");
        assert_eq!(Route::Queue.path(), "/");
        assert_eq!(Route::MyRequests.path(), "/my-requests");
        assert_eq!(Route::ApprovedByMe.path(), "/approved-by-me");
    }

    #[test]
    fn request_keys_refuse_dot_segments_and_unknown_sources() {
        assert!(Route::request_key("groups", "abc").is_ok());
        assert_eq!(Route::request_key("nope", "abc"), Err("nope".into()));
        for id in ["", ".", ".."] {
            assert!(Route::request_key("groups", id).is_err(), "{id:?}");
        }
        assert!(Route::request_key("groups", "...").is_ok());
    }

    #[test]
    fn accepts_app_routes() {
        for route in [
            "/",
            "/my-requests",
            "/requests/entra-roles/abc-123",
            "/requests/portal/PR%2F1",
            "/approved-by-me?x=1#top",
            "/requests/groups/a.b",
        ] {
            assert_eq!(in_app_route(route), Some(route), "{route}");
        }
    }

    #[test]
    fn refuses_what_could_leave_the_app() {
        for route in [
            "",
            "requests/x",
            "//evil.example/x",
            "/\t/evil.example/x",
            "/\n/evil.example",
            "/\r/evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\u{0}x",
            "/\u{7f}x",
            "/\u{85}x",
            "https://evil.example/",
            "javascript:alert(1)",
            "/../x",
            "/a/../../x",
            "/%2e%2e/x",
            "/%2E./x",
            "/.%2e/x",
            "/./x",
        ] {
            assert_eq!(in_app_route(route), None, "{route:?}");
            assert_eq!(in_app_route_or_home(route), "/");
        }
    }
}
