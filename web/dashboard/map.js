/* The map of the regions: an inline SVG (equirectangular: x = longitude + 180,
 * y = 90 - latitude, cropped to 75°N..56°S), the land from regions.js, one dot a location
 * coloured by its health, and a line from the primary (where the management plane runs)
 * to every other location: the configuration flows along it. */
"use strict";

window.MeridianMap = (function () {
  var NS = "http://www.w3.org/2000/svg";
  var TOP = 15, HEIGHT = 131; /* latitude 75 .. -56 */

  function el(name, attrs, text) {
    var e = document.createElementNS(NS, name);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function xy(lat, lon) { return [lon + 180, 90 - lat]; }

  /* Where a location is drawn: its region's place, or a slot of the "elsewhere" row. */
  function place(loc, elsewhere) {
    var r = window.MeridianRegions.find(loc.displayName);
    if (r) return xy(r.lat, r.lon);
    var i = elsewhere.length;
    elsewhere.push(loc);
    return [12 + 40 * i, TOP + HEIGHT - 6];
  }

  /* Draws `locations` (the overview's, each with properties.status) into `container`;
   * healthOf(location) is the health to show (the page's, probes included). */
  function render(container, locations, healthOf) {
    var svg = el("svg", {viewBox: "0 " + TOP + " 360 " + HEIGHT, role: "img", class: "map-svg",
                         "aria-labelledby": "map-title"});
    var title = el("title", {id: "map-title"});
    svg.appendChild(title);
    svg.appendChild(el("rect", {x: 0, y: TOP, width: 360, height: HEIGHT, class: "sea"}));
    window.MeridianRegions.land.forEach(function (poly) {
      var pts = poly.map(function (p) { var q = xy(p[1], p[0]); return q[0] + "," + q[1]; });
      svg.appendChild(el("polygon", {points: pts.join(" "), class: "land"}));
    });
    var elsewhere = [], placed = [], primary = null;
    locations.forEach(function (loc) {
      var p = loc.properties;
      var at = place({displayName: p.displayName}, elsewhere);
      var item = {loc: loc, at: at};
      placed.push(item);
      if (p.isPrimary) primary = item;
    });
    var links = el("g", {class: "links"});
    svg.appendChild(links);
    placed.forEach(function (item) {
      if (!primary || item === primary) return;
      var health = healthOf(item.loc);
      links.appendChild(el("line", {x1: primary.at[0], y1: primary.at[1], x2: item.at[0], y2: item.at[1],
                                    class: "link link-" + health}));
    });
    var words = [];
    placed.forEach(function (item) {
      var p = item.loc.properties, st = p.status, health = healthOf(item.loc);
      var g = el("g", {class: "site health-" + health, "data-location": item.loc.name});
      var label = p.displayName + (p.isPrimary ? " (primary)" : "") + ": " + health + ", " +
                  st.unitsUp + " of " + p.units + " units up";
      words.push(label);
      g.appendChild(el("title", {}, label));
      if (p.isPrimary) g.appendChild(el("circle", {cx: item.at[0], cy: item.at[1], r: 6, class: "primary-ring"}));
      g.appendChild(el("circle", {cx: item.at[0], cy: item.at[1], r: 3.6, class: "dot"}));
      var right = item.at[0] < 300;
      g.appendChild(el("text", {x: item.at[0] + (right ? 7 : -7), y: item.at[1] + 1.5,
                                "text-anchor": right ? "start" : "end", class: "label"}, p.displayName));
      svg.appendChild(g);
    });
    title.textContent = "Map of the service's regions. " + words.join(". ") + ".";
    container.replaceChildren(svg);
  }

  return {render: render};
})();
