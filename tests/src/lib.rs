//! The end-to-end harness: the real backend in-process on loopback ports
//! (with the demo shop), real Chromium driven through chromedriver, and
//! small DOM helpers that reach into the widget's shadow root.
//!
//! Nothing here skips: a missing `dist/` or browser is a failure that says
//! how to fix it (`cargo xtask build`, `cargo xtask setup`, or simply
//! `cargo xtask test`, which builds first).

pub mod axe;
mod browser;
mod cluster_stack;
mod dom;
pub mod files;
pub mod keys;
mod paths;
pub mod scenario;
mod site;
mod stack;
mod static_site;
mod wait;

pub use browser::Browser;
pub use cluster_stack::ClusterStack;
pub use dom::{count, js_errors, open_widget_panel, texts, visible, widget, widget_all, widget_count, widget_texts, widget_visible};
pub use paths::{demo_dir, dist_dir, repo_root};
pub use site::Site;
pub use stack::{Stack, DEMO_SITE_KEY};
pub use static_site::{free_port, StaticSite};
pub use wait::{wait_for, wait_for_within, TIMEOUT};

/// Demo agent Mei, whom the demo seed creates.
pub const AGENT_EMAIL: &str = "mei@rapport.demo";
pub const AGENT_PASSWORD: &str = "demo-agent-pass";
/// Mei's display name as the seed writes it; visitors see (part of) it.
pub const AGENT_NAME: &str = "林美 Mei";

/// Writes what `client` shows to `target/screenshots/NAME.png`, for people
/// to look at after a run (the scenarios assert; this lets us see).
pub async fn screenshot(client: &fantoccini::Client, name: &str) -> anyhow::Result<()> {
    let dir = repo_root().join("target/screenshots");
    std::fs::create_dir_all(&dir)?;
    let png = client.screenshot().await?;
    std::fs::write(dir.join(format!("{name}.png")), png)?;
    Ok(())
}

/// Serialises the browser tests of one test binary: several Chromiums at
/// once on a small machine make every timing flaky. Hold the guard for
/// the whole test.
pub async fn serial() -> tokio::sync::MutexGuard<'static, ()> {
    static LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    LOCK.lock().await
}

/// Server logs on stderr when `RUST_LOG` is set (e.g. `RUST_LOG=rapport=debug`).
pub fn init_logging() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("RUST_LOG").is_some() {
            let _ = tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).with_test_writer().try_init();
        }
    });
}
