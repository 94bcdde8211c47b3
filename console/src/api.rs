//! The console's REST calls: who am I, log in, log out.
//!
//! The session lives in an HttpOnly cookie the server sets, so these calls
//! only need to send it along (`credentials: same-origin`); the console
//! never sees the token.

use protocol::agent::AgentInfo;
use protocol::rest::{LoginRequest, Me};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestCredentials, RequestInit, Response};

/// Why a call did not give an agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// 401: not logged in, or wrong email or password.
    Unauthorized,
    /// The server could not be reached or answered something unexpected.
    Network,
}

/// `GET /api/v1/me`: the agent of the current session cookie.
pub async fn me() -> Result<AgentInfo, ApiError> {
    let (status, body) = call("GET", "/api/v1/me", None).await?;
    agent_from(status, &body)
}

/// `POST /api/v1/login`; the server sets the session cookie on success.
pub async fn login(email: String, password: String) -> Result<AgentInfo, ApiError> {
    let body = serde_json::to_string(&LoginRequest { email, password }).map_err(|_| ApiError::Network)?;
    let (status, body) = call("POST", "/api/v1/login", Some(&body)).await?;
    agent_from(status, &body)
}

/// `POST /api/v1/logout`. Failure is not reported: the console forgets the
/// session either way, and the cookie expires on its own.
pub async fn logout() {
    let _ = call("POST", "/api/v1/logout", None).await;
}

fn agent_from(status: u16, body: &str) -> Result<AgentInfo, ApiError> {
    match status {
        200 => serde_json::from_str::<Me>(body).map(|me| me.agent).map_err(|_| ApiError::Network),
        401 => Err(ApiError::Unauthorized),
        _ => Err(ApiError::Network),
    }
}

/// One same-origin request with an optional JSON body; the status and the
/// body text.
async fn call(method: &str, path: &str, json: Option<&str>) -> Result<(u16, String), ApiError> {
    let window = web_sys::window().ok_or(ApiError::Network)?;
    let init = RequestInit::new();
    init.set_method(method);
    init.set_credentials(RequestCredentials::SameOrigin);
    let headers = Headers::new().map_err(|_| ApiError::Network)?;
    headers.set("Accept", "application/json").map_err(|_| ApiError::Network)?;
    if let Some(json) = json {
        // A JSON content type is also what keeps a cross-site HTML form from
        // forging this request: forms cannot send it.
        headers.set("Content-Type", "application/json").map_err(|_| ApiError::Network)?;
        init.set_body(&JsValue::from_str(json));
    }
    init.set_headers(&headers);
    let request = Request::new_with_str_and_init(path, &init).map_err(|_| ApiError::Network)?;
    let response = JsFuture::from(window.fetch_with_request(&request)).await.map_err(|_| ApiError::Network)?;
    let response: Response = response.dyn_into().map_err(|_| ApiError::Network)?;
    let status = response.status();
    let text = match response.text() {
        Ok(promise) => JsFuture::from(promise).await.ok().and_then(|v| v.as_string()).unwrap_or_default(),
        Err(_) => String::new(),
    };
    Ok((status, text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::agent::Role;

    #[test]
    fn statuses_map_to_outcomes() {
        let me = Me { agent: AgentInfo { id: 1, name: "Ada".into(), email: "a@x".into(), role: Role::Admin } };
        let body = serde_json::to_string(&me).unwrap();
        assert_eq!(agent_from(200, &body), Ok(me.agent));
        assert_eq!(agent_from(200, "not json"), Err(ApiError::Network));
        assert_eq!(agent_from(401, "{}"), Err(ApiError::Unauthorized));
        assert_eq!(agent_from(500, ""), Err(ApiError::Network));
    }
}
