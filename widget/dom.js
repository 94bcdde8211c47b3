// Small DOM helpers the lazily loaded modules share (the callback module
// and the file uploads); esbuild bundles them into each module.

// Builds an element: el('p', { class: 'x', onclick: f }, [children or text]).
export function el(tag, attrs, children) {
  var node = document.createElement(tag)
  for (var k in attrs || {}) {
    if (attrs[k] === false || attrs[k] == null) continue
    if (k.slice(0, 2) === 'on') node.addEventListener(k.slice(2), attrs[k])
    else if (k === 'value') node.value = attrs[k]
    else node.setAttribute(k, attrs[k] === true ? '' : attrs[k])
  }
  ;[].concat(children == null ? [] : children).forEach(function (c) {
    node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c)
  })
  return node
}

// Adds a style sheet to the document or shadow root `root` as a
// constructed sheet, which a strict Content Security Policy allows.
export function adopt(root, css) {
  if (root && 'adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function') {
    var sheet = new CSSStyleSheet()
    sheet.replaceSync(css)
    root.adoptedStyleSheets = root.adoptedStyleSheets.concat([sheet])
  }
}

// Fills {name} placeholders in a sentence.
export function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, function (_, k) { return values[k] == null ? '' : String(values[k]) })
}
