// Progressive enhancements; every page works without this file.
(function () {
  'use strict';
  document.documentElement.classList.add('js');

  // Selects and checkboxes marked data-autosubmit submit their form on change (the submit button is hidden with JS on).
  document.querySelectorAll('select[data-autosubmit], input[type="checkbox"][data-autosubmit]').forEach(function (select) {
    select.addEventListener('change', function () { select.form.submit(); });
  });

  // Forms marked data-confirm ask before a destructive action.
  document.querySelectorAll('form[data-confirm]').forEach(function (form) {
    form.addEventListener('submit', function (event) {
      if (!window.confirm(form.getAttribute('data-confirm'))) event.preventDefault();
    });
  });

  // A secret shown once (a new API key) is selected whole on focus, ready to copy.
  document.querySelectorAll('input[data-select-on-focus]').forEach(function (input) {
    input.addEventListener('focus', function () { input.select(); });
  });

  // A copy button beside a secret shown once. The Clipboard API needs a secure context (HTTPS or localhost); a
  // console reached over plain HTTP on the office network falls back to selecting the text and execCommand('copy').
  document.querySelectorAll('button[data-copy-from]').forEach(function (button) {
    var input = document.getElementById(button.getAttribute('data-copy-from'));
    if (!input) return;
    var label = button.textContent;
    function copied() {
      button.textContent = button.getAttribute('data-label-copied');
      setTimeout(function () { button.textContent = label; }, 2000);
    }
    function selectAndCopy() {
      input.focus();
      input.select();
      try { if (document.execCommand('copy')) copied(); } catch (e) { /* the text stays selected, for Ctrl+C */ }
    }
    button.hidden = false;
    button.addEventListener('click', function () {
      if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(input.value).then(copied, selectAndCopy);
      else selectAndCopy();
    });
  });

  // Forms marked data-once cannot be sent twice by a double click (the server is idempotent anyway).
  document.querySelectorAll('form[data-once]').forEach(function (form) {
    form.addEventListener('submit', function () {
      setTimeout(function () { form.querySelectorAll('button[type="submit"]').forEach(function (b) { b.disabled = true; }); }, 0);
    });
  });

  // Template content: live character count and variable list. Counting UTF-16 units matches the
  // server's rule (characters outside the BMP count two); the server checks everything again on submit.
  document.querySelectorAll('textarea[data-template-counter]').forEach(function (area) {
    var out = area.parentElement.querySelector('[data-counter-output]');
    if (!out) return;
    var max = Number(area.getAttribute('data-max')) || 500;
    function update() {
      var text = area.value.trim();
      var seen = {};
      var vars = [];
      text.replace(/\{([1-9]\d*)\}/g, function (_m, n) { if (!seen[n]) { seen[n] = true; vars.push(Number(n)); } return _m; });
      vars.sort(function (a, b) { return a - b; });
      var hasAstral = /[\uD800-\uDBFF][\uDC00-\uDFFF]/.test(text);
      var parts = [text.length + ' / ' + max + ' ' + out.getAttribute('data-label-chars')];
      parts.push(vars.length ? out.getAttribute('data-label-vars') + ' ' + vars.map(function (n) { return '{' + n + '}'; }).join(' ') : out.getAttribute('data-label-none'));
      if (hasAstral) parts.push(out.getAttribute('data-label-emoji'));
      out.textContent = parts.join(' · ');
      out.classList.toggle('field-error', text.length > max);
    }
    area.addEventListener('input', update);
    update();
  });

  // Template content: the count with the longest approved signature. The server renders it (src/sms/template-fit.ts),
  // so the editor counts exactly as the send form does; typing waits a moment so each pause costs one request.
  document.querySelectorAll('[data-template-fit]').forEach(function (slot) {
    var area = slot.parentElement.querySelector('textarea[data-template-counter]');
    if (!area) return;
    var timer = null;
    var sent = 0;
    function refresh() {
      var mine = ++sent;
      fetch(slot.getAttribute('data-fit-url') + '?content=' + encodeURIComponent(area.value), { credentials: 'same-origin' })
        .then(function (res) { return res.ok ? res.text() : ''; })
        .then(function (html) { if (mine === sent) slot.innerHTML = html; })
        .catch(function () { /* the server still checks on submit and approval */ });
    }
    area.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(refresh, 250); });
    refresh();
  });
})();
