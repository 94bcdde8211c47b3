//! Sites: name, allowed origins and widget settings; the key is made by
//! the server.

use axum::extract::{Path, State};
use axum::Json;
use protocol::admin::{Site, SiteConfig};
use protocol::appearance::{self, AppearanceError};
use protocol::files::MAX_FILE_MB;
use protocol::visitor::WidgetSettings;
use protocol::{ErrorCode, SiteId};

use super::{name, Admin};
use crate::refusal::Refusal;
use crate::state::AppState;
use crate::store::{CobrowseSettings, FileLimits, SiteRecord};

fn site(r: SiteRecord, identity_secret: String, cobrowse: CobrowseSettings) -> Site {
    let config = SiteConfig {
        name: r.name,
        allowed_origins: r.allowed_origins,
        settings: r.settings,
        team_email: r.team_email,
        file_max_mb: r.files.file_mb,
        conversation_files_max_mb: r.files.conversation_mb,
        cobrowse_unmask: cobrowse.unmask,
        cobrowse_allow_submit: cobrowse.allow_submit,
    };
    Site { id: r.id, key: r.key, config, identity_secret }
}

/// The site as admins see it, its identity secret made if it had none.
async fn shown(state: &AppState, r: SiteRecord) -> Result<Site, Refusal> {
    let secret = state.store.site_identity_secret(r.id).await?;
    let cobrowse = state.store.cobrowse_settings(r.id).await?;
    Ok(site(r, secret, cobrowse))
}

/// Origins are `scheme://host[:port]` (or `*`), as browsers send them.
fn origins(config: &SiteConfig) -> Result<Vec<String>, Refusal> {
    config
        .allowed_origins
        .iter()
        .map(|o| o.trim().trim_end_matches('/').to_string())
        .filter(|o| !o.is_empty())
        .map(|o| {
            let ok = o == "*" || url::Url::parse(&o).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.path() == "/" && u.host().is_some());
            if ok {
                Ok(o)
            } else {
                Err(Refusal::new(ErrorCode::Invalid, format!("\"{o}\" is not an origin like https://shop.example")))
            }
        })
        .collect()
}

/// The widget's settings as stored: appearance checked against
/// `protocol::appearance` (contrast, lengths) and the avatar's address in
/// the normal form the stylesheet writes (`crate::appearance::avatar`).
fn settings(config: &SiteConfig) -> Result<WidgetSettings, Refusal> {
    let mut settings = config.settings.clone();
    settings.accent = settings.accent.trim().to_string();
    appearance::check(&settings).map_err(|e| Refusal::new(ErrorCode::Invalid, e.to_string()))?;
    if !settings.avatar_url.trim().is_empty() {
        settings.avatar_url =
            crate::appearance::avatar(&settings.avatar_url).ok_or_else(|| Refusal::new(ErrorCode::Invalid, AppearanceError::AvatarNotUrl.to_string()))?;
    }
    Ok(settings)
}

/// The team's address, checked as an email address (or empty).
fn team_email(config: &SiteConfig) -> Result<String, Refusal> {
    let email = config.team_email.trim();
    if !email.is_empty() && crate::email::address(email).is_none() {
        return Err(Refusal::new(ErrorCode::Invalid, format!("\"{email}\" is not an email address")));
    }
    Ok(email.to_string())
}

/// The co-browse settings: selectors trimmed, blank lines dropped, each
/// within sane bounds (the recorder skips one the browser cannot parse).
fn cobrowse(config: &SiteConfig) -> Result<CobrowseSettings, Refusal> {
    let unmask: Vec<String> = config.cobrowse_unmask.iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
    if unmask.len() > MAX_UNMASK_SELECTORS || unmask.iter().any(|s| s.chars().count() > MAX_SELECTOR_CHARS || s.chars().any(char::is_control)) {
        return Err(Refusal::new(
            ErrorCode::Invalid,
            format!("at most {MAX_UNMASK_SELECTORS} selectors of fields to unmask, each of at most {MAX_SELECTOR_CHARS} characters"),
        ));
    }
    Ok(CobrowseSettings { unmask, allow_submit: config.cobrowse_allow_submit })
}

const MAX_UNMASK_SELECTORS: usize = 50;
const MAX_SELECTOR_CHARS: usize = 200;

/// The site's limits on files: one file within what the server reads at
/// most, and a conversation's total at least one file.
fn file_limits(config: &SiteConfig) -> Result<FileLimits, Refusal> {
    let limits = FileLimits { file_mb: config.file_max_mb, conversation_mb: config.conversation_files_max_mb };
    if limits.file_mb > MAX_FILE_MB {
        return Err(Refusal::new(ErrorCode::Invalid, format!("a file may weigh at most {MAX_FILE_MB} MB on this server")));
    }
    if limits.conversation_mb < limits.file_mb {
        return Err(Refusal::new(ErrorCode::Invalid, "a conversation's files must be allowed at least as much as one file"));
    }
    Ok(limits)
}

pub async fn list_sites(State(state): State<AppState>, _: Admin) -> Result<Json<Vec<Site>>, Refusal> {
    let mut sites = Vec::new();
    for r in state.store.sites().await? {
        sites.push(shown(&state, r).await?);
    }
    Ok(Json(sites))
}

pub async fn create_site(State(state): State<AppState>, admin: Admin, Json(c): Json<SiteConfig>) -> Result<Json<Site>, Refusal> {
    let (n, o, s, e, f) = (name(&c.name, "site")?, origins(&c)?, settings(&c)?, team_email(&c)?, file_limits(&c)?);
    let b = cobrowse(&c)?;
    let mut created = state.store.create_site(&n, &o, &s).await?;
    state.store.set_site_extras(created.id, &e, f).await?;
    state.store.set_cobrowse_settings(created.id, &b).await?;
    (created.team_email, created.files) = (e, f);
    // Admins serve every site.
    for id in state.store.admin_ids().await? {
        state.store.add_agent_to_site(id, created.id).await?;
    }
    admin.audit(&state, "create site", &n, &created.key).await?;
    state.routing.reconfigure().await;
    Ok(Json(shown(&state, created).await?))
}

pub async fn update_site(State(state): State<AppState>, admin: Admin, Path(id): Path<i64>, Json(c): Json<SiteConfig>) -> Result<Json<Site>, Refusal> {
    let (n, o, s, e, f) = (name(&c.name, "site")?, origins(&c)?, settings(&c)?, team_email(&c)?, file_limits(&c)?);
    let b = cobrowse(&c)?;
    state.store.set_site_extras(SiteId(id), &e, f).await?;
    state.store.set_cobrowse_settings(SiteId(id), &b).await?;
    let updated = state.store.update_site(SiteId(id), &n, &o, &s).await?;
    admin.audit(&state, "update site", &n, &o.join(" ")).await?;
    Ok(Json(shown(&state, updated).await?))
}

/// `POST /api/v1/admin/sites/{id}/identity-secret`: a new secret; hashes
/// made with the old one stop verifying at once.
pub async fn rotate_identity_secret(State(state): State<AppState>, admin: Admin, Path(id): Path<i64>) -> Result<Json<Site>, Refusal> {
    let r = state.store.site(SiteId(id)).await?.ok_or_else(|| Refusal::new(ErrorCode::NotFound, "no such site"))?;
    let secret = state.store.rotate_identity_secret(r.id).await?;
    admin.audit(&state, "rotate identity secret", &r.name, "").await?;
    let cobrowse = state.store.cobrowse_settings(r.id).await?;
    Ok(Json(site(r, secret, cobrowse)))
}
