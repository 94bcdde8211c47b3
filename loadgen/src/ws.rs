//! A JSON-over-WebSocket connection to the server under test, with every
//! wait bounded by a deadline.

use std::time::Duration;

use anyhow::{bail, Context};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Frames read while waiting for one in particular before giving up; far
/// more than any exchange in the run needs.
const MAX_SKIPPED_FRAMES: usize = 100_000;

pub struct Socket {
    inner: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Socket {
    /// Connects to `url` (always on 127.0.0.1) with extra request headers.
    pub async fn connect(url: &str, headers: &[(&'static str, &str)], timeout: Duration) -> anyhow::Result<Self> {
        let mut request = url.into_client_request().context("building the upgrade request")?;
        for (name, value) in headers {
            request.headers_mut().insert(HeaderName::from_static(name), HeaderValue::from_str(value).context("a header value")?);
        }
        let (inner, _) = tokio::time::timeout(timeout, tokio_tungstenite::connect_async(request))
            .await
            .with_context(|| format!("connecting to {url} timed out"))?
            .with_context(|| format!("connecting to {url}"))?;
        Ok(Self { inner })
    }

    pub async fn send<F: Serialize>(&mut self, frame: &F) -> anyhow::Result<()> {
        let text = serde_json::to_string(frame).context("encoding a frame")?;
        self.inner.send(Message::text(text)).await.context("sending a frame")
    }

    /// The next frame, or `None` when the server ended the connection.
    /// Fails if nothing arrives before `deadline`.
    pub async fn recv<E: DeserializeOwned>(&mut self, deadline: Instant) -> anyhow::Result<Option<E>> {
        loop {
            let next = tokio::time::timeout_at(deadline, self.inner.next()).await.context("no frame arrived in time")?;
            match next {
                None | Some(Ok(Message::Close(_))) => return Ok(None),
                Some(Err(e)) => bail!("the connection failed: {e}"),
                Some(Ok(Message::Text(text))) => {
                    let event = serde_json::from_str(text.as_str()).with_context(|| format!("a frame the protocol does not define: {text}"))?;
                    return Ok(Some(event));
                }
                // Pings and pongs are the WebSocket layer's business.
                Some(Ok(_)) => {}
            }
        }
    }

    /// The next text frame as it came, or `None` when the server ended the
    /// connection (for readers that need not parse everything).
    pub async fn recv_text(&mut self, deadline: Instant) -> anyhow::Result<Option<String>> {
        loop {
            let next = tokio::time::timeout_at(deadline, self.inner.next()).await.context("no frame arrived in time")?;
            match next {
                None | Some(Ok(Message::Close(_))) => return Ok(None),
                Some(Err(e)) => bail!("the connection failed: {e}"),
                Some(Ok(Message::Text(text))) => return Ok(Some(text.as_str().to_string())),
                Some(Ok(_)) => {}
            }
        }
    }

    /// Reads until a frame satisfies `wanted`, handing every frame to it.
    pub async fn recv_until<E: DeserializeOwned>(&mut self, deadline: Instant, what: &str, mut wanted: impl FnMut(&E) -> bool) -> anyhow::Result<E> {
        for _ in 0..MAX_SKIPPED_FRAMES {
            match self.recv::<E>(deadline).await.with_context(|| format!("waiting for {what}"))? {
                Some(event) if wanted(&event) => return Ok(event),
                Some(_) => {}
                None => bail!("the server closed the connection while we waited for {what}"),
            }
        }
        bail!("{MAX_SKIPPED_FRAMES} frames came without {what}")
    }

    /// Two halves, so one task can send while another reads.
    pub fn split(self) -> (Writer, Reader) {
        let (sink, stream) = self.inner.split();
        (Writer { sink }, Reader { stream })
    }

    /// Closes politely, but does not wait long for the server's answer.
    pub async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(2), self.inner.close(None)).await;
    }
}

type Stream = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The sending half of a split [`Socket`].
pub struct Writer {
    sink: SplitSink<Stream, Message>,
}

impl Writer {
    pub async fn send<F: Serialize>(&mut self, frame: &F) -> anyhow::Result<()> {
        let text = serde_json::to_string(frame).context("encoding a frame")?;
        self.sink.send(Message::text(text)).await.context("sending a frame")
    }
}

/// The reading half of a split [`Socket`].
pub struct Reader {
    stream: SplitStream<Stream>,
}

impl Reader {
    /// The next text frame as it came, `None` when the connection ended.
    pub async fn recv_text(&mut self) -> anyhow::Result<Option<String>> {
        loop {
            match self.stream.next().await {
                None | Some(Ok(Message::Close(_))) => return Ok(None),
                Some(Err(e)) => bail!("the connection failed: {e}"),
                Some(Ok(Message::Text(text))) => return Ok(Some(text.as_str().to_string())),
                Some(Ok(_)) => {}
            }
        }
    }

    /// The next frame, `None` when the connection ended.
    pub async fn recv<E: DeserializeOwned>(&mut self) -> anyhow::Result<Option<E>> {
        loop {
            match self.stream.next().await {
                None | Some(Ok(Message::Close(_))) => return Ok(None),
                Some(Err(e)) => bail!("the connection failed: {e}"),
                Some(Ok(Message::Text(text))) => {
                    return serde_json::from_str(text.as_str()).map(Some).with_context(|| format!("a frame the protocol does not define: {text}"));
                }
                Some(Ok(_)) => {}
            }
        }
    }
}
