//! Real infrastructure for tests and benchmarks, started as child
//! processes on loopback ports and stopped when dropped: a throwaway
//! PostgreSQL cluster, a NATS server with JetStream, an HAProxy in front of
//! several Rapport nodes.
//!
//! Each uses Debian's package (`cargo xtask setup` installs them); nothing
//! here installs anything or skips: a missing program is an error that
//! names the package.

mod cluster;
mod haproxy;
mod metrics;
mod nats;
mod postgres;
mod process;
mod smtp;

pub use cluster::{health, Cluster, ClusterSpec, Node};
pub use haproxy::Haproxy;
pub use metrics::metric;
pub use nats::Nats;
pub use postgres::{create_database, Postgres, PostgresMode};
pub use process::{free_port, Running};
pub use smtp::{Received, SmtpReceiver};
