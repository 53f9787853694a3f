// The new-account form: each kind's settings (SMPP, and the cloud kinds) are shown only while that kind is chosen.
// Without this script they are all shown, and the server ignores those of other kinds.
(function () {
  'use strict';
  var kind = document.getElementById('kind');
  var sets = document.querySelectorAll('fieldset[data-kind]');
  if (!kind || sets.length === 0) return;
  function follow() {
    for (var i = 0; i < sets.length; i++) sets[i].hidden = sets[i].getAttribute('data-kind') !== kind.value;
  }
  kind.addEventListener('change', follow);
  follow();
})();
