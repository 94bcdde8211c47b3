//! The knowledge base: agents write drafts and leads publish; searches find
//! Chinese and English articles by the words a question shares with them;
//! the widget gets titles for a question, an article's safe HTML when it
//! is opened, and counts whether it answered. Run on SQLite and PostgreSQL
//! (FTS5 and `tsvector`), which must agree.

use protocol::admin::{Site, SiteConfig};
use protocol::articles::{Article, ArticleConfig, ArticleFormat, ArticlePage, ArticleStatus, ArticleTitle};
use protocol::SiteId;
use reqwest::Method;

use crate::acd::{Rest, ADMIN_EMAIL, ADMIN_PASSWORD};
use crate::common::*;

fn article(site: SiteId, title: &str, body: &str, language: &str, status: ArticleStatus) -> ArticleConfig {
    ArticleConfig {
        site_id: site,
        title: title.into(),
        body: body.into(),
        format: ArticleFormat::Text,
        language: language.into(),
        category: String::new(),
        status,
    }
}

/// A site of its own, so the demo's articles are not in the corpus.
async fn fresh_site(server: &TestServer, admin: &Rest) -> anyhow::Result<Site> {
    let demo = admin.demo_site().await?;
    let config = SiteConfig { name: "Corpus".into(), allowed_origins: vec![server.shop_origin()], ..demo.config };
    admin.post("/api/v1/admin/sites", &config).await
}

/// What the widget is offered for `question`, as the shop's page asks.
async fn suggested(server: &TestServer, site: &str, question: &str, lang: &str) -> anyhow::Result<Vec<String>> {
    let url = server.http_url(&format!("/api/v1/sites/{site}/articles?q={}&lang={lang}", urlencode(question)));
    let response = reqwest::Client::new().get(url).header("origin", server.shop_origin()).send().await?;
    assert_eq!(response.headers().get("access-control-allow-origin").and_then(|v| v.to_str().ok()), Some(server.shop_origin().as_str()));
    let titles: Vec<ArticleTitle> = response.error_for_status()?.json().await?;
    Ok(titles.into_iter().map(|t| t.title).collect())
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// A small corpus in three languages, published.
const CORPUS: &[(&str, &str, &str)] = &[
    ("How refunds work", "Refunds go back to the card you paid with within five working days.", "en"),
    ("Changing your delivery address", "You can change the address on the order page until the parcel ships.", "en"),
    ("Gift cards", "Gift cards never expire and can be used with any payment method.", "en"),
    ("如何申請退款", "退款會在五個工作天內退回原付款方式。請在訂單頁面按「申請退款」。", "zh-Hant"),
    ("更改送貨地址", "包裹寄出前，您可以在訂單頁面更改送貨地址。", "zh-Hant"),
    ("会员等级与积分", "消费满一千元即可升级为金卡会员，积分可以折抵现金。", "zh-Hans"),
    ("茶葉保存方法", "茶葉應密封冷藏，避免陽光直射與潮濕。", "zh-Hant"),
];

#[tokio::test]
async fn questions_in_chinese_and_english_find_the_articles_that_answer_them() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let admin = Rest::sign_in(&server, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
    let site = fresh_site(&server, &admin).await?;
    for (title, body, language) in CORPUS {
        let _: Article = admin.post("/api/v1/articles", &article(site.id, title, body, language, ArticleStatus::Published)).await?;
    }
    // A draft is never suggested, however well it matches.
    let _: Article = admin.post("/api/v1/articles", &article(site.id, "退款草稿", "退款 退款 退款", "zh-Hant", ArticleStatus::Draft)).await?;

    let key = site.key.as_str();
    // Worded differently from the title, sharing its words.
    assert_eq!(suggested(&server, key, "我想申請退款，錢多久會退回？", "zh-Hant").await?.first().map(String::as_str), Some("如何申請退款"));
    assert_eq!(suggested(&server, key, "包裹寄出前可以改地址嗎", "zh-Hant").await?.first().map(String::as_str), Some("更改送貨地址"));
    assert_eq!(suggested(&server, key, "怎么升级金卡会员", "zh-Hans").await?.first().map(String::as_str), Some("会员等级与积分"));
    assert_eq!(suggested(&server, key, "When will my refund reach my card?", "en").await?.first().map(String::as_str), Some("How refunds work"));
    assert_eq!(suggested(&server, key, "do gift cards expire", "en").await?.first().map(String::as_str), Some("Gift cards"));
    // Nothing shared, or only words any question has: nothing suggested.
    assert!(suggested(&server, key, "請問你們週末有營業嗎", "zh-Hant").await?.is_empty());
    assert!(suggested(&server, key, "how can I do this?", "en").await?.is_empty());
    assert!(suggested(&server, key, "", "en").await?.iter().all(|t| t != "退款草稿"));
    let refunds = suggested(&server, key, "退款", "zh-Hant").await?;
    assert!(!refunds.contains(&"退款草稿".to_string()), "{refunds:?}");
    assert!(refunds.len() <= 3);

    // Agents search every status; the order is relevance.
    let found: Vec<Article> = admin.get(&format!("/api/v1/articles?site={}&q={}", site.id.get(), urlencode("退款"))).await?;
    let titles: Vec<&str> = found.iter().map(|a| a.config.title.as_str()).collect();
    assert_eq!(titles.len(), 2, "{titles:?}");
    assert!(titles.contains(&"退款草稿") && titles.contains(&"如何申請退款"));
    // Without words, the newest first.
    let all: Vec<Article> = admin.get(&format!("/api/v1/articles?site={}", site.id.get())).await?;
    assert_eq!(all.len(), CORPUS.len() + 1);
    assert_eq!(all[0].config.title, "退款草稿");
    let published: Vec<Article> = admin.get(&format!("/api/v1/articles?site={}&status=published", site.id.get())).await?;
    assert_eq!(published.len(), CORPUS.len());
    Ok(())
}

#[tokio::test]
async fn agents_write_drafts_and_only_leads_publish() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let admin = Rest::sign_in(&server, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
    let mei = Rest::sign_in(&server, AGENT_EMAIL, AGENT_PASSWORD).await?;
    let site = fresh_site(&server, &admin).await?;

    let draft: Article = mei.post("/api/v1/articles", &article(site.id, "Opening hours", "We answer 9 to 6.", "en", ArticleStatus::Draft)).await?;
    assert_eq!(draft.config.status, ArticleStatus::Draft);
    let path = format!("/api/v1/articles/{}", draft.id);
    let changed: Article = mei.put(&path, &article(site.id, "Opening hours", "We answer 9 to 7 on weekdays.", "en", ArticleStatus::Draft)).await?;
    assert!(changed.config.body.contains("9 to 7"));
    // Publishing is a lead's, and so is deleting.
    let publish = article(site.id, "Opening hours", "We answer 9 to 7 on weekdays.", "en", ArticleStatus::Published);
    assert_eq!(mei.status(Method::PUT, &path, &publish).await?, 403);
    assert_eq!(mei.status(Method::POST, "/api/v1/articles", &publish).await?, 403);
    assert_eq!(mei.status(Method::DELETE, &path, &()).await?, 403);
    assert!(suggested(&server, &site.key, "opening hours weekdays", "en").await?.is_empty());
    let live: Article = admin.put(&path, &publish).await?;
    assert_eq!(live.config.status, ArticleStatus::Published);
    assert_eq!(suggested(&server, &site.key, "what are your opening hours on weekdays", "en").await?, ["Opening hours"]);
    // Once published, an agent cannot quietly change it.
    assert_eq!(mei.status(Method::PUT, &path, &publish).await?, 403);

    // Bodies that break the rules get a 4xx with a reason, never a 5xx.
    let mut bad = vec![
        article(site.id, "", "x", "en", ArticleStatus::Draft),
        article(site.id, "t", " ", "en", ArticleStatus::Draft),
        article(site.id, "t", "x", "fr", ArticleStatus::Draft),
        article(SiteId(999_999), "t", "x", "en", ArticleStatus::Draft),
    ];
    bad.push(ArticleConfig { category: "c".repeat(61), ..article(site.id, "t", "x", "en", ArticleStatus::Draft) });
    for body in &bad {
        assert_eq!(admin.status(Method::POST, "/api/v1/articles", body).await?, 400, "{body:?}");
    }
    for raw in [r#"{"site_id":"one"}"#, r#"{"title":"t"}"#, "[]", "not json"] {
        let status = admin.raw_status(Method::POST, "/api/v1/articles", raw).await?;
        assert!((400..500).contains(&status), "{raw}: {status}");
    }
    assert_eq!(admin.status(Method::GET, "/api/v1/articles?status=secret", &()).await?, 400);
    assert_eq!(admin.status(Method::GET, "/api/v1/articles/424242", &()).await?, 404);

    // Deleting takes it out of search too.
    let _: serde_json::Value = admin.call(Method::DELETE, &path, None::<&()>).await?;
    assert!(suggested(&server, &site.key, "opening hours weekdays", "en").await?.is_empty());
    let left: Vec<Article> = admin.get(&format!("/api/v1/articles?site={}&q=hours", site.id.get())).await?;
    assert!(left.is_empty());
    Ok(())
}

#[tokio::test]
async fn the_widget_reads_safe_html_and_counts_answered_questions() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let admin = Rest::sign_in(&server, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
    let site = fresh_site(&server, &admin).await?;
    let body = "**Five** working days. <script>alert(1)</script> [pay](javascript:alert(1)) [help](https://shop.example/help)";
    let a: Article = admin
        .post("/api/v1/articles", &ArticleConfig { format: ArticleFormat::Markdown, ..article(site.id, "Refunds", body, "en", ArticleStatus::Published) })
        .await?;
    let draft: Article = admin.post("/api/v1/articles", &article(site.id, "Secret plan", "not yet", "en", ArticleStatus::Draft)).await?;

    let http = reqwest::Client::new();
    let read = |id: i64| http.get(server.http_url(&format!("/api/v1/sites/{}/articles/{id}", site.key))).header("origin", server.shop_origin()).send();
    let page: ArticlePage = read(a.id).await?.error_for_status()?.json().await?;
    assert!(page.html.contains("<strong>Five</strong>"), "{}", page.html);
    assert!(!page.html.contains("<script") && !page.html.to_lowercase().contains("javascript:"), "{}", page.html);
    assert!(page.html.contains(r#"href="https://shop.example/help""#));
    // Drafts, other sites' articles and pages from other origins get nothing.
    assert_eq!(read(draft.id).await?.status(), 404);
    let demo = admin.demo_site().await?;
    let elsewhere = http.get(server.http_url(&format!("/api/v1/sites/{}/articles/{}", demo.key, a.id))).header("origin", server.shop_origin()).send().await?;
    assert_eq!(elsewhere.status(), 404);
    let foreign = http.get(server.http_url(&format!("/api/v1/sites/{}/articles/{}", site.key, a.id))).header("origin", "https://evil.example").send().await?;
    assert_eq!(foreign.status(), 403);

    let answer = |answered: &str| {
        http.post(server.http_url(&format!("/api/v1/sites/{}/articles/{}/answer?answered={answered}", site.key, a.id)))
            .header("origin", server.shop_origin())
            .send()
    };
    assert!(answer("true").await?.status().is_success());
    assert!(answer("true").await?.status().is_success());
    assert!(answer("false").await?.status().is_success());
    assert!(answer("maybe").await?.status().is_client_error());
    let counted: Article = admin.get(&format!("/api/v1/articles/{}", a.id)).await?;
    assert_eq!((counted.opened, counted.answered, counted.not_answered), (1, 2, 1));

    // The boot data tells the loader whether there is anything to suggest.
    let boot = |key: String| {
        let http = http.clone();
        let url = server.http_url(&format!("/api/v1/sites/{key}/widget"));
        let origin = server.shop_origin();
        async move { anyhow::Ok(http.get(url).header("origin", origin).send().await?.json::<protocol::visitor::WidgetBoot>().await?.articles) }
    };
    assert!(boot(site.key.clone()).await?);
    let _: serde_json::Value = admin.call(Method::DELETE, &format!("/api/v1/articles/{}", a.id), None::<&()>).await?;
    assert!(!boot(site.key.clone()).await?);
    Ok(())
}
