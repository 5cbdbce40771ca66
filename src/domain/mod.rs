//! The unified request model and PIM's rules, independent of any service or browser API.
//!
//! Everything here is plain Rust (no `web-sys`, no HTTP) so it is tested with `cargo test` on the host.
//! Sources (`crate::sources`) translate each service's JSON into these types; pages only render them.

pub(crate) mod blockers;
pub(crate) mod bulk;
pub(crate) mod checklist;
pub(crate) mod context_gap;
pub(crate) mod csv;
pub(crate) mod duration;
pub(crate) mod expiry;
pub(crate) mod history;
pub(crate) mod outcome;
pub(crate) mod policy;
pub mod queue;
pub(crate) mod request;
pub(crate) mod requester_facts;
pub(crate) mod requester_record;
pub(crate) mod risk;
pub(crate) mod role_policy;
pub(crate) mod session;
pub(crate) mod sort;
pub(crate) mod text;
pub(crate) mod time;
pub(crate) mod timeline;
pub(crate) mod warnings;

pub use duration::{IsoDuration, RequestedDuration};
pub use request::*;
pub use risk::{RiskLevel, RiskPolicy};
