//! The one screen every kind of record is managed with: a table of the
//! records, a button for a new one, and a form built from the resource's
//! fields. Saving keeps the form open on the saved record, so a second
//! save edits it rather than creating another.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::doc::Doc;
use super::fields::{read, render, write, Lists, Value};
use super::forms::{outcome, table, Row};
use super::resources::{cell, Resource};
use crate::api;
use crate::views::{ctx, word};
use crate::words::A;

/// Loads the JSON at `path` into `into` (again on each call).
pub fn load(path: String, into: RwSignal<Option<Doc>, LocalStorage>) {
    spawn_local(async move {
        if let Some(doc) = api::call("GET", &path, None).await.ok().and_then(|text| Doc::parse(&text)) {
            into.set(Some(doc));
        }
    });
}

thread_local! {
    /// A new record's values, handed to the next screen of that resource
    /// (kept out of the reactive graph: a signal type of its own would
    /// cost the Wasm more than this does).
    static PREFILL: std::cell::RefCell<Option<(&'static str, Doc)>> = const { std::cell::RefCell::new(None) };
}

/// Opens the next screen of resource `key` on a new record with `record`'s
/// values filled in (a chat's *Open a case*).
pub fn prefill(key: &'static str, record: Doc) {
    PREFILL.with(|p| *p.borrow_mut() = Some((key, record)));
}

fn take_prefill(key: &'static str) -> Option<Doc> {
    PREFILL.with(|p| {
        let mut p = p.borrow_mut();
        if p.as_ref().is_some_and(|(k, _)| *k == key) {
            p.take().map(|(_, d)| d)
        } else {
            None
        }
    })
}

/// What the form is open on: nothing, a new record, or the listed record
/// at this index.
#[derive(Clone, Copy, PartialEq)]
enum Editing {
    None,
    New,
    Listed(usize),
}

#[component]
pub fn ResourceScreen(resource: &'static Resource) -> impl IntoView {
    let c = ctx();
    let records = RwSignal::new_local(None::<Doc>);
    let editing = RwSignal::new(Editing::None);
    // Bumped to open a fresh form even when the same record is chosen again.
    let opened = RwSignal::new(0u32);
    load(resource.path.into(), records);
    let open = move |e: Editing| {
        editing.set(e);
        opened.update(|n| *n += 1);
    };
    let filled = take_prefill(resource.key);
    let start_filled = filled.is_some();
    let filled = StoredValue::new_local(filled);
    if start_filled {
        open(Editing::New);
        // The agent came from elsewhere (a chat's header): the keyboard
        // goes to the form's first field once it is drawn.
        if let Some(first) = resource.fields.first() {
            let field = format!("{}-{}", resource.key, first.key);
            request_animation_frame(move || {
                if let Some(el) = document().get_element_by_id(&field) {
                    let _ = wasm_bindgen::JsCast::unchecked_into::<web_sys::HtmlElement>(el).focus();
                }
            });
        }
    }
    let rows = move || {
        let lang = c.lang.get();
        records.get().map(|list| {
            let rows = list
                .items()
                .iter()
                .enumerate()
                .map(|(i, r)| Row {
                    cells: resource.columns.iter().map(|col| cell(r, col, lang)).collect(),
                    class: if !resource.muted.is_empty() && r.get(resource.muted).truthy() { "row-muted" } else { "" },
                    action: (!resource.fields.is_empty()).then(|| (A::Edit, Callback::new(move |()| open(Editing::Listed(i))))),
                })
                .collect();
            table(&resource.columns.iter().map(|col| col.label).collect::<Vec<_>>(), rows)
        })
    };
    let title_id = format!("{}-title", resource.key);
    let labelled_by = title_id.clone();
    let form = move || {
        opened.track();
        let record = match editing.get() {
            Editing::None => return None,
            // Filled in once, for the form it was handed to.
            Editing::New => {
                let record = filled.get_value();
                filled.set_value(None);
                record
            }
            Editing::Listed(i) => Some(records.get_untracked()?.items().get(i)?.clone()),
        };
        let on_saved = Callback::new(move |()| load(resource.path.into(), records));
        let on_close = Callback::new(move |()| editing.set(Editing::None));
        Some(resource_form(resource, record, on_saved, on_close))
    };
    view! {
        <section class="panel" aria-labelledby=labelled_by>
            <div class="panel-head">
                <h2 id=title_id class="section-title">{word(resource.title)}</h2>
                {resource.new.map(|label| view! {
                    <button type="button" id=format!("new-{}", resource.key) class="btn btn-primary" on:click=move |_| open(Editing::New)>{word(label)}</button>
                })}
            </div>
            {rows}
        </section>
        {form}
    }
}

fn resource_form(resource: &'static Resource, record: Option<Doc>, on_saved: Callback<()>, on_close: Callback<()>) -> AnyView {
    // A record handed over to be filled in has no id yet: it is new.
    let id = RwSignal::new(record.as_ref().map(|r| r.get("id").str()).filter(|s| !s.is_empty()));
    let body = record.as_ref().map(|r| r.get(resource.body_at));
    let values: Vec<Value> = resource.fields.iter().map(|f| read(f, body.as_ref())).collect();
    // The record's body as it came, so that what the form does not show
    // is sent back unchanged.
    let base = StoredValue::new_local(body.map(|b| b.copy()).unwrap_or_default());
    let lists: Lists = RwSignal::new_local(Vec::new());
    let mut sources: Vec<&'static str> = resource.fields.iter().filter_map(|f| f.source()).collect();
    sources.dedup();
    for source in sources {
        let list = RwSignal::new_local(None::<Doc>);
        load(source.into(), list);
        Effect::new(move |_| {
            if let Some(doc) = list.get() {
                lists.update(|ls| {
                    ls.retain(|(p, _)| *p != source);
                    ls.push((source, doc));
                });
            }
        });
    }
    let status = RwSignal::new(None::<Result<(), String>>);
    // What the server shows once: an invitation's link, a token's secret
    // (the words before it, the element's id, the value).
    let link = RwSignal::new(None::<(A, &'static str, String)>);
    let creating = id.get_untracked().is_none();
    let kept = values.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = base.with_value(Doc::copy);
        for (field, value) in resource.fields.iter().zip(kept.iter()) {
            if field.create_only && !creating {
                continue;
            }
            if let Err(e) = write(field, *value, &body) {
                return status.set(Some(Err(e)));
            }
        }
        let text = body.text();
        spawn_local(async move {
            let (method, path) = match id.get_untracked() {
                Some(id) => ("PUT", format!("{}/{id}", resource.path)),
                None => ("POST", resource.path.to_string()),
            };
            match api::call(method, &path, Some(text)).await {
                Ok(answer) => {
                    let saved = Doc::parse(&answer).unwrap_or_default();
                    // A new agent comes back as an invitation: the agent
                    // and, without a password, a one-time link; a new API
                    // token with its secret.
                    let record = ["agent", "token"].into_iter().map(|k| saved.get(k)).find(|r| !r.is_null()).unwrap_or_else(|| saved.clone());
                    id.set(Some(record.get("id").str()).filter(|s| !s.is_empty()));
                    let invitation = saved.get("link").str();
                    if !invitation.is_empty() {
                        let origin = window().location().origin().unwrap_or_default();
                        link.set(Some((A::InvitationLink, "invitation-link", format!("{origin}/console{invitation}"))));
                    }
                    let secret = saved.get("secret").str();
                    if !secret.is_empty() {
                        link.set(Some((A::TokenSecret, "token-secret", secret)));
                    }
                    status.set(Some(Ok(())));
                    on_saved.run(());
                }
                Err(e) => status.set(Some(Err(e))),
            }
        });
    };
    let delete = move |_| {
        let Some(record) = id.get_untracked() else { return };
        spawn_local(async move {
            match api::call("DELETE", &format!("{}/{record}", resource.path), None).await {
                Ok(_) => {
                    on_saved.run(());
                    on_close.run(());
                }
                Err(e) => status.set(Some(Err(e))),
            }
        });
    };
    let key = resource.key;
    let editing = id.get_untracked();
    let keyed: Vec<(&'static str, Value)> = resource.fields.iter().map(|f| f.key).zip(values.iter().copied()).collect();
    let preview = resource.preview.map(|p| p(&keyed));
    let fields = resource
        .fields
        .iter()
        .zip(values)
        .filter(|(f, _)| creating || !f.create_only)
        .map(|(f, v)| render(f, v, format!("{key}-{}", f.key), lists, editing.clone()))
        .collect_view();
    // Drawn again only when the record changes, not on every save (a
    // case's unsent comment would be lost).
    let saved_id = Memo::new(move |_| id.get());
    let below = move || Some((resource.below?)(saved_id.get()?.parse().ok()?));
    let title_id = format!("{key}-form-title");
    let labelled_by = title_id.clone();
    view! {
        <form class="panel form" aria-labelledby=labelled_by on:submit=save>
            <h2 id=title_id class="section-title">{word(if creating { resource.new.unwrap_or(A::Edit) } else { A::Edit })}</h2>
            {fields}
            {preview}
            {outcome(status)}
            {move || link.get().map(|(words, id, value)| view! { <p class="form-ok">{word(words)} " " <code id=id>{value}</code></p> })}
            <div class="form-actions">
                <button type="submit" id=format!("save-{key}") class="btn btn-primary">{word(A::Save)}</button>
                <button type="button" class="btn btn-ghost" on:click=move |_| on_close.run(())>{word(A::Close)}</button>
                {move || (resource.deletable && id.get().is_some()).then(|| view! {
                    <button type="button" class="btn btn-danger" on:click=delete>{word(A::Delete)}</button>
                })}
            </div>
        </form>
        {below}
    }
    .into_any()
}
