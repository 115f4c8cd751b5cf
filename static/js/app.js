/* ReturnDesk's one script: upload progress, text counters, "go back" links. Everything works
   without it. */
(function () {
  "use strict";
  // With this script, choosing files uploads them: the Upload button is for pages without it.
  document.documentElement.classList.add("js");
  // Choosing files starts the upload at once; without this script the Upload button does it.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches(".upload-form input[type=file]") && input.files.length) {
      input.form.requestSubmit();
    }
  });
  // A one-file picker (a spreadsheet to import) names the file chosen; without this script the
  // browser's own input does.
  document.addEventListener("change", function (event) {
    var input = event.target;
    var shown = input.matches && input.matches(".filepicker-one input[type=file]") &&
      input.closest(".filepicker").querySelector(".filepicker-chosen");
    if (shown) { shown.textContent = input.files.length ? input.files[0].name : ""; }
  });
  // The progress bar of the form (step 3) or of the picker the upload came from.
  function progressBar(element) {
    var picker = element.closest && element.closest(".picker");
    var scope = picker || element;
    return scope.querySelector && scope.querySelector(".upload-progress");
  }
  document.addEventListener("htmx:xhr:loadstart", function (event) {
    var bar = progressBar(event.target);
    if (bar) { bar.hidden = false; bar.value = 0; }
  });
  document.addEventListener("htmx:xhr:progress", function (event) {
    var bar = progressBar(event.target);
    if (bar && event.detail.lengthComputable) {
      bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
    }
  });
  // A picker's files are staged now: empty the input so the form does not send them again.
  document.addEventListener("htmx:afterRequest", function (event) {
    var input = event.target;
    if (input.matches && input.matches(".picker-input")) {
      var bar = progressBar(input);
      if (bar) { bar.hidden = true; }
      if (event.detail.successful) { input.value = ""; }
    }
  });
  // "12 / 4000": the limit the server holds the text to, counted as one types.
  function count(field) {
    var counter = document.querySelector('[data-count-for="' + field.id + '"]');
    var most = parseInt(field.getAttribute("maxlength"), 10);
    if (!counter || !most) { return; }
    counter.textContent = field.value.length + " / " + most;
    counter.classList.toggle("field-count-full", field.value.length >= most);
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("textarea[maxlength]")) { count(event.target); }
  });
  function countAll() {
    document.querySelectorAll("textarea[maxlength]").forEach(count);
  }
  document.addEventListener("DOMContentLoaded", countAll);
  document.addEventListener("htmx:afterSettle", countAll);
  // A form sent back with problems: take the reader to the summary of what to put right
  // (without script the form posts to its address#problems, with the same effect).
  document.addEventListener("htmx:afterSettle", function (event) {
    var summary = document.getElementById("problems");
    if (summary && event.target.contains(summary)) {
      summary.focus();
      summary.scrollIntoView({ block: "start" });
    }
  });
  // A poller (data-poll: the request page's status, the staff queue's look-again) never puts
  // an error page into the page it watches: a failed poll (the service briefly away) leaves the
  // page as it is and the next poll tries again; a refusal (signed out, no longer theirs) stops
  // polling, since asking again cannot change it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var poller = event.detail.elt;
    if (poller && poller.hasAttribute("data-poll") && event.detail.xhr.status >= 400) {
      event.detail.shouldSwap = false;
      if (event.detail.xhr.status < 500) { poller.remove(); }
    }
  });
  // Receiving: where the browser reads barcodes (BarcodeDetector), the camera fills the scan
  // field and opens the receipt; elsewhere the field (a scanner types into it) is all there is.
  function scanWithCamera(button) {
    var form = button.form, video = form.querySelector("[data-scan-video]");
    var detector = new window.BarcodeDetector({ formats: ["qr_code", "code_128"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream; video.hidden = false; video.play();
      var look = function () {
        detector.detect(video).then(function (codes) {
          if (codes.length) {
            stream.getTracks().forEach(function (track) { track.stop(); });
            form.querySelector("input[name=code]").value = codes[0].rawValue;
            form.requestSubmit();
          } else { window.setTimeout(look, 250); }
        }, function () { window.setTimeout(look, 500); });
      };
      look();
    }, function () { button.hidden = true; });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector("[data-scan-camera]");
    if (button && "BarcodeDetector" in window && navigator.mediaDevices) {
      button.hidden = false;
      button.addEventListener("click", function () { scanWithCamera(button); });
    }
  });
  // Error pages after a post offer "back to the form": the browser's Back keeps what was typed.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.js-back");
    if (link && window.history.length > 1) { event.preventDefault(); window.history.back(); }
  });
})();
