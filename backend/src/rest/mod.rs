//! The REST API for other systems, at `/rest/v1/`: contacts (with their
//! timeline, CSV import and export, and the data-protection export and
//! erasure), interactions, cases and articles. Callers send an API token
//! (`Authorization: Bearer rpt_…`) that admins make in the console with
//! the scopes it may use; the session cookie is never sent here (its paths
//! are `/api` and `/ws`), so no page can ride on an agent's sign-in.
//!
//! The OpenAPI 3 document (`/rest/v1/openapi.json`) is made from the same
//! handlers and the protocol's types (utoipa), route by route as the
//! router is built, so a route cannot exist undocumented.

mod caller;
mod contacts;
mod csv;
mod records;

use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{InfoBuilder, OpenApi, Server};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use caller::Caller;

use crate::state::AppState;

/// The largest body the API reads: a CSV import of 10,000 contacts fits.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Where the API is mounted.
pub const BASE: &str = "/rest/v1";

/// The API's routes and their document.
pub fn api() -> (Router<AppState>, OpenApi) {
    let (router, mut doc) = OpenApiRouter::<AppState>::new()
        .routes(routes!(contacts::list_contacts, contacts::create_contact))
        .routes(routes!(contacts::get_contact, contacts::update_contact, contacts::erase_contact))
        .routes(routes!(contacts::timeline))
        .routes(routes!(contacts::export_contact))
        .routes(routes!(csv::export_contacts, csv::import_contacts))
        .routes(routes!(records::get_interaction))
        .routes(routes!(records::list_cases, records::create_case))
        .routes(routes!(records::get_case, records::update_case))
        .routes(routes!(records::list_comments, records::add_comment))
        .routes(routes!(records::list_articles, records::create_article))
        .routes(routes!(records::get_article, records::update_article))
        .split_for_parts();
    doc.info = InfoBuilder::new()
        .title("Rapport REST API")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some("Contacts, interactions, cases and articles for other systems. Send an API token as `Authorization: Bearer rpt_…`; each route names the scope it needs."))
        .build();
    doc.servers = Some(vec![Server::new(BASE)]);
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme("token", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    (router, doc)
}

/// The API mounted at [`BASE`], with its document at `openapi.json`
/// (public: it describes, it grants nothing).
pub fn routes() -> Router<AppState> {
    let (router, doc) = api();
    let doc = std::sync::Arc::new(doc);
    router.route("/openapi.json", get(move || async move { Json(doc.as_ref().clone()) })).layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}
