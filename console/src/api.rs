//! The console's REST calls: who am I, log in, log out, and `call` for
//! every screen's JSON.
//!
//! The session lives in an HttpOnly cookie the server sets, so these calls
//! only need to send it along (`credentials: same-origin`); the console
//! never sees the token. Requests go through the browser's `fetch` (by
//! `web-sys`): a wrapper crate would bring its own JSON and stream code
//! into the Wasm.

use protocol::agent::AgentInfo;
use protocol::lean::agent::{decode_agent_info, decode_directory, decode_error_body, encode_login};
use protocol::lean::Source;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, RequestCredentials, RequestInit, Response};
use webclient::json::Js;

/// One request: the answer's status and body text, or why there was none
/// (the network, or a browser that refused).
async fn fetch(method: &str, path: &str, body: Option<&str>) -> Result<(u16, String), String> {
    let failed = |e: JsValue| e.as_string().unwrap_or_else(|| "the request failed".to_string());
    let init = RequestInit::new();
    init.set_method(method);
    init.set_credentials(RequestCredentials::SameOrigin);
    let headers = Headers::new().map_err(failed)?;
    headers.set("Accept", "application/json").map_err(failed)?;
    if let Some(body) = body {
        // A JSON body is also what keeps a cross-site HTML form from
        // forging a request: forms cannot send it.
        headers.set("Content-Type", "application/json").map_err(failed)?;
        init.set_body(&JsValue::from_str(body));
    }
    init.set_headers(&headers);
    let window = web_sys::window().ok_or("no window")?;
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(path, &init)).await.map_err(failed)?.dyn_into().map_err(failed)?;
    let text = match response.text() {
        Ok(promise) => JsFuture::from(promise).await.ok().and_then(|t| t.as_string()).unwrap_or_default(),
        Err(_) => String::new(),
    };
    Ok((response.status(), text))
}

/// Why a call did not give an agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// 401: not logged in, or wrong email or password.
    Unauthorized,
    /// 429: too many attempts; try again later.
    TooManyAttempts,
    /// The server could not be reached or answered something unexpected.
    Network,
}

/// `GET /api/v1/me`: the agent of the current session cookie.
pub async fn me() -> Result<AgentInfo, ApiError> {
    let (status, body) = fetch("GET", "/api/v1/me", None).await.map_err(|_| ApiError::Network)?;
    agent_from_parts(status, &body)
}

/// `POST /api/v1/login`; the server sets the session cookie on success.
pub async fn login(email: String, password: String) -> Result<AgentInfo, ApiError> {
    let (status, body) = fetch("POST", "/api/v1/login", Some(&encode_login(&email, &password))).await.map_err(|_| ApiError::Network)?;
    agent_from_parts(status, &body)
}

/// `GET /api/v1/directory`: the agents and queues a chat can be handed to.
pub async fn directory() -> Result<protocol::agent::Directory, ApiError> {
    let text = call("GET", "/api/v1/directory", None).await.map_err(|_| ApiError::Network)?;
    webclient::json::parse(&text).and_then(|v| decode_directory(&v)).ok_or(ApiError::Network)
}

/// A JSON list read with `decode`; none if any element does not decode.
pub fn read_list<T>(text: &str, decode: impl Fn(&Js) -> Option<T>) -> Option<Vec<T>> {
    webclient::json::parse(text)?.items()?.iter().map(decode).collect()
}

/// One REST call: the answer's body, or the server's reason for refusing.
/// Bodies are JSON text both ways; the caller reads them with the lean
/// codec (`protocol::lean`) or as documents (`views::admin::doc`), so the
/// console carries no serde deserializers.
pub async fn call(method: &str, path: &str, body: Option<String>) -> Result<String, String> {
    let (status, text) = fetch(method, path, body.as_deref()).await?;
    if !(200..300).contains(&status) {
        return Err(webclient::json::parse(&text).and_then(|v| decode_error_body(&v)).map(|e| e.message).unwrap_or_else(|| format!("HTTP {status}")));
    }
    Ok(text)
}

/// `POST /api/v1/logout`. Failure is not reported: the console forgets the
/// session either way, and the cookie expires on its own.
pub async fn logout() {
    let _ = fetch("POST", "/api/v1/logout", None).await;
}

fn agent_from_parts(status: u16, body: &str) -> Result<AgentInfo, ApiError> {
    refusal(status)?;
    webclient::json::parse(body).and_then(|me| decode_agent_info(&me.field("agent")?)).ok_or(ApiError::Network)
}

/// What a status says before the body is read (the body is `rest::Me`,
/// read by `lean::agent`, tested there).
fn refusal(status: u16) -> Result<(), ApiError> {
    match status {
        200 => Ok(()),
        401 => Err(ApiError::Unauthorized),
        429 => Err(ApiError::TooManyAttempts),
        _ => Err(ApiError::Network),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_outcomes() {
        assert_eq!(refusal(200), Ok(()));
        assert_eq!(refusal(401), Err(ApiError::Unauthorized));
        assert_eq!(refusal(429), Err(ApiError::TooManyAttempts));
        assert_eq!(refusal(500), Err(ApiError::Network));
    }
}
