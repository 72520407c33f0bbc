// A grey image drawn on a canvas, pixel for pixel (no smoothing): a light stand-in for a plotly heatmap.
export default function (component) {
  const { data, parentElement } = component;
  let canvas = parentElement.querySelector("canvas");
  if (!canvas) {
    canvas = document.createElement("canvas");
    parentElement.appendChild(canvas);
  }
  const { w, h, width, pixels } = data;
  canvas.width = w;
  canvas.height = h;
  Object.assign(canvas.style, { width: `${width}px`, maxWidth: "100%", height: "auto", imageRendering: "pixelated",
                                display: "block", borderRadius: "4px" });
  const image = new ImageData(w, h);
  pixels.flat().forEach((v, i) => {
    image.data.fill(Math.round(255 * v), 4 * i, 4 * i + 3);
    image.data[4 * i + 3] = 255;
  });
  canvas.getContext("2d").putImageData(image, 0, 0);
}
