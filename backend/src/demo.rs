//! The demo shop: serves `demo-site/` on its own address (a different
//! origin from the backend, like a real customer's site), filling in the
//! embed snippet's backend origin and site key.
//!
//! It is served with the strict Content-Security-Policy a careful site
//! owner would use (no inline script or style anywhere), which is what
//! shows the widget needs nothing looser: only the backend's origin for
//! scripts, styles and connections, and `'wasm-unsafe-eval'` for Wasm.

use std::path::PathBuf;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

#[derive(Clone)]
struct Demo {
    dir: PathBuf,
    backend_origin: String,
    site_key: String,
    csp: String,
}

/// What a page embedding the widget must allow, and nothing more.
pub fn content_security_policy(backend_origin: &str) -> String {
    let socket_origin = backend_origin.replacen("http", "ws", 1);
    format!(
        "default-src 'self'; script-src 'self' {backend_origin} 'wasm-unsafe-eval'; style-src 'self' {backend_origin}; \
         connect-src 'self' {backend_origin} {socket_origin}; img-src 'self' data: {backend_origin}; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )
}

pub fn router(dir: PathBuf, backend_origin: String, site_key: String) -> Router {
    let csp = content_security_policy(&backend_origin);
    let demo = Demo { dir, backend_origin, site_key, csp };
    let routes = Router::new().route("/", get(|state: State<Demo>| file(state, Path("index.html".to_string())))).route("/{name}", get(file));
    crate::headers::secure(routes).with_state(demo)
}

async fn file(State(demo): State<Demo>, Path(name): Path<String>) -> Response {
    // Flat folder, plain names: nothing can climb out of it.
    let plain = !name.starts_with('.') && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    let content_type = match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => return (StatusCode::NOT_FOUND, "no such page").into_response(),
    };
    if !plain {
        return (StatusCode::NOT_FOUND, "no such page").into_response();
    }
    let Ok(bytes) = tokio::fs::read(demo.dir.join(&name)).await else {
        return (StatusCode::NOT_FOUND, "no such page").into_response();
    };
    let body = if name.ends_with(".html") {
        String::from_utf8_lossy(&bytes).replace("{{RAPPORT_ORIGIN}}", &demo.backend_origin).replace("{{SITE_KEY}}", &demo.site_key).into_bytes()
    } else {
        bytes
    };
    let headers = [
        (header::CONTENT_TYPE, content_type),
        (header::CACHE_CONTROL, "no-cache"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
        (header::CONTENT_SECURITY_POLICY, demo.csp.as_str()),
    ];
    (headers, body).into_response()
}
