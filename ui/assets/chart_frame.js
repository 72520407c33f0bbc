// Charts drawn on a canvas, for figures the app redraws often: the Train page's live views (twice a second while a
// model trains) and the ELBO lab's four figures on a test digit (all four at every new digit); and for the lesson's
// maps, which must appear at once (plotly.js, 4.7 MB, takes a browser about 2 s to start). Measured in Chromium,
// a plotly figure is rebuilt from scratch at each rerun and costs the browser tens of milliseconds of its main
// thread; these are drawn in a few, in place.
//
// data: {height, panels: [panel], legend?: [{name, colour, dash?, kind?}], note?, mark?, font? (px of the tick
//        labels, 12 unless given: the lesson's presenter mode makes every text larger)}
// panel: {title?, xlabel?, ylabel?, range? [x0, x1, y0, y1] (a null end: from the data), square?, equal?, xlog?,
//         image?: {x: [x0, x1], y: [y0, y1], cols, rows, values (base64, a byte a cell, rows from y0 up), colours},
//         hlines?: [{y, colour, width?, dash?, text?, above?}], readout?: {x, y, series?}, series: [series]}
// series: {x, y (lists, or packed: ui/chart.py), colour, kind? ("line" | "bars" | "band"), width?, alpha?,
//          dash? (true | "dot"), markers?
//          (true: open circles | "filled"), size? (dots), symbol? ("x"), err? (error bars), y2? (a band's lower
//          edge), widths? (bars)}; a null in x or y breaks a line.
// `square`: the plot area is square; `equal`: one unit is as long on both axes. The root element records what it
// drew, for tests: data-draws (how many times), data-last (data.mark), data-stacked.

// The drawing of a panel is in chart_draw.js, loaded before this file in the same module; chart.js (the component's
// entry) and other components that draw charts (the Train page's browser view) load this file after it.

function readout(at, cx, cy) {  // what the pointer is over, in the panel's own units
  const { panel, px, invert } = at, names = panel.readout;
  let [x, y] = invert(cx, cy), prefix = "";
  if (names.series != null) {  // the nearest point of that series, along x
    const s = panel.series[names.series];
    let best = -1;
    s.x.forEach((u, i) => { if (u != null && (best < 0 || Math.abs(px(u) - cx) < Math.abs(px(s.x[best]) - cx))) best = i; });
    if (best < 0) return null;
    [x, y] = [s.x[best], s.y[best]];
    prefix = s.name ? `${s.name}: ` : "";
  }
  return `${prefix}${names.x} = ${label(x)}, ${names.y} = ${label(y)}`;
}

function legendItem({ name, colour, dash, kind }) {  // text nodes only: a name is never read as markup
  const item = document.createElement("span"), swatch = document.createElement("i");
  swatch.className = kind === "area" ? "lc-area" : "";
  swatch.style.setProperty("--c", colour);
  if (dash) swatch.style.borderTopStyle = dash === "dot" ? "dotted" : "dashed";
  item.append(swatch, document.createTextNode(name));
  return item;
}

function draw(root, data) {
  const canvas = root.querySelector("canvas");
  const width = Math.max(260, root.clientWidth || root.parentElement.clientWidth || 600);
  // Side by side unless that leaves a panel narrower than 220 px (a phone): then one above the other.
  const n = data.panels.length, stacked = n > 1 && width / n < 220, k = (data.font || 12) / 12;
  let height = stacked ? Math.round(data.height * 0.8) * n : data.height;
  const w = stacked ? width : width / n, each = stacked ? height / n : height;
  let boxes = data.panels.map((panel, i) => layoutPanel(panel, stacked ? { x: 0, y: i * each, w, h: each }
                                                                       : { x: i * w, y: 0, w, h: height }, k));
  if (!stacked && boxes.every((b) => b.panel.square || b.panel.equal)) {
    // a square or equal-unit plot in a narrow column needs less height than asked for: no gap below it
    const used = Math.max(...boxes.map((b) => b.plot.top + b.plot.height)) + 38 * k;
    if (used < height) {
      height = Math.ceil(used);
      boxes = boxes.map((b) => layoutPanel(b.panel, { ...b.box, h: height }, k));
    }
  }
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * dpr); canvas.height = Math.round(height * dpr);
  canvas.style.width = `${width}px`; canvas.style.height = `${height}px`;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  boxes.forEach((at) => drawPanel(ctx, at));
  const legend = root.querySelector(".lc-legend");
  legend.style.fontSize = data.font ? `${Math.round(13 * k)}px` : "";
  legend.replaceChildren(
    ...(data.legend || []).map(legendItem),
    ...(data.note ? [Object.assign(document.createElement("span"), { className: "lc-note", textContent: data.note })] : []));
  root.lcDrawn = { width, boxes };
  root.dataset.stacked = String(stacked);
  root.dataset.draws = String(Number(root.dataset.draws || 0) + 1);
  root.dataset.last = JSON.stringify(data.mark ?? null);
}

function watchPointer(root) {
  const canvas = root.querySelector("canvas"), tip = root.querySelector(".lc-readout");
  const show = (e) => {
    const r = canvas.getBoundingClientRect(), cx = e.clientX - r.left, cy = e.clientY - r.top;
    const at = (root.lcDrawn?.boxes || []).find(({ plot }) => cx >= plot.left && cx <= plot.left + plot.width
                                                          && cy >= plot.top && cy <= plot.top + plot.height);
    const text = at && at.panel.readout ? readout(at, cx, cy) : null;
    tip.hidden = !text;
    if (!text) return;
    tip.textContent = text;
    tip.style.left = `${Math.min(cx + 12, r.width - tip.offsetWidth - 4)}px`;
    tip.style.top = `${Math.max(0, cy - 30)}px`;
  };
  canvas.addEventListener("pointermove", show);
  canvas.addEventListener("pointerdown", show);
  canvas.addEventListener("pointerleave", () => { tip.hidden = true; });
}

// A series' x or y may come packed (ui/chart.py packed): {i16: base64 of little-endian int16 steps, scale}.
function unpacked(v) {
  if (!v || v.i16 == null) return v;
  const bytes = Uint8Array.from(atob(v.i16), (c) => c.charCodeAt(0));
  return Float32Array.from(new Int16Array(bytes.buffer), (n) => n * v.scale);
}

// The chart in `host` (made there the first time), drawn from `data`; a window resized or turned redraws it
function mountChart(host, data) {
  for (const panel of data.panels) for (const s of panel.series) { s.x = unpacked(s.x); s.y = unpacked(s.y); }
  let root = host.querySelector(".lc-root");
  if (!root) {
    root = document.createElement("div");
    root.className = "lc-root";
    root.innerHTML = '<canvas></canvas><div class="lc-readout" hidden></div><div class="lc-legend"></div>';
    host.appendChild(root);
    watchPointer(root);
    new ResizeObserver(() => {
      if (root.lcData && root.clientWidth && root.clientWidth !== root.lcDrawn?.width) draw(root, root.lcData);
    }).observe(root);
  }
  root.lcData = data;
  draw(root, data);
  return root;
}
