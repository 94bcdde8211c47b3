// File uploads with progress, cancel and retry: the module both the
// widget (inside the callback module, loaded on first use) and the
// console (loaded the first time an agent attaches a file) draw their
// uploads with. Each file is one row: its name, a progress bar and Cancel
// while it goes; on failure, why (in the reader's language) and, when
// trying again can help, Retry. A retry sends the same client id, so a
// file whose first attempt did arrive is not stored twice. A file that
// arrives comes back as a chat message over the socket, and its row goes.
//
// The server decides what a file is from its content; nothing here trusts
// or checks the name.

import { el, adopt, fill } from './dom.js'

var WORDS = {
  en: {
    uploads: 'Files being sent', sending: 'Sending {name}', cancel: 'Cancel', retry: 'Try again', dismiss: 'Dismiss',
    cancelName: 'Cancel sending {name}', retryName: 'Try sending {name} again', dismissName: 'Dismiss {name}',
    too_large: '{name} is larger than this chat accepts.', file_type: '{name} cannot be sent: only pictures, PDF, text and office documents can.',
    limit_reached: 'This chat cannot take more files.', forbidden: 'Files cannot be sent here.', invalid_state: 'This chat has ended.', failed: '{name} could not be sent.'
  },
  'zh-Hant': {
    uploads: '正在傳送的檔案', sending: '正在傳送 {name}', cancel: '取消', retry: '重試', dismiss: '關閉',
    cancelName: '取消傳送 {name}', retryName: '重新傳送 {name}', dismissName: '關閉 {name}',
    too_large: '{name} 超過此對話允許的大小。', file_type: '無法傳送 {name}：只能傳送圖片、PDF、文字檔與 Office 文件。',
    limit_reached: '此對話無法再接收更多檔案。', forbidden: '此處無法傳送檔案。', invalid_state: '此對話已結束。', failed: '{name} 傳送失敗。'
  },
  'zh-Hans': {
    uploads: '正在发送的文件', sending: '正在发送 {name}', cancel: '取消', retry: '重试', dismiss: '关闭',
    cancelName: '取消发送 {name}', retryName: '重新发送 {name}', dismissName: '关闭 {name}',
    too_large: '{name} 超过此对话允许的大小。', file_type: '无法发送 {name}：只能发送图片、PDF、文本文件和 Office 文档。',
    limit_reached: '此对话无法再接收更多文件。', forbidden: '此处无法发送文件。', invalid_state: '此对话已结束。', failed: '{name} 发送失败。'
  }
}

var CSS = [
  '.rp-ups{list-style:none;margin:0;padding:0 12px;display:flex;flex-direction:column;gap:6px}',
  '.rp-ups:empty{display:none}',
  '.rp-up{display:flex;flex-wrap:wrap;align-items:center;gap:6px 8px;padding:8px 10px;border:1px solid #e5e7eb;border-radius:10px;background:#f8fafc;font-size:13px;color:#1f2937}',
  '.rp-up-name{flex:1;min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;font-weight:600}',
  '.rp-up progress{flex-basis:100%;height:6px;accent-color:var(--rp-accent,#2f6fed)}',
  '.rp-up-error{flex-basis:100%;color:#b91c1c;margin:0}',
  '.rp-up button{font:inherit;font-size:12px;padding:4px 10px;border-radius:8px;border:1px solid #cbd5e1;background:#fff;color:#1f2937;cursor:pointer}',
  '.rp-up button:focus-visible{outline:2px solid var(--rp-accent,#2f6fed);outline-offset:2px}'
].join('')

// Answers worth a retry: the network, or the server busy or failing.
function retryable(code) {
  return !code || code === 'busy' || code === 'internal' || code === 'rate_limited'
}

function errorCode(xhr) {
  try { return JSON.parse(xhr.responseText).code || '' } catch (e) { return '' }
}

function clientId() {
  return 'f' + Date.now().toString(36) + Math.random().toString(36).slice(2, 10)
}

// The documents and shadow roots the style sheet was added to.
var styled = new WeakSet()

// Draws uploads into `mount` in language `lang` (into the list already
// there, when called again for the same mount). `add(files, url,
// headers)` sends each file (a FileList or an array of File) to `url`,
// with the extra request headers given.
export function uploads(mount, lang) {
  var w = WORDS[lang] || WORDS.en
  var root = mount.getRootNode()
  if (!styled.has(root)) {
    styled.add(root)
    adopt(root, CSS)
  }
  var list = mount.querySelector('.rp-ups')
  if (!list) {
    list = el('ul', { class: 'rp-ups', 'aria-label': w.uploads })
    mount.appendChild(list)
  }

  function upload(file, url, headers) {
    var id = clientId()
    var row = el('li', { class: 'rp-up' })
    var xhr = null
    list.appendChild(row)

    // Whether the keyboard focus is in this row (in the page or in the
    // widget's shadow root).
    function focused() {
      return row.contains(mount.getRootNode().activeElement)
    }

    // Redraws the row; focus that was on a button in it stays in it.
    function draw(children) {
      var had = focused()
      row.textContent = ''
      children.forEach(function (c) { row.appendChild(c) })
      var button = row.querySelector('button')
      if (had && button) button.focus()
    }

    // Removes the row; focus that was in it goes to the next upload's
    // first button, or back to the composer.
    function done() {
      var had = focused()
      var next = row.nextElementSibling || row.previousElementSibling
      row.remove()
      var target = (next && next.querySelector('button')) || mount.parentNode.querySelector('textarea')
      if (had && target) target.focus()
    }

    function button(text, label, onclick) {
      return el('button', { type: 'button', 'aria-label': fill(label, { name: file.name }), onclick: onclick }, text)
    }

    function failed(code) {
      var text = fill(w[code] || w.failed, { name: file.name })
      var buttons = [button(w.dismiss, w.dismissName, done)]
      if (retryable(code)) buttons.unshift(button(w.retry, w.retryName, send))
      draw([el('span', { class: 'rp-up-name' }, file.name)].concat(buttons, [el('p', { class: 'rp-up-error', role: 'alert' }, text)]))
    }

    function send() {
      var bar = el('progress', { max: '100', value: '0', 'aria-label': fill(w.sending, { name: file.name }) })
      draw([
        el('span', { class: 'rp-up-name' }, file.name),
        // Stops sending. A file whose bytes had all gone may still arrive.
        button(w.cancel, w.cancelName, function () { if (xhr) xhr.abort(); done() }),
        bar
      ])
      xhr = new XMLHttpRequest()
      xhr.open('POST', url + (url.indexOf('?') < 0 ? '?' : '&') + 'client_id=' + id)
      for (var k in headers || {}) xhr.setRequestHeader(k, headers[k])
      xhr.setRequestHeader('x-file-name', encodeURIComponent(file.name))
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100)
      }
      xhr.onload = function () {
        if (xhr.status >= 200 && xhr.status < 300) done()
        else failed(errorCode(xhr))
      }
      xhr.onerror = function () { failed('') }
      xhr.send(file)
    }

    send()
  }

  return {
    add: function (files, url, headers) {
      for (var i = 0; i < files.length; i++) upload(files[i], url, headers)
    }
  }
}
