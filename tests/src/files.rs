//! Files as a person hands them to the page: a picture pasted from the
//! clipboard, a PDF to choose in a file picker.

use anyhow::Result;
use fantoccini::Client;
use serde_json::json;

/// What a screenshot tool puts on the clipboard: a PNG, drawn here on a
/// canvas, pasted into the widget's composer. (WebDriver cannot write the
/// system clipboard of a headless browser, so the paste event is made in
/// the page, with a real PNG file in its clipboard data.)
pub const PASTE_A_PICTURE: &str = "
    const done = arguments[0];
    const root = document.querySelector('rapport-widget').shadowRoot;
    const composer = root.querySelector('textarea.rp-input');
    const canvas = document.createElement('canvas');
    canvas.width = 160; canvas.height = 100;
    const g = canvas.getContext('2d');
    g.fillStyle = '#2f6fed'; g.fillRect(0, 0, 160, 100);
    g.fillStyle = '#ffffff'; g.fillRect(20, 20, 120, 60);
    canvas.toBlob((blob) => {
        const data = new DataTransfer();
        data.items.add(new File([blob], 'image.png', { type: 'image/png' }));
        composer.focus();
        const pasted = new ClipboardEvent('paste', { clipboardData: data, bubbles: true, composed: true, cancelable: true });
        composer.dispatchEvent(pasted);
        done(pasted.defaultPrevented);
    }, 'image/png');
";

/// A one-page PDF, as small as a valid one gets.
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

/// Pastes a 160 by 100 PNG into the widget's composer; true when the
/// widget took the paste (it prevents the browser's own).
pub async fn paste_picture(visitor: &Client) -> Result<bool> {
    Ok(visitor.execute_async(PASTE_A_PICTURE, vec![]).await? == json!(true))
}
