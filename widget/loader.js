// Rapport's loader: the one file a site owner embeds.
//
// It must stay tiny (the budget is 3 KB gzip) and must never break the host
// page, so it: defines nothing but window.Rapport; draws the launcher at once
// inside a shadow root that page CSS cannot reach; asks the backend whether
// chat is available; and loads the Wasm widget only at idle time (when a
// conversation is already under way) or on the first interaction. Every
// failure ends in the launcher saying so, never in an exception on the page.
(function () {
  var w = window, d = document
  if (w.Rapport && w.Rapport.loaded) return
  var script = d.currentScript
  var site = script && script.getAttribute('data-site')
  if (!site) return
  var base = new URL(script.src).origin
  var key = 'rapport:' + site + ':'
  var queue = (w.Rapport && w.Rapport.q) || []
  var listeners = {}
  var app = null
  var loading = null
  var boot = null
  var state = 'idle'
  var title = null

  // Calls made before the widget has loaded wait in this queue.
  function call(name, args) {
    if (name === 'on') {
      (listeners[args[0]] = listeners[args[0]] || []).push(args[1])
      return
    }
    if (app) return app[name] && app[name].apply(app, args)
    queue.push([name, args])
    if (name === 'open') load()
  }
  function api(name) {
    return function () { return call(name, [].slice.call(arguments)) }
  }
  w.Rapport = { loaded: 1, identify: api('identify'), open: api('open'), close: api('close'), toggle: api('toggle'), on: api('on') }

  function emit(name, detail) {
    (listeners[name] || []).forEach(function (f) {
      try { f(detail) } catch (e) { setTimeout(function () { throw e }) }
    })
    if (name === 'unread') {
      badge.textContent = detail > 0 ? detail : '', badge.hidden = !(detail > 0)
      // The widget counts only what the visitor has not seen (the panel
      // closed or the tab hidden), so the tab's title can say it too.
      if (detail > 0) d.title = '(' + detail + ') ' + (title = title == null ? d.title : title)
      else if (title != null) d.title = title, title = null
    }
    if (name === 'open' || name === 'close') launcher.setAttribute('aria-expanded', name === 'open')
  }

  var host = d.createElement('rapport-widget')
  // Inline !important declarations outrank every page rule, so the host box
  // itself cannot be moved, hidden or resized by the page's CSS.
  host.style.cssText = 'all:initial!important;position:fixed!important;z-index:2147483000!important;right:0!important;bottom:0!important;display:block!important;width:0!important;height:0!important'
  var root = host.attachShadow({ mode: 'open' })
  // Styles go in as a constructed sheet, which a page's strict
  // Content-Security-Policy allows (an inline <style> it would block).
  var css = ':host{all:initial}.rp-launcher{position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;border:0;background:var(--rp-accent,#2f6fed);color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center;padding:0;font:600 12px/1.2 system-ui,sans-serif}.rp-launcher:focus-visible{outline:3px solid #111;outline-offset:3px}.rp-launcher svg{width:28px;height:28px;fill:currentColor}.rp-badge{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;border-radius:10px;background:#e5484d;color:#fff;font:700 12px/20px system-ui,sans-serif;text-align:center;padding:0 5px;box-sizing:border-box}.rp-badge[hidden],.rp-launcher-status[hidden]{display:none}.rp-unavailable{background:#6b7280}.rp-launcher-status{position:fixed;right:84px;bottom:32px;background:#111;color:#fff;font:13px/1.3 system-ui,sans-serif;padding:6px 10px;border-radius:6px}.rp-wide{width:auto;gap:8px;padding:0 20px 0 16px;border-radius:28px;font-size:15px}'
  var markup = '<button class="rp-launcher" type="button" aria-haspopup="dialog" aria-expanded="false"><svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg><span class="rp-badge" hidden></span></button><span class="rp-launcher-status" role="status" hidden></span><div class="rp-app"></div>'
  var sheet
  try {
    sheet = new CSSStyleSheet()
    sheet.replaceSync(css)
    root.adoptedStyleSheets = [sheet]
  } catch (e) {
    markup = '<style>' + css + '</style>' + markup
  }
  root.innerHTML = markup
  var launcher = root.querySelector('.rp-launcher')
  var badge = root.querySelector('.rp-badge')
  var status = root.querySelector('.rp-launcher-status')
  var lang = (d.documentElement.lang || navigator.language || 'en').toLowerCase()
  var zh = lang.indexOf('zh') === 0
  var hant = /hant|tw|hk|mo/.test(lang)
  var labels = zh ? (hant ? ['開啟聊天', '目前無法聊天'] : ['打开聊天', '目前无法聊天']) : ['Open chat', 'Chat unavailable']
  launcher.setAttribute('aria-label', labels[0])

  function unavailable() {
    state = 'down'
    launcher.classList.add('rp-unavailable')
    launcher.setAttribute('aria-label', labels[1])
    status.textContent = labels[1]
    status.hidden = false
  }

  launcher.addEventListener('click', function () {
    if (app) return app.toggle()
    if (state === 'down') {
      // The backend may be back: ask again instead of staying dead.
      status.hidden = true
      state = 'idle'
      fetchBoot().then(function () { if (state === 'ready') call('open', []) })
      return
    }
    call('open', [])
  })

  function fetchBoot() {
    return fetch(base + '/api/v1/sites/' + encodeURIComponent(site) + '/widget', { credentials: 'omit' })
      .then(function (r) { if (!r.ok) throw r.status; return r.json() })
      .then(function (b) {
        boot = b
        state = 'ready'
        launcher.classList.remove('rp-unavailable')
        launcher.setAttribute('aria-label', labels[0])
        var s = b.settings
        // The server writes the site's appearance (accent, side, avatar)
        // as CSS; the loader only adopts it.
        if (sheet && b.css) sheet.replaceSync(css + b.css)
        if (s.launcher_label && !launcher.classList.contains('rp-wide')) {
          launcher.append(s.launcher_label)
          launcher.classList.add('rp-wide')
          launcher.setAttribute('aria-label', labels[0] = s.launcher_label)
        }
      })
      .catch(unavailable)
  }

  function load() {
    if (loading || state === 'down') return loading
    loading = (boot ? Promise.resolve() : fetchBoot()).then(function () {
      if (state !== 'ready') throw 'down'
      var css = d.createElement('link')
      css.rel = 'stylesheet'
      css.href = base + '__WIDGET_CSS__'
      root.appendChild(css)
      return import(base + '__WIDGET_JS__')
    }).then(function (m) {
      return m.default({ module_or_path: base + '__WIDGET_WASM__' }).then(function () {
        // Each lazily loaded module is imported the first time the widget
        // needs it: callbacks and what follows a chat, article suggestions
        // (only on sites that have articles), co-browsing.
        var lazy = function (path) { return function () { return import(base + path) } }
        app = m.start({ mount: root.querySelector('.rp-app'), site: site, base: base, lang: lang, boot: boot, notify: emit, launcher: launcher, callback: lazy('__WIDGET_CALLBACK__'), articles: boot.articles && lazy('__WIDGET_ARTICLES__'), cobrowse: lazy('__WIDGET_COBROWSE__') })
        queue.forEach(function (c) { app[c[0]] && app[c[0]].apply(app, c[1]) })
        queue = []
        emit('ready')
      })
    }).catch(function (e) {
      loading = null
      if (state !== 'down') unavailable()
    })
    return loading
  }

  function attach() {
    d.body.appendChild(host)
    fetchBoot().then(function () {
      // A visitor mid-conversation needs the live widget for unread badges,
      // so load it when the page is idle rather than on the first click.
      var busy = false
      try { busy = !!localStorage.getItem(key + 'conversation') } catch (e) {}
      if (state === 'ready' && (busy || queue.length)) (w.requestIdleCallback || setTimeout)(load)
    })
  }
  if (d.body) attach()
  else d.addEventListener('DOMContentLoaded', attach)
})()
