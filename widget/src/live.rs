//! The live side of the widget: one WebSocket, the state signals, and the
//! rules for when to send what (hello with a resume point on every
//! connect, typing throttled, read receipts only while the panel is seen,
//! older history when the visitor scrolls up).
//!
//! A page holds one widget, so its [`Live`] link lives in a thread-local and
//! the views call free functions; that keeps the browser objects (which are
//! not `Send`) out of Leptos's reactive closures.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::*;
use protocol::lean::Source;
use protocol::visitor::{PageInfo, Resume, VisitorEvent, VisitorFrame};
use protocol::{MessageText, PreChat, PROTOCOL_VERSION};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use webclient::{Socket, SocketHandlers};

use crate::callback;
use crate::i18n::Lang;
use crate::model::{Effects, WidgetState};
use crate::modules::{ModuleLink, Which};
use crate::storage::Saved;

/// How often "still typing" is repeated, and how long after the last key
/// the indicator is switched off.
const TYPING_REPEAT_MS: f64 = 2_000.0;
const TYPING_IDLE_MS: i32 = 3_000;

/// The reactive state the views read. All fields are `Copy` handles.
#[derive(Clone, Copy)]
pub struct Signals {
    pub state: RwSignal<WidgetState>,
    pub open: RwSignal<bool>,
    /// Name and email from `Rapport.identify`, to fill the pre-chat form.
    pub identity: RwSignal<(String, String)>,
    pub lang: Lang,
}

/// The widget's connection to the server and everything it must remember
/// between events.
struct Live {
    signals: Signals,
    socket: RefCell<Option<Socket>>,
    saved: Saved,
    notify: js_sys::Function,
    launcher: Option<web_sys::HtmlElement>,
    typing_sent_at: Cell<f64>,
    /// What the visitor has typed and not sent, whatever happens to the view.
    draft: RefCell<String>,
    typing_timer: RefCell<Option<webclient::Timer>>,
    last_unread: Cell<usize>,
    callback: ModuleLink,
    articles: ModuleLink,
    /// Co-browsing (`widget/cobrowse.js` with the recorder), loaded when
    /// a session is asked for or the visitor asks for a code.
    cobrowse: ModuleLink,
    _listeners: RefCell<Vec<webclient::Listener>>,
    /// The last `identify` frame, sent again after each hello.
    identity_frame: RefCell<Option<String>>,
    app: web_sys::HtmlElement,
}

thread_local! {
    static LIVE: RefCell<Option<Rc<Live>>> = const { RefCell::new(None) };
}

fn with<R>(f: impl FnOnce(&Rc<Live>) -> R) -> Option<R> {
    let live = LIVE.with(|s| s.borrow().clone())?;
    Some(f(&live))
}

pub struct Options {
    pub site: String,
    pub base: String,
    pub lang: Lang,
    pub state: WidgetState,
    pub notify: js_sys::Function,
    pub launcher: Option<web_sys::HtmlElement>,
    pub app: web_sys::HtmlElement,
    pub callback_import: Option<js_sys::Function>,
    pub articles_import: Option<js_sys::Function>,
    pub cobrowse_import: Option<js_sys::Function>,
}

/// Creates the live link and connects. Returns the signals for the views.
pub fn start(options: Options) -> Signals {
    let saved = Saved::new(&options.site);
    let articles = lazy_link(&options, Which::Articles, options.articles_import.clone(), ".rp-articles");
    let cobrowse = lazy_link(&options, Which::Cobrowse, options.cobrowse_import.clone(), ".rp-callback");
    let signals = Signals {
        state: RwSignal::new(options.state),
        open: RwSignal::new(false),
        identity: RwSignal::new((String::new(), String::new())),
        lang: options.lang,
    };
    let live = Rc::new(Live {
        signals,
        socket: RefCell::new(None),
        saved,
        notify: options.notify,
        launcher: options.launcher,
        typing_sent_at: Cell::new(0.0),
        draft: RefCell::new(String::new()),
        typing_timer: RefCell::new(None),
        last_unread: Cell::new(usize::MAX),
        callback: callback::link(options.callback_import, options.app.clone(), options.lang.tag()),
        articles,
        cobrowse,
        _listeners: RefCell::new(Vec::new()),
        identity_frame: RefCell::new(None),
        app: options.app,
    });
    LIVE.with(|s| *s.borrow_mut() = Some(live.clone()));

    let url = webclient::url::ws_url(&options.base, &format!("/ws/v1/visitor?site={}", webclient::url::encode_query_value(&options.site)));
    let socket = Socket::connect(
        url,
        SocketHandlers {
            on_open: Box::new(|| {
                with(|s| s.say_hello());
            }),
            on_message: Box::new(|text| {
                with(|s| s.receive(&text));
            }),
            on_close: Box::new(|| {
                with(|s| {
                    s.signals.state.update(WidgetState::disconnected);
                });
            }),
        },
    );
    *live.socket.borrow_mut() = Some(socket);
    live.listen_to_window();
    live.listen_for_files();
    if live.saved.was_open() {
        set_open(true);
    }
    signals
}

impl Live {
    fn send(&self, frame: &VisitorFrame) -> bool {
        let text = protocol::lean::encode_visitor_frame(frame);
        self.socket.borrow().as_ref().is_some_and(|s| s.send(&text))
    }

    fn say_hello(&self) {
        let resume = self.signals.state.with_untracked(|c| c.conversation.as_ref().map(|conv| Resume { conversation_id: conv.id, last_seq: c.last_seq() }));
        self.send(&VisitorFrame::Hello {
            v: PROTOCOL_VERSION,
            token: self.saved.token(),
            resume,
            page: current_page(),
            locale: self.signals.lang.tag().to_string(),
        });
        if let (Some(frame), Some(socket)) = (self.identity_frame.borrow().as_ref(), self.socket.borrow().as_ref()) {
            socket.send(frame);
        }
    }

    /// The callback form, with the name and topic the visitor gave already.
    fn open_callback(&self) {
        let (mut name, topic) =
            self.signals.state.with_untracked(|c| c.conversation.as_ref().map(|v| (v.prechat.name.clone(), v.prechat.topic.clone())).unwrap_or_default());
        if name.is_empty() {
            name = self.signals.identity.with_untracked(|(n, _)| n.clone());
        }
        callback::open(&self.callback, &name, &topic);
    }

    fn receive(&self, text: &str) {
        // A newer server may add events; ignoring what this widget cannot
        // read keeps an old cached copy working.
        let Some(value) = webclient::json::parse(text) else { return };
        // Callback events are the callback module's to read; the agent's
        // offer of a call opens the panel on the form.
        match value.field("type").and_then(|t| t.as_str()).as_deref() {
            Some("callback_suggested") => {
                set_open(true);
                self.open_callback();
                return;
            }
            Some(t) if t.starts_with("callback") || t == "transcript_queued" || t == "rated" => {
                callback::event(&self.callback, value.0);
                return;
            }
            // A chat that ends while the visitor is here offers its
            // transcript by email, drawn by the same module (which also
            // hears when a new chat replaces it). A welcome does not: the
            // latest chat may have ended weeks ago.
            Some("conversation") => callback::conversation(&self.callback, &value),
            // Co-browsing is the co-browse module's: the agent's request,
            // the visitor's code, a session going on as a page opens.
            Some(t) if t.starts_with("cobrowse") => {
                self.cobrowse.call("event", value.0);
                return;
            }
            // A refusal may answer a module's own request.
            Some("error") => {
                self.callback.call_if_ready("event", &value.0);
                self.cobrowse.call_if_ready("event", &value.0);
            }
            _ => {}
        }
        if let Some(callback) = value.field("callback").filter(|c| c.0.is_object()) {
            callback::welcome(&self.callback, callback.0);
        }
        // Resolutions the team sent: the callback module shows them. A
        // welcome without any clears what a loaded module still shows
        // (read in another tab meanwhile) and loads nothing.
        if let Some(resolutions) = value.field("resolutions") {
            callback::resolutions(&self.callback, resolutions.0);
        } else if value.field("type").and_then(|t| t.as_str()).as_deref() == Some("welcome") {
            callback::resolutions_if_shown(&self.callback);
        }
        let Some(event) = protocol::lean::decode_visitor_event(&value) else { return };
        if let VisitorEvent::Reconnect { after_ms } = event {
            if let Some(socket) = self.socket.borrow().as_ref() {
                socket.reconnect_after(after_ms);
            }
            return;
        }
        let mut effects = Effects::default();
        self.signals.state.update(|c| effects = c.apply(event));
        self.carry_out(effects);
    }

    fn carry_out(&self, effects: Effects) {
        if let Some(token) = &effects.save_token {
            self.saved.set_token(token);
        }
        for frame in &effects.send {
            self.send(frame);
        }
        let (outbox, conversation) = self.signals.state.with_untracked(|c| (c.outbox.clone(), c.conversation.as_ref().map(|c| c.id)));
        if effects.outbox_changed {
            self.saved.set_outbox(&outbox);
        }
        self.saved.set_conversation(conversation);
        if let Some(text) = effects.agent_message {
            self.emit("message", &JsValue::from_str(&text));
        }
        self.after_change();
    }

    /// Read receipts and the unread badge, after any change.
    fn after_change(&self) {
        let visible = web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Visible);
        if self.signals.open.get_untracked() && visible {
            let mut frame = None;
            self.signals.state.update(|c| frame = c.mark_read());
            if let Some(frame) = frame {
                self.send(&frame);
            }
            self.signals.state.with_untracked(|c| {
                if let Some(id) = c.read_conversation {
                    self.saved.set_read(id, c.read_seq);
                }
            });
        }
        let unread = self.signals.state.with_untracked(WidgetState::unread);
        if unread != self.last_unread.replace(unread) {
            self.emit("unread", &JsValue::from_f64(unread as f64));
        }
    }

    fn emit(&self, name: &str, detail: &JsValue) {
        // The host page's listeners run inside the loader's try/catch.
        let _ = self.notify.call2(&JsValue::NULL, &JsValue::from_str(name), detail);
    }

    /// Page changes in single-page apps, tab visibility (for read
    /// receipts) and the network coming back.
    /// Files come in through the attach button's input, a paste or a drop
    /// anywhere in the panel: one plain listener on the app for all four
    /// events (each of Leptos's typed handlers costs the widget a
    /// kilobyte). The browser must not open a dropped file itself.
    fn listen_for_files(&self) {
        let on_files = Closure::<dyn FnMut(web_sys::Event)>::new(|ev: web_sys::Event| {
            let kind = ev.type_();
            if kind == "dragover" {
                ev.prevent_default();
                return;
            }
            let (source, holder) = match kind.as_str() {
                "paste" => (JsValue::from(ev.clone()), "clipboardData"),
                "drop" => (JsValue::from(ev.clone()), "dataTransfer"),
                _ => (ev.target().map(JsValue::from).unwrap_or(JsValue::NULL), ""),
            };
            if let Some(files) = webclient::files::files_of(&source, holder) {
                ev.prevent_default();
                attach(files);
                // The same file can be chosen again (to send it twice).
                let _ = js_sys::Reflect::set(&source, &"value".into(), &"".into());
            }
        });
        for name in ["paste", "drop", "dragover", "change"] {
            let _ = self.app.add_event_listener_with_callback(name, on_files.as_ref().unchecked_ref());
        }
        self._listeners.borrow_mut().push(on_files);
    }

    fn listen_to_window(&self) {
        let Some(window) = web_sys::window() else { return };
        let mut listeners = self._listeners.borrow_mut();
        let page_changed = Closure::<dyn FnMut(web_sys::Event)>::new(|_| {
            with(|s| s.send(&VisitorFrame::Page { page: current_page() }));
        });
        for name in ["popstate", "hashchange"] {
            let _ = window.add_event_listener_with_callback(name, page_changed.as_ref().unchecked_ref());
        }
        listeners.push(page_changed);
        let online = Closure::<dyn FnMut(web_sys::Event)>::new(|_| {
            with(|s| {
                if let Some(socket) = s.socket.borrow().as_ref() {
                    socket.reconnect_now();
                }
            });
        });
        let _ = window.add_event_listener_with_callback("online", online.as_ref().unchecked_ref());
        listeners.push(online);
        let shown = Closure::<dyn FnMut(web_sys::Event)>::new(|_| {
            with(|s| s.after_change());
        });
        if let Some(document) = window.document() {
            let _ = document.add_event_listener_with_callback("visibilitychange", shown.as_ref().unchecked_ref());
        }
        listeners.push(shown);
    }
}

fn current_page() -> PageInfo {
    let window = web_sys::window();
    let url = window.as_ref().and_then(|w| w.location().href().ok()).unwrap_or_default();
    let title = window.and_then(|w| w.document()).map(|d| d.title()).unwrap_or_default();
    PageInfo { url, title }
}

/// Opens or closes the panel, remembering it for the next page.
pub fn set_open(open: bool) {
    with(|s| {
        if s.signals.open.get_untracked() == open {
            return;
        }
        s.signals.open.set(open);
        s.saved.set_open(open);
        s.emit(if open { "open" } else { "close" }, &JsValue::UNDEFINED);
        if open {
            s.after_change();
        } else if let Some(launcher) = &s.launcher {
            // Keyboard users land back where they started.
            let _ = launcher.focus();
        }
    });
}

pub fn toggle() {
    let open = with(|s| s.signals.open.get_untracked()).unwrap_or(false);
    set_open(!open);
}

/// `Rapport.identify`: the name and email fill the pre-chat form, and the
/// page's object goes to the server as it is (the server checks it and
/// verifies its `user_hash`), now and after every reconnect.
pub fn identify(name: String, email: String, identity: JsValue) {
    let frame = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&frame, &"type".into(), &"identify".into());
    let _ = js_sys::Reflect::set(&frame, &"identity".into(), &identity);
    let Some(frame) = js_sys::JSON::stringify(&frame).ok().and_then(|j| j.as_string()) else { return };
    with(|s| {
        // Only what it gives: a later call with an id alone (a page change
        // in a single-page shop) leaves what the visitor typed.
        s.signals.identity.update(|(n, e)| {
            if !name.is_empty() {
                *n = name;
            }
            if !email.is_empty() {
                *e = email;
            }
        });
        s.socket.borrow().as_ref().map(|socket| socket.send(&frame));
        *s.identity_frame.borrow_mut() = Some(frame);
    });
}

/// What the visitor has typed and not sent.
pub fn draft() -> String {
    with(|s| s.draft.borrow().clone()).unwrap_or_default()
}

pub fn set_draft(text: String) {
    with(|s| *s.draft.borrow_mut() = text);
}

/// The visitor scrolled to the oldest message shown: fetch the page before.
pub fn load_older() {
    with(|s| {
        let mut frame = None;
        s.signals.state.update(|c| frame = c.load_older());
        if let Some(frame) = frame {
            s.send(&frame);
        }
    });
}

/// Files the visitor attached (with the button, by pasting or dropping),
/// sent into the open conversation by the uploads in the callback module.
pub fn attach(files: JsValue) {
    with(|s| {
        let open = s.signals.state.with_untracked(|c| c.conversation.as_ref().filter(|v| v.status != protocol::ConversationStatus::Ended).map(|v| v.id));
        let (Some(id), Some(token)) = (open, s.saved.token()) else { return };
        s.callback.call("files", js_sys::Array::of3(&files, &JsValue::from_f64(id.0 as f64), &token.into()).into());
    });
}

/// Opens the callback form (loading its module the first time).
pub fn open_callback() {
    with(|s| s.open_callback());
}

fn link(s: &Live, which: Which) -> &ModuleLink {
    match which {
        Which::Callback => &s.callback,
        Which::Articles => &s.articles,
        Which::Cobrowse => &s.cobrowse,
    }
}

/// A link to a module started with the language, the backend's origin and
/// the site's key (the articles module asks there; the co-browse module
/// opens its data socket there).
fn lazy_link(options: &Options, which: Which, import: Option<js_sys::Function>, mount: &'static str) -> ModuleLink {
    let start = js_sys::Object::new();
    for (key, value) in [("lang", options.lang.tag()), ("base", options.base.as_str()), ("site", options.site.as_str())] {
        crate::modules::set(&start, key, &JsValue::from_str(value));
    }
    ModuleLink::new(which, import, options.app.clone(), mount, start)
}

/// The visitor asks for a code to read to an agent on the phone.
pub fn share_screen() {
    with(|s| s.cobrowse.call("code", JsValue::UNDEFINED));
}

/// A module arrived: it sends its frames through this socket.
pub(crate) fn module_loaded(which: Which, module: JsValue) {
    let send =
        Closure::<dyn Fn(String) -> bool>::new(|text: String| with(|s| s.socket.borrow().as_ref().is_some_and(|socket| socket.send(&text))).unwrap_or(false));
    with(|s| link(s, which).loaded(module, &send.into_js_value()));
}

pub(crate) fn module_failed(which: Which) {
    with(|s| link(s, which).failed());
}

/// The visitor's first question so far, for the knowledge base's
/// suggestions (typed in the composer, or in the pre-chat form's question
/// field); empty puts them away.
pub fn question_typed(text: &str) {
    with(|s| s.articles.call("suggest", JsValue::from_str(text)));
}

pub fn start_chat(prechat: PreChat) -> bool {
    with(|s| s.send(&VisitorFrame::StartChat { prechat })).unwrap_or(false)
}

/// Queues a message (sent now if connected) and stops the typing signal.
pub fn compose(text: MessageText) {
    with(|s| {
        stop_typing(s);
        // Asked: the suggestions for the question go (also when the module
        // is still loading, or a queued search would bring them back).
        if s.articles.started() {
            s.articles.call("suggest", JsValue::from_str(""));
        }
        let mut effects = Effects::default();
        let id = webclient::ids::new_client_id();
        s.signals.state.update(|c| effects = c.compose(id, text, webclient::time::now_ms()));
        s.carry_out(effects);
    });
}

/// The visitor pressed a key in the composer.
pub fn typed() {
    with(|s| {
        if s.signals.state.with_untracked(WidgetState::before_first_message) {
            s.articles.call("suggest", JsValue::from_str(&s.draft.borrow()));
        }
        let now = js_sys::Date::now();
        if now - s.typing_sent_at.get() > TYPING_REPEAT_MS && s.send(&VisitorFrame::Typing { on: true }) {
            s.typing_sent_at.set(now);
        }
        let Some(window) = web_sys::window() else { return };
        let idle = Closure::<dyn FnMut()>::new(|| {
            with(stop_typing);
        });
        if let Ok(id) = window.set_timeout_with_callback_and_timeout_and_arguments_0(idle.as_ref().unchecked_ref(), TYPING_IDLE_MS) {
            if let Some((old, _)) = s.typing_timer.borrow_mut().replace((id, idle)) {
                window.clear_timeout_with_handle(old);
            }
        }
    });
}

fn stop_typing(s: &Rc<Live>) {
    if let Some((id, _)) = s.typing_timer.borrow_mut().take() {
        if let Some(window) = web_sys::window() {
            window.clear_timeout_with_handle(id);
        }
    }
    if s.typing_sent_at.replace(0.0) > 0.0 {
        s.send(&VisitorFrame::Typing { on: false });
    }
}
