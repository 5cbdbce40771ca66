//! The unified request model and PIM's rules, independent of any service or browser API.
//!
//! Everything here is plain Rust (no `web-sys`, no HTTP) so it is tested with `cargo test` on the host.
//! Sources (`crate::sources`) translate each service's JSON into these types; pages only render them.

pub mod checks;
pub mod csv;
pub mod duration;
pub mod expiry;
pub mod history;
pub mod outcome;
pub mod queue;
pub mod request;
pub mod risk;
pub mod session;
pub mod time;
pub mod timeline;

pub use duration::IsoDuration;
pub use request::*;
pub use risk::{RiskLevel, RiskPolicy};
