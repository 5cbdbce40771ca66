//! The full app: log panics, take down the entry's screen and mount the app on `<body>`. The `entry`
//! binary ([`pim_approvals::entry`]) loads this module when a session, a sign-in response or a host
//! portal needs it.

fn main() {
    pim_approvals::entry::log_panics();
    pim_approvals::entry::clear_screen();
    leptos::mount::mount_to_body(pim_approvals::app::App);
}
