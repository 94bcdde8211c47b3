//! A throwaway PostgreSQL cluster: `initdb` into a temporary directory,
//! `postgres` on a free loopback port, everything removed when dropped.
//! Run as root, it runs as the `postgres` user Debian's package creates
//! (PostgreSQL refuses root).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::process::{free_port, is_root, wait_for_port, Running};

/// The role every throwaway cluster has, with trust authentication on
/// loopback: no password.
const USER: &str = "rapport";

/// How much the cluster cares about the disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostgresMode {
    /// No fsync: tests check behaviour, not power loss, and run faster.
    Fast,
    /// Commits wait for the disk, as in production: for benchmarks.
    Durable,
}

pub struct Postgres {
    server: Running,
    port: u16,
    dir: PathBuf,
}

impl Postgres {
    pub fn start(mode: PostgresMode) -> Result<Self> {
        let bin = binaries()?;
        let dir = std::env::temp_dir().join(format!("rapport-pg-{}-{}", std::process::id(), free_port()?));
        let data = dir.join("data");
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let root = is_root();
        if root {
            let status = Command::new("chown").args(["-R", "postgres:postgres"]).arg(&dir).status().context("running chown")?;
            if !status.success() {
                bail!("could not give {} to the postgres user", dir.display());
            }
        }
        let mut initdb = as_postgres(root, &bin.join("initdb"));
        initdb.arg("-D").arg(&data).args(["-U", USER, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"]);
        let out = initdb.output().context("running initdb")?;
        if !out.status.success() {
            bail!("initdb failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        let port = free_port()?;
        let mut postgres = as_postgres(root, &bin.join("postgres"));
        postgres.arg("-D").arg(&data).arg("-p").arg(port.to_string()).arg("-k").arg(&dir);
        postgres.args(["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300", "-c", "shared_buffers=128MB"]);
        if mode == PostgresMode::Fast {
            postgres.args(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
        }
        postgres.stdout(std::process::Stdio::null()).stderr(std::fs::File::create(dir.join("postgres.log"))?);
        let mut server = Running::spawn("postgres", &mut postgres)?;
        wait_for_port(SocketAddr::from(([127, 0, 0, 1], port)), "postgres", &mut server, Duration::from_secs(30))?;
        let cluster = Self { server, port, dir };
        cluster.wait_ready(&bin)?;
        Ok(cluster)
    }

    /// The maintenance database's URL: connect here to create databases.
    pub fn admin_url(&self) -> String {
        self.url("postgres")
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/{database}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Creates a database (with `psql`, so callers need no driver).
    pub fn create_database(&self, name: &str) -> Result<String> {
        create_database(&self.admin_url(), name)
    }

    fn wait_ready(&self, bin: &Path) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = Command::new(bin.join("pg_isready")).args(["-q", "-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", USER]).status();
            if ready.is_ok_and(|s| s.success()) {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("postgres on port {} was not ready within 30 s (log: {})", self.port, self.dir.join("postgres.log").display());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // SIGTERM is PostgreSQL's "smart" shutdown, which waits for clients;
        // a throwaway cluster wants "fast" (SIGINT).
        let _ = self.server.signal("INT");
        self.server.stop(Duration::from_secs(10));
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Debian installs PostgreSQL's programs under a versioned directory.
fn binaries() -> Result<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.path().join("bin")).filter(|bin| bin.join("initdb").is_file()).collect())
        .unwrap_or_default();
    found.sort();
    found.pop().context("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); `cargo xtask setup` installs Debian's postgresql package")
}

fn as_postgres(root: bool, program: &Path) -> Command {
    if root {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

/// Creates database `name` on the server at `admin_url` (any database of
/// it that the user may connect to), and returns the new database's URL.
pub fn create_database(admin_url: &str, name: &str) -> Result<String> {
    let bin = binaries()?;
    let out = Command::new(bin.join("psql"))
        .args(["-v", "ON_ERROR_STOP=1", "-q", "-d", admin_url, "-c"])
        .arg(format!("CREATE DATABASE \"{name}\""))
        .output()
        .context("running psql")?;
    if !out.status.success() {
        bail!("creating database {name}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let base = admin_url.rsplit_once('/').map(|(base, _)| base).context("the admin URL has no database part")?;
    Ok(format!("{base}/{name}"))
}
