// The latent plane: points, axes and the prior's circles on one canvas; the pointer's marker on a canvas above it.
// Shared by the explorer and Class and style; decoder.js is loaded before it, in the same module.
const MARGIN = { left: 46, top: 10, right: 12 };  // CSS pixels around the plot, for the axes' labels
const SIDE_PANEL = 300, GAP = 24;  // the legend, the decoded digit and the line, beside the map on a wide screen

// The plot's side in CSS pixels: the width the map has (beside the side panel on a wide screen, the whole width on
// a narrow one, where the panel goes below) and, beside the panel, no taller than the window below the map's top,
// so that a projected page shows the whole map without scrolling.
function plotSide(root) {
  const host = mapHost(root), width = host.clientWidth;
  const wide = width >= 2 * SIDE_PANEL + GAP;
  const scroller = host.closest('[data-testid="stMain"]');
  const top = root.getBoundingClientRect().top + (scroller ? scroller.scrollTop : window.scrollY);
  const room = wide ? Math.min(width - SIDE_PANEL - GAP, window.innerHeight - top - 8) : width;
  return Math.round(Math.min(900, Math.max(220, room - MARGIN.left - MARGIN.right)));
}

// The decoded digit's side in CSS pixels: in proportion to the map beside it on a wide screen, nearly the panel's
// width when the panel sits below the map on a narrow one.
function decodedSide(root, view) {
  const wide = mapHost(root).clientWidth >= 2 * SIDE_PANEL + GAP;
  return wide ? Math.round(Math.min(SIDE_PANEL, Math.max(200, 0.45 * view.plot.size))) : SIDE_PANEL - 20;
}

// The element the component lives in: the host of the shadow root Streamlit mounts it in.
function mapHost(root) {
  return root.parentNode.host || root.parentElement;
}

// Data coordinates <-> CSS pixels of the canvas; equal units on both axes.
function makeView([x0, x1, y0, y1], side) {
  const PLOT = { left: MARGIN.left, top: MARGIN.top, size: side };
  const sx = PLOT.size / (x1 - x0), sy = PLOT.size / (y1 - y0);
  return {
    plot: PLOT,
    mapSize: PLOT.left + PLOT.size + MARGIN.right,
    bounds: [x0, x1, y0, y1],
    toPx: (z1, z2) => [PLOT.left + (z1 - x0) * sx, PLOT.top + (y1 - z2) * sy],
    toZ: (px, py) => [x0 + (px - PLOT.left) / sx, y1 - (py - PLOT.top) / sy],
    clamp: (px, py) => [Math.min(Math.max(px, PLOT.left), PLOT.left + PLOT.size),
                        Math.min(Math.max(py, PLOT.top), PLOT.top + PLOT.size)],
    inside: (px, py) => px >= PLOT.left && px <= PLOT.left + PLOT.size && py >= PLOT.top && py <= PLOT.top + PLOT.size,
  };
}

function sizeCanvas(canvas, width, height) {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

function drawAxes(ctx, view, names) {
  names = names || ["z₁", "z₂"];  // a slice of a larger latent space names its own axes
  const [x0, x1, y0, y1] = view.bounds, PLOT = view.plot;
  ctx.font = "12px sans-serif";
  ctx.fillStyle = "#555";
  ctx.strokeStyle = "#e6e6e6";
  ctx.lineWidth = 1;
  for (let t = Math.ceil(x0); t <= x1; t++) {
    const [px] = view.toPx(t, 0);
    ctx.beginPath(); ctx.moveTo(px, PLOT.top); ctx.lineTo(px, PLOT.top + PLOT.size); ctx.stroke();
    ctx.textAlign = "center";
    ctx.fillText(String(t), px, PLOT.top + PLOT.size + 15);
  }
  for (let t = Math.ceil(y0); t <= y1; t++) {
    const [, py] = view.toPx(0, t);
    ctx.beginPath(); ctx.moveTo(PLOT.left, py); ctx.lineTo(PLOT.left + PLOT.size, py); ctx.stroke();
    ctx.textAlign = "right";
    ctx.fillText(String(t), PLOT.left - 6, py + 4);
  }
  ctx.fillText(names[1], PLOT.left - 28, PLOT.top + 12);
  ctx.textAlign = "center";
  ctx.fillText(names[0], PLOT.left + PLOT.size - 8, PLOT.top + PLOT.size + 30);
}

// The prior N(0, I): circles at 1 and 2 standard deviations.
function drawPrior(ctx, view) {
  const [cx, cy] = view.toPx(0, 0);
  const unit = view.toPx(1, 0)[0] - cx;
  ctx.setLineDash([5, 4]);
  ctx.strokeStyle = "#666";
  for (const r of [1, 2]) {
    ctx.beginPath(); ctx.arc(cx, cy, r * unit, 0, 2 * Math.PI); ctx.stroke();
  }
  ctx.setLineDash([]);
}

function drawPoints(ctx, model, view, hidden) {
  const { mu, labels, header } = model;
  for (let digit = 0; digit < 10; digit++) {
    if (hidden.has(digit)) continue;
    ctx.fillStyle = header.colours[digit];
    ctx.globalAlpha = 0.65;
    for (let i = 0; i < header.n; i++) {
      if (labels[i] !== digit) continue;
      const [px, py] = view.toPx(mu[2 * i], mu[2 * i + 1]);
      ctx.fillRect(px - 1.5, py - 1.5, 3, 3);
    }
  }
  ctx.globalAlpha = 1;
}

// Each shown class's name at the median of its codes, so that the map reads without telling colours apart
// (unless the header says `names: false`: a conditional model's classes share one centre).
function drawClassNames(ctx, model, view, hidden) {
  const { mu, labels, header } = model;
  if (header.names === false) return;
  ctx.font = "bold 15px sans-serif"; ctx.textAlign = "center"; ctx.lineWidth = 4; ctx.lineJoin = "round";
  const placed = [];  // the names' boxes so far: a name that would overlap one goes below it
  for (let k = 0; k < 10; k++) {
    if (hidden.has(k)) continue;
    const z1 = [], z2 = [];
    for (let i = 0; i < header.n; i++) if (labels[i] === k) { z1.push(mu[2 * i]); z2.push(mu[2 * i + 1]); }
    if (!z1.length) continue;
    const median = (v) => v.sort((a, b) => a - b)[v.length >> 1];
    let [px, py] = view.clamp(...view.toPx(median(z1), median(z2)));
    const name = header.classes ? String(header.classes[k]) : String(k), half = ctx.measureText(name).width / 2 + 2;
    while (placed.some(([x, y, h]) => Math.abs(x - px) < h + half && Math.abs(y - py) < 17)) py += 17;
    placed.push([px, py, half]);
    ctx.strokeStyle = "#fff"; ctx.strokeText(name, px, py + 5);
    ctx.fillStyle = "#000"; ctx.fillText(name, px, py + 5);
  }
  ctx.lineWidth = 1;
}

// Decoded digits on a grid over the plot (Kingma & Welling 2014, figure 4), drawn in the map's own coordinates.
// "uniform": n x n equal cells filling the view. "prior": cells centred on the prior's quantiles (header.quantiles),
// each holding the same prior mass, so they are small near 0 and wide in the tails; each digit is a square
// centred in its cell. Returns the cells' centres in z, for tests.
function gridCells(view, header, mode) {
  const [x0, x1, y0, y1] = view.bounds;
  if (mode === "uniform") {
    const n = header.grid, step1 = (x1 - x0) / n, step2 = (y1 - y0) / n;
    const c1 = [...Array(n).keys()].map((k) => x0 + (k + 0.5) * step1);
    const c2 = [...Array(n).keys()].map((k) => y0 + (k + 0.5) * step2);
    return { c1, c2, edges1: c1.map((c) => [c - step1 / 2, c + step1 / 2]),
             edges2: c2.map((c) => [c - step2 / 2, c + step2 / 2]) };
  }
  const q = header.quantiles;
  const edges = q.map((c, k) => [k ? (q[k - 1] + c) / 2 : c - (q[1] - c) / 2,
                                  k < q.length - 1 ? (c + q[k + 1]) / 2 : c + (c - q[k - 1]) / 2]);
  return { c1: q, c2: q, edges1: edges, edges2: edges };
}

function drawGrid(ctx, decode, view, header, mode) {
  const cells = gridCells(view, header, mode), PLOT = view.plot;
  const tile = document.createElement("canvas");
  tile.width = tile.height = 28;
  ctx.save();
  ctx.beginPath(); ctx.rect(PLOT.left, PLOT.top, PLOT.size, PLOT.size); ctx.clip();
  if (mode === "prior") {
    const [left, top] = view.toPx(cells.edges1[0][0], cells.edges2.at(-1)[1]);
    const [right, bottom] = view.toPx(cells.edges1.at(-1)[1], cells.edges2[0][0]);
    ctx.fillStyle = "#000";
    ctx.fillRect(left, top, right - left, bottom - top);
  }
  ctx.imageSmoothingEnabled = true;
  cells.c1.forEach((z1, c) => cells.c2.forEach((z2, r) => {
    const [a, b] = view.toPx(cells.edges1[c][0], cells.edges2[r][1]);
    const [e, f] = view.toPx(cells.edges1[c][1], cells.edges2[r][0]);
    const side = Math.min(e - a, f - b);
    paintDigit(tile, decode(z1, z2));
    ctx.drawImage(tile, (a + e - side) / 2, (b + f - side) / 2, side, side);
  }));
  ctx.restore();
  return cells.c1.flatMap((z1) => cells.c2.map((z2) => [z1, z2]));
}

// The user's digit: the mean of q(z|x), its 1- and 2-sigma ellipses (a diagonal Gaussian) and a label.
function drawMine(ctx, view, { mu, std }, item = "digit") {
  const [cx, cy] = view.toPx(mu[0], mu[1]);
  const unit = view.toPx(1, 0)[0] - view.toPx(0, 0)[0];
  ctx.strokeStyle = "#000";
  ctx.lineWidth = 2;
  for (const k of [1, 2]) {
    ctx.setLineDash(k === 1 ? [] : [4, 3]);
    ctx.beginPath(); ctx.ellipse(cx, cy, k * std[0] * unit, k * std[1] * unit, 0, 0, 2 * Math.PI); ctx.stroke();
  }
  ctx.setLineDash([]);
  ctx.fillStyle = "#000";
  ctx.beginPath(); ctx.arc(cx, cy, 2.5, 0, 2 * Math.PI); ctx.fill();
  ctx.font = "bold 14px sans-serif"; ctx.textAlign = "left";
  ctx.lineWidth = 3; ctx.strokeStyle = "#fff";
  const x = cx + Math.max(2 * std[0] * unit, 4) + 6;
  const label = item === "digit" ? "your digit" : "your drawing";
  ctx.strokeText(label, x, cy + 5);
  ctx.fillText(label, x, cy + 5);
  ctx.lineWidth = 1;
}

// Returns the decoded grid's centres in z (empty without a grid).
function drawMap(canvas, model, view, hidden, gridMode) {
  const ctx = sizeCanvas(canvas, view.mapSize, view.mapSize), PLOT = view.plot;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, view.mapSize, view.mapSize);
  const centres = gridMode ? drawGrid(ctx, model.decode, view, model.header, gridMode) : [];
  drawAxes(ctx, view, model.header.axes);
  drawPoints(ctx, model, view, hidden);
  drawPrior(ctx, view);
  if (model.header.names !== false) drawClassNames(ctx, model, view, hidden);  // false: the medians coincide
  if (model.header.mine) drawMine(ctx, view, model.header.mine, model.header.item);
  ctx.strokeStyle = "#999";
  ctx.strokeRect(PLOT.left, PLOT.top, PLOT.size, PLOT.size);
  return centres;
}

// The marker and the hover ring are positioned elements, so a drag frame repaints no canvas but the digit.
function placeAt(element, xy) {
  element.hidden = !xy;
  if (xy) element.style.transform = `translate(${xy[0]}px, ${xy[1]}px)`;
}
