//! Request extractors shared by the REST and WebSocket handlers: who is
//! asking (their address), for which site (checked against the site's
//! allowed origins), and from where (the console's own origin).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Path, Query};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use protocol::ErrorCode;

use crate::refusal::Refusal;
use crate::state::AppState;
use crate::store::SiteRecord;

/// The client's IP address: the TCP peer, or with `trust_forwarded_for` the
/// address the nearest proxy recorded (the last `X-Forwarded-For` entry).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if state.config.trust_forwarded_for {
            let forwarded = parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).last();
            if let Some(ip) = forwarded.and_then(|v| v.trim().parse().ok()) {
                return Ok(ClientIp(ip));
            }
        }
        match parts.extensions.get::<ConnectInfo<SocketAddr>>() {
            Some(ConnectInfo(addr)) => Ok(ClientIp(addr.ip())),
            // Only a router driven without a listener (a unit test) lacks it.
            None => Ok(ClientIp(IpAddr::V4(Ipv4Addr::UNSPECIFIED))),
        }
    }
}

/// The `Origin` header, if it is readable text.
pub fn origin(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
}

/// The site named by the request (`?site=` or the `{key}` of the path),
/// when the page asking is on one of its allowed origins.
pub struct AllowedSite(pub SiteRecord);

impl FromRequestParts<AppState> for AllowedSite {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let from_query = Query::<HashMap<String, String>>::from_request_parts(parts, state).await.ok().and_then(|Query(mut q)| q.remove("site"));
        let key = match from_query {
            Some(key) => key,
            None => Path::<HashMap<String, String>>::from_request_parts(parts, state)
                .await
                .ok()
                .and_then(|Path(mut p)| p.remove("key"))
                .ok_or_else(|| Refusal::new(ErrorCode::UnknownSite, "which site? (no site key in the request)"))?,
        };
        let Some(site) = state.store.site_by_key(&key).await? else {
            return Err(Refusal::new(ErrorCode::UnknownSite, "no site has that key"));
        };
        let origin = origin(&parts.headers).unwrap_or("");
        if !site.allows_origin(origin) {
            tracing::warn!(site = %site.key, origin, "a page from an origin the site does not allow");
            return Err(Refusal::new(ErrorCode::BadOrigin, "this page's origin may not use the site's widget"));
        }
        Ok(AllowedSite(site))
    }
}

/// The request comes from the console's own page. Browsers send `Origin` on
/// every cross-site request and on WebSocket handshakes, and cookies ride
/// along on cross-site WebSocket handshakes, so this is what stops another
/// site from driving an agent's session (with SameSite=Strict cookies and
/// JSON-only bodies, which a cross-site form cannot send, it closes CSRF).
pub struct FromConsole;

impl FromRequestParts<AppState> for FromConsole {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let is_websocket = parts.headers.get(header::UPGRADE).is_some();
        match origin(&parts.headers) {
            Some(origin) if state.is_console_origin(origin) => Ok(FromConsole),
            // Same-origin GETs and non-browser clients may omit it; a
            // WebSocket handshake from a browser never does.
            None if !is_websocket => Ok(FromConsole),
            other => {
                tracing::warn!(origin = other.unwrap_or(""), "a console request from a foreign origin");
                Err(Refusal::new(ErrorCode::BadOrigin, "the console connects only from its own origin"))
            }
        }
    }
}
