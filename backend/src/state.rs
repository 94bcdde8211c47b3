//! The state every handler shares. Cheap to clone: everything is behind an
//! `Arc` or is a handle already.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::admission::Admission;
use crate::auth::lockout::Lockout;
use crate::auth::PasswordChecker;
use crate::config::Config;
use crate::fatal::Fatal;
use crate::gateway::TypingGate;
use crate::hub::Hub;
use crate::routing_actor::Routing;
use crate::store::Store;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    /// This node's name (logs, metrics, leases).
    pub node: Arc<str>,
    pub store: Store,
    pub hub: Hub,
    pub routing: Routing,
    /// Connections, new visitors, conversations and logins per address.
    pub admission: Arc<Admission>,
    pub passwords: Arc<PasswordChecker>,
    pub lockout: Arc<Lockout>,
    pub typing: Arc<TypingGate>,
    /// Co-browsing's relay and its count of wrong codes.
    pub cobrowse: Arc<crate::cobrowse::Cobrowse>,
    /// Where files' bytes are kept.
    pub files: crate::files::Files,
    /// The SMTP server's client, when `[smtp] url` is set.
    pub mailer: Option<crate::email::Mailer>,
    /// Cancelled on shutdown; every connection and background task watches it.
    pub shutdown: CancellationToken,
    /// Every connection and background task, so shutdown can wait for them.
    pub tasks: TaskTracker,
    /// Set when a vital task failed and the process must stop.
    pub fatal: Fatal,
}

impl AppState {
    /// Whether `origin` is where the console is served from.
    pub fn is_console_origin(&self, origin: &str) -> bool {
        origin.eq_ignore_ascii_case(&self.config.public_url) || origin.eq_ignore_ascii_case(&format!("http://{}", self.config.listen))
    }
}
