// Upload progress for the Partner Center import form, and a clear message before sending a file over the limit.
// The import's progress on the server comes from the polled #import-job fragment (microsoft/_import_job.html).
// The texts come translated from the page (data-* attributes of #import-status).
function importStatus(text) {
  var status = document.getElementById("import-status");
  if (status) { status.textContent = text; }
}
function isImportForm(event) {
  return event.target && event.target.id === "import-form";
}
document.addEventListener("htmx:xhr:progress", function (event) {
  var bar = document.getElementById("import-progress");
  var status = document.getElementById("import-status");
  if (!bar || !status || !isImportForm(event) || !event.detail.lengthComputable) { return; }
  bar.hidden = false;
  bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
  // Once the file is sent, the server checks and imports it: say so rather than sit at 100 %.
  importStatus(bar.value < 100 ? status.dataset.uploading + " " + bar.value + " %" : status.dataset.importing);
});
document.addEventListener("htmx:beforeRequest", function (event) {
  if (!isImportForm(event)) { return; }
  var form = event.target;
  var input = form.querySelector('input[type="file"]');
  var limit = input ? Number(input.dataset.maxBytes || 0) : 0;
  if (input && input.files.length && limit && input.files[0].size > limit) {
    event.preventDefault();
    document.getElementById("import-result").textContent = "The file is larger than the upload limit of " + limit + " bytes.";
    return;
  }
  var bar = document.getElementById("import-progress");
  var status = document.getElementById("import-status");
  if (bar) { bar.hidden = false; bar.value = 0; }
  if (status) { importStatus(status.dataset.uploading + " …"); }
});
// The upload is done: the server's answer (#import-job, polled until the import finishes) shows the import's own
// progress, and its last answer reloads the list of imported files (HX-Trigger: imports-changed).
document.addEventListener("htmx:afterRequest", function (event) {
  if (!isImportForm(event)) { return; }
  var bar = document.getElementById("import-progress");
  if (bar && event.detail.successful) { bar.hidden = true; }
  importStatus("");
});
// A job the server no longer knows (restarted, or forgotten long after it finished): stop polling, say so.
document.addEventListener("htmx:responseError", function (event) {
  var job = event.detail.elt;
  if (!job || job.id !== "import-job" || event.detail.xhr.status !== 404) { return; }
  var note = document.createElement("p");
  note.className = "alert alert-error";
  note.textContent = job.dataset.lost;
  job.replaceWith(note);
});
