//! What the widget costs visitors, in bytes: printed by `cargo xtask bench
//! weight` and checked against budgets by `cargo xtask test`.
//!
//! Sizes are read from the files `build` wrote, including its `.gz` and
//! `.br` twins, so the figures are exactly what the server sends.

use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::build::{self, Bundle, Dist};
use crate::process;
use crate::workspace::Workspace;

/// The loader is on every page of every site, opened or not. What it
/// weighed when chat first shipped: it must not grow.
const LOADER_GZIP_BUDGET: u64 = 2_298;
/// Wasm + JS glue + CSS, fetched when a visitor opens the chat. What it
/// weighed when chat first shipped (118,829), plus the 3 KB (3,072) the
/// callback feature was allowed for its link to the callback module, the
/// header's call button and the suggestion to be called (it took 2,964):
/// the chat download must not grow; anything beyond chat loads as its own
/// module when first used. Files were allowed 3 KB more (3,072) for the
/// attach button, paste and drop, and showing pictures and files in the
/// log; the uploads themselves are in the callback module. The knowledge
/// base was allowed 3 KB more (3,072) for its link to the articles module
/// and the place its suggestions are drawn.
/// Co-browsing was allowed 2 KB (2,048) for its link to the co-browse
/// module and the header's "share my screen" button; the recorder and
/// everything the visitor sees of a session are in that module.
const WIDGET_TOTAL_GZIP_BUDGET: u64 = 118_829 + 3_072 + 3_072 + 3_072 + 2_048;
/// The callback module (form and status card, the transcript's form, and
/// the file uploads), fetched only by visitors who ask for a call, finish
/// a chat or attach a file.
const CALLBACK_MODULE_GZIP_BUDGET: u64 = 8 * 1024;
/// The file uploads alone, as the console loads them.
const FILES_MODULE_GZIP_BUDGET: u64 = 3 * 1024;
/// The knowledge base's suggestions, fetched by visitors who type a
/// question on a site with published articles.
const ARTICLES_MODULE_GZIP_BUDGET: u64 = 3 * 1024;
/// The co-browse module (JS and the recorder's Wasm together), fetched
/// only by visitors who co-browse.
const COBROWSE_MODULE_GZIP_BUDGET: u64 = 64 * 1024;
/// The console's co-browse viewer, fetched when an agent first co-browses.
const VIEWER_MODULE_GZIP_BUDGET: u64 = 16 * 1024;
/// The agent console (Wasm + JS + CSS), admin and report screens included.
const CONSOLE_TOTAL_GZIP_BUDGET: u64 = 300 * 1024;

/// One named figure, printed as `name: value bytes`.
pub struct Figure {
    pub name: &'static str,
    pub bytes: u64,
}

pub fn measure(dist: &Dist) -> Result<Vec<Figure>> {
    let widget = BundleSizes::of(&dist.widget)?;
    let console = BundleSizes::of(&dist.console)?;
    let figure = |name, bytes| Figure { name, bytes };
    Ok(vec![
        figure("loader_raw", size(&dist.loader, "")?),
        figure("loader_gzip", size(&dist.loader, ".gz")?),
        figure("loader_brotli", size(&dist.loader, ".br")?),
        figure("widget_wasm_raw", widget.wasm_raw),
        figure("widget_wasm_gzip", widget.wasm_gzip),
        figure("widget_js_raw", widget.js_raw),
        figure("widget_js_gzip", widget.js_gzip),
        figure("widget_css_gzip", widget.css_gzip),
        figure("widget_total_gzip", widget.total_gzip()),
        figure("callback_module_gzip", size(&dist.callback, ".gz")?),
        figure("files_module_gzip", size(&dist.files, ".gz")?),
        figure("articles_module_gzip", size(&dist.articles, ".gz")?),
        figure("cobrowse_js_gzip", size(&dist.cobrowse, ".gz")?),
        figure("recorder_wasm_gzip", size(&dist.recorder_wasm, ".gz")?),
        figure("cobrowse_module_gzip", size(&dist.cobrowse, ".gz")? + size(&dist.recorder_wasm, ".gz")?),
        figure("viewer_module_gzip", size(&dist.viewer, ".gz")?),
        figure("console_total_gzip", console.total_gzip()),
    ])
}

struct BundleSizes {
    wasm_raw: u64,
    wasm_gzip: u64,
    js_raw: u64,
    js_gzip: u64,
    css_gzip: u64,
}

impl BundleSizes {
    fn of(bundle: &Bundle) -> Result<Self> {
        Ok(Self {
            wasm_raw: size(&bundle.wasm.file, "")?,
            wasm_gzip: size(&bundle.wasm.file, ".gz")?,
            js_raw: size(&bundle.js.file, "")?,
            js_gzip: size(&bundle.js.file, ".gz")?,
            css_gzip: size(&bundle.css.file, ".gz")?,
        })
    }

    fn total_gzip(&self) -> u64 {
        self.wasm_gzip + self.js_gzip + self.css_gzip
    }
}

/// The size of `file` with `suffix` appended to its name ("" for itself).
fn size(file: &Path, suffix: &str) -> Result<u64> {
    let mut name = file.as_os_str().to_owned();
    name.push(suffix);
    let meta = std::fs::metadata(&name).with_context(|| format!("reading {}", Path::new(&name).display()))?;
    Ok(meta.len())
}

pub fn print(figures: &[Figure]) {
    for f in figures {
        println!("{}: {} bytes", f.name, f.bytes);
    }
}

/// Every budget: (figure, most bytes).
const BUDGETS: [(&str, u64); 8] = [
    ("loader_gzip", LOADER_GZIP_BUDGET),
    ("widget_total_gzip", WIDGET_TOTAL_GZIP_BUDGET),
    ("callback_module_gzip", CALLBACK_MODULE_GZIP_BUDGET),
    ("files_module_gzip", FILES_MODULE_GZIP_BUDGET),
    ("articles_module_gzip", ARTICLES_MODULE_GZIP_BUDGET),
    ("cobrowse_module_gzip", COBROWSE_MODULE_GZIP_BUDGET),
    ("viewer_module_gzip", VIEWER_MODULE_GZIP_BUDGET),
    ("console_total_gzip", CONSOLE_TOTAL_GZIP_BUDGET),
];

/// Budget overruns, one message each, empty when everything fits.
pub fn overruns(figures: &[Figure]) -> Vec<String> {
    BUDGETS
        .iter()
        .filter_map(|&(name, budget)| {
            let actual = figures.iter().find(|f| f.name == name)?.bytes;
            (actual > budget).then(|| format!("{name} is {actual} bytes, {} bytes over its budget of {budget} bytes", actual - budget))
        })
        .collect()
}

/// The size part of `cargo xtask test`: prints the figures, then fails if a
/// budget is exceeded.
pub fn check(dist: &Dist) -> Result<()> {
    let figures = measure(dist)?;
    print(&figures);
    let over = overruns(&figures);
    if !over.is_empty() {
        bail!("size budget exceeded:\n  {}", over.join("\n  "));
    }
    let within: Vec<String> = BUDGETS.iter().map(|(name, budget)| format!("{name} <= {budget} bytes")).collect();
    println!("size budgets: ok ({})", within.join(", "));
    Ok(())
}

/// `cargo xtask bench weight`: the sizes, then what a real browser fetches
/// before and after opening the chat (measured by the e2e crate).
pub fn bench(ws: &Workspace) -> Result<()> {
    let dist = build::build(ws)?;
    let figures = measure(&dist)?;
    print(&figures);
    for over in overruns(&figures) {
        println!("warning: {over}");
    }
    let mut cmd = process::cargo();
    cmd.current_dir(&ws.root).args(["run", "--quiet", "-p", "e2e", "--bin", "measure-transfer"]);
    process::env_default(&mut cmd, "RAPPORT_DIST", ws.dist());
    process::env_default(&mut cmd, "RAPPORT_DEMO_DIR", ws.path("demo-site"));
    process::run(&mut cmd).context("measuring browser transfer")
}

/// `cargo xtask bench cobrowse`: builds, prints the co-browse module's
/// sizes, then times the recorder in Chromium (`measure-cobrowse`).
pub fn bench_cobrowse(ws: &Workspace) -> Result<()> {
    let dist = build::build(ws)?;
    let figures = measure(&dist)?;
    print(
        &figures.into_iter().filter(|f| f.name.starts_with("cobrowse") || f.name.starts_with("recorder") || f.name.starts_with("viewer")).collect::<Vec<_>>(),
    );
    let mut cmd = process::cargo();
    cmd.current_dir(&ws.root).args(["run", "--quiet", "--release", "-p", "e2e", "--bin", "measure-cobrowse"]);
    process::env_default(&mut cmd, "RAPPORT_DIST", ws.dist());
    process::env_default(&mut cmd, "RAPPORT_DEMO_DIR", ws.path("demo-site"));
    process::run(&mut cmd).context("measuring co-browsing")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_how_far_over_budget() {
        let figures = [
            Figure { name: "loader_gzip", bytes: LOADER_GZIP_BUDGET },
            Figure { name: "widget_total_gzip", bytes: WIDGET_TOTAL_GZIP_BUDGET + 100 },
            Figure { name: "console_total_gzip", bytes: 1 },
        ];
        assert_eq!(
            overruns(&figures),
            [format!("widget_total_gzip is {} bytes, 100 bytes over its budget of {WIDGET_TOTAL_GZIP_BUDGET} bytes", WIDGET_TOTAL_GZIP_BUDGET + 100)]
        );
    }
}
