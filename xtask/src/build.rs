//! `cargo xtask build`: compiles the widget and the console, then lays out
//! dist/ the way the backend serves it:
//!
//! ```text
//! dist/widget.js                      the loader site owners embed (stable name)
//! dist/console.html                   the console page
//! dist/assets/<crate>-<hash>.js       wasm-bindgen glue
//! dist/assets/<crate>-<hash>_bg.wasm  the optimized module
//! dist/assets/<crate>-<hash>.css      the crate's style sheet
//! dist/assets/console-<hash>-boot.js  starts the console (the page's CSP allows no inline script)
//! dist/manifest.json                  the hashed names, for tools
//! ```
//!
//! Every file also gets `.br` and `.gz` twins.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

use crate::compress;
use crate::esbuild::{self, Kind};
use crate::glue;
use crate::setup::{self, Tools};
use crate::wasm;
use crate::workspace::Workspace;

/// The Wasm front ends, in build order.
const CRATES: [&str; 2] = ["widget", "console"];

/// One crate's built files: URL paths (as served) and where they are on disk.
pub struct Bundle {
    pub hash: String,
    pub js: Asset,
    pub wasm: Asset,
    pub css: Asset,
}

pub struct Asset {
    /// The absolute URL path, e.g. `/assets/widget-0123456789.js`.
    pub url: String,
    pub file: PathBuf,
}

/// What `build` wrote, for the weight check and the summary.
pub struct Dist {
    pub widget: Bundle,
    pub console: Bundle,
    pub loader: PathBuf,
    pub console_page: PathBuf,
    /// The callback module (with the file uploads), loaded by the widget
    /// when first needed.
    pub callback: PathBuf,
    /// The file uploads alone, loaded by the console when an agent first
    /// attaches a file.
    pub files: PathBuf,
    /// The knowledge base's suggestions, loaded by the widget when a
    /// visitor first types a question on a site that has articles.
    pub articles: PathBuf,
    /// The co-browse module (its JS with the recorder's glue) and the
    /// recorder's Wasm, loaded by the widget when a session starts.
    pub cobrowse: PathBuf,
    pub recorder_wasm: PathBuf,
    /// The console's co-browse viewer, loaded when an agent first
    /// co-browses.
    pub viewer: PathBuf,
}

/// The hand-written inputs, read before the slow compile so that a missing
/// file fails at once.
struct Sources {
    widget_css: String,
    console_css: String,
    loader: String,
    /// Entry points of the lazily loaded modules, bundled by esbuild.
    callback: PathBuf,
    files: PathBuf,
    articles: PathBuf,
    cobrowse: PathBuf,
    viewer: PathBuf,
    console_page: String,
}

/// The bytes one crate contributes to dist/.
struct CrateFiles<'a> {
    name: &'a str,
    js: Vec<u8>,
    wasm: Vec<u8>,
    css: &'a [u8],
}

pub fn build(ws: &Workspace) -> Result<Dist> {
    let tools = setup::setup(ws)?;
    let sources = read_sources(ws)?;
    let mut outputs = Vec::new();
    for name in CRATES {
        outputs.push(wasm::build_crate(ws, &tools, name)?);
    }
    let recorder = wasm::build_crate(ws, &tools, "recorder")?;

    let dist_dir = ws.dist();
    clear_dir(&dist_dir)?;
    let mut bundles = Vec::new();
    for ((name, output), css) in CRATES.iter().zip(&outputs).zip([&sources.widget_css, &sources.console_css]) {
        let glue = std::fs::read_to_string(&output.js).with_context(|| format!("reading {}", output.js.display()))?;
        let glue = glue::without_stream_adapters(&glue, name);
        let js = esbuild::minify(&tools.esbuild, &glue, Kind::Module).with_context(|| format!("minifying {name}'s glue"))?.into_bytes();
        let css = esbuild::minify(&tools.esbuild, css, Kind::Css).with_context(|| format!("minifying {name}'s style sheet"))?;
        let files = CrateFiles { name, js, wasm: read(&output.wasm)?, css: css.as_bytes() };
        let bundle = write_bundle(&dist_dir, files)?;
        if let Some(snippets) = &output.snippets {
            copy_dir(snippets, &dist_dir.join("assets/snippets"))?;
        }
        bundles.push(bundle);
    }
    let console = bundles.pop().expect("two bundles");
    let widget = bundles.pop().expect("two bundles");
    let dist = write_pages(&dist_dir, &tools, &sources, widget, console, &recorder)?;
    write_manifest(&dist_dir, &dist)?;
    let count = compress::precompress_dir(&dist_dir)?;
    print_summary(&dist_dir, &dist, count)?;
    Ok(dist)
}

fn read_sources(ws: &Workspace) -> Result<Sources> {
    let text = |path: &str| std::fs::read_to_string(ws.path(path)).with_context(|| format!("reading {path}"));
    let entry = |path: &str| {
        let file = ws.path(path);
        anyhow::ensure!(file.is_file(), "{path} is missing");
        Ok(file)
    };
    Ok(Sources {
        widget_css: text("widget/style.css")?,
        console_css: text("console/style.css")?,
        loader: text("widget/loader.js")?,
        callback: entry("widget/callback.js")?,
        files: entry("widget/files.js")?,
        articles: entry("widget/articles.js")?,
        cobrowse: entry("widget/cobrowse.js")?,
        viewer: entry("console/cobrowse.js")?,
        console_page: text("console/index.html")?,
    })
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

fn write(path: &Path, bytes: impl AsRef<[u8]>) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

/// Empties `dir` so that no file of an earlier build survives, however it
/// was named.
fn clear_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir.join("assets")).with_context(|| format!("creating {}", dir.display()))
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in std::fs::read_dir(from).with_context(|| format!("listing {}", from.display()))? {
        let path = entry?.path();
        let target = to.join(path.file_name().expect("directory entries have names"));
        if path.is_dir() {
            copy_dir(&path, &target)?;
        } else {
            std::fs::copy(&path, &target).with_context(|| format!("copying {} to {}", path.display(), target.display()))?;
        }
    }
    Ok(())
}

/// The first 10 hex digits of sha256(js ‖ wasm ‖ css): any change to what a
/// visitor downloads gives new names, so assets can be cached forever.
fn content_hash(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().iter().take(5).map(|b| format!("{b:02x}")).collect()
}

fn write_bundle(dist: &Path, files: CrateFiles) -> Result<Bundle> {
    let CrateFiles { name, js, wasm, css } = files;
    let hash = content_hash(&[&js, &wasm, css]);
    let stem = format!("{name}-{hash}");
    let asset = |suffix: &str| Asset { url: format!("/assets/{stem}{suffix}"), file: dist.join("assets").join(format!("{stem}{suffix}")) };
    let bundle = Bundle { js: asset(".js"), wasm: asset("_bg.wasm"), css: asset(".css"), hash: hash.clone() };
    // The glue's default module URL (used when init gets no path) names the
    // unhashed file; point it at the hashed one so both ways of starting work.
    let js = String::from_utf8(js).context("wasm-bindgen's JS is not UTF-8")?;
    let js = js.replace(&format!("{name}_bg.wasm"), &format!("{stem}_bg.wasm"));
    write(&bundle.js.file, js)?;
    write(&bundle.wasm.file, wasm)?;
    write(&bundle.css.file, css)?;
    Ok(bundle)
}

/// Replaces `__<PREFIX>_JS__`, `__<PREFIX>_WASM__` and `__<PREFIX>_CSS__`
/// with the bundle's URL paths, and `__<PREFIX>_<KIND>__` for each `extra`
/// (kind, URL), warning when the template lacks one, since that usually
/// means the template and this build have drifted apart.
fn fill(template: &str, what: &str, prefix: &str, bundle: &Bundle, extra: &[(&str, &str)]) -> String {
    let mut filled = template.to_string();
    let own = [("JS", bundle.js.url.as_str()), ("WASM", bundle.wasm.url.as_str()), ("CSS", bundle.css.url.as_str())];
    for &(kind, url) in own.iter().chain(extra) {
        let placeholder = format!("__{prefix}_{kind}__");
        if !filled.contains(&placeholder) {
            eprintln!("warning: {what} has no {placeholder} placeholder");
        }
        filled = filled.replace(&placeholder, url);
    }
    filled
}

fn write_pages(dist: &Path, tools: &Tools, sources: &Sources, widget: Bundle, console: Bundle, recorder: &wasm::WasmOutput) -> Result<Dist> {
    let console_page = dist.join("console.html");
    let (files, files_name) = write_module(dist, tools, "files", &sources.files)?;
    let (viewer, viewer_name) = write_module(dist, tools, "viewer", &sources.viewer)?;
    let boot_url = write_console_boot(dist, &console, &[("files_module", &files_name), ("cobrowse_module", &viewer_name)])?;
    write(&console_page, fill(&sources.console_page, "console/index.html", "CONSOLE", &console, &[("BOOT", &boot_url)]))?;
    let (callback, callback_name) = write_module(dist, tools, "callback", &sources.callback)?;
    let (articles, articles_name) = write_module(dist, tools, "articles", &sources.articles)?;
    let (cobrowse, cobrowse_name, recorder_wasm) = write_cobrowse(dist, tools, &sources.cobrowse, recorder)?;
    // Minify before filling in, so the minifier never sees the paths.
    let loader_src = esbuild::minify(&tools.esbuild, &sources.loader, Kind::Script).context("minifying widget/loader.js")?;
    let loader = dist.join("widget.js");
    let callback_url = format!("/assets/{callback_name}");
    let articles_url = format!("/assets/{articles_name}");
    let cobrowse_url = format!("/assets/{cobrowse_name}");
    let extra = [("CALLBACK", callback_url.as_str()), ("ARTICLES", &articles_url), ("COBROWSE", &cobrowse_url)];
    write(&loader, fill(&loader_src, "widget/loader.js", "WIDGET", &widget, &extra))?;
    Ok(Dist { widget, console, loader, console_page, callback, files, articles, cobrowse, recorder_wasm, viewer })
}

/// The co-browse module: `widget/cobrowse.js` bundled with the recorder's
/// glue, which fetches the recorder's Wasm from beside the module under
/// its hashed name. Returns the module's path and name, and the Wasm's
/// path.
fn write_cobrowse(dist: &Path, tools: &Tools, entry: &Path, recorder: &wasm::WasmOutput) -> Result<(PathBuf, String, PathBuf)> {
    let wasm = read(&recorder.wasm)?;
    let wasm_name = format!("recorder-{}_bg.wasm", content_hash(&[&wasm]));
    let wasm_path = dist.join("assets").join(&wasm_name);
    write(&wasm_path, &wasm)?;
    let js = esbuild::bundle_with(&tools.esbuild, entry, &[("rapport-recorder", &recorder.js)]).context("bundling the co-browse module")?;
    anyhow::ensure!(js.contains("recorder_bg.wasm"), "the recorder's glue no longer names recorder_bg.wasm; the co-browse module could not find its Wasm");
    let js = js.replace("recorder_bg.wasm", &wasm_name);
    let file_name = format!("cobrowse-{}.js", content_hash(&[js.as_bytes()]));
    let path = dist.join("assets").join(&file_name);
    write(&path, &js)?;
    Ok((path, file_name, wasm_path))
}

/// Bundles a lazily loaded module into `assets/<name>-<hash>.js`; returns
/// its path and file name.
fn write_module(dist: &Path, tools: &Tools, name: &str, entry: &Path) -> Result<(PathBuf, String)> {
    let js = esbuild::bundle(&tools.esbuild, entry).with_context(|| format!("bundling {}", entry.display()))?;
    let file_name = format!("{name}-{}.js", content_hash(&[js.as_bytes()]));
    let path = dist.join("assets").join(&file_name);
    write(&path, &js)?;
    Ok((path, file_name))
}

/// Writes the console's start module next to its hashed glue and returns
/// its URL path. It is a file rather than an inline script so that
/// `/console` can keep a Content Security Policy without `'unsafe-inline'`
/// or hashes to keep in step; the glue already names the hashed Wasm.
/// The boot module also hands the console the way to import its lazily
/// loaded modules (the uploads, the co-browse viewer), whose hashed names
/// only the build knows: each `(setter, file)` becomes
/// `setter(() => import("./file"))`.
fn write_console_boot(dist: &Path, console: &Bundle, modules: &[(&str, &str)]) -> Result<String> {
    let glue = console.js.file.file_name().and_then(|n| n.to_str()).context("the console glue has no file name")?;
    let setters = modules.iter().map(|(setter, _)| *setter).collect::<Vec<_>>().join(", ");
    let mut boot = format!("import init, {{ {setters} }} from \"./{glue}\";\nawait init();\n");
    for (setter, file) in modules {
        boot.push_str(&format!("{setter}(() => import(\"./{file}\"));\n"));
    }
    // Named by its own content: it names the modules, which can change
    // while the console does not, and assets are cached for a year.
    let name = format!("console-{}-boot.js", content_hash(&[boot.as_bytes()]));
    write(&dist.join("assets").join(&name), boot)?;
    Ok(format!("/assets/{name}"))
}

fn write_manifest(dist_dir: &Path, dist: &Dist) -> Result<()> {
    let bundle = |b: &Bundle| serde_json::json!({ "hash": b.hash, "js": b.js.url, "wasm": b.wasm.url, "css": b.css.url });
    let manifest = serde_json::json!({
        "loader": "/widget.js",
        "console_page": "/console.html",
        "widget": bundle(&dist.widget),
        "console": bundle(&dist.console),
    });
    write(&dist_dir.join("manifest.json"), serde_json::to_string_pretty(&manifest)? + "\n")
}

fn print_summary(dist_dir: &Path, dist: &Dist, compressed: usize) -> Result<()> {
    println!("built {} (each of {compressed} files also as .br and .gz):", dist_dir.display());
    let files = [
        &dist.loader,
        &dist.console_page,
        &dist.callback,
        &dist.files,
        &dist.articles,
        &dist.cobrowse,
        &dist.recorder_wasm,
        &dist.viewer,
        &dist.widget.js.file,
        &dist.widget.wasm.file,
        &dist.widget.css.file,
    ]
    .into_iter()
    .chain([&dist.console.js.file, &dist.console.wasm.file, &dist.console.css.file]);
    for file in files {
        let size = |suffix: &str| -> Result<u64> {
            let mut name = file.as_os_str().to_owned();
            name.push(suffix);
            Ok(std::fs::metadata(&name).with_context(|| format!("reading {}", Path::new(&name).display()))?.len())
        };
        let shown = file.strip_prefix(dist_dir).unwrap_or(file).display().to_string();
        println!("  {shown:<36} {:>8} B  gzip {:>8} B  br {:>8} B", size("")?, size(".gz")?, size(".br")?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundle_names_carry_the_content_hash() {
        let dir = std::env::temp_dir().join(format!("xtask-bundle-test-{}", std::process::id()));
        clear_dir(&dir).unwrap();
        let js = b"new URL('widget_bg.wasm', import.meta.url)".to_vec();
        let files = CrateFiles { name: "widget", js: js.clone(), wasm: b"\0asm".to_vec(), css: b"p{}" };
        let bundle = write_bundle(&dir, files).unwrap();
        assert_eq!(bundle.hash.len(), 10);
        assert_eq!(bundle.hash, content_hash(&[&js, b"\0asm", b"p{}"]));
        assert_eq!(bundle.wasm.url, format!("/assets/widget-{}_bg.wasm", bundle.hash));
        let written = std::fs::read_to_string(&bundle.js.file).unwrap();
        assert!(written.contains(&format!("'widget-{}_bg.wasm'", bundle.hash)), "{written}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn fills_every_placeholder() {
        let asset = |url: &str| Asset { url: url.to_string(), file: PathBuf::new() };
        let bundle = Bundle { hash: String::new(), js: asset("/a.js"), wasm: asset("/a.wasm"), css: asset("/a.css") };
        let page = fill("<script src=\"__X_JS__\"></script>__X_JS__ __X_WASM__ __X_CSS__", "t", "X", &bundle, &[]);
        assert_eq!(page, "<script src=\"/a.js\"></script>/a.js /a.wasm /a.css");
        assert_eq!(fill("__X_BOOT__ __X_JS__", "t", "X", &bundle, &[("BOOT", "/b.js")]), "/b.js /a.js");
    }
}
