// The plane's input, the same wherever it is shown: press or drag anywhere and the point follows the pointer; once
// the plane has the focus, the arrow keys move it (Shift: five times as far), clamped to the view. `at(z)` asks for z
// to be decoded in the next animation frame; `commit(z)` gives it to Python when the button or the key is released;
// `current()` is the point shown; `hover(e)` and `leave()`, if given, see the pointer move without a button and go.
// `getView()` because a resized plane gets a new view. Returns what removes every listener again.
const PLANE_STEPS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };

function planeInput(overlay, getView, { at, commit, current, hover, leave }) {
  let dragging = false;
  const pointerZ = (e) => { const view = getView(); return view.toZ(...view.clamp(e.offsetX, e.offsetY)); };
  const handlers = {
    pointerdown: (e) => {
      if (!getView().inside(e.offsetX, e.offsetY)) return;
      dragging = true;
      try { overlay.setPointerCapture(e.pointerId); } catch { /* a synthetic pointer has nothing to capture */ }
      at(pointerZ(e));
    },
    pointermove: (e) => { if (dragging) at(pointerZ(e)); else if (hover) hover(e); },
    pointerup: (e) => {
      if (!dragging) return;
      dragging = false;
      const z = pointerZ(e);
      at(z);
      commit(z);
    },
    keydown: (e) => {
      const d = PLANE_STEPS[e.key];
      if (!d) return;
      e.preventDefault();
      const [x0, x1, y0, y1] = getView().bounds, step = e.shiftKey ? 0.5 : 0.1, [z1, z2] = current();
      at([Math.min(Math.max(z1 + d[0] * step, x0), x1), Math.min(Math.max(z2 + d[1] * step, y0), y1)]);
    },
    keyup: (e) => { if (PLANE_STEPS[e.key]) commit(current()); },
  };
  if (leave) handlers.pointerleave = leave;
  for (const [type, handler] of Object.entries(handlers)) overlay.addEventListener(type, handler);
  return () => { for (const [type, handler] of Object.entries(handlers)) overlay.removeEventListener(type, handler); };
}
