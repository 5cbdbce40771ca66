//! The first thing a browser runs (the `entry` binary, without Leptos): it decides between the sign-in
//! screen and the full app, so that a visitor without a session downloads only this small module.
//!
//! - A session in this tab, a sign-in response in the address (`?code=…&state=…` or `?error=…`), or a
//!   host portal's frame: the full app is loaded straight away.
//! - Otherwise `config.json` is read (preloaded by `index.html`), the sign-in screen is shown, its
//!   button starts the same [`OAuthSession::begin_sign_in`] as the app, and the full app is prefetched
//!   while the button is on screen, so the redirect back finds it in the cache.
//! - An unreadable `config.json`: the full app is loaded, and shows its configuration error page.
//!
//! The full app (the `pim-approvals` binary) is a second wasm-bindgen module whose content-hashed file
//! names `.ci/app-module.sh` writes into `<meta name="pim-approvals:app">` at build time; it is started
//! through a dynamic `import()` of a same-origin module, which the strict CSP allows.

use crate::auth::oauth::{self, RedirectParams};
use crate::auth::session::{self, OAuthSession};
use crate::auth::{embed, AuthError};
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
const APP_META: &str = "meta[name='pim-approvals:app']";

#[wasm_bindgen(inline_js = r#"
export function load_app(js, wasm) {
  const base = document.baseURI;
  return import(new URL(js, base).href).then((app) => app.default({ module_or_path: new URL(wasm, base).href }));
}
export function prefetch(href) {
  const link = document.createElement("link");
  link.rel = "prefetch";
  link.href = href;
  document.head.appendChild(link);
}
"#)]
extern "C" {
    #[wasm_bindgen(catch)]
    fn load_app(js: &str, wasm: &str) -> Result<js_sys::Promise, JsValue>;
    fn prefetch(href: &str);
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
    if needs_app_now() {
        return start_app().await;
    }
    let Ok(config) = boot::load_config().await else {
        return start_app().await;
    };
    theme::apply(config.embedding.theme, config.embedding.density);
    let config = Rc::new(config);
    let session = OAuthSession::new(config.clone(), boot::redirect_uri(&config));
    show_sign_in(session, routes::current_route());
    if let Some((js, wasm)) = app_files() {
        prefetch(&js);
        prefetch(&wasm);
    }
}

/// A session to restore, a sign-in to finish, or a host portal around the app.
fn needs_app_now() -> bool {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    session::has_stored_session()
        || RedirectParams::parse(&search).is_sign_in_response()
        || embed::is_embedded()
}

/// The full app's module and wasm, relative to the base URL.
fn app_files() -> Option<(String, String)> {
    let content = document()?
        .query_selector(APP_META)
        .ok()??
        .get_attribute("content")?;
    let (js, wasm) = content.split_once(' ')?;
    Some((js.to_string(), wasm.to_string()))
}

async fn start_app() {
    show_status("Loading PIM Approvals…", false);
    let loaded = match app_files() {
        Some((js, wasm)) => match load_app(&js, &wasm) {
            Ok(promise) => wasm_bindgen_futures::JsFuture::from(promise)
                .await
                .map(|_| ()),
            Err(e) => Err(e),
        },
        None => Err(JsValue::from_str("the build names no app module")),
    };
    if loaded.is_err() {
        show_status(
            "PIM Approvals could not be loaded. Check your connection and reload the page.",
            true,
        );
    }
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

/// Replaces the screen with one line: a status, or an alert.
fn show_status(text: &str, alert: bool) {
    let Some(document) = document() else { return };
    clear_screen();
    if let (Some(line), Some(body)) = (element(&document, "p", "boot", text), document.body()) {
        line.set_id(SCREEN_ID);
        let _ = line.set_attribute("role", if alert { "alert" } else { "status" });
        let _ = body.append_child(&line);
    }
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
