//! Who is calling the REST API: the live API token in the
//! `Authorization: Bearer` header, with the scope the route needs. The
//! scope is part of the handler's signature (`Caller<scope::CasesWrite>`),
//! so it is checked before the body is read and no handler can forget it.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use protocol::tokens::{ApiToken, Scope};
use protocol::ErrorCode;

use crate::refusal::Refusal;
use crate::state::AppState;
use crate::store::TOKEN_PREFIX;

/// A scope a route needs, as a type.
pub trait Needs {
    const SCOPE: Scope;
}

/// One type per scope.
pub mod scope {
    macro_rules! scopes {
        ($($name:ident),*) => {$(
            pub struct $name;
            impl super::Needs for $name {
                const SCOPE: protocol::tokens::Scope = protocol::tokens::Scope::$name;
            }
        )*};
    }
    scopes!(ContactsRead, ContactsWrite, ContactsErase, InteractionsRead, CasesRead, CasesWrite, ArticlesRead, ArticlesWrite);
}

/// The token a request was made with, which carries scope `S`. Handlers
/// that take it never run otherwise: 401 without a live token, 403
/// without the scope.
pub struct Caller<S>(pub ApiToken, PhantomData<S>);

impl<S> Caller<S> {
    /// How the audit log names the caller.
    pub fn name(&self) -> String {
        format!("API token {} ({})", self.0.id, self.0.name)
    }
}

impl<S: Needs> FromRequestParts<AppState> for Caller<S> {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
        // The scheme's name is case-insensitive (RFC 9110).
        let secret = header.split_once(' ').filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer")).map_or("", |(_, s)| s.trim());
        if !secret.starts_with(TOKEN_PREFIX) {
            return Err(Refusal::unauthorized("send an API token as `Authorization: Bearer rpt_…`"));
        }
        let Some(token) = state.store.use_api_token(secret).await? else {
            return Err(Refusal::unauthorized("this API token is unknown or revoked"));
        };
        tracing::Span::current().record("agent", tracing::field::display(format_args!("token {}", token.id)));
        if !token.scopes.contains(&S::SCOPE) {
            return Err(Refusal::new(ErrorCode::Forbidden, format!("this token does not have the {} scope", S::SCOPE.as_str())));
        }
        Ok(Caller(token, PhantomData))
    }
}
