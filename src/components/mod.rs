//! Reusable views. They take domain values and render them as text (never as HTML), so names,
//! justifications and tickets from other people stay data.

pub mod badges;
pub mod bulk;
pub mod confirm_dialog;
pub mod context;
pub mod decision;
pub mod document_title;
pub mod header;
pub mod hooks;
pub mod host_bridge;
pub mod justification;
pub mod queue_filters;
pub mod queue_keys;
pub mod queue_table;
pub mod request_list;
pub mod requester;
pub mod session_banner;
pub mod sort_header;
pub mod source_status;
pub mod time;
pub mod timeline;
pub mod untrusted;
pub mod windowed;
