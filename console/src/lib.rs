//! The agent console: sign in, take chats, answer visitors.
//!
//! A Leptos client-side app compiled to Wasm and served at `/console`.
//! `state` is the pure model (tested on the host), `session` connects it to
//! the agent WebSocket, `api` holds the REST calls and `views` draws it all.

pub mod api;
pub mod i18n;
pub mod session;
pub mod state;
pub mod views;

use wasm_bindgen::prelude::wasm_bindgen;

/// The CSP source naming `index.html`'s inline module script, which loads
/// the hashed glue and Wasm. The backend's `Content-Security-Policy` for
/// `/console` must list it in `script-src`; a test keeps it in step with
/// the page.
pub const BOOT_SCRIPT_CSP_HASH: &str = "sha256-HK1EX4/UOTP94xs5NXaFLxEBh7k7Dk2NQgJDn5Q37Dw=";

#[cfg(test)]
mod page_tests;

/// Called by the page's module script once the Wasm is instantiated.
#[wasm_bindgen(start)]
pub fn main() {
    leptos::mount::mount_to_body(views::app::App);
}
