// Behind deploy/'s nginx: when the browser's websocket comes back after a break, ask for a run of the page.
// Streamlit's frontend expects to find its session again and asks for one only if a run was under way; but if the
// replica stopped, the live one that took the websocket has a fresh session with no page drawn and no fragments,
// and it drops a fragment's run (a click on the explorer's map). This run draws the page there, tells the student
// why it started afresh (ui/replica.py), and registers the page's fragments for the next click.
// The connection's state is the attribute Streamlit's own end-to-end tests wait on.
export default function ({ setTriggerValue }) {
  const app = document.querySelector("[data-testid='stApp']");
  if (!app) return undefined;
  let lost = false;
  const observer = new MutationObserver(() => {
    const state = app.getAttribute("data-test-connection-state");
    if (state !== "CONNECTED") lost = true;
    else if (lost) {
      lost = false;
      setTriggerValue("reconnected", Date.now());
    }
  });
  observer.observe(app, { attributes: true, attributeFilter: ["data-test-connection-state"] });
  return () => observer.disconnect();
}
