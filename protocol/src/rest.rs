//! Bodies of the console's REST API (`/api/v1/...`).

use serde::{Deserialize, Serialize};

use crate::agent::AgentInfo;

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// `GET /api/v1/me` and the answer to a successful login.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Me {
    pub agent: AgentInfo,
}
