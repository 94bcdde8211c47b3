//! Server configuration: embedded defaults, then a TOML file, then
//! environment variables, each overriding the one before.
//!
//! Every key has a variable: `RAPPORT_` and the key's path in capitals,
//! joined by `_` (`limits.connections_per_ip` is
//! `RAPPORT_LIMITS_CONNECTIONS_PER_IP`). `rapport.example.toml` lists every
//! key with its default; a test keeps the two in step.

mod env;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Where the API, WebSockets, widget and console listen.
    pub listen: SocketAddr,
    /// The origin browsers reach the server at; the console's WebSocket must
    /// come from it (cross-site WebSocket hijacking protection).
    pub public_url: String,
    /// Holds `rapport.db`.
    pub data_dir: PathBuf,
    /// The built widget and console (`cargo xtask build` writes `dist/`).
    pub assets_dir: PathBuf,
    /// Take the client's address from `X-Forwarded-For` (the last hop's
    /// entry) rather than the TCP peer. Only behind a proxy you run: anyone
    /// can send the header.
    pub trust_forwarded_for: bool,
    /// `text` for people, `json` (one object per line) for a log collector.
    pub log_format: LogFormat,
    pub demo: DemoConfig,
    pub limits: Limits,
    pub connections: ConnectionTimers,
    pub routing: RoutingConfig,
    pub database: DatabaseConfig,
    pub cluster: ClusterConfig,
    pub dialer: DialerConfig,
    /// Where interaction and case events go (`conversation.ended`,
    /// `conversation.rated`, `case.created`, `case.updated`,
    /// `case.escalated`; see `events`), signed and retried as the dialer's
    /// webhooks are; empty: nowhere.
    pub events: DialerConfig,
    pub smtp: SmtpConfig,
}

/// Email out: transcripts visitors ask for and messages left for the team,
/// through an SMTP server, queued in the database and retried.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpConfig {
    /// `smtp://host:25` (plain), `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS) or `smtps://user:pass@host:465`; empty: no email.
    pub url: String,
    /// The sender, e.g. `Northwind Support <support@northwind.example>`.
    pub from: String,
    /// An email is tried this many times...
    pub max_attempts: u32,
    /// ...the first retry after this long, each later one twice as long.
    pub first_retry_ms: u64,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self { url: String::new(), from: "Rapport <rapport@localhost>".into(), max_attempts: 8, first_retry_ms: 5_000 }
    }
}

/// The dialer seam: when an agent clicks to call a callback, a signed
/// webhook asks a telephony system to place the call.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct DialerConfig {
    /// Where the webhook goes; empty: no dialer (the agent dials by hand).
    pub url: String,
    /// The HMAC-SHA256 key the body and timestamp are signed with.
    pub secret: String,
    /// Deliveries are tried this many times...
    pub max_attempts: u32,
    /// ...the first retry after this long, each later one twice as long.
    pub first_retry_ms: u64,
}

impl Default for DialerConfig {
    fn default() -> Self {
        Self { url: String::new(), secret: String::new(), max_attempts: 6, first_retry_ms: 1_000 }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct DemoConfig {
    /// Create the demo site and demo agents at start (only into an empty or
    /// demo database; idempotent).
    pub seed: bool,
    /// Serve the demo shop on this address; `None` serves nothing.
    pub listen: Option<SocketAddr>,
    pub dir: PathBuf,
    pub site_key: String,
}

/// What one client, address or conversation may have or do.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Frames a connection may send in a burst...
    pub burst_frames: u32,
    /// ...and per second after that.
    pub frames_per_second: u32,
    /// Open WebSockets from one IP address (visitors and agents together).
    pub connections_per_ip: u32,
    /// Open WebSockets of one visitor (their tabs).
    pub connections_per_visitor: u32,
    /// Open WebSockets of one agent (their consoles).
    pub connections_per_agent: u32,
    /// New visitors one IP address may create per minute.
    pub new_visitors_per_ip_per_minute: u32,
    /// Conversations one visitor may start per hour...
    pub new_conversations_per_visitor_per_hour: u32,
    /// ...and one IP address.
    pub new_conversations_per_ip_per_hour: u32,
    /// Callback requests one visitor may make per hour...
    pub callbacks_per_visitor_per_hour: u32,
    /// ...one IP address...
    pub callbacks_per_ip_per_hour: u32,
    /// ...and one site (counted in the database, so across every node).
    pub callbacks_per_site_per_hour: u32,
    /// Messages one conversation may hold.
    pub messages_per_conversation: u32,
    /// Login attempts one IP address may make per minute.
    pub logins_per_ip_per_minute: u32,
    /// Files one IP address may upload per minute (visitors and agents).
    pub uploads_per_ip_per_minute: u32,
    /// Knowledge-base searches, articles read and answers one IP address
    /// may ask per minute from the widget.
    pub article_lookups_per_ip_per_minute: u32,
    /// Password checks (argon2, about 19 MiB each) running at once.
    pub password_checks_at_once: u32,
}

/// How the server notices dead connections.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConnectionTimers {
    /// A ping goes to every client this often...
    pub ping_interval_ms: u64,
    /// ...and a client that sent nothing (no pong either) for this long
    /// after it is closed, so a sleeping laptop's agent stops getting offers.
    pub pong_timeout_ms: u64,
    /// A write that does not finish in this time closes the connection.
    pub write_timeout_ms: u64,
    /// A new connection must say hello within this time.
    pub hello_timeout_ms: u64,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoutingConfig {
    pub offer_timeout_secs: u64,
    /// Concurrent chats per agent.
    pub agent_capacity: u32,
    /// A waiting visitor with no open connection for this long has
    /// abandoned the queue.
    pub abandon_after_secs: u64,
    /// A returning visitor waits this long for the agent they last spoke
    /// to before anyone else may answer (0: no sticky routing).
    pub sticky_secs: u64,
    /// The handle time a queue's wait estimates assume until it has its own.
    pub default_handle_secs: u64,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// Empty: SQLite in `data_dir` (one node). `postgres://user:pass@host/db`:
    /// PostgreSQL, which every node of a cluster shares.
    pub url: String,
    /// SQLite only: `full` makes every acknowledged message survive power
    /// loss; `normal` only a crash of the process (faster on slow disks).
    /// PostgreSQL follows its own `synchronous_commit`.
    pub synchronous: Synchronous,
    /// Connections this node keeps open to the database at most.
    pub max_connections: u32,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClusterConfig {
    /// Empty: this node is the whole deployment. `nats://host:4222`: the
    /// broker every node of a cluster shares (with PostgreSQL).
    pub bus_url: String,
    /// This node's name in logs, metrics and leases; empty: the host name
    /// and process id.
    pub node_name: String,
    /// How long a node owns routing without renewing; another node takes
    /// over within about this long after the owner dies or stalls.
    pub lease_ms: u64,
    /// Where `/metrics` (Prometheus text format) is served; empty: nowhere.
    /// Kept off the public listener, for the operator's network only.
    pub metrics_listen: String,
}

/// Where the data lives: a SQLite file, or a PostgreSQL server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseLocation {
    Sqlite(PathBuf),
    Postgres(String),
}

impl std::fmt::Display for DatabaseLocation {
    /// For logs and errors: the path, or the server without the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "SQLite {}", path.display()),
            Self::Postgres(url) => {
                let shown = match (url.find("://"), url.rfind('@')) {
                    (Some(scheme), Some(at)) if at > scheme => format!("{}://…@{}", &url[..scheme], &url[at + 1..]),
                    _ => url.clone(),
                };
                write!(f, "PostgreSQL {shown}")
            }
        }
    }
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Synchronous {
    Full,
    Normal,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: ([127, 0, 0, 1], 8080).into(),
            public_url: "http://127.0.0.1:8080".into(),
            data_dir: "data".into(),
            assets_dir: "dist".into(),
            trust_forwarded_for: false,
            log_format: LogFormat::Text,
            demo: DemoConfig::default(),
            limits: Limits::default(),
            connections: ConnectionTimers::default(),
            routing: RoutingConfig::default(),
            database: DatabaseConfig::default(),
            cluster: ClusterConfig::default(),
            dialer: DialerConfig::default(),
            events: DialerConfig::default(),
            smtp: SmtpConfig::default(),
        }
    }
}

impl Default for DemoConfig {
    fn default() -> Self {
        Self { seed: false, listen: None, dir: "demo-site".into(), site_key: "demo-shop".into() }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            burst_frames: 40,
            frames_per_second: 10,
            connections_per_ip: 100,
            connections_per_visitor: 10,
            connections_per_agent: 10,
            new_visitors_per_ip_per_minute: 30,
            new_conversations_per_visitor_per_hour: 10,
            new_conversations_per_ip_per_hour: 60,
            callbacks_per_visitor_per_hour: 3,
            callbacks_per_ip_per_hour: 10,
            callbacks_per_site_per_hour: 200,
            messages_per_conversation: 5_000,
            logins_per_ip_per_minute: 10,
            uploads_per_ip_per_minute: 30,
            article_lookups_per_ip_per_minute: 120,
            password_checks_at_once: 2,
        }
    }
}

impl Default for ConnectionTimers {
    fn default() -> Self {
        Self { ping_interval_ms: 10_000, pong_timeout_ms: 5_000, write_timeout_ms: 10_000, hello_timeout_ms: 10_000 }
    }
}

impl ConnectionTimers {
    pub fn ping_interval(&self) -> Duration {
        Duration::from_millis(self.ping_interval_ms.max(10))
    }

    /// How long a client may be silent before it counts as gone.
    pub fn silence_limit(&self) -> Duration {
        self.ping_interval() + Duration::from_millis(self.pong_timeout_ms)
    }

    pub fn write_timeout(&self) -> Duration {
        Duration::from_millis(self.write_timeout_ms.max(10))
    }

    pub fn hello_timeout(&self) -> Duration {
        Duration::from_millis(self.hello_timeout_ms.max(10))
    }
}

impl Default for RoutingConfig {
    fn default() -> Self {
        Self { offer_timeout_secs: 30, agent_capacity: 3, abandon_after_secs: 120, sticky_secs: 10, default_handle_secs: 300 }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self { url: String::new(), synchronous: Synchronous::Full, max_connections: 16 }
    }
}

impl Default for ClusterConfig {
    fn default() -> Self {
        Self { bus_url: String::new(), node_name: String::new(), lease_ms: 5_000, metrics_listen: "127.0.0.1:9090".into() }
    }
}

impl ClusterConfig {
    pub fn lease(&self) -> Duration {
        Duration::from_millis(self.lease_ms.max(500))
    }

    /// The configured name, or one made from the host and process.
    pub fn node_name(&self) -> String {
        if !self.node_name.trim().is_empty() {
            return self.node_name.trim().to_string();
        }
        let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_default();
        let host = if host.is_empty() { "node".to_string() } else { host };
        format!("{host}-{}", std::process::id())
    }
}

impl Config {
    /// Reads `path` if given (it must exist) and applies the environment.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Self> {
        let mut config = match path {
            Some(path) => {
                let text = std::fs::read_to_string(path).with_context(|| format!("reading config file {}", path.display()))?;
                toml::from_str(&text).with_context(|| format!("parsing config file {}", path.display()))?
            }
            None => Config::default(),
        };
        config.apply_env(|name| std::env::var(name).ok())?;
        Ok(config)
    }

    /// Environment overrides; `get` is injected so tests need not touch the
    /// process environment.
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        *self = env::overlay(self, get)?;
        self.public_url = self.public_url.trim_end_matches('/').to_string();
        Ok(())
    }

    /// Which database this node uses.
    pub fn database(&self) -> DatabaseLocation {
        if self.database.url.trim().is_empty() {
            DatabaseLocation::Sqlite(self.data_dir.join("rapport.db"))
        } else {
            DatabaseLocation::Postgres(self.database.url.trim().to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_environment_override_defaults() {
        let mut c: Config = toml::from_str("listen = \"0.0.0.0:9000\"\n[demo]\nseed = true\n").unwrap();
        assert_eq!(c.listen.port(), 9000);
        assert!(c.demo.seed);
        c.apply_env(|k| (k == "RAPPORT_LISTEN").then(|| "127.0.0.1:7000".to_string())).unwrap();
        assert_eq!(c.listen.port(), 7000);
        assert_eq!(c.routing.agent_capacity, 3);
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors_that_name_the_variable() {
        assert!(toml::from_str::<Config>("lisen = 1").is_err());
        let mut c = Config::default();
        let err = c.apply_env(|k| (k == "RAPPORT_LISTEN").then(|| "nope".to_string())).unwrap_err();
        assert!(format!("{err:#}").contains("RAPPORT_LISTEN"), "{err:#}");
        let err = c.apply_env(|k| (k == "RAPPORT_LIMITS_CONNECTIONS_PER_IP").then(|| "lots".to_string())).unwrap_err();
        assert!(format!("{err:#}").contains("RAPPORT_LIMITS_CONNECTIONS_PER_IP"), "{err:#}");
    }

    #[test]
    fn the_example_file_states_the_defaults() {
        let example: Config = toml::from_str(include_str!("../../rapport.example.toml")).unwrap();
        let defaults = Config::default();
        assert_eq!(format!("{example:?}"), format!("{defaults:?}"));
    }
}
