//! Contacts as CSV, for spreadsheets and other CRMs: export every contact
//! (optionally one site's) and import rows that make or update contacts.
//!
//! Columns: `site_id, external_id, name, email, phone, tier, company,
//! owner_id`, and one `attr.<name>` column per attribute; the export adds
//! `id`, `verified` and `created_at_ms`, which an import ignores. An
//! imported row with an `external_id` the site already has updates that
//! contact; any other row makes a new one. A cell that a spreadsheet would
//! run as a formula (starting with `=`, `+`, `-`, `@`) is exported behind
//! a `'`, which the import takes off again.

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use protocol::contact::Attributes;
use protocol::crm::{ContactFields, ImportReport, RefusedRow, MAX_IMPORT_ROWS};
use protocol::{ErrorBody, ErrorCode, SiteId};
use serde::Deserialize;

use super::caller::{scope, Caller};
use crate::refusal::Refusal;
use crate::state::AppState;
use crate::store::{ContactRecord, StoreError};

const ATTRIBUTE: &str = "attr.";
const FIXED: [&str; 11] = ["id", "site_id", "external_id", "verified", "name", "email", "phone", "tier", "company", "owner_id", "created_at_ms"];

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct CsvQuery {
    /// Only this site's contacts (export); the site of rows without a
    /// `site_id` (import).
    site_id: Option<i64>,
}

/// A cell as a spreadsheet shows it without running it.
fn defused(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_string()
    }
}

/// A cell as it was before `defused`.
fn restored(value: &str) -> String {
    match value.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest.to_string(),
        _ => value.trim().to_string(),
    }
}

fn csv_error(e: impl std::fmt::Display) -> Refusal {
    Refusal::new(ErrorCode::Invalid, format!("not CSV: {e}"))
}

/// Every contact as CSV.
#[utoipa::path(get, path = "/contacts.csv", tag = "contacts", params(CsvQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = "4XX", body = ErrorBody)),
    security(("token" = ["contacts:read"])))]
pub async fn export_contacts(State(state): State<AppState>, _: Caller<scope::ContactsRead>, Query(q): Query<CsvQuery>) -> Result<impl IntoResponse, Refusal> {
    let mut contacts: Vec<ContactRecord> = Vec::new();
    loop {
        let after = contacts.last().map_or(0, |c| c.id);
        let page = state.store.contacts_page(q.site_id.map(SiteId), "", after, 1000).await?;
        let done = page.len() < 1000;
        contacts.extend(page);
        if done {
            break;
        }
    }
    let names: BTreeSet<&String> = contacts.iter().flat_map(|c| c.attributes.keys()).collect();
    let mut out = csv::Writer::from_writer(Vec::new());
    let header = FIXED.iter().map(|h| h.to_string()).chain(names.iter().map(|n| format!("{ATTRIBUTE}{n}")));
    out.write_record(header).map_err(Refusal::internal)?;
    for c in &contacts {
        let fixed = [
            c.id.to_string(),
            c.site_id.to_string(),
            c.external_id.clone().unwrap_or_default(),
            c.is_verified().to_string(),
            c.name.clone(),
            c.email.clone(),
            c.phone.clone(),
            c.tier.clone(),
            c.company.clone(),
            c.owner_id.map(|o| o.to_string()).unwrap_or_default(),
            c.created_at.to_string(),
        ];
        let attributes = names.iter().map(|n| c.attributes.get(*n).cloned().unwrap_or_default());
        out.write_record(fixed.into_iter().chain(attributes).map(|v| defused(&v))).map_err(Refusal::internal)?;
    }
    let body = out.into_inner().map_err(Refusal::internal)?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8"), (header::CONTENT_DISPOSITION, "attachment; filename=\"contacts.csv\"")], body))
}

/// One row as contact fields, or why it is refused.
fn row_fields(header: &[String], row: &csv::StringRecord, site: Option<i64>) -> Result<ContactFields, String> {
    let mut f = ContactFields { site_id: site.map(SiteId), ..ContactFields::default() };
    let mut attributes = BTreeMap::new();
    for (name, value) in header.iter().zip(row.iter()) {
        let value = restored(value);
        let text = || Some(value.clone()).filter(|v| !v.is_empty());
        match name.as_str() {
            "site_id" if !value.is_empty() => f.site_id = Some(SiteId(value.parse().map_err(|_| "site_id is not a number")?)),
            "external_id" => f.external_id = text(),
            "name" => f.name = text(),
            "email" => f.email = text(),
            "phone" => f.phone = text(),
            "tier" => f.tier = text(),
            "company" => f.company = text(),
            "owner_id" if !value.is_empty() => f.owner_id = Some(value.parse().map_err(|_| "owner_id is not a number")?),
            other => {
                if let Some(attribute) = other.strip_prefix(ATTRIBUTE).filter(|a| !a.is_empty() && !value.is_empty()) {
                    attributes.insert(attribute.to_string(), value);
                }
            }
        }
    }
    if !attributes.is_empty() {
        f.attributes = Some(attributes.into_iter().collect::<Attributes>());
    }
    if f.site_id.is_none() {
        return Err("no site_id (in the row or as ?site_id=)".into());
    }
    f.checked().map_err(|e| e.to_string())
}

/// Makes or updates contacts from CSV (a header row, then one contact per
/// row). The whole file is read and checked first: a file that is not
/// CSV, or too long, changes nothing. Rows that cannot be taken are listed
/// with why; the others are written.
#[utoipa::path(post, path = "/contacts.csv", tag = "contacts", params(CsvQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportReport), (status = "4XX", body = ErrorBody)),
    security(("token" = ["contacts:write"])))]
pub async fn import_contacts(
    State(state): State<AppState>,
    caller: Caller<scope::ContactsWrite>,
    Query(q): Query<CsvQuery>,
    body: String,
) -> Result<Json<ImportReport>, Refusal> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(body.as_bytes());
    // Column names are read in any case; an attribute's name as written.
    let header: Vec<String> = reader
        .headers()
        .map_err(csv_error)?
        .iter()
        .map(|h| match h.trim() {
            h if h.starts_with(ATTRIBUTE) => h.to_string(),
            h => h.to_lowercase(),
        })
        .collect();
    if !header.iter().any(|h| h == "name" || h == "email" || h == "external_id") {
        return Err(Refusal::new(ErrorCode::Invalid, "the first row names the columns: name, email, external_id, … (see the export)"));
    }
    let mut report = ImportReport::default();
    let mut rows = Vec::new();
    for (n, row) in reader.records().enumerate() {
        if n >= MAX_IMPORT_ROWS {
            return Err(Refusal::new(ErrorCode::TooLarge, "at most 10,000 rows per import"));
        }
        let row = row.map_err(csv_error)?;
        let line = row.position().map_or(n as u64 + 2, |p| p.line());
        match row_fields(&header, &row, q.site_id) {
            Ok(fields) => rows.push((line, fields)),
            Err(reason) => report.refused.push(RefusedRow { line, reason }),
        }
    }
    for (line, fields) in rows {
        let Some(site) = fields.site_id else { continue };
        let existing = match &fields.external_id {
            Some(id) => state.store.contact_by_external_id(site, id).await?,
            None => None,
        };
        let written = match existing {
            Some(c) => state.store.update_contact(c.id, &fields).await.map(|_| report.updated += 1),
            None if state.store.site(site).await?.is_none() => Err(StoreError::Invalid("no site has that site_id")),
            None => state.store.create_contact(site, &fields).await.map(|_| report.created += 1),
        };
        match written {
            Ok(()) => {}
            Err(e @ (StoreError::Invalid(_) | StoreError::NotFound(_) | StoreError::Duplicate(_))) => {
                report.refused.push(RefusedRow { line, reason: e.to_string() });
            }
            Err(e) => return Err(e.into()),
        }
    }
    report.refused.sort_by_key(|r| r.line);
    let detail = format!("{} ({} made, {} updated, {} refused)", caller.name(), report.created, report.updated, report.refused.len());
    state.store.audit(None, "contact.import", "contacts", &detail).await?;
    Ok(Json(report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_on_export_and_restored_on_import() {
        for v in ["=HYPERLINK(\"x\")", "+1 555", "-2", "@SUM(A1)", "plain", "'quoted", ""] {
            assert_eq!(restored(&defused(v)), v.trim());
        }
        assert_eq!(defused("=1+1"), "'=1+1");
        assert_eq!(defused("Mei"), "Mei");
    }
}
