//! The sign-in form.

use super::say;
use leptos::html;
use leptos::prelude::*;

use super::ctx;
use super::header::LangSelect;
use crate::api::{self, ApiError};
use crate::i18n::Key;

#[component]
pub fn Login() -> impl IntoView {
    let c = ctx();
    let email = NodeRef::<html::Input>::new();
    let password = NodeRef::<html::Input>::new();
    let error = RwSignal::new(None::<Key>);
    let busy = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        // Read the fields themselves rather than mirrored signals: password
        // managers fill them without always firing input events.
        let (Some(email), Some(password)) = (email.get_untracked(), password.get_untracked()) else { return };
        let (address, secret) = (email.value().trim().to_string(), password.value());
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let result = api::login(address, secret).await;
            // Settle the form first: a successful login unmounts it.
            busy.set(false);
            match result {
                Ok(agent) => c.live.signed_in(agent),
                Err(ApiError::Unauthorized) => {
                    error.set(Some(Key::WrongCredentials));
                    password.set_value("");
                    let _ = password.focus();
                }
                Err(ApiError::TooManyAttempts) => error.set(Some(Key::TooManyAttempts)),
                Err(ApiError::Network) => error.set(Some(Key::NetworkError)),
            }
        });
    };

    view! {
        <main class="login-page">
            <div class="login-card">
                <div class="login-top">
                    <span class="brand">{say(Key::AppName)}</span>
                    <LangSelect/>
                </div>
                <h1>{say(Key::SignInTitle)}</h1>
                <p class="muted">{say(Key::SignInLead)}</p>
                <form id="login" on:submit=submit>
                    <label for="login-email">{say(Key::Email)}</label>
                    <input id="login-email" name="email" type="email" autocomplete="username" required node_ref=email/>
                    <label for="login-password">{say(Key::Password)}</label>
                    <input
                        id="login-password"
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        required
                        node_ref=password
                    />
                    {move || error.get().map(|key| view! { <p class="login-error" role="alert">{move || c.t(key)}</p> })}
                    <button type="submit" class="btn btn-primary" disabled=move || busy.get()>
                        {move || c.t(if busy.get() { Key::SigningIn } else { Key::SignIn })}
                    </button>
                </form>
            </div>
        </main>
    }
}
