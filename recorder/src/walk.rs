//! Writing nodes as the recording's JSON. A walk goes depth first with its
//! own stack, so a snapshot can stop when its time slice is used up and go
//! on at the next one (the page's main thread is never held for long); a
//! new subtree found by a mutation is written by a walk with no deadline.

use std::collections::VecDeque;

use wasm_bindgen::JsCast;
use web_sys::{Element, Node};

use crate::json::Json;
use crate::rules::{self, Attribute, Value};
use crate::{OwnedFacts, State};

const SVG: &str = "http://www.w3.org/2000/svg";
const MATHML: &str = "http://www.w3.org/1998/Math/MathML";
/// Nodes written between looks at the clock.
const NODES_PER_CLOCK_CHECK: u32 = 32;

/// More children of the same element, after its light children.
enum Segment {
    /// An open shadow root's children (`"s"`).
    Shadow(web_sys::ShadowRoot),
    /// A same-origin iframe's document element (`"doc"`).
    Doc(Element),
}

/// The children of one element being written.
struct Frame {
    parent: u32,
    /// The node whose children these are (the element, its shadow root,
    /// or its iframe's document).
    holder: Node,
    /// Whether the parent is editable (its text is typed, so masked).
    editable: bool,
    next: Option<Node>,
    /// Inside `[`…`]` (children), or writing one node (`"doc"`).
    in_array: bool,
    single: bool,
    segments: VecDeque<Segment>,
}

pub(crate) struct Walk {
    out: Json,
    root: Option<(Node, Option<u32>)>,
    stack: Vec<Frame>,
}

impl Walk {
    /// A walk that appends `root` (and everything in it) to `out`.
    pub(crate) fn new(out: Json, root: Node, parent: Option<u32>) -> Self {
        Self { out, root: Some((root, parent)), stack: Vec::new() }
    }

    /// Writes until done (true) or `deadline` (performance.now() in ms) has
    /// passed (false: call again).
    pub(crate) fn run(&mut self, state: &mut State, deadline: f64) -> bool {
        // The page ran between slices: a child the walk was about to visit
        // may have moved (into a private element, say). Its old parent's
        // other children then come with the mutation that moved it.
        for frame in &mut self.stack {
            if frame.next.as_ref().is_some_and(|next| next.parent_node().as_ref() != Some(&frame.holder)) {
                frame.next = None;
            }
        }
        let mut since_check = 0;
        loop {
            since_check += 1;
            if since_check >= NODES_PER_CLOCK_CHECK {
                since_check = 0;
                if deadline.is_finite() && crate::now_ms(&state.win) > deadline {
                    return false;
                }
            }
            let Some(frame) = self.stack.last_mut() else {
                match self.root.take() {
                    Some((root, parent)) => {
                        self.visit(state, root, parent, None);
                        continue;
                    }
                    None => return true,
                }
            };
            if let Some(node) = frame.next.take() {
                frame.next = if frame.single { None } else { node.next_sibling() };
                let (parent, editable) = (frame.parent, frame.editable);
                self.visit(state, node, Some(parent), Some(editable));
                continue;
            }
            if frame.in_array {
                self.out.raw("]");
                frame.in_array = false;
            }
            match frame.segments.pop_front() {
                Some(Segment::Shadow(root)) => {
                    self.out.raw(",\"s\":[");
                    frame.in_array = true;
                    frame.single = false;
                    frame.next = root.first_child();
                    frame.holder = root.into();
                }
                Some(Segment::Doc(element)) => {
                    self.out.raw(",\"doc\":");
                    frame.single = true;
                    // A document in design mode is an editor: all its
                    // text is typed.
                    frame.editable = element.owner_document().is_some_and(|d| in_design_mode(&d));
                    if let Some(doc) = element.owner_document() {
                        frame.holder = doc.into();
                    }
                    frame.next = Some(element.into());
                }
                None => {
                    self.out.raw("}");
                    self.stack.pop();
                }
            }
        }
    }

    pub(crate) fn finish(self) -> Json {
        self.out
    }

    /// Writes `node`; `editable` is whether its parent is editable, when
    /// the walk knows (else it asks the page).
    fn visit(&mut self, state: &mut State, node: Node, parent: Option<u32>, editable: Option<bool>) {
        match node.node_type() {
            Node::TEXT_NODE | Node::CDATA_SECTION_NODE => {
                let text = match editable {
                    Some(false) => node.node_value().unwrap_or_default(),
                    Some(true) => masked(&node.node_value().unwrap_or_default()).to_string(),
                    None => text_of(state, &node),
                };
                let id = state.assign(&node, parent, false);
                if text == rules::MASK {
                    state.masked_text.insert(id, true);
                }
                self.out.item().raw("{").key("i").int(id).key("x").string(&text).raw("}");
            }
            // The node type says it is an element: no need to ask again.
            Node::ELEMENT_NODE => self.element(state, node.unchecked_into::<Element>(), parent, editable),
            _ => {}
        }
    }

    fn element(&mut self, state: &mut State, element: Element, parent: Option<u32>, parent_editable: Option<bool>) {
        let f = state.facts(&element);
        // Rapport's widget is a custom element: only those are compared.
        if rules::skipped(&f.tag) || (f.tag.contains('-') && state.is_host(&element)) {
            return;
        }
        let is_sheet = f.tag == "style" || (f.tag == "link" && is_stylesheet_link(&element));
        if f.tag == "link" && !is_sheet {
            return;
        }
        let css = if is_sheet {
            match css_of(state, &element) {
                Some(css) => Some(css),
                // A sheet from another origin (or not loaded yet) cannot be
                // read; the viewer could not load it either.
                None => return,
            }
        } else {
            None
        };
        let id = state.assign(&element, parent, true);
        let out = &mut self.out;
        out.item().raw("{").key("i").int(id).key("t").string(if is_sheet { "style" } else { &f.tag });
        if f.tag == "svg" || f.tag == "math" {
            let namespace = element.namespace_uri().unwrap_or_default();
            if namespace == SVG {
                out.key("ns").string("svg");
            } else if namespace == MATHML {
                out.key("ns").string("math");
            }
        }
        if rules::blocked(&f.facts()) {
            let r = element.get_bounding_client_rect();
            out.key("blk").raw("[").num(r.width()).item().num(r.height()).raw("]}");
            state.blocked.insert(id);
            state.opaque.insert(id);
            return;
        }
        if let Some(css) = css {
            // A sheet for print (or another medium) applies only there.
            if let Some(media) = element.get_attribute("media") {
                out.key("a").raw("{").key("media").string(&media).raw("}");
            }
            out.key("css").string(&css).raw("}");
            state.styles.insert(id);
            state.opaque.insert(id);
            return;
        }
        out.key("a").raw("{");
        let masked = state.masked(&element);
        // Inside a masked editable region the element itself was typed or
        // pasted: its attributes are content too.
        let typed = masked && parent_editable.unwrap_or_else(|| parent_is_editable(&element));
        // Whether its text is typed: read from its attributes as they pass
        // (`contenteditable`), unless the walk did not know its parent's.
        let mut editable = parent_editable;
        let attributes = element.attributes();
        for i in 0..attributes.length() {
            if let Some(a) = attributes.item(i) {
                let (name, value) = (a.name(), a.value());
                if name.eq_ignore_ascii_case("contenteditable") && editable.is_some() {
                    editable = Some(!value.eq_ignore_ascii_case("false"));
                }
                if !typed || rules::kept_in_typed_content(&name) {
                    write_attribute(state, out, &f, &name, Some(&value), masked);
                }
            }
        }
        out.raw("}");
        let kind = rules::value_kind(&f.tag, &f.input_type);
        if kind != Value::None {
            write_value(state, out, &element, kind);
        }
        // A textarea's text is its value; a masked select's options would
        // tell which one is chosen.
        if f.tag == "textarea" || (kind == Value::Select && masked) {
            out.raw("}");
            state.opaque.insert(id);
            return;
        }
        let mut segments = VecDeque::new();
        if let Some(root) = element.shadow_root() {
            state.new_roots.push(root.clone().into());
            segments.push_back(Segment::Shadow(root));
        }
        if f.tag == "iframe" {
            if let Some(inner) = element.dyn_ref::<web_sys::HtmlIFrameElement>().and_then(|f| f.content_document()).and_then(|d| d.document_element()) {
                if let Some(doc) = inner.owner_document() {
                    state.new_roots.push(doc.into());
                }
                segments.push_back(Segment::Doc(inner));
            }
        }
        let first = element.first_child();
        if first.is_none() && segments.is_empty() {
            out.raw("}");
            return;
        }
        out.raw(",\"c\":[");
        let editable = match editable {
            Some(known) => known,
            None => first.is_some() && element.dyn_ref::<web_sys::HtmlElement>().is_some_and(|e| e.is_content_editable()),
        };
        self.stack.push(Frame { parent: id, holder: element.into(), editable, next: first, in_array: true, single: false, segments });
    }
}

fn is_stylesheet_link(element: &Element) -> bool {
    element.get_attribute("rel").unwrap_or_default().to_ascii_lowercase().split_ascii_whitespace().any(|r| r == "stylesheet")
}

/// Whether an element's parent is editable (asked of the page: the walk
/// knows it for the elements it reaches from above).
pub(crate) fn parent_is_editable(element: &Element) -> bool {
    element.parent_element().is_some_and(|p| p.unchecked_ref::<web_sys::HtmlElement>().is_content_editable())
        || element.owner_document().is_some_and(|d| in_design_mode(&d))
}

/// Whether a document is in design mode (the whole of it editable).
fn in_design_mode(doc: &web_sys::Document) -> bool {
    js_sys::Reflect::get(doc, &"designMode".into()).ok().and_then(|v| v.as_string()).is_some_and(|m| m.eq_ignore_ascii_case("on"))
}

/// Typed text as recorded: the mask, or nothing for blank text (which
/// tells nothing but keeps the layout).
pub(crate) fn masked(text: &str) -> &str {
    if text.trim().is_empty() {
        text
    } else {
        rules::MASK
    }
}

/// A text node's text as recorded: masked inside an editable region the
/// site did not unmask, or when where it is cannot be told (a detached
/// node, which an editor may be moving).
pub(crate) fn text_of(state: &State, node: &Node) -> String {
    let text = node.node_value().unwrap_or_default();
    let Some(parent) = node.parent_element() else { return masked(&text).to_string() };
    // Not `dyn_into`: an element of a same-origin iframe (a rich-text
    // editor's) fails the top window's `instanceof`. Only HTML elements
    // say they are editable; on others the property is absent (false).
    let editable = parent.unchecked_ref::<web_sys::HtmlElement>().is_content_editable() || parent.owner_document().is_some_and(|d| in_design_mode(&d));
    if editable && state.masked(&parent) {
        masked(&text).to_string()
    } else {
        text
    }
}

/// A style sheet element's rules as text, its URLs absolute; None when it
/// cannot be read.
pub(crate) fn css_of(state: &State, node: &Node) -> Option<String> {
    let sheet = if let Some(style) = node.dyn_ref::<web_sys::HtmlStyleElement>() {
        style.sheet()
    } else if let Some(link) = node.dyn_ref::<web_sys::HtmlLinkElement>() {
        link.sheet()
    } else {
        None
    };
    match sheet.and_then(|s| s.dyn_into::<web_sys::CssStyleSheet>().ok()) {
        Some(sheet) => state.sheet_text(&sheet),
        // A <style> not parsed as a sheet (in an inert subtree): its text.
        None if node.dyn_ref::<web_sys::HtmlStyleElement>().is_some() => {
            Some(rules::css_urls(&node.text_content().unwrap_or_default(), |u| state.resolve(u, None)))
        }
        None => None,
    }
}

/// Writes `name` as the rules allow; false when it is not recorded.
pub(crate) fn write_attribute(state: &State, out: &mut Json, f: &OwnedFacts, name: &str, value: Option<&str>, masked: bool) -> bool {
    let Some(value) = value else { return false };
    match rules::attribute(&f.tag, &f.input_type, name) {
        Attribute::Drop => return false,
        Attribute::Keep => {
            out.key(name).string(value);
        }
        Attribute::Url => {
            if rules::is_script_url(value) {
                return false;
            }
            let absolute = state.resolve(value, None);
            out.key(name).string(absolute.as_deref().unwrap_or(value));
        }
        Attribute::UrlList => {
            out.key(name).string(&rules::srcset(value, |u| state.resolve(u, None)));
        }
        Attribute::Style => {
            out.key(name).string(&rules::css_urls(value, |u| state.resolve(u, None)));
        }
        Attribute::Masked => {
            out.key(name).string(if !masked || value.is_empty() { value } else { rules::MASK });
        }
    }
    true
}

/// Writes a field's value (`"v"`, `"ck"` or `"sel"`), masked unless the
/// site unmasked the field.
pub(crate) fn write_value(state: &State, out: &mut Json, element: &Element, kind: Value) {
    let masked = state.masked(element);
    match kind {
        // Whether a box is ticked is a value too: told only where unmasked.
        Value::Checked if masked => {}
        Value::Checked => {
            let checked = element.dyn_ref::<web_sys::HtmlInputElement>().is_some_and(|i| i.checked());
            out.key("ck").raw(if checked { "true" } else { "false" });
        }
        Value::Text => {
            let value = if let Some(input) = element.dyn_ref::<web_sys::HtmlInputElement>() {
                input.value()
            } else if let Some(area) = element.dyn_ref::<web_sys::HtmlTextAreaElement>() {
                area.value()
            } else {
                String::new()
            };
            out.key("v").string(if value.is_empty() {
                ""
            } else if masked {
                rules::MASK
            } else {
                &value
            });
        }
        Value::Select => {
            match element.dyn_ref::<web_sys::HtmlSelectElement>() {
                Some(select) if !masked => out.key("sel").num(f64::from(select.selected_index())),
                _ => out.key("v").string(rules::MASK),
            };
        }
        Value::None => {}
    }
}
