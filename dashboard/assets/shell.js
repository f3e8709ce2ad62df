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
  /* The charts' toolbars (plotly's modebar: zoom, pan, ...) out of the tab order: seven tab
   * stops per chart otherwise. Keyboard users get the chart's numbers in its table and its
   * downloads behind one "Download" control. */
  function quietToolbars() {
    document.querySelectorAll(".modebar-btn:not([tabindex='-1'])").forEach(function (b) {
      b.setAttribute("tabindex", "-1");
    });
  }
  /* Phones: long chart titles wrap onto several smaller lines instead of running off. */
  var PHONE = 720, TITLE_CHARS = 38;
  function wrapTitle(text, width) {
    var lines = [], line = "";
    text.split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > width) { lines.push(line); line = word; }
      else { line = line ? line + " " + word : word; }
    });
    if (line) { lines.push(line); }
    return lines;
  }
  function fitTitlesToPhone() {
    if (!window.Plotly || window.innerWidth > PHONE) { return; }
    document.querySelectorAll(".chart-graph .js-plotly-plot").forEach(function (gd) {
      var layout = gd.layout || {};
      var title = layout.title && layout.title.text;
      if (!title || gd.dataset.phoneTitle === title) { return; }
      var lines = wrapTitle(title.replace(/<br>/g, " "), TITLE_CHARS);
      var wrapped = lines.join("<br>");
      gd.dataset.phoneTitle = wrapped;
      var top = ((layout.margin && layout.margin.t) || 80) + 16 * (lines.length - 1);
      window.Plotly.relayout(gd, { "title.text": wrapped, "title.font.size": 14,
                                   "margin.t": top });
      if (!gd.dataset.legendWatch && gd.on) {  // after every redraw (a resize rewraps it)
        gd.dataset.legendWatch = "1";
        gd.on("plotly_afterplot", function () { clearLegend(gd); });
      }
    });
  }
  /* A legend above the plot (it wraps onto more rows on a phone) must not run into the
   * wrapped title: move the plot down by the overlap. */
  function clearLegend(gd) {
    if (window.innerWidth > PHONE) { return; }
    var title = gd.querySelector(".g-gtitle"), legend = gd.querySelector(".legend");
    var top = (gd.layout.margin && gd.layout.margin.t) || 80;
    if (!title || !legend) { return; }
    var box = legend.getBoundingClientRect();
    var plotTop = gd.querySelector(".main-svg").getBoundingClientRect().top + top;
    var overlap = title.getBoundingClientRect().bottom + 6 - box.top;
    if (overlap > 1 && box.top < plotTop) {
      window.Plotly.relayout(gd, { "margin.t": top + Math.ceil(overlap) });
    }
  }
  var pending = false;
  new MutationObserver(function () {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false; syncTitle(); quietToolbars(); fitTitlesToPhone();
    });
  }).observe(document.documentElement, { childList: true, subtree: true, characterData: true });

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
  function graphs() { return document.querySelectorAll(".chart-graph .js-plotly-plot"); }
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
