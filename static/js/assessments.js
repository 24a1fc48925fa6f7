// Impact assessment form: add and remove impacts without losing what was typed, and show
// each impact's score and the live score matrix as ratings are chosen.
(function () {
  "use strict";

  function levels() {
    var node = document.getElementById("scoring-levels");
    return node ? JSON.parse(node.textContent) : [];
  }

  function levelFor(score, all) {
    if (!score) return null;
    for (var i = 0; i < all.length; i++) {
      if (score <= all[i].max) return all[i];
    }
    return all[all.length - 1] || null;
  }

  function rating(card, name) {
    var select = card.querySelector('[data-rating="' + name + '"]');
    return select && select.value ? parseInt(select.value, 10) : 0;
  }

  function badge(score, level) {
    var span = document.createElement("span");
    span.className = "level-badge text-nowrap";
    if (!level) {
      span.textContent = "—";
      return span;
    }
    var swatch = document.createElement("span");
    swatch.className = "swatch me-1";
    swatch.style.backgroundColor = level.colour;
    span.appendChild(swatch);
    span.appendChild(document.createTextNode(score + " · " + level.label));
    return span;
  }

  function liveCards() {
    return Array.prototype.filter.call(
      document.querySelectorAll("#impact-forms [data-impact]"),
      function (card) { return !card.classList.contains("d-none"); }
    );
  }

  function drawMatrix(table, counts, all) {
    var size = parseInt(table.dataset.size, 10);
    var body = table.querySelector("tbody");
    body.textContent = "";
    for (var row = size; row >= 1; row--) {
      var tr = document.createElement("tr");
      var th = document.createElement("th");
      th.scope = "row";
      th.textContent = row;
      tr.appendChild(th);
      for (var col = 1; col <= size; col++) {
        var td = document.createElement("td");
        var level = levelFor(row * col, all);
        var n = counts[row + "," + col] || 0;
        td.style.backgroundColor = level ? level.colour : "";
        td.textContent = n ? n : "";
        td.title = "Likelihood " + row + ", severity " + col + ": " +
          (level ? level.label : "") + ", " + n + " impact" + (n === 1 ? "" : "s");
        if (n) td.className = "has-items";
        tr.appendChild(td);
      }
      body.appendChild(tr);
    }
    var foot = document.createElement("tr");
    foot.appendChild(document.createElement("th"));
    for (var c = 1; c <= size; c++) {
      var cell = document.createElement("th");
      cell.scope = "col";
      cell.textContent = c;
      foot.appendChild(cell);
    }
    body.appendChild(foot);
  }

  function refresh() {
    var all = levels();
    var counts = { inherent: {}, residual: {} };
    liveCards().forEach(function (card, index) {
      var number = card.querySelector("[data-impact-number]");
      if (number) number.textContent = index + 1;
      var pairs = {
        inherent: [rating(card, "likelihood"), rating(card, "severity")],
        residual: [rating(card, "residual_likelihood"), rating(card, "residual_severity")],
      };
      Object.keys(pairs).forEach(function (axis) {
        var l = pairs[axis][0], s = pairs[axis][1];
        var out = card.querySelector('[data-score="' + axis + '"]');
        var score = l && s ? l * s : 0;
        if (out) {
          out.textContent = "";
          out.appendChild(badge(score, levelFor(score, all)));
        }
        if (score) counts[axis][l + "," + s] = (counts[axis][l + "," + s] || 0) + 1;
      });
    });
    document.querySelectorAll("table.live-matrix").forEach(function (table) {
      drawMatrix(table, counts[table.dataset.matrix], all);
    });
    var empty = document.getElementById("no-impacts");
    if (empty) empty.classList.toggle("d-none", liveCards().length > 0);
  }

  function addImpact() {
    var total = document.getElementById("id_impacts-TOTAL_FORMS");
    var template = document.getElementById("impact-template");
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var card = holder.firstElementChild;
    document.getElementById("impact-forms").appendChild(card);
    total.value = index + 1;
    refresh();
    var first = card.querySelector("select, textarea, input:not([type=hidden])");
    if (first) first.focus();
  }

  function removeImpact(card) {
    var flag = card.querySelector('input[name$="-DELETE"]');
    if (flag) flag.checked = true;
    card.classList.add("d-none");
    refresh();
    var add = document.getElementById("add-impact");
    if (add) add.focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form.assessment-form");
    if (!form) return;
    document.getElementById("add-impact").addEventListener("click", addImpact);
    form.addEventListener("click", function (event) {
      var button = event.target.closest("[data-remove-impact]");
      if (button) removeImpact(button.closest("[data-impact]"));
    });
    form.addEventListener("change", function (event) {
      if (event.target.matches("[data-rating]")) refresh();
    });
    refresh();
    var errors = document.getElementById("form-errors");
    if (errors) errors.focus();
  });
})();
