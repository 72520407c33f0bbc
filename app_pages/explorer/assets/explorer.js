// The explorer: click or drag anywhere on the map and the point under the pointer is decoded here, every
// animation frame; the chosen z goes to Python once, when the button is released.

// The nearest shown test digit within 6 px of the pointer, or -1.
function nearest(model, view, hidden, px, py) {
  let best = -1, bestD = 36;
  for (let i = 0; i < model.header.n; i++) {
    if (hidden.has(model.labels[i])) continue;
    const [x, y] = view.toPx(model.mu[2 * i], model.mu[2 * i + 1]);
    const d = (x - px) ** 2 + (y - py) ** 2;
    if (d < bestD) { bestD = d; best = i; }
  }
  return best;
}

// The test set's real images, fetched once on the first hover (ui/digit_atlas.py), then kept by the browser.
function loadAtlas(root, header) {
  if (root.vxAtlas || !header.atlas) return;
  root.vxAtlas = new Image();
  root.vxAtlas.src = new URL(header.atlas, window.location.href).href;
}

function showTip(root, model, view, i) {
  const tip = root.querySelector(".vx-tip");
  tip.hidden = i < 0;
  if (i < 0) return null;
  loadAtlas(root, model.header);
  const [x, y] = view.toPx(model.mu[2 * i], model.mu[2 * i + 1]);
  const [real, decoded] = tip.querySelectorAll("canvas");
  const atlas = root.vxAtlas, ready = atlas && atlas.complete && atlas.naturalWidth > 0;
  real.hidden = !ready;
  if (ready) {
    const cols = model.header.columns, ctx = real.getContext("2d");
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(atlas, (i % cols) * 28, Math.floor(i / cols) * 28, 28, 28, 0, 0, real.width, real.height);
  }
  paintDigit(decoded, model.decode(model.mu[2 * i], model.mu[2 * i + 1]));
  tip.querySelector("span").textContent =
    `${(model.header.item || "digit") === "digit" ? "digit " : ""}${className(model.header, model.labels[i])} · test #${i}\n${ready ? "the image, and what its\nmean decodes to" : "what its mean decodes to"}`;
  tip.dataset.index = String(i);
  tip.style.left = `${x + 12}px`;
  tip.style.top = `${y + 12}px`;
  return [x, y];
}

function setup(root, model, setStateValue) {
  let view = makeView(model.header.view, plotSide(root));
  const [points, overlay] = root.querySelectorAll(".vx-points, .vx-overlay");
  const decoded = root.querySelector(".vx-decoded");
  const marker = root.querySelector(".vx-marker"), ring = root.querySelector(".vx-ring");
  const label = root.querySelector(".vx-z");
  const gridBox = root.querySelector(".vx-grid");
  const [x0, x1, y0, y1] = view.bounds;
  let pending = null, frame = 0, hoverPx = null;
  const fit = () => {  // size the map's layers to the view, then draw everything that depends on it
    const { left, top, size } = view.plot;
    Object.assign(overlay.dataset, { x0, x1, y0, y1, left, top, size });
    Object.assign(overlay.style, { width: `${view.mapSize}px`, height: `${view.mapSize}px` });
    const side = `${decodedSide(root, view)}px`;
    Object.assign(decoded.style, { width: side, height: side });
    redraw();
    setupPath(root, model, view);
  };

  const redraw = () => {
    root.vxGridCentres = drawMap(points, model, view, root.vxHidden, gridBox.value);
    root.dataset.grid = gridBox.value;
    buildLegend(root, model, redraw);
  };
  const paint = () => {
    frame = 0;
    if (pending) {
      root.vxZ = pending;
      pending = null;
      paintDigit(decoded, model.decode(root.vxZ[0], root.vxZ[1]));
      const [a, b] = [root.vxZ[0].toFixed(3), root.vxZ[1].toFixed(3)], names = model.header.axes;
      label.textContent = names ? `${names[0]} = ${a}, ${names[1]} = ${b} on the slice` : `z = (${a}, ${b})`;
      Object.assign(label.dataset, { z1: root.vxZ[0], z2: root.vxZ[1] });
      root.dataset.frames = String(Number(root.dataset.frames || 0) + 1);
    }
    placeAt(marker, root.vxZ && view.toPx(root.vxZ[0], root.vxZ[1]));
    placeAt(ring, hoverPx);
  };
  const request = () => { if (!frame) frame = requestAnimationFrame(paint); };
  const unlisten = planeInput(overlay, () => view, {
    at: (z) => { pending = z; request(); },
    commit: (z) => setStateValue("z", z),
    current: () => pending || root.vxZ || [0, 0],
    hover: (e) => { hoverPx = showTip(root, model, view, nearest(model, view, root.vxHidden, e.offsetX, e.offsetY)); request(); },
    leave: () => { hoverPx = showTip(root, model, view, -1); request(); },
  });
  gridBox.onchange = redraw;

  fit();
  pending = root.vxZ || model.header.start || [0, 0];  // the link's point, else the prior's centre
  paint();
  // A rotated phone, a resized window, an opened sidebar, or the page above the map still rendering (which moves
  // its top): the map takes the space it now has. Its side depends on its top and width, never on its own height,
  // so its own resizing does not feed back.
  const resized = new ResizeObserver(() => {
    const side = plotSide(root);
    if (Math.abs(side - view.plot.size) < 4) return;
    view = makeView(model.header.view, side);
    fit();
    request();
  });
  resized.observe(mapHost(root));
  const page = mapHost(root).closest('[data-testid="stMainBlockContainer"]');
  if (page) resized.observe(page);
  root.dataset.painted = model.header.name;
  if (model.header.mine) root.dataset.mine = JSON.stringify(model.header.mine);
  else delete root.dataset.mine;
  return () => {
    resized.disconnect();
    if (frame) cancelAnimationFrame(frame);
    unlisten();
  };
}

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  if (!data) return undefined;
  const root = parentElement.querySelector(".vx-root") || build(parentElement);
  return whenPayload(data, root, (model) => {
    model.decode = makeDecoder(model.layers);
    // For tests and the benchmark: the browser's decoder, copied out of its reused buffer.
    root.vxDecode = (z1, z2) => Array.from(model.decode(z1, z2));
    return setup(root, model, setStateValue);
  });
}
