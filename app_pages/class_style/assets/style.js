// The style plane: the conditional decoder p(x|z, y) replayed here for all ten classes at once. The pointer picks z;
// every animation frame of a drag decodes z with each class's one-hot y and paints the ten images. The chosen z
// goes to Python once, when the button (or the finger) is released. decoder.js and latent_plane.js are loaded
// before this file, in the same module (ui/assets).
const TILE_GAP = 8, PANEL_COLS = 5;

// The plot's side and the ten images' side, in CSS pixels. On a wide screen the images sit beside the plane, in
// two rows of five, and the plane is no taller than the window below its top (a projected page shows it whole) unless
// that leaves it less than 60% of the window's height (then one scroll brings it whole into view). On a narrow screen
// the images go below it, and the plane leaves room for them in the window, so that a finger dragging on the plane
// sees them change.
function sides(root) {
  const host = mapHost(root), width = host.clientWidth, wide = width >= 760;
  const scroller = host.closest('[data-testid="stMain"]');
  const top = root.getBoundingClientRect().top + (scroller ? scroller.scrollTop : window.scrollY);
  const panel = wide ? Math.min(560, Math.round(0.42 * width)) : width;
  const tile = Math.floor(Math.min(112, (panel - (PANEL_COLS - 1) * TILE_GAP) / PANEL_COLS));
  const below = 2 * (tile + 52) + 80;  // the two rows of images with their names, the title and the z line
  const room = wide ? Math.min(width - panel - 24, Math.max(window.innerHeight - top - 8, 0.6 * window.innerHeight))
    : Math.min(width, window.innerHeight - below);
  const plot = Math.round(Math.min(820, Math.max(200, room - MARGIN.left - MARGIN.right)));
  return { plot, tile };
}

// Ten decoders, one per class: the first layer's bias is the class's (p(x|z, y) with y one-hot folded into it).
function classDecoders(model) {
  return model.header.class_bias.map((bias) =>
    makeDecoder([{ ...model.layers[0], b: Float32Array.from(bias) }, ...model.layers.slice(1)]));
}

function buildStyle(parent) {
  const root = document.createElement("div");
  root.className = "cs-root";
  root.innerHTML = `
    <div class="cs-map"><canvas class="cs-points"></canvas><div class="cs-marker" hidden></div>
      <div class="cs-overlay" tabindex="0" role="application" aria-roledescription="latent plane" aria-label="Style plane: the arrow keys move the decoded point, by 0.1 (with Shift by 0.5)"></div></div>
    <div class="cs-side">
      <div class="cs-title">p(x | z, y) at the pointer, for each class y</div>
      <div class="cs-tiles"></div>
      <div class="cs-z">Click or drag anywhere on the plane</div>
      <div class="cs-hint">Click a class's name to hide or show its codes.</div>
    </div>`;
  parent.appendChild(root);
  root.vxHidden = new Set();
  return root;
}

// One tile per class: its decoded image and its name (text, never markup), which toggles its codes on the plane.
function buildTiles(root, model, redraw) {
  const tiles = root.querySelector(".cs-tiles");
  tiles.replaceChildren();
  return model.header.classes.map((name, k) => {
    const tile = document.createElement("figure");
    tile.className = "cs-tile";
    tile.dataset.k = String(k);
    const canvas = Object.assign(document.createElement("canvas"), { width: 28, height: 28 });
    const caption = document.createElement("button");
    caption.className = "cs-name";
    caption.style.borderTopColor = model.header.colours[k];  // the class's colour on the plane, as a thick top edge
    caption.textContent = String(name);
    caption.title = `hide or show the codes of class ${name}`;
    caption.onclick = () => {
      root.vxHidden.has(k) ? root.vxHidden.delete(k) : root.vxHidden.add(k);
      caption.classList.toggle("cs-off", root.vxHidden.has(k));
      redraw();
    };
    caption.classList.toggle("cs-off", root.vxHidden.has(k));
    tile.replaceChildren(canvas, caption);
    tiles.appendChild(tile);
    return canvas;
  });
}

function setupStyle(root, model, setStateValue) {
  if (model.header.only !== root.csOnly) {  // the page's class picker: one class's codes alone, or all of them
    root.csOnly = model.header.only;
    root.vxHidden = new Set(root.csOnly == null ? [] : [...Array(10).keys()].filter((k) => k !== root.csOnly));
  }
  let size = sides(root), view = makeView(model.header.view, size.plot);
  const points = root.querySelector(".cs-points"), overlay = root.querySelector(".cs-overlay");
  const marker = root.querySelector(".cs-marker"), label = root.querySelector(".cs-z");
  const redraw = () => drawMap(points, model, view, root.vxHidden, "");
  const canvases = buildTiles(root, model, redraw);
  let pending = null, frame = 0;
  const fit = () => {
    const { left, top, size: plot } = view.plot;
    const [x0, x1, y0, y1] = view.bounds;
    Object.assign(overlay.dataset, { x0, x1, y0, y1, left, top, size: plot });
    Object.assign(overlay.style, { width: `${view.mapSize}px`, height: `${view.mapSize}px` });
    canvases.forEach((c) => {
      Object.assign(c.style, { width: `${size.tile}px`, height: `${size.tile}px` });
      c.parentElement.style.width = `${size.tile}px`;
    });
    redraw();
  };
  const paint = () => {
    frame = 0;
    if (pending) {
      root.vxZ = pending;
      pending = null;
      model.decoders.forEach((decode, k) => paintDigit(canvases[k], decode(root.vxZ[0], root.vxZ[1])));
      label.textContent = `z = (${root.vxZ[0].toFixed(3)}, ${root.vxZ[1].toFixed(3)})`;
      Object.assign(label.dataset, { z1: root.vxZ[0], z2: root.vxZ[1] });
      root.dataset.frames = String(Number(root.dataset.frames || 0) + 1);
    }
    placeAt(marker, root.vxZ && view.toPx(root.vxZ[0], root.vxZ[1]));
  };
  const request = () => { if (!frame) frame = requestAnimationFrame(paint); };
  const unlisten = planeInput(overlay, () => view, {
    at: (z) => { pending = z; request(); },
    commit: (z) => setStateValue("z", z),
    current: () => pending || root.vxZ || [0, 0],
  });
  fit();
  pending = root.vxZ || model.header.start || [0, 0];  // the link's point, else the prior's centre
  paint();
  // The plane takes the space it has (a rotated phone, an opened sidebar); its side never depends on its own height.
  const resized = new ResizeObserver(() => {
    const next = sides(root);
    if (Math.abs(next.plot - size.plot) < 4 && next.tile === size.tile) return;
    size = next;
    view = makeView(model.header.view, size.plot);
    fit();
    pending = root.vxZ;
    request();
  });
  resized.observe(mapHost(root));
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
  const root = parentElement.querySelector(".cs-root") || buildStyle(parentElement);
  return whenPayload(data, root, (model) => {
    model.decoders = classDecoders(model);
    // For tests: the browser's ten decoded images at z, copied out of the decoders' reused buffers.
    root.csDecode = (z1, z2) => model.decoders.map((decode) => Array.from(decode(z1, z2)));
    return setupStyle(root, model, setStateValue);
  });
}
