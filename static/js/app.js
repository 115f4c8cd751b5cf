/* ReturnDesk's one script: upload progress, text counters, "go back" links. Everything works
   without it. */
(function () {
  "use strict";
  // With this script, choosing files uploads them: the Upload button is for pages without it.
  document.documentElement.classList.add("js");
  // WeChat's in-app browser cannot save downloads: pages say what to do there instead.
  var IN_WECHAT = /MicroMessenger/i.test(navigator.userAgent);
  if (IN_WECHAT) { document.documentElement.classList.add("wechat"); }
  // Choosing files starts the upload at once (resumably where the form offers it, below);
  // without this script the Upload button does it.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches(".upload-form input[type=file]") && input.files.length) {
      if (resumable(input.form)) { sendChosen(input); } else { input.form.requestSubmit(); }
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
  // A script of ours (a vendored library), loaded once, on first use.
  var scripts = {};
  function loadScript(src) {
    if (!scripts[src]) {
      scripts[src] = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = src;
        script.onload = resolve;
        script.onerror = function () { delete scripts[src]; reject(); }; // a tap may try again
        document.head.appendChild(script);
      });
    }
    return scripts[src];
  }
  // The camera reader (macros/scanner.html): the browser's own BarcodeDetector where it reads
  // these formats, else the barcode-detector polyfill (ZXing in WebAssembly, about 450 KB),
  // loaded only when someone taps scan.
  var FORMATS = ["code_128", "qr_code", "data_matrix"];
  var detecting = null;
  function detector(box) {
    if (!detecting) {
      var Native = window.BarcodeDetector;
      var native = Native && Native.getSupportedFormats ? Native.getSupportedFormats() : Promise.resolve([]);
      detecting = native.then(function (formats) {
        var read = FORMATS.filter(function (format) { return formats.indexOf(format) >= 0; });
        if (read.indexOf("code_128") >= 0 && read.indexOf("qr_code") >= 0) {
          return new Native({ formats: read });
        }
        return loadScript(box.dataset.scannerSrc).then(function () {
          var api = window.BarcodeDetectionAPI;
          api.prepareZXingModule({ overrides: { locateFile: function (path, prefix) {
            return /\.wasm$/.test(path) ? box.dataset.scannerWasm : prefix + path;
          } } });
          return new api.BarcodeDetector({ formats: FORMATS });
        });
      });
      detecting.catch(function () { detecting = null; });
    }
    return detecting;
  }
  // What the reader says under its button; a refusal (not read, or not this order's) in red.
  function say(box, words, code, refused) {
    var said = box.querySelector(".scanner-said");
    said.textContent = (words || "").replace("{code}", code || "");
    said.classList.toggle("scanner-said-refused", !!refused);
  }
  function refuse(box, words, code) { say(box, words, code, true); }
  // Why the camera cannot be used, in words: not allowed, none there, or none for pages here.
  function cameraRefused(box, error) {
    var words = box.dataset, name = error && error.name;
    var denied = name === "NotAllowedError" || name === "SecurityError";
    var absent = name === "NotFoundError" || name === "OverconstrainedError" || name === "NotReadableError";
    if (denied) { refuse(box, words.wordsDenied); } else if (absent) { refuse(box, words.wordsAbsent); } else {
      refuse(box, words.wordsUnavailable + (IN_WECHAT ? " " + words.wordsWechat : ""));
    }
  }
  function scan(box) {
    if (box.stopScan) { return; } // already looking
    if (!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia)) {
      cameraRefused(box, null);
      return;
    }
    var view = box.querySelector(".scanner-view"), video = box.querySelector("video");
    var stream = null, live = true, tries = 0;
    function stop() {
      live = false; box.stopScan = null;
      if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
      view.hidden = true; video.srcObject = null;
    }
    function look(reader) {
      // stopped, or the page navigated away (a boosted swap): the camera goes off
      if (!live || !document.contains(box)) { if (live) { stop(); } return; }
      if (video.readyState < 2) { window.setTimeout(look, 200, reader); return; }
      reader.detect(video).then(function (codes) {
        tries += 1;
        if (!live) { return; }
        if (codes.length) { stop(); found(box, codes[0].rawValue); } else { window.setTimeout(look, 200, reader); }
      }, function () {
        // the first reading failing is the reader itself (its WebAssembly not loaded)
        if (tries === 0 && live) { stop(); refuse(box, box.dataset.wordsFailed); } else { window.setTimeout(look, 400, reader); }
      });
    }
    box.stopScan = stop;
    say(box, box.dataset.wordsLooking);
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (camera) {
      stream = camera;
      if (!live) { stop(); return; }
      video.srcObject = stream; view.hidden = false; video.play();
      detector(box).then(look, function () { if (live) { stop(); refuse(box, box.dataset.wordsFailed); } });
    }, function (error) { if (live) { stop(); cameraRefused(box, error); } });
  }
  // A code read: into its field (an SN as the form reads it: no spaces or dashes, capitals), or
  // ticking the order's unit with that SN; a code that is not one of the order's units is said.
  function found(box, raw) {
    var words = box.dataset;
    var code = box.hasAttribute("data-scan-serial") ? raw.replace(/[\s-]/g, "").toUpperCase() : raw.trim();
    var listed = (words.scanListed || "").split(" ").filter(Boolean);
    if (box.hasAttribute("data-scan-picks")) {
      var unit = Array.prototype.find.call(box.closest("form").querySelectorAll("input[data-sn]"),
        function (input) { return input.dataset.sn === code; });
      if (!unit) { refuse(box, words.wordsNotOurs, code); return; }
      var held = unit.disabled && unit.closest(".item").querySelector(".field-hint");
      if (held) { refuse(box, held.textContent); return; }
      unit.checked = true; unit.focus();
      say(box, words.wordsTicked, code);
      return;
    }
    if (listed.length && listed.indexOf(code) < 0) { refuse(box, words.wordsNotOurs, code); return; }
    var field = document.getElementById(words.scanFills);
    var item = field.closest(".item"), tick = item && item.querySelector(".check input");
    if (tick) { tick.checked = true; }
    field.value = code;
    field.dispatchEvent(new Event("input", { bubbles: true }));
    say(box, words.wordsRead, code);
    if (box.hasAttribute("data-scan-submit")) { field.form.requestSubmit(); }
  }
  document.addEventListener("click", function (event) {
    var start = event.target.closest && event.target.closest("[data-scan-start]");
    var stop = event.target.closest && event.target.closest("[data-scan-stop]");
    if (start) { scan(start.closest("[data-scanner]")); }
    if (stop) {
      var box = stop.closest("[data-scanner]");
      if (box.stopScan) { box.stopScan(); }
      say(box, "");
    }
  });
  // Resumable uploads (the return form's photos): each chosen file is sent in 1 MB chunks over
  // tus (tus-js-client, loaded on first use), a photo larger than what is kept first made that
  // size on the phone, each with its progress; a lost connection pauses it and it goes on by
  // itself when the phone is back online. Where any of that is missing, the form sends the files.
  function resumable(form) {
    return form && form.hasAttribute("data-resumable") && window.Promise && window.Blob &&
      window.XMLHttpRequest && "onLine" in navigator;
  }
  // What to send: the photo drawn upright at the kept size and encoded as JPEG; the file as it
  // is when it is already that small, not a format the browser decodes, or not made smaller.
  function toSend(file, keptEdge) {
    var asIs = { data: file, name: file.name };
    if (!/^image\/(jpeg|png|webp)$/.test(file.type) || !window.createImageBitmap) {
      return Promise.resolve(asIs);
    }
    return createImageBitmap(file).then(function (bitmap) {
      var scale = keptEdge / Math.max(bitmap.width, bitmap.height);
      if (scale >= 1) { bitmap.close(); return asIs; }
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      bitmap.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { // Safari may answer PNG for a type it cannot encode
          var smaller = blob && blob.type === "image/jpeg" && blob.size < file.size;
          resolve(smaller ? { data: blob, name: file.name.replace(/\.\w+$/, "") + ".jpg" } : asIs);
        }, "image/jpeg", 0.9);
      });
    }).catch(function () { return asIs; });
  }
  function uploadRow(list, name) {
    var row = document.createElement("li");
    var label = document.createElement("span");
    var bar = document.createElement("progress");
    var state = document.createElement("span");
    label.className = "upload-name"; label.textContent = name;
    bar.max = 100; bar.value = 0; bar.setAttribute("aria-label", name);
    state.className = "upload-state";
    row.append(label, bar, state);
    list.append(row);
    return { bar: bar, state: state };
  }
  function sendResumably(form, files) {
    var list = form.querySelector(".uploads");
    var words = form.dataset;
    var token = form.querySelector("[name=_csrf_token]").value;
    var left = files.length, failed = false, paused = [];
    list.hidden = false;
    function finished() {
      left -= 1;
      if (left === 0 && !failed) { window.location.replace(words.after); }
    }
    files.forEach(function (file) {
      var row = uploadRow(list, file.name);
      toSend(file, Number(words.keptEdge)).then(function (sending) {
        var upload = new window.tus.Upload(sending.data, {
          endpoint: words.resumable,
          chunkSize: 1024 * 1024,
          retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
          metadata: { filename: sending.name },
          headers: { "X-CSRFToken": token },
          storeFingerprintForResuming: false,
          onProgress: function (sent, total) {
            row.bar.value = Math.round((sent / total) * 100);
            row.state.textContent = "";
          },
          onSuccess: function () { row.bar.value = 100; finished(); },
          onError: function (error) {
            if (!navigator.onLine) { // goes on once the phone is back online
              row.state.textContent = words.paused;
              paused.push(upload);
              return;
            }
            failed = true;
            var answer = error.originalResponse;
            row.state.textContent = (answer && answer.getBody()) || words.failed;
            finished();
          }
        });
        upload.start();
      });
    });
    window.addEventListener("online", function () {
      paused.splice(0).forEach(function (upload) { upload.start(); });
    });
  }
  function sendChosen(input) {
    var form = input.form, files = Array.prototype.slice.call(input.files);
    loadScript(form.dataset.tusSrc).then(function () {
      input.value = "";
      sendResumably(form, files);
    }, function () { form.requestSubmit(); });
  }
  // Error pages after a post offer "back to the form": the browser's Back keeps what was typed.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.js-back");
    if (link && window.history.length > 1) { event.preventDefault(); window.history.back(); }
  });
})();
