//! PIM Approvals: an approver's console for Microsoft Entra Privileged Identity Management.
//!
//! - [`domain`]: the unified request model and PIM's rules (pure Rust).
//! - [`sources`]: one module per service behind the [`sources::RequestSource`] trait.
//! - [`auth`]: sign-in, tokens per resource, the embedding hand-off.
//! - [`entry`]: the first module a browser runs: the sign-in screen, or the full app straight away.
//! - [`app`], [`pages`] and [`components`]: the Leptos views; [`state`] is what they share.

pub mod app;
pub mod auth;
mod boot;
pub mod components;
pub mod config;
pub mod domain;
pub mod entry;
pub mod pages;
mod routes;
pub mod sources;
pub mod state;
mod theme;
