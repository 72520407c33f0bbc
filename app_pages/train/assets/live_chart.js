// Live charts for the Train page, drawn on a canvas: redrawn twice a second while a model trains, they must cost
// the browser next to nothing (a plotly redraw of the same data took tens of milliseconds of a shared core).
// data: {height, panels: [{title, xlabel, ylabel, range?, square?, series: [{x, y, colour, width?, alpha?,
// dash?, size?}]}], legend: [{name, colour}], note?}; a series with `size` is drawn as dots, otherwise as a line.

function niceStep(span, target) {
  const raw = span / Math.max(1, target), power = 10 ** Math.floor(Math.log10(raw));
  return power * ([1, 2, 5, 10].find((m) => m * power >= raw) || 10);
}

function ticks(lo, hi, target) {
  const step = niceStep(hi - lo || 1, target), out = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9 * step; t += step) out.push(+t.toPrecision(12));
  return out;
}

function extent(panel) {
  if (panel.range) return panel.range;
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const s of panel.series) {
    for (let i = 0; i < s.x.length; i++) {
      if (!Number.isFinite(s.y[i])) continue;
      x0 = Math.min(x0, s.x[i]); x1 = Math.max(x1, s.x[i]);
      y0 = Math.min(y0, s.y[i]); y1 = Math.max(y1, s.y[i]);
    }
  }
  if (!(x1 >= x0)) return [0, 1, 0, 1];
  const pad = (y1 - y0) * 0.06 || Math.abs(y0) * 0.1 || 1;
  return [x0, Math.max(x1, x0 + 1), y0 - pad, y1 + pad];
}

function drawPanel(ctx, panel, box) {
  const [x0, x1, y0, y1] = extent(panel);
  const left = box.x + 58, top = box.y + 28, width = box.w - 70, height = box.h - 66;
  const size = panel.square ? Math.min(width, height) : 0;
  const plot = size ? { left: left + (width - size) / 2, top, width: size, height: size } : { left, top, width, height };
  const px = (x) => plot.left + ((x - x0) / (x1 - x0)) * plot.width;
  const py = (y) => plot.top + ((y1 - y) / (y1 - y0)) * plot.height;
  ctx.fillStyle = "#262730"; ctx.textAlign = "center";
  // a long title in a narrow panel: smaller type, down to 11 px, rather than running into its neighbour
  for (let font = 14; font >= 11; font--) {
    ctx.font = `${font}px sans-serif`;
    if (ctx.measureText(panel.title).width <= box.w - 8) break;
  }
  ctx.fillText(panel.title, box.x + box.w / 2, box.y + 16);
  ctx.font = "12px sans-serif"; ctx.fillStyle = "#555"; ctx.strokeStyle = "#e8e8e8"; ctx.lineWidth = 1;
  for (const t of ticks(x0, x1, Math.max(2, Math.min(6, Math.floor(plot.width / 70))))) {  // labels ~4 digits wide
    ctx.beginPath(); ctx.moveTo(px(t), plot.top); ctx.lineTo(px(t), plot.top + plot.height); ctx.stroke();
    ctx.fillText(String(t), px(t), plot.top + plot.height + 15);
  }
  ctx.textAlign = "right";
  for (const t of ticks(y0, y1, 5)) {
    ctx.beginPath(); ctx.moveTo(plot.left, py(t)); ctx.lineTo(plot.left + plot.width, py(t)); ctx.stroke();
    ctx.fillText(String(t), plot.left - 6, py(t) + 4);
  }
  ctx.textAlign = "center";
  ctx.fillText(panel.xlabel || "", plot.left + plot.width / 2, plot.top + plot.height + 32);
  ctx.save();
  ctx.beginPath(); ctx.rect(plot.left, plot.top, plot.width, plot.height); ctx.clip();
  for (const s of panel.series) {
    ctx.globalAlpha = s.alpha ?? 1;
    ctx.strokeStyle = ctx.fillStyle = s.colour;
    if (s.size) {
      for (let i = 0; i < s.x.length; i++) ctx.fillRect(px(s.x[i]) - s.size / 2, py(s.y[i]) - s.size / 2, s.size, s.size);
      continue;
    }
    ctx.lineWidth = s.width ?? 1.5;
    ctx.setLineDash(s.dash ? [4, 4] : []);
    ctx.beginPath();
    s.x.forEach((x, i) => (i ? ctx.lineTo(px(x), py(s.y[i])) : ctx.moveTo(px(x), py(s.y[i]))));
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.lineWidth = 2;
    ctx.fillStyle = "#fff";
    if (s.markers) s.x.forEach((x, i) => {  // open circles, so they stand out on the smoothed line they sit on
      ctx.beginPath(); ctx.arc(px(x), py(s.y[i]), 5.5, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
    });
  }
  ctx.restore();
  ctx.globalAlpha = 1; ctx.setLineDash([]); ctx.strokeStyle = "#aaa";
  ctx.strokeRect(plot.left, plot.top, plot.width, plot.height);
}

export default function (component) {
  const { data, parentElement } = component;
  if (!data) return;
  let root = parentElement.querySelector(".lc-root");
  if (!root) {
    root = document.createElement("div");
    root.className = "lc-root";
    root.innerHTML = '<canvas></canvas><div class="lc-legend"></div>';
    parentElement.appendChild(root);
  }
  const canvas = root.querySelector("canvas");
  const width = Math.max(300, root.clientWidth || parentElement.clientWidth || 600);
  // A square plot in a narrow column needs less height than asked for: no gap between it and its legend.
  const square = data.panels.every((p) => p.square);
  // Side by side unless that leaves a panel narrower than 220 px (a phone): then one above the other.
  const n = data.panels.length, stacked = n > 1 && width / n < 220;
  const each = stacked ? Math.round(data.height * 0.8) : data.height;
  const height = square ? Math.min(data.height, Math.round(width / n) - 70 + 66) : each * (stacked ? n : 1);
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * dpr); canvas.height = Math.round(height * dpr);
  canvas.style.width = `${width}px`; canvas.style.height = `${height}px`;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  const w = stacked ? width : width / n;
  data.panels.forEach((panel, k) => drawPanel(ctx, panel, stacked ? { x: 0, y: k * each, w, h: each }
                                                                    : { x: k * w, y: 0, w, h: height }));
  root.querySelector(".lc-legend").innerHTML = (data.legend || []).map(
    ({ name, colour }) => `<span><i style="background:${colour}"></i>${name}</span>`).join("")
    + (data.note ? `<span class="lc-note">${data.note}</span>` : "");
  root.dataset.stacked = String(stacked);
  root.dataset.draws = String(Number(root.dataset.draws || 0) + 1);
  root.dataset.last = JSON.stringify(data.mark ?? null);
}
