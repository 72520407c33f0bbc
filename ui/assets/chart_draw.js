// The canvas chart's drawing: scales, ticks and each kind of series, for one panel at a time. chart.js says what
// the data holds, and is loaded after this file, in the same module (ui/chart.py).

const DASHES = { true: [4, 4], dot: [2, 4] };

function niceStep(span, target) {
  const raw = span / Math.max(1, target), power = 10 ** Math.floor(Math.log10(raw));
  return power * ([1, 2, 5, 10].find((m) => m * power >= raw) || 10);
}

function ticks(lo, hi, target) {
  const step = niceStep(hi - lo || 1, target), out = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9 * step; t += step) out.push(+t.toPrecision(12));
  return out;
}

function logTicks(lo, hi) {  // lo, hi: log10 of the ends; powers of ten, with 2 and 5 between when there are few
  const out = [];
  for (let p = Math.floor(lo); p <= Math.ceil(hi); p++) {
    for (const m of hi - lo < 2.5 ? [1, 2, 5] : [1]) {
      const t = Math.log10(m) + p;
      if (t >= lo - 1e-9 && t <= hi + 1e-9) out.push(t);
    }
  }
  return out;
}

function label(v) {
  if (Math.abs(v) >= 1e4) return Math.round(v).toLocaleString("en-US");
  return String(+v.toPrecision(4));
}

function extent(panel, tx) {
  const r = panel.range || [null, null, null, null];
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  const see = (x, y) => {
    if (x != null && Number.isFinite(tx(x))) { x0 = Math.min(x0, tx(x)); x1 = Math.max(x1, tx(x)); }
    if (y != null && Number.isFinite(y)) { y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
  };
  for (const s of panel.series) {
    for (let i = 0; i < s.x.length; i++) {
      if (s.y[i] == null) continue;
      const half = s.kind === "bars" ? (s.widths ? s.widths[i] : 0) / 2 : 0;
      see(s.x[i] - half, s.y[i]); see(s.x[i] + half, s.kind === "bars" ? 0 : s.y[i]);
      if (s.err) { see(s.x[i], s.y[i] - s.err[i]); see(s.x[i], s.y[i] + s.err[i]); }
      if (s.y2) see(s.x[i], s.y2[i]);
    }
  }
  for (const h of panel.hlines || []) see(null, h.y);
  if (panel.image) { see(panel.image.x[0], panel.image.y[0]); see(panel.image.x[1], panel.image.y[1]); }
  if (!(x1 >= x0)) { x0 = 0; x1 = 1; }
  if (!(y1 >= y0)) { y0 = 0; y1 = 1; }
  const pad = (y1 - y0) * 0.06 || Math.abs(y0) * 0.1 || 1, xpad = (x1 - x0) * 0.03 || 1;
  const bars = panel.series.some((s) => s.kind === "bars");  // bars stand on the axis: no margin below 0
  return [r[0] != null ? tx(r[0]) : x0 - xpad, r[1] != null ? tx(r[1]) : x1 + xpad,
          r[2] != null ? r[2] : bars && y0 >= 0 ? 0 : y0 - pad, r[3] != null ? r[3] : y1 + pad];
}

function paintImage(image) {  // the image's cells as an offscreen canvas, a pixel a cell, top row first
  const { cols, rows } = image, bytes = Uint8Array.from(atob(image.values), (c) => c.charCodeAt(0));
  const stops = image.colours, lut = [];
  for (let v = 0; v < 256; v++) {
    const f = (v / 255) * (stops.length - 1), i = Math.min(stops.length - 2, Math.floor(f)), u = f - i;
    lut.push(stops[i].map((c, k) => Math.round(c + (stops[i + 1][k] - c) * u)));
  }
  const off = document.createElement("canvas");
  off.width = cols; off.height = rows;
  const octx = off.getContext("2d"), img = octx.createImageData(cols, rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const [red, green, blue] = lut[bytes[(rows - 1 - r) * cols + c]], o = 4 * (r * cols + c);
      img.data[o] = red; img.data[o + 1] = green; img.data[o + 2] = blue; img.data[o + 3] = 255;
    }
  }
  octx.putImageData(img, 0, 0);
  return off;
}

function layoutPanel(panel, box, k = 1) {  // k: the text's size, as a multiple of 12 px (data.font / 12)
  const tx = panel.xlog ? Math.log10 : (x) => x;
  const [x0, x1, y0, y1] = extent(panel, tx);
  // room for the tick labels: left of the plot, below it, and half a label past its right end
  const left = box.x + 50 + 12 * k, top = box.y + (panel.title ? 28 : 12) * k, width = box.w - 72 - 12 * k;
  const height = box.h - (top - box.y) - 38 * k;
  let plot = { left, top, width, height };
  if (panel.square || panel.equal) {
    const ratio = panel.equal ? (y1 - y0) / (x1 - x0) : 1;  // height / width of the plot area
    const w = Math.min(width, height / ratio), h = w * ratio;
    plot = { left: left + (width - w) / 2, top, width: w, height: h };
  }
  const sx = (u) => plot.left + ((u - x0) / (x1 - x0)) * plot.width;  // u on the axis's own scale (log10 K)
  const px = (x) => sx(tx(x));
  const py = (y) => plot.top + ((y1 - y) / (y1 - y0)) * plot.height;
  const invert = (cx, cy) => {
    const u = x0 + ((cx - plot.left) / plot.width) * (x1 - x0);
    return [panel.xlog ? 10 ** u : u, y1 - ((cy - plot.top) / plot.height) * (y1 - y0)];
  };
  return { panel, box, plot, sx, px, py, invert, x0, x1, y0, y1, k };
}

function drawLine(ctx, s, px, py) {
  ctx.lineWidth = s.width ?? 1.5;
  ctx.setLineDash(DASHES[s.dash] || []);
  ctx.beginPath();
  let open = false;
  for (let i = 0; i < s.x.length; i++) {
    if (s.x[i] == null || s.y[i] == null) { open = false; continue; }
    open ? ctx.lineTo(px(s.x[i]), py(s.y[i])) : ctx.moveTo(px(s.x[i]), py(s.y[i]));
    open = true;
  }
  ctx.stroke();
  ctx.setLineDash([]);
}

function drawSeries(ctx, s, px, py) {
  ctx.globalAlpha = s.alpha ?? 1;
  ctx.strokeStyle = ctx.fillStyle = s.colour;
  if (s.kind === "bars") {
    const base = py(0);
    s.x.forEach((x, i) => {
      const a = px(x - s.widths[i] / 2), b = px(x + s.widths[i] / 2);
      ctx.fillRect(a, Math.min(base, py(s.y[i])), Math.max(1, b - a), Math.abs(base - py(s.y[i])));
    });
  } else if (s.kind === "band") {
    ctx.beginPath();
    s.x.forEach((x, i) => (i ? ctx.lineTo(px(x), py(s.y[i])) : ctx.moveTo(px(x), py(s.y[i]))));
    for (let i = s.x.length - 1; i >= 0; i--) ctx.lineTo(px(s.x[i]), py(s.y2[i]));
    ctx.closePath(); ctx.fill();
  } else if (s.symbol === "x") {
    const h = (s.size ?? 10) / 2;
    ctx.lineWidth = 2.5; ctx.beginPath();
    s.x.forEach((x, i) => {
      const cx = px(x), cy = py(s.y[i]);
      ctx.moveTo(cx - h, cy - h); ctx.lineTo(cx + h, cy + h); ctx.moveTo(cx - h, cy + h); ctx.lineTo(cx + h, cy - h);
    });
    ctx.stroke();
  } else if (s.size) {
    for (let i = 0; i < s.x.length; i++) ctx.fillRect(px(s.x[i]) - s.size / 2, py(s.y[i]) - s.size / 2, s.size, s.size);
  } else {
    drawLine(ctx, s, px, py);
  }
  if (s.err) {
    ctx.lineWidth = 1.5; ctx.beginPath();
    s.x.forEach((x, i) => {
      const cx = px(x), a = py(s.y[i] - s.err[i]), b = py(s.y[i] + s.err[i]);
      ctx.moveTo(cx, a); ctx.lineTo(cx, b); ctx.moveTo(cx - 4, a); ctx.lineTo(cx + 4, a); ctx.moveTo(cx - 4, b); ctx.lineTo(cx + 4, b);
    });
    ctx.stroke();
  }
  if (s.markers) {
    ctx.lineWidth = 2;
    if (s.markers !== "filled") ctx.fillStyle = "#fff";  // open circles stand out on the smoothed line they sit on
    const radius = s.markers === "filled" ? 4 : 5.5;
    s.x.forEach((x, i) => {
      ctx.beginPath(); ctx.arc(px(x), py(s.y[i]), radius, 0, 2 * Math.PI); ctx.fill();
      if (s.markers !== "filled") ctx.stroke();
    });
  }
  ctx.globalAlpha = 1;
}

function drawPanel(ctx, at) {
  const { panel, box, plot, sx, px, py, x0, x1, y0, y1, k } = at;
  ctx.fillStyle = "#262730"; ctx.textAlign = "center";
  if (panel.title) {
    // a long title in a narrow panel: smaller type, down to 11 px, rather than running into its neighbour
    for (let font = Math.round(14 * k); font >= 11; font--) {
      ctx.font = `${font}px sans-serif`;
      if (ctx.measureText(panel.title).width <= box.w - 8) break;
    }
    ctx.fillText(panel.title, box.x + box.w / 2, box.y + 16 * k);
  }
  if (panel.image) {
    const { x, y, cols, rows } = panel.image, dx = (x[1] - x[0]) / (cols - 1), dy = (y[1] - y[0]) / (rows - 1);
    ctx.save();
    ctx.beginPath(); ctx.rect(plot.left, plot.top, plot.width, plot.height); ctx.clip();
    const a = px(x[0] - dx / 2), b = px(x[1] + dx / 2), c = py(y[1] + dy / 2), d = py(y[0] - dy / 2);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(paintImage(panel.image), a, c, b - a, d - c);
    ctx.restore();
  }
  ctx.font = `${12 * k}px sans-serif`; ctx.fillStyle = "#555"; ctx.strokeStyle = panel.image ? "rgba(0,0,0,0.08)" : "#e8e8e8";
  ctx.lineWidth = 1;
  const xs = panel.xlog ? logTicks(x0, x1) : ticks(x0, x1, Math.max(2, Math.min(6, Math.floor(plot.width / 70))));
  for (const t of xs) {
    const cx = sx(t);
    ctx.beginPath(); ctx.moveTo(cx, plot.top); ctx.lineTo(cx, plot.top + plot.height); ctx.stroke();
    ctx.fillText(label(panel.xlog ? 10 ** t : t), cx, plot.top + plot.height + 15 * k);
  }
  ctx.textAlign = "right";
  for (const t of ticks(y0, y1, Math.max(2, Math.min(6, Math.floor(plot.height / 50))))) {
    ctx.beginPath(); ctx.moveTo(plot.left, py(t)); ctx.lineTo(plot.left + plot.width, py(t)); ctx.stroke();
    ctx.fillText(label(t), plot.left - 6, py(t) + 4 * k);
  }
  ctx.textAlign = "center";
  ctx.fillText(panel.xlabel || "", plot.left + plot.width / 2, plot.top + plot.height + 32 * k);
  if (panel.ylabel) {
    // beside the plot, even one narrowed to equal units
    ctx.save(); ctx.translate(plot.left - 38 - 12 * k, plot.top + plot.height / 2); ctx.rotate(-Math.PI / 2);
    ctx.fillText(panel.ylabel, 0, 0); ctx.restore();
  }
  ctx.save();
  ctx.beginPath(); ctx.rect(plot.left, plot.top, plot.width, plot.height); ctx.clip();
  for (const s of panel.series) drawSeries(ctx, s, px, py);
  for (const h of panel.hlines || []) {
    ctx.strokeStyle = ctx.fillStyle = h.colour;
    drawLine(ctx, { x: [x0, x1], y: [h.y, h.y], width: h.width, dash: h.dash }, sx, py);
    if (h.text) {  // on a light box, so that a curve passing behind the label leaves it legible
      ctx.textAlign = "right"; ctx.font = `${12 * k}px sans-serif`;
      const x = plot.left + plot.width - 4, y = py(h.y) + (h.above ? -5 : 14), w = ctx.measureText(h.text).width;
      ctx.fillStyle = "rgba(255, 255, 255, 0.8)"; ctx.fillRect(x - w - 3, y - 11, w + 6, 15);
      ctx.fillStyle = h.colour; ctx.fillText(h.text, x, y);
    }
  }
  ctx.globalAlpha = 1;
  // A name per series (a latent map's classes) at the median of its points, black on a light box: the map reads
  // without telling colours apart.
  const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
  (panel.names || []).forEach((name, i) => {
    const s = panel.series[i];
    if (!s || !s.x.length) return;
    ctx.textAlign = "center"; ctx.font = `bold ${14 * k}px sans-serif`;
    const x = px(median(s.x)), y = py(median(s.y)) + 5 * k, w = ctx.measureText(String(name)).width;
    ctx.fillStyle = "rgba(255, 255, 255, 0.8)"; ctx.fillRect(x - w / 2 - 2, y - 13 * k, w + 4, 17 * k);
    ctx.fillStyle = "#000"; ctx.fillText(String(name), x, y);
  });
  ctx.restore();
  ctx.globalAlpha = 1; ctx.setLineDash([]); ctx.strokeStyle = "#aaa";
  ctx.strokeRect(plot.left, plot.top, plot.width, plot.height);
}
