/* The shell's small behaviours that need no server round trip:
 * - a distinct browser tab title per page (from the page's heading);
 * - the "Filters" button that folds the filter bar on phones;
 * - charts resized to the paper when printing, and back afterwards. */
(function () {
  "use strict";
  var PRODUCT = "OCSS Program Outcomes";

  function syncTitle() {
    var h1 = document.querySelector("main h1");
    var title = h1 && h1.textContent.trim() ? h1.textContent.trim() + " · " + PRODUCT : PRODUCT;
    if (document.title !== title) { document.title = title; }
  }
  new MutationObserver(syncTitle).observe(document.documentElement,
    { childList: true, subtree: true, characterData: true });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".filter-toggle");
    if (!button) { return; }
    var bar = document.getElementById("filter-bar");
    var open = bar.classList.toggle("filters-open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });

  /* The print stylesheet asks for landscape A4 or Letter with 12 mm margins: about 1,000 CSS
   * px of printable width, so charts are drawn at most 960 px wide on paper. */
  var PRINT_WIDTH = 960;
  function graphs() { return document.querySelectorAll(".chart-graph.js-plotly-plot"); }
  function fitToPaper() {
    if (!window.Plotly) { return; }
    graphs().forEach(function (gd) {
      if (gd.clientWidth > PRINT_WIDTH) {
        window.Plotly.relayout(gd, { width: PRINT_WIDTH, autosize: false });
      }
    });
  }
  function backToScreen() {
    if (!window.Plotly) { return; }
    graphs().forEach(function (gd) {
      window.Plotly.relayout(gd, { width: null, autosize: true });
      window.Plotly.Plots.resize(gd);
    });
  }
  window.addEventListener("beforeprint", fitToPaper);
  window.addEventListener("afterprint", backToScreen);
  if (window.matchMedia) {
    var print = window.matchMedia("print");
    var onChange = function (e) { if (e.matches) { fitToPaper(); } else { backToScreen(); } };
    if (print.addEventListener) { print.addEventListener("change", onChange); }
  }
})();
