//! The data the run starts from, written straight into the server's data
//! directory before the server starts: one site and the agents who serve it.

use std::path::Path;

use anyhow::Context;
use protocol::agent::Role;
use protocol::visitor::WidgetSettings;
use rapport::config::DatabaseLocation;
use rapport::store::{NewAgent, Store, StoreOptions};
use rapport::{auth, Config};

pub const SITE_KEY: &str = "loadgen";
/// The only origin the site allows; every visitor connection claims it.
pub const SITE_ORIGIN: &str = "http://loadgen.local";
pub const AGENT_PASSWORD: &str = "loadgen-agent-pass";

pub fn agent_email(index: u32) -> String {
    format!("agent{index}@loadgen.local")
}

/// Creates the site and `agents` agents, each able to take `capacity`
/// chats, in the SQLite database of `data_dir`.
pub async fn prepare(data_dir: &Path, agents: u32, capacity: u32) -> anyhow::Result<()> {
    // The same path the server derives from RAPPORT_DATA_DIR.
    let config = Config { data_dir: data_dir.to_path_buf(), ..Config::default() };
    prepare_in(&config.database(), agents, capacity).await
}

/// The same, in any database (a cluster's PostgreSQL).
pub async fn prepare_in(location: &DatabaseLocation, agents: u32, capacity: u32) -> anyhow::Result<()> {
    let location = location.clone();
    let store = Store::open(&location, StoreOptions::default()).await.with_context(|| format!("creating the database ({location})"))?;
    let settings = WidgetSettings { title: "Load test".into(), prechat_fields: vec![], ..WidgetSettings::default() };
    let site = store.upsert_site(SITE_KEY, "Load generator", &[SITE_ORIGIN.to_string()], &settings).await.context("creating the site")?;
    // Argon2 is slow on purpose; every agent shares the password, so one
    // hash serves them all.
    let hash = auth::hash_password(AGENT_PASSWORD)?;
    for i in 0..agents {
        let email = agent_email(i);
        let name = format!("Agent {i}");
        store
            .create_agent(NewAgent { email: &email, name: &name, role: Role::Agent, password_hash: &hash, capacity, sites: &[site.id] })
            .await
            .with_context(|| format!("creating agent {email}"))?;
    }
    store.close().await;
    Ok(())
}
