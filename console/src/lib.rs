//! The agent console: sign in, take chats, answer visitors.
//!
//! A Leptos client-side app compiled to Wasm and served at `/console`.
//! `state` is the pure model (tested on the host), `live` connects it to
//! the agent WebSocket, `api` holds the REST calls and `views` draws it all.

pub mod api;
pub mod cobrowse;
pub mod files;
pub mod i18n;
pub mod lazy;
pub mod live;
pub mod notify;
pub mod state;
pub mod views;
pub mod words;

use wasm_bindgen::prelude::wasm_bindgen;

#[cfg(test)]
mod page_tests;

/// Runs once the boot module (written by `cargo xtask build`) has
/// instantiated the Wasm.
#[wasm_bindgen(start)]
pub fn main() {
    leptos::mount::mount_to_body(views::app::App);
}
