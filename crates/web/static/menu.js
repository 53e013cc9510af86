// The menu's areas: opening one closes the others; a click elsewhere or Escape closes them all.
(function () {
  function groups() { return document.querySelectorAll("#menu details.menu-group"); }
  document.addEventListener("toggle", function (e) {
    var d = e.target;
    if (!d.matches || !d.matches("#menu details.menu-group") || !d.open) return;
    groups().forEach(function (g) { if (g !== d) g.open = false; });
  }, true);
  document.addEventListener("click", function (e) {
    if (!e.target.closest || !e.target.closest("#menu")) groups().forEach(function (g) { g.open = false; });
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") groups().forEach(function (g) { g.open = false; });
  });
})();
