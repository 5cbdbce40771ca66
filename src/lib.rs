//! PIM Approvals: an approver's console for Microsoft Entra Privileged Identity Management.
//!
//! - [`domain`]: the unified request model and PIM's rules (pure Rust).
//! - [`sources`]: one module per service behind the [`sources::RequestSource`] trait.
//! - [`auth`]: sign-in, tokens per resource, the embedding hand-off.
//! - [`pages`] and [`components`]: the Leptos views.

pub mod auth;
pub mod config;
pub mod domain;
pub mod sources;
