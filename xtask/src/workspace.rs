//! Where things are: the workspace root, the target directory and the
//! directories xtask writes (dist/, target/tools, target/wasm-bindgen).

use std::path::{Path, PathBuf};

use anyhow::{ensure, Context, Result};

pub struct Workspace {
    pub root: PathBuf,
    /// Cargo's target directory, honouring `CARGO_TARGET_DIR` so that the
    /// wasm pipeline finds what `cargo build` wrote.
    pub target: PathBuf,
}

impl Workspace {
    pub fn locate() -> Result<Self> {
        // `cargo run` sets CARGO_MANIFEST_DIR at run time too; the
        // compile-time value is the fallback for running the binary directly.
        let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
        let root = manifest_dir.parent().context("xtask's manifest directory has no parent")?.to_path_buf();
        ensure!(root.join("Cargo.toml").is_file(), "no workspace Cargo.toml at {}", root.display());
        let target = match std::env::var_os("CARGO_TARGET_DIR") {
            Some(dir) => root.join(dir),
            None => root.join("target"),
        };
        Ok(Self { root, target })
    }

    pub fn path(&self, relative: impl AsRef<Path>) -> PathBuf {
        self.root.join(relative)
    }

    pub fn dist(&self) -> PathBuf {
        self.root.join("dist")
    }

    /// npm-installed tools live here so they never touch the system.
    pub fn tools(&self) -> PathBuf {
        self.target.join("tools")
    }
}
