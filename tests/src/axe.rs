//! The accessibility check every screen gets: axe-core (installed by
//! `cargo xtask setup`) injected into the page, run with the WCAG 2.0 and
//! 2.1 A and AA rules.

use std::path::PathBuf;

use anyhow::{Context, Result};
use fantoccini::Client;
use serde_json::{json, Value};

/// Where `cargo xtask setup` puts axe-core; `RAPPORT_AXE` overrides.
fn script_path() -> PathBuf {
    std::env::var_os("RAPPORT_AXE").map(PathBuf::from).unwrap_or_else(|| crate::repo_root().join("target/tools/node_modules/axe-core/axe.min.js"))
}

fn script() -> Result<String> {
    let path = script_path();
    std::fs::read_to_string(&path)
        .with_context(|| format!("axe-core is missing at {}: run `cargo xtask setup` (or `cargo xtask test`, which sets up first)", path.display()))
}

const RUN: &str = r#"
const [include, done] = [arguments[0], arguments[arguments.length - 1]];
const context = include ? { include: [[include]] } : document;
axe.run(context, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] })
  .then((r) => done(r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ') + ' ' + (n.failureSummary || '').replace(/\s+/g, ' ')).join(' | ')}`)))
  .catch((e) => done([`axe failed: ${e}`]));
"#;

/// The WCAG 2.1 A and AA violations on the page, or inside the element
/// matching `include` (the widget's host, say). Empty means it passes.
pub async fn violations(client: &Client, include: Option<&str>) -> Result<Vec<String>> {
    let already = client.execute("return typeof window.axe === 'object';", vec![]).await?;
    if already != Value::Bool(true) {
        client.execute(&format!("{}\nreturn true;", script()?), vec![]).await.context("injecting axe-core")?;
    }
    let found = client.execute_async(RUN, vec![json!(include)]).await.context("running axe-core")?;
    serde_json::from_value(found).context("reading axe-core's results")
}

/// Fails, listing every violation, unless the page (or `include`) passes.
pub async fn check(client: &Client, what: &str, include: Option<&str>) -> Result<()> {
    let found = violations(client, include).await?;
    anyhow::ensure!(found.is_empty(), "accessibility violations on {what}:\n  {}", found.join("\n  "));
    Ok(())
}
