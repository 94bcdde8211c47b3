//! The REST API for other systems (`/rest/v1/`): tokens that admins make
//! with scopes and revoke; every route in the OpenAPI document exists,
//! wants a token and its scope, answers bodies and queries that break the
//! schema with a 4xx (never a 5xx), and answers what the document says;
//! contacts with their timeline, CSV export and import, the export of
//! everything about one contact and its erasure; interaction and case
//! events as signed webhooks.

use std::time::Duration;

use protocol::callback::CallbackRequest;
use protocol::cases::{Case, CaseComment, CaseConfig, CaseStatus, Department, Severity};
use protocol::crm::{Contact, ContactExport, ContactPage, ImportReport, InteractionKind, Timeline};
use protocol::tokens::{ApiToken, ApiTokenConfig, NewApiToken, Scope};
use protocol::visitor::{VisitorEvent, VisitorFrame};
use protocol::ConversationStatus;
use reqwest::Method;
use serde_json::{json, Value};

use crate::acd::{Rest, ADMIN_EMAIL, ADMIN_PASSWORD};
use crate::callbacks::Dialer;
use crate::common::*;

/// A caller of the REST API with one token.
struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    fn new(server: &impl Endpoint, token: &str) -> Api {
        Api { http: reqwest::Client::new(), base: server.http_url("/rest/v1"), token: token.to_string() }
    }

    async fn send(&self, method: Method, path: &str, body: Option<(&str, String)>) -> anyhow::Result<(u16, String)> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if !self.token.is_empty() {
            request = request.bearer_auth(&self.token);
        }
        if let Some((content_type, body)) = body {
            request = request.header("content-type", content_type).body(body);
        }
        let response = request.send().await?;
        Ok((response.status().as_u16(), response.text().await?))
    }

    async fn json<T: serde::de::DeserializeOwned>(&self, method: Method, path: &str, body: Option<Value>) -> anyhow::Result<T> {
        let (status, text) = self.send(method.clone(), path, body.map(|b| ("application/json", b.to_string()))).await?;
        anyhow::ensure!((200..300).contains(&status), "{method} {path} answered {status}: {text}");
        Ok(serde_json::from_str(&text)?)
    }

    async fn status(&self, method: Method, path: &str, body: Option<Value>) -> anyhow::Result<u16> {
        Ok(self.send(method, path, body.map(|b| ("application/json", b.to_string()))).await?.0)
    }
}

async fn token(admin: &Rest, name: &str, scopes: &[Scope]) -> anyhow::Result<String> {
    let made: NewApiToken = admin.post("/api/v1/admin/tokens", &ApiTokenConfig { name: name.into(), scopes: scopes.to_vec() }).await?;
    anyhow::ensure!(made.secret.starts_with("rpt_") && made.secret.starts_with(&made.token.prefix), "{made:?}");
    Ok(made.secret)
}

/// Checks `value` against `schema` of the OpenAPI document `doc`: types,
/// required properties, enums, items, nullability; every property the
/// value has must be one the schema names. Returns what does not match.
fn mismatches(doc: &Value, schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/components/schemas/");
        return mismatches(doc, &doc["components"]["schemas"][name], value, at, out);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            let fits = options.iter().any(|o| {
                let mut m = Vec::new();
                mismatches(doc, o, value, at, &mut m);
                m.is_empty()
            });
            if !fits {
                out.push(format!("{at}: {value} fits none of {key}"));
            }
            return;
        }
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        // One object made of every part's properties (serde's flatten).
        let (mut properties, mut required) = (serde_json::Map::new(), Vec::new());
        for part in all {
            let mut part = part;
            while let Some(r) = part.get("$ref").and_then(Value::as_str) {
                part = &doc["components"]["schemas"][r.trim_start_matches("#/components/schemas/")];
            }
            properties.extend(part["properties"].as_object().cloned().unwrap_or_default());
            required.extend(part["required"].as_array().cloned().unwrap_or_default());
        }
        let merged = json!({"type": "object", "properties": properties, "required": required});
        return mismatches(doc, &merged, value, at, out);
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let nullable = types.contains(&"null") || schema["nullable"] == json!(true);
    if value.is_null() {
        if !nullable && !types.is_empty() {
            out.push(format!("{at}: null where {types:?}"));
        }
        return;
    }
    let kind = match value {
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::Null => "null",
    };
    let fits = types.is_empty() || types.contains(&kind) || (kind == "integer" && types.contains(&"number"));
    if !fits {
        out.push(format!("{at}: {kind} where {types:?}"));
        return;
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        if !allowed.contains(value) {
            out.push(format!("{at}: {value} is not one of {allowed:?}"));
        }
    }
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                mismatches(doc, &schema["items"], item, &format!("{at}[{i}]"), out);
            }
        }
        Value::Object(fields) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            for required in schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
                if !fields.contains_key(required) {
                    out.push(format!("{at}: no {required}"));
                }
            }
            for (name, field) in fields {
                match properties.and_then(|p| p.get(name)) {
                    Some(s) => mismatches(doc, s, field, &format!("{at}.{name}"), out),
                    None => match schema.get("additionalProperties") {
                        Some(extra) if extra.is_object() => mismatches(doc, extra, field, &format!("{at}.{name}"), out),
                        _ if properties.is_some() => out.push(format!("{at}: {name} is not in the document")),
                        _ => {}
                    },
                }
            }
        }
        _ => {}
    }
}

/// Asserts that `value`, answered by `method path_template`, is what the
/// document says that route answers with `status`.
fn assert_documented(doc: &Value, path_template: &str, method: &str, status: &str, value: &Value) {
    let response = &doc["paths"][path_template][method]["responses"][status];
    let schema = response["content"]["application/json"]["schema"].clone();
    assert!(!schema.is_null(), "{method} {path_template} documents no {status} body");
    let mut out = Vec::new();
    mismatches(doc, &schema, value, "$", &mut out);
    assert!(out.is_empty(), "{method} {path_template} answered what its document does not say: {out:#?}\n{value:#}");
}

#[tokio::test]
async fn every_documented_route_wants_a_token_with_its_scope_and_refuses_bad_input_with_a_4xx() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let admin = Rest::sign_in(&server, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
    let mei = Rest::sign_in(&server, AGENT_EMAIL, AGENT_PASSWORD).await?;

    // Only admins make tokens; a token needs a name and a scope.
    let config = ApiTokenConfig { name: "Back office".into(), scopes: vec![Scope::ContactsRead] };
    assert_eq!(mei.status(Method::POST, "/api/v1/admin/tokens", &config).await?, 403);
    assert_eq!(admin.status(Method::POST, "/api/v1/admin/tokens", &ApiTokenConfig { scopes: vec![], ..config.clone() }).await?, 400);
    assert_eq!(admin.status(Method::POST, "/api/v1/admin/tokens", &ApiTokenConfig { name: " ".into(), ..config.clone() }).await?, 400);
    assert_eq!(admin.raw_status(Method::POST, "/api/v1/admin/tokens", r#"{"name":"x","scopes":["contacts:delete"]}"#).await?, 422);
    let everything = token(&admin, "Everything", &Scope::ALL).await?;
    let mut one_scope = Vec::new();
    for scope in Scope::ALL {
        one_scope.push((scope, Api::new(&server, &token(&admin, scope.as_str(), &[scope]).await?)));
    }
    let revoked = token(&admin, "Old", &Scope::ALL).await?;
    let listed: Vec<ApiToken> = admin.get("/api/v1/admin/tokens").await?;
    let old = listed.iter().find(|t| t.name == "Old").expect("the old token");
    let _: ApiToken = admin.call(Method::DELETE, &format!("/api/v1/admin/tokens/{}", old.id), None::<&()>).await?;

    let doc: Value = Api::new(&server, "").json(Method::GET, "/openapi.json", None).await?;
    assert_eq!(doc["openapi"].as_str().map(|v| v.starts_with("3.")), Some(true), "an OpenAPI 3 document");
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.len() >= 10, "{:?}", paths.keys().collect::<Vec<_>>());

    let anonymous = Api::new(&server, "");
    let wrong_secret = Api::new(&server, "rpt_0000000000000000000000000000000000000000000000000000000000000000");
    let full = Api::new(&server, &everything);
    let old = Api::new(&server, &revoked);
    let mut checked = 0;
    for (template, operations) in paths {
        let path = template.replace("{id}", "1");
        for (method, operation) in operations.as_object().expect("operations") {
            let m: Method = method.to_uppercase().parse()?;
            let scope = operation["security"][0]["token"][0].as_str().unwrap_or_else(|| panic!("{method} {template} names no scope"));
            assert!(Scope::parse(scope).is_some(), "{method} {template}: unknown scope {scope}");
            // The route exists, and nobody without a live token gets past it.
            for caller in [&anonymous, &wrong_secret, &old] {
                assert_eq!(caller.status(m.clone(), &path, None).await?, 401, "{method} {template} without a live token");
            }
            // The scope the document names lets a token in; every other
            // scope is refused before anything is read.
            for (other, caller) in &one_scope {
                let status = caller.status(m.clone(), &path, None).await?;
                if other.as_str() == scope {
                    assert_ne!(status, 403, "{method} {template} with its scope {scope}");
                } else {
                    assert_eq!(status, 403, "{method} {template} with {} instead of {scope}", other.as_str());
                }
            }
            // Bodies and queries that break the schema: a 4xx, never a 5xx.
            let bad_bodies = [
                Some(("application/json", "{".to_string())),
                Some(("application/json", json!({"site_id": "one", "subject": 7, "name": ["x"], "bogus": true}).to_string())),
                Some(("application/json", json!([1, 2]).to_string())),
                Some(("text/csv", "\"unclosed,\n".to_string())),
            ];
            for body in bad_bodies {
                let with_body = matches!(m, Method::POST | Method::PUT | Method::PATCH);
                let (status, text) = full.send(m.clone(), &path, if with_body { body } else { None }).await?;
                assert!(status < 500, "{method} {template} answered {status}: {text}");
            }
            for query in ["?after=x", "?limit=-1", "?status=nope", "?before=zz", "?site_id=1e99", "?q=%FF"] {
                let (status, text) = full.send(m.clone(), &format!("{path}{query}"), None).await?;
                assert!(status < 500, "{method} {template}{query} answered {status}: {text}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 15, "{checked} operations");

    // What the routes answer is what the document says (the demo has
    // articles, a site and, once a visitor writes, a contact).
    let mut c = chat(&server).await?;
    visitor_says(&mut c.visitor, "s1", "Hello").await?;
    let page: Value = full.json(Method::GET, "/contacts", None).await?;
    assert_documented(&doc, "/contacts", "get", "200", &page);
    let id = page["contacts"][0]["id"].as_i64().expect("a contact");
    let one: Value = full.json(Method::GET, &format!("/contacts/{id}"), None).await?;
    assert_documented(&doc, "/contacts/{id}", "get", "200", &one);
    let timeline: Value = full.json(Method::GET, &format!("/contacts/{id}/timeline"), None).await?;
    assert_documented(&doc, "/contacts/{id}/timeline", "get", "200", &timeline);
    let export: Value = full.json(Method::GET, &format!("/contacts/{id}/export"), None).await?;
    assert_documented(&doc, "/contacts/{id}/export", "get", "200", &export);
    let transcript: Value = full.json(Method::GET, &format!("/interactions/{}", c.conversation), None).await?;
    assert_documented(&doc, "/interactions/{id}", "get", "200", &transcript);
    let articles: Value = full.json(Method::GET, "/articles?q=refund", None).await?;
    assert_documented(&doc, "/articles", "get", "200", &articles);
    let department: Department = admin.get::<Vec<Department>>("/api/v1/departments").await?.into_iter().next().expect("the demo's departments");
    let case = json!({"subject": "Dented tin", "department_id": department.id, "conversation_id": c.conversation});
    let made: Value = full.json(Method::POST, "/cases", Some(case)).await?;
    assert_documented(&doc, "/cases", "post", "201", &made);
    let cases: Value = full.json(Method::GET, "/cases", None).await?;
    assert_documented(&doc, "/cases", "get", "200", &cases);
    Ok(())
}

/// Waits until the receiver holds a webhook of `kind`, then checks its
/// signature and returns its body.
async fn webhook(receiver: &Dialer, kind: &str) -> anyhow::Result<Value> {
    tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            for (timestamp, signature, body) in receiver.received() {
                let event: Value = serde_json::from_str(&body)?;
                if event["type"] == kind {
                    let timestamp: i64 = timestamp.parse()?;
                    anyhow::ensure!(rapport::webhooks::verify("events-key", timestamp, &body, &signature, timestamp), "unsigned: {body}");
                    return Ok(event);
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await?
}

#[tokio::test]
async fn a_contact_s_timeline_csv_export_and_erasure_through_the_api_with_signed_interaction_events() -> anyhow::Result<()> {
    let receiver = Dialer::default();
    let url = receiver.start().await?;
    let server = TestServer::start_with(|c| {
        c.events.url = url.clone();
        c.events.secret = "events-key".into();
        c.events.first_retry_ms = 100;
    })
    .await?;
    let admin = Rest::sign_in(&server, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
    let mei = Rest::sign_in(&server, AGENT_EMAIL, AGENT_PASSWORD).await?;
    let api = Api::new(&server, &token(&admin, "CRM sync", &Scope::ALL).await?);
    let site = admin.demo_site().await?;

    // A visitor chats with Mei, who opens a case from the chat; the chat
    // ends and the visitor rates it.
    let mut c = chat(&server).await?;
    visitor_says(&mut c.visitor, "s1", "茶罐壓壞了 dented-tin-4417").await?;
    agent_says(&mut c.agent, c.conversation, "a1", "I am sorry, we will send another.").await?;
    let department = admin.get::<Vec<Department>>("/api/v1/departments").await?.into_iter().next().expect("a department");
    let case = CaseConfig {
        subject: "Dented tin".into(),
        description: "Arrived dented: dented-tin-4417".into(),
        severity: Severity::Normal,
        priority: 3,
        status: CaseStatus::New,
        department_id: department.id,
        assignee_id: None,
        conversation_id: Some(c.conversation),
        resolution: String::new(),
        make_article: false,
        send_resolution: false,
    };
    let opened: Case = mei.post("/api/v1/cases", &case).await?;
    let created = webhook(&receiver, "case.created").await?;
    assert_eq!(created["case"]["id"].as_i64(), Some(opened.id));

    let conversation = server.store().conversation(c.conversation).await?.expect("the conversation");
    let contact = server.store().visitor_contact(conversation.visitor_id).await?;
    assert_eq!(created["contact_id"].as_i64(), Some(contact.id));

    // Erasure waits for the chat to end.
    assert_eq!(api.status(Method::DELETE, &format!("/contacts/{}", contact.id), None).await?, 409);
    c.agent.send(&protocol::agent::AgentFrame::End { conversation_id: c.conversation }).await?;
    c.visitor.recv_until("the end", |e| matches!(e, VisitorEvent::Conversation { conversation } if conversation.status == ConversationStatus::Ended)).await?;
    c.visitor.send(&VisitorFrame::Rate { conversation_id: c.conversation, score: 4, comment: "快 dented-tin-4417".into() }).await?;
    c.visitor.recv_until("rated", |e| matches!(e, VisitorEvent::Rated { score: 4 })).await?;

    // Each ended conversation is announced once, by whichever sweep gets
    // there first; the rating follows.
    rapport::events::announce_ended(&server.server.state).await?;
    assert_eq!(rapport::events::announce_ended(&server.server.state).await?, 0, "announced once");
    let ended = webhook(&receiver, "conversation.ended").await?;
    assert_eq!((ended["interaction"]["id"].as_i64(), ended["contact_id"].as_i64()), (Some(c.conversation.get()), Some(contact.id)));
    assert!(ended["interaction"]["agent"].as_str().is_some_and(|a| a.contains("Mei")), "{ended}");
    let rated = webhook(&receiver, "conversation.rated").await?;
    assert_eq!(rated["interaction"]["rating"], 4);

    // Then they ask to be called back later.
    let slot = *crate::callbacks::options(&mut c.visitor).await?.slots.last().expect("the demo queue's callback slots");
    let request = CallbackRequest {
        name: "Lin dented-tin-4417".into(),
        phone: "0912 345 678".into(),
        country: "TW".into(),
        topic: "dented-tin-4417".into(),
        at_ms: Some(slot),
    };
    c.visitor.send(&VisitorFrame::RequestCallback { request }).await?;
    c.visitor.recv_until("the callback", |e| matches!(e, VisitorEvent::Callback { .. })).await?;

    // The back office names the customer; the contact is found by name,
    // company and attribute.
    let change = json!({"name": "Lin Mei", "company": "Leaf & Co", "tier": "vip", "attributes": {"plan": "=gold"}});
    let named: Contact = api.json(Method::PATCH, &format!("/contacts/{}", contact.id), Some(change)).await?;
    assert_eq!((named.name.as_str(), named.company.as_str(), named.tier.as_str()), ("Lin Mei", "Leaf & Co", "vip"));
    for q in ["lin mei", "Leaf", "=gold"] {
        let found: ContactPage = api.json(Method::GET, &format!("/contacts?q={}", urlencode(q)), None).await?;
        assert_eq!(found.contacts.iter().map(|c| c.id).collect::<Vec<_>>(), [contact.id], "{q}");
    }
    assert_eq!(api.status(Method::PATCH, &format!("/contacts/{}", contact.id), Some(json!({"owner_id": 424242}))).await?, 400);
    assert_eq!(api.status(Method::PATCH, &format!("/contacts/{}", contact.id), Some(json!({"name": "x".repeat(101)}))).await?, 400);

    // The timeline: the callback, the case and the rated chat, newest
    // first; read a page of one at a time, it is the same.
    let timeline: Timeline = api.json(Method::GET, &format!("/contacts/{}/timeline", contact.id), None).await?;
    let kinds: Vec<InteractionKind> = timeline.interactions.iter().map(|i| i.kind).collect();
    assert_eq!(kinds, [InteractionKind::Callback, InteractionKind::Case, InteractionKind::Conversation], "{timeline:?}");
    assert_eq!(timeline.next_before, None);
    let mut paged = Vec::new();
    let mut cursor = rapport::store::TimelineCursor::START;
    loop {
        let page = server.store().timeline(contact.id, cursor, 1).await?;
        paged.extend(page.interactions);
        match page.next_before.as_deref().and_then(rapport::store::TimelineCursor::parse) {
            Some(next) => cursor = next,
            None => break,
        }
    }
    assert_eq!(paged, timeline.interactions, "pages of one");
    assert_eq!(api.status(Method::GET, &format!("/contacts/{}/timeline?before=x.y", contact.id), None).await?, 400);
    let chat_entry = &timeline.interactions[2];
    assert_eq!((chat_entry.rating, chat_entry.status.as_str()), (Some(4), "ended"));
    assert!(chat_entry.agent.contains("Mei"), "{chat_entry:?}");
    assert_eq!(timeline.interactions[1].department, department.config.name);
    assert_eq!((timeline.interactions[0].summary.as_str(), timeline.interactions[0].status.as_str()), ("dented-tin-4417", "scheduled"));

    // CSV: the export defuses formulas; an import updates by external id,
    // makes new contacts and says which rows it refused and why.
    let (status, csv) = api.send(Method::GET, &format!("/contacts.csv?site_id={}", site.id), None).await?;
    assert_eq!(status, 200);
    assert!(csv.lines().next().is_some_and(|h| h.contains("attr.plan")), "{csv}");
    assert!(csv.contains("Lin Mei") && csv.contains("'=gold"), "{csv}");
    let _: Contact = api.json(Method::POST, "/contacts", Some(json!({"site_id": site.id, "external_id": "cust-9", "name": "Old name"}))).await?;
    assert_eq!(api.status(Method::POST, "/contacts", Some(json!({"site_id": site.id, "external_id": "cust-9"}))).await?, 400, "a second cust-9");
    let import = "External_ID,Name,email,phone,company,attr.Plan\ncust-9,Chen Wei,wei@example.tw,+886 2 1234 5678,Tea House,'=silver\n,Wang Fang,fang@example.cn,,,\ncust-10,,,,,,\n";
    let report: ImportReport =
        serde_json::from_str(&api.send(Method::POST, &format!("/contacts.csv?site_id={}", site.id), Some(("text/csv", import.into()))).await?.1)?;
    assert_eq!((report.created, report.updated), (2, 1), "{report:?}");
    let wei: ContactPage = api.json(Method::GET, "/contacts?q=cust-9", None).await?;
    let wei = &wei.contacts[0];
    assert_eq!((wei.name.as_str(), wei.company.as_str(), wei.verified), ("Chen Wei", "Tea House", true));
    assert_eq!(wei.attributes.get("Plan"), Some("=silver"), "the import takes the export's defusing off and keeps the name's case");
    // A new contact with an owner who is nobody is refused, and not made.
    let ghost = json!({"site_id": site.id, "external_id": "cust-11", "owner_id": 424242});
    assert_eq!(api.status(Method::POST, "/contacts", Some(ghost)).await?, 400);
    let none: ContactPage = api.json(Method::GET, "/contacts?q=cust-11", None).await?;
    assert!(none.contacts.is_empty(), "{none:?}");
    // Paging through every contact, one at a time, meets each once.
    let all: ContactPage = api.json(Method::GET, "/contacts", None).await?;
    let mut seen = Vec::new();
    let mut after = 0;
    loop {
        let page: ContactPage = api.json(Method::GET, &format!("/contacts?limit=1&after={after}"), None).await?;
        seen.extend(page.contacts.iter().map(|c| c.id));
        match page.next_after {
            Some(next) => after = next,
            None => break,
        }
    }
    assert_eq!(seen, all.contacts.iter().map(|c| c.id).collect::<Vec<_>>());
    assert!(seen.len() >= 3, "{seen:?}");
    let refused: ImportReport =
        serde_json::from_str(&api.send(Method::POST, "/contacts.csv", Some(("text/csv", "name,owner_id\nNo site,\nBad owner,abc\n".into()))).await?.1)?;
    assert_eq!(refused.refused.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 3], "{refused:?}");

    // Comments on the case, from the console and from another system.
    let path = format!("/api/v1/cases/{}/comments", opened.id);
    let _: Vec<CaseComment> = admin.post(&path, &json!({"text": "Photo received: dented-tin-4417"})).await?;
    assert_eq!(admin.status(Method::POST, &path, &json!({"text": " "})).await?, 400);
    let (status, _) = api
        .send(Method::POST, &format!("/cases/{}/comments", opened.id), Some(("application/json", json!({"text": "Replacement shipped"}).to_string())))
        .await?;
    assert_eq!(status, 201);
    let comments: Vec<CaseComment> = api.json(Method::GET, &format!("/cases/{}/comments", opened.id), None).await?;
    let said: Vec<(&str, &str)> = comments.iter().map(|c| (c.author.as_str(), c.text.as_str())).collect();
    assert_eq!(said, [("Ada Admin", "Photo received: dented-tin-4417"), ("CRM sync", "Replacement shipped")]);
    // They are notes on the contact's timeline too, newest first.
    let timeline: Timeline = api.json(Method::GET, &format!("/contacts/{}/timeline", contact.id), None).await?;
    let notes: Vec<(&str, &str)> =
        timeline.interactions.iter().filter(|i| i.kind == InteractionKind::Note).map(|i| (i.agent.as_str(), i.summary.as_str())).collect();
    assert_eq!(notes, [("CRM sync", "Replacement shipped"), ("Ada Admin", "Photo received: dented-tin-4417")]);

    // The export holds everything about the contact; the erasure removes
    // it, and what reports count stays.
    let export: ContactExport = api.json(Method::GET, &format!("/contacts/{}/export", contact.id), None).await?;
    assert!(export.conversations.iter().any(|t| t.messages.iter().any(|m| m.text.contains("dented-tin-4417"))), "{export:?}");
    assert_eq!(export.cases.iter().map(|c| c.id).collect::<Vec<_>>(), [opened.id]);
    assert_eq!(export.callbacks.iter().map(|c| c.phone.as_str()).collect::<Vec<_>>(), ["+886912345678"]);
    assert_eq!(api.status(Method::DELETE, &format!("/contacts/{}", contact.id), None).await?, 204);
    assert_eq!(api.status(Method::GET, &format!("/contacts/{}", contact.id), None).await?, 404);
    let gone = [
        ("messages", "SELECT COUNT(*) FROM messages WHERE text LIKE '%dented-tin-4417%'".to_string()),
        ("cases", "SELECT COUNT(*) FROM cases WHERE description LIKE '%dented-tin-4417%'".into()),
        ("ratings", "SELECT COUNT(*) FROM conversations WHERE rating_comment LIKE '%dented-tin-4417%'".into()),
        ("webhooks", format!("SELECT COUNT(*) FROM webhook_deliveries WHERE body LIKE '%dented-tin-4417%' OR contact_id = {}", contact.id)),
        ("contacts", format!("SELECT COUNT(*) FROM contacts WHERE id = {}", contact.id)),
        ("callbacks", "SELECT COUNT(*) FROM callbacks WHERE name LIKE '%dented-tin-4417%' OR topic LIKE '%dented-tin-4417%' OR phone LIKE '%912345678%' OR status = 'scheduled'".into()),
        ("case subjects", "SELECT COUNT(*) FROM cases WHERE subject = 'Dented tin'".into()),
        ("case comments", "SELECT COUNT(*) FROM case_comments".into()),
        ("visitors", format!("SELECT COUNT(*) FROM visitors WHERE id = {} AND (page_url != '' OR contact_id IS NOT NULL)", conversation.visitor_id)),
    ];
    for (table, sql) in gone {
        assert_eq!(server.store().count_for_tests(&sql).await?, 0, "{table} still hold the contact's data");
    }
    let still: Case = admin.get(&format!("/api/v1/cases/{}", opened.id)).await?;
    assert!(still.config.description.is_empty(), "{still:?}");
    let counted = server.store().conversation(c.conversation).await?.expect("the conversation is still counted");
    assert_eq!(counted.status, ConversationStatus::Ended);
    // Each ended conversation was announced once.
    let ended_events = receiver.received().iter().filter(|(_, _, body)| body.contains("\"conversation.ended\"")).count();
    assert_eq!(ended_events, 1);
    Ok(())
}

fn urlencode(q: &str) -> String {
    q.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}
