//! Agents: name, email, role, capacity, sites and skill levels; new ones
//! get a password or a one-time invitation link; disabling signs them out
//! everywhere.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::admin::{AgentAdmin, AgentConfig, Invitation, Site, Skill, SkillLevel};
use protocol::agent::Role;
use protocol::{AgentId, SiteId};

use super::fetch;
use super::forms::{check_field, outcome, text_field};
use crate::api;
use crate::views::app::select_element;
use crate::views::ctx;
use crate::words::A;

fn role_word(r: Role) -> A {
    match r {
        Role::Agent => A::RoleAgent,
        Role::Supervisor => A::RoleSupervisor,
        Role::Admin => A::RoleAdmin,
    }
}

#[component]
pub fn Agents() -> impl IntoView {
    let c = ctx();
    let agents = RwSignal::new(None::<Vec<AgentAdmin>>);
    let editing = RwSignal::new(None::<Option<AgentAdmin>>);
    fetch("/api/v1/admin/agents", agents);
    let row = move |a: AgentAdmin| {
        let role = a.role;
        let edit = a.clone();
        view! {
            <tr class=if a.disabled { "row-muted" } else { "" }>
                <th scope="row">{a.name.clone()}</th>
                <td>{a.email.clone()}</td>
                <td>{move || c.ta(role_word(role))}</td>
                <td class="num">{a.capacity}</td>
                <td class="num">{a.skills.len()}</td>
                <td><button type="button" class="btn btn-ghost" on:click=move |_| editing.set(Some(Some(edit.clone())))>{move || c.ta(A::Edit)}</button></td>
            </tr>
        }
    };
    view! {
        <section class="panel" aria-labelledby="agents-title">
            <div class="panel-head">
                <h2 id="agents-title" class="section-title">{move || c.ta(A::Agents)}</h2>
                <button type="button" id="new-agent" class="btn btn-primary" on:click=move |_| editing.set(Some(None))>{move || c.ta(A::NewAgent)}</button>
            </div>
            <table class="table">
                <thead><tr>
                    <th scope="col">{move || c.ta(A::Name)}</th><th scope="col">{move || c.ta(A::Email)}</th><th scope="col">{move || c.ta(A::Role)}</th>
                    <th scope="col">{move || c.ta(A::Capacity)}</th><th scope="col">{move || c.ta(A::Skills)}</th><th scope="col"></th>
                </tr></thead>
                <tbody>{move || agents.get().map(|list| list.into_iter().map(row).collect_view())}</tbody>
            </table>
        </section>
        {move || editing.get().map(|a| view! { <AgentForm agent=a on_saved=move || fetch("/api/v1/admin/agents", agents)/> })}
    }
}

#[component]
fn AgentForm(agent: Option<AgentAdmin>, on_saved: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let c = ctx();
    let sites = RwSignal::new(None::<Vec<Site>>);
    let skills = RwSignal::new(None::<Vec<Skill>>);
    fetch("/api/v1/admin/sites", sites);
    fetch("/api/v1/admin/skills", skills);
    let id: Option<AgentId> = agent.as_ref().map(|a| a.id);
    let name = RwSignal::new(agent.as_ref().map(|a| a.name.clone()).unwrap_or_default());
    let email = RwSignal::new(agent.as_ref().map(|a| a.email.clone()).unwrap_or_default());
    let role = RwSignal::new(agent.as_ref().map_or(Role::Agent, |a| a.role));
    let capacity = RwSignal::new(agent.as_ref().map_or("3".to_string(), |a| a.capacity.to_string()));
    let chosen_sites = RwSignal::new(agent.as_ref().map(|a| a.sites.clone()).unwrap_or_default());
    let levels = RwSignal::new(agent.as_ref().map(|a| a.skills.clone()).unwrap_or_default());
    let password = RwSignal::new(String::new());
    let disabled = RwSignal::new(agent.as_ref().is_some_and(|a| a.disabled));
    let status = RwSignal::new(None::<Result<(), String>>);
    let link = RwSignal::new(None::<String>);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(capacity) = capacity.get_untracked().trim().parse() else { return status.set(Some(Err("capacity is a whole number".into()))) };
        let config = AgentConfig {
            name: name.get_untracked(),
            email: email.get_untracked(),
            role: role.get_untracked(),
            capacity,
            sites: chosen_sites.get_untracked(),
            skills: levels.get_untracked(),
            password: password.get_untracked(),
            disabled: disabled.get_untracked(),
        };
        spawn_local(async move {
            let result = match id {
                Some(id) => api::send_json::<_, AgentAdmin>("PUT", &format!("/api/v1/admin/agents/{id}"), Some(&config)).await.map(|_| None),
                None => api::send_json::<_, Invitation>("POST", "/api/v1/admin/agents", Some(&config)).await.map(|i| i.link),
            };
            match result {
                Ok(invitation) => {
                    let origin = window().location().origin().unwrap_or_default();
                    link.set(invitation.map(|l| format!("{origin}/console{l}")));
                    status.set(Some(Ok(())));
                    on_saved();
                }
                Err(e) => status.set(Some(Err(e))),
            }
        });
    };
    let level_of = move |skill: protocol::SkillId| levels.with(|l| l.iter().find(|s| s.skill_id == skill).map(|s| s.level).unwrap_or(0));
    let set_level = move |skill: protocol::SkillId, level: u8| {
        levels.update(|l| {
            l.retain(|s| s.skill_id != skill);
            if level > 0 {
                l.push(SkillLevel { skill_id: skill, level });
            }
        })
    };
    view! {
        <form class="panel form" aria-labelledby="agent-form-title" on:submit=save>
            <h2 id="agent-form-title" class="section-title">{move || if id.is_some() { c.ta(A::Edit) } else { c.ta(A::NewAgent) }}</h2>
            {text_field("agent-name", A::Name, name)}
            {text_field("agent-email", A::Email, email)}
            <label class="field" for="agent-role">
                <span>{move || c.ta(A::Role)}</span>
                <select id="agent-role" class="select" on:change=move |ev| { if let Some(r) = select_element(&ev).and_then(|s| Role::parse(&s.value())) { role.set(r) } }>
                    {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str() prop:selected=move || role.get() == r>{move || c.ta(role_word(r))}</option> }).collect_view()}
                </select>
            </label>
            {text_field("agent-capacity", A::Capacity, capacity)}
            <fieldset class="field">
                <legend>{move || c.ta(A::Sites)}</legend>
                {move || sites.get().map(|ss| ss.into_iter().map(|s| {
                    let sid: SiteId = s.id;
                    let box_id = format!("agent-site-{sid}");
                    view! {
                        <label class="check">
                            <input id=box_id type="checkbox" prop:checked=move || chosen_sites.with(|c| c.contains(&sid))
                                on:change=move |ev| chosen_sites.update(|c| { c.retain(|x| *x != sid); if event_target_checked(&ev) { c.push(sid) } })/>
                            <span>{s.config.name.clone()}</span>
                        </label>
                    }
                }).collect_view())}
            </fieldset>
            <fieldset class="field">
                <legend>{move || c.ta(A::Skills)}</legend>
                {move || skills.get().map(|ks| ks.into_iter().map(|k| {
                    let sid = k.id;
                    let select_id = format!("agent-skill-{sid}");
                    view! {
                        <label class="day">
                            <span>{k.name.clone()}</span>
                            <select id=select_id class="select" on:change=move |ev| set_level(sid, select_element(&ev).and_then(|s| s.value().parse().ok()).unwrap_or(0))>
                                {(0..=5u8).map(|l| view! { <option value=l.to_string() prop:selected=move || level_of(sid) == l>{if l == 0 { "—".to_string() } else { l.to_string() }}</option> }).collect_view()}
                            </select>
                        </label>
                    }
                }).collect_view())}
            </fieldset>
            <label class="field" for="agent-password">
                <span>{move || c.ta(A::Password)}</span>
                <input id="agent-password" class="input" type="password" autocomplete="new-password" on:input=move |ev| password.set(event_target_value(&ev))/>
            </label>
            {check_field("agent-disabled", A::Disabled, disabled)}
            {outcome(status)}
            {move || link.get().map(|l| view! { <p class="form-ok">{move || c.ta(A::InvitationLink)} " " <code id="invitation-link">{l.clone()}</code></p> })}
            <button type="submit" id="save-agent" class="btn btn-primary">{move || c.ta(A::Save)}</button>
        </form>
    }
}
