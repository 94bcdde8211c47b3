//! Serving the built widget and console from `dist/` (written by
//! `cargo xtask build`).
//!
//! Names under `/assets/` carry a content hash, so they are cached for a
//! year and never revalidated. `/widget.js` is the one stable name site
//! owners paste, so it is cached briefly. Every file has brotli and gzip
//! twins made at build time; the server only picks one.

use axum::http::{header, HeaderValue};
use axum::Router;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::state::AppState;

pub const TIMING_ALLOW_ORIGIN: header::HeaderName = header::HeaderName::from_static("timing-allow-origin");

pub fn routes(state: &AppState) -> Router<AppState> {
    let dist = &state.config.assets_dir;
    if !dist.join("widget.js").exists() {
        tracing::warn!(dir = %dist.display(), "the widget and console are not built; run `cargo xtask build`");
    }
    let hashed = Router::new()
        .nest_service("/assets", ServeDir::new(dist.join("assets")).precompressed_br().precompressed_gzip())
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")))
        // The widget's module and Wasm are fetched cross-origin by host pages.
        .layer(SetResponseHeaderLayer::overriding(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")))
        // Lets host pages (and our weight benchmark) see transfer sizes in
        // the Resource Timing API; the files are public anyway.
        .layer(SetResponseHeaderLayer::overriding(TIMING_ALLOW_ORIGIN, HeaderValue::from_static("*")));
    let loader = Router::new()
        .route_service("/widget.js", ServeFile::new(dist.join("widget.js")).precompressed_br().precompressed_gzip())
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300")))
        .layer(SetResponseHeaderLayer::overriding(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")))
        .layer(SetResponseHeaderLayer::overriding(TIMING_ALLOW_ORIGIN, HeaderValue::from_static("*")));
    let console_page = ServeFile::new(dist.join("console.html")).precompressed_br().precompressed_gzip();
    let console = Router::new()
        .route_service("/console", console_page.clone())
        .route_service("/console/", console_page)
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
        // Pictures and fonts may come from anywhere: the co-browse mirror
        // shows the visitor's page, whose images and fonts are on its own
        // site. Nothing else is widened, and the mirror runs no script.
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: https: http:; font-src 'self' data: https: http:; connect-src 'self'; frame-ancestors 'none'",
            ),
        ));
    hashed.merge(loader).merge(console)
}
