//! The console's sections as tabs: the inbox for everyone, the floor for
//! supervisors, administration for admins.

use leptos::prelude::*;
use protocol::agent::Role;

use super::{ctx, Section};
use crate::words::A;

#[component]
pub fn Nav() -> impl IntoView {
    let c = ctx();
    let role = Memo::new(move |_| c.role());
    let tab = move |section: Section, label: A| {
        view! {
            <button
                type="button"
                class="nav-tab"
                id=section.tab_id()
                aria-current=move || (c.section.get() == section).then_some("page")
                on:click=move |_| c.section.set(section)
            >
                {move || c.ta(label)}
            </button>
        }
    };
    view! {
        <nav class="nav" aria-label="Rapport">
            {tab(Section::Inbox, A::Inbox)}
            {tab(Section::LeftMessages, A::LeftMessages)}
            {tab(Section::History, A::PastConversations)}
            {tab(Section::Contacts, A::Contacts)}
            {tab(Section::Replies, A::SavedReplies)}
            {tab(Section::Cases, A::Cases)}
            {tab(Section::Knowledge, A::Knowledge)}
            <Show when=move || role.get().is_some_and(Role::supervises)>{tab(Section::Floor, A::Floor)}</Show>
            <Show when=move || role.get() == Some(Role::Admin)>{tab(Section::Admin, A::Admin)}</Show>
        </nav>
    }
}
