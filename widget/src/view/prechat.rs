//! The pre-chat form, with only the fields the site asks for. Errors are
//! tied to their fields for screen readers. The question, when asked, is
//! the chat's first message; while it is typed, the knowledge base may
//! suggest articles that answer it before anyone is queued.

use leptos::prelude::*;
use protocol::visitor::PreChatField;
use protocol::{looks_like_email, MessageText, PreChat};

use crate::i18n::{t, Key, Lang};
use crate::live::{self, Signals};

/// The topics offered; the English label is what the agent sees, so the
/// team reads one vocabulary whatever the visitor's language.
const TOPICS: [(Key, &str); 4] =
    [(Key::TopicOrders, "Orders and delivery"), (Key::TopicProducts, "Products"), (Key::TopicBilling, "Billing"), (Key::TopicOther, "Something else")];

pub fn form(s: Signals) -> impl IntoView {
    let lang = s.lang;
    let fields = s.state.with_untracked(|c| c.settings.prechat_fields.clone());
    // The fields are the identity `Rapport.identify` gives (often after
    // this form was drawn, the call having waited for the widget to load),
    // edited by the visitor: one signal, so either fills the form.
    let identity = s.identity;
    let topic = RwSignal::new(String::new());
    let question = RwSignal::new(String::new());
    let errors = RwSignal::new((None::<&'static str>, None::<&'static str>));
    let connected = move || s.state.with(|c| c.connected);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (n, e) = identity.with_untracked(|(n, e)| (n.trim().to_string(), e.trim().to_string()));
        let name_error = (fields.contains(&PreChatField::Name) && n.is_empty()).then(|| t(lang, Key::Required));
        let email_error = (fields.contains(&PreChatField::Email) && !looks_like_email(&e)).then(|| t(lang, Key::InvalidEmail));
        errors.set((name_error, email_error));
        // An empty or overlong question is simply not sent; the composer
        // is there for what comes next.
        if name_error.is_none() && email_error.is_none() && live::start_chat(PreChat { name: n, email: e, topic: topic.get_untracked() }) {
            if let Ok(text) = MessageText::parse(protocol::without_controls(question.get_untracked().trim())) {
                live::compose(text);
            }
        }
    };

    let has = move |f: PreChatField| s.state.with_untracked(|c| c.settings.prechat_fields.contains(&f));
    view! {
        <form class="rp-prechat" on:submit=submit novalidate=true>
            {has(PreChatField::Name).then(|| view! {
                <label class="rp-field">
                    <span>{t(lang, Key::Name)}</span>
                    <input name="name" type="text" autocomplete="name" required=true maxlength=PreChat::MAX_NAME_CHARS
                        aria-invalid=move || errors.with(|e| e.0.is_some()).to_string()
                        aria-describedby="rp-name-error"
                        prop:value=move || identity.with(|i| i.0.clone())
                        on:input=move |ev| identity.update(|i| i.0 = event_target_value(&ev)) />
                    <span id="rp-name-error" class="rp-error">{move || errors.with(|e| e.0)}</span>
                </label>
            })}
            {has(PreChatField::Email).then(|| view! {
                <label class="rp-field">
                    <span>{t(lang, Key::Email)}</span>
                    <input name="email" type="email" autocomplete="email" required=true maxlength=PreChat::MAX_EMAIL_CHARS
                        aria-invalid=move || errors.with(|e| e.1.is_some()).to_string()
                        aria-describedby="rp-email-error"
                        prop:value=move || identity.with(|i| i.1.clone())
                        on:input=move |ev| identity.update(|i| i.1 = event_target_value(&ev)) />
                    <span id="rp-email-error" class="rp-error">{move || errors.with(|e| e.1)}</span>
                </label>
            })}
            {has(PreChatField::Topic).then(|| topic_select(lang, topic))}
            {has(PreChatField::Question).then(|| view! {
                <label class="rp-field">
                    <span>{t(lang, Key::Question)}</span>
                    <textarea name="question" rows="2" maxlength=protocol::MAX_MESSAGE_CHARS
                        on:input=move |ev| {
                            let text = event_target_value(&ev);
                            live::question_typed(&text);
                            question.set(text);
                        }></textarea>
                </label>
            })}
            <button class="rp-start" type="submit" disabled=move || !connected()>{t(lang, Key::StartChat)}</button>
        </form>
    }
}

fn topic_select(lang: Lang, topic: RwSignal<String>) -> impl IntoView {
    view! {
        <label class="rp-field">
            <span>{t(lang, Key::Topic)}</span>
            <select name="topic" on:change=move |ev| topic.set(event_target_value(&ev))>
                <option value="">{t(lang, Key::TopicChoose)}</option>
                {TOPICS.iter().map(|(key, value)| view! { <option value=*value>{t(lang, *key)}</option> }).collect_view()}
            </select>
        </label>
    }
}
