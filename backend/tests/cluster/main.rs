//! Several Rapport nodes as one: three `rapport serve` processes on one
//! PostgreSQL database and one NATS server, behind HAProxy with no sticky
//! sessions, driven over real WebSockets. Nodes are killed (-9), paused
//! (SIGSTOP) and the broker restarted while people chat.
//!
//! The tests run one at a time (each cluster is five processes on a small
//! machine). PostgreSQL is `RAPPORT_TEST_POSTGRES` when set (as in
//! `cargo xtask test`), else a throwaway server.

#[path = "../integration/common.rs"]
mod common;
mod harness;

mod chat;
mod cobrowse;
mod faults;
