//! Minifying the JavaScript and CSS visitors and agents download, with
//! esbuild (from npm, like wasm-opt): the loader, wasm-bindgen's glue and
//! the style sheets. Together it takes about 2.5 KB off the widget's gzip.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

/// How esbuild should read a source.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// A classic script (the loader): minified, nothing renamed that the
    /// page could see.
    Script,
    /// An ES module (wasm-bindgen's glue): exports keep their names.
    Module,
    Css,
}

/// Bundles an ES module and what it imports (the lazily loaded modules
/// share `widget/dom.js`) into one minified module.
pub fn bundle(esbuild: &Path, entry: &Path) -> Result<String> {
    bundle_with(esbuild, entry, &[])
}

/// Bundles like [`bundle`], with import names resolved to files
/// (`--alias`): the co-browse module imports the recorder's glue, which
/// only the build has, as `rapport-recorder`.
pub fn bundle_with(esbuild: &Path, entry: &Path, aliases: &[(&str, &Path)]) -> Result<String> {
    let out = Command::new(esbuild)
        .arg(entry)
        .args(["--bundle", "--minify", "--format=esm", "--target=es2020", "--log-level=warning"])
        .args(aliases.iter().map(|(name, file)| format!("--alias:{name}={}", file.display())))
        .output()
        .with_context(|| format!("starting {}", esbuild.display()))?;
    if !out.status.success() {
        bail!("esbuild failed on {} ({}): {}", entry.display(), out.status, String::from_utf8_lossy(&out.stderr));
    }
    String::from_utf8(out.stdout).context("esbuild wrote something that is not UTF-8")
}

pub fn minify(esbuild: &Path, source: &str, kind: Kind) -> Result<String> {
    let mut cmd = Command::new(esbuild);
    cmd.arg("--minify").arg("--log-level=warning");
    match kind {
        // Every browser the widget supports has ES2020 (optional chaining,
        // BigInt); it keeps esbuild from rewriting modern syntax.
        Kind::Script => cmd.args(["--loader=js", "--target=es2020"]),
        Kind::Module => cmd.args(["--loader=js", "--format=esm", "--target=es2020"]),
        Kind::Css => cmd.args(["--loader=css"]),
    };
    let mut child =
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().with_context(|| format!("starting {}", esbuild.display()))?;
    let mut stdin = child.stdin.take().context("esbuild's stdin")?;
    let input = source.to_string();
    // Written from a thread so a large output cannot deadlock the pipes.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().context("waiting for esbuild")?;
    writer.join().map_err(|_| anyhow::anyhow!("the thread feeding esbuild panicked"))?.context("feeding esbuild")?;
    if !out.status.success() {
        bail!("esbuild failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr));
    }
    String::from_utf8(out.stdout).context("esbuild wrote something that is not UTF-8")
}
