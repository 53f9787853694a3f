// Live progress of scheduled and sending tasks, on the task list (one scope per row) and on the task details page
// (one scope for the whole page), polled from GET /tasks/progress. Without this file every number on the page is
// right as of its load; with it they follow the dispatcher without a reload.
//
// Markup it reads (all optional):
//   [data-progress-task="T…"][data-task-status]   a scope; [data-progress-page] makes it page-wide; [data-send-at]
//   [data-progress-badge]                          the status badge (class and words)
//   [data-progress-field="outcomes.delivered"]     a number from the JSON answer, by path
//   [data-count="delivered"]                       a count by message status (the details page's table)
//   [data-progress-template="… {count} …"]         text rebuilt from {handed} {total} {count}; with
//     [data-progress-count="outcomes.rejected"]    {count} taken from this path, and hidden while it is 0
//   [data-progress-when="sending"]                 shown only in that status
//   progress                                       value = handed + cancelled + suppressed + capped, max = recipients
//   [data-share="delivered"]                       a count's share of the recipients: its bar and percentage
//   [data-progress-rate]                           the delivery rate, "—" until a message has an outcome
//   [data-send-days]                               the send time per day, rebuilt from `days` (details poll only)
(function () {
  'use strict';
  var scopes = Array.prototype.slice.call(document.querySelectorAll('[data-progress-task]'));
  if (scopes.length === 0 || !window.fetch) return;

  var LIVE = { scheduled: true, sending: true };
  var FAST_MS = 3000;
  var SLOW_MS = 30000;
  var DUE_SOON_MS = 60000;
  var MAX_IDS = 100;
  var url = (document.querySelector('[data-progress-url]') || { getAttribute: function () { return null; } }).getAttribute('data-progress-url') || '/tasks/progress';
  var numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);
  var timer = null;
  var inFlight = false;
  var failures = 0;
  var stopped = false;

  function all(root, selector) {
    return Array.prototype.slice.call(root.querySelectorAll(selector));
  }

  function within(scope, selector) {
    return all(scope.hasAttribute('data-progress-page') ? document : scope, selector);
  }

  function pick(obj, path) {
    return path.split('.').reduce(function (o, key) { return o === null || o === undefined ? undefined : o[key]; }, obj);
  }

  function liveScopes() {
    return scopes.filter(function (s) { return LIVE[s.getAttribute('data-task-status')]; });
  }

  // Fast while something moves or is about to; a task scheduled for next week is checked now and then.
  function nextDelay() {
    var soon = liveScopes().some(function (s) {
      if (s.getAttribute('data-task-status') === 'sending') return true;
      var at = Date.parse(s.getAttribute('data-send-at') || '');
      return !isNaN(at) && at - Date.now() < DUE_SOON_MS;
    });
    return (soon ? FAST_MS : SLOW_MS) * Math.min(Math.pow(2, failures), 8);
  }

  var SVG = 'http://www.w3.org/2000/svg';

  function percent(share) {
    return (share * 100).toFixed(1) + '%';
  }

  // Same drawing as views/partials/tasks/count-bar.ejs: every share is of the one total, the recipients.
  function drawShare(el, n, total) {
    var share = total > 0 ? n / total : 0;
    var svg = el.querySelector('svg');
    var fill = svg && svg.querySelector('.bar-fill');
    if (svg && !fill && share > 0) {
      fill = document.createElementNS(SVG, 'rect');
      fill.setAttribute('class', 'bar-fill bar-' + el.getAttribute('data-share'));
      fill.setAttribute('height', '10');
      svg.appendChild(fill);
    }
    if (fill) fill.setAttribute('width', share > 0 ? Math.max(share * 100, 0.5).toFixed(2) : '0');
    var text = el.querySelector('[data-share-text]');
    if (text) text.textContent = percent(share);
  }

  function cell(text) {
    var td = document.createElement('td');
    td.textContent = String(text);
    return td;
  }

  function drawDays(section, p) {
    if (!Array.isArray(p.days)) return;
    if (p.status !== 'scheduled') section.hidden = false;
    var table = section.querySelector('table');
    var empty = section.querySelector('[data-send-days-empty]');
    var body = table && table.querySelector('tbody');
    if (!body) return;
    while (body.firstChild) body.removeChild(body.firstChild);
    p.days.forEach(function (day) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-send-day', day.date);
      var count = cell(numbers.format(day.count));
      count.setAttribute('data-day-count', '');
      [cell(day.date), cell(day.first), cell(day.last), count].forEach(function (td) { tr.appendChild(td); });
      body.appendChild(tr);
    });
    table.hidden = p.days.length === 0;
    if (empty) empty.hidden = p.days.length > 0;
  }

  function apply(scope, p) {
    var before = scope.getAttribute('data-task-status');
    scope.setAttribute('data-task-status', p.status);
    within(scope, '[data-progress-badge]').forEach(function (badge) {
      // `badge` says "stopped" at once while the last batch is still out (status stays "sending" until it returns).
      badge.className = 'badge badge-task-' + (p.badge || p.status);
      badge.textContent = p.status_label;
    });
    within(scope, '[data-progress-field]').forEach(function (el) {
      var value = pick(p, el.getAttribute('data-progress-field'));
      if (typeof value === 'number') el.textContent = numbers.format(value);
    });
    within(scope, '[data-count]').forEach(function (el) {
      var value = p.counts[el.getAttribute('data-count')];
      if (typeof value === 'number') el.textContent = numbers.format(value);
    });
    within(scope, '[data-progress-template]').forEach(function (el) {
      var countPath = el.getAttribute('data-progress-count');
      var values = { handed: p.handed, total: p.recipients, count: countPath ? pick(p, countPath) : undefined };
      el.textContent = el.getAttribute('data-progress-template').replace(/\{(\w+)\}/g, function (whole, name) {
        return typeof values[name] === 'number' ? numbers.format(values[name]) : whole;
      });
      if (countPath) el.hidden = !values.count;
    });
    within(scope, 'progress').forEach(function (bar) {
      bar.max = p.recipients;
      bar.value = p.handed + p.outcomes.cancelled + (p.outcomes.suppressed || 0) + (p.outcomes.capped || 0);
    });
    within(scope, '[data-share]').forEach(function (el) {
      var value = p.counts[el.getAttribute('data-share')];
      if (typeof value === 'number') drawShare(el, value, p.recipients);
    });
    within(scope, '[data-progress-rate]').forEach(function (el) {
      if (p.rate === null) el.textContent = '—';
      else if (typeof p.rate === 'number') el.textContent = percent(p.rate);
    });
    within(scope, '[data-send-days]').forEach(function (section) { drawDays(section, p); });
    within(scope, '[data-progress-when]').forEach(function (el) {
      el.hidden = el.getAttribute('data-progress-when') !== p.status;
    });
    if (before !== p.status) {
      // Buttons that no longer apply go: cancel only while scheduled, stop only while sending.
      within(scope, 'form[action$="/cancel"]').forEach(function (f) { if (p.status !== 'scheduled') f.remove(); });
      within(scope, 'form[action$="/stop"]').forEach(function (f) { if (p.status !== 'sending') f.remove(); });
    }
  }

  function schedule() {
    if (timer || stopped || liveScopes().length === 0) return;
    timer = setTimeout(poll, nextDelay());
  }

  function poll() {
    timer = null;
    if (inFlight || stopped || document.hidden) return;
    var ids = [];
    liveScopes().forEach(function (s) {
      var id = s.getAttribute('data-progress-task');
      if (ids.indexOf(id) === -1 && ids.length < MAX_IDS) ids.push(id);
    });
    if (ids.length === 0) return;
    inFlight = true;
    fetch(url + '?ids=' + encodeURIComponent(ids.join(',')), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (res) {
        // Logged out (or the session expired): stop asking; the next page load goes to the login.
        if (res.status === 401) stopped = true;
        if (!res.ok) throw new Error('progress: HTTP ' + res.status);
        return res.json();
      })
      .then(function (body) {
        failures = 0;
        body.tasks.forEach(function (p) {
          scopes.forEach(function (s) { if (s.getAttribute('data-progress-task') === p.id) apply(s, p); });
        });
      })
      .catch(function () { failures += 1; })
      .then(function () {
        inFlight = false;
        schedule();
      });
  }

  // A hidden tab does not poll; it catches up as soon as it is shown again.
  document.addEventListener('visibilitychange', function () {
    if (document.hidden) return;
    clearTimeout(timer);
    timer = null;
    poll();
  });

  schedule();
})();
