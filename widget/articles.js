// The articles module: while a visitor types their first question, before
// anyone is queued, it shows up to three published articles of the site's
// knowledge base that may answer it. Titles come first; an article's text
// is fetched only when the visitor opens it, and the visitor's answer to
// "did this answer your question?" is recorded, so the team can count the
// questions self-service resolved.
//
// The widget loads it the first time the visitor types with no chat open,
// and only on sites that have published articles (the loader knows from
// the boot data), so the chat download carries none of it. The article's
// HTML is rendered and made safe by the server (`knowledge::render`).

import { el, adopt } from './dom.js'

var WORDS = {
  en: { heading: 'Articles that may help', back: 'Back', helped: 'Did this answer your question?', yes: 'Yes', no: 'No', thanks: 'Glad it helped. You can still write to us below.' },
  'zh-Hant': { heading: '可能有幫助的文章', back: '返回', helped: '這篇文章解答了您的問題嗎？', yes: '是', no: '否', thanks: '很高興能幫上忙。如仍有需要，歡迎在下方留言給我們。' },
  'zh-Hans': { heading: '可能有帮助的文章', back: '返回', helped: '这篇文章解答了您的问题吗？', yes: '是', no: '否', thanks: '很高兴能帮上忙。如仍有需要，欢迎在下方留言给我们。' }
}

var CSS = [
  '.rp-articles:empty{display:none}',
  '.rp-articles{border-top:1px solid var(--rp-line,#e5e7eb);background:#f8fafc;flex-shrink:0;max-height:60%;overflow:auto;font-size:14px}',
  '.rp-kb-list{padding:10px 16px}',
  '.rp-kb-list h3,.rp-kb-page h3{margin:0 0 6px;font-size:13px;color:#374151}',
  '.rp-kb-list ul{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:4px}',
  '.rp-kb-list button{font:inherit;text-align:left;width:100%;padding:6px 10px;border-radius:8px;border:1px solid #cbd5e1;background:#fff;color:var(--rp-accent-text,#1d4ed8);cursor:pointer}',
  '.rp-kb-page{padding:12px 16px;display:flex;flex-direction:column;gap:8px}',
  '.rp-kb-page h3{font-size:15px;color:#111827}',
  '.rp-kb-body{line-height:1.5;color:#1f2937;overflow-wrap:anywhere}',
  '.rp-kb-body img{max-width:100%}',
  '.rp-kb-body p,.rp-kb-body ul,.rp-kb-body ol{margin:0 0 8px}',
  '.rp-kb-actions{display:flex;gap:8px;align-items:center;flex-wrap:wrap}',
  '.rp-kb-actions button,.rp-kb-back{font:inherit;font-size:13px;padding:5px 12px;border-radius:8px;border:1px solid #cbd5e1;background:#fff;color:#1f2937;cursor:pointer}',
  '.rp-kb-back{align-self:flex-start}',
  '.rp-articles button:focus-visible{outline:2px solid var(--rp-accent,#2f6fed);outline-offset:2px}'
].join('')

// How long typing must pause before the question is searched.
var PAUSE_MS = 350

export function start(options) {
  var mount = options.mount
  var w = WORDS[options.lang] || WORDS.en
  var root = mount.getRootNode()
  adopt(root, CSS)
  var api = options.base + '/api/v1/sites/' + encodeURIComponent(options.site) + '/articles'
  var timer = 0
  var asked = '' // the question the list was found for
  var found = [] // [{ id, title }]
  var page = null // the open article: { id, title, html, answered }
  var seq = 0 // answers to older questions are dropped

  mount.setAttribute('aria-live', 'polite')
  mount.addEventListener('keydown', function (e) {
    // Escape closes the article, not the whole widget.
    if (e.key === 'Escape' && page) {
      e.stopPropagation()
      close()
    }
  })

  function get(url) {
    return fetch(url, { credentials: 'omit' }).then(function (r) {
      if (!r.ok) throw r.status
      return r.json()
    })
  }

  // Where the visitor was typing their question: the composer, or the
  // pre-chat form's question.
  function composer() {
    return root.querySelector('.rp-input,textarea[name=question]')
  }

  function render() {
    mount.textContent = ''
    if (page) {
      var body = el('div', { class: 'rp-kb-body' })
      // Rendered and made safe by the server: see `knowledge::render`.
      body.innerHTML = page.html
      var actions = page.answered
        ? el('p', { class: 'rp-kb-actions', role: 'status' }, w.thanks)
        : el('div', { class: 'rp-kb-actions', role: 'group', 'aria-label': w.helped }, [
            el('span', {}, w.helped),
            el('button', { type: 'button', class: 'rp-kb-yes', onclick: function () { answer(true) } }, w.yes),
            el('button', { type: 'button', class: 'rp-kb-no', onclick: function () { answer(false) } }, w.no)
          ])
      mount.appendChild(el('article', { class: 'rp-kb-page', 'aria-labelledby': 'rp-kb-title' }, [
        el('button', { type: 'button', class: 'rp-kb-back', onclick: close }, '← ' + w.back),
        el('h3', { id: 'rp-kb-title', tabindex: '-1' }, page.title),
        body,
        actions
      ]))
    } else if (found.length) {
      mount.appendChild(el('section', { class: 'rp-kb-list', 'aria-labelledby': 'rp-kb-heading' }, [
        el('h3', { id: 'rp-kb-heading' }, w.heading),
        el('ul', {}, found.map(function (a) {
          return el('li', {}, el('button', { type: 'button', class: 'rp-kb-article', onclick: function () { open(a.id) } }, a.title))
        }))
      ]))
    }
  }

  function open(id) {
    get(api + '/' + id).then(function (a) {
      page = { id: a.id, title: a.title, html: a.html, answered: false }
      render()
      var title = mount.querySelector('#rp-kb-title')
      if (title) title.focus()
    }).catch(function () {})
  }

  function close() {
    page = null
    render()
    var input = composer()
    if (input) input.focus()
  }

  function answer(answered) {
    fetch(api + '/' + page.id + '/answer?answered=' + answered, { method: 'POST', credentials: 'omit' }).catch(function () {})
    if (answered) {
      page.answered = true
      render()
      var status = mount.querySelector('[role=status]')
      if (status) status.setAttribute('tabindex', '-1')
    } else {
      close()
    }
  }

  // The visitor's question so far; empty once a chat starts.
  function suggest(text) {
    clearTimeout(timer)
    text = String(text || '').trim()
    if (!text) {
      seq++
      found = []
      asked = ''
      if (!page || page.answered) page = null
      render()
      return
    }
    if (text === asked) return
    timer = setTimeout(function () {
      var mine = ++seq
      get(api + '?q=' + encodeURIComponent(text.slice(0, 300)) + '&lang=' + encodeURIComponent(options.lang)).then(function (list) {
        if (mine !== seq) return
        asked = text
        found = list.slice(0, 3)
        if (!page) render()
      }).catch(function () {})
    }, PAUSE_MS)
  }

  return { suggest: suggest }
}
