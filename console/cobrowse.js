// The console's co-browse viewer: a large panel showing the visitor's page
// as the mirror rebuilds it (mirror.js), live over the view socket or
// replayed from a stored recording, with the agent's tools: follow the
// visitor, point, highlight, scroll them somewhere and, once the visitor
// allows it, click and type for them. The wire is docs/cobrowse.md. It is
// loaded the first time an agent co-browses, so the console's download
// does not carry it; the console's Wasm calls start() and keeps the handle.
//
// The mirror iframe never receives the agent's pointer: a transparent
// overlay above it does, and turns positions into the visitor's page
// coordinates and elements into the recording's ids.

import { el, adopt, fill } from '../widget/dom.js'
import { Mirror, parseRecording, decode, fitScale, toStage, toPage } from './mirror.js'

const WORDS = {
  en: {
    title: 'Co-browsing with {name}', joinTitle: 'Join co-browsing', replayTitle: 'Co-browsing recording', visitor: 'the visitor',
    starting: 'Starting…', waiting: 'Waiting for {name} to accept…', live: 'Live: you see what {name} sees.',
    declined: '{name} declined co-browsing.', endedVisitor: '{name} ended co-browsing.', ended: 'Co-browsing has ended.', ending: 'Ending…',
    reconnecting: 'Connection lost. Reconnecting…', offline: 'Not connected. Please try again in a moment.',
    controlAsked: 'Waiting for {name} to allow control…', controlGranted: '{name} gave you control. Turn on Control, then click and type in the page.',
    controlDeclined: '{name} declined control.',
    private: "That field is private: the visitor's browser refused the click.",
    submit: "This site does not allow sending forms remotely: the visitor's browser refused the click.",
    rate: "Too many clicks and keys at once: the visitor's browser refused some.", gone: "That element is no longer on the visitor's page.",
    failed: 'Something went wrong. Please try again.', network: 'The server could not be reached.',
    tools: 'Co-browsing tools', side: 'Keep the chat in view', follow: 'Follow visitor', highlight: 'Highlight', scrollHere: 'Scroll visitor here',
    requestControl: 'Request control', control: 'Control', end: 'End', close: 'Close',
    mirror: "Mirror of {name}'s page", page: 'Page: {url}', noPage: 'Waiting for the page…',
    ovNone: "{name}'s page. Your pointer here is shown to {name}; scroll or use the arrow keys to look around.",
    ovHighlight: "{name}'s page. Click an element to highlight it for {name}.",
    ovScroll: "{name}'s page. Click an element to scroll {name}'s page to it.",
    ovControl: "{name}'s page, under your control: clicks and typed keys go to {name}'s page. Press Escape to stop.",
    ovReplay: 'The recorded page. Scroll or use the arrow keys to look around.',
    codeLabel: 'Code the visitor reads to you (6 digits)', join: 'Join', joining: 'Joining…', codeInvalid: 'Type the 6 digits of the code.',
    loading: 'Loading the recording…', empty: 'This recording has no page to show.', finished: 'End of the recording.',
    play: 'Play', pause: 'Pause', position: '{at} of {total}'
  },
  'zh-Hant': {
    title: '與 {name} 共同瀏覽', joinTitle: '加入共同瀏覽', replayTitle: '共同瀏覽錄影', visitor: '訪客',
    starting: '正在開始…', waiting: '正在等待 {name} 接受…', live: '已連線：您看到的就是 {name} 看到的畫面。',
    declined: '{name} 拒絕了共同瀏覽。', endedVisitor: '{name} 結束了共同瀏覽。', ended: '共同瀏覽已結束。', ending: '正在結束…',
    reconnecting: '連線中斷，正在重新連線…', offline: '尚未連線，請稍後再試。',
    controlAsked: '正在等待 {name} 允許您操作…', controlGranted: '{name} 已允許您操作。請開啟「操作」，再於頁面上點按和輸入。',
    controlDeclined: '{name} 拒絕了操作請求。',
    private: '該欄位為私人欄位：訪客的瀏覽器拒絕了這次點按。',
    submit: '此網站不允許遠端送出表單：訪客的瀏覽器拒絕了這次點按。',
    rate: '點按與按鍵太過頻繁：訪客的瀏覽器拒絕了部分操作。', gone: '該元素已不在訪客的頁面上。',
    failed: '發生錯誤，請再試一次。', network: '無法連線到伺服器。',
    tools: '共同瀏覽工具', side: '保持聊天可見', follow: '跟隨訪客', highlight: '標示', scrollHere: '將訪客捲動至此',
    requestControl: '請求操作', control: '操作', end: '結束', close: '關閉',
    mirror: '{name} 的頁面鏡像', page: '頁面：{url}', noPage: '正在等待頁面…',
    ovNone: '{name} 的頁面。您在此處的指標會顯示給 {name}；可捲動或使用方向鍵四處查看。',
    ovHighlight: '{name} 的頁面。點按元素即可為 {name} 標示出來。',
    ovScroll: '{name} 的頁面。點按元素即可將 {name} 的頁面捲動至該處。',
    ovControl: '{name} 的頁面，由您操作：點按與輸入的按鍵都會傳到 {name} 的頁面。按 Esc 鍵停止。',
    ovReplay: '錄製的頁面。可捲動或使用方向鍵四處查看。',
    codeLabel: '訪客告訴您的代碼（6 位數字）', join: '加入', joining: '正在加入…', codeInvalid: '請輸入 6 位數字的代碼。',
    loading: '正在載入錄影…', empty: '此錄影沒有可顯示的頁面。', finished: '錄影已播放完畢。',
    play: '播放', pause: '暫停', position: '{at} / {total}'
  },
  'zh-Hans': {
    title: '与 {name} 共同浏览', joinTitle: '加入共同浏览', replayTitle: '共同浏览录像', visitor: '访客',
    starting: '正在开始…', waiting: '正在等待 {name} 接受…', live: '已连接：您看到的就是 {name} 看到的画面。',
    declined: '{name} 拒绝了共同浏览。', endedVisitor: '{name} 结束了共同浏览。', ended: '共同浏览已结束。', ending: '正在结束…',
    reconnecting: '连接中断，正在重新连接…', offline: '尚未连接，请稍后再试。',
    controlAsked: '正在等待 {name} 允许您操作…', controlGranted: '{name} 已允许您操作。请打开“操作”，再在页面上点击和输入。',
    controlDeclined: '{name} 拒绝了操作请求。',
    private: '该字段为私密字段：访客的浏览器拒绝了这次点击。',
    submit: '此网站不允许远程提交表单：访客的浏览器拒绝了这次点击。',
    rate: '点击和按键过于频繁：访客的浏览器拒绝了部分操作。', gone: '该元素已不在访客的页面上。',
    failed: '出错了，请重试。', network: '无法连接到服务器。',
    tools: '共同浏览工具', side: '保持聊天可见', follow: '跟随访客', highlight: '标记', scrollHere: '将访客滚动到此处',
    requestControl: '请求操作', control: '操作', end: '结束', close: '关闭',
    mirror: '{name} 的页面镜像', page: '页面：{url}', noPage: '正在等待页面…',
    ovNone: '{name} 的页面。您在此处的指针会显示给 {name}；可滚动或使用方向键四处查看。',
    ovHighlight: '{name} 的页面。点击元素即可为 {name} 标记出来。',
    ovScroll: '{name} 的页面。点击元素即可将 {name} 的页面滚动到该处。',
    ovControl: '{name} 的页面，由您操作：点击和输入的按键都会发送到 {name} 的页面。按 Esc 键停止。',
    ovReplay: '录制的页面。可滚动或使用方向键四处查看。',
    codeLabel: '访客告诉您的代码（6 位数字）', join: '加入', joining: '正在加入…', codeInvalid: '请输入 6 位数字的代码。',
    loading: '正在加载录像…', empty: '此录像没有可显示的页面。', finished: '录像已播放完毕。',
    play: '播放', pause: '暂停', position: '{at} / {total}'
  }
}

// The panel's own rules; buttons and fields use the console's (.btn, .input).
const CSS = [
  '.cb-panel{position:fixed;inset:3vh 2vw;z-index:19;display:flex;flex-direction:column;background:var(--panel,#fff);color:var(--text,#111827);border:1px solid var(--border,#e4e6eb);border-radius:14px;box-shadow:0 20px 50px rgb(17 24 39/.25);overflow:hidden}',
  '.cb-panel [hidden]{display:none!important}',
  '.cb-head{display:flex;align-items:flex-start;gap:12px;padding:12px 16px;border-bottom:1px solid var(--border,#e4e6eb)}',
  '.cb-heading{flex:1;min-width:0;display:grid;gap:2px}',
  '.cb-title{font-size:16px;font-weight:650;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}',
  // The heading takes the focus when the panel opens, to be read out; it is not a control, so it draws no ring.
  '.cb-title:focus{outline:none}',
  '.cb-status{font-size:13px;color:var(--muted,#4b5563);min-height:1.45em}',
  '.cb-status.cb-error{color:#b91c1c;font-weight:600}',
  '.cb-url{font-size:12px;color:var(--muted,#4b5563);overflow:hidden;text-overflow:ellipsis;white-space:nowrap}',
  '.cb-tools{display:flex;flex-wrap:wrap;align-items:center;gap:8px;padding:8px 16px;border-bottom:1px solid var(--border,#e4e6eb);background:var(--bg,#f5f6f8)}',
  '.cb-tools .btn{padding:5px 12px}',
  '.cb-tools .btn-ghost[aria-pressed=true]{background:var(--accent-soft,#eef2ff);border-color:var(--accent,#4f46e5);color:var(--accent-strong,#4338ca)}',
  ".cb-tools [aria-pressed=true]::before{content:'\\2713  ';content:'\\2713  ' / ''}",
  '.cb-spacer{flex:1}',
  '.cb-pos{font-size:13px;color:var(--muted,#4b5563);font-variant-numeric:tabular-nums}',
  '.cb-join{display:grid;gap:6px;padding:16px;max-width:30rem}',
  '.cb-join label{font-weight:600;font-size:13px}',
  '.cb-join-row{display:flex;gap:8px}',
  '.cb-code{width:9em;font-size:18px;letter-spacing:.2em;font-variant-numeric:tabular-nums}',
  '.cb-code[aria-invalid=true]{border-color:var(--danger,#dc2626)}',
  '.cb-stage{position:relative;flex:1;min-height:0;overflow:hidden;background:#e9ebef}',
  '.cb-empty{position:absolute;inset:0;display:grid;place-items:center;color:var(--muted,#4b5563)}',
  '.cb-frame{position:absolute;left:12px;top:12px;background:#fff;box-shadow:0 2px 12px rgb(17 24 39/.18)}',
  '.cb-frame iframe{position:absolute;left:0;top:0;border:0;background:#fff;transform-origin:0 0;pointer-events:none}',
  '.cb-overlay{position:absolute;inset:0;overflow:hidden;touch-action:none}',
  '.cb-overlay[data-tool]{cursor:crosshair}',
  '.cb-overlay[data-tool=control]{cursor:pointer}',
  '.cb-overlay:focus-visible{outline:3px solid var(--accent,#4f46e5);outline-offset:-3px}',
  '.cb-overlay>div{position:absolute;left:0;top:0;pointer-events:none}',
  '.cb-ptr{width:14px;height:14px;margin:-7px 0 0 -7px;border-radius:50%;background:#dc2626;border:2px solid #fff;box-shadow:0 0 0 1px rgb(17 24 39/.45)}',
  '.cb-vp{border:2px dashed var(--accent,#4f46e5);box-shadow:0 0 0 100vmax rgb(17 24 39/.12)}',
  '.cb-focus{outline:2px solid #d97706;outline-offset:2px;border-radius:2px}',
  '.cb-hl{outline:3px solid var(--accent,#4f46e5);outline-offset:2px;background:rgb(79 70 229/.12);border-radius:2px}',
  // The chat in view: the list of chats beside, the newest messages and
  // the composer below.
  '.cb-panel.cb-side{inset:8px 8px 230px 308px}',
  '.cb-head .btn{flex:none}',
  '@media (max-width:1000px),(max-height:640px){.cb-panel.cb-side{inset:3vh 2vw}}',
  '@media (max-width:700px){.cb-panel,.cb-panel.cb-side{inset:0;width:auto;border:0;border-radius:0}.cb-frame{left:0;top:0}}'
].join('')

let styled = false

// m:ss for the replay's position.
function clock(ms) {
  const s = Math.max(0, Math.floor(ms / 1000))
  return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0')
}

export function start(options) {
  const w = WORDS[options && options.lang] || WORDS.en
  if (!styled) {
    styled = true
    adopt(document, CSS)
  }
  let current = null // the open panel; one at a time
  function begin(mode, arg) {
    if (current) current.close()
    current = viewer(w, mode, arg || {}, () => { current = null })
  }
  return {
    open: arg => begin('ask', arg),
    join: () => begin('join', {}),
    replay: arg => begin('replay', arg),
    close: () => { if (current) current.close() }
  }
}

// One opening of the panel: `mode` is 'ask' (from a chat), 'join' (with a
// code) or 'replay'. `gone` is called once it has closed.
function viewer(w, mode, arg, gone) {
  const replaying = mode === 'replay'
  let name = arg.visitor_name || w.visitor
  let sessionId = null
  let session = null // the session as the server last told it
  let ws = null
  let retries = 0
  let retryTimer = 0
  let closed = false
  let ending = false // the agent pressed End: close once the state says ended
  let lost = false // the status says the socket dropped, until the server speaks again
  let haveSnap = false // changes mean nothing before a snapshot
  let queue = Promise.resolve() // messages are decoded and applied one after another
  let gen = 0 // bumped to drop work queued for a closed panel or a restarted replay
  let follow = true
  let tool = null // 'hl', 'goto' or 'control'
  let lastClicked = null // the element remote keys go to
  let hlId = null
  let scale = 1
  let lastPoint = null // the agent's pointer on the overlay
  let ptrPending = null
  let ptrTimer = 0
  const opener = document.activeElement

  function button(text, onclick, look) {
    return el('button', { type: 'button', class: 'btn ' + (look || 'btn-ghost'), onclick }, text)
  }
  function toggle(text, onclick) {
    return el('button', { type: 'button', class: 'btn btn-ghost', 'aria-pressed': 'false', onclick }, text)
  }

  const title = el('h2', { id: 'cb-title', class: 'cb-title', tabindex: '-1' })
  const status = el('p', { class: 'cb-status', role: 'status', 'aria-live': 'polite' })
  const url = el('p', { class: 'cb-url', hidden: true })
  const followBtn = toggle(w.follow, () => setFollow(!follow))
  // With the chat in view (the list of chats, the newest messages and the
  // composer), the agent keeps talking to the visitor while seeing their
  // page; full size, the page is bigger. A session asked from a chat
  // starts with the chat in view.
  const sideBtn = toggle(w.side, () => setSide(!panel.classList.contains('cb-side')))
  const hlBtn = toggle(w.highlight, () => setTool('hl'))
  const gotoBtn = toggle(w.scrollHere, () => setTool('goto'))
  const controlBtn = button(w.requestControl, onControl)
  const endBtn = button(w.end, onEnd, 'btn-danger')
  const playBtn = button(w.play, () => (playing ? pause() : play()), 'btn-primary')
  const pos = el('span', { class: 'cb-pos' })
  const tools = el('div', { class: 'cb-tools', role: 'group', 'aria-label': w.tools, hidden: mode === 'join' },
    replaying ? [playBtn, pos, el('span', { class: 'cb-spacer' }), followBtn] : [followBtn, hlBtn, gotoBtn, controlBtn, el('span', { class: 'cb-spacer' }), endBtn])
  const iframe = el('iframe', { sandbox: 'allow-same-origin', tabindex: '-1' })
  const ptr = el('div', { class: 'cb-ptr', hidden: true })
  const vp = el('div', { class: 'cb-vp', hidden: true })
  const focusRing = el('div', { class: 'cb-focus', hidden: true })
  const hlBox = el('div', { class: 'cb-hl', hidden: true })
  const overlay = el('div', { class: 'cb-overlay', tabindex: '0', role: 'application' }, [vp, focusRing, hlBox, ptr])
  ;[ptr, vp, focusRing, hlBox].forEach(d => d.setAttribute('aria-hidden', 'true'))
  const frame = el('div', { class: 'cb-frame', hidden: true }, [iframe, overlay])
  const empty = el('p', { class: 'cb-empty', 'aria-hidden': 'true', hidden: mode === 'join' }, w.noPage)
  const stage = el('div', { class: 'cb-stage' }, [empty, frame])
  const panel = el('section', { class: 'cb-panel', role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': 'cb-title' }, [
    el('div', { class: 'cb-head' }, [el('div', { class: 'cb-heading' }, [title, status, url]), sideBtn, button(w.close, close)]),
    tools, stage
  ])

  const mirror = new Mirror(iframe, {
    refused: op => setStatus(w[['private', 'submit', 'rate', 'gone'].includes(op.why) ? op.why : 'failed'], true),
    focusOut: () => overlay.focus({ preventScroll: true })
  })
  const resize = new ResizeObserver(() => { layout(); draw() })

  function retitle() {
    title.textContent = mode === 'join' && !session ? w.joinTitle : replaying ? w.replayTitle : fill(w.title, { name })
    iframe.title = fill(w.mirror, { name })
  }

  function setStatus(text, error) {
    status.textContent = text
    status.classList.toggle('cb-error', !!error)
  }

  function live() {
    return !replaying && !closed && !!session && session.state === 'live'
  }

  function send(msg) {
    if (!ws || ws.readyState !== 1) return false
    ws.send(JSON.stringify(msg))
    return true
  }

  // The toolbar and the overlay's description, from the session and the mode.
  function refresh() {
    const had = document.activeElement
    const on = live() && !ending
    const control = session ? session.control : 'none'
    if (!on || (tool === 'control' && control !== 'granted')) tool = null
    if (tool !== 'hl') hlId = null
    followBtn.setAttribute('aria-pressed', String(follow))
    hlBtn.setAttribute('aria-pressed', String(tool === 'hl'))
    gotoBtn.setAttribute('aria-pressed', String(tool === 'goto'))
    controlBtn.textContent = control === 'granted' ? w.control : w.requestControl
    if (control === 'granted') controlBtn.setAttribute('aria-pressed', String(tool === 'control'))
    else controlBtn.removeAttribute('aria-pressed')
    ;[hlBtn, gotoBtn, endBtn].forEach(b => { b.disabled = !on })
    controlBtn.disabled = !on || control === 'asked'
    playBtn.textContent = playing ? w.pause : w.play
    const label = replaying ? w.ovReplay : tool === 'hl' ? w.ovHighlight : tool === 'goto' ? w.ovScroll : tool === 'control' ? w.ovControl : w.ovNone
    overlay.setAttribute('aria-label', fill(label, { name }))
    if (tool) overlay.dataset.tool = tool
    else delete overlay.dataset.tool
    // A button that just became disabled would drop the keyboard focus on the page.
    if (had && had.disabled && panel.contains(had)) title.focus()
  }

  function setSide(on) {
    panel.classList.toggle('cb-side', on)
    sideBtn.setAttribute('aria-pressed', String(on))
  }

  function setFollow(on) {
    follow = mirror.follow = on
    mirror.sync()
    refresh()
    draw()
  }

  function setTool(t) {
    tool = tool === t ? null : t
    if (tool !== 'hl' && hlId != null) {
      hlId = null
      send({ k: 'hl', i: null })
    }
    refresh()
    draw()
  }

  function onControl() {
    if (session && session.control === 'granted') setTool('control')
    else if (!send({ k: 'control' })) setStatus(w.offline, true)
  }

  function onEnd() {
    if (!send({ k: 'end' })) return setStatus(w.offline, true)
    ending = true
    setStatus(w.ending)
    refresh()
  }

  // A session as the server tells it (the REST answer or a state message).
  function onState(s) {
    const before = session || {}
    session = s
    sessionId = s.id
    if (s.visitor_name) name = s.visitor_name
    retitle()
    if (lost || s.state !== before.state || s.control !== before.control) setStatus(stateText(s, before))
    lost = false
    if (s.state === 'ended' || s.state === 'declined') {
      disconnect()
      if (frame.hidden) empty.hidden = true
      if (ending) return close()
    }
    refresh()
  }

  function stateText(s, before) {
    const v = { name }
    if (s.state === 'asked' || s.state === 'code') return fill(w.waiting, v)
    if (s.state === 'declined') return fill(w.declined, v)
    if (s.state === 'ended') return s.ended_by === 'visitor' ? fill(w.endedVisitor, v) : w.ended
    if (s.control === 'asked') return fill(w.controlAsked, v)
    if (s.control === 'granted' && before.control !== 'granted') return fill(w.controlGranted, v)
    if (s.control === 'declined' && before.control !== 'declined') return fill(w.controlDeclined, v)
    return fill(w.live, v)
  }

  // REST with the console's cookie; the answer's JSON (or bytes, for
  // GET), or null once the error's message is in the status line.
  async function rest(method, path, body) {
    try {
      const res = await fetch(path, {
        method,
        credentials: 'same-origin',
        headers: body ? { 'content-type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined
      })
      if (res.ok) return await (method === 'GET' ? res.arrayBuffer() : res.json())
      let message = ''
      try { message = (await res.json()).message } catch (e) {}
      if (!closed) setStatus(message || w.failed, true)
    } catch (e) {
      if (!closed) setStatus(w.network, true)
    }
    return null
  }

  // The view socket. It stays (and comes back, ever more slowly, when it
  // drops) until the session is over or the panel closes; the server
  // starts every connection with a fresh snapshot.
  function over() {
    return !session || session.state === 'ended' || session.state === 'declined'
  }

  function connect() {
    if (closed || over()) return
    const sock = new WebSocket((location.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + location.host + '/ws/v1/cobrowse/' + sessionId + '/view')
    ws = sock
    sock.binaryType = 'arraybuffer'
    haveSnap = false
    sock.onmessage = e => {
      if (sock !== ws) return
      retries = 0
      if (typeof e.data === 'string') {
        let msg = null
        try { msg = JSON.parse(e.data) } catch (err) {}
        if (msg && msg.k === 'state' && msg.session) onState(msg.session)
      } else receive(new Uint8Array(e.data))
    }
    sock.onclose = () => {
      if (sock !== ws) return
      ws = null
      if (closed || over()) return
      if (session.state === 'live') {
        lost = true
        setStatus(w.reconnecting)
      }
      retryTimer = setTimeout(connect, Math.min(30000, 1000 * 2 ** retries++))
    }
  }

  function disconnect() {
    clearTimeout(retryTimer)
    if (ws) {
      const sock = ws
      ws = null
      sock.close()
    }
  }

  function receive(bytes) {
    if (!bytes.length) return
    if (bytes[0] === 0) haveSnap = true
    else if (!haveSnap) return
    const g = gen
    queue = queue.then(() => decode(bytes)).then(ops => { if (g === gen) show(ops) }).catch(() => {})
  }

  function show(ops) {
    if (frame.hidden) {
      // Shown before the first snapshot is built: a hidden iframe has no
      // viewport to lay the page out and scroll in.
      frame.hidden = false
      empty.hidden = true
    }
    mirror.apply(ops)
    if (mirror.url) {
      url.hidden = false
      url.textContent = fill(w.page, { url: mirror.url })
      url.title = mirror.title || mirror.url
    }
    layout()
    draw()
  }

  // Scales the visitor's viewport to fit the stage, never above 1.
  function layout() {
    const pad = stage.clientWidth < 700 ? 0 : 12
    const width = mirror.w || 1280
    const height = mirror.h || 800
    scale = fitScale(stage.clientWidth - 2 * pad, stage.clientHeight - 2 * pad, width, height)
    iframe.style.transform = 'scale(' + scale + ')'
    frame.style.width = width * scale + 'px'
    frame.style.height = height * scale + 'px'
    frame.style.left = Math.max(pad, (stage.clientWidth - width * scale) / 2) + 'px'
    frame.style.top = pad + 'px'
  }

  function place(d, x, y, width, height) {
    d.hidden = false
    d.style.transform = 'translate(' + x + 'px,' + y + 'px)'
    if (width != null) {
      d.style.width = width + 'px'
      d.style.height = height + 'px'
    }
  }

  function outline(d, id) {
    const r = id != null && mirror.rect(id)
    if (r) place(d, r.x * scale, r.y * scale, r.w * scale, r.h * scale)
    else d.hidden = true
  }

  // What the overlay shows: the visitor's pointer, their focused element,
  // the agent's highlight and, when not following, the visitor's viewport.
  function draw() {
    if (!mirror.doc) return
    const s = mirror.scroll()
    const view = { scale, sx: s.x, sy: s.y }
    if (mirror.ptr) {
      const p = toStage(view, mirror.ptr.x, mirror.ptr.y)
      place(ptr, p.x, p.y)
    } else ptr.hidden = true
    if (!follow && mirror.w) {
      const p = toStage(view, mirror.sx, mirror.sy)
      place(vp, p.x, p.y, mirror.w * scale, mirror.h * scale)
    } else vp.hidden = true
    outline(focusRing, mirror.focus)
    outline(hlBox, hlId)
  }

  // A point on the overlay in the visitor's page coordinates.
  function pagePoint(x, y) {
    const s = mirror.scroll()
    const p = toPage({ scale, sx: s.x, sy: s.y }, x, y)
    return { x: Math.round(p.x), y: Math.round(p.y) }
  }

  function local(e) {
    const r = overlay.getBoundingClientRect()
    return { x: e.clientX - r.left, y: e.clientY - r.top }
  }

  // The agent's pointer goes to the visitor 30 times a second at most: the
  // first move at once, then the latest every 33 ms while it moves.
  function flushPtr() {
    ptrTimer = 0
    if (!ptrPending) return
    send({ k: 'ptr', x: ptrPending.x, y: ptrPending.y })
    ptrPending = null
    ptrTimer = setTimeout(flushPtr, 33)
  }

  overlay.addEventListener('pointermove', e => {
    lastPoint = local(e)
    if (!live()) return
    ptrPending = pagePoint(lastPoint.x, lastPoint.y)
    if (!ptrTimer) flushPtr()
  })
  overlay.addEventListener('pointerleave', () => {
    lastPoint = null
    clearTimeout(ptrTimer)
    ptrTimer = 0
    ptrPending = null
    if (live()) send({ k: 'ptr', x: null })
  })
  overlay.addEventListener('wheel', e => {
    if (!mirror.doc) return
    e.preventDefault()
    if (follow) setFollow(false)
    const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? mirror.h || 800 : 1
    mirror.scrollBy(e.deltaX * unit, e.deltaY * unit)
    draw()
  }, { passive: false })
  overlay.addEventListener('click', e => {
    const p = local(e)
    act(p.x, p.y)
  })

  // What a click (or Enter) at (x, y) of the overlay does in the current mode.
  function act(x, y) {
    if (!tool || !live()) return
    const id = mirror.hit(x / scale, y / scale)
    if (id == null) return
    if (tool === 'hl') {
      hlId = id
      send({ k: 'hl', i: id })
      draw()
    } else if (tool === 'goto') send({ k: 'goto', i: id })
    else if (tool === 'control') {
      lastClicked = id
      send({ k: 'click', i: id })
    }
  }

  const STEPS = { ArrowDown: [0, 40], ArrowUp: [0, -40], ArrowRight: [40, 0], ArrowLeft: [-40, 0], PageDown: [0, 0.9], PageUp: [0, -0.9], Home: [0, -1e9], End: [0, 1e9] }
  overlay.addEventListener('keydown', e => {
    if (tool === 'control') {
      // Escape is the way out: Tab itself goes to the visitor's page.
      if (e.key === 'Escape') return setTool('control')
      if (e.isComposing || ((e.ctrlKey || e.metaKey) && !e.getModifierState('AltGraph'))) return
      if ([...e.key].length === 1 || e.key === 'Backspace' || e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault()
        const i = lastClicked != null ? lastClicked : mirror.focus
        if (i != null && live()) send({ k: 'key', i, key: e.key })
      }
      return
    }
    // Without a pointer, Enter acts where the agent last pointed, or at the middle.
    if (tool && (e.key === 'Enter' || e.key === ' ')) {
      e.preventDefault()
      const p = lastPoint || { x: overlay.clientWidth / 2, y: overlay.clientHeight / 2 }
      return act(p.x, p.y)
    }
    const step = STEPS[e.key]
    if (!step || !mirror.doc || e.altKey || e.ctrlKey || e.metaKey) return
    e.preventDefault()
    if (follow) setFollow(false)
    const page = Math.abs(step[1]) < 1 ? step[1] * (mirror.h || 800) : step[1]
    mirror.scrollBy(step[0], page)
    draw()
  })

  // Replay: records are applied when their time comes, from the first
  // snapshot on; `at` is the position (ms) when `t0` was taken.
  let records = []
  let next = 0
  let at = 0
  let t0 = 0
  let total = 0
  let playing = false
  let playTimer = 0

  function elapsed() {
    return playing ? at + performance.now() - t0 : at
  }

  function readout(ms) {
    pos.textContent = fill(w.position, { at: clock(Math.min(ms, total)), total: clock(total) })
  }

  function play() {
    if (!records.length) return
    if (next >= records.length) {
      // From the start again: the first record is a snapshot.
      next = 0
      at = 0
      gen++
      setStatus('')
    }
    playing = true
    t0 = performance.now()
    tick()
    refresh()
  }

  function pause() {
    at = elapsed()
    playing = false
    clearTimeout(playTimer)
    readout(at)
    refresh()
  }

  function tick() {
    const now = elapsed()
    const base = records[0].ms
    while (next < records.length && records[next].ms - base <= now) receive(records[next++].bytes)
    readout(now)
    if (next >= records.length) {
      at = total
      playing = false
      setStatus(w.finished)
      refresh()
      return
    }
    playTimer = setTimeout(tick, Math.max(0, Math.min(250, records[next].ms - base - now)))
  }

  function close() {
    if (closed) return
    // Closing the panel stops a session that is still going.
    if (session && !replaying && ['asked', 'code', 'live'].includes(session.state)) send({ k: 'end' })
    closed = true
    gen++
    playing = false
    clearTimeout(playTimer)
    clearTimeout(ptrTimer)
    disconnect()
    resize.disconnect()
    panel.remove()
    if (opener && opener.isConnected && opener.focus) opener.focus()
    gone()
  }

  retitle()
  refresh()
  document.body.appendChild(panel)
  resize.observe(stage)

  if (mode === 'ask') {
    setSide(true)
    title.focus()
    setStatus(w.starting)
    rest('POST', '/api/v1/conversations/' + encodeURIComponent(arg.conversation_id) + '/cobrowse', {}).then(s => {
      if (closed) return
      if (!s) return (empty.hidden = true)
      onState(s)
      connect()
    })
  } else if (mode === 'join') {
    const input = el('input', { id: 'cb-code', class: 'input cb-code', inputmode: 'numeric', autocomplete: 'off', maxlength: '6', required: true })
    const joinBtn = el('button', { type: 'submit', class: 'btn btn-primary' }, w.join)
    const form = el('form', { class: 'cb-join', novalidate: true, onsubmit: submit }, [
      el('label', { for: 'cb-code' }, w.codeLabel),
      el('div', { class: 'cb-join-row' }, [input, joinBtn])
    ])
    const invalid = text => {
      input.setAttribute('aria-invalid', 'true')
      if (text) setStatus(text, true)
      input.focus()
    }
    async function submit(e) {
      e.preventDefault()
      if (joinBtn.disabled) return
      // Full-width digits (typed with a Chinese input method) count as digits.
      const code = input.value.replace(/[\uff10-\uff19]/g, c => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/\s+/g, '')
      if (!/^\d{6}$/.test(code)) return invalid(w.codeInvalid)
      input.removeAttribute('aria-invalid')
      joinBtn.disabled = true
      setStatus(w.joining)
      const s = await rest('POST', '/api/v1/cobrowse/join', { code })
      joinBtn.disabled = false
      if (closed) return
      if (!s) return invalid('')
      form.remove()
      tools.hidden = false
      empty.hidden = false
      onState(s)
      connect()
      title.focus()
    }
    panel.insertBefore(form, stage)
    input.focus()
  } else {
    title.focus()
    setStatus(w.loading)
    playBtn.disabled = true
    rest('GET', '/api/v1/cobrowse/' + encodeURIComponent(arg.session_id) + '/recording').then(buffer => {
      if (closed) return
      if (!buffer) return (empty.hidden = true)
      const all = parseRecording(buffer)
      const first = all.findIndex(r => r.bytes[0] === 0)
      if (first < 0) {
        empty.hidden = true
        return setStatus(w.empty)
      }
      records = all.slice(first)
      total = records[records.length - 1].ms - records[0].ms
      playBtn.disabled = false
      setStatus('')
      play()
    })
  }

  return { close }
}
