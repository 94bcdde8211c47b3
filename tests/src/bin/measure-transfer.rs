//! What a real browser downloads for the widget: run by `cargo xtask bench
//! weight` as `cargo run -p e2e --bin measure-transfer` (with RAPPORT_DIST
//! and RAPPORT_DEMO_DIR set; by default `<repo>/dist` and `<repo>/demo-site`).
//!
//! Starts the backend and demo shop, opens the shop's home page in a cold
//! Chromium, waits for the network to go quiet and adds up the Resource
//! Timing `transferSize` (headers + compressed body) of everything fetched
//! from the backend's origin: the loader and the boot request. Then it
//! clicks the launcher, waits for the panel, and adds up again (the module,
//! Wasm and CSS join in). WebSocket frames are not resources and are not
//! counted. `transfer_after_click` is the running total (loader and boot
//! included); `transfer_opening_chat` is the part the click added.
//! Figures go to stdout as `name: N bytes`; the per-request
//! breakdown goes to stderr.
//!
//! Cross-origin sizes are only visible to the page when the backend sends
//! `Timing-Allow-Origin`; without it this fails rather than print zeros.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use e2e::{open_widget_panel, wait_for, widget_visible, Browser, Stack};
use fantoccini::Client;

/// One Resource Timing (or Navigation Timing) entry.
#[derive(Debug, Clone)]
struct Entry {
    url: String,
    origin: String,
    kind: String,
    transfer_size: u64,
    /// Zero when the browser withholds timing (cross-origin, no Timing-Allow-Origin).
    response_start: f64,
}

const ENTRIES: &str = r#"
const pick = (e, kind) => ({ url: e.name, kind, transferSize: e.transferSize, responseStart: e.responseStart, responseEnd: e.responseEnd });
return performance.getEntriesByType('navigation').map((e) => pick(e, 'navigation'))
  .concat(performance.getEntriesByType('resource').map((e) => pick(e, e.initiatorType)));
"#;

async fn entries(client: &Client) -> Result<Vec<(Entry, f64)>> {
    let value = client.execute(ENTRIES, vec![]).await.context("reading the performance entries")?;
    let list = value.as_array().context("performance entries are not a list")?;
    let mut out = Vec::new();
    for e in list {
        let url = e["url"].as_str().unwrap_or_default().to_string();
        let Ok(parsed) = url::Url::parse(&url) else { continue };
        if !matches!(parsed.scheme(), "http" | "https") {
            continue;
        }
        let entry = Entry {
            origin: parsed.origin().ascii_serialization(),
            url,
            kind: e["kind"].as_str().unwrap_or_default().to_string(),
            transfer_size: e["transferSize"].as_f64().unwrap_or(0.0) as u64,
            response_start: e["responseStart"].as_f64().unwrap_or(0.0),
        };
        out.push((entry, e["responseEnd"].as_f64().unwrap_or(0.0)));
    }
    Ok(out)
}

/// Waits until no new request has started or finished for `quiet`.
async fn network_idle(client: &Client, quiet: Duration) -> Result<Vec<Entry>> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last: Option<(usize, usize)> = None;
    let mut since = Instant::now();
    loop {
        let list = entries(client).await?;
        let ready = client.execute("return document.readyState;", vec![]).await?;
        let finished = list.iter().filter(|(_, end)| *end > 0.0).count();
        let state = (list.len(), finished);
        if last != Some(state) {
            last = Some(state);
            since = Instant::now();
        } else if ready == "complete" && finished == list.len() && since.elapsed() >= quiet {
            return Ok(list.into_iter().map(|(e, _)| e).collect());
        }
        if Instant::now() > deadline {
            bail!("the network did not go quiet within 30 s ({} requests, {} finished)", state.0, state.1);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

struct Totals {
    bytes: u64,
    requests: usize,
}

/// Sums the entries from `origin`, failing if their sizes are hidden.
fn totals(list: &[Entry], origin: &str, label: &str) -> Result<Totals> {
    let from: Vec<&Entry> = list.iter().filter(|e| e.origin == origin).collect();
    let hidden: Vec<&str> = from.iter().filter(|e| e.response_start == 0.0 && e.transfer_size == 0).map(|e| e.url.as_str()).collect();
    if !hidden.is_empty() {
        bail!(
            "the browser hides the size of {} response(s) from {origin} ({}): the backend must send `Timing-Allow-Origin: *` \
             on /widget.js, /assets/* and the widget boot answer (/api/v1/sites/{{key}}/widget) for cross-origin sizes to be measurable",
            hidden.len(),
            hidden.join(", ")
        );
    }
    for e in &from {
        eprintln!("  {label} {} {}: {} bytes", e.kind, e.url, e.transfer_size);
    }
    Ok(Totals { bytes: from.iter().map(|e| e.transfer_size).sum(), requests: from.len() })
}

async fn measure() -> Result<()> {
    let stack = Stack::start().await?;
    let browser = Browser::new().await?;
    let quiet = Duration::from_millis(1500);

    browser.goto(&stack.demo_url("")).await?;
    wait_for("the widget's launcher", async || {
        anyhow::ensure!(widget_visible(&browser, "button.rp-launcher").await?, "no visible button.rp-launcher");
        Ok(())
    })
    .await;
    let before = network_idle(&browser, quiet).await?;
    let backend_before = totals(&before, &stack.backend_url(), "before click")?;
    let page = totals(&before, &stack.demo_origin(), "demo page")?;

    open_widget_panel(&browser).await;
    let after = network_idle(&browser, quiet).await?;
    let backend_after = totals(&after, &stack.backend_url(), "after click")?;

    println!("transfer_before_click: {} bytes", backend_before.bytes);
    println!("requests_before_click: {}", backend_before.requests);
    println!("transfer_after_click: {} bytes", backend_after.bytes);
    println!("requests_after_click: {}", backend_after.requests);
    println!("transfer_opening_chat: {} bytes", backend_after.bytes.saturating_sub(backend_before.bytes));
    println!("demo_page_transfer: {} bytes", page.bytes);

    browser.close().await;
    stack.shutdown().await;
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    match measure().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("measure-transfer: {e:#}");
            ExitCode::FAILURE
        }
    }
}
