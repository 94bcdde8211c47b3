//! Agents: name, email, role, capacity, sites and skill levels; new ones
//! get a password or a one-time invitation link; disabling signs them out
//! everywhere.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::admin::{AgentAdmin, AgentConfig, Invitation, Site, Skill, SkillLevel};
use protocol::agent::Role;
use protocol::{AgentId, SiteId, SkillId};

use super::fetch;
use super::forms::{check_field, check_list, outcome, select_field, table, text_field, Label, Row};
use crate::api;
use crate::views::{ctx, word};
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
    let rows = move || {
        let lang = c.lang.get();
        agents.get().map(|list| {
            let rows = list
                .into_iter()
                .map(|a| {
                    let cells = vec![
                        a.name.clone(),
                        a.email.clone(),
                        crate::words::ta(lang, role_word(a.role)).into(),
                        a.capacity.to_string(),
                        a.skills.len().to_string(),
                    ];
                    let class = if a.disabled { "row-muted" } else { "" };
                    Row { cells, class, action: Some((A::Edit, Callback::new(move |()| editing.set(Some(Some(a.clone())))))) }
                })
                .collect();
            table(&[A::Name, A::Email, A::Role, A::Capacity, A::Skills], rows)
        })
    };
    view! {
        <section class="panel" aria-labelledby="agents-title">
            <div class="panel-head">
                <h2 id="agents-title" class="section-title">{word(A::Agents)}</h2>
                <button type="button" id="new-agent" class="btn btn-primary" on:click=move |_| editing.set(Some(None))>{word(A::NewAgent)}</button>
            </div>
            {rows}
        </section>
        {move || editing.get().map(|a| view! { <AgentForm agent=a on_saved=Callback::new(move |()| fetch("/api/v1/admin/agents", agents))/> })}
    }
}

#[component]
fn AgentForm(agent: Option<AgentAdmin>, on_saved: Callback<()>) -> impl IntoView {
    let c = ctx();
    let sites = RwSignal::new(None::<Vec<Site>>);
    let skills = RwSignal::new(None::<Vec<Skill>>);
    fetch("/api/v1/admin/sites", sites);
    fetch("/api/v1/admin/skills", skills);
    let id: Option<AgentId> = agent.as_ref().map(|a| a.id);
    let name = RwSignal::new(agent.as_ref().map(|a| a.name.clone()).unwrap_or_default());
    let email = RwSignal::new(agent.as_ref().map(|a| a.email.clone()).unwrap_or_default());
    let role = RwSignal::new(agent.as_ref().map_or(Role::Agent, |a| a.role).as_str().to_string());
    let capacity = RwSignal::new(agent.as_ref().map_or("3".to_string(), |a| a.capacity.to_string()));
    let chosen_sites = RwSignal::new(agent.as_ref().map(|a| a.sites.iter().map(|s| s.get()).collect::<Vec<i64>>()).unwrap_or_default());
    // One signal per skill, holding its level ("0": none).
    let start_levels: Vec<SkillLevel> = agent.as_ref().map(|a| a.skills.clone()).unwrap_or_default();
    let levels = RwSignal::new(Vec::<(SkillId, RwSignal<String>)>::new());
    let password = RwSignal::new(String::new());
    let disabled = RwSignal::new(agent.as_ref().is_some_and(|a| a.disabled));
    let status = RwSignal::new(None::<Result<(), String>>);
    let link = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(ks) = skills.get() {
            let start = start_levels.clone();
            levels.set(
                ks.into_iter()
                    .map(|k| {
                        let level = start.iter().find(|s| s.skill_id == k.id).map_or(0, |s| s.level);
                        (k.id, RwSignal::new(level.to_string()))
                    })
                    .collect(),
            );
        }
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(capacity) = capacity.get_untracked().trim().parse() else { return status.set(Some(Err("capacity is a whole number".into()))) };
        let skills = levels
            .get_untracked()
            .into_iter()
            .filter_map(|(skill, level)| level.get_untracked().parse::<u8>().ok().filter(|l| *l > 0).map(|level| SkillLevel { skill_id: skill, level }))
            .collect();
        let config = AgentConfig {
            name: name.get_untracked(),
            email: email.get_untracked(),
            role: Role::parse(&role.get_untracked()).unwrap_or(Role::Agent),
            capacity,
            sites: chosen_sites.get_untracked().into_iter().map(SiteId).collect(),
            skills,
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
                    on_saved.run(());
                }
                Err(e) => status.set(Some(Err(e))),
            }
        });
    };
    let level_options: Vec<(String, String)> = (0..=5u8).map(|l| (l.to_string(), if l == 0 { "—".to_string() } else { l.to_string() })).collect();
    view! {
        <form class="panel form" aria-labelledby="agent-form-title" on:submit=save>
            <h2 id="agent-form-title" class="section-title">{word(if id.is_some() { A::Edit } else { A::NewAgent })}</h2>
            {text_field("agent-name", A::Name, name)}
            {text_field("agent-email", A::Email, email)}
            {move || select_field("agent-role".into(), Label::Word(A::Role), Role::ALL.iter().map(|r| (r.as_str().to_string(), c.ta(role_word(*r)).to_string())).collect(), role)}
            {text_field("agent-capacity", A::Capacity, capacity)}
            {move || sites.get().map(|ss| check_list("agent-site", A::Sites, ss.into_iter().map(|s| (s.id.get(), s.config.name)).collect(), chosen_sites))}
            <fieldset class="field">
                <legend>{word(A::Skills)}</legend>
                {move || {
                    let names = skills.get().unwrap_or_default();
                    levels.get().into_iter().map(|(skill, level)| {
                        let label = names.iter().find(|k| k.id == skill).map(|k| k.name.clone()).unwrap_or_default();
                        select_field(format!("agent-skill-{skill}"), Label::Text(label), level_options.clone(), level)
                    }).collect_view()
                }}
            </fieldset>
            <label class="field" for="agent-password">
                <span>{word(A::Password)}</span>
                <input id="agent-password" class="input" type="password" autocomplete="new-password" on:input=move |ev| password.set(event_target_value(&ev))/>
            </label>
            {check_field("agent-disabled", A::Disabled, disabled)}
            {outcome(status)}
            {move || link.get().map(|l| view! { <p class="form-ok">{word(A::InvitationLink)} " " <code id="invitation-link">{l}</code></p> })}
            <button type="submit" id="save-agent" class="btn btn-primary">{word(A::Save)}</button>
        </form>
    }
}
