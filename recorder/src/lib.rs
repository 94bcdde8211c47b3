//! The co-browse recorder, run in the visitor's browser by the widget's
//! co-browse module (`widget/cobrowse.js`) once the visitor consented.
//!
//! It records the page as the operations of `docs/cobrowse.md`: a full
//! snapshot, taken in slices the module schedules (`step`) so the page
//! never stalls, then what changed (mutations, values, scrolling, the
//! viewport, focus, the pointer), gathered until the module `flush`es once
//! per animation frame. Every element, attribute and value passes
//! [`rules`] first: blocked elements are empty boxes, field values are
//! masked unless the site unmasked them, and nothing that runs script is
//! recorded. The agent's remote clicks and keys are checked here again,
//! whatever the server let through.

mod json;
pub mod rules;
mod walk;

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use js_sys::{Array, Float64Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, Event, EventTarget, HtmlElement, MutationObserver, MutationObserverInit, MutationRecord, Node, Window};

use json::Json;
use rules::{Bucket, Facts, Refusal, Value};
use walk::Walk;

/// What the recorder holds between calls.
pub(crate) struct State {
    win: Window,
    doc: Document,
    /// Rapport's own widget, never recorded.
    host: Option<Element>,
    unmask: Vec<String>,
    allow_submit: bool,
    /// Node → id (a JS WeakMap, so a removed node is not kept alive by it).
    ids: js_sys::WeakMap,
    nodes: HashMap<u32, Node>,
    /// The id of each recorded node's parent, to tell a move from a stay.
    parent_of: HashMap<u32, u32>,
    next_id: u32,
    /// Elements recorded without their children: blocked ones, masked
    /// selects, textareas (their text is their value) and style sheets.
    opaque: HashSet<u32>,
    blocked: HashSet<u32>,
    styles: HashSet<u32>,
    /// The snapshot being taken, and the finished one not yet flushed.
    walk: Option<Walk>,
    snapshot: Option<String>,
    /// Mutations seen, processed at the next flush.
    records: Vec<MutationRecord>,
    /// Operations waiting for the next flush (without the brackets).
    ops: Json,
    scrolls: Vec<(u32, f64, f64)>,
    viewport: bool,
    /// The visitor's pointer since the last flush: a position, or hidden
    /// (over something private, where its moves would tell what is typed
    /// on an on-screen keypad).
    pointer: Option<Option<(f64, f64)>>,
    /// What each field's value was last recorded as, so a masked field
    /// sends nothing while its mask stays the same (its keystrokes'
    /// count and timing are nobody's business).
    values: HashMap<u32, String>,
    /// Text nodes recorded masked, and whether as non-empty: they stay
    /// masked wherever they go (an editor moves its text nodes about).
    masked_text: HashMap<u32, bool>,
    focus: Option<Option<u32>>,
    bucket: Bucket,
    flushed_snapshot: bool,
    /// Time spent snapshotting, and nodes recorded by the last snapshot.
    snapshot_ms: f64,
    snapshot_nodes: u32,
    longest_step_ms: f64,
    /// Shadow roots and same-origin iframes' documents found by the walk,
    /// to observe: their changes are recorded like the page's.
    new_roots: Vec<Node>,
}

type Listener = Closure<dyn FnMut(Event)>;

#[wasm_bindgen]
pub struct Recorder {
    state: Rc<RefCell<State>>,
    observer: Option<MutationObserver>,
    _observed: Option<Closure<dyn FnMut(Array, MutationObserver)>>,
    listeners: Vec<(EventTarget, &'static str, Listener)>,
}

fn now_ms(win: &Window) -> f64 {
    win.performance().map(|p| p.now()).unwrap_or(0.0)
}

#[wasm_bindgen]
impl Recorder {
    /// `options`: `{ unmask: [selectors], allow_submit: bool, host: Element }`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: &JsValue) -> Result<Recorder, JsValue> {
        let win = web_sys::window().ok_or("no window")?;
        let doc = win.document().ok_or("no document")?;
        let get = |k: &str| Reflect::get(options, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
        let unmask = Array::from(&get("unmask")).iter().filter_map(|s| s.as_string()).filter(|s| doc.query_selector(s).is_ok()).collect();
        let bucket = Bucket::new(now_ms(&win));
        let state = State {
            host: get("host").dyn_into::<Element>().ok(),
            allow_submit: get("allow_submit").as_bool().unwrap_or(false),
            unmask,
            ids: js_sys::WeakMap::new(),
            nodes: HashMap::new(),
            values: HashMap::new(),
            masked_text: HashMap::new(),
            parent_of: HashMap::new(),
            next_id: 1,
            opaque: HashSet::new(),
            blocked: HashSet::new(),
            styles: HashSet::new(),
            walk: None,
            snapshot: None,
            records: Vec::new(),
            ops: Json::default(),
            scrolls: Vec::new(),
            viewport: false,
            pointer: None,
            focus: None,
            bucket,
            flushed_snapshot: false,
            snapshot_ms: 0.0,
            snapshot_nodes: 0,
            longest_step_ms: 0.0,
            new_roots: Vec::new(),
            win,
            doc,
        };
        Ok(Recorder { state: Rc::new(RefCell::new(state)), observer: None, _observed: None, listeners: Vec::new() })
    }

    /// Begins the first snapshot and starts listening.
    pub fn start(&mut self) -> Result<(), JsValue> {
        let state = self.state.clone();
        let observed = Closure::<dyn FnMut(Array, MutationObserver)>::new(move |records: Array, _| {
            let mut s = state.borrow_mut();
            s.records.extend(records.iter().filter_map(|r| r.dyn_into::<MutationRecord>().ok()));
        });
        let observer = MutationObserver::new(observed.as_ref().unchecked_ref())?;
        let doc = self.state.borrow().doc.clone();
        observer.observe_with_options(&doc, &observe_options())?;
        self.observer = Some(observer);
        self._observed = Some(observed);
        self.listen(doc.clone().into(), "input", |s, e| s.value_changed(e));
        self.listen(doc.clone().into(), "change", |s, e| s.value_changed(e));
        self.listen(doc.clone().into(), "scroll", |s, e| s.scrolled(e));
        self.listen(doc.clone().into(), "pointermove", |s, e| s.pointer_moved(e));
        self.listen(doc.clone().into(), "focusin", |s, e| s.focused(e));
        // A frame's load does not bubble, but passes the document on its
        // way in: a same-origin frame that (re)loaded is recorded afresh.
        self.listen(doc.clone().into(), "load", |s, e| s.frame_loaded(e));
        let win = self.state.borrow().win.clone();
        self.listen(win.into(), "resize", |s, _| s.viewport = true);
        self.state.borrow_mut().begin_snapshot();
        Ok(())
    }

    fn listen(&mut self, target: EventTarget, name: &'static str, handle: fn(&mut State, &Event)) {
        let state = self.state.clone();
        let listener = Closure::<dyn FnMut(Event)>::new(move |e: Event| {
            if let Ok(mut s) = state.try_borrow_mut() {
                handle(&mut s, &e);
            }
        });
        let options = web_sys::AddEventListenerOptions::new();
        options.set_capture(true);
        options.set_passive(true);
        let _ = target.add_event_listener_with_callback_and_add_event_listener_options(name, listener.as_ref().unchecked_ref(), &options);
        self.listeners.push((target, name, listener));
    }

    /// Does snapshot work for at most `budget_ms`; true once the snapshot
    /// is complete.
    pub fn step(&mut self, budget_ms: f64) -> bool {
        let mut s = self.state.borrow_mut();
        let Some(mut walk) = s.walk.take() else { return true };
        let started = now_ms(&s.win);
        let done = walk.run(&mut s, started + budget_ms);
        let spent = now_ms(&s.win) - started;
        s.snapshot_ms += spent;
        s.longest_step_ms = s.longest_step_ms.max(spent);
        if done {
            let mut out = walk.finish();
            out.raw("}");
            s.snapshot = Some(out.out);
            s.snapshot_nodes = s.next_id - 1;
        } else {
            s.walk = Some(walk);
        }
        drop(s);
        self.observe_new_roots();
        done
    }

    fn observe_new_roots(&mut self) {
        let roots = std::mem::take(&mut self.state.borrow_mut().new_roots);
        if let Some(observer) = &self.observer {
            for root in roots {
                let _ = observer.observe_with_options(&root, &observe_options());
            }
        }
    }

    /// The operations since the last flush as a JSON array, or nothing.
    /// Nothing is flushed while a snapshot is being taken.
    pub fn flush(&mut self) -> Option<String> {
        if let Some(observer) = &self.observer {
            let pending = observer.take_records();
            self.state.borrow_mut().records.extend(pending.iter().filter_map(|r| r.dyn_into::<MutationRecord>().ok()));
        }
        let out = {
            let mut s = self.state.borrow_mut();
            if s.walk.is_some() {
                return None;
            }
            s.flush()
        };
        self.observe_new_roots();
        out
    }

    /// Whether the last flush began with a snapshot.
    pub fn flushed_snapshot(&self) -> bool {
        self.state.borrow().flushed_snapshot
    }

    /// Begins a fresh snapshot (the server asked: a viewer joined or fell
    /// behind); what was not flushed is dropped, the snapshot replaces it.
    pub fn resnapshot(&mut self) {
        // A snapshot under way answers the request when it is done;
        // starting over would let repeated requests keep it from ending.
        if self.state.borrow().walk.is_some() {
            return;
        }
        if let Some(observer) = &self.observer {
            let _ = observer.take_records();
        }
        self.state.borrow_mut().begin_snapshot();
    }

    /// Node `id`'s box in the viewport: `[x, y, width, height]`.
    pub fn rect(&self, id: u32) -> Option<Float64Array> {
        let s = self.state.borrow();
        let element = s.nodes.get(&id)?.dyn_ref::<Element>()?;
        if !element.is_connected() {
            return None;
        }
        let r = element.get_bounding_client_rect();
        Some(Float64Array::from(&[r.x(), r.y(), r.width(), r.height()][..]))
    }

    /// Scrolls the page so node `id` is in view.
    pub fn goto(&self, id: u32) -> bool {
        let s = self.state.borrow();
        let Some(element) = s.nodes.get(&id).and_then(|n| n.dyn_ref::<Element>()).filter(|e| e.is_connected()) else { return false };
        let options = web_sys::ScrollIntoViewOptions::new();
        options.set_behavior(web_sys::ScrollBehavior::Smooth);
        options.set_block(web_sys::ScrollLogicalPosition::Center);
        element.scroll_into_view_with_scroll_into_view_options(&options);
        true
    }

    /// A remote click: '' when done, else why it was refused. The click
    /// happens with the recorder's state released, so what it changes on
    /// the page is recorded like any change.
    pub fn click(&self, id: u32) -> String {
        let checked = {
            let mut s = self.state.borrow_mut();
            s.may_act(id).and_then(|element| s.may_click(&element))
        };
        let verdict = checked.and_then(|element| {
            element.dyn_ref::<HtmlElement>().ok_or(Refusal::Gone)?.click();
            Ok(())
        });
        self.state.borrow_mut().answer(id, verdict)
    }

    /// A remote key into an unmasked text field: '' when done, else why
    /// it was refused.
    pub fn key(&self, id: u32, key: &str) -> String {
        let checked = {
            let mut s = self.state.borrow_mut();
            s.may_act(id).and_then(|element| {
                let f = s.facts(&element);
                rules::may_type(&f.facts(), s.masked(&element), s.in_private(&element))?;
                s.edit_for(&element, key)
            })
        };
        let verdict = checked.and_then(Edit::apply);
        self.state.borrow_mut().answer(id, verdict)
    }

    /// Milliseconds spent on the last snapshot, its nodes and its longest
    /// slice (for `cargo xtask bench cobrowse`).
    pub fn snapshot_ms(&self) -> f64 {
        self.state.borrow().snapshot_ms
    }

    pub fn snapshot_nodes(&self) -> u32 {
        self.state.borrow().snapshot_nodes
    }

    pub fn longest_step_ms(&self) -> f64 {
        self.state.borrow().longest_step_ms
    }

    /// Stops observing and listening.
    pub fn stop(&mut self) {
        if let Some(observer) = self.observer.take() {
            observer.disconnect();
        }
        for (target, name, listener) in self.listeners.drain(..) {
            let _ = target.remove_event_listener_with_callback_and_bool(name, listener.as_ref().unchecked_ref(), true);
        }
        let mut s = self.state.borrow_mut();
        s.walk = None;
        s.nodes.clear();
    }
}

fn observe_options() -> MutationObserverInit {
    let options = MutationObserverInit::new();
    options.set_child_list(true);
    options.set_attributes(true);
    options.set_character_data(true);
    options.set_subtree(true);
    options
}

/// What a remote key does, carried out once the recorder's state is
/// released (the page's listeners, and the recorder's, then see it).
enum Edit {
    Value(Element, String),
    Submit(web_sys::HtmlFormElement),
    Nothing,
}

impl Edit {
    fn apply(self) -> Result<(), Refusal> {
        match self {
            Edit::Value(element, next) => {
                if let Some(input) = element.dyn_ref::<web_sys::HtmlInputElement>() {
                    input.set_value(&next);
                } else if let Some(area) = element.dyn_ref::<web_sys::HtmlTextAreaElement>() {
                    area.set_value(&next);
                }
                let init = web_sys::EventInit::new();
                init.set_bubbles(true);
                if let Ok(event) = Event::new_with_event_init_dict("input", &init) {
                    let _ = element.dispatch_event(&event);
                }
                Ok(())
            }
            Edit::Submit(form) => form.request_submit().map_err(|_| Refusal::Gone),
            Edit::Nothing => Ok(()),
        }
    }
}

/// An element's attributes the rules read, owned.
pub(crate) struct OwnedFacts {
    tag: String,
    input_type: String,
    autocomplete: String,
    name: String,
    id: String,
    private: bool,
}

impl OwnedFacts {
    pub(crate) fn facts(&self) -> Facts<'_> {
        Facts { tag: &self.tag, input_type: &self.input_type, autocomplete: &self.autocomplete, name: &self.name, id: &self.id, private: self.private }
    }
}

impl State {
    pub(crate) fn facts(&self, element: &Element) -> OwnedFacts {
        let attr = |n: &str| element.get_attribute(n).unwrap_or_default();
        let tag = element.local_name();
        // Only fields are told apart by their type, autocomplete, name and
        // id: reading them from every element would cost the snapshot four
        // calls into the page per element for nothing.
        let field = matches!(tag.as_str(), "input" | "textarea" | "select" | "button");
        let input_type = if tag == "input" || tag == "button" { attr("type").to_ascii_lowercase() } else { String::new() };
        let input_type = if tag == "input" && input_type.is_empty() { "text".to_string() } else { input_type };
        let (autocomplete, name, id) = if field { (attr("autocomplete"), attr("name"), attr("id")) } else { Default::default() };
        OwnedFacts { input_type, autocomplete, name, id, private: element.has_attribute(rules::PRIVATE_ATTRIBUTE), tag }
    }

    /// Whether the site unmasked this element (or the editable region it
    /// is in) by one of its selectors.
    pub(crate) fn unmasked(&self, element: &Element) -> bool {
        self.unmask.iter().any(|selector| element.closest(selector).ok().flatten().is_some())
    }

    /// Whether what is typed into this element is masked.
    pub(crate) fn masked(&self, element: &Element) -> bool {
        !self.unmasked(element)
    }

    /// Whether the element is inside an element marked private.
    fn in_private(&self, element: &Element) -> bool {
        element.closest(&format!("[{}]", rules::PRIVATE_ATTRIBUTE)).ok().flatten().is_some() || self.id_of(element).is_some_and(|id| self.blocked.contains(&id))
    }

    pub(crate) fn id_of(&self, node: &Node) -> Option<u32> {
        self.ids.get(node).as_f64().map(|id| id as u32)
    }

    /// A fresh id for `node`, remembered both ways.
    /// `element`: whether the node is an element, the only kind looked up
    /// by id (guidance, a changed child list); text nodes are found from
    /// their mutation records, so keeping them would cost the snapshot a
    /// call into the page each for nothing.
    pub(crate) fn assign(&mut self, node: &Node, parent: Option<u32>, element: bool) -> u32 {
        let id = self.next_id;
        self.next_id += 1;
        self.ids.set(node.unchecked_ref::<Object>(), &JsValue::from(id));
        if element {
            self.nodes.insert(id, node.clone());
        }
        if let Some(parent) = parent {
            self.parent_of.insert(id, parent);
        }
        id
    }

    pub(crate) fn is_host(&self, element: &Element) -> bool {
        self.host.as_ref().is_some_and(|h| h == element)
    }

    pub(crate) fn resolve(&self, url: &str, base: Option<&str>) -> Option<String> {
        let url = url.trim();
        if url.is_empty() || url.starts_with('#') || url.starts_with("data:") || url.starts_with("blob:") {
            return None;
        }
        let base = base.map(str::to_owned).or_else(|| self.doc.base_uri().ok().flatten())?;
        web_sys::Url::new_with_base(url, &base).ok().map(|u| u.href())
    }

    fn begin_snapshot(&mut self) {
        self.ids = js_sys::WeakMap::new();
        self.nodes.clear();
        self.values.clear();
        self.masked_text.clear();
        self.parent_of.clear();
        self.opaque.clear();
        self.blocked.clear();
        self.styles.clear();
        self.records.clear();
        self.ops = Json::default();
        self.scrolls.clear();
        self.pointer = None;
        self.focus = None;
        self.snapshot = None;
        self.snapshot_ms = 0.0;
        self.longest_step_ms = 0.0;
        self.next_id = 1;
        let mut head = Json::default();
        head.raw("{").key("k").string("snap");
        head.key("url").string(&self.doc.url().unwrap_or_default());
        head.key("title").string(&self.doc.title());
        let (w, h) = self.viewport_size();
        head.key("w").num(w).key("h").num(h);
        head.key("sx").num(self.win.scroll_x().unwrap_or(0.0)).key("sy").num(self.win.scroll_y().unwrap_or(0.0));
        if let Some(doctype) = self.doc.doctype() {
            head.key("dt").string(&doctype.name());
        }
        head.key("adopted").raw("[");
        for css in self.adopted_sheets(&self.doc.clone().into()) {
            head.item().string(&css);
        }
        head.raw("]").key("n");
        self.walk = self.doc.document_element().map(|root| Walk::new(head, root.into(), None));
    }

    fn viewport_size(&self) -> (f64, f64) {
        let w = self.win.inner_width().ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
        let h = self.win.inner_height().ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
        (w, h)
    }

    /// The text of a document's (or shadow root's) adopted style sheets.
    pub(crate) fn adopted_sheets(&self, root: &JsValue) -> Vec<String> {
        let sheets = Reflect::get(root, &JsValue::from_str("adoptedStyleSheets")).unwrap_or(JsValue::UNDEFINED);
        Array::from(&sheets).iter().filter_map(|s| s.dyn_into::<web_sys::CssStyleSheet>().ok()).filter_map(|s| self.sheet_text(&s)).collect()
    }

    /// A readable (same-origin) sheet's rules as text, its URLs absolute.
    pub(crate) fn sheet_text(&self, sheet: &web_sys::CssStyleSheet) -> Option<String> {
        let rules = sheet.css_rules().ok()?;
        let mut text = String::new();
        for i in 0..rules.length() {
            if let Some(rule) = rules.item(i) {
                text.push_str(&rule.css_text());
                text.push('\n');
            }
        }
        let base = sheet.href().ok().flatten();
        Some(rules::css_urls(&text, |u| self.resolve(u, base.as_deref())))
    }

    fn flush(&mut self) -> Option<String> {
        let records = std::mem::take(&mut self.records);
        self.apply_records(records);
        let snapshot = self.snapshot.take();
        self.flushed_snapshot = snapshot.is_some();
        let mut out = Json::default();
        out.raw("[");
        if let Some(snapshot) = &snapshot {
            out.raw(snapshot);
        }
        let ops = std::mem::take(&mut self.ops);
        if !ops.out.is_empty() {
            out.item().raw(&ops.out);
        }
        for (id, x, y) in std::mem::take(&mut self.scrolls) {
            out.item().raw("{").key("k").string("scroll").key("i").int(id).key("x").num(x).key("y").num(y).raw("}");
        }
        if std::mem::take(&mut self.viewport) {
            let (w, h) = self.viewport_size();
            out.item().raw("{").key("k").string("vp").key("w").num(w).key("h").num(h).raw("}");
        }
        match self.pointer.take() {
            Some(Some((x, y))) => {
                out.item().raw("{").key("k").string("ptr").key("x").num(x).key("y").num(y).raw("}");
            }
            Some(None) => {
                out.item().raw("{").key("k").string("ptr").key("x").raw("null").key("y").raw("null").raw("}");
            }
            None => {}
        }
        if let Some(focus) = self.focus.take() {
            out.item().raw("{").key("k").string("focus").key("i");
            match focus {
                Some(id) => out.int(id),
                None => out.raw("null"),
            };
            out.raw("}");
        }
        if out.out == "[" {
            return None;
        }
        out.raw("]");
        Some(out.out)
    }

    /// Turns the mutations seen into operations: each node's state as it
    /// is now, so applying them is the same however many records told of
    /// one change.
    fn apply_records(&mut self, records: Vec<MutationRecord>) {
        let mut listed: Vec<u32> = Vec::new();
        let mut hosts: Vec<u32> = Vec::new();
        for record in records {
            let Some(target) = record.target() else { continue };
            // A shadow root has no id of its own: a change to its children
            // records its host afresh.
            if let Some(root) = target.dyn_ref::<web_sys::ShadowRoot>() {
                let host = root.host();
                if let Some(id) = self.id_of(&host).filter(|id| !hosts.contains(id) && !self.under_private(&host, *id)) {
                    hosts.push(id);
                }
                continue;
            }
            let Some(id) = self.id_of(&target) else { continue };
            if !target.is_connected() {
                continue;
            }
            // Nothing under a private or blocked element is told, whatever
            // was recorded of it before it became so (or moved there); an
            // element's own attributes are judged by what is above it, as
            // they may be what makes it private.
            let kind = record.type_();
            let judged = match (kind.as_str(), target.parent_node()) {
                ("attributes", Some(parent)) => self.id_of(&parent).map(|p| (parent, p)),
                ("attributes", None) => None,
                _ => Some((target.clone(), id)),
            };
            if judged.is_none_or(|(node, id)| self.under_private(&node, id)) {
                continue;
            }
            match kind.as_str() {
                "childList" => {
                    if self.styles.contains(&id) {
                        self.write_css(id);
                    } else if !self.opaque.contains(&id) && !listed.contains(&id) {
                        listed.push(id);
                    }
                }
                "attributes" => {
                    if let (Some(element), Some(name)) = (target.dyn_ref::<Element>(), record.attribute_name()) {
                        self.attribute_changed(id, element, &name);
                    }
                }
                "characterData" => {
                    let parent = target.parent_element();
                    match parent.as_ref().and_then(|p| self.id_of(p)) {
                        Some(pid) if self.styles.contains(&pid) => self.write_css(pid),
                        _ => self.text_changed(id, &target),
                    }
                }
                _ => {}
            }
        }
        for id in listed {
            self.write_kids(id);
        }
        for id in hosts {
            if let Some(host) = self.nodes.get(&id).and_then(|n| n.dyn_ref::<Element>().cloned()) {
                self.write_swap(id, &host);
            }
        }
    }

    /// Records element `id` afresh (`swap`), with everything in it.
    fn write_swap(&mut self, id: u32, element: &Element) {
        let parent = self.parent_of.get(&id).copied();
        let mut out = std::mem::take(&mut self.ops);
        let before = out.out.len();
        out.item().raw("{").key("k").string("swap").key("i").int(id).key("n");
        let opened = out.out.len();
        let mut walk = Walk::new(out, element.clone().into(), parent);
        walk.run(self, f64::INFINITY);
        out = walk.finish();
        if out.out.len() == opened {
            // Nothing was written for it (a sheet that cannot be read,
            // say): no operation rather than broken JSON.
            out.out.truncate(before);
        } else {
            out.raw("}");
        }
        self.ops = out;
    }

    /// A text node's new text: masked if it was recorded masked or is in an
    /// editable region now, and then told only when the mask changes.
    fn text_changed(&mut self, id: u32, node: &Node) {
        let was_masked = self.masked_text.get(&id).copied();
        let text = match was_masked {
            Some(_) => walk::masked(&node.node_value().unwrap_or_default()).to_string(),
            None => walk::text_of(self, node),
        };
        if was_masked.is_some() || text == rules::MASK {
            let shown = !text.is_empty();
            if was_masked == Some(shown) {
                return;
            }
            self.masked_text.insert(id, shown);
        }
        self.ops.item().raw("{").key("k").string("text").key("i").int(id).key("x").string(&text).raw("}");
    }

    /// Whether `node` (recorded as `id`) is inside something private: an
    /// element marked private in the page now, or one recorded as blocked
    /// (through the ids it was recorded under, which also covers shadow
    /// trees, where the page's `closest` does not reach).
    pub(crate) fn under_private(&self, node: &Node, id: u32) -> bool {
        let element = match node.dyn_ref::<Element>() {
            Some(e) => Some(e.clone()),
            None => node.parent_element(),
        };
        if element.is_some_and(|e| self.in_private(&e)) {
            return true;
        }
        let mut at = Some(id);
        for _ in 0..10_000 {
            let Some(i) = at else { return false };
            if self.blocked.contains(&i) {
                return true;
            }
            at = self.parent_of.get(&i).copied();
        }
        false
    }

    fn write_kids(&mut self, id: u32) {
        let Some(parent) = self.nodes.get(&id).cloned() else { return };
        if !parent.is_connected() {
            return;
        }
        let mut out = std::mem::take(&mut self.ops);
        out.item().raw("{").key("k").string("kids").key("i").int(id).key("c").raw("[");
        let children = parent.child_nodes();
        for i in 0..children.length() {
            let Some(child) = children.item(i) else { continue };
            match self.id_of(&child).filter(|c| self.parent_of.get(c) == Some(&id)) {
                Some(existing) => {
                    out.item().int(existing);
                }
                None => {
                    let mut walk = Walk::new(std::mem::take(&mut out), child, Some(id));
                    walk.run(self, f64::INFINITY);
                    out = walk.finish();
                }
            }
        }
        out.raw("]}");
        self.ops = out;
    }

    fn write_css(&mut self, id: u32) {
        let Some(node) = self.nodes.get(&id).cloned() else { return };
        let Some(css) = walk::css_of(self, &node) else { return };
        self.ops.item().raw("{").key("k").string("css").key("i").int(id).key("css").string(&css).raw("}");
    }

    fn attribute_changed(&mut self, id: u32, element: &Element, name: &str) {
        if self.blocked.contains(&id) {
            // Once blocked, always: a "show password" toggle makes a
            // password field a text field, whose typing is no less secret.
            return;
        }
        let f = self.facts(element);
        let now_blocked = rules::blocked(&f.facts());
        if now_blocked || (name == "type" && f.tag == "input") {
            // It became private (or changed kind): record it afresh. Its
            // old id counts as blocked too, so nothing recorded under it
            // before is told of again.
            if now_blocked {
                self.blocked.insert(id);
            }
            self.write_swap(id, element);
            return;
        }
        let value = element.get_attribute(name);
        if !rules::kept_in_typed_content(name) && self.masked(element) && walk::parent_is_editable(element) {
            // Typed content's attributes are content (see the walk).
            return;
        }
        let mut a = Json::default();
        a.raw("{");
        if !walk::write_attribute(self, &mut a, &f, name, value.as_deref(), self.masked(element)) {
            if value.is_some() {
                // A dropped attribute (an event handler, say): nothing to say.
                return;
            }
            a.key(name).raw("null");
        }
        a.raw("}");
        self.ops.item().raw("{").key("k").string("attr").key("i").int(id).key("a").raw(&a.out).raw("}");
    }

    fn value_changed(&mut self, e: &Event) {
        // Inside a shadow root the event's target is the host; the field
        // is the first of its composed path.
        let first = e.composed_path().get(0);
        let Some(element) = first.dyn_into::<Element>().ok().or_else(|| e.target().and_then(|t| t.dyn_into::<Element>().ok())) else { return };
        let Some(id) = self.id_of(&element) else { return };
        if self.under_private(&element, id) {
            return;
        }
        let f = self.facts(&element);
        let kind = rules::value_kind(&f.tag, &f.input_type);
        if kind == Value::None {
            return;
        }
        let mut value = Json::default();
        walk::write_value(self, &mut value, &element, kind);
        if self.values.get(&id) == Some(&value.out) {
            return;
        }
        self.values.insert(id, value.out.clone());
        self.ops.item().raw("{").key("k").string("val").key("i").int(id).raw(&value.out).raw("}");
    }

    fn frame_loaded(&mut self, e: &Event) {
        let Some(frame) = e.target().and_then(|t| t.dyn_into::<Element>().ok()).filter(|t| t.local_name() == "iframe") else { return };
        let Some(id) = self.id_of(&frame) else { return };
        if self.walk.is_none() && !self.under_private(&frame, id) {
            self.write_swap(id, &frame);
        }
    }

    fn scrolled(&mut self, e: &Event) {
        let target = e.target();
        let (id, x, y) = match target.as_ref().and_then(|t| t.dyn_ref::<Element>()) {
            Some(element) if element != &self.doc.document_element().unwrap_or_else(|| element.clone()) => {
                let Some(id) = self.id_of(element) else { return };
                // A text field scrolls as its text grows: its scrolling
                // would tell how much was typed.
                if matches!(element.local_name().as_str(), "input" | "textarea") || self.under_private(element, id) {
                    return;
                }
                (id, f64::from(element.scroll_left()), f64::from(element.scroll_top()))
            }
            _ => (0, self.win.scroll_x().unwrap_or(0.0), self.win.scroll_y().unwrap_or(0.0)),
        };
        self.scrolls.retain(|(i, _, _)| *i != id);
        self.scrolls.push((id, x, y));
    }

    fn pointer_moved(&mut self, e: &Event) {
        let Some(m) = e.dyn_ref::<web_sys::MouseEvent>() else { return };
        let over = e.target().and_then(|t| t.dyn_into::<Element>().ok());
        let private = over.is_some_and(|o| self.in_private(&o) || self.id_of(&o).is_some_and(|id| self.blocked.contains(&id)));
        self.pointer = Some((!private).then(|| (f64::from(m.page_x()), f64::from(m.page_y()))));
    }

    fn focused(&mut self, e: &Event) {
        let id = e.target().and_then(|t| t.dyn_into::<Node>().ok()).and_then(|n| self.id_of(&n));
        self.focus = Some(id);
    }

    fn may_act(&mut self, id: u32) -> Result<Element, Refusal> {
        if !self.bucket.take(now_ms(&self.win)) {
            return Err(Refusal::Rate);
        }
        self.nodes.get(&id).and_then(|n| n.dyn_ref::<Element>().cloned()).filter(|e| e.is_connected()).ok_or(Refusal::Gone)
    }

    /// Whether a remote click on `element` may happen, judged by what it
    /// would activate: the nearest link, button, field, label or summary
    /// (a click on the icon inside a submit button submits its form; a
    /// click on a label acts on its field).
    fn may_click(&self, element: &Element) -> Result<Element, Refusal> {
        let nearest = element.closest("a[href], button, input, select, textarea, label, summary").ok().flatten().unwrap_or_else(|| element.clone());
        let target: Element = match nearest.dyn_ref::<web_sys::HtmlLabelElement>().and_then(|l| l.control()) {
            Some(control) => control.into(),
            None => nearest,
        };
        let f = self.facts(&target);
        // The browser's own reading of the type (an unknown type submits)
        // and of the form (also one named by `form=`).
        let (kind, in_form) = if let Some(b) = target.dyn_ref::<web_sys::HtmlButtonElement>() {
            (b.type_(), b.form().is_some())
        } else if let Some(i) = target.dyn_ref::<web_sys::HtmlInputElement>() {
            (i.type_(), i.form().is_some())
        } else {
            (f.input_type.clone(), false)
        };
        let facts = Facts { input_type: &kind, ..f.facts() };
        let masked = self.masked(&target);
        if masked && target.dyn_ref::<HtmlElement>().is_some_and(|h| h.is_content_editable()) {
            return Err(Refusal::Private);
        }
        rules::may_click(&facts, masked, self.in_private(&target) || self.in_private(element), in_form, self.allow_submit)?;
        Ok(element.clone())
    }

    /// What a remote key does to a text field.
    fn edit_for(&self, element: &Element, key: &str) -> Result<Edit, Refusal> {
        let (value, is_area, form) = if let Some(input) = element.dyn_ref::<web_sys::HtmlInputElement>() {
            (input.value(), false, input.form())
        } else if let Some(area) = element.dyn_ref::<web_sys::HtmlTextAreaElement>() {
            (area.value(), true, None)
        } else {
            return Err(Refusal::Private);
        };
        let next = match key {
            "Backspace" => {
                let mut v = value;
                v.pop();
                v
            }
            "Enter" if is_area => value + "\n",
            "Enter" => {
                return match form {
                    Some(form) if self.allow_submit => Ok(Edit::Submit(form)),
                    Some(_) => Err(Refusal::Submit),
                    None => Ok(Edit::Nothing),
                };
            }
            k if k != "Tab" && k.chars().count() == 1 => value + k,
            _ => return Ok(Edit::Nothing),
        };
        Ok(Edit::Value(element.clone(), next))
    }

    /// Records a refusal for the agent to see, and answers the module.
    fn answer(&mut self, id: u32, verdict: Result<(), Refusal>) -> String {
        match verdict {
            Ok(()) => String::new(),
            Err(why) => {
                self.ops.item().raw("{").key("k").string("refused").key("i").int(id).key("why").string(why.as_str()).raw("}");
                why.as_str().to_string()
            }
        }
    }
}
