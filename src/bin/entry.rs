//! The first module a browser runs: the sign-in screen for a visitor without a session, or the full
//! app straight away (see [`pim_approvals::entry`]).

fn main() {
    pim_approvals::entry::start();
}
