// Multitrack's only script of its own. No inline scripts anywhere: the CSP forbids them.
document.addEventListener("htmx:responseError", function (event) {
  var box = document.getElementById("htmx-error");
  if (box) {
    box.textContent = "The change could not be saved (" + event.detail.xhr.status + "). Nothing was changed.";
    box.hidden = false;
  }
});
