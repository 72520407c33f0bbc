// A drawing pad: ink with the mouse or a finger; on each stroke's end the ink goes to Python as 56x56 grey
// levels (Python crops, scales and centres it the MNIST way).
const PAD = 224, SENT = 56;

function sendInk(canvas, setStateValue) {
  const small = new OffscreenCanvas(SENT, SENT);
  const ctx = small.getContext("2d");
  ctx.drawImage(canvas, 0, 0, SENT, SENT);
  const rgba = ctx.getImageData(0, 0, SENT, SENT).data;
  const ink = [];
  for (let i = 0; i < SENT * SENT; i++) ink.push(Math.round(100 * rgba[4 * i + 3] / 255) / 100);
  setStateValue("ink", ink);
}

export default function (component) {
  const { parentElement, setStateValue } = component;
  let root = parentElement.querySelector(".vp-root");
  if (!root) {
    root = document.createElement("div");
    root.className = "vp-root";
    root.innerHTML = `<div class="vp-box"><canvas class="vp-pad" width="${PAD}" height="${PAD}" role="img"
        aria-label="Drawing pad: draw with the mouse or a finger; without them, upload a picture below"></canvas>
      <span class="vp-hint">draw here</span></div>
      <button class="vp-clear">Clear</button>`;
    parentElement.appendChild(root);
  }
  const canvas = root.querySelector(".vp-pad");
  const ctx = canvas.getContext("2d");
  let last = null;
  const hint = root.querySelector(".vp-hint");
  const down = (e) => {
    canvas.setPointerCapture(e.pointerId);
    hint.hidden = true;
    last = [e.offsetX, e.offsetY];
    move(e);
  };
  const move = (e) => {
    if (!last) return;
    ctx.strokeStyle = "#fff"; ctx.lineWidth = 16; ctx.lineCap = "round"; ctx.lineJoin = "round";
    ctx.beginPath(); ctx.moveTo(...last); ctx.lineTo(e.offsetX, e.offsetY); ctx.stroke();
    last = [e.offsetX, e.offsetY];
  };
  const up = () => {
    if (!last) return;
    last = null;
    sendInk(canvas, setStateValue);
  };
  canvas.addEventListener("pointerdown", down);
  canvas.addEventListener("pointermove", move);
  canvas.addEventListener("pointerup", up);
  root.querySelector(".vp-clear").onclick = () => {
    ctx.clearRect(0, 0, PAD, PAD);
    hint.hidden = false;
    setStateValue("ink", null);
  };
  return () => {
    canvas.removeEventListener("pointerdown", down);
    canvas.removeEventListener("pointermove", move);
    canvas.removeEventListener("pointerup", up);
  };
}
