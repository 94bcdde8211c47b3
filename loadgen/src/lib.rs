//! Drivers for a real Rapport server over real WebSockets: the load
//! generator (`loadgen`, run as `cargo xtask bench chat`) and the chaos test
//! (`chaos`, run as `cargo xtask chaos`). Both start `rapport` as a child
//! process on loopback and print figures as `name: value [unit]` lines.

pub mod agent;
pub mod chaos;
pub mod cli;
pub mod fixture;
pub mod idle;
pub mod open;
pub mod receipts;
pub mod report;
pub mod run;
pub mod server;
pub mod servers;
pub mod stamp;
pub mod visitor;
pub mod ws;

/// Thousands of sockets need thousands of file descriptors.
pub fn raise_open_file_limit() {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit only read and write the struct we pass.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}
