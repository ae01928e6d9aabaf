// ianaports site search: reads search.json (built with the site) and lists matches as links.
// No other request is made; without JavaScript the pages are read by browsing.
(function () {
  "use strict";
  var form = document.querySelector("form.search");
  var box = document.getElementById("results");
  if (!form || !box) { return; }
  var input = form.querySelector("input");
  var root = form.getAttribute("data-root") || "";
  var items = null;
  var pending = null;
  var LIMIT = 50;

  function load() {
    if (!pending) {
      pending = fetch(root + "search.json").then(function (response) {
        if (!response.ok) { throw new Error("search index: HTTP " + response.status); }
        return response.json();
      }).then(function (data) { items = data.items; return items; });
    }
    return pending;
  }

  function matches(query) {
    var q = query.trim().toLowerCase();
    if (!q) { return []; }
    var found = [];
    var number = /^\d+$/.test(q) ? parseInt(q, 10) : null;
    var i, item;
    if (number !== null) {
      for (i = 0; i < items.length; i++) {
        item = items[i];
        if (item[4] !== null && item[4] <= number && number <= item[5]) { found.push(item); }
      }
    }
    for (i = 0; i < items.length && found.length < LIMIT; i++) {
      item = items[i];
      if (found.indexOf(item) >= 0) { continue; }
      if (item[1].toLowerCase().indexOf(q) === 0) { found.push(item); }
    }
    for (i = 0; i < items.length && found.length < LIMIT; i++) {
      item = items[i];
      if (found.indexOf(item) >= 0) { continue; }
      if ((item[1] + " " + item[2]).toLowerCase().indexOf(q) >= 0) { found.push(item); }
    }
    return found.slice(0, LIMIT);
  }

  function show(query) {
    var found = matches(query);
    box.textContent = "";
    if (!query.trim()) { box.hidden = true; return; }
    var heading = document.createElement("p");
    heading.textContent = found.length ? "Results for \u201c" + query.trim() + "\u201d:" : "Nothing matches \u201c" + query.trim() + "\u201d.";
    box.appendChild(heading);
    var list = document.createElement("ol");
    found.forEach(function (item) {
      var entry = document.createElement("li");
      var link = document.createElement("a");
      link.href = root + item[3];
      link.textContent = item[1];
      link.className = "result";
      var kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = " " + item[0] + " ";
      entry.appendChild(link);
      entry.appendChild(kind);
      entry.appendChild(document.createTextNode(item[2]));
      list.appendChild(entry);
    });
    box.appendChild(list);
    box.hidden = false;
  }

  function run() {
    var query = input.value;
    load().then(function () { show(query); }, function (error) {
      box.textContent = "Search is unavailable: " + error.message;
      box.hidden = false;
    });
  }

  input.addEventListener("input", run);
  form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) { input.value = initial; run(); }
}());
