//! Skills and teams, sites and their entry rules, and the audit log.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::admin::{AgentAdmin, AuditEntry, EntryRule, Queue, Site, SiteConfig, Skill, SkillConfig, Team, TeamConfig};
use protocol::{AgentId, QueueId, SiteId};

use super::fetch;
use super::forms::{check_list, chosen_id, list, outcome, select_field, table, text_field, Label, Row};
use crate::api;
use crate::views::word;
use crate::words::A;

#[component]
pub fn SkillsAndTeams() -> impl IntoView {
    let skills = RwSignal::new(None::<Vec<Skill>>);
    let teams = RwSignal::new(None::<Vec<Team>>);
    let agents = RwSignal::new(None::<Vec<AgentAdmin>>);
    fetch("/api/v1/admin/skills", skills);
    fetch("/api/v1/admin/teams", teams);
    fetch("/api/v1/admin/agents", agents);
    let skill_name = RwSignal::new(String::new());
    let team_name = RwSignal::new(String::new());
    let members = RwSignal::new(Vec::<i64>::new());
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
        let body = TeamConfig { name: team_name.get_untracked(), members: members.get_untracked().into_iter().map(AgentId).collect() };
        spawn_local(async move {
            let result = api::send_json::<_, Team>("POST", "/api/v1/admin/teams", Some(&body)).await;
            status.set(Some(result.map(|_| ())));
            team_name.set(String::new());
            fetch("/api/v1/admin/teams", teams);
        });
    };
    let chips = |names: Vec<String>| names.into_iter().map(|n| view! { <li class="chip">{n}</li> }).collect_view();
    view! {
        <section class="panel" aria-labelledby="skills-title">
            <h2 id="skills-title" class="section-title">{word(A::Skills)}</h2>
            <ul class="chips">{move || skills.get().map(|ks| chips(ks.into_iter().map(|k| k.name).collect()))}</ul>
            <form class="inline-form" on:submit=add_skill>
                {text_field("new-skill-name", A::NewSkill, skill_name)}
                <button type="submit" id="add-skill" class="btn btn-primary">{word(A::Save)}</button>
            </form>
        </section>
        <section class="panel" aria-labelledby="teams-title">
            <h2 id="teams-title" class="section-title">{word(A::Teams)}</h2>
            <ul class="chips">{move || teams.get().map(|ts| chips(ts.into_iter().map(|t| format!("{} ({})", t.name, t.members.len())).collect()))}</ul>
            <form class="form" on:submit=add_team>
                {text_field("new-team-name", A::NewTeam, team_name)}
                {move || agents.get().map(|list| check_list("team-member", A::Members, list.into_iter().map(|a| (a.id.get(), a.name)).collect(), members))}
                <button type="submit" id="add-team" class="btn btn-primary">{word(A::Save)}</button>
            </form>
            {outcome(status)}
        </section>
    }
}

#[component]
pub fn Sites() -> impl IntoView {
    let sites = RwSignal::new(None::<Vec<Site>>);
    fetch("/api/v1/admin/sites", sites);
    let chosen = RwSignal::new(None::<SiteId>);
    let rows = move || {
        sites.get().map(|ss| {
            let rows = ss.into_iter().map(|s| {
                let id = s.id;
                Row { cells: vec![s.config.name, s.key], class: "", action: Some((A::Edit, Callback::new(move |()| chosen.set(Some(id))))) }
            });
            table(&[A::Name, A::SiteKey], rows.collect())
        })
    };
    view! {
        <section class="panel" aria-labelledby="sites-title">
            <h2 id="sites-title" class="section-title">{word(A::Sites)}</h2>
            {rows}
        </section>
        {move || chosen.get().and_then(|id| sites.get_untracked().and_then(|ss| ss.into_iter().find(|s| s.id == id))).map(|site| view! {
            <SiteForm site=site.clone() on_saved=Callback::new(move |()| fetch("/api/v1/admin/sites", sites))/>
            <EntryRules site=site.id/>
        })}
    }
}

#[component]
fn SiteForm(site: Site, on_saved: Callback<()>) -> impl IntoView {
    let id = site.id;
    let name = RwSignal::new(site.config.name.clone());
    let origins = RwSignal::new(site.config.allowed_origins.join("\n"));
    let settings = site.config.settings.clone();
    let status = RwSignal::new(None::<Result<(), String>>);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = SiteConfig { name: name.get_untracked(), allowed_origins: list(&origins.get_untracked()), settings: settings.clone() };
        spawn_local(async move {
            let result = api::send_json::<_, Site>("PUT", &format!("/api/v1/admin/sites/{id}"), Some(&body)).await.map(|_| ());
            if result.is_ok() {
                on_saved.run(());
            }
            status.set(Some(result));
        });
    };
    view! {
        <form class="panel form" aria-labelledby="site-form-title" on:submit=save>
            <h2 id="site-form-title" class="section-title">{site.config.name.clone()}</h2>
            {text_field("site-name", A::Name, name)}
            <label class="field" for="site-origins">
                <span>{word(A::Origins)}</span>
                <textarea id="site-origins" class="textarea" rows="3" prop:value=move || origins.get() on:input=move |ev| origins.set(event_target_value(&ev))></textarea>
            </label>
            {outcome(status)}
            <button type="submit" class="btn btn-primary">{word(A::Save)}</button>
        </form>
    }
}

/// One entry rule as the form edits it: every field a string.
#[derive(Clone, Copy)]
struct RuleFields {
    queue: RwSignal<String>,
    url: RwSignal<String>,
    topic: RwSignal<String>,
    language: RwSignal<String>,
    tier: RwSignal<String>,
    country: RwSignal<String>,
}

impl RuleFields {
    fn new(r: &EntryRule) -> RuleFields {
        let s = |v: &str| RwSignal::new(v.to_string());
        RuleFields {
            queue: s(&r.queue_id.to_string()),
            url: s(&r.url_pattern),
            topic: s(&r.topic),
            language: s(&r.language),
            tier: s(&r.tier),
            country: s(&r.country),
        }
    }

    fn rule(&self) -> Option<EntryRule> {
        Some(EntryRule {
            queue_id: QueueId(chosen_id(&self.queue.get_untracked())?),
            url_pattern: self.url.get_untracked(),
            topic: self.topic.get_untracked(),
            language: self.language.get_untracked(),
            tier: self.tier.get_untracked(),
            country: self.country.get_untracked(),
        })
    }
}

/// The site's entry rules, first match first: each a queue and the
/// conditions (empty ones match anything).
#[component]
fn EntryRules(site: SiteId) -> impl IntoView {
    let rules = RwSignal::new(Vec::<RuleFields>::new());
    let queues = RwSignal::new(None::<Vec<Queue>>);
    fetch("/api/v1/admin/queues", queues);
    let status = RwSignal::new(None::<Result<(), String>>);
    spawn_local(async move {
        if let Ok(list) = api::send_json::<(), Vec<EntryRule>>("GET", &format!("/api/v1/admin/sites/{site}/entry-rules"), None).await {
            rules.set(list.iter().map(RuleFields::new).collect());
        }
    });
    let options = move || {
        queues
            .get()
            .map(|qs| qs.into_iter().filter(|q| q.config.site_id == site).map(|q| (q.id.to_string(), q.config.name)).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    let add = move |_| {
        if let Some((first, _)) = options().first() {
            let blank = EntryRule {
                queue_id: QueueId(chosen_id(first).unwrap_or_default()),
                url_pattern: String::new(),
                topic: String::new(),
                language: String::new(),
                tier: String::new(),
                country: String::new(),
            };
            rules.update(|r| r.push(RuleFields::new(&blank)));
        }
    };
    let save = move |_| {
        let body: Vec<EntryRule> = rules.get_untracked().iter().filter_map(RuleFields::rule).collect();
        spawn_local(async move {
            let result = api::send_json::<_, Vec<EntryRule>>("PUT", &format!("/api/v1/admin/sites/{site}/entry-rules"), Some(&body)).await;
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
                    {text_field(format!("rule-{i}-url"), A::Url, f.url)}
                    {text_field(format!("rule-{i}-topic"), A::Topic, f.topic)}
                    {text_field(format!("rule-{i}-language"), A::Language, f.language)}
                    {text_field(format!("rule-{i}-tier"), A::Tier, f.tier)}
                    {text_field(format!("rule-{i}-country"), A::Country, f.country)}
                    <button type="button" class="btn btn-ghost" on:click=move |_| rules.update(|r| { if i < r.len() { r.remove(i); } })>{word(A::Remove)}</button>
                </fieldset>
            }).collect_view()}
            {outcome(status)}
            <button type="button" id="save-rules" class="btn btn-primary" on:click=save>{word(A::Save)}</button>
        </section>
    }
}

#[component]
pub fn Audit() -> impl IntoView {
    let entries = RwSignal::new(None::<Vec<AuditEntry>>);
    fetch("/api/v1/admin/audit", entries);
    let rows = move || {
        entries.get().map(|list| {
            let rows = list.into_iter().map(|e| {
                let when = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(e.at_ms as f64)).to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED);
                Row::of(vec![String::from(when), e.agent_name, e.action, e.subject])
            });
            table(&[A::When, A::Who, A::What, A::Name], rows.collect())
        })
    };
    view! {
        <section class="panel" aria-labelledby="audit-title">
            <h2 id="audit-title" class="section-title">{word(A::AuditLog)}</h2>
            {rows}
        </section>
    }
}
