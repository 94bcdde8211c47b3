//! Every response carries the security headers, and every HTTP request a
//! request id that its log lines share.

use crate::common::*;

fn assert_secure(what: &str, response: &reqwest::Response) {
    let headers = response.headers();
    assert_eq!(headers.get("x-content-type-options").map(|v| v.as_bytes()), Some(&b"nosniff"[..]), "{what}: no nosniff");
    assert!(headers.get("referrer-policy").is_some(), "{what}: no Referrer-Policy");
    let csp = headers.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(csp.contains("default-src"), "{what}: no Content-Security-Policy");
}

#[tokio::test]
async fn every_page_and_answer_is_served_with_security_headers() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let http = reqwest::Client::new();
    for path in ["/healthz", "/api/v1/me", "/api/v1/sites/nope/widget", "/widget.js", "/console", "/no-such-thing"] {
        let response = http.get(server.http_url(path)).send().await?;
        assert_secure(path, &response);
        assert!(response.headers().get("x-request-id").is_some(), "{path}: no request id");
    }
    let shop = server.shop_origin();
    for path in ["/", "/checkout.html", "/no-such-page.html"] {
        let response = http.get(format!("{shop}{path}")).send().await?;
        assert_secure(&format!("demo {path}"), &response);
    }
    // The demo shop's policy is strict: no inline script or style at all.
    let page = http.get(format!("{shop}/")).send().await?;
    let csp = page.headers().get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(csp.contains(&server.server.url()), "the shop's policy allows the widget's origin: {csp}");
    server.shutdown().await;
    Ok(())
}
