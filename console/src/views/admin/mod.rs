//! Administration: queues, agents, skills and teams, sites with their
//! widget settings and entry rules, and the audit log. Every kind of record
//! is described as data (`resources`) and managed by one screen
//! (`screen`); every change goes through the REST API, which checks the
//! role again and records who changed what.

mod appearance;
pub mod doc;
mod fields;
pub mod forms;
pub mod resources;
mod rules;
pub mod screen;

use leptos::prelude::*;

use super::{ctx, word};
use crate::words::A;
use resources::{Resource, AGENTS, AUDIT, DELIVERIES, DEPARTMENTS, QUEUES, SITES, SKILLS, TEAMS, TOKENS};
use screen::ResourceScreen;

/// The tabs: (id, label, the resources shown together).
const TABS: [(&str, A, &[&Resource]); 6] = [
    ("admin-queues", A::Queues, &[&QUEUES]),
    ("admin-agents", A::Agents, &[&AGENTS]),
    ("admin-skills", A::Skills, &[&SKILLS, &TEAMS, &DEPARTMENTS]),
    ("admin-sites", A::Sites, &[&SITES]),
    ("admin-audit", A::AuditLog, &[&AUDIT, &DELIVERIES]),
    ("admin-api", A::ApiTokens, &[&TOKENS]),
];

#[component]
pub fn AdminScreen() -> impl IntoView {
    let c = ctx();
    let tab = RwSignal::new(0usize);
    view! {
        <div class="admin">
            <nav class="subtabs" aria-label=word(A::Admin)>
                {TABS.iter().enumerate().map(|(i, (id, label, _))| view! {
                    <button type="button" class="subtab" id=*id aria-current=move || (tab.get() == i).then_some("page") on:click=move |_| tab.set(i)>
                        {move || c.ta(*label)}
                    </button>
                }).collect_view()}
            </nav>
            {move || TABS[tab.get()].2.iter().map(|r| view! { <ResourceScreen resource=*r/> }).collect_view()}
        </div>
    }
}
