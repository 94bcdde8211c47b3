//! The knowledge base answers first: a visitor typing their question in
//! the pre-chat form is offered the shop's article on it before anyone is
//! queued; the agent finds an answer by searching the knowledge base in
//! Chinese from the chat and inserts it, then opens a case for the Returns
//! department; Sam, its member, resolves it and makes it a draft article;
//! an admin publishes it, and the next visitor, asking the same thing in
//! other words, sees it and says it answered them, which the console counts.

use std::time::Duration;

use anyhow::{ensure, Context, Result};
use e2e::scenario::World;
use e2e::{axe, texts, wait_for, widget, widget_texts, Stack};
use fantoccini::{Client, Locator};

use crate::support::*;

const PACE: Duration = Duration::from_millis(80);
const SAM_EMAIL: &str = "sam@rapport.demo";

/// Logs the console out and in again as someone else, on the login form
/// the console shows (reloading at once could cut the logout short).
async fn log_in_as(agent: &Client, email: &str, password: &str) -> Result<()> {
    click(agent, "#logout").await?;
    sign_in_on_form(agent, email, password).await
}

/// The visitor opens the chat on a fresh page and fills in who they are,
/// leaving the question for the caller to type.
async fn visitor_opens_the_form(visitor: &Client, stack: &Stack, name: &str) -> Result<()> {
    visitor.goto(&stack.demo_url("")).await?;
    e2e::open_widget_panel(visitor).await;
    wait_for("the pre-chat form", async || widget(visitor, "form.rp-prechat textarea[name=question]").await).await;
    widget(visitor, "form.rp-prechat input[name=name]").await?.send_keys(name).await.context("typing the name")?;
    widget(visitor, "form.rp-prechat input[name=email]").await?.send_keys(VISITOR_EMAIL).await.context("typing the email")?;
    widget(visitor, "form.rp-prechat textarea[name=question]").await?.click().await.context("clicking the question")?;
    Ok(())
}

/// Waits until the widget suggests exactly `titles`.
async fn suggested(visitor: &Client, what: &str, titles: &[&str]) {
    wait_for(what, async || {
        let shown = widget_texts(visitor, ".rp-articles button.rp-kb-article").await?;
        ensure!(shown == titles, "the widget suggests {shown:?}");
        Ok(())
    })
    .await;
}

pub async fn the_knowledge_base_answers_a_question_before_an_agent_and_the_agent_inserts_articles(world: &World) -> Result<()> {
    let stack = Stack::start().await?;
    let (visitor, agent) = (&world.visitor, &world.agent);
    console_login(agent, &stack, e2e::AGENT_EMAIL, e2e::AGENT_PASSWORD).await?;
    set_presence(agent, "available").await?;

    // Typing the question in the form, key by key, brings the shop's
    // article on refunds; nothing is queued yet.
    visitor_opens_the_form(visitor, &stack, VISITOR_NAME).await?;
    e2e::keys::type_at(visitor, "我想申請退款，錢多久會退回？", PACE).await.context("typing the question")?;
    suggested(visitor, "the refund article suggested", &["如何申請退款"]).await;
    ensure!(e2e::count(agent, ".offer[data-conversation]").await? == 0, "an offer reached the agent before the visitor asked");
    axe::check(visitor, "the widget's article suggestions", WIDGET).await?;
    widget(visitor, ".rp-articles button.rp-kb-article").await?.click().await?;
    wait_for("the article opened", async || {
        let body = widget_texts(visitor, ".rp-kb-body").await?;
        ensure!(body.iter().any(|t| t.contains("五個工作天")), "the article shows {body:?}");
        Ok(())
    })
    .await;
    axe::check(visitor, "an article open in the widget", WIDGET).await?;
    // Not what they needed: back to the form, where the question waits.
    widget(visitor, ".rp-kb-no").await?.click().await?;
    widget(visitor, "form.rp-prechat button[type=submit]").await?.click().await?;
    widget_shows(visitor, "the question as the first message", &["我想申請退款，錢多久會退回？"], &[]).await;
    wait_for("the suggestions put away", async || {
        ensure!(e2e::widget_count(visitor, ".rp-articles *").await? == 0, "still suggesting");
        Ok(())
    })
    .await;

    // Mei takes the chat and searches the knowledge base from the
    // composer while the visitor goes on typing.
    let offer = wait_for("the offer", async || Ok(agent.find(Locator::Css(".offer[data-conversation]")).await?)).await;
    offer.find(Locator::Css("button.accept")).await?.click().await?;
    let composer = wait_for("the chat pane", async || Ok(agent.find(Locator::Css("textarea#composer")).await?)).await;
    console_shows(agent, "the question in the console", &["我想申請退款，錢多久會退回？"], &[]).await;
    visitor_types(visitor, "訂單編號是 ").await?;
    composer.click().await?;
    e2e::keys::type_at(agent, "?退款", PACE).await?;
    wait_for("the article offered in the composer", async || {
        let options = texts(agent, "#canned-list [role=option] .canned-shortcut").await?;
        ensure!(options.first().map(String::as_str) == Some("如何申請退款"), "options: {options:?}");
        Ok(())
    })
    .await;
    axe::check(agent, "articles offered in the composer", None).await?;
    e2e::keys::press_enter(agent).await?;
    let inserted = wait_for("the article in the composer", async || {
        let value = console_composer(agent).await?.value;
        ensure!(value.contains("五個工作天"), "the composer holds {value:?}");
        Ok(value)
    })
    .await;
    visitor_types(visitor, "A1234").await?;
    e2e::keys::press_enter(agent).await?;
    wait_for("the visitor to get the answer", async || {
        let got = widget_texts(visitor, WIDGET_AGENT_TEXTS).await?;
        ensure!(got.iter().any(|t| t.contains("五個工作天")), "the widget shows {got:?}");
        Ok(())
    })
    .await;
    ensure!(widget_composer(visitor).await?.value == "訂單編號是 A1234", "the visitor's draft changed");
    ensure!(!inserted.starts_with('?'), "the search words stayed in the composer");

    // Mei opens a case about this chat, in one step from its header, for
    // the Returns department...
    click(agent, "#open-case").await?;
    let from_chat = wait_for("the case form, filled in from the chat", async || {
        let value = agent.find(Locator::Css("#case-conversation")).await?.prop("value").await?.unwrap_or_default();
        ensure!(!value.is_empty(), "no chat number in the form");
        Ok(value)
    })
    .await;
    ensure!(from_chat.parse::<i64>().is_ok(), "the chat number: {from_chat:?}");
    fill(agent, "#case-subject", "茶葉開封後要怎麼保存").await?;
    fill(agent, "#case-description", "客人問開封後的茶葉怎麼保存。").await?;
    wait_for("the departments to choose from", async || Ok(agent.find(Locator::Css("#case-department option")).await?)).await;
    agent.find(Locator::Css("#case-department")).await?.select_by_label("Returns").await?;
    agent.find(Locator::Css("#case-severity")).await?.select_by_value("high").await?;
    axe::check(agent, "the cases screen", None).await?;
    click(agent, "#save-case").await?;
    saved(agent, "the case").await;
    log_in_as(agent, SAM_EMAIL, e2e::AGENT_PASSWORD).await?;

    // ...where Sam, a member, finds it, resolves it and makes it a draft
    // article.
    click(agent, "#nav-cases").await?;
    edit_row(agent, "茶葉開封後要怎麼保存").await?;
    wait_for("the agents to assign to", async || Ok(agent.find(Locator::XPath("//select[@id='case-assignee']/option[contains(., 'Sam Lee')]")).await?)).await;
    agent.find(Locator::Css("#case-assignee")).await?.select_by_label("Sam Lee").await?;
    agent.find(Locator::Css("#case-status")).await?.select_by_value("resolved").await?;
    fill(agent, "#case-resolution", "開封後請將茶葉密封，放入冰箱冷藏，三個月內飲用完畢。").await?;
    click(agent, "#case-make-article").await?;
    click(agent, "#case-send-resolution").await?;
    click(agent, "#save-case").await?;
    saved(agent, "the resolution, and the draft made of it").await;
    // He leaves a comment for whoever reads the case next.
    click(agent, "#case-comment").await?;
    e2e::keys::type_at(agent, "已回覆客人並建立文章草稿", PACE).await?;
    click(agent, "#add-comment").await?;
    wait_for("the comment under the case", async || {
        let comments = texts(agent, "#case-comments .comment-text").await?;
        ensure!(comments == ["已回覆客人並建立文章草稿"], "the comments: {comments:?}");
        Ok(())
    })
    .await;
    axe::check(agent, "a case with its comments", None).await?;

    // The customer comes back to the shop: the widget tells them how their
    // case was resolved, until they put it away.
    visitor.goto(&stack.demo_url("")).await?;
    e2e::open_widget_panel(visitor).await;
    let told = wait_for("the resolution in the widget", async || {
        let told = widget_texts(visitor, ".rp-resolution").await?;
        ensure!(told.iter().any(|t| t.contains("三個月內飲用完畢")), "the widget shows {told:?}");
        Ok(told)
    })
    .await;
    ensure!(told.len() == 1, "told {told:?}");
    axe::check(visitor, "a case's resolution in the widget", WIDGET).await?;
    // A redraw may replace the button under the click: click until gone.
    wait_for("the resolution put away", async || {
        if let Ok(button) = widget(visitor, ".rp-resolution-seen").await {
            let _ = button.click().await;
        }
        ensure!(e2e::widget_count(visitor, ".rp-resolution").await? == 0, "still shown");
        Ok(())
    })
    .await;

    // An admin publishes it, in Traditional Chinese.
    log_in_as(agent, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
    click(agent, "#nav-knowledge").await?;
    edit_row(agent, "茶葉開封後要怎麼保存").await?;
    agent.find(Locator::Css("#article-language")).await?.select_by_value("zh-Hant").await?;
    agent.find(Locator::Css("#article-status")).await?.select_by_value("published").await?;
    axe::check(agent, "the knowledge base screen", None).await?;
    click(agent, "#save-article").await?;
    saved(agent, "the published article").await;

    // A new visitor asks the same in other words and is answered by it.
    visitor.delete_all_cookies().await?;
    visitor.execute("localStorage.clear(); sessionStorage.clear();", vec![]).await?;
    visitor_opens_the_form(visitor, &stack, "Bo Visitor").await?;
    e2e::keys::type_at(visitor, "茶葉打開以後要怎麼保存比較好", PACE).await?;
    suggested(visitor, "the new article suggested", &["茶葉開封後要怎麼保存"]).await;
    widget(visitor, ".rp-articles button.rp-kb-article").await?.click().await?;
    wait_for("the new article opened", async || {
        ensure!(widget_texts(visitor, ".rp-kb-body").await?.iter().any(|t| t.contains("冰箱冷藏")), "not open");
        Ok(())
    })
    .await;
    widget(visitor, ".rp-kb-yes").await?.click().await?;
    wait_for("the thanks", async || {
        ensure!(!widget_texts(visitor, ".rp-kb-page [role=status]").await?.is_empty(), "no thanks");
        Ok(())
    })
    .await;

    // The console counts the question as answered without an agent. The
    // widget thanks the visitor as it sends the answer, so the list is
    // opened afresh until the count has arrived.
    wait_for("the answer counted", async || {
        click(agent, "#nav-inbox").await?;
        click(agent, "#nav-knowledge").await?;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let script = "const row = [...document.querySelectorAll('.table tbody tr')].find(r => r.textContent.includes('茶葉開封後要怎麼保存')); \
                      return row ? [...row.querySelectorAll('td')].map(td => td.textContent.trim()) : [];";
        let cells: Vec<String> = serde_json::from_value(agent.execute(script, vec![]).await?)?;
        // Status, opened, answered.
        ensure!(cells.get(1..3) == Some(&["1".to_string(), "1".to_string()][..]), "the row reads {cells:?}");
        Ok(())
    })
    .await;
    no_js_errors(visitor, "the visitor").await?;
    no_js_errors(agent, "the admin").await?;
    Ok(())
}
