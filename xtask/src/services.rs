//! `cargo xtask services`: a throwaway PostgreSQL and NATS for working by
//! hand (the PostgreSQL run of the integration suite, a node or three on a
//! shared database), printed as the variables that point at them. They stop
//! when Enter is pressed.

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::{Context, Result};
use testbed::{Nats, Postgres, PostgresMode};

use crate::setup;

pub fn services() -> Result<ExitCode> {
    setup::ensure_services()?;
    let postgres = Postgres::start(PostgresMode::Fast).context("starting PostgreSQL")?;
    let database = postgres.create_database("rapport")?;
    let nats = Nats::start().context("starting NATS")?;
    println!("\nRAPPORT_TEST_POSTGRES={}", postgres.admin_url());
    println!("RAPPORT_DATABASE_URL={database}");
    println!("RAPPORT_CLUSTER_BUS_URL={}", nats.url());
    println!("\nthe backend suite on PostgreSQL:");
    println!("  RAPPORT_TEST_DATABASE=postgres RAPPORT_TEST_POSTGRES={} cargo test -p rapport --test integration", postgres.admin_url());
    println!("\npress Enter to stop them");
    let _ = std::io::stdin().lock().lines().next();
    drop(nats);
    drop(postgres);
    Ok(ExitCode::SUCCESS)
}
