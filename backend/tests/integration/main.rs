//! The backend's integration tests, in one test binary (one link, and one
//! place for the shared helpers in `common`). Every test starts the real
//! server on free loopback ports and talks to it over real HTTP and
//! WebSockets, as the widget and the console do.

mod common;

mod access;
mod acd;
mod appearance;
mod bad_frames;
mod binary;
mod callbacks;
mod canned;
mod cases;
mod chat;
mod cobrowse;
mod contacts;
mod email;
mod files;
mod headers;
mod history;
mod knowledge;
mod limits;
mod liveness;
mod metrics;
mod queue;
mod ratings;
mod rest;
mod resume;
mod search;
mod sessions;
mod sites;
mod supervision;
