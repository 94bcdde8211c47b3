//! Where the built front ends and the demo shop are.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ lives inside the repository").to_path_buf()
}

/// The built widget and console: `$RAPPORT_DIST`, else `<repo>/dist`.
/// Fails, naming the fix, when `cargo xtask build` has not run.
pub fn dist_dir() -> Result<PathBuf> {
    let dir = std::env::var_os("RAPPORT_DIST").map(PathBuf::from).unwrap_or_else(|| repo_root().join("dist"));
    for file in ["widget.js", "console.html"] {
        let path = dir.join(file);
        if !path.is_file() {
            bail!(
                "{} is missing: the widget and console are not built. Run `cargo xtask build` first \
                 (or run every suite with `cargo xtask test`, which builds before testing)",
                path.display()
            );
        }
    }
    Ok(dir)
}

/// The demo shop's pages: `$RAPPORT_DEMO_DIR`, else `<repo>/demo-site`.
pub fn demo_dir() -> Result<PathBuf> {
    let dir = std::env::var_os("RAPPORT_DEMO_DIR").map(PathBuf::from).unwrap_or_else(|| repo_root().join("demo-site"));
    if !dir.join("index.html").is_file() {
        bail!("{} has no index.html: RAPPORT_DEMO_DIR must point at the demo shop (the repository's demo-site/)", dir.display());
    }
    Ok(dir)
}
