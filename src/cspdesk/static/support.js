// Canned replies: choosing one puts its text into the reply box (no inline handlers: CSP).
document.addEventListener("change", function (event) {
  var select = event.target;
  if (!select || select.id !== "canned-reply" || !select.value) { return; }
  var box = document.querySelector("#reply-form textarea[name=body]");
  if (box) { box.value = box.value ? box.value + "\n\n" + select.value : select.value; box.focus(); }
});
