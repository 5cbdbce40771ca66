//! One file per route, plus the start-up pages (sign-in, configuration error).

pub mod approve;
pub mod approved_by_me;
pub mod config_error;
pub mod my_requests;
pub mod not_found;
pub mod request_detail;
pub mod sign_in;
