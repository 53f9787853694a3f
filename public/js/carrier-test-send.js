// The test send page: while a sent message still awaits its receipt, the list of test sends is fetched again every
// 2 s and replaced, so the receipt shows when it arrives. Without this script, reloading the page shows it.
(function () {
  'use strict';
  var list = document.querySelector('[data-test-sends]');
  if (!list) return;
  var tries = 0;
  function poll() {
    if (!list.querySelector('[data-awaiting-receipt]') || tries >= 150) return;
    tries += 1;
    fetch(window.location.pathname, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (res) { return res.ok ? res.text() : null; })
      .then(function (html) {
        if (html) {
          var fresh = new DOMParser().parseFromString(html, 'text/html').querySelector('[data-test-sends]');
          if (fresh) list.innerHTML = fresh.innerHTML;
        }
        setTimeout(poll, 2000);
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 2000);
})();
