//! Contacts: search them (name, email, phone, company, the site's id or an
//! attribute) and open one, with their record and timeline. The pieces
//! that draw a person and a list of interactions are shared with the
//! screen pop. Records are read as `Doc`s, as the admin screens do, so no
//! decoder per type is added to the Wasm.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::admin::doc::Doc;
use super::admin::forms::{table, text_field, Row};
use super::history::when;
use super::{ctx, word};
use crate::api;
use crate::words::A;

/// Who a contact is: their name (or "anonymous visitor"), verified or what
/// they claim, tier and company.
pub fn person(contact: &Doc) -> AnyView {
    let name = contact.get("name").str();
    let claimed = contact.get("claimed_id").str();
    let verified = contact.get("verified").truthy();
    let tier = contact.get("tier").str();
    let company = contact.get("company").str();
    view! {
        <div class="person">
            <strong class="person-name">{if name.is_empty() { word(A::Anonymous).into_any() } else { name.into_any() }}</strong>
            {verified.then(|| view! { <span class="badge badge-verified">"✓ " {word(A::Verified)}</span> })}
            // Anything not verified is only what the visitor said.
            {(!verified).then(|| view! {
                <span class="badge badge-unverified">{word(A::Unverified)} {(!claimed.is_empty()).then(|| format!(" · {claimed}"))}</span>
            })}
            {(!tier.is_empty()).then(|| view! { <span class="badge badge-tier" title=word(A::Tier)>{tier}</span> })}
            {(!company.is_empty()).then(|| view! { <span class="person-company muted">{company}</span> })}
        </div>
    }
    .into_any()
}

/// A timeline's entries, newest first: when, what kind, about what, with
/// whom, and the visitor's rating.
pub fn interactions(items: Vec<Doc>) -> AnyView {
    if items.is_empty() {
        return view! { <p class="muted">{word(A::NothingEarlier)}</p> }.into_any();
    }
    view! {
        <ol class="timeline">
            {items.into_iter().map(|i| {
                // A kept co-browse session can be replayed (the server
                // lets the agent who held it and the site's leads).
                let replay = (i.get("kind").str() == "cobrowse").then(|| i.get("id").int()).flatten();
                let kind = match (i.get("kind").str().as_str(), i.get("channel").str().as_str()) {
                    ("case", _) => A::CaseKind,
                    ("note", _) => A::NoteKind,
                    ("cobrowse", _) => A::Cobrowse,
                    (_, "callback") => A::Callback,
                    _ => A::ChatKind,
                };
                let rating = i.get("rating").int().map(|n| n.clamp(0, 5));
                let whom = [i.get("agent").str(), i.get("department").str(), i.get("wrap_up_code").str()]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" · ");
                view! {
                    <li class="timeline-item">
                        <span class="timeline-when muted">{when(i.get("at_ms").num().unwrap_or_default())}</span>
                        <span class="badge">{word(kind)}</span>
                        <span class="timeline-what">{i.get("summary").str()}</span>
                        <span class="timeline-who muted">{whom}</span>
                        {replay.map(|id| view! {
                            <button type="button" class="btn btn-ghost" on:click=move |_| crate::cobrowse::replay(ctx().lang.get_untracked().tag(), id)>
                                {word(A::Replay)}
                            </button>
                        })}
                        {rating.map(|n| view! {
                            <span class="timeline-rating" title=word(A::Rating)>
                                <span aria-hidden="true">{"★".repeat(n as usize)}</span>
                                <span class="visually-hidden">{word(A::Rating)} " " {n} " " {word(A::OutOf5)}</span>
                            </span>
                        })}
                    </li>
                }
            }).collect_view()}
        </ol>
    }
    .into_any()
}

#[component]
pub fn Contacts() -> impl IntoView {
    let c = ctx();
    let q = RwSignal::new(String::new());
    let found = RwSignal::new_local(None::<Doc>);
    let opened = RwSignal::new_local(None::<Doc>);
    let error = RwSignal::new(None::<String>);
    let get = move |path: String, into: RwSignal<Option<Doc>, LocalStorage>| {
        spawn_local(async move {
            match api::call("GET", &path, None).await {
                Ok(text) => {
                    error.set(None);
                    into.set(Doc::parse(&text));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        opened.set(None);
        get(format!("/api/v1/contacts?q={}", String::from(js_sys::encode_uri_component(q.get_untracked().trim()))), found);
    };
    let results = move || {
        let rows: Vec<Row> = found
            .get()?
            .items()
            .iter()
            .map(|f| {
                let id = f.get("id").str();
                let verified = if f.get("verified").truthy() { c.ta(A::Verified) } else { "" };
                let mut row = Row::of(vec![
                    Some(f.get("name").str()).filter(|n| !n.is_empty()).unwrap_or_else(|| c.ta(A::Anonymous).to_string()),
                    f.get("email").str(),
                    f.get("phone").str(),
                    f.get("company").str(),
                    f.get("tier").str(),
                    verified.to_string(),
                ]);
                row.action = Some((A::Open, Callback::new(move |()| get(format!("/api/v1/contacts/{id}"), opened))));
                row
            })
            .collect();
        Some(if rows.is_empty() {
            view! { <p class="muted" role="status">{word(A::NoContacts)}</p> }.into_any()
        } else {
            table(&[A::Name, A::Email, A::Phone, A::Company, A::Tier, A::Verified], rows)
        })
    };
    let card = move || {
        let card = opened.get()?;
        let contact = card.get("contact");
        let detail = |label: A, value: String| (!value.is_empty()).then(|| view! { <dt>{word(label)}</dt><dd>{value}</dd> });
        let attributes = contact.get("attributes");
        let attribute_names = js_sys::Object::keys(&js_sys::Object::from(attributes.value()));
        Some(view! {
            <section class="panel contact-card" aria-labelledby="contact-title" id="contact-card">
                <h2 id="contact-title" class="section-title">{word(A::Contact)}</h2>
                {person(&contact)}
                <dl class="detail-list">
                    {detail(A::Email, contact.get("email").str())}
                    {detail(A::Phone, contact.get("phone").str())}
                    {attribute_names.iter().filter_map(|k| k.as_string()).map(|k| {
                        let v = attributes.get(&k).str();
                        view! { <dt>{k}</dt><dd>{v}</dd> }
                    }).collect_view()}
                </dl>
                <h3 class="subtitle">{word(A::PastInteractions)}</h3>
                {interactions(card.get("timeline.interactions").items())}
            </section>
        })
    };
    view! {
        <section class="panel" aria-labelledby="contacts-title">
            <h2 id="contacts-title" class="section-title">{word(A::Contacts)}</h2>
            <form class="form history-form" role="search" on:submit=search>
                {text_field("contacts-q", A::ContactWords, q)}
                <div class="form-actions"><button type="submit" id="contacts-search" class="btn btn-primary">{word(A::Search)}</button></div>
            </form>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            {results}
        </section>
        {card}
    }
}
