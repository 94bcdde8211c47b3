//! The console's REST calls: who am I, log in, log out.
//!
//! The session lives in an HttpOnly cookie the server sets, so these calls
//! only need to send it along (`credentials: same-origin`); the console
//! never sees the token. Requests go through `gloo-net`.

use gloo_net::http::{Request, Response};
use protocol::agent::AgentInfo;
use protocol::rest::{LoginRequest, Me};
use web_sys::RequestCredentials;

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
    let response = Request::get("/api/v1/me").credentials(RequestCredentials::SameOrigin).header("Accept", "application/json").send().await;
    agent_from(response.map_err(|_| ApiError::Network)?).await
}

/// `POST /api/v1/login`; the server sets the session cookie on success.
pub async fn login(email: String, password: String) -> Result<AgentInfo, ApiError> {
    // A JSON body is also what keeps a cross-site HTML form from forging
    // this request: forms cannot send it.
    let request = Request::post("/api/v1/login")
        .credentials(RequestCredentials::SameOrigin)
        .header("Accept", "application/json")
        .json(&LoginRequest { email, password })
        .map_err(|_| ApiError::Network)?;
    agent_from(request.send().await.map_err(|_| ApiError::Network)?).await
}

/// `GET /api/v1/directory`: the agents and queues a chat can be handed to.
pub async fn directory() -> Result<protocol::agent::Directory, ApiError> {
    get_json("/api/v1/directory").await
}

/// A GET answered with JSON.
pub async fn get_json<T: serde::de::DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    let text = call("GET", path, None).await.map_err(|_| ApiError::Network)?;
    serde_json::from_str(&text).map_err(|_| ApiError::Network)
}

/// A call with a JSON body (or none) answered with JSON (or nothing);
/// a refusal carries the server's reason, to show as it is. Only the
/// (de)serialising is generic: the request itself is one function, so the
/// Wasm holds it once rather than once per type.
pub async fn send_json<B: serde::Serialize, T: serde::de::DeserializeOwned>(method: &str, path: &str, body: Option<&B>) -> Result<T, String> {
    let body = match body {
        Some(b) => Some(serde_json::to_string(b).map_err(|e| e.to_string())?),
        None => None,
    };
    let text = call(method, path, body).await?;
    serde_json::from_str(if text.is_empty() { "null" } else { &text }).map_err(|e| e.to_string())
}

/// One REST call: the answer's body, or the server's reason for refusing.
pub async fn call(method: &str, path: &str, body: Option<String>) -> Result<String, String> {
    let builder = match method {
        "POST" => Request::post(path),
        "PUT" => Request::put(path),
        "DELETE" => Request::delete(path),
        _ => Request::get(path),
    }
    .credentials(RequestCredentials::SameOrigin)
    .header("Accept", "application/json");
    let request = match body {
        Some(body) => builder.header("Content-Type", "application/json").body(body).map_err(|e| e.to_string())?,
        None => builder.build().map_err(|e| e.to_string())?,
    };
    let response = request.send().await.map_err(|e| e.to_string())?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    if !(200..300).contains(&status) {
        return Err(serde_json::from_str::<protocol::ErrorBody>(&text).map(|e| e.message).unwrap_or_else(|_| format!("HTTP {status}")));
    }
    Ok(text)
}

/// `POST /api/v1/logout`. Failure is not reported: the console forgets the
/// session either way, and the cookie expires on its own.
pub async fn logout() {
    let _ = Request::post("/api/v1/logout").credentials(RequestCredentials::SameOrigin).send().await;
}

async fn agent_from(response: Response) -> Result<AgentInfo, ApiError> {
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    agent_from_parts(status, &body)
}

fn agent_from_parts(status: u16, body: &str) -> Result<AgentInfo, ApiError> {
    match status {
        200 => serde_json::from_str::<Me>(body).map(|me| me.agent).map_err(|_| ApiError::Network),
        401 => Err(ApiError::Unauthorized),
        429 => Err(ApiError::TooManyAttempts),
        _ => Err(ApiError::Network),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::agent::Role;

    #[test]
    fn statuses_map_to_outcomes() {
        let me = Me { agent: AgentInfo { id: protocol::AgentId(1), name: "Ada".into(), email: "a@x".into(), role: Role::Admin } };
        let body = serde_json::to_string(&me).unwrap();
        assert_eq!(agent_from_parts(200, &body), Ok(me.agent));
        assert_eq!(agent_from_parts(200, "not json"), Err(ApiError::Network));
        assert_eq!(agent_from_parts(401, "{}"), Err(ApiError::Unauthorized));
        assert_eq!(agent_from_parts(429, "{}"), Err(ApiError::TooManyAttempts));
        assert_eq!(agent_from_parts(500, ""), Err(ApiError::Network));
    }
}
