// A table of decoded images on one canvas: a row per class, a column per latent point, with the rows' and the
// columns' names drawn beside them. Sized to the width it has, at most `cell` CSS pixels an image.
export default function (component) {
  const { data, parentElement } = component;
  let canvas = parentElement.querySelector("canvas.cs-table");
  if (!canvas) {
    canvas = Object.assign(document.createElement("canvas"), { className: "cs-table" });
    canvas.style.display = "block";
    parentElement.appendChild(canvas);
  }
  const { rows, columns, cell, pixels } = data;  // pixels: one byte a pixel, base64, rows x columns x 28 x 28
  const grey = Uint8Array.from(atob(pixels), (c) => c.charCodeAt(0));
  const host = parentElement.host || parentElement;  // the element whose shadow root holds the canvas
  let drawnFor = -1;
  const draw = () => {
    const width = host.clientWidth || 600;
    if (width === drawnFor) return;
    drawnFor = width;
    const ctx0 = canvas.getContext("2d");
    ctx0.font = "13px sans-serif";
    const left = Math.ceil(Math.max(...rows.map((r) => ctx0.measureText(r).width))) + 10, top = 20, gap = 3;
    const side = Math.max(20, Math.min(cell, Math.floor((width - left) / columns.length) - gap));
    const w = left + columns.length * (side + gap), h = top + rows.length * (side + gap);
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
    Object.assign(canvas.style, { width: `${w}px`, height: `${h}px` });
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.font = "13px sans-serif";
    ctx.fillStyle = getComputedStyle(host).color || "#262730";  // the theme's text colour, light or dark
    const tile = new OffscreenCanvas(28, 28), image = new ImageData(28, 28);
    ctx.textAlign = "center";
    columns.forEach((name, c) => ctx.fillText(String(name), left + c * (side + gap) + side / 2, top - 6, side + gap));
    rows.forEach((name, r) => {
      ctx.textAlign = "right";
      ctx.fillText(String(name), left - 8, top + r * (side + gap) + side / 2 + 4);
      columns.forEach((_, c) => {
        const at = (r * columns.length + c) * 784;
        for (let i = 0; i < 784; i++) {
          image.data.fill(grey[at + i], 4 * i, 4 * i + 3);
          image.data[4 * i + 3] = 255;
        }
        tile.getContext("2d").putImageData(image, 0, 0);
        ctx.imageSmoothingEnabled = false;
        ctx.drawImage(tile, left + c * (side + gap), top + r * (side + gap), side, side);
      });
    });
    canvas.dataset.side = String(side);
  };
  draw();
  const resized = new ResizeObserver(draw);  // only a new width redraws: its own height never feeds back
  resized.observe(host);
  return () => resized.disconnect();
}
