//! The `rapport` binary: `rapport serve` (default) and `rapport create-admin`.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use protocol::agent::Role;
use rapport::store::{NewAgent, Store};
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
    /// Create an admin agent, e.g. the first one on an empty database.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Read from RAPPORT_ADMIN_PASSWORD so it stays out of shell history.
        #[arg(long, env = "RAPPORT_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,tower_http=warn,sqlx=warn".into()))
        .init();
    let cli = Cli::parse();
    let config = Config::load(cli.config.as_deref())?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::CreateAdmin { email, name, password } => create_admin(config, &email, &name, &password).await,
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let server = Server::start(config).await?;
    print_banner(&server).await?;
    wait_for_signal().await;
    server.shutdown().await;
    Ok(())
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
    println!("  Database:   {}", c.database_path().display());
    if c.demo.seed {
        println!();
        println!("  Demo agents (log in at the console):");
        for a in &seed::DEMO_AGENTS {
            println!("    {:<22} {:<18} {}", a.email, a.password, a.role.as_str());
        }
        println!();
        println!("  Paste this into any page of an allowed origin:");
        println!("    <script async src=\"{}/widget.js\" data-site=\"{}\"></script>", c.public_url, c.demo.site_key);
    } else if server.state.store.agent_count().await? == 0 {
        println!();
        println!("  No agents yet. Create the first admin with:");
        println!("    RAPPORT_ADMIN_PASSWORD=... rapport create-admin --email you@example.com --name \"Your Name\"");
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

async fn create_admin(config: Config, email: &str, name: &str, password: &str) -> anyhow::Result<()> {
    anyhow::ensure!(password.chars().count() >= 10, "the password needs at least 10 characters");
    std::fs::create_dir_all(&config.data_dir).with_context(|| format!("creating {}", config.data_dir.display()))?;
    let store = Store::open(&config.database_path()).await.context("opening the database")?;
    let hash = auth::hash_password(password)?;
    let agent = store
        .create_agent(NewAgent { email, name, role: Role::Admin, password_hash: &hash, capacity: config.routing.agent_capacity })
        .await
        .context("creating the admin")?;
    println!("Created admin #{} <{}>. Log in at {}/console", agent.info.id, agent.info.email, config.public_url);
    store.close().await;
    Ok(())
}
