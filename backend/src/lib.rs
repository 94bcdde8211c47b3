//! Rapport's backend as a library, so tests can start the real server.

pub mod admission;
pub mod api;
pub mod appearance;
pub mod assets;
pub mod auth;
pub mod bus;
pub mod callbacks;
pub mod cases;
pub mod config;
pub mod contacts;
pub mod demo;
pub mod email;
pub mod entry;
pub mod events;
pub mod extract;
pub mod fatal;
pub mod files;
pub mod gateway;
pub mod headers;
pub mod hours;
pub mod html;
pub mod hub;
pub mod knowledge;
pub mod notices;
pub mod periodic;
pub mod refusal;
pub mod rest;
pub mod routing_actor;
pub mod seed;
pub mod server;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod webhooks;

pub use config::Config;
pub use server::{router, Server};
