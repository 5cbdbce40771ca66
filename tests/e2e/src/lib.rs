//! The end-to-end harness: for each test, a fresh tenant emulator (in-process, on free ports) serving
//! the built app from `dist/`, a ChromeDriver and a headless Chromium session driving it. Tests sign
//! in through the emulator's real sign-in page and assert on the page and on the emulator's request log.

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};
/// The emulator's state as tests read it (`World::state`), in the emulator's own types.
pub use tenant_emulator::{
    Action, Outcome, RequestView, Scenario, ScenarioRequest, ScenarioState, Source, StateView,
    Status,
};
use tenant_emulator::{Emulator, EmulatorConfig, EmulatorHandle, ServeApp};
use tokio::process::{Child, Command};

pub const ADELE: &str = "Adele Vance";
pub const ADELE_ID: &str = "a0000000-0000-4000-8000-000000000001";
pub const MEGAN: &str = "Megan Bowen";
pub const MEGAN_ID: &str = "a0000000-0000-4000-8000-000000000002";
pub const NESTOR: &str = "Nestor Wilke";
pub const NESTOR_ID: &str = "a0000000-0000-4000-8000-000000000003";

/// How long to wait for something to appear before failing.
pub const WAIT: Duration = Duration::from_secs(15);

/// Options for one test's world.
pub struct Options {
    pub page_size: usize,
    pub app_base: String,
    pub width: u32,
    pub height: u32,
    pub app_config_overlay: serde_json::Map<String, Value>,
    pub token_lifetime_secs: i64,
    /// The built app to serve; `None` = [`dist_dir`].
    pub dist: Option<PathBuf>,
    /// Fixed delay on every emulator response.
    pub latency_ms: u64,
    /// Synthetic pending requests added to the demo tenant.
    pub generate: usize,
}

/// Polls `probe` every 100 ms until it answers `Ok`, for at most [`WAIT`]; then fails naming `what` and
/// the last `Err` (what was there instead). Every polling loop of the end-to-end tests goes through here.
pub async fn wait_until<T, Fut>(what: &str, probe: impl FnMut() -> Fut) -> T
where
    Fut: std::future::Future<Output = Result<T, String>>,
{
    wait_until_within(what, WAIT, probe).await
}

/// [`wait_until`] with its own time limit.
pub async fn wait_until_within<T, Fut>(
    what: &str,
    limit: Duration,
    mut probe: impl FnMut() -> Fut,
) -> T
where
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let deadline = Instant::now() + limit;
    loop {
        let last = match probe().await {
            Ok(value) => return value,
            Err(last) => last,
        };
        assert!(Instant::now() < deadline, "{what} never held: {last}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            page_size: 100,
            app_base: "/".into(),
            width: 1280,
            height: 900,
            app_config_overlay: serde_json::Map::new(),
            token_lifetime_secs: 3599,
            dist: None,
            latency_ms: 0,
            generate: 0,
        }
    }
}

pub struct World {
    pub emulator: EmulatorHandle,
    pub app_url: String,
    pub browser: Client,
    driver: Child,
    http: reqwest::Client,
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The built app: `PIM_DIST` or `dist/` at the repository root (built by `make test`).
pub fn dist_dir() -> PathBuf {
    let dir = std::env::var_os("PIM_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("dist"));
    assert!(
        dir.join("index.html").exists(),
        "{} has no index.html: build the app first (make build)",
        dir.display()
    );
    dir
}

/// The app built for `/admin/pim/` (`trunk build --public-url /admin/pim/ --dist dist-subpath`).
pub fn subpath_dist_dir() -> PathBuf {
    let dir = std::env::var_os("PIM_DIST_SUBPATH")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("dist-subpath"));
    assert!(
        dir.join("index.html").exists(),
        "{} has no index.html: build it first (make build)",
        dir.display()
    );
    dir
}

pub fn screenshot_dir() -> PathBuf {
    let dir = repo_root().join("tests/e2e/screenshots");
    std::fs::create_dir_all(&dir).expect("create screenshot dir");
    dir
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

async fn start_chromedriver() -> (Child, u16) {
    let port = free_port();
    let binary = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    // Its own process group, so the Chromium it starts can be stopped with it even if a test panics.
    let child = Command::new(binary)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .expect("chromedriver on PATH (make test installs chromium-driver)");
    let deadline = Instant::now() + Duration::from_secs(10);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (child, port)
}

async fn start_browser(port: u16, width: u32, height: u32) -> Client {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let caps = json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--no-first-run",
                "--disable-sync", "--disable-extensions", format!("--window-size={width},{height}"),
            ],
        },
        // The console, for World::console (panics of the app are logged there).
        "goog:loggingPrefs": { "browser": "ALL" },
    });
    let caps = caps.as_object().cloned().expect("object");
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a Chromium session")
}

impl World {
    pub async fn start() -> World {
        World::start_with(Options::default()).await
    }

    pub async fn start_with(options: Options) -> World {
        let mut config = EmulatorConfig::new(Scenario::demo());
        config.test_controls = true;
        config.page_size = options.page_size;
        config.token_lifetime_secs = options.token_lifetime_secs;
        config.latency_ms = options.latency_ms;
        config.generate = options.generate;
        config.app_config_overlay = options.app_config_overlay;
        config.serve_app = Some(ServeApp {
            dir: options.dist.unwrap_or_else(dist_dir),
            port: 0,
            base: options.app_base,
        });
        let emulator = Emulator::start(config).await.expect("emulator starts");
        let app_url = emulator.app_url.clone().expect("app is served");
        let (driver, port) = start_chromedriver().await;
        let browser = start_browser(port, options.width, options.height).await;
        World {
            emulator,
            app_url,
            browser,
            driver,
            http: reqwest::Client::new(),
        }
    }

    /// `{app}{route}`: route without the leading slash is fine too.
    pub fn app(&self, route: &str) -> String {
        format!(
            "{}{}",
            self.app_url.trim_end_matches('/'),
            if route.starts_with('/') {
                route.to_string()
            } else {
                format!("/{route}")
            }
        )
    }

    pub async fn goto(&self, route: &str) {
        self.browser.goto(&self.app(route)).await.expect("navigate");
    }

    /// Opens the app and signs in through the emulator's sign-in page as `name`.
    pub async fn sign_in_as(&self, name: &str) {
        self.sign_in_at("/", name).await;
    }

    pub async fn sign_in_at(&self, route: &str, name: &str) {
        self.goto(route).await;
        self.click("#sign-in").await;
        let button = self
            .wait_for_xpath(&format!("//button[contains(normalize-space(.), '{name}')]"))
            .await;
        button.click().await.expect("choose the user");
        self.wait_for_text("[data-testid=account-name]", name).await;
    }

    /// A fresh world signed in as Adele, her queue loaded from every source.
    pub async fn at_adeles_queue() -> World {
        let world = World::start().await;
        world.sign_in_as(ADELE).await;
        wait_until_loaded(&world).await;
        world
    }

    /// Opens a deep link to one of Adele's pending `source` requests while signed out, signs in as
    /// Adele, and checks that the detail of that request is what opens. Returns the request.
    pub async fn sign_in_through_deep_link(&self, source: Source) -> RequestView {
        let state = self.state().await;
        let request = state
            .first(&format!("a pending {source} request for Adele"), |r| {
                r.source == source && r.is_pending_for(ADELE_ID)
            })
            .clone();
        self.sign_in_at(&route(&request), ADELE).await;
        let detail = self.wait_for("[data-testid=request-detail]").await;
        assert_eq!(
            detail.attr("data-id").await.unwrap().as_deref(),
            Some(request.id.as_str())
        );
        request
    }

    pub async fn wait_for(&self, css: &str) -> Element {
        self.browser
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} did not appear: {e}"))
    }

    pub async fn wait_for_xpath(&self, xpath: &str) -> Element {
        self.browser
            .wait()
            .at_most(WAIT)
            .for_element(Locator::XPath(xpath))
            .await
            .unwrap_or_else(|e| panic!("{xpath} did not appear: {e}"))
    }

    /// Waits until the element's text contains `needle`.
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        self.wait_for_text_within(css, needle, WAIT).await
    }

    /// [`World::wait_for_text`] with its own time limit (e.g. a background refresh's interval).
    pub async fn wait_for_text_within(&self, css: &str, needle: &str, limit: Duration) -> String {
        wait_until_within(
            &format!("{css} containing {needle:?}"),
            limit,
            || async move {
                let text = self.text_or_empty(css).await;
                if text.contains(needle) {
                    Ok(text)
                } else {
                    Err(format!("it says {text:?}"))
                }
            },
        )
        .await
    }

    /// Waits until `check` holds for the number of elements matching `css`.
    pub async fn wait_for_count(
        &self,
        css: &str,
        check: impl Fn(usize) -> bool,
        what: &str,
    ) -> usize {
        let check = &check;
        wait_until(&format!("{css}: {what}"), || async move {
            let n = self
                .browser
                .find_all(Locator::Css(css))
                .await
                .map(|v| v.len())
                .unwrap_or(0);
            if check(n) {
                Ok(n)
            } else {
                Err(format!("count {n}"))
            }
        })
        .await
    }

    /// Waits until `script`'s value passes `check`, and returns it.
    pub async fn wait_for_script(
        &self,
        script: &str,
        check: impl Fn(&Value) -> bool,
        what: &str,
    ) -> Value {
        let check = &check;
        wait_until(what, || async move {
            let value = self.eval(script).await;
            if check(&value) {
                Ok(value)
            } else {
                Err(format!("the page gave {value}"))
            }
        })
        .await
    }

    pub async fn text_or_empty(&self, css: &str) -> String {
        match self.browser.find(Locator::Css(css)).await {
            Ok(el) => el.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    pub async fn exists(&self, css: &str) -> bool {
        self.browser.find(Locator::Css(css)).await.is_ok()
    }

    pub async fn click(&self, css: &str) {
        self.wait_for(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        self.wait_for(css)
            .await
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    pub async fn eval(&self, script: &str) -> Value {
        self.browser
            .execute(script, vec![])
            .await
            .expect("script runs")
    }

    pub async fn screenshot(&self, name: &str) {
        let png = self.browser.screenshot().await.expect("screenshot");
        std::fs::write(screenshot_dir().join(format!("{name}.png")), png)
            .expect("write screenshot");
    }

    /// Full-page screenshot: resizes the window to the page height first.
    pub async fn full_screenshot(&self, name: &str, width: u32) {
        let height = self
            .eval("return Math.max(document.documentElement.scrollHeight, document.body.scrollHeight);")
            .await
            .as_u64()
            .unwrap_or(900) as u32;
        let _ = self
            .browser
            .set_window_size(width, height.clamp(600, 6000))
            .await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        self.screenshot(name).await;
    }

    // --- emulator test controls ---

    pub fn emulator_url(&self, path: &str) -> String {
        format!("{}{path}", self.emulator.base_url)
    }

    pub async fn control(&self, method: &str, path: &str, body: Value) -> Value {
        let url = self.emulator_url(path);
        let request = match method {
            "POST" => self.http.post(&url).json(&body),
            "DELETE" => self.http.delete(&url),
            _ => self.http.get(&url),
        };
        let response = request.send().await.expect("emulator answers");
        assert!(
            response.status().is_success(),
            "{method} {path}: {}",
            response.status()
        );
        response.json().await.unwrap_or(Value::Null)
    }

    /// Every request the emulator received, in order.
    pub async fn log(&self) -> Vec<Value> {
        match self.control("GET", "/_emulator/log", Value::Null).await {
            Value::Array(entries) => entries,
            other => panic!("log is not a list: {other}"),
        }
    }

    /// Gives the browser the emulator's stand-in for a Windows session (MIM PAM, portal cookie),
    /// as signing in through the emulator would. Cookies ignore ports, so any 127.0.0.1 page can set
    /// them for the emulator; the browser must be on one.
    pub async fn add_windows_session(&self, user: &str) {
        let reply = self
            .control("POST", "/_emulator/session", json!({ "user": user }))
            .await;
        for (name, path) in [("pam_session", "/pam"), ("portal_session", "/portal")] {
            let value = reply[name].as_str().expect("a session");
            self.eval(&format!(
                "document.cookie = '{name}={value}; path={path}; SameSite=Lax'; return true;"
            ))
            .await;
        }
    }

    pub async fn clear_log(&self) {
        self.control("DELETE", "/_emulator/log", Value::Null).await;
    }

    /// The emulator's store as of its clock, read through the emulator's own types.
    pub async fn state(&self) -> StateView {
        let reply = self.control("GET", "/_emulator/state", Value::Null).await;
        serde_json::from_value(reply).expect("the emulator's state")
    }

    pub async fn fault(&self, fault: Value) {
        self.control("POST", "/_emulator/faults", fault).await;
    }

    /// An access token for `user` (object id or UPN) and `resource` (`graph`, `arm`, `portal`).
    pub async fn token_for(&self, user: &str, resource: &str) -> String {
        let reply = self
            .control(
                "POST",
                "/_emulator/token",
                json!({ "user": user, "resource": resource }),
            )
            .await;
        reply["access_token"].as_str().expect("a token").to_string()
    }

    /// A raw call to the emulator as another user (e.g. "Nestor decides first").
    pub async fn call_as(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let url = self.emulator_url(path);
        let builder = match method {
            "PATCH" => self.http.patch(&url),
            "POST" => self.http.post(&url),
            _ => self.http.get(&url),
        };
        let builder = builder.bearer_auth(token);
        let builder = match body {
            Some(b) => builder.json(&b),
            None => builder,
        };
        builder.send().await.expect("emulator answers")
    }

    /// Ends the browser session; the rest (ChromeDriver, Chromium, emulator) stops on drop.
    pub async fn finish(self) {
        let _ = self.browser.clone().close().await;
    }
}

impl Drop for World {
    /// Stops ChromeDriver and every Chromium process it started (one process group), also when a
    /// test failed half-way.
    fn drop(&mut self) {
        let group = self.driver.id().and_then(|pid| i32::try_from(pid).ok());
        // Never 0 or 1: those would mean "my own group" and "every process".
        if let Some(group) = group.filter(|g| *g > 1) {
            // SAFETY: killpg only sends a signal, to the group ChromeDriver leads (process_group(0)).
            unsafe {
                libc::killpg(group, libc::SIGKILL);
            }
        }
    }
}

/// Log entries whose method matches and whose path contains `needle`.
pub fn calls<'a>(log: &'a [Value], method: &str, needle: &str) -> Vec<&'a Value> {
    log.iter()
        .filter(|e| e["method"] == method && e["path"].as_str().unwrap_or("").contains(needle))
        .collect()
}

// --- the demo tenant as the emulator reports it ---

/// The app's route segment of a source (`/requests/<slug>/<id>`).
pub fn slug(source: Source) -> &'static str {
    match source {
        Source::EntraRoles => "entra-roles",
        Source::Groups => "groups",
        Source::AzureResources => "azure-resources",
        Source::MimPam => "mim-pam",
        Source::PortalApi => "portal",
    }
}

/// What Requests I Approved lists for `user`: their decisions of the 7 days before the state's `now`,
/// outside MIM PAM (its API keeps no approver history).
pub fn decided_this_week<'a>(
    state: &'a StateView,
    user: &'a str,
) -> impl Iterator<Item = &'a RequestView> {
    let week_ago = state.now - chrono::Duration::days(7);
    state.requests.iter().filter(move |r| {
        r.source != Source::MimPam && r.decision_by(user).is_some_and(|d| d.at > week_ago)
    })
}

/// The requests the emulator says are waiting for `user`, as (source slug, id).
pub async fn expected_queue(world: &World, user: &str) -> BTreeSet<(String, String)> {
    let state = world.state().await;
    state
        .requests
        .iter()
        .filter(|r| r.is_pending_for(user))
        .map(|r| (slug(r.source).to_string(), r.id.clone()))
        .collect()
}

/// Every row the queue shows, scrolling through it: the list is windowed, so only the rows in view
/// are in the DOM at any time.
pub async fn shown_queue(world: &World) -> BTreeSet<(String, String)> {
    shown_rows(world, "[data-testid=queue-row]").await
}

/// The queue's rows that match `css` (a selector of `tr` elements), scrolling through the whole list.
pub async fn shown_rows(world: &World, css: &str) -> BTreeSet<(String, String)> {
    let rows = world
        .browser
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const css = arguments[0];
             const seen = new Map();
             const collect = () => document.querySelectorAll(css)
               .forEach(r => seen.set(r.dataset.source + '|' + r.dataset.id, [r.dataset.source, r.dataset.id]));
             const frames = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 30))));
             (async () => {
               window.scrollTo(0, 0); await frames(); collect();
               let last = -1;
               while (window.scrollY !== last) {
                 last = window.scrollY;
                 window.scrollBy(0, Math.floor(window.innerHeight * 0.7));
                 await frames(); collect();
               }
               window.scrollTo(0, 0); await frames();
               done([...seen.values()]);
             })();",
            vec![Value::from(css)],
        )
        .await
        .expect("the queue scrolls");
    rows.as_array()
        .unwrap()
        .iter()
        .map(|pair| {
            (
                pair[0].as_str().unwrap().to_string(),
                pair[1].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The app's route of a request's detail.
pub fn route(request: &RequestView) -> String {
    format!("/requests/{}/{}", slug(request.source), request.id)
}

// --- flows several tests share ---

/// Signs in as Adele, opens the first decidable request of `source` and types `draft` as her
/// justification. Returns the request.
pub async fn open_with_draft(world: &World, source: Source, draft: &str) -> RequestView {
    world.sign_in_as(ADELE).await;
    wait_until_loaded(world).await;
    let request = pick(world, source, 0).await;
    world.goto(&route(&request)).await;
    world.type_into("#approver-justification", draft).await;
    request
}

/// A pending activation of `source` that both Adele and Nestor approve (for "someone else decided").
pub async fn shared_request(world: &World, source: Source) -> RequestView {
    let state = world.state().await;
    state
        .first(
            &format!("a {source} request Adele and Nestor approve"),
            |r| {
                r.source == source
                    && r.action == Action::SelfActivate
                    && r.is_pending_for(ADELE_ID)
                    && r.is_pending_for(NESTOR_ID)
            },
        )
        .clone()
}

/// The demo tenant (`tests/emulator/scenarios/demo.json`); tests change it and load it with
/// [`load_scenario`].
pub fn demo_scenario() -> Scenario {
    Scenario::demo()
}

/// Replaces the emulator's tenant with `scenario`, its times relative to the emulator's clock.
pub async fn load_scenario(world: &World, scenario: &Scenario) {
    let response = reqwest::Client::new()
        .post(world.emulator_url("/_emulator/scenario"))
        .body(serde_json::to_string(scenario).expect("a scenario is plain data"))
        .send()
        .await
        .expect("scenario control");
    assert!(response.status().is_success(), "the scenario loads");
}

/// Empties the queue's search box (the search is kept across navigation, as approvers expect).
pub async fn clear_queue_search(world: &World) {
    world.wait_for("#queue-search").await;
    world
        .eval("const s = document.querySelector('#queue-search'); s.value = ''; s.dispatchEvent(new Event('input', { bubbles: true })); return true;")
        .await;
}

/// Narrows the queue to one request by searching for its id (the list is windowed: a row far down is
/// not in the DOM until it is in view) and returns its row's CSS selector.
pub async fn reveal_in_queue(world: &World, id: &str) -> String {
    clear_queue_search(world).await;
    world.type_into("#queue-search", id).await;
    let row = format!("[data-testid=queue-row][data-id='{id}']");
    world.wait_for(&row).await;
    row
}

pub async fn wait_until_loaded(world: &World) {
    world.wait_for("[data-testid=queue-row]").await;
    world
        .wait_for_count(".source-loading", |n| n == 0, "all sources loaded")
        .await;
}

/// A decidable request (activation, not expiring in the next minutes) of `source` for Adele.
pub async fn pick(world: &World, source: Source, skip: usize) -> RequestView {
    let state = world.state().await;
    state
        .requests
        .into_iter()
        .filter(|r| {
            r.source == source && r.is_pending_for(ADELE_ID) && r.action == Action::SelfActivate
        })
        .nth(skip)
        .unwrap_or_else(|| panic!("the demo has a decidable {source} request"))
}

pub fn is_write(entry: &Value) -> bool {
    matches!(
        entry["method"].as_str(),
        Some("PATCH" | "PUT" | "POST" | "DELETE")
    ) && !entry["path"].as_str().unwrap_or("").contains("/oauth2/")
        && !entry["path"].as_str().unwrap_or("").ends_with("$batch")
}

pub async fn decide(world: &World, request: &RequestView, decision: &str, justification: &str) {
    world.goto(&route(request)).await;
    world.wait_for("[data-testid=decision-panel]").await;
    if request.source != Source::MimPam {
        world
            .type_into("#approver-justification", justification)
            .await;
    } else {
        world.wait_for("[data-testid=no-justification-note]").await;
    }
    world.clear_log().await;
    let button = if decision == "Approve" {
        "[data-testid=approve]"
    } else {
        "[data-testid=deny]"
    };
    world.click(button).await;
    let past = if decision == "Approve" {
        "Approved"
    } else {
        "Denied"
    };
    world
        .wait_for_text("[data-testid=confirmation]", past)
        .await;
    world.wait_for_text("[data-testid=outcome]", past).await;
}

// --- pages on other origins (a host portal embedding the app, or a hostile page) ---

/// A tiny web server on its own port (so its own origin) serving one HTML page at every path.
pub struct PageServer {
    pub origin: String,
    html: std::sync::Arc<std::sync::Mutex<String>>,
    task: tokio::task::JoinHandle<()>,
}

impl PageServer {
    pub async fn start() -> PageServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let origin = format!("http://{}", listener.local_addr().expect("addr"));
        let html = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let page = html.clone();
        let app = axum::Router::new().fallback(move || {
            let body = page.lock().expect("page").clone();
            async move {
                (
                    [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    body,
                )
            }
        });
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        PageServer { origin, html, task }
    }

    pub fn set_html(&self, html: String) {
        *self.html.lock().expect("page") = html;
    }

    pub fn url(&self) -> String {
        format!("{}/", self.origin)
    }
}

impl Drop for PageServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// `tests/e2e/host/host.html` with the app's URL and a token table filled in.
pub fn host_page(app_url: &str, tokens: &Value) -> String {
    let template =
        std::fs::read_to_string(repo_root().join("tests/e2e/host/host.html")).expect("host.html");
    template
        .replace("__APP_URL__", app_url)
        .replace("__TOKENS__", &tokens.to_string())
}

// --- accessibility ---

/// axe-core's browser build: `AXE_JS`, or the copy `make tools` installs from npm.
pub fn axe_source() -> String {
    let path = std::env::var_os("AXE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".tools/npm/node_modules/axe-core/axe.min.js"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("axe-core at {} ({e}): run make tools", path.display()))
}

impl World {
    /// Runs axe-core (WCAG 2.0/2.1 A and AA rules) on the current page and fails with every violation.
    pub async fn assert_accessible(&self, state: &str) {
        let violations = self.accessibility_violations().await;
        assert!(
            violations.is_empty(),
            "{state}: {} accessibility violations:\n{}",
            violations.len(),
            serde_json::to_string_pretty(&violations).unwrap_or_default()
        );
    }

    /// axe-core's violations on the current page (rule id, impact, help and the first nodes).
    pub async fn accessibility_violations(&self) -> Vec<Value> {
        let loaded = self.eval("return typeof window.axe !== 'undefined';").await;
        if loaded != Value::Bool(true) {
            self.browser
                .execute(&format!("{}\nreturn true;", axe_source()), vec![])
                .await
                .expect("axe loads");
        }
        let result = self
            .browser
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
                    .then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary) }))))
                    .catch(e => done([{ id: 'axe-error', help: String(e) }]));",
                vec![],
            )
            .await
            .expect("axe runs");
        result.as_array().cloned().unwrap_or_default()
    }
}

// --- ChromeDriver's own commands (no WebDriver standard for these) ---

/// A POST to `/session/{id}/{path}` of ChromeDriver with a JSON body.
#[derive(Debug)]
struct ChromeCommand {
    path: &'static str,
    body: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for ChromeCommand {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/{}",
            session_id.unwrap_or_default(),
            self.path
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.body.to_string()))
    }
}

impl World {
    /// Runs `script` in every document the browser opens from now on, before the page's own scripts
    /// (DevTools `Page.addScriptToEvaluateOnNewDocument`): hooks that must see a page from its start.
    pub async fn before_every_page(&self, script: &str) {
        self.browser
            .issue_cmd(ChromeCommand {
                path: "goog/cdp/execute",
                body: json!({
                    "cmd": "Page.addScriptToEvaluateOnNewDocument",
                    "params": { "source": script },
                }),
            })
            .await
            .expect("DevTools accepts the script");
    }

    /// Emulates the system's `prefers-color-scheme` (`light` or `dark`) for this page and the next ones
    /// (DevTools `Emulation.setEmulatedMedia`).
    pub async fn prefer_color_scheme(&self, scheme: &str) {
        self.browser
            .issue_cmd(ChromeCommand {
                path: "goog/cdp/execute",
                body: json!({
                    "cmd": "Emulation.setEmulatedMedia",
                    "params": { "features": [{ "name": "prefers-color-scheme", "value": scheme }] },
                }),
            })
            .await
            .expect("DevTools accepts the media emulation");
    }

    /// The browser console's entries since the last call (`{ level, message, timestamp }`).
    pub async fn console(&self) -> Vec<Value> {
        let entries = self
            .browser
            .issue_cmd(ChromeCommand {
                path: "se/log",
                body: json!({ "type": "browser" }),
            })
            .await
            .expect("ChromeDriver returns the console");
        entries.as_array().cloned().unwrap_or_default()
    }
}

// --- DevTools and network emulation (for `make bench`) ---

/// The repository's root directory (where `make` runs).
pub fn repository_root() -> PathBuf {
    repo_root()
}

/// A network profile for ChromeDriver's network emulation: added round-trip time and throughput.
#[derive(Clone, Copy, Debug)]
pub struct NetworkProfile {
    pub name: &'static str,
    pub rtt_ms: u64,
    pub down_bytes_per_sec: u64,
    pub up_bytes_per_sec: u64,
}

impl World {
    /// Runs a DevTools protocol command on the current page (ChromeDriver's `goog/cdp/execute`) and
    /// returns its result.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.browser
            .issue_cmd(ChromeCommand {
                path: "goog/cdp/execute",
                body: json!({ "cmd": cmd, "params": params }),
            })
            .await
            .unwrap_or_else(|e| panic!("DevTools {cmd}: {e}"))
    }

    /// Throttles every request of the browser from now on (ChromeDriver's network conditions).
    pub async fn emulate_network(&self, profile: NetworkProfile) {
        self.browser
            .issue_cmd(ChromeCommand {
                path: "chromium/network_conditions",
                body: json!({ "network_conditions": {
                    "offline": false,
                    "latency": profile.rtt_ms,
                    "download_throughput": profile.down_bytes_per_sec,
                    "upload_throughput": profile.up_bytes_per_sec,
                } }),
            })
            .await
            .unwrap_or_else(|e| panic!("network conditions {}: {e}", profile.name));
    }
}

/// Presses `key` on the page as a keyboard would (a `keydown` the app's shortcuts listen to).
pub async fn press(world: &World, key: &str) {
    world
        .eval(&format!(
            "document.dispatchEvent(new KeyboardEvent('keydown', {{ key: {key:?}, bubbles: true }})); return true;"
        ))
        .await;
}

/// The justification another approver gives when deciding behind the app's back.
pub const OTHER_APPROVER_JUSTIFICATION: &str = "Verified on the bridge call";

/// Another approver (whose Graph `token` this is) approves Entra role `request` straight through Graph,
/// behind the app's back, with [`OTHER_APPROVER_JUSTIFICATION`].
pub async fn approve_entra_step_as(world: &World, token: &str, request: &RequestView) {
    let (id, step) = (&request.id, &request.ids.step_id);
    let response = world
        .call_as(
            token,
            "PATCH",
            &format!(
                "/graph/beta/roleManagement/directory/roleAssignmentApprovals/{id}/steps/{step}"
            ),
            Some(
                json!({ "reviewResult": "Approve", "justification": OTHER_APPROVER_JUSTIFICATION }),
            ),
        )
        .await;
    assert_eq!(
        response.status().as_u16(),
        204,
        "approved behind the app's back"
    );
}
