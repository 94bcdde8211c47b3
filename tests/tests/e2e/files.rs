//! Files both ways: the visitor pastes a picture and the agent sees its
//! thumbnail and opens it full size; the agent sends a PDF and the visitor
//! downloads it; a page of HTML called `photo.png` is refused.

use anyhow::{ensure, Context, Result};
use e2e::scenario::World;
use e2e::{axe, texts, wait_for, Stack};
use fantoccini::Locator;
use serde_json::json;

use crate::support::*;

const PDF_NAME: &str = "退貨說明 returns.pdf";

pub async fn a_pasted_picture_and_a_sent_pdf_reach_the_other_side_and_html_is_refused(world: &World) -> Result<()> {
    let stack = Stack::start().await?;
    let (visitor, agent) = (&world.visitor, &world.agent);
    visitor_starts_chat(visitor, &stack, VISITOR_NAME).await?;
    agent_takes_next_chat(agent, &stack).await?;
    visitor_sends(visitor, FIRST).await?;
    console_shows(agent, "the first message", &[FIRST], &[]).await;
    // The attach button shows once there is a chat to send into.
    wait_for("the attach button", async || {
        ensure!(e2e::widget_visible(visitor, ".rp-attach").await?, "not shown");
        Ok(())
    })
    .await;

    // The visitor pastes a picture; the agent sees its thumbnail load.
    ensure!(e2e::files::paste_picture(visitor).await?, "the widget left the paste to the browser");
    wait_for("the picture in the widget", async || {
        ensure!(e2e::widget_count(visitor, ".rp-file-img img").await? == 1, "not yet");
        Ok(())
    })
    .await;
    let loaded = "const i = document.querySelector('.msg-file-img img'); return i ? [i.complete, i.naturalWidth, i.naturalHeight] : null;";
    wait_for("the thumbnail in the console", async || {
        let size = agent.execute(loaded, vec![]).await?;
        ensure!(size == json!([true, 160, 100]), "the thumbnail is {size}");
        Ok(())
    })
    .await;
    axe::check(agent, "a chat with a picture", None).await?;

    // The agent opens it full size, in a new tab.
    let console_tab = agent.window().await?;
    agent.find(Locator::Css(".msg-file-img")).await?.click().await?;
    let picture_tab = wait_for("the picture's tab", async || {
        let tabs = agent.windows().await?;
        tabs.into_iter().find(|t| *t != console_tab).context("no new tab yet")
    })
    .await;
    agent.switch_to_window(picture_tab).await?;
    wait_for("the picture full size", async || {
        let shown = agent.execute("return [document.contentType, document.images.length && document.images[0].naturalWidth];", vec![]).await?;
        ensure!(shown == json!(["image/png", 160]), "the tab shows {shown}");
        Ok(())
    })
    .await;
    agent.close_window().await?;
    agent.switch_to_window(console_tab).await?;

    // The agent sends a PDF with the attach button; the visitor downloads it.
    let dir = tempfile::tempdir()?;
    let pdf = dir.path().join(PDF_NAME);
    std::fs::write(&pdf, e2e::files::PDF)?;
    agent.find(Locator::Css("#file-picker")).await?.send_keys(&pdf.display().to_string()).await?;
    let link = wait_for("the PDF in the widget", async || {
        let names = e2e::widget_texts(visitor, ".rp-file:not(.rp-file-img) .rp-file-name").await?;
        let uploading = texts(agent, ".uploads").await?;
        ensure!(names == [PDF_NAME], "the widget shows {names:?}; the console's uploads say {uploading:?}; its errors: {:?}", e2e::js_errors(agent).await?);
        e2e::widget(visitor, ".rp-file:not(.rp-file-img)").await
    })
    .await;
    ensure!(texts(agent, ".msg-file-name").await?.contains(&PDF_NAME.to_string()), "the console does not show the PDF it sent");
    let widget_tab = visitor.window().await?;
    link.click().await?;
    let downloads = world.visitor.downloads();
    let saved = wait_for("the download", async || {
        let done: Vec<_> = std::fs::read_dir(&downloads)?.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "pdf")).collect();
        ensure!(done.len() == 1, "downloads: {done:?}");
        Ok(done[0].clone())
    })
    .await;
    ensure!(std::fs::read(&saved)? == e2e::files::PDF, "the download is not the PDF that was sent");
    ensure!(saved.file_name().and_then(|n| n.to_str()) == Some(PDF_NAME), "saved as {saved:?}");
    // The download may have opened a tab of its own; the shop stays.
    for tab in visitor.windows().await? {
        if tab != widget_tab {
            visitor.switch_to_window(tab).await?;
            visitor.close_window().await?;
        }
    }
    visitor.switch_to_window(widget_tab).await?;

    // A page of HTML called photo.png is refused, and says why.
    let html = dir.path().join("photo.png");
    std::fs::write(&html, "<!doctype html><html><body><script>alert(document.cookie)</script></body></html>")?;
    e2e::widget(visitor, "input.rp-picker").await?.send_keys(&html.display().to_string()).await?;
    wait_for("the refusal", async || {
        let said = e2e::widget_texts(visitor, ".rp-up-error").await?;
        ensure!(said.iter().any(|s| s.contains("photo.png") && s.contains("only pictures")), "the widget says {said:?}");
        Ok(())
    })
    .await;
    axe::check(visitor, "an upload refused", WIDGET).await?;
    // Dismissed by keyboard, as a person without a mouse would.
    e2e::widget(visitor, ".rp-up button").await?.send_keys("\u{E007}").await?;
    wait_for("the refusal dismissed", async || {
        ensure!(e2e::widget_count(visitor, ".rp-up").await? == 0, "still there");
        Ok(())
    })
    .await;
    // A message sent after it arrives; the refused file never does.
    visitor_sends(visitor, THANKS).await?;
    console_shows(agent, "the message after the refusal", &[FIRST, THANKS], &[]).await;
    ensure!(!texts(agent, ".msg-file-name").await?.iter().any(|n| n.starts_with("photo.png")), "the refused file reached the agent");
    no_js_errors(visitor, "the visitor").await?;
    no_js_errors(agent, "the agent").await?;
    Ok(())
}
