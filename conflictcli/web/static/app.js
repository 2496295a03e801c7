// The reading room's one script: draws the chart a page describes (a Vega-Lite spec in
// the chart's data-spec attribute) with the vendored vega-embed, in the ways a strict
// Content-Security-Policy allows (no eval: ast; no injected style); on a map, a click
// on a place lists its articles.
(function () {
  "use strict";
  var el = document.getElementById("chart");
  if (!el || !window.vegaEmbed) { return; }
  var spec;
  try { spec = JSON.parse(el.getAttribute("data-spec") || "null"); } catch (e) { return; }
  if (!spec) { return; }
  var options = {
    ast: true, defaultStyle: false, actions: false, renderer: "svg",
    tooltip: { disableDefaultStyle: true }
  };
  window.vegaEmbed(el, spec, options).then(function (result) {
    var search = el.getAttribute("data-search");
    if (search === null) { return; }
    result.view.addEventListener("click", function (event, item) {
      var d = item && item.datum;
      var place = d && (d.place || d.name);
      if (!place) { return; }
      var params = new URLSearchParams(search);
      params.append("place", String(place));
      window.location.assign("/search?" + params.toString());
    });
  }).catch(function (err) {
    el.textContent = "The chart could not be drawn: " + err;
  });
}());
