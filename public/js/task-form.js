// The send form, enhanced: the template list follows the SMS type, the preview follows the choices, the
// recipient tabs show one panel, and a long import shows upload progress. Without JS the form still works.
(function () {
  'use strict';
  var form = document.querySelector('form[data-task-form]');
  if (!form) return;

  // Changing the SMS type (or template) reloads the form with the new template list, keeping the choices.
  form.querySelectorAll('[data-refresh-on-change]').forEach(function (select) {
    select.addEventListener('change', function () {
      var params = new URLSearchParams();
      ['smsType', 'signatureId', 'templateId', 'sendMode', 'sendAt', 'recipientsMode'].forEach(function (name) {
        var el = form.elements[name];
        if (el && el.value) params.set(name, el.value);
      });
      if (select.name === 'smsType') params.delete('templateId');
      window.location.assign('/tasks/new?' + params.toString());
    });
  });

  // The preview is rendered by the server, so the length rule has exactly one implementation.
  var slot = document.querySelector('[data-preview-slot]');
  form.querySelectorAll('[data-preview-input]').forEach(function (select) {
    select.addEventListener('change', function () {
      if (!slot) return;
      var params = new URLSearchParams({ signatureId: form.elements.signatureId.value, templateId: form.elements.templateId.value });
      fetch(slot.getAttribute('data-preview-url') + '?' + params.toString(), { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { if (html !== null) slot.innerHTML = html; });
    });
  });

  // Recipient tabs: show the panel of the chosen mode.
  function showPanel() {
    var mode = form.querySelector('input[name="recipientsMode"]:checked');
    form.querySelectorAll('[data-panel]').forEach(function (panel) {
      panel.hidden = !mode || panel.getAttribute('data-panel') !== mode.value;
    });
  }
  form.querySelectorAll('input[name="recipientsMode"]').forEach(function (r) { r.addEventListener('change', showPanel); });
  showPanel();

  // Manual numbers: a live count of the entries. The rule is the server's (splitManualNumbers in src/sms/phone.ts):
  // entries end at line breaks, commas, semicolons (ASCII and full-width) and the enumeration comma, never at spaces,
  // and a blank piece is no entry. One pass over the characters, after a short pause in typing, so a paste of
  // 100,000 lines costs a few milliseconds once rather than a split into 100,000 strings on every key.
  var numbersArea = form.querySelector('textarea[name="manualNumbers"]');
  var countOut = form.querySelector('[data-manual-count]');
  if (numbersArea && countOut) {
    var grouping = window.Intl ? new Intl.NumberFormat(document.documentElement.lang || undefined) : null;
    var countEntries = function (text) {
      var count = 0;
      var filled = false;
      for (var i = 0; i < text.length; i++) {
        var c = text.charCodeAt(i);
        // \n \r , ; U+2028 U+2029 ， ； 、
        if (c === 10 || c === 13 || c === 44 || c === 59 || c === 0x2028 || c === 0x2029 || c === 0xff0c || c === 0xff1b || c === 0x3001) {
          if (filled) count++;
          filled = false;
        } else if (!filled && c !== 32 && c !== 9 && c !== 0x3000 && c !== 0xa0 && c !== 11 && c !== 12 && c !== 0xfeff) {
          filled = true;
        }
      }
      return filled ? count + 1 : count;
    };
    var showCount = function () {
      var n = countEntries(numbersArea.value);
      var label = countOut.getAttribute(n === 1 ? 'data-label-one' : 'data-label-other');
      countOut.textContent = label.replace('{count}', grouping ? grouping.format(n) : String(n));
      countOut.hidden = false;
    };
    var countTimer = null;
    numbersArea.addEventListener('input', function () {
      clearTimeout(countTimer);
      countTimer = setTimeout(showCount, 150);
    });
    showCount();
  }

  // The schedule input only matters for a scheduled send.
  function toggleSchedule() {
    var scheduled = form.querySelector('input[name="sendMode"][value="scheduled"]').checked;
    form.querySelector('.schedule').hidden = !scheduled;
  }
  form.querySelectorAll('input[name="sendMode"]').forEach(function (r) { r.addEventListener('change', toggleSchedule); });
  toggleSchedule();

  // The night notice for marketing (the rule is src/time/quiet-hours.ts; its window comes in the notice's data).
  // Changing the SMS type reloads the form, which the server renders with the notice right; the send time is live.
  var night = form.querySelector('[data-night-notice]');
  function minuteOf(hhmm) {
    var m = /^(\d{2}):(\d{2})/.exec(hhmm || '');
    return m ? Number(m[1]) * 60 + Number(m[2]) : null;
  }
  function nowMinuteIn(zone) {
    try {
      var parts = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date());
      var hour = parts.filter(function (p) { return p.type === 'hour'; })[0];
      var minute = parts.filter(function (p) { return p.type === 'minute'; })[0];
      return hour && minute ? Number(hour.value) * 60 + Number(minute.value) : null;
    } catch (e) {
      return null;
    }
  }
  function inWindow(minute, start, end) {
    if (start === end) return false;
    return start < end ? minute >= start && minute < end : minute >= start || minute < end;
  }
  function updateNight() {
    if (!night) return;
    var start = minuteOf(night.getAttribute('data-night-start'));
    var end = minuteOf(night.getAttribute('data-night-end'));
    var scheduled = form.querySelector('input[name="sendMode"][value="scheduled"]').checked;
    // datetime-local holds the wall clock of the task's zone already (2026-12-05T22:30).
    var minute = scheduled ? minuteOf((form.elements.sendAt.value.split('T')[1]) || '') : nowMinuteIn(night.getAttribute('data-time-zone'));
    night.hidden = !(form.elements.smsType.value === 'marketing' && minute !== null && start !== null && end !== null && inWindow(minute, start, end));
  }
  form.querySelectorAll('input[name="sendMode"]').forEach(function (r) { r.addEventListener('change', updateNight); });
  ['input', 'change'].forEach(function (type) { form.elements.sendAt.addEventListener(type, updateNight); });
  updateNight();

  function importTicket() {
    if (!window.crypto || !window.crypto.getRandomValues) return null;
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }

  // Upload with progress; the server's answer (the check page, or the form with messages) replaces the page.
  var box = form.querySelector('[data-upload-progress]');
  form.addEventListener('submit', function (event) {
    if (event.submitter && event.submitter.getAttribute('formmethod') === 'get') return;
    if (!window.XMLHttpRequest || !box) return;
    event.preventDefault();
    var bar = box.querySelector('progress');
    var label = box.querySelector('[data-upload-label]');
    var button = form.querySelector('[data-check-button]');
    box.hidden = false;
    button.disabled = true;
    label.textContent = label.getAttribute('data-label-upload');
    var xhr = new XMLHttpRequest();
    // The import names itself so that, once the file is sent, the page can ask how far it is (waiting for another
    // import, reading, checking n / total) until the answer comes.
    var ticket = importTicket();
    var polling = null;
    function poll() {
      var status = new XMLHttpRequest();
      status.open('GET', '/tasks/imports/' + ticket);
      status.addEventListener('load', function () {
        if (polling === null || status.status !== 200) return;
        try {
          var answer = JSON.parse(status.responseText);
          if (answer.label) label.textContent = answer.label;
        } catch (e) { /* keep the last label */ }
        polling = setTimeout(poll, 500);
      });
      status.send();
    }
    xhr.open('POST', form.action);
    // The token also goes in a header, which the server checks before it reads the multipart body.
    var token = form.querySelector('input[name="_csrf"]');
    if (token) xhr.setRequestHeader('X-CSRF-Token', token.value);
    if (ticket) xhr.setRequestHeader('X-Import-Ticket', ticket);
    xhr.upload.addEventListener('progress', function (e) {
      if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
    });
    xhr.upload.addEventListener('load', function () {
      bar.removeAttribute('value');
      label.textContent = label.getAttribute('data-label-check');
      if (ticket) polling = setTimeout(poll, 300);
    });
    xhr.addEventListener('loadend', function () {
      clearTimeout(polling);
      polling = null;
    });
    xhr.addEventListener('load', function () {
      if (xhr.responseURL && xhr.responseURL.indexOf('/check') !== -1 && xhr.status === 200) {
        window.location.assign(xhr.responseURL);
        return;
      }
      document.open();
      document.write(xhr.responseText);
      document.close();
    });
    xhr.addEventListener('error', function () {
      button.disabled = false;
      box.hidden = true;
      form.submit();
    });
    xhr.send(new FormData(form));
  });
})();
