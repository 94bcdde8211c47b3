//! The per-crate Wasm pipeline: cargo → wasm-bindgen → wasm-opt.
//!
//! Trunk would do the same, but it takes a quarter of an hour to install on
//! these machines, and three commands are easy to run ourselves.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{ensure, Context, Result};

use crate::process;
use crate::setup::Tools;
use crate::workspace::Workspace;

const TARGET: &str = "wasm32-unknown-unknown";
/// Defined in the root Cargo.toml: size over speed, LTO, abort on panic.
const PROFILE: &str = "wasm-release";

/// The Wasm features rustc 1.95 emits for wasm32-unknown-unknown. wasm-opt
/// must be told about each, or it rejects the module or lowers it wrongly.
const WASM_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// Size first, run to a fixed point. Rust's Wasm never uses the first 1 KiB
/// of memory (its stack sits above 1 MiB), which lets wasm-opt fold
/// constant offsets into loads; together these save about 2 KB gzip of the
/// widget.
/// Functions ordered by name put Rust's many copies of a generic
/// function side by side, where gzip and brotli find their likeness
/// (about 5 KB gzip off the console). It needs the name section, so it
/// runs before `STRIP`.
const OPTIMIZE: &[&str] = &["-Oz", "--converge", "--low-memory-unused", "--reorder-functions-by-name"];

/// Exports neither front end uses, removed before optimizing so that the
/// code only they reach goes too. Leptos depends on server_fn, which
/// depends on wasm-streams, whose `#[wasm_bindgen]` stream adapters
/// (`IntoUnderlyingSource`, `…ByteSource`, `…Sink`) are exported from
/// every Leptos app whether it streams or not; nothing here does. About
/// 1.2 KB gzip of each front end's Wasm.
const UNUSED_EXPORTS: &[&str] = &["--remove-exports", "--pass-arg=remove-exports@*intounderlying*"];

/// Custom sections no browser reads. They survive when the profile does not
/// strip (which wasm-bindgen prefers, to detect the features above), so
/// wasm-opt drops them either way.
const STRIP: &[&str] = &["--strip-debug", "--strip-producers", "--strip-target-features"];

/// What the pipeline produced for one crate, under target/wasm-bindgen.
pub struct WasmOutput {
    pub js: PathBuf,
    pub wasm: PathBuf,
    /// wasm-bindgen's `snippets/` directory, present only when the crate
    /// uses inline or module JS; the glue imports it relative to itself.
    pub snippets: Option<PathBuf>,
}

/// Crates compiled with Leptos's `erase_components`: every component
/// returns a type-erased view, which makes the console's Wasm about a tenth
/// smaller (its many screens stop being one monomorphised type each) but
/// the widget's larger (it has few components, and erasing them adds the
/// dynamic dispatch). The flag changes how all of Leptos compiles, so these
/// crates get a target directory of their own: sharing one would rebuild
/// every dependency each time the other kind is built.
///
/// The co-browse recorder is built the same way for the second half of the
/// reason (it has no Leptos for the first to touch): no panic messages,
/// about a fifth off the Wasm every co-browsing visitor downloads. A panic
/// there traps; the co-browse module catches it and ends the session.
const ERASED_COMPONENTS: &[&str] = &["console", "recorder"];

/// The console's flags. Beside `erase_components`, its panics abort at
/// once (`panic=immediate-abort`, with the standard library rebuilt from
/// `rust-src` by `-Zbuild-std`): no panic message is formatted, so the
/// formatting and location machinery drops out of the Wasm, about 12 KB of
/// its gzip, which is what keeps the console's screens inside their 300 KB
/// budget. Both are unstable; `RUSTC_BOOTSTRAP=1` lets the stable 1.95
/// compiler take them, for this one build only. The price: a panic in the
/// console stops it without a message in the browser's log (the host-run
/// tests and debug builds keep ordinary panics).
const CONSOLE_RUSTFLAGS: &[&str] = &["--cfg", "erase_components", "-Zunstable-options", "-Cpanic=immediate-abort"];

pub fn build_crate(ws: &Workspace, tools: &Tools, name: &str) -> Result<WasmOutput> {
    println!("building {name} ({TARGET}, profile {PROFILE})");
    let mut cargo = process::cargo();
    cargo.current_dir(&ws.root).args(["build", "-p", name, "--target", TARGET, "--profile", PROFILE]);
    let target_dir = if ERASED_COMPONENTS.contains(&name) {
        let dir = ws.target.join("erased");
        cargo.arg("--target-dir").arg(&dir).env("CARGO_ENCODED_RUSTFLAGS", CONSOLE_RUSTFLAGS.join("\x1f"));
        // The standard library rebuilt with this crate, to abort on panic
        // without formatting a message: see CONSOLE_RUSTFLAGS.
        cargo.arg("-Zbuild-std=std,panic_abort").env("RUSTC_BOOTSTRAP", "1");
        dir
    } else {
        ws.target.clone()
    };
    process::run(&mut cargo).with_context(|| format!("compiling the {name} crate to Wasm"))?;
    let compiled = target_dir.join(TARGET).join(PROFILE).join(format!("{name}.wasm"));
    ensure!(compiled.is_file(), "{} was not produced; is `{name}` a cdylib?", compiled.display());

    let out_dir = ws.target.join("wasm-bindgen").join(name);
    // Start clean so that snippets of an earlier build cannot linger.
    if out_dir.exists() {
        std::fs::remove_dir_all(&out_dir).with_context(|| format!("clearing {}", out_dir.display()))?;
    }
    process::run(Command::new(&tools.wasm_bindgen).args(["--target", "web", "--no-typescript", "--out-dir"]).arg(&out_dir).arg(&compiled))
        .with_context(|| format!("generating JS bindings for {name}"))?;

    let bound = out_dir.join(format!("{name}_bg.wasm"));
    let optimized = out_dir.join(format!("{name}_bg.opt.wasm"));
    process::run(Command::new(&tools.wasm_opt).args(UNUSED_EXPORTS).args(OPTIMIZE).args(WASM_FEATURES).args(STRIP).arg(&bound).arg("-o").arg(&optimized))
        .with_context(|| format!("optimizing {name}'s Wasm"))?;

    let snippets = out_dir.join("snippets");
    Ok(WasmOutput { js: out_dir.join(format!("{name}.js")), wasm: optimized, snippets: snippets.is_dir().then_some(snippets) })
}
