//! The demo shop: serves `demo-site/` on its own address (a different
//! origin from the backend, like a real customer's site), filling in the
//! embed snippet's backend origin and site key.

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
}

pub fn router(dir: PathBuf, backend_origin: String, site_key: String) -> Router {
    let demo = Demo { dir, backend_origin, site_key };
    Router::new().route("/", get(|state: State<Demo>| file(state, Path("index.html".to_string())))).route("/{name}", get(file)).with_state(demo)
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
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-cache")], body).into_response()
}
