// On every page of the app, at no height (ui/browser_training.py): sends the server what this tab's browser training
// has to report (train_controller.js), one report at a time. The server's answer is this component's next data: the
// run it knows and the last report it took (`acked`).
export default function ({ data, setTriggerValue }) {
  if (!data) return undefined;
  let gone = false, unsubscribe = null;
  import(new URL(data.controller, document.baseURI).href).then((controller) => {
    if (gone) return;
    const send = () => {
      const report = controller.next_report(data.run, data.acked);
      if (report) setTriggerValue("report", report);
    };
    unsubscribe = controller.subscribe(send);
    send();
  });
  return () => {
    gone = true;
    if (unsubscribe) unsubscribe();
  };
}
