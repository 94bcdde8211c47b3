//! A WebSocket that reconnects by itself, with backoff and jitter.
//!
//! It carries text frames only and knows nothing of the protocol: the
//! widget and the console say hello (with their resume points) from
//! `on_open`, so every reconnect resumes where the last one stopped.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Event, MessageEvent, WebSocket};

use crate::backoff;

/// What the owner wants to hear about. Called on the browser's event loop.
pub struct SocketHandlers {
    pub on_open: Box<dyn Fn()>,
    pub on_message: Box<dyn Fn(String)>,
    /// The connection dropped (or could not be made); a retry is scheduled
    /// unless the socket was stopped.
    pub on_close: Box<dyn Fn()>,
}

/// A cheap handle; clones share one connection.
#[derive(Clone)]
pub struct Socket(Rc<Inner>);

/// A DOM event listener kept alive for as long as its socket.
pub type Listener = Closure<dyn FnMut(Event)>;
/// A pending reconnect: the `setTimeout` handle and its callback.
pub type Timer = (i32, Closure<dyn FnMut()>);

struct Inner {
    url: String,
    handlers: SocketHandlers,
    ws: RefCell<Option<WebSocket>>,
    /// The event closures of the current `ws`; dropped with it.
    listeners: RefCell<Vec<Listener>>,
    timer: RefCell<Option<Timer>>,
    attempt: Cell<u32>,
    /// The server asked (in a `reconnect` frame) to wait this long.
    requested_delay: Cell<Option<u32>>,
    stopped: Cell<bool>,
}

impl Socket {
    /// Opens the connection now and keeps it open until [`Socket::stop`].
    pub fn connect(url: String, handlers: SocketHandlers) -> Socket {
        let socket = Socket(Rc::new(Inner {
            url,
            handlers,
            ws: RefCell::new(None),
            listeners: RefCell::new(Vec::new()),
            timer: RefCell::new(None),
            attempt: Cell::new(0),
            requested_delay: Cell::new(None),
            stopped: Cell::new(false),
        }));
        open(&socket.0);
        socket
    }

    /// Sends one text frame; false when not connected (the caller keeps the
    /// frame in its outbox and sends it again from `on_open`).
    pub fn send(&self, text: &str) -> bool {
        match self.0.ws.borrow().as_ref() {
            Some(ws) if ws.ready_state() == WebSocket::OPEN => ws.send_with_str(text).is_ok(),
            _ => false,
        }
    }

    pub fn is_open(&self) -> bool {
        self.0.ws.borrow().as_ref().is_some_and(|ws| ws.ready_state() == WebSocket::OPEN)
    }

    /// The server is going away and asked for this delay before the next
    /// attempt (plus jitter, added here).
    pub fn reconnect_after(&self, ms: u32) {
        self.0.requested_delay.set(Some(ms));
    }

    /// Skips the wait: the browser just came back online, say.
    pub fn reconnect_now(&self) {
        if self.0.stopped.get() || self.0.ws.borrow().is_some() {
            return;
        }
        clear_timer(&self.0);
        self.0.attempt.set(0);
        open(&self.0);
    }

    /// Closes for good (the agent logged out, the chat ended).
    pub fn stop(&self) {
        self.0.stopped.set(true);
        clear_timer(&self.0);
        if let Some(ws) = self.0.ws.borrow_mut().take() {
            detach(&ws);
            let _ = ws.close();
        }
        self.0.listeners.borrow_mut().clear();
    }
}

fn open(inner: &Rc<Inner>) {
    let ws = match WebSocket::new(&inner.url) {
        Ok(ws) => ws,
        // Only a malformed URL fails here; retrying keeps the behaviour
        // uniform and the owner learns of it through on_close.
        Err(_) => return closed(inner),
    };
    let weak = Rc::downgrade(inner);
    let on_open = listener(&weak, |inner, _| {
        inner.attempt.set(0);
        (inner.handlers.on_open)();
    });
    let on_message = listener(&weak, |inner, event| {
        if let Some(text) = event.dyn_ref::<MessageEvent>().and_then(|m| m.data().as_string()) {
            (inner.handlers.on_message)(text);
        }
    });
    let on_close = listener(&weak, |inner, event| {
        // Only the current socket's close matters; a stale one is ignored.
        let is_current = match (inner.ws.borrow().as_ref(), event.target()) {
            (Some(ws), Some(target)) => {
                let ws: &wasm_bindgen::JsValue = ws.as_ref();
                let target: &wasm_bindgen::JsValue = target.as_ref();
                js_sys::Object::is(ws, target)
            }
            _ => false,
        };
        if !is_current {
            return;
        }
        closed(inner);
    });
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    *inner.ws.borrow_mut() = Some(ws);
    *inner.listeners.borrow_mut() = vec![on_open, on_message, on_close];
}

fn listener(weak: &Weak<Inner>, f: impl Fn(&Rc<Inner>, Event) + 'static) -> Closure<dyn FnMut(Event)> {
    let weak = weak.clone();
    Closure::new(move |event: Event| {
        if let Some(inner) = weak.upgrade() {
            f(&inner, event);
        }
    })
}

fn detach(ws: &WebSocket) {
    ws.set_onopen(None);
    ws.set_onmessage(None);
    ws.set_onclose(None);
}

/// The connection is gone: tell the owner and schedule the next attempt.
fn closed(inner: &Rc<Inner>) {
    if let Some(ws) = inner.ws.borrow_mut().take() {
        detach(&ws);
    }
    // The listeners may be running right now; drop them on the next turn
    // rather than under their own feet.
    let listeners = std::mem::take(&mut *inner.listeners.borrow_mut());
    schedule_drop(listeners);
    (inner.handlers.on_close)();
    if inner.stopped.get() {
        return;
    }
    let attempt = inner.attempt.get();
    inner.attempt.set(attempt.saturating_add(1));
    let mut delay = backoff::delay_ms(attempt, js_sys::Math::random());
    if let Some(requested) = inner.requested_delay.take() {
        delay = delay.max(requested.saturating_add(delay / 2));
    }
    let weak = Rc::downgrade(inner);
    let callback = Closure::<dyn FnMut()>::new(move || {
        if let Some(inner) = weak.upgrade() {
            inner.timer.borrow_mut().take();
            if !inner.stopped.get() && inner.ws.borrow().is_none() {
                open(&inner);
            }
        }
    });
    let Some(window) = web_sys::window() else { return };
    if let Ok(id) = window.set_timeout_with_callback_and_timeout_and_arguments_0(callback.as_ref().unchecked_ref(), delay as i32) {
        clear_timer(inner);
        *inner.timer.borrow_mut() = Some((id, callback));
    }
}

fn clear_timer(inner: &Inner) {
    if let Some((id, _closure)) = inner.timer.borrow_mut().take() {
        if let Some(window) = web_sys::window() {
            window.clear_timeout_with_handle(id);
        }
    }
}

fn schedule_drop(listeners: Vec<Closure<dyn FnMut(Event)>>) {
    if listeners.is_empty() {
        return;
    }
    let mut holder = Some(listeners);
    let dropper = Closure::once_into_js(move || drop(holder.take()));
    if let Some(window) = web_sys::window() {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(dropper.unchecked_ref(), 0);
    }
}
