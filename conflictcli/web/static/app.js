// The reading room's one script: draws the chart a page describes (a Vega-Lite spec in
// the chart's data-spec attribute) with the vendored vega-embed, in the ways a strict
// Content-Security-Policy allows (no eval: ast; no injected style); on a map, a click
// on a place lists its articles. On an article's page it lists the most similar
// articles from /api/similar, every text set as text (never as markup).
(function () {
  "use strict";
  var box = document.getElementById("similar");
  if (!box) { return; }
  var list = box.querySelector("ul");
  fetch(box.getAttribute("data-src"), { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (got) {
      (got.results || []).forEach(function (r) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = "/article/" + encodeURIComponent(String(r.id));
        a.textContent = String(r.title || r.id);
        var meta = document.createElement("span");
        meta.className = "meta";
        meta.textContent = " " + (r.date || "undated") + (r.source ? " · " + r.source : "");
        li.appendChild(a);
        li.appendChild(meta);
        list.appendChild(li);
      });
      if (!list.children.length) { box.hidden = true; }
    })
    .catch(function () { box.hidden = true; });
}());
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
