// The component's elements: the map's layers, the legend, the decoded digit and the path between two points.
function build(parent) {
  const root = document.createElement("div");
  root.className = "vx-root";
  root.innerHTML = `
    <div class="vx-map"><canvas class="vx-points" role="img" aria-label="Map of the encoded test set: one dot per test image, coloured by its class, each class named at the middle of its codes"></canvas><div class="vx-ring" hidden></div><div class="vx-marker" hidden></div><svg class="vx-line"><line/><circle r="4" data-end="a"/><circle r="4" data-end="b"/>
      <text data-end="a">A</text><text data-end="b">B</text></svg><div class="vx-overlay" tabindex="0" role="application" aria-roledescription="latent plane" aria-label="Latent plane: the arrow keys move the decoded point, by 0.1 (with Shift by 0.5)"></div>
      <div class="vx-tip" hidden><canvas class="vx-tip-real" width="56" height="56" role="img" aria-label="the test image"></canvas><canvas width="56" height="56" role="img" aria-label="what its mean decodes to"></canvas><span></span></div></div>
    <div class="vx-side">
      <div class="vx-hint">Digits shown (click to hide, double-click for one alone)</div>
      <div class="vx-legend" role="group" aria-label="digits shown"></div>
      <label class="vx-check">Under the points <select class="vx-grid" aria-label="decoded grid">
        <option value="">nothing</option><option value="uniform">decoded grid, even steps in z</option>
        <option value="prior">decoded grid, equal prior mass per cell</option></select></label>
      <div class="vx-title">The decoder's image at the pointer</div>
      <canvas class="vx-decoded" width="252" height="252" role="img" aria-label="the decoder's image at the chosen point"></canvas>
      <div class="vx-z" aria-live="polite">Click or drag anywhere on the map</div>
      <div class="vx-title">A straight line in z, decoded</div>
      <div class="vx-pins"><button class="vx-pin" data-end="a">Set A here</button>
        <button class="vx-pin" data-end="b">Set B here</button></div>
      <canvas class="vx-strip" width="280" height="40" hidden role="img" aria-label="the decoded images along the line from A to B"></canvas>
    </div>`;
  parent.appendChild(root);
  root.vxHidden = new Set();
  root.vxPath = { a: null, b: null };
  return root;
}

// The name of class k (a digit for MNIST, "Ankle boot" for Fashion-MNIST), as text, never as markup.
function className(header, k) {
  return header.classes ? String(header.classes[k]) : String(k);
}

function buildLegend(root, model, redraw) {
  const legend = root.querySelector(".vx-legend"), things = (model.header.item || "digit") === "digit" ? "Digits" : "Items";
  root.querySelector(".vx-hint").textContent = `${things} shown (click to hide, double-click or Shift+Enter for one alone)`;
  legend.setAttribute("aria-label", `${things.toLowerCase()} shown`);
  legend.replaceChildren();
  for (let digit = 0; digit < 10; digit++) {
    const button = document.createElement("button");
    button.className = "vx-key";
    button.dataset.digit = String(digit);
    const dot = document.createElement("i");
    dot.style.background = model.header.colours[digit];
    button.replaceChildren(dot, className(model.header, digit));
    button.classList.toggle("vx-off", root.vxHidden.has(digit));
    button.setAttribute("aria-pressed", String(!root.vxHidden.has(digit)));  // a screen reader says shown or not
    button.title = `click: hide or show · double-click or Shift+Enter: only this ${model.header.item || "digit"}`;
    const alone = () => {
      root.vxHidden = new Set([...Array(10).keys()].filter((d) => d !== digit));
      redraw();
    };
    button.onclick = () => {
      root.vxHidden.has(digit) ? root.vxHidden.delete(digit) : root.vxHidden.add(digit);
      redraw();
    };
    button.ondblclick = alone;
    button.onkeydown = (event) => {  // the keyboard's double-click; Enter alone clicks, as on any button
      if (event.key === "Enter" && event.shiftKey) {
        event.preventDefault();
        alone();
      }
    };
    legend.appendChild(button);
  }
}

