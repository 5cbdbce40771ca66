//! The sign-in screen for a visitor without a session (the `entry` binary, without Leptos), so that
//! such a visitor downloads only this small module.
//!
//! `src/bootstrap.js` (inlined into `index.html` at build time) loads this module only when the tab
//! has no session, the address carries no sign-in response and the page is not framed; otherwise it
//! loads the full app (the `pim-approvals` binary) directly, through a dynamic `import()` of a
//! same-origin module, which the strict CSP allows.
//!
//! - `config.json` is read (preloaded by `index.html`), the sign-in screen is shown, its button starts
//!   the same [`OAuthSession::begin_sign_in`] as the app, and the full app is prefetched while the
//!   button is on screen, so the redirect back finds it in the cache.
//! - An unreadable `config.json`: the full app is loaded, and shows its configuration error page.

use crate::auth::oauth;
use crate::auth::session::OAuthSession;
use crate::auth::AuthError;
use crate::{boot, routes, theme};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlButtonElement};

/// The sign-in screen's sentences (also shown by the app's own sign-in page).
pub const LEAD: &str = "Approve or deny just-in-time privileged access requests from Entra roles, PIM for Groups, Azure resources, MIM PAM and your admin portal, in one queue.";
pub const HELP: &str =
    "Sign in with the account that is named as approver; it is often a separate admin account.";
pub const BUTTON: &str = "Sign in with Microsoft";

/// The `id` of what this module shows; the full app removes it when it mounts.
const SCREEN_ID: &str = "entry";

#[wasm_bindgen]
extern "C" {
    /// Starts a module through `src/bootstrap.js` (which shows an alert when it cannot).
    #[wasm_bindgen(js_namespace = pimApprovals, js_name = load)]
    fn load_module(name: &str) -> js_sys::Promise;
    /// The files of a module (`app` or `entry`), as `src/bootstrap.js` read them from the page.
    #[wasm_bindgen(js_namespace = pimApprovals, js_name = files)]
    fn module_files(name: &str) -> js_sys::Array;
}

/// Starts the full app.
fn load_app() -> js_sys::Promise {
    load_module("app")
}

/// Asks the browser to fetch the full app's module and wasm while it is idle.
fn prefetch_app() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(Some(head)) = document.query_selector("head") else {
        return;
    };
    for file in module_files("app").iter().filter_map(|f| f.as_string()) {
        let Ok(link) = document.create_element("link") else {
            continue;
        };
        let _ = link.set_attribute("rel", "prefetch");
        let _ = link.set_attribute("href", &file);
        let _ = link.set_attribute("crossorigin", "anonymous");
        let _ = head.append_child(&link);
    }
}

/// Logs a panic's message and place to the console (an operator's first clue), without the stack
/// capture of `console_error_panic_hook`.
pub fn log_panics() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&JsValue::from_str(&info.to_string()));
    }));
}

/// The `entry` binary's `main`.
pub fn start() {
    log_panics();
    wasm_bindgen_futures::spawn_local(run());
}

/// Removes this module's screen (called by the full app as it mounts).
pub fn clear_screen() {
    if let Some(screen) = document().and_then(|d| d.get_element_by_id(SCREEN_ID)) {
        screen.remove();
    }
}

async fn run() {
    let Ok(config) = boot::load_config().await else {
        let _ = wasm_bindgen_futures::JsFuture::from(load_app()).await;
        return;
    };
    theme::apply(config.embedding.theme, config.embedding.density);
    let config = Rc::new(config);
    let session = OAuthSession::new(config.clone(), boot::redirect_uri(&config));
    show_sign_in(session, routes::current_route());
    prefetch_app();
}

fn document() -> Option<Document> {
    web_sys::window()?.document()
}

fn element(document: &Document, tag: &str, class: &str, text: &str) -> Option<Element> {
    let element = document.create_element(tag).ok()?;
    if !class.is_empty() {
        element.set_class_name(class);
    }
    if !text.is_empty() {
        element.set_text_content(Some(text));
    }
    Some(element)
}

/// The sign-in screen: the same markup, test ids and sentences as the app's sign-in page.
fn show_sign_in(session: OAuthSession, return_to: String) {
    let Some(document) = document() else { return };
    let (Some(main), Some(body)) = (
        element(&document, "main", "page standalone sign-in", ""),
        document.body(),
    ) else {
        return;
    };
    main.set_id(SCREEN_ID);
    let _ = main.set_attribute("data-testid", "sign-in-page");
    let alert = element(&document, "p", "banner warning", "");
    let button = element(&document, "button", "button primary", BUTTON)
        .and_then(|b| b.dyn_into::<HtmlButtonElement>().ok());
    let parts = [
        element(&document, "h1", "", "PIM Approvals"),
        element(&document, "p", "lead", LEAD),
        button.clone().map(Into::into),
        element(&document, "p", "help", HELP),
    ];
    for part in parts.iter().flatten() {
        let _ = main.append_child(part);
    }
    let (Some(alert), Some(button)) = (alert, button) else {
        return;
    };
    let _ = alert.set_attribute("role", "alert");
    button.set_id("sign-in");
    button.set_type("button");
    let on_click = Closure::<dyn Fn()>::new({
        let button = button.clone();
        let main = main.clone();
        move || start_sign_in(&session, &return_to, &button, &main, &alert)
    });
    button.set_onclick(Some(on_click.as_ref().unchecked_ref()));
    on_click.forget();
    let _ = body.append_child(&main);
}

fn start_sign_in(
    session: &OAuthSession,
    return_to: &str,
    button: &HtmlButtonElement,
    main: &Element,
    alert: &Element,
) {
    if button.disabled() {
        return;
    }
    button.set_disabled(true);
    let (session, return_to) = (session.clone(), return_to.to_string());
    let (button, main, alert) = (button.clone(), main.clone(), alert.clone());
    wasm_bindgen_futures::spawn_local(async move {
        let started = session
            .begin_sign_in(&return_to, login_hint().as_deref(), false)
            .await;
        if let Err(AuthError { message, .. }) = started {
            alert.set_text_content(Some(&message));
            let _ = main.insert_before(&alert, Some(&button));
            button.set_disabled(false);
        }
    });
}

/// `?login_hint=` on the app's address is passed on to the sign-in page.
pub fn login_hint() -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    search.trim_start_matches('?').split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == "login_hint").then(|| oauth::decode(v))
    })
}
