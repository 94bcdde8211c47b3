//! Saved replies over REST: every agent sees the team's and their own,
//! keeps their own, and only supervisors and admins keep the team's.

use protocol::canned::{CannedConfig, CannedReply};
use reqwest::Method;

use crate::acd::{Rest, ADMIN_EMAIL, ADMIN_PASSWORD};
use crate::common::*;

fn reply(shortcut: &str, language: &str, text: &str, personal: bool) -> CannedConfig {
    CannedConfig { shortcut: shortcut.into(), language: language.into(), text: text.into(), personal }
}

#[tokio::test]
async fn agents_keep_their_own_replies_and_admins_the_teams() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let admin = Rest::sign_in(&server, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
    let mei = Rest::sign_in(&server, AGENT_EMAIL, AGENT_PASSWORD).await?;

    // The demo's team replies are there for everyone.
    let seeded: Vec<CannedReply> = mei.get("/api/v1/canned").await?;
    assert!(seeded.iter().any(|r| r.config.shortcut == "refund" && r.config.language == "zh-Hant" && !r.config.personal), "{seeded:?}");

    // Mei's own reply: the shortcut is kept in lower case without its slash.
    let mine: CannedReply = mei.post("/api/v1/canned", &reply("/Wrap", "", "Anything else, {{visitor.first_name}}?", true)).await?;
    assert_eq!((mine.config.shortcut.as_str(), mine.config.personal), ("wrap", true));
    // The same shortcut twice in one language is refused; another language is fine.
    assert_eq!(mei.status(Method::POST, "/api/v1/canned", &reply("wrap", "", "again", true)).await?, 400);
    let _: CannedReply = mei.post("/api/v1/canned", &reply("wrap", "zh-Hant", "還有其他問題嗎？", true)).await?;

    // Mei may not write the team's replies; the admin may.
    assert_eq!(mei.status(Method::POST, "/api/v1/canned", &reply("team", "", "x", false)).await?, 403);
    let team: CannedReply = admin.post("/api/v1/canned", &reply("hours", "", "We answer 9 to 6.", false)).await?;
    assert_eq!(mei.status(Method::PUT, &format!("/api/v1/canned/{}", team.id), &reply("hours", "", "changed", false)).await?, 403);
    assert_eq!(mei.status(Method::DELETE, &format!("/api/v1/canned/{}", team.id), &()).await?, 403);

    // Nobody else sees, changes or deletes Mei's own.
    let admins: Vec<CannedReply> = admin.get("/api/v1/canned").await?;
    assert!(admins.iter().all(|r| r.config.shortcut != "wrap"), "the admin sees Mei's reply");
    assert_eq!(admin.status(Method::PUT, &format!("/api/v1/canned/{}", mine.id), &reply("wrap", "", "mine now", false)).await?, 404);

    // Mei changes and deletes her own; the owner stays hers.
    let changed: CannedReply = mei.put(&format!("/api/v1/canned/{}", mine.id), &reply("wrap", "", "Anything else?", false)).await?;
    assert!(changed.config.personal);
    let _: serde_json::Value = mei.call(Method::DELETE, &format!("/api/v1/canned/{}", mine.id), None::<&()>).await?;
    let after: Vec<CannedReply> = mei.get("/api/v1/canned").await?;
    assert!(after.iter().all(|r| r.id != mine.id));
    assert!(after.iter().any(|r| r.id == team.id));

    // Bad bodies get a clear 4xx.
    for bad in [reply("two words", "", "x", true), reply("ok", "", "   ", true), reply("ok", "fr", "x", true)] {
        assert_eq!(mei.status(Method::POST, "/api/v1/canned", &bad).await?, 400, "{bad:?}");
    }
    Ok(())
}
