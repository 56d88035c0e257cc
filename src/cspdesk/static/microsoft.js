// Upload progress for the Partner Center import form, and a clear message before sending a file over the limit.
document.addEventListener("htmx:xhr:progress", function (event) {
  var bar = document.getElementById("import-progress");
  if (!bar || !event.detail.lengthComputable) { return; }
  bar.hidden = false;
  bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
});
document.addEventListener("htmx:beforeRequest", function (event) {
  var form = event.target;
  if (!form || form.id !== "import-form") { return; }
  var input = form.querySelector('input[type="file"]');
  var limit = input ? Number(input.dataset.maxBytes || 0) : 0;
  if (input && input.files.length && limit && input.files[0].size > limit) {
    event.preventDefault();
    document.getElementById("import-result").textContent = "The file is larger than the upload limit of " + limit + " bytes.";
    return;
  }
  var bar = document.getElementById("import-progress");
  if (bar) { bar.hidden = false; bar.value = 0; }
});
