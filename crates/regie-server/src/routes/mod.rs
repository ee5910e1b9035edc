//! The API's routes, one module per resource.

pub mod assets;
pub mod audit;
pub mod auth;
pub mod collections;
pub mod deliveries;
pub mod health;
pub mod intelligence;
pub mod jobs;
pub mod keys;
pub mod profiles;
pub mod ranges;
pub mod recommendations;
pub mod rules;
pub mod timeline;
pub mod tokens;
pub mod uploads;
pub mod users;
pub mod worker;

use serde::Serialize;

/// Pages hold at most this many items.
pub const MAX_PAGE: u32 = 500;
pub const DEFAULT_PAGE: u32 = 100;

/// One page of a listing; `next_cursor` is given back as `cursor` for the next page.
#[derive(Debug, Serialize)]
pub struct Page<Items> {
    pub items: Items,
    pub next_cursor: Option<String>,
}

pub fn page_limit(limit: Option<u32>) -> u32 {
    limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE)
}
