//! What the loader needs to draw the launcher: the site's settings and
//! whether anyone is online. Cross-origin, but only for the site's allowed
//! origins.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use protocol::visitor::WidgetBoot;

use crate::extract::{origin, AllowedSite};
use crate::state::AppState;

pub async fn widget_boot(State(state): State<AppState>, AllowedSite(site): AllowedSite, headers: HeaderMap) -> Response {
    let agents_online = state.routing.agents_online(site.id);
    let css = crate::appearance::stylesheet(&site.settings);
    // A site without articles never loads the articles module; should the
    // database fail here, the chat still opens, without suggestions.
    let articles = state.store.site_has_articles(site.id).await.unwrap_or(false);
    let mut response = Json(WidgetBoot { settings: site.settings, agents_online, css, articles }).into_response();
    if let Some(value) = origin(&headers).and_then(|o| HeaderValue::from_str(o).ok()) {
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value.clone());
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        // Resource Timing sizes are visible to the allowed origin only.
        headers.insert(crate::assets::TIMING_ALLOW_ORIGIN, value);
    }
    response
}
