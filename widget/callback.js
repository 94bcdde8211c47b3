// The callback module: the form a visitor asks for a call with, and the
// card that shows how their callback stands; also, once a chat has ended,
// the request to rate it and the offer to email its transcript (the other
// things a visitor may want after the chat, and as rarely). It is loaded by the widget the
// first time it is needed (the visitor opens the form, the agent offers a
// call, or the server says there is a callback), so the chat download does
// not carry it. It draws into a mount point inside the widget's shadow root
// and talks to the server through the widget's socket: the frames and
// events it reads and writes are `protocol::visitor`'s callback frames
// (`protocol::callback` holds their types), checked by the server.
//
// Country names and times come from the browser's Intl, in the visitor's
// language and time zone, so the module carries no tables of its own.
//
// It also carries the file uploads (`files.js`): a visitor who attaches a
// file loads this one module for everything beyond chat.

import { el, adopt, fill } from './dom.js'
import { uploads } from './files.js'

var WORDS = {
  en: {
    request: 'Request a call', name: 'Name', phone: 'Phone number', country: 'Country or region', topic: 'What is it about?',
    when: 'When should we call?', asap: 'As soon as possible', at: 'At a time', slot: 'Time', send: 'Call me',
    cancel: 'Cancel', back: 'Back to chat', change: 'Change time', save: 'Save time', stop: 'Cancel callback', dismiss: 'Dismiss',
    required: 'Please fill this in.', noslots: 'No times are free at the moment.',
    scheduled: 'We will call {phone} at {time}.', scheduledAsap: 'We will call {phone} as soon as someone is free.',
    waiting: 'Waiting for an agent to call {phone}.', position: 'You are number {n} in line.',
    calling: 'An agent is calling you now at {phone}.', completed: 'Your callback is done. Thank you!',
    failed: 'We could not reach you at {phone}.', cancelled: 'Your callback was cancelled.', title: 'Callback', attempts: 'Attempts: {n}', offline: 'Not connected. Please try again in a moment.', choose: 'Choose…',
    transcript: 'Email me this conversation', transcriptSend: 'Send', transcriptSent: 'The conversation is on its way to {email}.',
    transcriptLimit: 'This conversation was already sent as often as it can be.', transcriptFailed: 'It could not be sent. Please check the address.',
    rate: 'How was this chat?', star: '{n} of 5', comment: 'Anything to add? (optional)', rateSend: 'Send rating', rated: 'Thank you for rating this chat!', rateFailed: 'Your rating could not be sent.',
    resolved: 'Your request “{s}” was resolved', gotIt: 'Got it'
  },
  'zh-Hant': {
    request: '請我們回電', name: '姓名', phone: '電話號碼', country: '國家或地區', topic: '想詢問什麼？',
    when: '希望何時回電？', asap: '盡快', at: '指定時間', slot: '時間', send: '請回電',
    cancel: '取消', back: '返回聊天', change: '更改時間', save: '儲存時間', stop: '取消回電', dismiss: '關閉',
    required: '請填寫此欄。', noslots: '目前沒有可預約的時段。',
    scheduled: '我們會在 {time} 致電 {phone}。', scheduledAsap: '有客服人員空閒時，我們會盡快致電 {phone}。',
    waiting: '正在等待客服人員致電 {phone}。', position: '您目前排在第 {n} 位。',
    calling: '客服人員正在致電 {phone}。', completed: '回電已完成，謝謝！',
    failed: '我們無法透過 {phone} 聯絡到您。', cancelled: '回電已取消。', title: '回電', attempts: '已嘗試：{n} 次', offline: '尚未連線，請稍後再試。', choose: '請選擇…',
    transcript: '以電子郵件寄送這段對話', transcriptSend: '寄送', transcriptSent: '對話紀錄已寄往 {email}。',
    transcriptLimit: '這段對話的寄送次數已達上限。', transcriptFailed: '無法寄送，請檢查電子郵件地址。',
    rate: '這次對話的體驗如何？', star: '{n} 分（滿分 5 分）', comment: '還有什麼想告訴我們的嗎？（選填）', rateSend: '送出評分', rated: '感謝您的評分！', rateFailed: '評分未能送出。',
    resolved: '您的問題「{s}」已處理完畢', gotIt: '知道了'
  },
  'zh-Hans': {
    request: '请我们回电', name: '姓名', phone: '电话号码', country: '国家或地区', topic: '想咨询什么？',
    when: '希望何时回电？', asap: '尽快', at: '指定时间', slot: '时间', send: '请回电',
    cancel: '取消', back: '返回聊天', change: '更改时间', save: '保存时间', stop: '取消回电', dismiss: '关闭',
    required: '请填写此项。', noslots: '目前没有可预约的时段。',
    scheduled: '我们会在 {time} 致电 {phone}。', scheduledAsap: '有客服人员空闲时，我们会尽快致电 {phone}。',
    waiting: '正在等待客服人员致电 {phone}。', position: '您目前排在第 {n} 位。',
    calling: '客服人员正在致电 {phone}。', completed: '回电已完成，谢谢！',
    failed: '我们无法通过 {phone} 联系到您。', cancelled: '回电已取消。', title: '回电', attempts: '已尝试：{n} 次', offline: '尚未连接，请稍后再试。', choose: '请选择…',
    transcript: '通过电子邮件发送这段对话', transcriptSend: '发送', transcriptSent: '对话记录已发送至 {email}。',
    transcriptLimit: '这段对话的发送次数已达上限。', transcriptFailed: '无法发送，请检查电子邮箱地址。',
    rate: '这次对话的体验如何？', star: '{n} 分（满分 5 分）', comment: '还有什么想告诉我们的吗？（选填）', rateSend: '提交评分', rated: '感谢您的评分！', rateFailed: '评分未能提交。',
    resolved: '您的问题“{s}”已处理完毕', gotIt: '知道了'
  }
}

var CSS = [
  '.rp-callback:empty{display:none}',
  '.rp-callback{border-bottom:1px solid var(--rp-line,#e5e7eb);max-height:70%;overflow:auto;flex-shrink:0}',
  '.rp-cb-card{padding:12px 16px;display:flex;flex-direction:column;gap:8px;font-size:14px;background:#f8fafc}',
  '.rp-resolution-text{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}',
  '.rp-cb-card h3,.rp-cb-form h3{margin:0;font-size:14px}',
  '.rp-cb-actions{display:flex;gap:8px;flex-wrap:wrap}',
  '.rp-cb-actions button{font:inherit;font-size:13px;padding:6px 12px;border-radius:8px;border:1px solid #cbd5e1;background:#fff;color:#1f2937;cursor:pointer}',
  '.rp-cb-actions button:focus-visible,.rp-cb-when input:focus-visible{outline:2px solid var(--rp-accent,#2f6fed);outline-offset:2px}',
  '.rp-cb-form{border-top:0}',
  '.rp-cb-when{border:0;margin:0;padding:0;display:flex;flex-direction:column;gap:6px;font-size:13px}',
  '.rp-cb-when legend{font-weight:600;color:#374151;padding:0;margin-bottom:4px}',
  '.rp-cb-when label{display:flex;gap:6px;align-items:center}',
  '.rp-cb-phone{display:grid;grid-template-columns:minmax(0,2fr) minmax(0,3fr);gap:8px}',
  '.rp-cb-error{color:#b91c1c;font-size:13px;margin:0}',
  '.rp-tr input{flex:1;min-width:0;font:inherit;font-size:13px;padding:6px 10px;border-radius:8px;border:1px solid #cbd5e1}',
  '.rp-tr label{font-weight:600;color:#374151}',
  '.rp-rate-stars button{font-size:20px;line-height:1;padding:4px 8px;color:#b45309}',
  '.rp-rate-stars button[aria-pressed=true]{background:#fef3c7;border-color:#b45309}',
  '.rp-rate textarea{font:inherit;font-size:13px;padding:6px 10px;border-radius:8px;border:1px solid #cbd5e1;resize:vertical}'
].join('')

function words(lang) {
  return WORDS[lang] || WORDS.en
}

// The region of the browser's own language (en-GB: GB), when it names one
// the server offers: it says more about where a visitor dials from than the
// page's language does.
function browserRegion(countries) {
  var tags = (navigator.languages || [navigator.language || '']).slice(0, 3)
  for (var i = 0; i < tags.length; i++) {
    var region = (tags[i].split('-')[1] || '').toUpperCase()
    for (var j = 0; region.length === 2 && j < countries.length; j++) if (countries[j].region === region) return region
  }
  return ''
}

export function start(options) {
  var mount = options.mount
  var lang = options.lang
  var send = options.send
  var w = words(lang)
  var root = mount.getRootNode()
  adopt(root, CSS)
  var files = null // the uploads, drawn the first time a file is sent
  var regionName = null
  try { regionName = new Intl.DisplayNames([lang], { type: 'region' }) } catch (e) {}
  var when = new Intl.DateTimeFormat(lang, { weekday: 'short', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' })

  var callback = null // the visitor's callback as the server last told
  var form = null // 'new' or 'move' while the form is open
  var options_ = null // what the server said the form may offer
  var draft = { name: '', phone: '', country: '', topic: '', asap: true, at: '' }
  var error = ''
  var dismissed = false
  var pending = false // the visitor's own request, move or cancel is on its way
  var ended = null // the chat that ended: { id, email, sentTo }
  var resolutions = [] // how the visitor's cases were resolved, unread

  // Sends a frame; when the widget is offline the form says so rather
  // than waiting for an answer that cannot come.
  function frame(value) {
    if (send(JSON.stringify(value))) return true
    error = w.offline
    pending = false
    if (form) render()
    return false
  }

  function render() {
    var focused = mount.contains(document.activeElement) || (root.activeElement && mount.contains(root.activeElement))
    // What had the focus comes back after the redraw, when it is drawn again.
    var had = focused && root.activeElement && root.activeElement.id
    mount.textContent = ''
    // The card's changes are read out; the form's are the visitor's own.
    mount.setAttribute('aria-live', form ? 'off' : 'polite')
    if (form) mount.appendChild(formView())
    else if (callback && !dismissed) mount.appendChild(card())
    if (!form) resolutions.forEach(function (r) { mount.appendChild(resolutionView(r)) })
    if (!form && ended) mount.appendChild(ratingView())
    if (!form && ended) mount.appendChild(transcriptView())
    // Focus goes into a form that opens, and stays in the module when what
    // held it was replaced (a sent form becomes the card).
    var target = form ? (focused ? mount.querySelector('[aria-invalid=true]') : mount.querySelector('input,select,button')) : focused && mount.querySelector('.rp-cb-card:not(.rp-rate) button,.rp-cb-status')
    var again = had && mount.querySelector('#' + had)
    if (again) again.focus()
    else if (target) target.focus()
  }

  // A case's resolution the team sent: read once, then put away (the
  // server is told, so it is not shown again on the next visit).
  function resolutionView(r) {
    var heading = 'rp-res-' + r.case_id
    function seen() {
      // Offline, it stays: the server must hear it was read.
      if (!frame({ type: 'resolution_seen', case_id: r.case_id })) return render()
      resolutions = resolutions.filter(function (x) { return x.case_id !== r.case_id })
      render()
      // The keyboard lands on the next card's button, or back in the chat.
      var next = mount.querySelector('.rp-resolution-seen') || (root.querySelector && root.querySelector('textarea.rp-input,.rp-call'))
      if (next) next.focus()
    }
    return el('section', { class: 'rp-cb-card rp-resolution', 'aria-labelledby': heading }, [
      el('h3', { id: heading }, w.resolved.replace('{s}', r.subject)),
      el('p', { class: 'rp-resolution-text' }, r.resolution),
      el('div', { class: 'rp-cb-actions' }, [el('button', { type: 'button', class: 'rp-resolution-seen', onclick: seen }, w.gotIt)])
    ])
  }

  // The ended chat's transcript by email, to the pre-chat address unless
  // the visitor types another; then where it went.
  function transcriptView() {
    if (ended.sentTo) return el('p', { class: 'rp-cb-card rp-tr-sent', role: 'status' }, fill(w.transcriptSent, { email: ended.sentTo }))
    // What the visitor types is kept, so a redraw does not lose it.
    var input = el('input', { type: 'email', id: 'rp-tr-email', required: true, autocomplete: 'email', value: ended.email, oninput: function (e) { ended.email = e.target.value } })
    var submit = function (e) {
      e.preventDefault()
      ended.error = ''
      if (input.value && frame({ type: 'email_transcript', conversation_id: ended.id, email: input.value })) ended.pending = true
    }
    return el('form', { class: 'rp-cb-card rp-tr', onsubmit: submit }, [
      el('label', { for: 'rp-tr-email' }, w.transcript),
      el('div', { class: 'rp-cb-actions' }, [input, el('button', { type: 'submit' }, w.transcriptSend)]),
      ended.error ? el('p', { class: 'rp-cb-error', role: 'alert' }, ended.error) : document.createTextNode('')
    ])
  }

  // The ended chat's rating, 1 to 5 with an optional comment; asked once.
  function ratingView() {
    if (ended.rating) return el('p', { class: 'rp-cb-card rp-rated', role: 'status' }, w.rated)
    var stars = [1, 2, 3, 4, 5].map(function (n) {
      return el('button', { type: 'button', id: 'rp-star-' + n, 'aria-pressed': String(ended.score === n), 'aria-label': fill(w.star, { n: n }), onclick: function () { ended.score = n; render() } }, n <= ended.score ? '★' : '☆')
    })
    var comment = el('textarea', { id: 'rp-rate-comment', rows: '2', maxlength: '1000', value: ended.comment, oninput: function (e) { ended.comment = e.target.value } })
    var submit = function (e) {
      e.preventDefault()
      ended.rateError = ''
      if (ended.score && frame({ type: 'rate', conversation_id: ended.id, score: ended.score, comment: comment.value })) ended.ratePending = true
    }
    return el('form', { class: 'rp-cb-card rp-rate', onsubmit: submit }, [
      el('div', { class: 'rp-cb-actions rp-rate-stars', role: 'group', 'aria-label': w.rate }, [el('span', {}, w.rate)].concat(stars)),
      el('label', { for: 'rp-rate-comment' }, w.comment),
      comment,
      el('div', { class: 'rp-cb-actions' }, [el('button', { type: 'submit', disabled: !ended.score }, w.rateSend)]),
      ended.rateError ? el('p', { class: 'rp-cb-error', role: 'alert' }, ended.rateError) : document.createTextNode('')
    ])
  }

  function statusText(c) {
    var values = { phone: c.phone, time: when.format(new Date(c.due_at_ms)), n: c.queue_position }
    if (c.status === 'scheduled') return fill(c.asap && c.attempts === 0 ? w.scheduledAsap : w.scheduled, values)
    if (c.status === 'waiting') return fill(w.waiting, values) + (c.queue_position ? ' ' + fill(w.position, values) : '')
    return fill(w[c.status] || '', values)
  }

  function card() {
    var c = callback
    var open = c.status === 'scheduled' || c.status === 'waiting'
    var actions = []
    if (c.status === 'scheduled') actions.push(el('button', { type: 'button', class: 'rp-cb-change', onclick: function () { openForm('move') } }, w.change))
    if (open) actions.push(el('button', { type: 'button', class: 'rp-cb-stop', onclick: function () { frame({ type: 'cancel_callback', callback_id: c.id }) } }, w.stop))
    if (!open && c.status !== 'calling') actions.push(el('button', { type: 'button', onclick: function () { dismissed = true; render() } }, w.dismiss))
    return el('section', { class: 'rp-cb-card', 'aria-labelledby': 'rp-cb-title' }, [
      el('h3', { id: 'rp-cb-title' }, w.title),
      el('p', { class: 'rp-cb-status', tabindex: '-1', 'data-status': c.status }, statusText(c)),
      c.attempts > 0 && open ? el('p', {}, fill(w.attempts, { n: c.attempts })) : document.createTextNode(''),
      el('div', { class: 'rp-cb-actions' }, actions)
    ])
  }

  function countrySelect() {
    var list = (options_ ? options_.countries : []).map(function (c) {
      var name = c.region
      try { name = (regionName && regionName.of(c.region)) || c.region } catch (e) {}
      return { region: c.region, label: name + ' +' + c.calling_code }
    })
    list.sort(function (a, b) { return a.label.localeCompare(b.label, lang) })
    var options = list.map(function (c) { return el('option', { value: c.region, selected: c.region === draft.country }, c.label) })
    if (!draft.country) options.unshift(el('option', { value: '', selected: true }, w.choose))
    return el('select', { name: 'country', autocomplete: 'tel-country-code', onchange: function (e) { draft.country = e.target.value } }, options)
  }

  function slotSelect() {
    var slots = options_ ? options_.slots : []
    if (!draft.at && slots.length) draft.at = String(slots[0])
    return el('select', { name: 'slot', 'aria-label': w.slot, disabled: draft.asap && !!(options_ && options_.asap), onchange: function (e) { draft.at = e.target.value } },
      slots.map(function (t) { return el('option', { value: String(t), selected: String(t) === draft.at }, when.format(new Date(t))) }))
  }

  function whenField() {
    var offerAsap = !!(options_ && options_.asap)
    if (!offerAsap) draft.asap = false
    var pick = function (asap) { return function () { draft.asap = asap; var s = mount.querySelector('select[name=slot]'); if (s) s.disabled = asap } }
    var slots = options_ ? options_.slots : []
    return el('fieldset', { class: 'rp-cb-when' }, [
      el('legend', {}, w.when),
      offerAsap ? el('label', {}, [el('input', { type: 'radio', name: 'when', value: 'asap', checked: draft.asap, onchange: pick(true) }), w.asap]) : document.createTextNode(''),
      el('label', {}, [el('input', { type: 'radio', name: 'when', value: 'at', checked: !draft.asap, disabled: !slots.length, onchange: pick(false) }), w.at]),
      slots.length ? slotSelect() : el('p', {}, w.noslots)
    ])
  }

  function field(label, input) {
    return el('label', { class: 'rp-field' }, [el('span', {}, label), input])
  }

  function formView() {
    var moving = form === 'move'
    if (!options_) {
      return el('div', { class: 'rp-cb-card' }, [
        el('p', { role: 'status' }, error || '…'),
        el('div', { class: 'rp-cb-actions' }, [
          error ? el('button', { type: 'button', onclick: function () { openForm(form) } }, w.request) : document.createTextNode(''),
          el('button', { type: 'button', onclick: closeForm }, w.back)
        ])
      ])
    }
    var parts = [el('h3', {}, moving ? w.change : w.request)]
    if (!moving) {
      parts.push(field(w.name, el('input', { name: 'name', type: 'text', autocomplete: 'name', required: true, maxlength: 100, value: draft.name, oninput: function (e) { draft.name = e.target.value } })))
      parts.push(el('div', { class: 'rp-cb-phone' }, [
        field(w.country, countrySelect()),
        field(w.phone, el('input', { name: 'phone', type: 'tel', autocomplete: 'tel-national', inputmode: 'tel', required: true, maxlength: 40, value: draft.phone, 'aria-describedby': 'rp-cb-error', 'aria-invalid': error ? 'true' : 'false', oninput: function (e) { draft.phone = e.target.value } }))
      ]))
      parts.push(field(w.topic, el('input', { name: 'topic', type: 'text', maxlength: 200, value: draft.topic, oninput: function (e) { draft.topic = e.target.value } })))
    }
    parts.push(whenField())
    parts.push(el('p', { id: 'rp-cb-error', class: 'rp-cb-error', role: 'alert' }, error))
    parts.push(el('button', { class: 'rp-start', type: 'submit' }, moving ? w.save : w.send))
    parts.push(el('div', { class: 'rp-cb-actions' }, [el('button', { type: 'button', onclick: closeForm }, moving ? w.cancel : w.back)]))
    return el('form', { class: 'rp-prechat rp-cb-form', novalidate: true, onsubmit: submit, onkeydown: function (e) { if (e.key === 'Escape') { e.stopPropagation(); closeForm() } } }, parts)
  }

  function submit(e) {
    e.preventDefault()
    var at = draft.asap ? null : Number(draft.at) || null
    if (form === 'move') {
      pending = frame({ type: 'reschedule_callback', callback_id: callback.id, at_ms: at })
      return
    }
    if (!draft.name.trim() || !draft.phone.trim()) {
      error = w.required
      render()
      return
    }
    pending = frame({ type: 'request_callback', request: { name: draft.name.trim(), phone: draft.phone.trim(), country: draft.country, topic: draft.topic.trim(), at_ms: at } })
  }

  function openForm(kind) {
    form = kind
    error = ''
    options_ = null
    draft.asap = true
    draft.at = ''
    frame({ type: 'callback_options' })
    render()
  }

  function closeForm() {
    form = null
    error = ''
    render()
    // Keyboard users land back on the button that opened the form.
    if (!mount.firstChild) {
      var call = root.querySelector && root.querySelector('.rp-call')
      if (call) call.focus()
    }
  }

  return {
    // Files the visitor attached: [files, conversation id, visitor
    // token], drawn into the widget's .rp-uploads and sent to the server
    // this module came from.
    files: function (a) {
      files = files || uploads(root.querySelector('.rp-uploads'), lang)
      files.add(a[0], new URL('../api/v1/files?conversation=' + a[1], import.meta.url).href, { authorization: 'Bearer ' + a[2] })
    },
    // Opens the form (a new request, or a new time for the open one).
    open: function (prefill) {
      if (prefill) {
        draft.name = draft.name || prefill.name || ''
        draft.topic = draft.topic || prefill.topic || ''
      }
      var open = callback && (callback.status === 'scheduled' || callback.status === 'waiting' || callback.status === 'calling')
      if (open) {
        dismissed = false
        form = null
        render()
      } else openForm('new')
    },
    // An event from the server about callbacks.
    event: function (ev) {
      if (ev.type === 'conversation') {
        var c = ev.conversation
        // Only a chat an agent answered can be rated or sent.
        var over = c.status === 'ended' && !c.unavailable && !!c.agent_name
        var same = ended && ended.id === c.id
        ended = over ? { id: c.id, email: (c.prechat && c.prechat.email) || '', sentTo: same ? ended.sentTo : '', rating: c.rating || (same && ended.rating) || 0, score: same ? ended.score : 0, comment: same ? ended.comment : '', ratePending: same && ended.ratePending, rateError: same ? ended.rateError : '' } : null
        render()
      } else if (ev.type === 'resolutions') {
        resolutions = ev.resolutions
        render()
      } else if (ev.type === 'transcript_queued') {
        if (ended) { ended.sentTo = ev.email; ended.pending = false }
        render()
      } else if (ev.type === 'rated') {
        if (ended) { ended.rating = ev.score; ended.ratePending = false }
        render()
      } else if (ev.type === 'error') {
        // Only the answer to the module's own request is its to show.
        if (ended && ended.pending) {
          ended.pending = false
          ended.error = ev.error.code === 'rate_limited' ? w.transcriptLimit : w.transcriptFailed
          render()
        } else if (ended && ended.ratePending) {
          ended.ratePending = false
          ended.rateError = w.rateFailed
          render()
        }
      } else if (ev.type === 'callback_options') {
        options_ = ev.options
        if (!draft.country) draft.country = browserRegion(ev.options.countries) || ev.options.default_country
        if (form) render()
      } else if (ev.type === 'callback') {
        var fresh = !callback || callback.id !== ev.callback.id || callback.status !== ev.callback.status
        var answered = pending || fresh
        callback = ev.callback
        if (fresh) dismissed = false
        // A welcome replayed after a reconnect does not close a form the
        // visitor is filling in.
        if (answered || !form) {
          form = null
          error = ''
          pending = false
        }
        render()
      } else if (ev.type === 'callback_refused') {
        error = ev.message
        pending = false
        // The slot filled or passed meanwhile: offer the times free now.
        if (ev.reason === 'slot_unavailable') { draft.at = ''; frame({ type: 'callback_options' }) }
        if (form) render()
      }
    }
  }
}
