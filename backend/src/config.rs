//! Server configuration: embedded defaults, then a TOML file, then
//! environment variables (`RAPPORT_*`), each overriding the one before.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
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
    pub demo: DemoConfig,
    pub limits: Limits,
    pub routing: RoutingConfig,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DemoConfig {
    /// Create the demo site and demo agents at start (idempotent).
    pub seed: bool,
    /// Serve the demo shop on this address; `None` serves nothing.
    pub listen: Option<SocketAddr>,
    pub dir: PathBuf,
    pub site_key: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Frames a connection may send in a burst...
    pub burst_frames: u32,
    /// ...and per second after that.
    pub frames_per_second: u32,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoutingConfig {
    pub offer_timeout_secs: u64,
    /// Concurrent chats per agent.
    pub agent_capacity: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: ([127, 0, 0, 1], 8080).into(),
            public_url: "http://127.0.0.1:8080".into(),
            data_dir: "data".into(),
            assets_dir: "dist".into(),
            demo: DemoConfig::default(),
            limits: Limits::default(),
            routing: RoutingConfig::default(),
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
        Self { burst_frames: 40, frames_per_second: 10 }
    }
}

impl Default for RoutingConfig {
    fn default() -> Self {
        Self { offer_timeout_secs: 30, agent_capacity: 3 }
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
        if let Some(v) = get("RAPPORT_LISTEN") {
            self.listen = v.parse().context("RAPPORT_LISTEN must be an address like 127.0.0.1:8080")?;
        }
        if let Some(v) = get("RAPPORT_PUBLIC_URL") {
            self.public_url = v;
        }
        if let Some(v) = get("RAPPORT_DATA_DIR") {
            self.data_dir = v.into();
        }
        if let Some(v) = get("RAPPORT_ASSETS_DIR") {
            self.assets_dir = v.into();
        }
        if let Some(v) = get("RAPPORT_DEMO") {
            self.demo.seed = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = get("RAPPORT_DEMO_LISTEN") {
            self.demo.listen = Some(v.parse().context("RAPPORT_DEMO_LISTEN must be an address like 127.0.0.1:8081")?);
        }
        if let Some(v) = get("RAPPORT_DEMO_DIR") {
            self.demo.dir = v.into();
        }
        self.public_url = self.public_url.trim_end_matches('/').to_string();
        Ok(())
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("rapport.db")
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
    fn unknown_keys_and_bad_addresses_are_errors() {
        assert!(toml::from_str::<Config>("lisen = 1").is_err());
        let mut c = Config::default();
        assert!(c.apply_env(|k| (k == "RAPPORT_LISTEN").then(|| "nope".to_string())).is_err());
    }

    #[test]
    fn the_example_file_states_the_defaults() {
        let example: Config = toml::from_str(include_str!("../../rapport.example.toml")).unwrap();
        let defaults = Config::default();
        assert_eq!(format!("{example:?}"), format!("{defaults:?}"));
    }
}
