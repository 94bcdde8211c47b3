//! Skills and teams, sites and their entry rules, and the audit log.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::admin::{AgentAdmin, AuditEntry, EntryRule, Queue, Site, SiteConfig, Skill, SkillConfig, Team, TeamConfig};
use protocol::{QueueId, SiteId};

use super::fetch;
use super::forms::{list, outcome, text_field};
use crate::api;
use crate::views::app::select_element;
use crate::views::ctx;
use crate::words::A;

#[component]
pub fn SkillsAndTeams() -> impl IntoView {
    let c = ctx();
    let skills = RwSignal::new(None::<Vec<Skill>>);
    let teams = RwSignal::new(None::<Vec<Team>>);
    let agents = RwSignal::new(None::<Vec<AgentAdmin>>);
    fetch("/api/v1/admin/skills", skills);
    fetch("/api/v1/admin/teams", teams);
    fetch("/api/v1/admin/agents", agents);
    let skill_name = RwSignal::new(String::new());
    let team_name = RwSignal::new(String::new());
    let members = RwSignal::new(Vec::<protocol::AgentId>::new());
    let status = RwSignal::new(None::<Result<(), String>>);
    let add_skill = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = SkillConfig { name: skill_name.get_untracked() };
        spawn_local(async move {
            let result = api::send_json::<_, Skill>("POST", "/api/v1/admin/skills", Some(&body)).await;
            status.set(Some(result.map(|_| ())));
            skill_name.set(String::new());
            fetch("/api/v1/admin/skills", skills);
        });
    };
    let add_team = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = TeamConfig { name: team_name.get_untracked(), members: members.get_untracked() };
        spawn_local(async move {
            let result = api::send_json::<_, Team>("POST", "/api/v1/admin/teams", Some(&body)).await;
            status.set(Some(result.map(|_| ())));
            team_name.set(String::new());
            fetch("/api/v1/admin/teams", teams);
        });
    };
    view! {
        <section class="panel" aria-labelledby="skills-title">
            <h2 id="skills-title" class="section-title">{move || c.ta(A::Skills)}</h2>
            <ul class="chips">{move || skills.get().map(|ks| ks.into_iter().map(|k| view! { <li class="chip">{k.name}</li> }).collect_view())}</ul>
            <form class="inline-form" on:submit=add_skill>
                {text_field("new-skill-name", A::NewSkill, skill_name)}
                <button type="submit" id="add-skill" class="btn btn-primary">{move || c.ta(A::Save)}</button>
            </form>
        </section>
        <section class="panel" aria-labelledby="teams-title">
            <h2 id="teams-title" class="section-title">{move || c.ta(A::Teams)}</h2>
            <ul class="chips">{move || teams.get().map(|ts| ts.into_iter().map(|t| view! { <li class="chip">{format!("{} ({})", t.name, t.members.len())}</li> }).collect_view())}</ul>
            <form class="form" on:submit=add_team>
                {text_field("new-team-name", A::NewTeam, team_name)}
                <fieldset class="field">
                    <legend>{move || c.ta(A::Members)}</legend>
                    {move || agents.get().map(|list| list.into_iter().map(|a| {
                        let aid = a.id;
                        let box_id = format!("team-member-{aid}");
                        view! {
                            <label class="check">
                                <input id=box_id type="checkbox" on:change=move |ev| members.update(|m| { m.retain(|x| *x != aid); if event_target_checked(&ev) { m.push(aid) } })/>
                                <span>{a.name.clone()}</span>
                            </label>
                        }
                    }).collect_view())}
                </fieldset>
                <button type="submit" id="add-team" class="btn btn-primary">{move || c.ta(A::Save)}</button>
            </form>
            {outcome(status)}
        </section>
    }
}

#[component]
pub fn Sites() -> impl IntoView {
    let c = ctx();
    let sites = RwSignal::new(None::<Vec<Site>>);
    fetch("/api/v1/admin/sites", sites);
    let chosen = RwSignal::new(None::<SiteId>);
    view! {
        <section class="panel" aria-labelledby="sites-title">
            <h2 id="sites-title" class="section-title">{move || c.ta(A::Sites)}</h2>
            <table class="table">
                <thead><tr><th scope="col">{move || c.ta(A::Name)}</th><th scope="col">{move || c.ta(A::SiteKey)}</th><th scope="col"></th></tr></thead>
                <tbody>
                    {move || sites.get().map(|ss| ss.into_iter().map(|s| {
                        let id = s.id;
                        view! {
                            <tr>
                                <th scope="row">{s.config.name.clone()}</th>
                                <td><code>{s.key.clone()}</code></td>
                                <td><button type="button" class="btn btn-ghost" on:click=move |_| chosen.set(Some(id))>{move || c.ta(A::Edit)}</button></td>
                            </tr>
                        }
                    }).collect_view())}
                </tbody>
            </table>
        </section>
        {move || chosen.get().and_then(|id| sites.get().and_then(|ss| ss.into_iter().find(|s| s.id == id))).map(|site| view! {
            <SiteForm site=site.clone() on_saved=move || fetch("/api/v1/admin/sites", sites)/>
            <EntryRules site=site.id/>
        })}
    }
}

#[component]
fn SiteForm(site: Site, on_saved: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let c = ctx();
    let id = site.id;
    let name = RwSignal::new(site.config.name.clone());
    let origins = RwSignal::new(site.config.allowed_origins.join("\n"));
    let settings = site.config.settings.clone();
    let status = RwSignal::new(None::<Result<(), String>>);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = SiteConfig { name: name.get_untracked(), allowed_origins: list(&origins.get_untracked()), settings: settings.clone() };
        spawn_local(async move {
            let result = api::send_json::<_, Site>("PUT", &format!("/api/v1/admin/sites/{id}"), Some(&body)).await;
            if result.is_ok() {
                on_saved();
            }
            status.set(Some(result.map(|_| ())));
        });
    };
    view! {
        <form class="panel form" aria-labelledby="site-form-title" on:submit=save>
            <h2 id="site-form-title" class="section-title">{site.config.name.clone()}</h2>
            {text_field("site-name", A::Name, name)}
            <label class="field" for="site-origins">
                <span>{move || c.ta(A::Origins)}</span>
                <textarea id="site-origins" class="textarea" rows="3" prop:value=move || origins.get() on:input=move |ev| origins.set(event_target_value(&ev))></textarea>
            </label>
            {outcome(status)}
            <button type="submit" class="btn btn-primary">{move || c.ta(A::Save)}</button>
        </form>
    }
}

/// The site's entry rules, first match first: each row a queue and the
/// conditions (empty ones match anything).
#[component]
fn EntryRules(site: SiteId) -> impl IntoView {
    let c = ctx();
    let rules = RwSignal::new(Vec::<EntryRule>::new());
    let queues = RwSignal::new(None::<Vec<Queue>>);
    fetch("/api/v1/admin/queues", queues);
    let status = RwSignal::new(None::<Result<(), String>>);
    spawn_local(async move {
        if let Ok(list) = api::send_json::<(), Vec<EntryRule>>("GET", &format!("/api/v1/admin/sites/{site}/entry-rules"), None).await {
            rules.set(list);
        }
    });
    let site_queues = move || queues.get().map(|qs| qs.into_iter().filter(|q| q.config.site_id == site).collect::<Vec<_>>()).unwrap_or_default();
    let add = move |_| {
        if let Some(first) = site_queues().first() {
            let queue_id = first.id;
            rules.update(|r| r.push(EntryRule { queue_id, url_pattern: String::new(), topic: String::new(), language: String::new(), tier: String::new(), country: String::new() }));
        }
    };
    let save = move |_| {
        let body = rules.get_untracked();
        spawn_local(async move {
            let result = api::send_json::<_, Vec<EntryRule>>("PUT", &format!("/api/v1/admin/sites/{site}/entry-rules"), Some(&body)).await;
            status.set(Some(result.map(|_| ())));
        });
    };
    let field = move |i: usize, label: A, get: fn(&EntryRule) -> String, set: fn(&mut EntryRule, String)| {
        let input_id = format!("rule-{i}-{label:?}").to_lowercase();
        view! {
            <label class="field">
                <span>{move || c.ta(label)}</span>
                <input id=input_id class="input" prop:value=move || rules.with(|r| r.get(i).map(get).unwrap_or_default())
                    on:input=move |ev| rules.update(|r| { if let Some(rule) = r.get_mut(i) { set(rule, event_target_value(&ev)) } })/>
            </label>
        }
    };
    view! {
        <section class="panel" aria-labelledby="rules-title">
            <div class="panel-head">
                <h2 id="rules-title" class="section-title">{move || c.ta(A::EntryRules)}</h2>
                <button type="button" id="add-rule" class="btn btn-ghost" on:click=add>{move || c.ta(A::AddRule)}</button>
            </div>
            {move || (0..rules.with(Vec::len)).map(|i| {
                let queue_id = format!("rule-{i}-queue");
                view! {
                    <fieldset class="rule">
                        <legend>{format!("#{}", i + 1)}</legend>
                        <label class="field">
                            <span>{move || c.ta(A::Queue)}</span>
                            <select id=queue_id class="select" on:change=move |ev| {
                                if let Some(q) = select_element(&ev).and_then(|s| s.value().parse().ok()) {
                                    rules.update(|r| { if let Some(rule) = r.get_mut(i) { rule.queue_id = QueueId(q) } });
                                }
                            }>
                                {site_queues().into_iter().map(|q| {
                                    let qid = q.id;
                                    view! { <option value=qid.to_string() prop:selected=move || rules.with(|r| r.get(i).map(|x| x.queue_id)) == Some(qid)>{q.config.name.clone()}</option> }
                                }).collect_view()}
                            </select>
                        </label>
                        {field(i, A::Url, |r| r.url_pattern.clone(), |r, v| r.url_pattern = v)}
                        {field(i, A::Topic, |r| r.topic.clone(), |r, v| r.topic = v)}
                        {field(i, A::Language, |r| r.language.clone(), |r, v| r.language = v)}
                        {field(i, A::Tier, |r| r.tier.clone(), |r, v| r.tier = v)}
                        {field(i, A::Country, |r| r.country.clone(), |r, v| r.country = v)}
                        <button type="button" class="btn btn-ghost" on:click=move |_| rules.update(|r| { if i < r.len() { r.remove(i); } })>{move || c.ta(A::Remove)}</button>
                    </fieldset>
                }
            }).collect_view()}
            {outcome(status)}
            <button type="button" id="save-rules" class="btn btn-primary" on:click=save>{move || c.ta(A::Save)}</button>
        </section>
    }
}

#[component]
pub fn Audit() -> impl IntoView {
    let c = ctx();
    let entries = RwSignal::new(None::<Vec<AuditEntry>>);
    fetch("/api/v1/admin/audit", entries);
    view! {
        <section class="panel" aria-labelledby="audit-title">
            <h2 id="audit-title" class="section-title">{move || c.ta(A::AuditLog)}</h2>
            <table class="table">
                <thead><tr>
                    <th scope="col">{move || c.ta(A::When)}</th><th scope="col">{move || c.ta(A::Who)}</th>
                    <th scope="col">{move || c.ta(A::What)}</th><th scope="col">{move || c.ta(A::Name)}</th>
                </tr></thead>
                <tbody>
                    {move || entries.get().map(|list| list.into_iter().map(|e| {
                        let when = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(e.at_ms as f64)).to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED);
                        view! { <tr><td>{String::from(when)}</td><td>{e.agent_name}</td><td>{e.action}</td><td>{e.subject}</td></tr> }
                    }).collect_view())}
                </tbody>
            </table>
        </section>
    }
}
