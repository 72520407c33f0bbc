// The payload and the decoder, replayed in the browser so that dragging never waits for the server.
// Payload (vae/serve/payload.py): uint32 header length (little-endian), a JSON header padded to 4 bytes, then
// float32 arrays: each decoder layer's weight (out x in, row-major as in PyTorch) and bias, the means (n x 2), the
// labels (n). A shipped model's arrays are the same for everyone: the header names them in "body", a file named by
// its content, fetched once per page and kept, instead of carrying them itself.

function payloadHeader(bytes) {
  const headLength = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  return [JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headLength))), 4 + headLength];
}

function payloadModel(header, buffer, offset) {  // buffer: an ArrayBuffer whose float32 arrays start at offset
  const take = (count) => {
    const view = new Float32Array(buffer, offset, count);
    offset += 4 * count;
    return view;
  };
  const layers = header.layers.map(([nIn, nOut]) => ({ nIn, nOut, W: take(nIn * nOut), b: take(nOut) }));
  const mu = take(2 * header.n);
  const labels = take(header.n);
  return { header, layers, mu, labels };
}

// A published body's bytes, fetched at most once per page for all the components that name it.
function fetchBody(url) {
  const bodies = (globalThis.vaePayloadBodies ||= new Map());
  if (!bodies.has(url)) {
    const load = fetch(new URL(url, window.location.href).href).then((r) => {
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      return r.arrayBuffer();
    });
    load.catch(() => bodies.delete(url));  // a failed fetch is tried again on the next run
    bodies.set(url, load);
  }
  return bodies.get(url);
}

// The model a payload describes, as a promise: its arrays fetched first if the header names a body.
async function readPayload(data) {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  const [header, offset] = payloadHeader(bytes);
  if (header.body) {
    const body = await fetchBody(header.body);
    if (body.byteLength !== header.body_bytes) throw new Error(`${body.byteLength} bytes, not ${header.body_bytes}`);
    return payloadModel(header, body, 0);
  }
  return payloadModel(header, bytes.slice(offset).buffer, 0);  // an aligned copy: Float32Array needs offsets of 4
}

// Linear, Tanh, ..., Linear, sigmoid: the mean image of vae.model.VAE.decode_images, in float64.
function makeDecoder(layers) {
  const buffers = layers.map((l) => new Float64Array(l.nOut));
  const input = new Float64Array(2);
  return function decode(z1, z2) {
    input[0] = z1;
    input[1] = z2;
    let x = input;
    layers.forEach(({ nIn, nOut, W, b }, k) => {
      const y = buffers[k];
      const last = k === layers.length - 1;
      for (let o = 0; o < nOut; o++) {
        let s = b[o];
        const row = o * nIn;
        for (let i = 0; i < nIn; i++) s += W[row + i] * x[i];
        y[o] = last ? 1 / (1 + Math.exp(-s)) : Math.tanh(s);
      }
      x = y;
    });
    return x;  // reused between calls: copy it to keep it
  };
}

// Grey pixels in [0, 1] -> a canvas, white ink on black as MNIST stores digits. The 28x28 buffers are kept
// on the canvas: a drag repaints every frame.
function paintDigit(canvas, pixels) {
  if (!canvas.vxSmall) {
    canvas.vxSmall = new OffscreenCanvas(28, 28);
    canvas.vxImage = new ImageData(28, 28);
    canvas.vxWords = new Uint32Array(canvas.vxImage.data.buffer);
  }
  for (let i = 0; i < 784; i++) {
    const v = Math.round(255 * pixels[i]);
    canvas.vxWords[i] = 0xff000000 | (v << 16) | (v << 8) | v;  // ABGR in little-endian memory
  }
  canvas.vxSmall.getContext("2d").putImageData(canvas.vxImage, 0, 0);
  const out = canvas.getContext("2d");
  out.imageSmoothingEnabled = false;
  out.drawImage(canvas.vxSmall, 0, 0, canvas.width, canvas.height);
}

// Mount a component once its payload's arrays are at hand: mount(model) sets it up and returns its clean-up. Until
// then the component shows its empty frame; a body that cannot be fetched is said in `root`, with a button that
// fetches it again (a rerun with the same data does not run this again). Only the newest data of a root mounts:
// fetches finish in any order, and a student who changes the slice twice quickly must not end on the first change's.
function whenPayload(data, root, mount) {
  let cleanup = null, gone = false;
  const ticket = (root.vaeTicket = (root.vaeTicket || 0) + 1);
  const stale = () => gone || root.vaeTicket !== ticket;
  const attempt = () => readPayload(data).then((model) => {
    if (stale()) return;
    root.querySelector(".vae-payload-failed")?.remove();
    if (root.vaeMounted) root.vaeMounted();  // the older data's set-up, if no one has cleaned it up
    let done = false;
    const own = mount(model);
    cleanup = root.vaeMounted = () => { if (!done && own) own(); done = true; };
  }).catch((err) => {
    if (stale()) return;
    root.querySelector(".vae-payload-failed")?.remove();
    const note = document.createElement("p");
    note.className = "vae-payload-failed";
    note.setAttribute("role", "alert");
    note.textContent = `The map's data could not be loaded (${err.message}). `;
    const again = document.createElement("button");
    again.type = "button";
    again.textContent = "Try again";
    again.onclick = attempt;
    note.append(again);
    root.prepend(note);
  });
  attempt();
  return () => {
    gone = true;
    if (cleanup) cleanup();
  };
}
