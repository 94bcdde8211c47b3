//! Headless Chromium driven through a chromedriver we start ourselves.

use std::ops::Deref;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

use crate::static_site::free_port;

/// Records uncaught errors, unhandled rejections, Rust panics (which the
/// panic hook reports through `console.error`), Content-Security-Policy
/// violations and every dialog a script tries to open, from the first
/// moment of every document, for [`crate::js_errors`].
const ERROR_COLLECTOR: &str = r#"(() => {
  if (window.__e2eErrors) return;
  const errors = window.__e2eErrors = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    errors.push(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
  });
  for (const name of ['alert', 'confirm', 'prompt']) {
    window[name] = function (message) { errors.push(`a script opened ${name}(${String(message)})`); };
  }
  window.addEventListener('error', (e) => {
    if (e instanceof ErrorEvent) errors.push(`uncaught: ${e.message} at ${e.filename}:${e.lineno}:${e.colno}`);
  }, true);
  window.addEventListener('unhandledrejection', (e) => {
    const r = e.reason;
    errors.push(`unhandled rejection: ${r && r.stack ? r.stack : String(r)}`);
  });
  const consoleError = console.error;
  console.error = function (...args) {
    const text = args.map(String).join(' ');
    if (/panicked/.test(text)) errors.push(`panic: ${text}`);
    return consoleError.apply(this, args);
  };
})();"#;

/// One Chromium with a fresh profile. Derefs to the WebDriver client.
/// Call [`Browser::close`] when done; dropping it (e.g. on a failed
/// assertion) kills chromedriver and the browser it started.
pub struct Browser {
    client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Where this browser saves downloads.
    pub fn downloads(&self) -> std::path::PathBuf {
        self._profile.path().join("downloads")
    }

    pub async fn new() -> Result<Self> {
        let chromium = find_program("CHROMIUM", &["/usr/bin/chromium", "/usr/bin/chromium-browser"], &["chromium", "chromium-browser", "google-chrome"])
            .context("Chromium is not installed: run `cargo xtask setup` (or set CHROMIUM to its path)")?;
        let chromedriver = find_program("CHROMEDRIVER", &["/usr/bin/chromedriver"], &["chromedriver"])
            .context("chromedriver is not installed: run `cargo xtask setup` (or set CHROMEDRIVER to its path)")?;
        let profile = tempfile::tempdir().context("creating a browser profile folder")?;
        let port = free_port()?;
        let log = std::fs::File::create(profile.path().join("chromedriver.log")).context("creating the chromedriver log")?;
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            // Its own process group, so that dropping the browser can end
            // chromedriver and every Chromium process it started.
            .process_group(0)
            .spawn()
            .with_context(|| format!("starting {}", chromedriver.display()))?;
        let mut browser_guard = DriverGuard(Some(driver));

        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = browser_guard.0.as_mut().and_then(|d| d.try_wait().ok().flatten()) {
                bail!("chromedriver exited at start ({status}): {}", log_tail(profile.path()));
            }
            if Instant::now() > deadline {
                bail!("chromedriver did not listen on port {port} within 15 s: {}", log_tail(profile.path()));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        let data_dir = profile.path().join("chromium");
        let args = [
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--no-default-browser-check".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-dev-shm-usage".into(),
            "--lang=en-US".into(),
            "--window-size=1280,900".into(),
            format!("--user-data-dir={}", data_dir.display()),
        ];
        let mut capabilities = Capabilities::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        // Downloads land in the profile, without asking, where a test can
        // look for them (`Browser::downloads`).
        let prefs = json!({ "download.default_directory": profile.path().join("downloads"), "download.prompt_for_download": false });
        capabilities.insert("goog:chromeOptions".into(), json!({ "binary": chromium, "args": args, "prefs": prefs }));
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .with_context(|| format!("starting Chromium ({}) through chromedriver: {}", chromium.display(), log_tail(profile.path())))?;
        client
            .issue_cmd(Cdp { method: "Page.addScriptToEvaluateOnNewDocument", params: json!({ "source": ERROR_COLLECTOR }) })
            .await
            .context("installing the JavaScript error collector")?;
        let driver = browser_guard.0.take().expect("the guard still holds chromedriver");
        Ok(Self { client, driver, _profile: profile })
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Back to a blank state between scenarios: one window, desktop size,
    /// no cookies or storage from an earlier one.
    pub async fn reset(&self) -> Result<()> {
        let windows = self.client.windows().await?;
        for extra in windows.iter().skip(1) {
            self.client.switch_to_window(extra.clone()).await?;
            self.client.close_window().await?;
        }
        if let Some(first) = windows.first() {
            self.client.switch_to_window(first.clone()).await?;
        }
        self.client.goto("about:blank").await?;
        self.client.set_window_size(1280, 900).await?;
        self.cdp("Network.clearBrowserCookies", json!({})).await?;
        self.cdp("Storage.clearDataForOrigin", json!({ "origin": "*", "storageTypes": "all" })).await.ok();
        Ok(())
    }

    /// Runs a Chrome DevTools Protocol command (through chromedriver).
    pub async fn cdp(&self, method: &'static str, params: Value) -> Result<Value> {
        self.client.issue_cmd(Cdp { method, params }).await.with_context(|| format!("CDP {method}"))
    }

    /// Ends the WebDriver session (closing Chromium), then chromedriver.
    pub async fn close(self) {
        let _ = tokio::time::timeout(Duration::from_secs(10), self.client.clone().close()).await;
        // Drop ends chromedriver's process group.
    }
}

impl Deref for Browser {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.client
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        kill_group(&mut self.driver);
    }
}

/// Kills chromedriver's group if `Browser::new` fails half-way.
struct DriverGuard(Option<Child>);

impl Drop for DriverGuard {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            kill_group(child);
        }
    }
}

/// Ends the process group led by `child` (chromedriver and the Chromium
/// it spawned) and reaps `child`.
fn kill_group(child: &mut Child) {
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: kill(2) with a negative pid signals the process group we
        // created for this child; it touches no memory.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn find_program(env: &str, paths: &[&str], names: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(env) {
        return Some(PathBuf::from(path));
    }
    if let Some(path) = paths.iter().map(PathBuf::from).find(|p| p.is_file()) {
        return Some(path);
    }
    let search = std::env::var_os("PATH")?;
    names.iter().flat_map(|name| std::env::split_paths(&search).map(move |dir| dir.join(name))).find(|p| p.is_file())
}

fn log_tail(profile: &Path) -> String {
    let text = std::fs::read_to_string(profile.join("chromedriver.log")).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    format!("chromedriver log: {}", lines[lines.len().saturating_sub(20)..].join("\n"))
}

/// `POST /session/{id}/goog/cdp/execute`, chromedriver's door to the
/// DevTools protocol.
#[derive(Debug)]
struct Cdp {
    method: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/goog/cdp/execute", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({ "cmd": self.method, "params": self.params }).to_string()))
    }
}
