//! Files both ways: a visitor and an agent send files; the type is found in
//! the content, pictures lose their metadata, links are signed and carry
//! no cookie, the site's limits hold, and erasing the conversation erases
//! its files.

use protocol::agent::{AgentEvent, AgentFrame};
use protocol::visitor::VisitorEvent;
use protocol::{ChatMessage, ErrorBody, ErrorCode};
use reqwest::header::HeaderMap;

use crate::acd::{Rest, ADMIN_EMAIL, ADMIN_PASSWORD};
use crate::common::*;

/// An 8 by 6 PNG whose text chunk says where it was taken.
fn png_with_location() -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut png, b"IHDR", &[0, 0, 0, 8, 0, 0, 0, 6, 8, 2, 0, 0, 0]);
    chunk(&mut png, b"tEXt", b"Location\x0025.0339N 121.5645E");
    // Six rows of eight blue pixels, stored (not compressed) in zlib.
    let raw: Vec<u8> = (0..6).flat_map(|_| std::iter::once(0u8).chain((0..8).flat_map(|_| [0x2f, 0x6f, 0xed]))).collect();
    let mut zlib = vec![0x78, 0x01, 0x01];
    zlib.extend_from_slice(&u16::try_from(raw.len()).unwrap().to_le_bytes());
    zlib.extend_from_slice(&(!u16::try_from(raw.len()).unwrap()).to_le_bytes());
    zlib.extend_from_slice(&raw);
    zlib.extend_from_slice(&adler32(&raw).to_be_bytes());
    chunk(&mut png, b"IDAT", &zlib);
    chunk(&mut png, b"IEND", &[]);
    png
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in bytes {
        a = (a + u32::from(x)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

struct Upload<'a> {
    name: &'a str,
    client_id: &'a str,
    bytes: Vec<u8>,
}

/// Sends a file as the widget does: the visitor's token, the shop's origin.
async fn visitor_upload(server: &TestServer, token: &str, c: &Chat, up: Upload<'_>) -> anyhow::Result<(u16, String)> {
    let url = server.http_url(&format!("/api/v1/files?conversation={}&client_id={}", c.conversation.0, up.client_id));
    let response = reqwest::Client::new()
        .post(url)
        .header("origin", server.shop_origin())
        .header("authorization", format!("Bearer {token}"))
        .header("x-file-name", urlencoded(up.name))
        .body(up.bytes)
        .send()
        .await?;
    // Whatever the answer, the shop's page may read it (the widget shows why).
    let allowed = response.headers().get("access-control-allow-origin").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    assert_eq!(allowed, server.shop_origin(), "the answer is not readable by the shop's page");
    Ok((response.status().as_u16(), response.text().await?))
}

fn urlencoded(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

fn message(answer: &(u16, String)) -> ChatMessage {
    assert_eq!(answer.0, 200, "{}", answer.1);
    serde_json::from_str(&answer.1).unwrap()
}

fn refusal(answer: &(u16, String)) -> ErrorCode {
    serde_json::from_str::<ErrorBody>(&answer.1).unwrap_or_else(|_| panic!("{answer:?}")).code
}

async fn fetch(server: &TestServer, url: &str) -> anyhow::Result<(u16, HeaderMap, Vec<u8>)> {
    assert!(url.starts_with(&server.http_url("/files/")), "{url}");
    let response = reqwest::get(url).await?;
    Ok((response.status().as_u16(), response.headers().clone(), response.bytes().await?.to_vec()))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn files_go_both_ways_checked_cleaned_and_behind_signed_links() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let mut c = chat(&server).await?;
    let token = c.token.clone();

    // The visitor sends a photo; both sides get the message with its file.
    let sent = message(&visitor_upload(&server, &token, &c, Upload { name: "收據 receipt.png", client_id: "f1", bytes: png_with_location() }).await?);
    let file = sent.file.clone().expect("a file");
    assert_eq!(
        (sent.text.as_str(), file.name.as_str(), file.mime.as_str(), file.width, file.height),
        ("收據 receipt.png", "收據 receipt.png", "image/png", 8, 6)
    );
    let seen = c.agent.recv_until("the photo", |e| matches!(e, AgentEvent::Message { message, .. } if message.file.is_some())).await?;
    let AgentEvent::Message { message: at_agent, .. } = seen else { unreachable!() };
    assert_eq!(at_agent.file.as_ref().map(|f| f.id), Some(file.id));
    c.visitor.recv_until("the photo, echoed", |e| matches!(e, VisitorEvent::Message { message } if message.seq == sent.seq)).await?;

    // The link opens it without any cookie, inline, and the location is gone.
    let (status, headers, body) = fetch(&server, &file.url).await?;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "image/png");
    assert!(headers["content-disposition"].to_str()?.starts_with("inline"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers["content-security-policy"].to_str()?.contains("sandbox"));
    assert!(body.starts_with(b"\x89PNG") && !contains(&body, b"121.5645E"), "the location survived");
    assert_eq!(body.len() as u64, file.bytes);

    // A retry of the same upload is the same message, not a second one.
    let again = message(&visitor_upload(&server, &token, &c, Upload { name: "收據 receipt.png", client_id: "f1", bytes: png_with_location() }).await?);
    assert_eq!((again.seq, again.file.map(|f| f.id)), (sent.seq, Some(file.id)));

    // Text is offered as text, whatever it was called.
    let script = message(&visitor_upload(&server, &token, &c, Upload { name: "invoice.bat", client_id: "t1", bytes: b"del /q *.*".to_vec() }).await?);
    assert_eq!(script.file.map(|f| (f.name, f.mime)), Some(("invoice.bat.txt".to_string(), "text/plain".to_string())));

    // HTML called photo.png is refused, and so is an SVG.
    let html = b"<!doctype html><script>alert(document.cookie)</script>".to_vec();
    let answer = visitor_upload(&server, &token, &c, Upload { name: "photo.png", client_id: "f2", bytes: html }).await?;
    assert_eq!((answer.0, refusal(&answer)), (415, ErrorCode::FileType));
    let svg = b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>".to_vec();
    assert_eq!(visitor_upload(&server, &token, &c, Upload { name: "logo.svg", client_id: "f3", bytes: svg }).await?.0, 415);

    // The agent sends a PDF from the console; it downloads, never renders.
    let agent = Rest::sign_in(&server, AGENT_EMAIL, AGENT_PASSWORD).await?;
    let response = reqwest::Client::new()
        .post(server.http_url(&format!("/api/v1/conversations/{}/files?client_id=a1", c.conversation.0)))
        .header("origin", server.console_origin())
        .header("cookie", agent.cookie())
        .header("x-file-name", urlencoded("退貨說明.pdf"))
        .body(PDF.to_vec())
        .send()
        .await?;
    let pdf = message(&(response.status().as_u16(), response.text().await?));
    let pdf_file = pdf.file.clone().expect("a file");
    assert_eq!((pdf_file.mime.as_str(), pdf.author_name.as_str()), ("application/pdf", AGENT_NAME));
    c.visitor.recv_until("the PDF", |e| matches!(e, VisitorEvent::Message { message } if message.seq == pdf.seq)).await?;
    let (status, headers, body) = fetch(&server, &pdf_file.url).await?;
    assert_eq!((status, body.as_slice()), (200, PDF));
    assert_eq!(headers["content-type"], "application/octet-stream");
    let disposition = headers["content-disposition"].to_str()?;
    assert!(disposition.starts_with("attachment") && disposition.contains("UTF-8''%E9%80%80"), "{disposition}");

    // A changed signature, or the signature of another file, opens nothing.
    assert_eq!(fetch(&server, &file.url.replace("&s=", "&s=0")).await?.0, 404);
    let other = pdf_file.url.replace(&format!("/files/{}?", pdf_file.id), &format!("/files/{}?", file.id));
    assert_eq!(fetch(&server, &other).await?.0, 404);

    // A stranger's token, another origin, or another visitor's chat: refused.
    let stranger = visitor_upload(&server, "not-a-token", &c, Upload { name: "a.txt", client_id: "f4", bytes: b"hi".to_vec() }).await?;
    assert_eq!(stranger.0, 401);
    let (other_visitor, welcome) = connect_visitor(&server, None, None).await?;
    drop(other_visitor);
    let theirs = visitor_upload(&server, &welcome.token, &c, Upload { name: "a.txt", client_id: "f5", bytes: b"hi".to_vec() }).await?;
    assert_eq!(theirs.0, 404);
    let foreign = reqwest::Client::new()
        .post(server.http_url(&format!("/api/v1/files?conversation={}&client_id=f6", c.conversation.0)))
        .header("origin", "https://evil.example")
        .header("authorization", format!("Bearer {token}"))
        .body("hi")
        .send()
        .await?;
    assert_eq!(foreign.status().as_u16(), 403);

    // The browser's preflight is answered for the shop's origin.
    let preflight = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, server.http_url("/api/v1/files"))
        .header("origin", server.shop_origin())
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization, x-file-name")
        .send()
        .await?;
    assert_eq!(preflight.status().as_u16(), 204);
    assert_eq!(preflight.headers()["access-control-allow-origin"].to_str()?, server.shop_origin());
    assert!(preflight.headers()["access-control-allow-headers"].to_str()?.contains("x-file-name"));
    Ok(())
}

#[tokio::test]
async fn the_session_cookie_never_reaches_the_files_path() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let response = reqwest::Client::new()
        .post(server.http_url("/api/v1/login"))
        .header("origin", server.console_origin())
        .json(&serde_json::json!({ "email": AGENT_EMAIL, "password": AGENT_PASSWORD }))
        .send()
        .await?;
    let cookies: Vec<String> = response.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).map(str::to_string).collect();
    let path = |c: &str| c.split(';').map(str::trim).find_map(|p| p.strip_prefix("Path=")).unwrap_or("").to_string();
    assert_eq!(cookies.iter().map(|c| path(c)).collect::<Vec<_>>(), ["/api", "/ws", "/"]);
    // The one on "/" (set by releases before files) is ended, not set.
    assert!(cookies[2].contains("Max-Age=0"), "{}", cookies[2]);
    let new = cookies[0].split(';').next().unwrap_or("").to_string();

    // A browser that still holds an old cookie on "/" sends both, the
    // current one first; whichever order, the live session counts.
    for pair in [format!("{new}; rapport_session=expired-long-ago"), format!("rapport_session=expired-long-ago; {new}")] {
        let me = reqwest::Client::new().get(server.http_url("/api/v1/me")).header("cookie", &pair).send().await?;
        assert_eq!(me.status().as_u16(), 200, "with {pair}");
    }
    Ok(())
}

#[tokio::test]
async fn a_site_that_takes_no_files_says_so() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let admin = Rest::sign_in(&server, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
    let mut site = admin.demo_site().await?;
    site.config.file_max_mb = 0;
    let _: serde_json::Value = admin.put(&format!("/api/v1/admin/sites/{}", site.id.0), &site.config).await?;
    let c = chat(&server).await?;
    let answer = visitor_upload(&server, &c.token.clone(), &c, Upload { name: "a.txt", client_id: "n1", bytes: b"hello".to_vec() }).await?;
    assert_eq!((answer.0, refusal(&answer)), (403, ErrorCode::Forbidden));
    Ok(())
}

#[tokio::test]
async fn the_sites_limits_hold_and_erasing_a_chat_erases_its_files() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let admin = Rest::sign_in(&server, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
    let mut site = admin.demo_site().await?;
    site.config.file_max_mb = 1;
    site.config.conversation_files_max_mb = 1;
    let _: serde_json::Value = admin.put(&format!("/api/v1/admin/sites/{}", site.id.0), &site.config).await?;
    // More than the server reads at most is refused as it is saved.
    site.config.file_max_mb = 26;
    site.config.conversation_files_max_mb = 100;
    assert_eq!(admin.status(reqwest::Method::PUT, &format!("/api/v1/admin/sites/{}", site.id.0), &site.config).await?, 400);

    let mut c = chat(&server).await?;
    let token = c.token.clone();
    let big = vec![b'a'; 1_200_000];
    let answer = visitor_upload(&server, &token, &c, Upload { name: "big.txt", client_id: "b1", bytes: big }).await?;
    assert_eq!((answer.0, refusal(&answer)), (413, ErrorCode::TooLarge));
    let part = || vec![b'b'; 600_000];
    let first = message(&visitor_upload(&server, &token, &c, Upload { name: "part1.txt", client_id: "p1", bytes: part() }).await?);
    let answer = visitor_upload(&server, &token, &c, Upload { name: "part2.txt", client_id: "p2", bytes: part() }).await?;
    assert_eq!((answer.0, refusal(&answer)), (429, ErrorCode::LimitReached));

    // An open chat cannot be erased; an ended one loses messages and files.
    let path = format!("/api/v1/conversations/{}", c.conversation.0);
    assert_eq!(admin.status(reqwest::Method::DELETE, &path, &()).await?, 409);
    c.agent.send(&AgentFrame::End { conversation_id: c.conversation }).await?;
    c.visitor
        .recv_until("the end", |e| matches!(e, VisitorEvent::Conversation { conversation } if conversation.status == protocol::ConversationStatus::Ended))
        .await?;
    let url = first.file.expect("a file").url;
    assert_eq!(fetch(&server, &url).await?.0, 200);
    assert_eq!(admin.status(reqwest::Method::DELETE, &path, &()).await?, 204);
    assert_eq!(fetch(&server, &url).await?.0, 404);
    assert!(server.store().messages_after(c.conversation, 0, 50).await?.is_empty());
    let blobs = walk(&server.data.path().join("files"));
    assert!(blobs.is_empty(), "bytes left behind: {blobs:?}");
    Ok(())
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries.flatten().flat_map(|e| if e.path().is_dir() { walk(&e.path()) } else { vec![e.path()] }).collect()
}

#[tokio::test]
async fn uploads_from_one_address_are_rate_limited() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| c.limits.uploads_per_ip_per_minute = 2).await?;
    let c = chat(&server).await?;
    let token = c.token.clone();
    for (i, expected) in [200, 200, 429].into_iter().enumerate() {
        let id = format!("r{i}");
        let answer = visitor_upload(&server, &token, &c, Upload { name: "note.txt", client_id: &id, bytes: b"hello".to_vec() }).await?;
        assert_eq!(answer.0, expected, "upload {i}: {}", answer.1);
    }
    Ok(())
}
