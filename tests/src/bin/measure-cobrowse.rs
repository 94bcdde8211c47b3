//! What co-browsing costs the visitor's page and how fast it reaches the
//! agent: run by `cargo xtask bench cobrowse` as `cargo run -p e2e --bin
//! measure-cobrowse` (after `cargo xtask build`).
//!
//! For each demo-shop page and a generated page of more than 10,000 nodes,
//! in headless Chromium, the real recorder (imported from the co-browse
//! module the widget loads) snapshots the page in 8 ms slices, one per
//! animation frame, as the module runs it. Printed per page: nodes, the
//! snapshot's time in the page (the slices together) and from start to
//! end, its bytes raw and gzip, the longest slice, the main thread's long
//! tasks (over 50 ms) while it ran, and how many DOM mutations a second
//! the recorder turns into operations. Then a real session on loopback
//! (visitor on the checkout, agent in the console) times a DOM change and
//! a pointer move from the visitor's page to the agent's mirror.
//! Figures go to stdout as `name: value unit`.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, ensure, Context, Result};
use e2e::{open_widget_panel, wait_for, widget, Browser, Stack};
use fantoccini::{Client, Locator};
use serde_json::{json, Value};

/// The pages measured: the demo shop's, and the generated large one.
const PAGES: &[&str] = &["index.html", "products.html", "product.html", "faq.html", "checkout.html", "medium.html", "large.html"];

/// A generated page: an order history table of `rows` rows with a form
/// (11 nodes a row). 270 rows make the 3,000-node page the targets name,
/// 1,300 more than 10,000 nodes, the sort of page that makes recorders
/// stall.
fn history_page(rows: usize) -> String {
    let rows = (0..rows)
        .map(|i| {
            format!(
                "<tr><td>#{i:05}</td><td><a href=\"product.html?i={i}\">Alishan Oolong {i}</a></td><td class=\"n\">{}.00</td><td><input type=\"checkbox\" aria-label=\"select {i}\"></td></tr>\n",
                10 + i % 90
            )
        })
        .collect::<String>();
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Order history — Northwind Tea Co.</title>\
         <link rel=\"stylesheet\" href=\"style.css\">\
         <script async src=\"{{{{RAPPORT_ORIGIN}}}}/widget.js\" data-site=\"{{{{SITE_KEY}}}}\"></script></head>\
         <body><main class=\"container\"><h1 id=\"page-title\">Order history</h1>\
         <form><label for=\"q\">Search</label><input id=\"q\" name=\"q\"></form>\
         <table><thead><tr><th>Order</th><th>Tea</th><th>Price</th><th>Pick</th></tr></thead><tbody>{rows}</tbody></table></main></body></html>"
    )
}

const SNAPSHOT: &str = r#"
const [url, done] = [arguments[0], arguments[arguments.length - 1]];
(async () => {
  const m = await import(url);
  await m.initRecorder();
  const nodes = document.getElementsByTagName('*').length + document.evaluate('count(//text())', document, null, XPathResult.NUMBER_TYPE, null).numberValue;
  const long = [];
  const observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) long.push(e); });
  observer.observe({ type: 'longtask' });
  const rec = new m.Recorder({ unmask: [], allow_submit: false, host: document.querySelector('rapport-widget') });
  const started = performance.now();
  rec.start();
  await new Promise((resolve) => { const tick = () => (rec.step(8) ? resolve() : requestAnimationFrame(tick)); tick(); });
  const wall = performance.now() - started;
  // Long tasks while the snapshot ran (not the module's import before it).
  await new Promise((r) => setTimeout(r, 50));
  const during = long.filter((e) => e.startTime + e.duration > started && e.startTime < started + wall).map((e) => e.duration);
  const json = rec.flush();
  const raw = new TextEncoder().encode(json).length;
  const gzip = (await new Response(new Blob([json]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer()).byteLength;
  // Changes: 20 batches of 200 new paragraphs and 200 changed texts, each
  // in its own task, as a page's scripts make them; timed is the
  // recorder's part (flushing), not the page's.
  const box = document.createElement('div');
  document.body.appendChild(box);
  rec.flush();
  let mutations = 0;
  let changes = 0;
  for (let b = 0; b < 20; b++) {
    await new Promise((r) => setTimeout(r, 0));
    for (let i = 0; i < 200; i++) {
      const p = document.createElement('p');
      p.textContent = 'row ' + b + '.' + i;
      box.appendChild(p);
    }
    for (const p of Array.from(box.children).slice(-200)) p.firstChild.data += '!';
    mutations += 400;
    const t0 = performance.now();
    rec.flush();
    changes += performance.now() - t0;
  }
  await new Promise((r) => setTimeout(r, 100));
  observer.disconnect();
  const recorded = rec.snapshot_nodes();
  rec.stop();
  done({ nodes, recorded, work: rec.snapshot_ms(), wall, longest: rec.longest_step_ms(), long: during, raw, gzip, per_second: mutations / (changes / 1000) });
})().catch((e) => done({ error: String(e && e.stack || e) }));
"#;

/// The co-browse module's URL path, from the built `dist/`.
fn module_path() -> Result<String> {
    let assets = e2e::dist_dir()?.join("assets");
    for entry in std::fs::read_dir(&assets).with_context(|| format!("reading {}", assets.display()))? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.starts_with("cobrowse-") && name.ends_with(".js") {
            return Ok(format!("/assets/{name}"));
        }
    }
    bail!("no co-browse module in {}: run `cargo xtask build`", assets.display())
}

fn figure(name: &str, value: f64, unit: &str) {
    if value.fract() == 0.0 {
        println!("{name}: {value:.0} {unit}");
    } else {
        println!("{name}: {value:.1} {unit}");
    }
}

async fn snapshot(browser: &Client, stack: &Stack, page: &str, module: &str) -> Result<()> {
    browser.goto(&stack.demo_url(page)).await?;
    wait_for("the widget's launcher", async || widget(browser, ".rp-launcher, button").await).await;
    let v = browser.execute_async(SNAPSHOT, vec![json!(format!("{}{module}", stack.backend_url()))]).await?;
    if let Some(error) = v.get("error") {
        bail!("measuring {page}: {error}");
    }
    let name = page.trim_end_matches(".html");
    let num = |k: &str| v[k].as_f64().unwrap_or(f64::NAN);
    let long: Vec<f64> = serde_json::from_value(v["long"].clone()).unwrap_or_default();
    figure(&format!("{name}_nodes"), num("nodes"), "nodes");
    figure(&format!("{name}_nodes_recorded"), num("recorded"), "nodes");
    figure(&format!("{name}_snapshot_time"), num("work"), "ms");
    figure(&format!("{name}_snapshot_wall_time"), num("wall"), "ms");
    figure(&format!("{name}_snapshot_raw"), num("raw"), "bytes");
    figure(&format!("{name}_snapshot_gzip"), num("gzip"), "bytes");
    figure(&format!("{name}_longest_slice"), num("longest"), "ms");
    // The browser reports only tasks over 50 ms; none means none was.
    figure(&format!("{name}_long_tasks_during_snapshot"), long.len() as f64, "tasks");
    figure(&format!("{name}_longest_long_task_during_snapshot"), long.iter().copied().fold(0.0, f64::max), "ms");
    figure(&format!("{name}_mutations_per_second"), num("per_second").round(), "mutations/s");
    Ok(())
}

/// Starts a session: the visitor on the checkout asks in the chat, Mei
/// asks to co-browse, the visitor allows.
async fn session(visitor: &Client, agent: &Client, stack: &Stack) -> Result<()> {
    visitor.goto(&stack.demo_url("checkout.html")).await?;
    open_widget_panel(visitor).await;
    wait_for("the pre-chat form", async || widget(visitor, "form.rp-prechat").await).await;
    widget(visitor, "form.rp-prechat input[name=name]").await?.send_keys("Bench Visitor").await?;
    widget(visitor, "form.rp-prechat input[name=email]").await?.send_keys("bench@example.com").await?;
    widget(visitor, "form.rp-prechat button[type=submit]").await?.click().await?;
    wait_for("the composer", async || widget(visitor, "textarea.rp-input").await).await.send_keys("Help, please\n").await?;
    agent.goto(&stack.console_url()).await?;
    let form = wait_for("the sign-in form", async || Ok(agent.find(Locator::Css("form#login")).await?)).await;
    form.find(Locator::Css("input[name=email]")).await?.send_keys(e2e::AGENT_EMAIL).await?;
    form.find(Locator::Css("input[name=password]")).await?.send_keys(e2e::AGENT_PASSWORD).await?;
    form.find(Locator::Css("button[type=submit]")).await?.click().await?;
    let presence = wait_for("the presence menu", async || Ok(agent.find(Locator::Css("select#presence")).await?)).await;
    presence.select_by_value("available").await?;
    wait_for("an offer", async || Ok(agent.find(Locator::Css(".offer[data-conversation] button.accept")).await?)).await.click().await?;
    wait_for("the co-browse button", async || Ok(agent.find(Locator::Css("#cobrowse")).await?)).await.click().await?;
    wait_for("the prompt", async || widget(visitor, ".rp-cob-card .rp-cob-primary").await).await.click().await?;
    wait_for("the mirror", async || {
        let ready = agent
            .execute(
                "const f = document.querySelector('.cb-frame iframe'); const d = f && f.contentDocument; return !!(d && d.querySelector('#page-title'));",
                vec![],
            )
            .await?;
        ensure!(ready == true, "no mirror yet");
        Ok(())
    })
    .await;
    Ok(())
}

/// Watches the agent's mirror: the time each `mark-N` title and each
/// visitor pointer position is first drawn.
const WATCH: &str = r#"
window.__seen = {};
const f = document.querySelector('.cb-frame iframe');
const note = () => {
  const t = f.contentDocument && f.contentDocument.querySelector('#page-title');
  if (t && /^mark-\d+$/.test(t.textContent) && !window.__seen[t.textContent]) window.__seen[t.textContent] = Date.now();
};
new MutationObserver(note).observe(f.contentDocument, { subtree: true, childList: true, characterData: true });
const ptr = document.querySelector('.cb-ptr');
new MutationObserver(() => { const k = 'ptr-' + ptr.style.cssText; if (!window.__seen[k]) window.__seen[k] = Date.now(); })
  .observe(ptr, { attributes: true });
return !!ptr;
"#;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

async fn latency(visitor: &Client, agent: &Client) -> Result<()> {
    ensure!(agent.execute(WATCH, vec![]).await? == true, "the viewer draws no visitor pointer");
    let mut dom = Vec::new();
    let mut pointer = Vec::new();
    for i in 0..30 {
        let mark = format!("mark-{i}");
        let sent = visitor.execute("document.querySelector('#page-title').textContent = arguments[0]; return Date.now();", vec![json!(mark)]).await?;
        let seen = wait_for("the change in the mirror", async || {
            let seen = agent.execute("return window.__seen[arguments[0]] || null;", vec![json!(mark)]).await?;
            seen.as_f64().context("not yet")
        })
        .await;
        dom.push(seen - sent.as_f64().unwrap_or(seen));
        let before: Value = agent.execute("return Object.keys(window.__seen).filter((k) => k.startsWith('ptr-')).length;", vec![]).await?;
        let sent = visitor
            .execute(
                "document.dispatchEvent(new PointerEvent('pointermove', { clientX: 100 + arguments[0] * 7, clientY: 200 + arguments[0], bubbles: true })); return Date.now();",
                vec![json!(i)],
            )
            .await?
            .as_f64()
            .unwrap_or(0.0);
        let seen = wait_for("the pointer in the mirror", async || {
            let newest = agent
                .execute(
                    "const k = Object.keys(window.__seen).filter((k) => k.startsWith('ptr-')); return k.length > arguments[0] ? Math.max(...k.map((x) => window.__seen[x])) : null;",
                    vec![before.clone()],
                )
                .await?;
            newest.as_f64().context("not yet")
        })
        .await;
        pointer.push(seen - sent);
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    for (name, mut values) in [("dom_change", dom), ("pointer", pointer)] {
        values.sort_by(f64::total_cmp);
        figure(&format!("{name}_latency_p50"), percentile(&values, 0.5), "ms");
        figure(&format!("{name}_latency_p95"), percentile(&values, 0.95), "ms");
        figure(&format!("{name}_latency_max"), percentile(&values, 1.0), "ms");
    }
    Ok(())
}

async fn measure() -> Result<()> {
    let stack = Stack::start_with_pages(&[("medium.html", &history_page(270)), ("large.html", &history_page(1_300))]).await?;
    let module = module_path()?;
    let visitor = Browser::new().await?;
    for page in PAGES {
        snapshot(&visitor, &stack, page, &module).await?;
    }
    let agent = Browser::new().await?;
    session(&visitor, &agent, &stack).await?;
    latency(&visitor, &agent).await?;
    agent.close().await;
    visitor.close().await;
    stack.shutdown().await;
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    match measure().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("measure-cobrowse: {e:#}");
            ExitCode::FAILURE
        }
    }
}
