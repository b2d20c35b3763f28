/* partnernet map. Everything shown from the dataset arrives as JSON and reaches the
   page through textContent or vis-network's plain-text tooltips: never as markup. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("pn-data").textContent);
  var status = document.getElementById("pn-status");

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  document.getElementById("pn-subtitle").textContent = data.subtitle;
  document.getElementById("pn-lines-note").textContent = data.linesNote;

  // Legend.
  document.getElementById("pn-colour-title").textContent = data.legend.colourTitle;
  var colours = document.getElementById("pn-colours");
  data.legend.colours.forEach(function (entry) {
    var item = el("li");
    var swatch = el("span", "pn-swatch");
    swatch.style.backgroundColor = entry.colour;
    item.appendChild(swatch);
    item.appendChild(el("span", null, entry.label));
    item.appendChild(el("span", "pn-count", entry.count.toLocaleString("en-GB")));
    colours.appendChild(item);
  });
  document.getElementById("pn-size-note").textContent = data.legend.size;
  var marks = document.getElementById("pn-marks");
  var symbols = { broker: "\u2605", board: "\u25c6", under: "" };
  // A mark drawn as the map draws it: a ring of the node's border colour, or a
  // stretch of line in the tie's colour, width, dashes and opacity (the
  // difference map's new and lost ties and organisations); else a symbol.
  function markSwatch(entry) {
    var swatch = entry.swatch;
    if (swatch && swatch.line) {
      var line = el("span", "pn-line pn-mark-line");
      // At least 2px: a browser draws a 1.5px border as 1px, too thin to see dotted.
      var width = Math.max(2, Math.round(swatch.width));
      line.style.borderTop = width + "px " + (swatch.dashes ? "dotted " : "solid ") + swatch.line;
      line.style.opacity = String(swatch.opacity);
      return line;
    }
    if (swatch && swatch.ring) {
      var ring = el("span", "pn-mark pn-mark-ring");
      ring.style.borderColor = swatch.ring;
      return ring;
    }
    return el("span", "pn-mark pn-mark-" + entry.mark, symbols[entry.mark]);
  }
  data.legend.marks.forEach(function (entry) {
    var item = el("li");
    item.appendChild(markSwatch(entry));
    item.appendChild(el("span", null, entry.label));
    marks.appendChild(item);
  });

  // The layout arrives precomputed, so the network runs no physics: it draws once
  // and stays still. Labels are drawn by the page (see drawLabels), not by
  // vis-network, so that no two overlap.
  data.nodes.forEach(function (node) {
    node.pnLabel = node.label;
    delete node.label;
  });
  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  var container = document.getElementById("pn-network");
  var network = new vis.Network(container, { nodes: [], edges: [] }, data.options);
  window.network = network;
  network.once("afterDrawing", function () {
    status.textContent = "";
    document.body.setAttribute("data-ready", "true");
  });
  network.setData({ nodes: nodes, edges: edges });

  // Labels. Candidates in order: the selected, searched or hovered nodes, then
  // top brokers, infrastructure bodies and the heads of public bodies (tier 1),
  // departments (tier 2), largest first, then, once the reader has zoomed in,
  // everyone else (tier 3); each is tried below, above,
  // right and left of its node and drawn only where it overlaps no label already
  // drawn. Sizes are in screen pixels, so what fits changes with the zoom.
  var LABEL_PX = 12;
  var LABEL_GAP = 2;
  var LABEL_FONT = " " + LABEL_PX + "px system-ui, -apple-system, Segoe UI, Roboto, sans-serif";
  var ranked = nodes.get().filter(function (node) { return node.pnLabel; })
    .sort(function (a, b) { return (a.tier || 3) - (b.tier || 3) || (b.size || 0) - (a.size || 0); })
    .map(function (node) { return node.id; });
  var forced = [];
  var hovered = null;
  var fitScale = null;
  var widths = new Map();
  var drawnLabels = [];
  function labelWidth(ctx, node, font) {
    var key = font + "\u0000" + node.pnLabel;
    if (!widths.has(key)) { ctx.font = font; widths.set(key, ctx.measureText(node.pnLabel).width); }
    return widths.get(key);
  }
  function drawLabels(ctx) {
    var scale = network.getScale();
    if (fitScale === null) { fitScale = scale; }
    var everyone = scale >= fitScale * 1.8;
    var width = container.clientWidth;
    var height = container.clientHeight;
    var cell = 80;
    var grid = new Map();
    var placed = [];
    function overlaps(box) {
      for (var gx = Math.floor(box.x / cell); gx <= Math.floor((box.x + box.w) / cell); gx++) {
        for (var gy = Math.floor(box.y / cell); gy <= Math.floor((box.y + box.h) / cell); gy++) {
          var here = grid.get(gx + "," + gy);
          if (!here) { continue; }
          for (var i = 0; i < here.length; i++) {
            var o = here[i];
            if (box.x < o.x + o.w && o.x < box.x + box.w && box.y < o.y + o.h && o.y < box.y + box.h) { return true; }
          }
        }
      }
      return false;
    }
    function keep(box) {
      placed.push(box);
      for (var gx = Math.floor(box.x / cell); gx <= Math.floor((box.x + box.w) / cell); gx++) {
        for (var gy = Math.floor(box.y / cell); gy <= Math.floor((box.y + box.h) / cell); gy++) {
          var key = gx + "," + gy;
          if (!grid.has(key)) { grid.set(key, []); }
          grid.get(key).push(box);
        }
      }
    }
    var seen = new Set();
    var order = forced.concat(hovered ? [hovered] : [], ranked);
    for (var i = 0; i < order.length; i++) {
      var id = order[i];
      if (seen.has(id)) { continue; }
      seen.add(id);
      var node = nodes.get(id);
      var body = network.body.nodes[id];
      if (!node || !body || node.hidden === true) { continue; }
      var wanted = i < forced.length || id === hovered;
      if (!wanted && (node.tier || 3) > 2 && !everyone) { break; }
      if (!wanted && node.opacity !== undefined && node.opacity < 1) { continue; }
      var centre = network.canvasToDOM({ x: body.x, y: body.y });
      if (centre.x < -200 || centre.y < -50 || centre.x > width + 200 || centre.y > height + 50) { continue; }
      var font = ((node.tier || 3) <= 2 || wanted ? "600" : "400") + LABEL_FONT;
      var w = labelWidth(ctx, node, font) + 4;
      var h = LABEL_PX + 4;
      var r = (node.size || 10) * scale + LABEL_GAP;
      var spots = [
        { x: centre.x - w / 2, y: centre.y + r },
        { x: centre.x - w / 2, y: centre.y - r - h },
        { x: centre.x + r, y: centre.y - h / 2 },
        { x: centre.x - r - w, y: centre.y - h / 2 }
      ];
      for (var s = 0; s < spots.length; s++) {
        var box = { id: id, text: node.pnLabel, x: spots[s].x, y: spots[s].y, w: w, h: h, font: font };
        var inside = box.x >= 0 && box.y >= 0 && box.x + box.w <= width && box.y + box.h <= height;
        if (inside && !overlaps(box)) { keep(box); break; }
      }
    }
    var ratio = ctx.canvas.width / Math.max(width, 1);
    ctx.save();
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.textBaseline = "middle";
    ctx.textAlign = "center";
    ctx.lineJoin = "round";
    placed.forEach(function (box) {
      ctx.font = box.font;
      ctx.lineWidth = 3;
      ctx.strokeStyle = "rgba(255,255,255,0.9)";
      ctx.strokeText(box.text, box.x + box.w / 2, box.y + box.h / 2);
      ctx.fillStyle = "#1f2933";
      ctx.fillText(box.text, box.x + box.w / 2, box.y + box.h / 2);
    });
    ctx.restore();
    drawnLabels = placed;
  }
  network.on("afterDrawing", drawLabels);
  network.on("hoverNode", function (params) { hovered = params.node; network.redraw(); });
  network.on("blurNode", function () { hovered = null; network.redraw(); });
  // The boxes of the labels drawn last, in pixels of the map's area: what a test
  // (and a reader's eye) checks for overlaps.
  window.pnLabelBoxes = function () {
    return drawnLabels.map(function (b) { return { id: b.id, text: b.text, x: b.x, y: b.y, w: b.w, h: b.h }; });
  };
  function labelFirst(ids) {
    forced = ids.slice();
    network.redraw();
  }

  // "Save picture": the current view as a PNG, made from the map's own canvas on a
  // white ground; nothing leaves the page.
  document.getElementById("pn-save").addEventListener("click", function () {
    var source = container.querySelector("canvas");
    var copy = document.createElement("canvas");
    copy.width = source.width;
    copy.height = source.height;
    var context = copy.getContext("2d");
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, copy.width, copy.height);
    context.drawImage(source, 0, 0);
    var link = document.createElement("a");
    link.download = "partnership-network.png";
    link.href = copy.toDataURL("image/png");
    link.click();
  });

  // Filters, built here rather than with pyvis's menus.
  var hiddenTypes = {};
  var hiddenLayers = {};
  function applyFilters() {
    var hiddenNode = {};
    var nodeUpdates = [];
    nodes.forEach(function (node) {
      var hide = hiddenTypes[node.ftype] === true;
      hiddenNode[node.id] = hide;
      if ((node.hidden === true) !== hide) { nodeUpdates.push({ id: node.id, hidden: hide }); }
    });
    var edgeUpdates = [];
    edges.forEach(function (edge) {
      var hide = hiddenLayers[edge.layer] === true || hiddenNode[edge.from] === true || hiddenNode[edge.to] === true;
      if ((edge.hidden === true) !== hide) { edgeUpdates.push({ id: edge.id, hidden: hide }); }
    });
    nodes.update(nodeUpdates);
    edges.update(edgeUpdates);
  }
  function checkbox(parent, entry, hidden, swatch) {
    var label = el("label");
    var box = el("input");
    box.type = "checkbox";
    box.checked = true;
    box.setAttribute("data-key", entry.key);
    box.addEventListener("change", function () {
      hidden[entry.key] = !box.checked;
      applyFilters();
    });
    label.appendChild(box);
    if (swatch) { label.appendChild(swatch); }
    label.appendChild(el("span", null, entry.label));
    label.appendChild(el("span", "pn-count", entry.count.toLocaleString("en-GB")));
    parent.appendChild(label);
  }
  var typeFilters = document.getElementById("pn-type-filters");
  data.filters.types.forEach(function (entry) { checkbox(typeFilters, entry, hiddenTypes, null); });
  var layerFilters = document.getElementById("pn-layer-filters");
  data.filters.layers.forEach(function (entry) {
    var line = el("span", "pn-line");
    line.style.borderTop = "3px " + (entry.dashes ? "dashed " : "solid ") + entry.colour;
    checkbox(layerFilters, entry, hiddenLayers, line);
  });
  document.getElementById("pn-show-all").addEventListener("click", function () {
    hiddenTypes = {};
    hiddenLayers = {};
    document.querySelectorAll(".pn-filters input[type=checkbox]").forEach(function (box) { box.checked = true; });
    applyFilters();
    var first = document.querySelector("#pn-groups input");
    if (first) { first.checked = true; highlight(null); }
    labelFirst([]);
  });
  document.getElementById("pn-fit").addEventListener("click", function () { network.fit(); });

  // Under-connected groups: ring them all (as drawn), ring none, or pick one group
  // and fade everything else.
  var groupsBox = document.getElementById("pn-groups");
  function highlight(members) {
    var keep = null;
    if (members) {
      keep = {};
      members.forEach(function (id) { keep[id] = true; });
    }
    var updates = [];
    nodes.forEach(function (node) {
      var update = { id: node.id, opacity: keep && !keep[node.id] ? 0.12 : 1 };
      if (node.under === true) {
        var ringed = members !== undefined;
        var color = Object.assign({}, node.color);
        color.border = ringed ? "#d62728" : node.plainBorder;
        update.color = color;
        update.borderWidth = ringed ? 2 : node.plainBorderWidth;
      }
      updates.push(update);
    });
    nodes.update(updates);
  }
  function groupChoice(label, count, members, checked) {
    var choice = el("label");
    var radio = el("input");
    radio.type = "radio";
    radio.name = "pn-group";
    radio.checked = checked;
    radio.addEventListener("change", function () { if (radio.checked) { highlight(members); } });
    choice.appendChild(radio);
    choice.appendChild(el("span", null, label));
    if (count !== null) { choice.appendChild(el("span", "pn-count", count.toLocaleString("en-GB"))); }
    groupsBox.appendChild(choice);
  }
  if (data.groups.length === 0) {
    document.getElementById("pn-groups-section").hidden = true;
  } else {
    groupChoice("Ring every flagged group", null, null, data.ringsByDefault);
    data.groups.forEach(function (group) { groupChoice(group.label, group.count, group.members, false); });
    groupChoice("No rings", null, undefined, !data.ringsByDefault);
    if (data.groupsNotListed > 0) {
      groupsBox.appendChild(el("p", "pn-note", data.groupsNotListed.toLocaleString("en-GB") +
        " more flagged groups, with fewer organisations on the map: see the report or groups.csv."));
    }
  }

  // Details of the selected node: each figure with what it means, the ties it has
  // on the map by kind, and what its loss would cut off; all as text.
  var details = document.getElementById("pn-details");
  var defaultDetails = details.textContent;
  var layerLabels = new Map();
  data.filters.layers.forEach(function (entry) { layerLabels.set(entry.key, entry.label); });
  function showDetails(id) {
    var node = id === undefined ? null : nodes.get(id);
    details.textContent = "";
    if (!node) { details.textContent = defaultDetails; return; }
    var lines = node.title.split("\n");
    details.appendChild(el("strong", "pn-details-name", lines[0]));
    details.appendChild(el("span", "pn-details-kind", lines[1] || ""));
    var extra = node.kind === "board" ? lines.slice(2) : (node.marks || []);
    extra.forEach(function (line) { details.appendChild(el("span", "pn-details-line", line)); });
    var figures = el("dl", "pn-figures");
    (node.facts || []).forEach(function (fact) {
      var meaning = Object.prototype.hasOwnProperty.call(data.meanings, fact[0]) ? data.meanings[fact[0]] : null;
      if (fact[0] === "band") {
        figures.appendChild(el("dt", null, "Against its size band"));
        figures.appendChild(el("dd", null, fact[1]));
      } else if (meaning) {
        figures.appendChild(el("dt", null, meaning[0] + ": " + fact[1]));
        figures.appendChild(el("dd", null, meaning[1]));
      }
    });
    var byLayer = new Map();
    network.getConnectedEdges(id).forEach(function (edgeId) {
      var edge = edges.get(edgeId);
      if (edge) { byLayer.set(edge.layer, (byLayer.get(edge.layer) || 0) + 1); }
    });
    if (byLayer.size) {
      var ties = [];
      byLayer.forEach(function (n, layer) { ties.push((layerLabels.get(layer) || layer) + " " + n.toLocaleString("en-GB")); });
      figures.appendChild(el("dt", null, "Lines on the map"));
      figures.appendChild(el("dd", null, ties.join(" · ")));
    }
    if (node.cutOff) {
      figures.appendChild(el("dt", null, "If it went"));
      figures.appendChild(el("dd", null, node.cutOff));
    }
    if (figures.childNodes.length) { details.appendChild(figures); }
    var more = el("p", "pn-note", "The terms are defined in the glossary of the report written beside this map: ");
    var link = el("a", null, "report.html, Glossary");
    link.href = "report.html#glossary";
    more.appendChild(link);
    more.appendChild(el("span", null, ". A page on one organisation: partnernet profile DIR --org ID."));
    details.appendChild(more);
  }
  network.on("selectNode", function (params) {
    showDetails(params.nodes[0]);
    labelFirst(params.nodes);
  });
  network.on("deselectNode", function () { showDetails(undefined); labelFirst([]); });

  // Search by name.
  var names = document.getElementById("pn-names");
  // A Map, not an object: a name such as "constructor" or "__proto__" is a key
  // like any other, never an inherited property.
  var byName = new Map();
  nodes.forEach(function (node) {
    var key = node.name.toLowerCase();
    if (!byName.has(key)) {
      byName.set(key, []);
      var option = el("option");
      option.value = node.name;
      names.appendChild(option);
    }
    byName.get(key).push(node.id);
  });
  var search = document.getElementById("pn-search");
  var searchNote = document.getElementById("pn-search-note");
  function find() {
    var query = search.value.trim().toLowerCase();
    if (!query) { searchNote.textContent = ""; return; }
    var ids = byName.get(query);
    if (!ids) {
      ids = [];
      nodes.forEach(function (node) {
        if (node.name.toLowerCase().indexOf(query) !== -1) { ids.push(node.id); }
      });
    }
    ids = ids.filter(function (id) { return nodes.get(id).hidden !== true; });
    if (ids.length === 0) { searchNote.textContent = "No shown organisation or board matches."; return; }
    searchNote.textContent = ids.length === 1 ? "" : ids.length + " matches: all selected.";
    network.selectNodes(ids);
    labelFirst(ids);
    if (ids.length === 1) {
      network.focus(ids[0], { scale: 1.2, animation: { duration: 400 } });
      showDetails(ids[0]);
    } else {
      network.fit({ nodes: ids, animation: { duration: 400 } });
    }
  }
  search.addEventListener("change", find);
  search.addEventListener("keydown", function (event) { if (event.key === "Enter") { find(); } });
})();
