//! The `rapport` binary: `rapport serve` (default), and the few commands an
//! operator needs before the console's admin screens exist.

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use protocol::agent::Role;
use protocol::visitor::WidgetSettings;
use rapport::config::LogFormat;
use rapport::store::{NewAgent, Store, StoreOptions};
use rapport::{auth, seed, Config, Server};

#[derive(Parser)]
#[command(name = "rapport", version, about = "Customer-engagement widget and contact-center backend")]
struct Cli {
    /// TOML configuration file; RAPPORT_* environment variables override it.
    #[arg(long, short, env = "RAPPORT_CONFIG", global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Create an admin agent (e.g. the first one); admins serve every site.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Read from RAPPORT_ADMIN_PASSWORD so it stays out of shell history.
        #[arg(long, env = "RAPPORT_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// Create a site (or update its name and origins); every admin serves it.
    CreateSite {
        /// The `data-site` value of the embed snippet.
        #[arg(long)]
        key: String,
        #[arg(long)]
        name: String,
        /// An origin whose pages may embed the widget, e.g. https://shop.example (repeatable).
        #[arg(long = "origin", required = true)]
        origins: Vec<String>,
    },
    /// Disable an agent: no more logins; a running server closes their
    /// consoles within a minute.
    DisableAgent {
        #[arg(long)]
        email: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::load(cli.config.as_deref())?;
    init_logging(config.log_format);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::CreateAdmin { email, name, password } => create_admin(config, &email, &name, &password).await,
        Command::CreateSite { key, name, origins } => create_site(config, &key, &name, &origins).await,
        Command::DisableAgent { email } => disable_agent(config, &email).await,
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,tower_http=warn,sqlx=warn".into());
    // Logs go to stderr; stdout is for what the commands print.
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        // One JSON object per line, with the current span's fields (whose
        // connection, which request), for a log collector.
        LogFormat::Json => builder.json().with_current_span(true).with_span_list(false).init(),
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    raise_open_file_limit();
    let server = Server::start(config).await?;
    print_banner(&server).await?;
    let shutdown = server.state.shutdown.clone();
    tokio::select! {
        _ = wait_for_signal() => {}
        // A vital task failed and started the shutdown itself.
        _ = shutdown.cancelled() => {}
    }
    let fatal = server.state.fatal.clone();
    server.shutdown().await;
    match fatal.reason() {
        Some(reason) => bail!("stopped because {reason}"),
        None => Ok(()),
    }
}

/// Every WebSocket is a file descriptor; the usual soft limit of 1024 would
/// cap a node far below what it can hold.
fn raise_open_file_limit() {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit only read and write the struct we pass.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max;
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                tracing::warn!("could not raise the open-file limit");
            }
        }
    }
}

async fn print_banner(server: &Server) -> anyhow::Result<()> {
    let c = &server.state.config;
    println!();
    println!("  Rapport is running.");
    println!("  Console:    {}/console", c.public_url);
    if let Some(demo) = server.demo_addr {
        println!("  Demo shop:  http://{demo}/   (a different origin, like a customer's site)");
    }
    println!("  Health:     {}/healthz", c.public_url);
    println!("  Database:   {}", c.database());
    if c.demo.seed {
        println!();
        println!("  Demo agents (log in at the console; these passwords are public):");
        for a in &seed::DEMO_AGENTS {
            println!("    {:<22} {:<18} {}", a.email, a.password, a.role.as_str());
        }
        println!();
        println!("  Paste this into any page of an allowed origin:");
        println!("    <script async src=\"{}/widget.js\" data-site=\"{}\"></script>", c.public_url, c.demo.site_key);
    } else if server.state.store.agent_count().await? == 0 {
        println!();
        println!("  No agents yet. Create the first admin and a site with:");
        println!("    RAPPORT_ADMIN_PASSWORD=... rapport create-admin --email you@example.com --name \"Your Name\"");
        println!("    rapport create-site --key my-shop --name \"My Shop\" --origin https://shop.example");
    }
    println!();
    Ok(())
}

async fn wait_for_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

async fn open_store(config: &Config) -> anyhow::Result<Store> {
    std::fs::create_dir_all(&config.data_dir).with_context(|| format!("creating {}", config.data_dir.display()))?;
    Store::open(&config.database(), StoreOptions::from_config(config)).await.with_context(|| format!("opening the database ({})", config.database()))
}

async fn create_admin(config: Config, email: &str, name: &str, password: &str) -> anyhow::Result<()> {
    anyhow::ensure!(password.chars().count() >= 10, "the password needs at least 10 characters");
    let store = open_store(&config).await?;
    let hash = auth::hash_password(password)?;
    let sites: Vec<_> = store.sites().await?.into_iter().map(|s| s.id).collect();
    let agent = store
        .create_agent(NewAgent { email, name, role: Role::Admin, password_hash: &hash, capacity: config.routing.agent_capacity, sites: &sites })
        .await
        .context("creating the admin")?;
    println!("Created admin #{} <{}>. Log in at {}/console", agent.info.id, agent.info.email, config.public_url);
    store.close().await;
    Ok(())
}

async fn create_site(config: Config, key: &str, name: &str, origins: &[String]) -> anyhow::Result<()> {
    for origin in origins {
        let parsed = url::Url::parse(origin).with_context(|| format!("{origin} is not an origin like https://shop.example"))?;
        anyhow::ensure!(
            parsed.path() == "/" && origin.trim_end_matches('/') == parsed.origin().ascii_serialization(),
            "{origin} is not an origin (scheme, host and port only)"
        );
    }
    let origins: Vec<String> = origins.iter().map(|o| o.trim_end_matches('/').to_string()).collect();
    let store = open_store(&config).await?;
    let settings = store.site_by_key(key).await?.map(|s| s.settings).unwrap_or_else(|| WidgetSettings { title: name.to_string(), ..WidgetSettings::default() });
    let site = store.upsert_site(key, name, &origins, &settings).await?;
    for admin in store.admin_ids().await? {
        store.add_agent_to_site(admin, site.id).await?;
    }
    println!("Site `{}` is ready. Paste this into its pages:", site.key);
    println!("  <script async src=\"{}/widget.js\" data-site=\"{}\"></script>", config.public_url, site.key);
    store.close().await;
    Ok(())
}

async fn disable_agent(config: Config, email: &str) -> anyhow::Result<()> {
    let store = open_store(&config).await?;
    let Some(agent) = store.agent_by_email(email).await? else { bail!("no agent has the email {email}") };
    store.disable_agent(agent.info.id).await?;
    println!("Disabled {} <{}>; their sessions are ended.", agent.info.name, agent.info.email);
    store.close().await;
    Ok(())
}
