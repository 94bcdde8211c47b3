//! The console's REST calls: who am I, log in, log out.
//!
//! The session lives in an HttpOnly cookie the server sets, so these calls
//! only need to send it along (`credentials: same-origin`); the console
//! never sees the token. Requests go through `gloo-net`.

use gloo_net::http::{Request, Response};
use protocol::agent::AgentInfo;
use protocol::lean::agent::{decode_agent_info, decode_directory, decode_error_body, encode_login};
use protocol::lean::Source;
use web_sys::RequestCredentials;
use webclient::json::Js;

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
        .header("Content-Type", "application/json")
        .body(encode_login(&email, &password))
        .map_err(|_| ApiError::Network)?;
    agent_from(request.send().await.map_err(|_| ApiError::Network)?).await
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
        return Err(webclient::json::parse(&text).and_then(|v| decode_error_body(&v)).map(|e| e.message).unwrap_or_else(|| format!("HTTP {status}")));
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
