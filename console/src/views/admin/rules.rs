//! A site's entry rules, first match first: each names a queue and the
//! conditions a conversation must meet (page URL pattern, pre-chat topic,
//! language, the contact's tier and country; an empty one matches
//! anything). They are saved together, in their order.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::doc::{array, number, string, Doc};
use super::forms::{outcome, select_field, text_field, Label};
use super::screen::load;
use crate::api;
use crate::views::word;
use crate::words::A;

/// The conditions of a rule: (id suffix, JSON field, label).
const CONDITIONS: [(&str, &str, A); 5] = [
    ("url", "url_pattern", A::Url),
    ("topic", "topic", A::Topic),
    ("language", "language", A::Language),
    ("tier", "tier", A::Tier),
    ("country", "country", A::Country),
];

/// One rule as the form edits it: the queue's id, then the conditions.
#[derive(Clone, Copy)]
struct RuleFields {
    queue: RwSignal<String>,
    conditions: [RwSignal<String>; 5],
}

impl RuleFields {
    fn new(rule: Option<&Doc>, queue: String) -> RuleFields {
        let text = |path: &str| RwSignal::new(rule.map(|r| r.get(path).str()).unwrap_or_default());
        RuleFields { queue: RwSignal::new(rule.map_or(queue, |r| r.get("queue_id").str())), conditions: CONDITIONS.map(|(_, path, _)| text(path)) }
    }

    fn json(&self) -> Option<wasm_bindgen::JsValue> {
        let rule = Doc::object();
        rule.set("queue_id", number(self.queue.get_untracked().parse().ok()?));
        for ((_, path, _), value) in CONDITIONS.iter().zip(self.conditions) {
            rule.set(path, string(&value.get_untracked()));
        }
        Some(rule.value())
    }
}

#[component]
pub fn EntryRules(site: i64) -> impl IntoView {
    let path = format!("/api/v1/admin/sites/{site}/entry-rules");
    let rules = RwSignal::new(Vec::<RuleFields>::new());
    let stored = RwSignal::new_local(None::<Doc>);
    let queues = RwSignal::new_local(None::<Doc>);
    load(path.clone(), stored);
    load("/api/v1/admin/queues".into(), queues);
    Effect::new(move |_| {
        if let Some(list) = stored.get() {
            rules.set(list.items().iter().map(|r| RuleFields::new(Some(r), String::new())).collect());
        }
    });
    let status = RwSignal::new(None::<Result<(), String>>);
    // The site's queues, as (id, name).
    let options = move || {
        queues.with(|qs| {
            let site = site.to_string();
            qs.as_ref()
                .map(|qs| {
                    qs.items()
                        .iter()
                        .filter(|q| q.get("config.site_id").str() == site)
                        .map(|q| (q.get("id").str(), q.get("config.name").str()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    let add = move |_| {
        if let Some((first, _)) = options().into_iter().next() {
            rules.update(|r| r.push(RuleFields::new(None, first)));
        }
    };
    let save = move |_| {
        let body = Doc::of(array(rules.get_untracked().iter().filter_map(RuleFields::json))).text();
        let path = path.clone();
        spawn_local(async move {
            let result = api::call("PUT", &path, Some(body)).await;
            status.set(Some(result.map(|_| ())));
        });
    };
    view! {
        <section class="panel" aria-labelledby="rules-title">
            <div class="panel-head">
                <h2 id="rules-title" class="section-title">{word(A::EntryRules)}</h2>
                <button type="button" id="add-rule" class="btn btn-ghost" on:click=add>{word(A::AddRule)}</button>
            </div>
            {move || rules.get().into_iter().enumerate().map(|(i, f)| view! {
                <fieldset class="rule">
                    <legend>{format!("#{}", i + 1)}</legend>
                    {select_field(format!("rule-{i}-queue"), Label::Word(A::Queue), options(), f.queue)}
                    {CONDITIONS.iter().zip(f.conditions).map(|((id, _, label), value)| text_field(format!("rule-{i}-{id}"), *label, value)).collect_view()}
                    <button type="button" class="btn btn-ghost" on:click=move |_| rules.update(|r| { if i < r.len() { r.remove(i); } })>{word(A::Remove)}</button>
                </fieldset>
            }).collect_view()}
            {outcome(status)}
            <button type="button" id="save-rules" class="btn btn-primary" on:click=save>{word(A::Save)}</button>
        </section>
    }
}
