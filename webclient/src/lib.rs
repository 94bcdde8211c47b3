//! Browser plumbing shared by the widget and the console, so that both
//! reconnect, number their messages and show times the same way.
//!
//! The pure parts (backoff, URL and time arithmetic) are plain functions
//! tested on the host; only `socket` and the `*_now` helpers touch the
//! browser.

pub mod backoff;
pub mod files;
pub mod ids;
pub mod json;
pub mod socket;
pub mod time;
pub mod url;

pub use socket::{Listener, Socket, SocketHandlers, Timer};
