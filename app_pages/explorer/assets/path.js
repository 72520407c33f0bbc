// Interpolation: two pinned points and the digits decoded at equal steps on the straight line between them.
const PATH_STEPS = 7;

function drawPath(root, model, view) {
  const { a, b } = root.vxPath;
  const svg = root.querySelector(".vx-line"), strip = root.querySelector(".vx-strip");
  for (const [end, z] of [["a", a], ["b", b]]) {
    svg.querySelectorAll(`[data-end="${end}"]`).forEach((el) => {
      el.style.display = z ? "" : "none";
      if (!z) return;
      const [x, y] = view.toPx(z[0], z[1]);
      el.setAttribute(el.tagName === "circle" ? "cx" : "x", el.tagName === "circle" ? x : x + 7);
      el.setAttribute(el.tagName === "circle" ? "cy" : "y", el.tagName === "circle" ? y : y - 7);
    });
  }
  const line = svg.querySelector("line");
  line.style.display = a && b ? "" : "none";
  strip.hidden = !(a && b);
  if (!(a && b)) return;
  const [ax, ay] = view.toPx(a[0], a[1]), [bx, by] = view.toPx(b[0], b[1]);
  Object.entries({ x1: ax, y1: ay, x2: bx, y2: by }).forEach(([k, v]) => line.setAttribute(k, v));
  const tile = strip.vxTile || (strip.vxTile = Object.assign(document.createElement("canvas"), { width: 40, height: 40 }));
  const ctx = strip.getContext("2d");
  for (let k = 0; k < PATH_STEPS; k++) {
    const t = k / (PATH_STEPS - 1);
    paintDigit(tile, model.decode(a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])));
    ctx.drawImage(tile, k * 40, 0);
  }
}

function setupPath(root, model, view) {
  const svg = root.querySelector(".vx-line");
  svg.setAttribute("width", view.mapSize);
  svg.setAttribute("height", view.mapSize);
  root.querySelectorAll(".vx-pin").forEach((button) => {
    button.onclick = () => {
      if (!root.vxZ) return;
      root.vxPath[button.dataset.end] = [...root.vxZ];
      drawPath(root, model, view);
    };
  });
  drawPath(root, model, view);
}
