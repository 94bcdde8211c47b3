// The mirror: the visitor's page rebuilt in a sandboxed iframe of the
// console from the operations of a co-browse recording (docs/cobrowse.md).
// The live view and the replay both draw with it.
//
// Everything in a recording was written by a page we do not control, so
// the mirror treats it as hostile: the iframe runs no script (its sandbox
// has no allow-scripts), elements are made one by one through the DOM (no
// markup is ever parsed), nothing that runs, navigates or embeds is made
// (those become inert stand-ins), no event handler, srcdoc, form action or
// javascript: URL is set, and style sheets are constructed sheets, which
// the console's Content Security Policy (inherited by the about:blank
// iframe) allows where a <style> element's text would be refused.

const NS = { html: 'http://www.w3.org/1999/xhtml', svg: 'http://www.w3.org/2000/svg', math: 'http://www.w3.org/1998/Math/MathML' }
const XLINK = 'http://www.w3.org/1999/xlink'
const XML = 'http://www.w3.org/XML/1998/namespace'
// The namespace of a <style> element's stand-in: one no browser renders
// or applies, since inserting even an empty HTML or SVG <style> is
// reported as a breach of the Content Security Policy.
const INERT = 'urn:x-rapport:inert'

// Elements that would run, load, navigate or reconfigure something: they
// become a hidden <span>, or (those that take room on the page) a grey box.
const HIDDEN = new Set(['script', 'noscript', 'base', 'meta', 'link'])
const BOXES = new Set(['iframe', 'object', 'embed', 'applet', 'frame', 'frameset', 'portal', 'fencedframe'])
// What a stand-in box keeps of its element: enough for the page's CSS to
// size and place it.
const BOX_ATTRS = new Set(['id', 'class', 'style', 'width', 'height', 'title', 'hidden', 'frameborder', 'scrolling'])
// Attributes never set, whatever their value. Autofocus would pull the
// agent's keyboard focus into the mirror.
const DROP = new Set(['srcdoc', 'formaction', 'autoplay', 'autofocus', 'ping'])
// Elements a blocked box stays inline among.
const INLINE = new Set(['a', 'abbr', 'b', 'button', 'canvas', 'code', 'em', 'i', 'iframe', 'img', 'input', 'label', 'meter', 'output', 'progress', 'select', 'small', 'span', 'strong', 'svg', 'textarea', 'video'])
// SVG element names with capitals, in case a recorder lower-cases them
// (the HTML parser restores the same ones).
const SVG_TAGS = new Map('altGlyph altGlyphDef altGlyphItem animateColor animateMotion animateTransform clipPath feBlend feColorMatrix feComponentTransfer feComposite feConvolveMatrix feDiffuseLighting feDisplacementMap feDistantLight feDropShadow feFlood feFuncA feFuncB feFuncG feFuncR feGaussianBlur feImage feMerge feMergeNode feMorphology feOffset fePointLight feSpecularLighting feSpotLight feTile feTurbulence foreignObject glyphRef linearGradient radialGradient textPath'.split(' ').map(t => [t.toLowerCase(), t]))
// The mirror's own rules, first in every document and shadow root: a
// stand-in box gets the size its width and height attributes say (or an
// iframe's default) unless the page's CSS says otherwise (:where() weighs
// nothing), and a grey dashed look.
const BASE = ':where([data-rp-box]){display:inline-block;width:var(--rp-width,300px);height:var(--rp-height,150px)}[data-rp-box]{background:#e5e7eb!important;border:1px dashed #9ca3af!important;box-sizing:border-box!important}[data-rp-style]{display:none!important}'

// Whether an attribute must not be set on a mirror element. Values are
// checked with control characters and white space removed, since URL
// parsers skip those ("java\tscript:" is javascript:).
export function unsafeAttr(name, value) {
  const n = String(name).toLowerCase()
  if (n.slice(0, 2) === 'on' || DROP.has(n) || n.slice(0, 5) === 'xmlns') return true
  const v = String(value).replace(/[\u0000-\u0020\u007f-\u00a0]/g, '').toLowerCase()
  return v.includes('javascript:') || v.includes('vbscript:')
}

// The records of a stored recording: [u32 BE ms][u32 BE length][bytes].
// A record cut short at the end (a recording still being written) is left out.
export function parseRecording(buffer) {
  const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out = []
  for (let at = 0; at + 8 <= bytes.byteLength;) {
    const ms = view.getUint32(at)
    const length = view.getUint32(at + 4)
    if (at + 8 + length > bytes.byteLength) break
    out.push({ ms, bytes: bytes.subarray(at + 8, at + 8 + length) })
    at += 8 + length
  }
  return out
}

// The operations of one recording message: byte 0 is its kind, the rest gzip of JSON.
export async function decode(bytes) {
  const stream = new Blob([bytes.subarray(1)]).stream().pipeThrough(new DecompressionStream('gzip'))
  // A hostile recording could unzip to gigabytes in the agent's tab: read
  // at most MAX_UNZIPPED and give up past it.
  const reader = stream.getReader()
  const parts = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > MAX_UNZIPPED) {
      reader.cancel()
      throw new Error('a recording message too large to show')
    }
    parts.push(value)
  }
  return JSON.parse(await new Blob(parts).text())
}

// The most one recording message may unzip to.
const MAX_UNZIPPED = 64 << 20

// How much a page of w×h must shrink to fit a stage of width×height; never grown.
export function fitScale(width, height, w, h) {
  if (!(w > 0 && h > 0 && width > 0 && height > 0)) return 1
  return Math.min(1, width / w, height / h)
}

// Page coordinates to stage coordinates and back. `view` is { scale, sx,
// sy }: the stage's scale and the mirror's own scroll position.
export function toStage(view, x, y) {
  return { x: (x - view.sx) * view.scale, y: (y - view.sy) * view.scale }
}

export function toPage(view, x, y) {
  return { x: x / view.scale + view.sx, y: y / view.scale + view.sy }
}

function setAttr(el, name, value) {
  if (unsafeAttr(name, value)) return
  value = String(value)
  try {
    if (name === 'style') {
      if (el.style) el.style.cssText = value
    } else if (name.slice(0, 6) === 'xlink:') el.setAttributeNS(XLINK, name, value)
    else if (name.slice(0, 4) === 'xml:') el.setAttributeNS(XML, name, value)
    else el.setAttribute(name, value)
  } catch (e) {}
}

function removeAttr(el, name) {
  try {
    if (name.slice(0, 6) === 'xlink:') el.removeAttributeNS(XLINK, name.slice(6))
    else el.removeAttribute(name)
  } catch (e) {}
}

// A stand-in box takes its size from the element's width and height
// attributes, as the element would have; through custom properties, so
// that the page's own CSS (and style attribute) still wins, as it would.
function sizeBox(el) {
  ;['width', 'height'].forEach(k => {
    const v = el.getAttribute(k)
    if (v) el.style.setProperty('--rp-' + k, /^\d+(\.\d+)?$/.test(v) ? v + 'px' : v)
  })
}

// The namespace a new child of `parent` is made in: SVG and MathML pass
// theirs on, except that a foreignObject holds HTML again.
function nsOf(parent) {
  const uri = parent && parent.namespaceURI
  if (uri === NS.svg) return parent.localName === 'foreignObject' ? 'html' : 'svg'
  return uri === NS.math ? 'math' : 'html'
}

// Gives an about:blank document a doctype (so a standards page is not laid
// out in quirks mode, which only the parser can switch). The markup is a
// constant; nothing from the recording is ever written.
function prepare(doc, standards) {
  try {
    doc.open()
    doc.write(standards ? '<!doctype html><html></html>' : '<html></html>')
    doc.close()
  } catch (e) {}
}

export class Mirror {
  // `iframe` is the mirror's sandboxed iframe; `hooks` are { refused(op),
  // focusOut() }: a remote action the visitor's browser refused, and
  // something in the mirror took the keyboard focus (which the console
  // takes back: the mirror is for looking at).
  constructor(iframe, hooks) {
    this.iframe = iframe
    this.hooks = hooks || {}
    this.follow = true
    this.doc = null
    this.reset()
  }

  reset() {
    this.nodes = new Map() // id → mirror node
    this.ids = new WeakMap() // mirror node → id, for hit-testing
    this.kinds = new WeakMap() // stand-ins and style elements → 'hide' | 'box' | 'blk' | 'frame' | 'style'
    this.css = new WeakMap() // style element → its sheet's text
    this.sheets = new WeakMap() // style element or document → { doc, text, media, sheet }
    this.frames = new Map() // nested iframe → { root, doc }
    this.hosts = new Set() // elements we gave a shadow root
    this.options = new WeakSet() // the lone <option> of a masked <select>
    this.adopted = []
    this.adoptedSheets = null
    this.dirty = false
    this.w = 0
    this.h = 0
    this.sx = 0
    this.sy = 0
    this.ptr = null
    this.focus = null
    this.url = ''
    this.title = ''
  }

  // Applies one message's operations, in order. An operation that does not
  // fit the mirror (a node it never had, say) is skipped, not fatal.
  apply(ops) {
    if (!Array.isArray(ops)) return
    for (const op of ops) {
      if (!op || (op.k !== 'snap' && !this.doc)) continue
      try {
        this.op(op)
      } catch (e) {}
    }
    this.settle()
    this.sync()
  }

  op(op) {
    const node = this.nodes.get(op.i)
    const kind = node && this.kinds.get(node)
    switch (op.k) {
      case 'snap': return this.snap(op)
      case 'kids': return this.kids(node, op.c || [])
      case 'attr':
        if (!node || node.nodeType !== 1 || kind === 'blk' || kind === 'hide') return
        for (const k in op.a || {}) {
          if ((kind === 'box' || kind === 'frame') && !BOX_ATTRS.has(k.toLowerCase())) continue
          if (kind === 'style' && k !== 'media') continue
          if (op.a[k] == null) removeAttr(node, k)
          else setAttr(node, k, op.a[k])
        }
        if (kind === 'box') sizeBox(node)
        if (kind === 'style') this.dirty = true
        return
      case 'text':
        if (node && node.nodeType === 3) node.data = String(op.x)
        return
      case 'val':
        if (node && !kind) this.values(node, op)
        return
      case 'swap': {
        if (!node) return
        const next = this.node(op.n, nsOf(node.parentNode))
        if (!next) return
        this.nodes.set(op.i, next)
        if (node.parentNode) node.parentNode.replaceChild(next, node)
        this.dirty = true
        return
      }
      case 'css':
        if (kind === 'style') {
          this.css.set(node, String(op.css || ''))
          this.dirty = true
        }
        return
      case 'adopted':
        this.adopted = Array.isArray(op.css) ? op.css : []
        this.dirty = true
        return
      case 'scroll':
        // Scroll positions only hold once the style sheets are in place
        // (an element may only scroll because of them).
        this.settle()
        if (op.i === 0) {
          this.sx = +op.x || 0
          this.sy = +op.y || 0
        } else if (node && node.nodeType === 1) {
          node.scrollLeft = +op.x || 0
          node.scrollTop = +op.y || 0
        }
        return
      case 'vp':
        this.w = +op.w || 0
        this.h = +op.h || 0
        return this.size()
      case 'ptr':
        this.ptr = op.x == null ? null : { x: +op.x, y: +op.y }
        return
      case 'focus':
        this.focus = op.i == null ? null : op.i
        return
      case 'refused':
        if (this.hooks.refused) this.hooks.refused(op)
    }
  }

  snap(op) {
    this.reset()
    this.w = +op.w || 0
    this.h = +op.h || 0
    this.sx = +op.sx || 0
    this.sy = +op.sy || 0
    this.url = String(op.url || '')
    this.title = String(op.title || '')
    this.adopted = Array.isArray(op.adopted) ? op.adopted : []
    // The viewport's size first, so media queries and scrolling see it.
    this.size()
    const doc = this.iframe.contentDocument
    prepare(doc, String(op.dt || '').toLowerCase() === 'html')
    this.guard(doc)
    this.doc = doc
    const root = this.node(op.n, 'html')
    if (root && root.nodeType === 1) {
      if (doc.documentElement) doc.replaceChild(root, doc.documentElement)
      else doc.appendChild(root)
    }
    this.dirty = true
  }

  size() {
    if (this.w > 0) this.iframe.style.width = this.w + 'px'
    if (this.h > 0) this.iframe.style.height = this.h + 'px'
  }

  // Keeps the mirror's documents still: a link or button reached by the
  // keyboard does nothing, and focus goes back to the console.
  guard(doc) {
    const stop = e => e.preventDefault()
    ;['click', 'auxclick', 'submit', 'dragstart'].forEach(type => doc.addEventListener(type, stop, true))
    doc.addEventListener('focusin', () => {
      if (doc.activeElement && doc.activeElement.blur) doc.activeElement.blur()
      if (this.hooks.focusOut) this.hooks.focusOut()
    }, true)
  }

  // Makes the mirror node for a recorded node (and its subtree), in
  // namespace `ns` unless the node names its own.
  node(n, ns) {
    if (!n || typeof n !== 'object') return null
    const node = n.t == null ? this.doc.createTextNode(String(n.x == null ? '' : n.x)) : this.element(n, n.ns && NS[n.ns] ? n.ns : ns)
    if (n.i != null) {
      this.nodes.set(n.i, node)
      this.ids.set(node, n.i)
    }
    return node
  }

  element(n, ns) {
    const doc = this.doc
    // A name with a prefix (`x:iframe`) would make the very element the
    // checks below keep out: only plain names are made as they are.
    const tag = /^[a-zA-Z][a-zA-Z0-9-]*$/.test(String(n.t)) ? String(n.t) : 'span'

    const lower = tag.toLowerCase()
    let el
    if (Array.isArray(n.blk)) {
      // A private element: a box of its size, and nothing of it.
      const w = Math.max(0, +n.blk[0] || 0)
      const h = Math.max(0, +n.blk[1] || 0)
      if (ns === 'svg') {
        el = doc.createElementNS(NS.svg, 'rect')
        el.setAttribute('width', w)
        el.setAttribute('height', h)
        el.setAttribute('fill', '#e5e7eb')
      } else {
        el = doc.createElement(INLINE.has(lower) ? 'span' : 'div')
        el.style.cssText = 'display:' + (INLINE.has(lower) ? 'inline-block' : 'block') + '!important;width:' + w + 'px!important;height:' + h + 'px!important;' +
          'box-sizing:border-box!important;background:#e5e7eb!important;border:1px dashed #9ca3af!important;margin:0!important;padding:0!important'
      }
      this.kinds.set(el, 'blk')
      return el
    }
    if (HIDDEN.has(lower)) {
      el = doc.createElement('span')
      el.style.cssText = 'display:none!important'
      this.kinds.set(el, 'hide')
      this.orphans(n, ns)
      return el
    }
    if (lower === 'iframe' && n.doc && ns === 'html') return this.frame(n)
    if (BOXES.has(lower)) {
      el = doc.createElement(INLINE.has(lower) ? 'span' : 'div')
      el.setAttribute('data-rp-box', '')
      for (const k in n.a || {}) if (BOX_ATTRS.has(k.toLowerCase())) setAttr(el, k, n.a[k])
      sizeBox(el)
      this.kinds.set(el, 'box')
      this.orphans(n, ns)
      return el
    }
    if (lower === 'style') {
      // A stand-in keeps its place (and id); its rules become a
      // constructed sheet (restyle), and its media attribute the sheet's.
      el = doc.createElementNS(INERT, 'style')
      el.setAttribute('data-rp-style', '')
      if (n.a && n.a.media) setAttr(el, 'media', n.a.media)
      this.kinds.set(el, 'style')
      this.css.set(el, String(n.css || ''))
      this.dirty = true
      this.orphans(n, ns)
      return el
    }
    try {
      el = doc.createElementNS(NS[ns], ns === 'svg' ? SVG_TAGS.get(lower) || tag : tag)
    } catch (e) {
      el = doc.createElement('span')
    }
    for (const k in n.a || {}) if (n.a[k] != null) setAttr(el, k, n.a[k])
    const inner = lower === 'foreignobject' && ns === 'svg' ? 'html' : ns
    for (const c of n.c || []) {
      const child = this.node(c, inner)
      if (child) el.appendChild(child)
    }
    if (Array.isArray(n.s)) {
      let root = el
      try {
        root = el.attachShadow({ mode: 'open' })
        this.hosts.add(el)
      } catch (e) {}
      for (const c of n.s) {
        const child = this.node(c, inner)
        if (child) root.appendChild(child)
      }
    }
    this.values(el, n)
    return el
  }

  // The children of an element that keeps none are still made, since a
  // later operation may name them.
  orphans(n, ns) {
    for (const c of (n.c || []).concat(n.s || [])) this.node(c, ns)
  }

  // A same-origin iframe: an iframe of our own, sandboxed like the mirror
  // and without src, whose document is filled once it is in the page
  // (only then does it have one).
  frame(n) {
    const el = this.doc.createElement('iframe')
    el.setAttribute('sandbox', 'allow-same-origin')
    el.setAttribute('tabindex', '-1')
    for (const k in n.a || {}) if (BOX_ATTRS.has(k.toLowerCase())) setAttr(el, k, n.a[k])
    const record = { root: null, doc: null }
    // Set before its document is made, so frames inside come after it in the map.
    this.frames.set(el, record)
    record.root = this.node(n.doc, 'html')
    this.kinds.set(el, 'frame')
    return el
  }

  values(el, n) {
    const name = el.namespaceURI === NS.html ? el.localName : ''
    try {
      if (n.v != null) {
        if (name === 'input' || name === 'textarea') el.value = String(n.v)
        else if (name === 'select') {
          // A masked select comes without options: one shows what it holds.
          let option = el.options.length === 1 && this.options.has(el.options[0]) ? el.options[0] : null
          if (!option && !el.options.length) {
            option = this.doc.createElement('option')
            this.options.add(option)
            el.appendChild(option)
          }
          if (option) option.textContent = String(n.v)
        }
      }
      if (n.ck != null && name === 'input') el.checked = !!n.ck
      if (n.sel != null && name === 'select') el.selectedIndex = +n.sel
    } catch (e) {}
  }

  kids(parent, list) {
    const ns = nsOf(parent)
    const children = list.map(c => (typeof c === 'number' ? this.nodes.get(c) : this.node(c, ns))).filter(Boolean)
    if (!parent || this.kinds.get(parent) || !parent.insertBefore) return
    children.forEach((child, k) => {
      if (parent.childNodes[k] !== child) parent.insertBefore(child, parent.childNodes[k] || null)
    })
    while (parent.childNodes.length > children.length) parent.removeChild(parent.lastChild)
    this.dirty = true
  }

  // After structural changes: fills nested frames that are new (or were
  // reloaded by a move) and sets every document's and shadow root's sheets.
  settle() {
    for (const [el, record] of this.frames) {
      const doc = el.isConnected && el.contentDocument
      if (!doc || doc === record.doc) continue
      const root = record.doc ? record.doc.documentElement : record.root
      prepare(doc, true)
      this.guard(doc)
      if (root && doc.documentElement) doc.replaceChild(doc.adoptNode(root), doc.documentElement)
      else if (root) doc.appendChild(doc.adoptNode(root))
      record.doc = doc
      this.dirty = true
    }
    if (this.dirty) this.restyle()
  }

  restyle() {
    this.dirty = false
    const roots = [this.doc]
    for (const [el, record] of this.frames) if (record.doc && el.isConnected) roots.push(record.doc)
    for (const host of this.hosts) if (host.isConnected && host.shadowRoot) roots.push(host.shadowRoot)
    for (const root of roots) {
      const doc = root.ownerDocument || root
      const list = [this.sheet(doc, BASE, doc, '')]
      root.querySelectorAll('[data-rp-style]').forEach(el => {
        const text = this.css.get(el)
        if (text) list.push(this.sheet(el, text, doc, el.getAttribute('media') || ''))
      })
      if (root === this.doc) list.push(...this.adoptedFor(doc))
      const sheets = list.filter(Boolean)
      // Setting the list restyles the whole document, so only when it changed.
      const had = root.adoptedStyleSheets || []
      if (had.length === sheets.length && sheets.every((sheet, k) => had[k] === sheet)) continue
      try {
        root.adoptedStyleSheets = sheets
      } catch (e) {}
    }
  }

  // A constructed sheet for `key`, made in `doc`'s realm (a document only
  // takes sheets made by its own window), kept until its text changes.
  sheet(key, text, doc, media) {
    const had = this.sheets.get(key)
    if (had && had.doc === doc && had.text === text && had.media === media) return had.sheet
    let sheet = null
    try {
      sheet = new doc.defaultView.CSSStyleSheet(media ? { media } : {})
      sheet.replaceSync(text)
    } catch (e) {}
    this.sheets.set(key, { doc, text, media, sheet })
    return sheet
  }

  adoptedFor(doc) {
    const had = this.adoptedSheets
    if (had && had.doc === doc && had.css === this.adopted) return had.list
    const list = this.adopted.map(text => {
      try {
        const sheet = new doc.defaultView.CSSStyleSheet()
        sheet.replaceSync(String(text))
        return sheet
      } catch (e) {
        return null
      }
    })
    this.adoptedSheets = { doc, css: this.adopted, list }
    return list
  }

  // While following, the mirror shows what the visitor sees.
  sync() {
    const win = this.iframe.contentWindow
    if (!this.follow || !win || !this.doc) return
    if (Math.abs(win.scrollX - this.sx) > 1 || Math.abs(win.scrollY - this.sy) > 1) win.scrollTo({ left: this.sx, top: this.sy, behavior: 'instant' })
  }

  // The mirror window's own scroll position.
  scroll() {
    const win = this.iframe.contentWindow
    return win && this.doc ? { x: win.scrollX, y: win.scrollY } : { x: 0, y: 0 }
  }

  scrollBy(dx, dy) {
    const win = this.iframe.contentWindow
    if (win && this.doc) win.scrollTo({ left: win.scrollX + dx, top: win.scrollY + dy, behavior: 'instant' })
  }

  // The id of the recorded node at (x, y) of the mirror's viewport: the
  // innermost element there (inside shadow roots and nested frames too),
  // or its nearest ancestor that has an id.
  hit(x, y) {
    if (!this.doc) return null
    let root = this.doc
    let node = null
    for (let depth = 0; depth < 16 && root; depth++) {
      const el = root.elementFromPoint(x, y)
      if (!el || el === node) break
      node = el
      const record = this.frames.get(el)
      if (el.shadowRoot) root = el.shadowRoot
      else if (record && record.doc) {
        const r = el.getBoundingClientRect()
        x -= r.left + el.clientLeft
        y -= r.top + el.clientTop
        root = record.doc
      } else break
    }
    for (; node; node = node.parentNode || node.host) if (this.ids.has(node)) return this.ids.get(node)
    return null
  }

  // Where node `id` is in the mirror's viewport, or null.
  rect(id) {
    const node = this.nodes.get(id)
    if (!node || !node.isConnected) return null
    let r
    if (node.nodeType === 3) {
      const range = node.ownerDocument.createRange()
      range.selectNodeContents(node)
      r = range.getBoundingClientRect()
    } else if (node.getBoundingClientRect) r = node.getBoundingClientRect()
    else return null
    let x = r.left
    let y = r.top
    for (let doc = node.ownerDocument; doc !== this.doc;) {
      const frame = doc.defaultView && doc.defaultView.frameElement
      if (!frame) return null
      const f = frame.getBoundingClientRect()
      x += f.left + frame.clientLeft
      y += f.top + frame.clientTop
      doc = frame.ownerDocument
    }
    return { x, y, w: r.width, h: r.height }
  }
}
