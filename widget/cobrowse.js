// The co-browse module: the visitor's side of screen sharing. It asks the
// visitor's consent when an agent asks to see the page, shows the code a
// visitor reads to an agent, and, once the session is live, runs the
// recorder (Rust compiled to Wasm) and sends what it records to the server
// on the session's data socket; what comes back is the agent's guidance (a
// pointer, a highlight, a scroll, and with a second consent a click or a
// key), drawn or done here. The wire is docs/cobrowse.md.
//
// The widget loads it only when a co-browse session matters, so the chat
// download carries none of it, and the recorder's Wasm is fetched only once
// a session is live: nothing of the page is read before the visitor allows
// it. Everything it draws lives in the widget's shadow root, never in the
// page's DOM, styled by a constructed sheet (which a strict CSP allows).

import init, { Recorder } from 'rapport-recorder'
import { el, adopt, fill } from './dom.js'

// The recorder itself, for `cargo xtask bench cobrowse`, which measures
// snapshots and changes in the page without a session.
export { init as initRecorder, Recorder }

var WORDS = {
  en: {
    agent: 'An agent', ask: '{agent} would like to see this page with you to help.',
    askMore: 'They will see this page and where you point, but not what you type into forms.', allow: 'Allow', no: 'No thanks',
    control: '{agent} asks to click and type on this page for you.',
    controlMore: 'They cannot type into private fields such as passwords or card numbers. You can stop at any time.', controlNo: 'No',
    code: 'Read this code to the agent:', expires: 'It expires in {n} minutes.', expiresOne: 'It expires in 1 minute.', expired: 'This code has expired.',
    cancel: 'Cancel', close: 'Close', viewing: '{agent} is viewing this page', controlling: '{agent} can click and type on this page',
    stop: 'Stop sharing', ended: 'Screen sharing ended.', offline: 'Not connected. Please try again in a moment.',
    failed: 'A code could not be made. Please try again in a moment.', unsupported: 'This browser cannot share the page. Please try another browser.',
    broken: 'Screen sharing stopped because of a problem on this page.'
  },
  'zh-Hant': {
    agent: '客服人員', ask: '{agent} 想和您一起查看此頁面，以便協助您。',
    askMore: '對方會看到此頁面和您指向的位置，但看不到您在表單中輸入的內容。', allow: '允許', no: '不用了',
    control: '{agent} 請求代您在此頁面上點按和輸入。',
    controlMore: '對方無法在密碼或信用卡號碼等私密欄位中輸入。您可以隨時停止。', controlNo: '不允許',
    code: '請將此代碼唸給客服人員：', expires: '代碼將在 {n} 分鐘後失效。', expiresOne: '代碼將在 1 分鐘後失效。', expired: '此代碼已失效。',
    cancel: '取消', close: '關閉', viewing: '{agent} 正在查看此頁面', controlling: '{agent} 可以在此頁面上點按和輸入',
    stop: '停止分享', ended: '螢幕分享已結束。', offline: '尚未連線，請稍後再試。',
    failed: '無法產生代碼，請稍後再試。', unsupported: '此瀏覽器無法分享頁面，請改用其他瀏覽器。',
    broken: '此頁面發生問題，螢幕分享已停止。'
  },
  'zh-Hans': {
    agent: '客服人员', ask: '{agent} 想和您一起查看此页面，以便协助您。',
    askMore: '对方会看到此页面和您指向的位置，但看不到您在表单中输入的内容。', allow: '允许', no: '不用了',
    control: '{agent} 请求代您在此页面上点击和输入。',
    controlMore: '对方无法在密码或银行卡号等私密字段中输入。您可以随时停止。', controlNo: '不允许',
    code: '请将此代码念给客服人员：', expires: '代码将在 {n} 分钟后失效。', expiresOne: '代码将在 1 分钟后失效。', expired: '此代码已失效。',
    cancel: '取消', close: '关闭', viewing: '{agent} 正在查看此页面', controlling: '{agent} 可以在此页面上点击和输入',
    stop: '停止共享', ended: '屏幕共享已结束。', offline: '尚未连接，请稍后再试。',
    failed: '无法生成代码，请稍后再试。', unsupported: '此浏览器无法共享页面，请换用其他浏览器。',
    broken: '此页面出现问题，屏幕共享已停止。'
  }
}

// The host page's accent is not known here, so the palette is neutral:
// near-black on white and white on near-black, every text at least AA.
// The shadow host resets everything (all:initial), so the font is set here.
var CSS = [
  '.rp-cob{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"PingFang TC","PingFang SC","Noto Sans CJK TC","Microsoft JhengHei",sans-serif;color:#111827;text-align:left;pointer-events:none}',
  '.rp-cob *{box-sizing:border-box}',
  '.rp-cob [hidden]{display:none!important}',
  '.rp-cob-card{position:fixed;right:20px;bottom:88px;z-index:2147483647;width:min(360px,calc(100vw - 24px));display:flex;flex-direction:column;gap:6px;padding:16px 18px;background:#fff;color:#111827;border:1px solid #e5e7eb;border-radius:16px;box-shadow:0 12px 40px rgba(17,24,39,.24),0 2px 6px rgba(17,24,39,.08);pointer-events:auto;animation:rp-cob-in .18s ease-out}',
  '.rp-cob-card:focus-visible{outline:3px solid #2563eb;outline-offset:2px}',
  '@keyframes rp-cob-in{from{opacity:0;transform:translateY(8px)}}',
  '.rp-cob-title{margin:0;font-size:15px;font-weight:650}',
  '.rp-cob-text{margin:0;font-size:13.5px;color:#4b5563}',
  '.rp-cob-error{margin:0;font-size:13px;color:#b91c1c}',
  // Empty, the alert keeps its place in the tree (so it is read when
  // filled) but gives back the gap it would add.
  '.rp-cob-error:empty{margin-top:-6px}',
  '.rp-cob-code{margin:6px 0 2px;font:700 34px/1.1 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;letter-spacing:.14em;text-indent:.14em;font-variant-numeric:tabular-nums;text-align:center;color:#111827}',
  '.rp-cob-sr{position:absolute;width:1px;height:1px;margin:-1px;padding:0;border:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}',
  '.rp-cob-actions{display:flex;flex-wrap:wrap;justify-content:flex-end;gap:8px;margin-top:8px}',
  '.rp-cob button{font:inherit;font-size:14px;font-weight:600;min-height:36px;padding:7px 16px;border-radius:10px;border:1px solid #6b7280;background:#fff;color:#111827;cursor:pointer}',
  '.rp-cob button:hover{background:#f3f4f6}',
  '.rp-cob button:focus-visible{outline:3px solid #2563eb;outline-offset:2px}',
  '.rp-cob .rp-cob-primary{background:#111827;border-color:#111827;color:#fff}',
  '.rp-cob .rp-cob-primary:hover{background:#374151}',
  '.rp-cob-bar{position:fixed;top:12px;left:0;right:0;margin:0 auto;width:max-content;z-index:2147483647;display:flex;align-items:center;gap:12px;max-width:calc(100vw - 16px);box-sizing:border-box;padding:6px 6px 6px 16px;background:#111827;color:#fff;border:1px solid transparent;border-radius:999px;box-shadow:0 6px 24px rgba(17,24,39,.3);pointer-events:auto;transition:transform .25s ease}',
  '.rp-cob-bar p{margin:0;min-width:0;font-size:13.5px;font-weight:600;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}',
  '.rp-cob-bar p::before{content:"";display:inline-block;width:8px;height:8px;margin-right:8px;border-radius:50%;background:#f87171;vertical-align:1px;animation:rp-cob-live 2s ease-in-out infinite}',
  '@keyframes rp-cob-live{50%{opacity:.35}}',
  '.rp-cob .rp-cob-bar button{flex:none;min-height:32px;padding:5px 14px;border-radius:999px;border-color:#fff}',
  '.rp-cob .rp-cob-bar button:focus-visible{outline-color:#93c5fd}',
  '.rp-cob-note{padding:8px 16px}',
  '.rp-cob-note p::before{content:none}',
  // Off, the bar waits above the viewport rather than leaving the DOM, so
  // its live region is already there when the first status is written.
  '.rp-cob-off{transform:translate(0,calc(-100% - 40px));box-shadow:none;pointer-events:none}',
  '.rp-cob-ptr{position:fixed;left:0;top:0;z-index:2147483647;pointer-events:none;will-change:transform;transition:transform 60ms linear}',
  '.rp-cob-ptr svg{display:block;width:16px;height:22px;filter:drop-shadow(0 1px 2px rgba(0,0,0,.4))}',
  '.rp-cob-ptr path{fill:#111827;stroke:#fff;stroke-width:1.5;stroke-linejoin:round}',
  '.rp-cob-ptr span{position:absolute;left:14px;top:20px;padding:3px 8px;border-radius:999px;background:#111827;color:#fff;font-size:12px;font-weight:600;white-space:nowrap;box-shadow:0 0 0 1.5px #fff}',
  '.rp-cob-ring{position:fixed;left:0;top:0;z-index:2147483646;pointer-events:none;will-change:transform;border-radius:8px;outline:3px solid #d97706;outline-offset:0;box-shadow:0 0 0 8px rgba(217,119,6,.25);animation:rp-cob-pulse 1.2s ease-in-out 3}',
  '@keyframes rp-cob-pulse{50%{box-shadow:0 0 0 14px rgba(217,119,6,.12)}}',
  '@media (max-width:479px){.rp-cob-card{left:12px;right:12px;bottom:84px;width:auto}}',
  '@media (prefers-reduced-motion:reduce){.rp-cob-bar,.rp-cob-ptr{transition:none}.rp-cob-card,.rp-cob-ring,.rp-cob-bar p::before{animation:none}}'
].join('')

// How long a highlight stays when the agent does not clear it.
var HIGHLIGHT_MS = 6000
// How much may wait in the data socket's send buffer. Beyond it batches are
// dropped and one fresh snapshot goes once the buffer drains, so a slow
// upload costs the agent detail, never the visitor's memory.
var BACKLOG = 4 << 20
// The largest recording message the server takes (protocol::cobrowse).
var MAX_MESSAGE = 1000000
// Batches go at most this often: the server closes a recorder that sends
// more than 120 messages a second, which a 144 Hz screen would.
var FLUSH_MS = 15

// The gzip of a JSON text, as the wire wants it.
function gzip(text) {
  return new Response(new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer()
}

// The agent's pointer: an arrow whose tip is at (1, 1).
function arrow() {
  var ns = 'http://www.w3.org/2000/svg'
  var svg = document.createElementNS(ns, 'svg')
  svg.setAttribute('viewBox', '0 0 16 22')
  var path = document.createElementNS(ns, 'path')
  path.setAttribute('d', 'M1 1v17l4.5-4.2 3 6.7 3-1.4-3-6.5H15z')
  svg.appendChild(path)
  return svg
}

// What makes a prompt the one the visitor already answered.
function asked(s) {
  return s.id + ':' + s.state + ':' + s.control
}

// Where a tab keeps the key of the session it records.
var KEPT = 'rapport-cobrowse'

export function start(options) {
  var w = WORDS[options.lang] || WORDS.en
  var send = options.send
  var root = options.mount.getRootNode()
  var socketBase = String(options.base || '').replace(/\/+$/, '').replace(/^http/, 'ws')
  var supported = typeof CompressionStream === 'function' && typeof WebSocket === 'function'
  adopt(root, CSS)

  var session = null // the newest session the server told
  var seen = {} // the state each session was last seen in on this page
  var stopped = {} // sessions the visitor ended here: never recorded again
  var answered = '' // the prompt the visitor answered (see asked())
  var codeWanted = false // the visitor asked for a code; none came yet
  var problem = '' // a message for the visitor, until they close it
  var note = '' // "Screen sharing ended.", for a few seconds
  var noteTimer = 0
  var run = null // the recording: { id, key, rec, sock, open, lost, epoch, … }
  var wasm = null // the recorder's init(), once asked for
  var broken = false // the recorder failed on this page: it is not tried again
  var parked = false // the server closed the data socket on purpose
  var ptr = null // the agent's pointer, page coordinates
  var hl = null // the highlighted node and until when
  var raf = 0
  var later = 0

  var status = el('p', { role: 'status' })
  var stopButton = el('button', { type: 'button', hidden: true, onclick: stopSharing }, w.stop)
  var bar = el('div', { class: 'rp-cob-bar rp-cob-off' }, [status, stopButton])
  var ptrName = el('span', {})
  var pointer = el('div', { class: 'rp-cob-ptr', 'aria-hidden': 'true', hidden: true }, [arrow(), ptrName])
  var ring = el('div', { class: 'rp-cob-ring', 'aria-hidden': 'true', hidden: true })
  var box = el('div', { class: 'rp-cob' }, [ring, pointer, bar])
  var card = null
  var cardKey = ''
  var back = null // what had the focus before a card took it
  var expiry = null
  var expiryButton = null
  var expiryTimer = 0
  // The mount may be hidden with the chat panel, so the module draws beside
  // it, at the shadow root's top level.
  ;(root.host ? root : options.mount).appendChild(box)

  // The widget's send takes the frame's JSON text and says whether the
  // chat socket took it (false when offline).
  function frame(value) {
    return send(JSON.stringify(value)) !== false
  }

  function agentName() {
    return (session && session.agent_name) || w.agent
  }

  // ---- Recording ----

  // Starts or stops the recorder to match what the session and the tab
  // allow: only a live session the visitor did not stop here, only while
  // this tab is seen (another tab or the next page may take over meanwhile).
  function sync() {
    var s = session
    var want = !!s && s.state === 'live' && !!s.key && !stopped[s.id] && !parked && !broken && document.visibilityState === 'visible'
    if (want && !supported) {
      end(s)
      problem = w.unsupported
      want = false
    }
    if (run && !(want && run.id === s.id)) halt()
    if (want && run) run.key = s.key
    else if (want) begin(s)
  }

  function begin(s) {
    var r = run = { id: s.id, key: s.key, rec: null, sock: null, open: false, lost: false, epoch: 0, flushed: 0, delay: 1000, timer: 0, chain: Promise.resolve(), over: false }
    wasm = wasm || init()
    wasm.then(function () {
      if (r.over) return
      try {
        r.rec = new Recorder({ unmask: s.unmask || [], allow_submit: !!s.allow_submit, host: root.host })
        r.rec.start()
      } catch (e) {
        return fail()
      }
      connect(r)
      schedule()
    }, function () {
      // The Wasm did not load (offline, say): try again in a while.
      wasm = null
      if (run === r) halt()
      setTimeout(sync, 5000)
    })
  }

  function halt() {
    var r = run
    if (!r) return
    run = null
    r.over = true
    clearTimeout(r.timer)
    if (r.sock) {
      r.sock.onopen = r.sock.onmessage = r.sock.onclose = null
      r.sock.close()
    }
    try {
      if (r.rec) { r.rec.stop(); if (r.rec.free) r.rec.free() }
    } catch (e) {}
    r.rec = null
    ptr = hl = null
    pointer.hidden = ring.hidden = true
    cancelAnimationFrame(raf)
    clearTimeout(later)
    raf = later = 0
  }

  // The recorder threw (a panic leaves its Wasm unusable): the session is
  // ended rather than left showing the agent a page that no longer moves.
  function fail() {
    broken = true
    if (session && session.state === 'live') end(session)
    problem = w.broken
    halt()
    render()
  }

  function connect(r) {
    var sock
    try {
      sock = new WebSocket(socketBase + '/ws/v1/cobrowse/' + r.id + '/record')
    } catch (e) {
      return retry(r)
    }
    sock.binaryType = 'arraybuffer'
    r.sock = sock
    var since = 0
    sock.onopen = function () {
      sock.send(JSON.stringify({ key: r.key }))
      r.open = true
      since = Date.now()
    }
    sock.onmessage = function (e) {
      if (typeof e.data === 'string') guide(r, e.data)
    }
    sock.onclose = function (e) {
      r.open = false
      r.sock = null
      lose(r)
      ptr = hl = null
      // A connection that held a while earns a quick retry again.
      if (since && Date.now() - since > 10000) r.delay = 1000
      // A close the server meant (4000 the session ended, 4001 another tab
      // or the next page took over, 4003 the key was refused, 1008 too
      // much sent) is not retried on a timer: taking the session back
      // would make two open windows take turns. This tab waits until the
      // visitor comes back to it (it is shown or focused) or the session
      // changes. Other closes (a restart, the network) are retried.
      if (e.code === 1000 || e.code === 1008 || (e.code >= 4000 && e.code < 5000)) {
        parked = true
        sync()
      } else retry(r)
    }
  }

  function retry(r) {
    r.timer = setTimeout(function () { if (!r.over) connect(r) }, r.delay * (0.75 + Math.random() / 2))
    r.delay = Math.min(r.delay * 2, 30000)
  }

  // Something recorded did not reach the server: what is still on its way
  // is stale, and the next batch that goes must be a fresh snapshot.
  function lose(r) {
    r.lost = true
    r.epoch++
  }

  // One animation frame's work: snapshot work for at most 8 ms, then what
  // changed, then the agent's pointer and highlight where they now are.
  // A timer stands in when animation frames do not come.
  function schedule() {
    if (raf || later) return
    raf = requestAnimationFrame(tick)
    later = setTimeout(tick, 50)
  }

  function tick() {
    cancelAnimationFrame(raf)
    clearTimeout(later)
    raf = later = 0
    var r = run
    if (!r || !r.rec) return
    try {
      if (r.lost && r.open && r.sock.bufferedAmount < BACKLOG / 4) {
        r.lost = false
        r.rec.resnapshot()
      }
      // The batch waits in the recorder while the first connection is
      // still opening (rather than being dropped and the page snapshotted
      // twice), and until FLUSH_MS passed since the last one.
      var waiting = (!r.open && !r.lost && !!r.sock) || performance.now() - r.flushed < FLUSH_MS
      if (r.rec.step(8) && !waiting) {
        r.flushed = performance.now()
        var json = r.rec.flush()
        if (json) ship(r, json, r.rec.flushed_snapshot())
      }
      draw(r)
    } catch (e) {
      return fail()
    }
    schedule()
  }

  // Sends one batch: byte 0 says whether it begins with a snapshot, the
  // rest is its gzip. Batches compress side by side but go out in order,
  // each after the one before it on one promise chain.
  function ship(r, json, snap) {
    if (!r.open || r.lost || r.sock.bufferedAmount > BACKLOG) return lose(r)
    var sock = r.sock
    var epoch = r.epoch
    var body = gzip(json)
    r.chain = r.chain.then(function () { return body }).then(function (zipped) {
      if (epoch !== r.epoch || sock.readyState !== 1) return
      // The server would close the socket over a message this big: a
      // batch is given up for a fresh snapshot, a snapshot for good.
      if (zipped.byteLength >= MAX_MESSAGE) return snap ? fail() : lose(r)
      var bytes = new Uint8Array(zipped.byteLength + 1)
      bytes[0] = snap ? 0 : 1
      bytes.set(new Uint8Array(zipped), 1)
      sock.send(bytes)
    }).catch(function () {
      if (epoch === r.epoch) lose(r)
    })
  }

  // The agent's guidance. The server passes clicks and keys only while
  // control is granted; they are checked here against the last consent the
  // visitor gave too, and the recorder checks them a third time.
  function guide(r, text) {
    var m
    try { m = JSON.parse(text) } catch (e) { return }
    if (!m || r.over || !r.rec) return
    var i = typeof m.i === 'number' ? m.i : null
    var control = !!session && session.id === r.id && session.control === 'granted'
    try {
      if (m.k === 'ptr') ptr = typeof m.x === 'number' && typeof m.y === 'number' ? { x: m.x, y: m.y } : null
      else if (m.k === 'hl') hl = i === null ? null : { i: i, until: Date.now() + HIGHLIGHT_MS }
      else if (m.k === 'goto' && i !== null) r.rec.goto(i)
      else if (m.k === 'click' && i !== null && control) r.rec.click(i)
      else if (m.k === 'key' && i !== null && typeof m.key === 'string' && control) r.rec.key(i, m.key)
      else if (m.k === 'snap') r.rec.resnapshot()
    } catch (e) {
      fail()
    }
  }

  // The pointer comes in page coordinates, so it is placed again every
  // frame as the page scrolls; the highlight follows its node the same way.
  function draw(r) {
    if (pointer.hidden !== !ptr) pointer.hidden = !ptr
    if (ptr) pointer.style.transform = 'translate(' + (ptr.x - window.scrollX - 1) + 'px,' + (ptr.y - window.scrollY - 1) + 'px)'
    if (hl && Date.now() > hl.until) hl = null
    var rect = hl && r.rec.rect(hl.i)
    var shown = !!rect && (rect[2] > 0 || rect[3] > 0)
    if (ring.hidden !== !shown) ring.hidden = !shown
    if (shown) {
      ring.style.transform = 'translate(' + (rect[0] - 4) + 'px,' + (rect[1] - 4) + 'px)'
      ring.style.width = rect[2] + 8 + 'px'
      ring.style.height = rect[3] + 8 + 'px'
    }
  }

  // ---- What the visitor sees ----

  function end(s) {
    stopped[s.id] = true
    seen[s.id] = 'ended'
    // The tab forgets the key and remembers the stop, so its next page
    // does not record again if the end has not reached the server yet.
    try { sessionStorage.setItem(KEPT, JSON.stringify({ id: s.id, stopped: true })) } catch (e) {}
    frame({ type: 'cobrowse_end', session_id: s.id })
  }

  // Stops at once here, whatever the server says and even offline: a later
  // event that still says live is answered with the end again.
  function stopSharing() {
    if (!session) return
    end(session)
    sync()
    showNote()
  }

  function showNote() {
    note = w.ended
    clearTimeout(noteTimer)
    noteTimer = setTimeout(function () { note = ''; render() }, 5000)
    render()
  }

  function actions(buttons) {
    return el('div', { class: 'rp-cob-actions' }, buttons)
  }

  // A question the visitor must answer (consent, control). The card takes
  // the focus itself rather than a button, so a stray Enter typed into the
  // page answers nothing; Escape says no, the safe answer.
  function prompt(id, title, text, yes, no, answer) {
    var error = el('p', { class: 'rp-cob-error', role: 'alert' })
    function reply(accept) {
      return function () {
        if (answer(accept)) render()
        else error.textContent = w.offline
      }
    }
    return el('div', { class: 'rp-cob-card', role: 'alertdialog', 'aria-labelledby': id + '-t', 'aria-describedby': id + '-d', tabindex: '-1', onkeydown: function (e) { if (e.key === 'Escape') { e.stopPropagation(); reply(false)() } } }, [
      el('p', { id: id + '-t', class: 'rp-cob-title' }, title),
      el('p', { id: id + '-d', class: 'rp-cob-text' }, text),
      error,
      actions([el('button', { type: 'button', class: 'rp-cob-primary', onclick: reply(true) }, yes), el('button', { type: 'button', onclick: reply(false) }, no)])
    ])
  }

  function consentCard(s) {
    return prompt('rp-cob-ask', fill(w.ask, { agent: agentName() }), w.askMore, w.allow, w.no, function (accept) {
      if (!frame({ type: 'cobrowse_answer', session_id: s.id, accept: accept })) return false
      answered = asked(s)
      return true
    })
  }

  function controlCard(s) {
    return prompt('rp-cob-ctl', fill(w.control, { agent: agentName() }), w.controlMore, w.allow, w.controlNo, function (accept) {
      if (!frame({ type: 'cobrowse_control_answer', session_id: s.id, accept: accept })) return false
      answered = asked(s)
      return true
    })
  }

  // The code, big and in groups of three for the eye; for a screen reader
  // its name reads it digit by digit.
  function codeCard(s) {
    var digits = String(s.code || '')
    expiry = el('p', { id: 'rp-cob-code-d', class: 'rp-cob-text' })
    expiryButton = el('button', { type: 'button', onclick: function () { end(s); render() } }, w.cancel)
    return el('div', { class: 'rp-cob-card', role: 'dialog', 'aria-labelledby': 'rp-cob-code-t rp-cob-code-n', 'aria-describedby': 'rp-cob-code-d', tabindex: '-1' }, [
      el('p', { id: 'rp-cob-code-t', class: 'rp-cob-title' }, w.code),
      el('p', { class: 'rp-cob-code' }, [
        el('span', { 'aria-hidden': 'true' }, digits.replace(/(\d{3})(?=\d)/g, '$1 ')),
        el('span', { id: 'rp-cob-code-n', class: 'rp-cob-sr' }, digits.split('').join(' '))
      ]),
      expiry,
      actions([expiryButton])
    ])
  }

  // Minutes left, by the visitor's clock (close enough for "10 minutes").
  function showExpiry() {
    var at = session && session.code_expires_ms
    var left = Math.ceil((at - Date.now()) / 60000)
    expiry.textContent = typeof at !== 'number' ? '' : left > 0 ? fill(left === 1 ? w.expiresOne : w.expires, { n: left }) : w.expired
    expiryButton.textContent = typeof at === 'number' && left <= 0 ? w.close : w.cancel
  }

  function problemCard() {
    var close = function () { problem = ''; render() }
    return el('div', { class: 'rp-cob-card', role: 'alertdialog', 'aria-labelledby': 'rp-cob-p', tabindex: '-1', onkeydown: function (e) { if (e.key === 'Escape') { e.stopPropagation(); close() } } }, [
      el('p', { id: 'rp-cob-p', class: 'rp-cob-title' }, problem),
      actions([el('button', { type: 'button', onclick: close }, w.close)])
    ])
  }

  // Focus goes back where it was before a card took it, or to the chat
  // launcher when that is gone (or was the page itself).
  function refocus() {
    var launcher = root.querySelector('.rp-launcher')
    var target = back && back !== document.body && back.isConnected ? back : launcher
    back = null
    if (target && target.focus) target.focus({ preventScroll: true })
    // A target that cannot take the focus (in the closed chat panel, say)
    // leaves it to the launcher.
    if (launcher && target !== launcher && document.activeElement !== target && root.activeElement !== target) launcher.focus({ preventScroll: true })
  }

  // Replaces the card only when it says something else, so a repeated
  // event neither steals the focus again nor reads the card out again.
  function showCard(key, build) {
    if (key === cardKey) return
    var active = root.activeElement
    var had = !!card && !!active && card.contains(active)
    if (!active || !box.contains(active)) back = document.activeElement === root.host ? active : document.activeElement
    clearInterval(expiryTimer)
    expiryTimer = 0
    if (card) card.remove()
    card = build ? build() : null
    cardKey = key
    if (card) {
      box.appendChild(card)
      card.focus({ preventScroll: true })
    } else if (had) refocus()
  }

  function render() {
    var s = session
    var live = !!s && s.state === 'live' && !stopped[s.id]
    var kind = problem ? 'problem'
      : !s || stopped[s.id] || answered === asked(s) ? ''
      : s.state === 'asked' ? 'consent'
      : s.state === 'code' ? 'code'
      : live && s.control === 'asked' ? 'control' : ''
    showCard(kind && kind + ':' + problem + ':' + (s ? s.id + ':' + s.code + ':' + s.agent_name : ''), {
      problem: problemCard,
      consent: function () { return consentCard(s) },
      control: function () { return controlCard(s) },
      code: function () { return codeCard(s) }
    }[kind])
    if (kind === 'code') {
      showExpiry()
      if (!expiryTimer) expiryTimer = setInterval(showExpiry, 15000)
    }

    // The bar: who is watching (and whether they may act) while live,
    // then the closing note. Its text changes in place, so each change is
    // read out once.
    var text = live ? fill(s.control === 'granted' ? w.controlling : w.viewing, { agent: agentName() }) : note
    var lostFocus = !live && root.activeElement === stopButton
    if (status.textContent !== text) status.textContent = text
    stopButton.hidden = !live
    bar.classList.toggle('rp-cob-off', !text)
    bar.classList.toggle('rp-cob-note', !live)
    if (lostFocus) { back = null; refocus() }
    ptrName.textContent = agentName()
  }

  // ---- The key ----

  // The server tells the recorder's key once, as the session goes live:
  // the tab the visitor is looking at keeps it for its next pages (in
  // sessionStorage, this tab's alone) and records; other tabs do not.
  function keyFor(s) {
    var kept = null
    try { kept = JSON.parse(sessionStorage.getItem(KEPT) || 'null') } catch (e) {}
    if (kept && kept.id === s.id && kept.stopped) {
      stopped[s.id] = true
      return null
    }
    if (s.state !== 'live') {
      if (kept && kept.id <= s.id && s.state !== 'code') forget()
      return null
    }
    if (s.key && document.visibilityState === 'visible') {
      try { sessionStorage.setItem(KEPT, JSON.stringify({ id: s.id, key: s.key })) } catch (e) {}
      return s.key
    }
    return kept && kept.id === s.id ? kept.key : null
  }

  function forget() {
    try { sessionStorage.removeItem(KEPT) } catch (e) {}
  }

  // ---- The tab ----

  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible') parked = false
    sync()
    render()
  })
  window.addEventListener('focus', function () {
    if (parked) { parked = false; sync() }
  })
  // Leaving the page closes the data socket at once, so the next page's
  // recorder takes over cleanly; a page restored from the back-forward
  // cache starts again.
  window.addEventListener('pagehide', halt)
  window.addEventListener('pageshow', function (e) {
    if (e.persisted) { sync(); render() }
  })

  return {
    // An event from the server: the session as it now stands (in every
    // tab of the visitor), or an error, which is this module's only if it
    // answers its request for a code.
    event: function (ev) {
      if (!ev) return
      if (ev.type === 'error') {
        if (codeWanted) {
          codeWanted = false
          problem = w.failed
          render()
        }
        return
      }
      if (ev.type !== 'cobrowse' || !ev.session) return
      var s = ev.session
      // An older session's late news does not replace a newer one.
      if (session && s.id < session.id) return
      s.key = keyFor(s)
      if (s.state === 'code' && codeWanted) {
        codeWanted = false
        delete stopped[s.id]
        problem = ''
      }
      var before = seen[s.id]
      seen[s.id] = s.state
      if (before !== s.state) parked = false
      if (answered && answered !== asked(s)) answered = ''
      // The visitor ended it here, perhaps while offline: say so again.
      if (stopped[s.id] && (s.state === 'live' || s.state === 'code')) frame({ type: 'cobrowse_end', session_id: s.id })
      session = s
      // Only a session this page saw running gets the closing note, not
      // an old one a reconnect replays.
      if (s.state === 'ended' && (before === 'live' || before === 'code')) showNote()
      sync()
      render()
    },
    // The visitor pressed "Share my screen": ask the server for a code;
    // the card shows when it comes.
    code: function () {
      problem = ''
      if (!supported) problem = w.unsupported
      else if (frame({ type: 'cobrowse_code' })) codeWanted = true
      else problem = w.offline
      render()
    }
  }
}
