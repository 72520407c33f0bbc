// The canvas chart component's entry: chart_draw.js and chart_frame.js, loaded before it in the same module, say
// what it draws and from what data.
export default function (component) {
  const { data, parentElement } = component;
  if (!data) return;
  mountChart(parentElement, data);
}
