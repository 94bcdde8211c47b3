//! The relay between a session's recorder and its viewers, on this node
//! and, over the bus, on any other. Each direction is a broadcast channel
//! per session: a sender never waits (the visitor is never slowed by a
//! viewer), and a viewer that falls behind is told so by the channel
//! (`Lagged`) instead of growing a queue, and resyncs from a fresh
//! snapshot.
//!
//! With a bus, everything sent here is also published under the session's
//! subject for that direction; a node that holds a viewer (or recorder)
//! of the session listens on it while it does. The bus does not echo a
//! node's own messages, so nothing arrives twice.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::{BufMut, Bytes, BytesMut};
use futures_util::StreamExt;
use tokio::sync::broadcast;
use tokio::task::AbortHandle;

use crate::bus::{subjects, Bus};

/// Recording messages a viewer may be behind before it is resynced.
const VIEWER_BACKLOG: usize = 64;
/// The least time between two snapshots asked of one recorder.
const SNAPSHOT_EVERY: std::time::Duration = std::time::Duration::from_secs(1);
/// Guidance messages a recorder may be behind (it drops the rest: a
/// pointer position a moment old is worth nothing).
const RECORDER_BACKLOG: usize = 256;

/// What a session's viewers receive.
#[derive(Clone, Debug)]
pub enum ToViewer {
    /// One recording message, as the recorder sent it.
    Recording(Bytes),
    /// The session as it stands now (`{"k":"state","session":…}`).
    State(Arc<str>),
}

/// What a session's recorder receives.
#[derive(Clone, Debug)]
pub enum ToRecorder {
    /// A viewer's guidance, checked by the server, as text.
    Guidance(Arc<str>),
    /// Send a fresh snapshot: a viewer joined or fell behind.
    Snapshot,
    /// A newer recorder of the session connected (its token): the others
    /// close.
    TakeOver(u64),
    /// The session ended.
    End,
}

struct Channel {
    /// When this node last asked the recorder for a snapshot: at most one
    /// a second, however many viewers join or fall behind (each one makes
    /// the visitor's page walk itself again).
    snapshot_asked: Option<std::time::Instant>,
    viewers: broadcast::Sender<ToViewer>,
    recorders: broadcast::Sender<ToRecorder>,
    /// The bus listeners that feed this node's viewers and recorders.
    listening: Vec<AbortHandle>,
    listens_for_viewers: bool,
    listens_for_recorders: bool,
}

impl Drop for Channel {
    fn drop(&mut self) {
        for task in &self.listening {
            task.abort();
        }
    }
}

#[derive(Clone)]
pub struct Relay {
    channels: Arc<Mutex<HashMap<i64, Channel>>>,
    bus: Bus,
}

impl Relay {
    pub fn new(bus: Bus) -> Self {
        Self { channels: Arc::default(), bus }
    }

    fn with<R>(&self, id: i64, f: impl FnOnce(&mut Channel) -> R) -> R {
        let mut channels = self.channels.lock().unwrap_or_else(PoisonError::into_inner);
        let channel = channels.entry(id).or_insert_with(|| Channel {
            snapshot_asked: None,
            viewers: broadcast::channel(VIEWER_BACKLOG).0,
            recorders: broadcast::channel(RECORDER_BACKLOG).0,
            listening: Vec::new(),
            listens_for_viewers: false,
            listens_for_recorders: false,
        });
        f(channel)
    }

    /// Joins session `id` as a viewer on this node.
    pub async fn viewer(&self, id: i64) -> broadcast::Receiver<ToViewer> {
        let (receiver, listen) = self.with(id, |c| (c.viewers.subscribe(), !std::mem::replace(&mut c.listens_for_viewers, true)));
        if listen {
            self.listen(id, subjects::cobrowse_viewers(id), move |relay, payload| relay.local_to_viewers(id, decode_to_viewer(payload))).await;
        }
        receiver
    }

    /// Joins session `id` as a recorder on this node.
    pub async fn recorder(&self, id: i64) -> broadcast::Receiver<ToRecorder> {
        let (receiver, listen) = self.with(id, |c| (c.recorders.subscribe(), !std::mem::replace(&mut c.listens_for_recorders, true)));
        if listen {
            self.listen(id, subjects::cobrowse_recorders(id), move |relay, payload| relay.local_to_recorders(id, decode_to_recorder(payload))).await;
        }
        receiver
    }

    /// Feeds what other nodes publish on `subject` to this node's side of
    /// session `id`, until the channel goes.
    async fn listen(&self, id: i64, subject: String, deliver: impl Fn(&Relay, Bytes) + Send + 'static) {
        let subscriber = match self.bus.subscribe_raw(subject).await {
            Ok(Some(s)) => s,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(error = %e, session = id, "could not listen for a co-browse session on the bus");
                return;
            }
        };
        let relay = self.clone();
        let task = tokio::spawn(async move {
            let mut subscriber = subscriber;
            while let Some(message) = subscriber.next().await {
                deliver(&relay, message.payload);
            }
        });
        let mut channels = self.channels.lock().unwrap_or_else(PoisonError::into_inner);
        match channels.get_mut(&id) {
            Some(channel) => channel.listening.push(task.abort_handle()),
            None => task.abort(),
        }
    }

    fn local_to_viewers(&self, id: i64, message: Option<ToViewer>) {
        let Some(message) = message else { return };
        let channels = self.channels.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(channel) = channels.get(&id) {
            let _ = channel.viewers.send(message);
        }
    }

    fn local_to_recorders(&self, id: i64, message: Option<ToRecorder>) {
        let Some(message) = message else { return };
        let channels = self.channels.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(channel) = channels.get(&id) {
            let _ = channel.recorders.send(message);
        }
    }

    /// Sends to every viewer of session `id`, here and on other nodes.
    pub async fn to_viewers(&self, id: i64, message: ToViewer) {
        let payload = encode_to_viewer(&message);
        self.local_to_viewers(id, Some(message));
        self.bus.publish_raw(subjects::cobrowse_viewers(id), payload).await;
    }

    /// Sends to the recorder of session `id`, here or on another node.
    pub async fn to_recorder(&self, id: i64, message: ToRecorder) {
        let payload = encode_to_recorder(&message);
        self.local_to_recorders(id, Some(message));
        self.bus.publish_raw(subjects::cobrowse_recorders(id), payload).await;
    }

    /// Asks the recorder for a fresh snapshot, unless this node asked
    /// within the last second (that one will serve).
    pub async fn request_snapshot(&self, id: i64) {
        let now = std::time::Instant::now();
        let ask = self.with(id, |c| {
            let due = c.snapshot_asked.is_none_or(|at| now.duration_since(at) >= SNAPSHOT_EVERY);
            if due {
                c.snapshot_asked = Some(now);
            }
            due
        });
        if ask {
            self.to_recorder(id, ToRecorder::Snapshot).await;
        }
    }

    /// A viewer or recorder of session `id` on this node left: the
    /// channel goes when nobody here uses it.
    pub fn leave(&self, id: i64) {
        let mut channels = self.channels.lock().unwrap_or_else(PoisonError::into_inner);
        if channels.get(&id).is_some_and(|c| c.viewers.receiver_count() == 0 && c.recorders.receiver_count() == 0) {
            channels.remove(&id);
        }
    }

    /// Sessions with a viewer or recorder on this node (for tests and
    /// metrics).
    pub fn sessions_here(&self) -> usize {
        self.channels.lock().unwrap_or_else(PoisonError::into_inner).len()
    }
}

// On the bus, each message is a tag byte and its payload.

fn encode_to_viewer(message: &ToViewer) -> Bytes {
    match message {
        ToViewer::Recording(bytes) => tagged(0, bytes),
        ToViewer::State(json) => tagged(1, json.as_bytes()),
    }
}

fn decode_to_viewer(payload: Bytes) -> Option<ToViewer> {
    let (&tag, rest) = payload.split_first()?;
    match tag {
        0 => Some(ToViewer::Recording(payload.slice(1..))),
        1 => Some(ToViewer::State(std::str::from_utf8(rest).ok()?.into())),
        _ => None,
    }
}

fn encode_to_recorder(message: &ToRecorder) -> Bytes {
    match message {
        ToRecorder::Guidance(json) => tagged(0, json.as_bytes()),
        ToRecorder::Snapshot => tagged(1, &[]),
        ToRecorder::TakeOver(token) => tagged(2, &token.to_be_bytes()),
        ToRecorder::End => tagged(3, &[]),
    }
}

fn decode_to_recorder(payload: Bytes) -> Option<ToRecorder> {
    let (&tag, rest) = payload.split_first()?;
    match tag {
        0 => Some(ToRecorder::Guidance(std::str::from_utf8(rest).ok()?.into())),
        1 => Some(ToRecorder::Snapshot),
        2 => Some(ToRecorder::TakeOver(u64::from_be_bytes(rest.try_into().ok()?))),
        3 => Some(ToRecorder::End),
        _ => None,
    }
}

fn tagged(tag: u8, payload: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(payload.len() + 1);
    out.put_u8(tag);
    out.put_slice(payload);
    out.freeze()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bus_messages_round_trip() {
        let v = decode_to_viewer(encode_to_viewer(&ToViewer::Recording(Bytes::from_static(b"\x00gz")))).unwrap();
        assert!(matches!(v, ToViewer::Recording(b) if &b[..] == b"\x00gz"));
        let v = decode_to_viewer(encode_to_viewer(&ToViewer::State("{}".into()))).unwrap();
        assert!(matches!(v, ToViewer::State(s) if &*s == "{}"));
        assert!(matches!(decode_to_recorder(encode_to_recorder(&ToRecorder::TakeOver(7))), Some(ToRecorder::TakeOver(7))));
        assert!(matches!(decode_to_recorder(encode_to_recorder(&ToRecorder::Snapshot)), Some(ToRecorder::Snapshot)));
        assert!(matches!(decode_to_recorder(encode_to_recorder(&ToRecorder::End)), Some(ToRecorder::End)));
        let g = decode_to_recorder(encode_to_recorder(&ToRecorder::Guidance("{\"k\":\"ptr\"}".into()))).unwrap();
        assert!(matches!(g, ToRecorder::Guidance(s) if &*s == "{\"k\":\"ptr\"}"));
        assert!(decode_to_recorder(Bytes::new()).is_none());
        assert!(decode_to_viewer(Bytes::from_static(&[9])).is_none());
    }

    #[tokio::test]
    async fn a_slow_viewer_lags_instead_of_holding_the_recorder() {
        let relay = Relay::new(Bus::Local);
        let mut viewer = relay.viewer(1).await;
        for i in 0..(VIEWER_BACKLOG as u8 + 10) {
            relay.to_viewers(1, ToViewer::Recording(Bytes::from(vec![1, i]))).await;
        }
        assert!(matches!(viewer.recv().await, Err(broadcast::error::RecvError::Lagged(_))));
        drop(viewer);
        relay.leave(1);
        assert_eq!(relay.sessions_here(), 0);
    }
}
