// The payload and the decoder, replayed in the browser so that dragging never waits for the server.
// Payload: uint32 header length (little-endian), a JSON header padded to 4 bytes, then float32 arrays:
// each decoder layer's weight (out x in, row-major as in PyTorch) and bias, the means (n x 2), the labels (n).

function parsePayload(data) {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  const copy = bytes.slice();  // an aligned copy: Float32Array views need a 4-byte offset
  const headLength = new DataView(copy.buffer).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(copy.subarray(4, 4 + headLength)));
  let offset = 4 + headLength;
  const take = (count) => {
    const view = new Float32Array(copy.buffer, offset, count);
    offset += 4 * count;
    return view;
  };
  const layers = header.layers.map(([nIn, nOut]) => ({ nIn, nOut, W: take(nIn * nOut), b: take(nOut) }));
  const mu = take(2 * header.n);
  const labels = take(header.n);
  return { header, layers, mu, labels };
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
