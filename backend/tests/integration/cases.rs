//! Cases: admins keep departments; an agent opens a case from a chat for a
//! department; its members (and leads) see and work it, others do not; due
//! times follow the severity and escalate once, announced by a signed
//! webhook (the clock is passed in); a resolved case becomes a draft
//! article in the chat's language.

use protocol::articles::{Article, ArticleStatus};
use protocol::cases::{Case, CaseConfig, CaseStatus, Department, DepartmentConfig, Severity};
use reqwest::Method;

use crate::acd::{Rest, ADMIN_EMAIL, ADMIN_PASSWORD};
use crate::callbacks::Dialer;
use crate::common::*;

const SAM_EMAIL: &str = "sam@rapport.demo";

fn case(department: i64, subject: &str) -> CaseConfig {
    CaseConfig {
        subject: subject.into(),
        description: "The tin arrived dented.".into(),
        severity: Severity::High,
        priority: 2,
        status: CaseStatus::New,
        department_id: department,
        assignee_id: None,
        conversation_id: None,
        resolution: String::new(),
        make_article: false,
        send_resolution: false,
    }
}

#[tokio::test]
async fn a_case_goes_to_its_department_escalates_when_due_and_becomes_an_article() -> anyhow::Result<()> {
    let receiver = Dialer::default();
    let url = receiver.start().await?;
    let server = TestServer::start_with(|c| {
        c.events.url = url.clone();
        c.events.secret = "case-events-key".into();
        c.events.first_retry_ms = 100;
    })
    .await?;
    let admin = Rest::sign_in(&server, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
    let mei = Rest::sign_in(&server, AGENT_EMAIL, AGENT_PASSWORD).await?;
    let sam = Rest::sign_in(&server, SAM_EMAIL, AGENT_PASSWORD).await?;
    let sam_id = admin.agent(SAM_EMAIL).await?.id;

    // Departments are the admin's; Sam is in Breakages (and the demo's
    // Returns).
    let config = DepartmentConfig { name: "Breakages".into(), members: vec![sam_id] };
    assert_eq!(mei.status(Method::POST, "/api/v1/admin/departments", &config).await?, 403);
    let breakages: Department = admin.post("/api/v1/admin/departments", &config).await?;
    assert_eq!(admin.status(Method::POST, "/api/v1/admin/departments", &config).await?, 400, "a second Breakages");
    let listed: Vec<Department> = mei.get("/api/v1/departments").await?;
    assert!(listed.iter().any(|d| d.config.name == "Breakages" && d.config.members == [sam_id]), "{listed:?}");

    // Mei opens a case from her chat, for Breakages.
    let mut c = chat(&server).await?;
    visitor_says(&mut c.visitor, "s1", "我的茶罐壓壞了").await?;
    let opened: Case = mei.post("/api/v1/cases", &CaseConfig { conversation_id: Some(c.conversation), ..case(breakages.id, "Dented tin") }).await?;
    let (first, resolve) = Severity::High.due_ms();
    assert_eq!(opened.first_response_due_ms - opened.created_at_ms, first);
    assert_eq!(opened.resolution_due_ms - opened.created_at_ms, resolve);
    assert_eq!((opened.department_name.as_str(), opened.escalated), ("Breakages", false));

    // Sam sees it in his department's queue; Mei, not a member, does not,
    // and cannot change it.
    let sams: Vec<Case> = sam.get("/api/v1/cases").await?;
    assert_eq!(sams.iter().map(|c| c.id).collect::<Vec<_>>(), [opened.id]);
    let meis: Vec<Case> = mei.get("/api/v1/cases").await?;
    assert!(meis.is_empty(), "{meis:?}");
    let path = format!("/api/v1/cases/{}", opened.id);
    assert_eq!(mei.status(Method::PUT, &path, &case(breakages.id, "Dented tin")).await?, 404);
    let all: Vec<Case> = admin.get("/api/v1/cases").await?;
    assert_eq!(all.len(), 1);

    // Nothing is due yet; past the first response's due time it escalates,
    // once, and the receiver gets a signed webhook.
    assert_eq!(rapport::cases::escalate(&server.server.state, opened.created_at_ms + first - 1).await?, 0);
    assert_eq!(rapport::cases::escalate(&server.server.state, opened.created_at_ms + first).await?, 1);
    assert_eq!(rapport::cases::escalate(&server.server.state, opened.created_at_ms + resolve + 1).await?, 0, "escalated once");
    let flagged: Case = sam.get(&path).await?;
    assert!(flagged.escalated && flagged.escalated_at_ms == Some(opened.created_at_ms + first));
    let delivered = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            let got = receiver.received();
            if got.len() >= 2 {
                return got;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    })
    .await?;
    let (timestamp, signature, body) = &delivered[1];
    let timestamp: i64 = timestamp.parse()?;
    assert!(rapport::webhooks::verify("case-events-key", timestamp, body, signature, timestamp), "unsigned: {body}");
    let event: serde_json::Value = serde_json::from_str(body)?;
    assert_eq!((event["type"].as_str(), event["case"]["id"].as_i64()), (Some("case.escalated"), Some(opened.id)));

    // Sam takes it and resolves it; only then it becomes an article, a
    // draft in the visitor's Chinese.
    let article_path = format!("{path}/article");
    let resolving =
        CaseConfig {
            assignee_id: Some(sam_id), status: CaseStatus::Assigned, conversation_id: Some(c.conversation), ..case(breakages.id, "茶罐壓壞了怎麼辦")
        };
    let taken: Case = sam.put(&path, &resolving).await?;
    assert!(taken.first_response_at_ms.is_some());
    assert_eq!(sam.status(Method::POST, &article_path, &()).await?, 409);
    let resolved =
        CaseConfig { status: CaseStatus::Resolved, resolution: "拍照後在訂單頁面申請換貨，我們會寄出新的茶罐。".into(), ..resolving };
    let _: Case = sam.put(&path, &resolved).await?;
    let article: Article = sam.post(&article_path, &()).await?;
    assert_eq!(article.config.status, ArticleStatus::Draft);
    assert_eq!(article.config.title, "茶罐壓壞了怎麼辦");
    assert_eq!(article.config.language, "zh-Hant", "the demo visitor's locale is Traditional Chinese");
    assert_eq!(article.config.category, "Breakages");
    assert!(article.config.body.contains("換貨"));

    // Sam sends the resolution to the customer, who reads it in the widget
    // on their next visit, once.
    let _: Case = sam.put(&path, &CaseConfig { send_resolution: true, ..resolved.clone() }).await?;
    let resolutions = |welcome: &protocol::visitor::VisitorEvent| match welcome {
        protocol::visitor::VisitorEvent::Welcome { resolutions, .. } => resolutions.clone(),
        _ => vec![],
    };
    let mut next_visit = say_hello(&server, Some(&c.token), None).await?;
    let welcome = next_visit.recv_until("the welcome", |e| matches!(e, protocol::visitor::VisitorEvent::Welcome { .. })).await?;
    let told = resolutions(&welcome);
    assert_eq!(told.iter().map(|r| (r.case_id, r.resolution.as_str())).collect::<Vec<_>>(), [(opened.id, resolved.resolution.as_str())]);
    next_visit.send(&protocol::visitor::VisitorFrame::ResolutionSeen { case_id: opened.id }).await?;
    next_visit.send(&protocol::visitor::VisitorFrame::CallbackOptions).await?;
    next_visit.recv_until("the frame after", |e| matches!(e, protocol::visitor::VisitorEvent::CallbackOptions { .. })).await?;
    let mut later = say_hello(&server, Some(&c.token), None).await?;
    let welcome = later.recv_until("the welcome", |e| matches!(e, protocol::visitor::VisitorEvent::Welcome { .. })).await?;
    assert!(resolutions(&welcome).is_empty(), "told again: {welcome:?}");
    // A case nobody opened from a chat has no customer to send it to.
    let by_hand: Case = admin.post("/api/v1/cases", &case(breakages.id, "By hand")).await?;
    let done = CaseConfig { status: CaseStatus::Resolved, resolution: "Done.".into(), send_resolution: true, ..case(breakages.id, "By hand") };
    assert_eq!(admin.status(Method::PUT, &format!("/api/v1/cases/{}", by_hand.id), &done).await?, 409);

    // Whom a case can go to: the agents of one's sites.
    let colleagues: Vec<protocol::agent::DirectoryAgent> = mei.get("/api/v1/colleagues").await?;
    assert!(colleagues.iter().any(|a| a.id == sam_id), "{colleagues:?}");

    // Agents take cases themselves; only leads assign them to others. A
    // department's name fits an article's category, and one with an
    // unknown member is not half made.
    let handed = CaseConfig { assignee_id: Some(sam_id), ..case(breakages.id, "For Sam") };
    assert_eq!(mei.status(Method::POST, "/api/v1/cases", &handed).await?, 403);
    let _: Case = admin.post("/api/v1/cases", &handed).await?;
    let long = DepartmentConfig { name: "x".repeat(61), members: vec![] };
    assert_eq!(admin.status(Method::POST, "/api/v1/admin/departments", &long).await?, 400);
    let ghost = DepartmentConfig { name: "Ghosts".into(), members: vec![protocol::AgentId(424_242)] };
    assert_eq!(admin.status(Method::POST, "/api/v1/admin/departments", &ghost).await?, 404);
    let listed: Vec<Department> = admin.get("/api/v1/departments").await?;
    assert!(listed.iter().all(|d| d.config.name != "Ghosts"), "a department half made");

    // Bodies that break the rules get a 4xx.
    for bad in [case(breakages.id, " "), CaseConfig { priority: 9, ..case(breakages.id, "x") }, case(424242, "no such department")] {
        let status = sam.status(Method::POST, "/api/v1/cases", &bad).await?;
        assert!((400..500).contains(&status), "{bad:?}: {status}");
    }
    Ok(())
}
