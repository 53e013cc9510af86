//! innocity-web: the axum application — auth, roles and scopes, HTML pages, JSON API.
pub mod api;
pub mod app;
pub mod assets;
pub mod audit;
pub mod auth;
pub mod blocking;
pub mod error;
pub mod experts;
pub mod finance;
pub mod guard;
pub mod home;
pub mod http;
pub mod i18n;
pub mod indicators;
pub mod market;
pub mod menu;
pub mod ops;
pub mod orgs;
pub mod page;
pub mod projects;
pub mod server;
pub mod sharing;
pub mod sheet;
pub mod stats;
pub mod subjects;
pub mod users;

pub use app::{AppState, WebConfig, router};
