//! Administration: queues, agents, skills and teams, sites and their entry
//! rules, and the audit log. Every change goes through the REST API,
//! which checks the role again and records who changed what.

mod agents;
pub mod forms;
mod queues;
mod setup;

use super::word;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::de::DeserializeOwned;

use super::ctx;
use crate::api;
use crate::words::A;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tab {
    Queues,
    Agents,
    Skills,
    Sites,
    Audit,
}

#[component]
pub fn AdminScreen() -> impl IntoView {
    let c = ctx();
    let tab = RwSignal::new(Tab::Queues);
    let button = move |t: Tab, label: A| {
        view! {
            <button type="button" class="subtab" id=format!("admin-{t:?}").to_lowercase() aria-current=move || (tab.get() == t).then_some("page") on:click=move |_| tab.set(t)>
                {move || c.ta(label)}
            </button>
        }
    };
    view! {
        <div class="admin">
            <nav class="subtabs" aria-label=word(A::Admin)>
                {button(Tab::Queues, A::Queues)}
                {button(Tab::Agents, A::Agents)}
                {button(Tab::Skills, A::Skills)}
                {button(Tab::Sites, A::Sites)}
                {button(Tab::Audit, A::AuditLog)}
            </nav>
            {move || match tab.get() {
                Tab::Queues => view! { <queues::Queues/> }.into_any(),
                Tab::Agents => view! { <agents::Agents/> }.into_any(),
                Tab::Skills => view! { <setup::SkillsAndTeams/> }.into_any(),
                Tab::Sites => view! { <setup::Sites/> }.into_any(),
                Tab::Audit => view! { <setup::Audit/> }.into_any(),
            }}
        </div>
    }
}

/// Loads `path` into `into` (again on each call). The fetch itself is not
/// generic (see `api::call`); only the decoding is.
fn fetch<T: DeserializeOwned + Send + Sync + 'static>(path: &'static str, into: RwSignal<Option<T>>) {
    let decode = Callback::new(move |text: String| {
        if let Ok(value) = serde_json::from_str::<T>(&text) {
            into.set(Some(value));
        }
    });
    load(path, decode);
}

fn load(path: &'static str, decode: Callback<String>) {
    spawn_local(async move {
        if let Ok(text) = api::call("GET", path, None).await {
            decode.run(text);
        }
    });
}
