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
  data.legend.marks.forEach(function (entry) {
    var item = el("li");
    item.appendChild(el("span", "pn-mark pn-mark-" + entry.mark, symbols[entry.mark]));
    item.appendChild(el("span", null, entry.label));
    marks.appendChild(item);
  });

  // The layout arrives precomputed, so the network runs no physics: it draws once
  // and stays still.
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
    groupChoice("Ring every flagged group", null, null, true);
    data.groups.forEach(function (group) { groupChoice(group.label, group.count, group.members, false); });
    groupChoice("No rings", null, undefined, false);
    if (data.groupsNotListed > 0) {
      groupsBox.appendChild(el("p", "pn-note", data.groupsNotListed.toLocaleString("en-GB") +
        " more flagged groups, with fewer organisations on the map: see the report or groups.csv."));
    }
  }

  // Details of the selected node, as text.
  var details = document.getElementById("pn-details");
  var defaultDetails = details.textContent;
  network.on("selectNode", function (params) {
    var node = nodes.get(params.nodes[0]);
    details.textContent = node ? node.title : defaultDetails;
  });
  network.on("deselectNode", function () { details.textContent = defaultDetails; });

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
    if (ids.length === 1) {
      network.focus(ids[0], { scale: 1.2, animation: { duration: 400 } });
      details.textContent = nodes.get(ids[0]).title;
    } else {
      network.fit({ nodes: ids, animation: { duration: 400 } });
    }
  }
  search.addEventListener("change", find);
  search.addEventListener("keydown", function (event) { if (event.key === "Enter") { find(); } });
})();
