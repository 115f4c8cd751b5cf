/* ReturnDesk's one script: upload progress for the evidence form. Everything works without it. */
(function () {
  "use strict";
  // Choosing files starts the upload at once; without this script the Upload button does it.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches(".upload-form input[type=file]") && input.files.length) {
      input.form.requestSubmit();
    }
  });
  document.addEventListener("htmx:xhr:loadstart", function (event) {
    var bar = event.target.querySelector && event.target.querySelector(".upload-progress");
    if (bar) { bar.hidden = false; bar.value = 0; }
  });
  document.addEventListener("htmx:xhr:progress", function (event) {
    var bar = event.target.querySelector && event.target.querySelector(".upload-progress");
    if (bar && event.detail.lengthComputable) {
      bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
    }
  });
})();
