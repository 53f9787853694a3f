// The new-account form: the SMPP settings are shown only while the kind is SMPP. Without this script they are
// always shown, and the server ignores them for other kinds.
(function () {
  'use strict';
  var kind = document.getElementById('kind');
  var smpp = document.querySelector('fieldset[data-kind="smpp"]');
  if (!kind || !smpp) return;
  function follow() { smpp.hidden = kind.value !== 'smpp'; }
  kind.addEventListener('change', follow);
  follow();
})();
