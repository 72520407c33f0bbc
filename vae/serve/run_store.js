// The browser's own copy of its training runs, in IndexedDB: where each run stands (weights, Adam's moments, the
// trainer's state), and its history (per-step metrics, latent maps, per-epoch test values). The training worker
// writes it as it trains; after a reload or a crash the page reads it to offer the run again, whole.
//
// A run is held by a Web Lock named after it while a worker trains it: a run whose lock nobody holds was
// interrupted (or has ended), one that is held is training in another tab of this browser.

const DB = "vae-dashboard-training", VERSION = 1, KEEP = 3;  // runs kept: the newest few

export const lock_name = (id) => `vae-training-run:${id}`;

function request(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

let opened = null;
function open() {
  opened ??= new Promise((resolve, reject) => {
    const r = indexedDB.open(DB, VERSION);
    r.onupgradeneeded = () => {
      r.result.createObjectStore("runs", { keyPath: "id" });
      r.result.createObjectStore("steps", { keyPath: ["id", "chunk"] });
      r.result.createObjectStore("frames", { keyPath: ["id", "index"] });
    };
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  return opened;
}

async function transaction(stores, mode, work) {
  const db = await open(), tx = db.transaction(stores, mode);
  const result = work(...stores.map((s) => tx.objectStore(s)));
  await new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
  return result;
}

// record: {id, spec, label, status, updated, step, total_steps, epoch, weights, optimizer, state, epochs, seq}
export function save_run(record) {
  return transaction(["runs"], "readwrite", (runs) => runs.put(record));
}

export function add_steps(id, chunk, columns) {
  return transaction(["steps"], "readwrite", (steps) => steps.put({ id, chunk, columns }));
}

export function add_frame(id, index, frame) {
  return transaction(["frames"], "readwrite", (frames) => frames.put({ id, index, ...frame }));
}

const of_run = (id) => IDBKeyRange.bound([id, -Infinity], [id, Infinity]);

// {record, steps: [columns of each chunk, in order], frames: [in order]}, or null
export async function load_run(id) {
  const db = await open(), tx = db.transaction(["runs", "steps", "frames"]);
  const [record, steps, frames] = await Promise.all([
    request(tx.objectStore("runs").get(id)), request(tx.objectStore("steps").getAll(of_run(id))),
    request(tx.objectStore("frames").getAll(of_run(id)))]);
  return record ? { record, steps: steps.map((s) => s.columns), frames } : null;
}

// A kept run's history cut back to the step its state was kept at (it had gone on a little before the page closed)
export async function truncate(id) {
  const kept = await load_run(id);
  if (!kept) return;
  const upto = kept.record.state.step;
  await transaction(["steps", "frames"], "readwrite", (steps, frames) => {
    steps.delete(of_run(id));
    frames.delete(of_run(id));
    let chunk = 0;
    for (const rows of kept.steps) {
      const n = rows.step.findIndex((step) => step > upto);
      const cut = n < 0 ? rows : Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, v.slice(0, n)]));
      if (cut.step.length) steps.put({ id, chunk: chunk++, columns: cut });
    }
    kept.frames.filter((f) => f.step <= upto).forEach((f, index) => frames.put({ ...f, index }));
  });
}

// The newest run no tab is training (no one holds its lock), without its arrays: what the page offers to reopen
export async function newest_idle() {
  const db = await open();
  const runs = await request(db.transaction(["runs"]).objectStore("runs").getAll());
  const held = new Set(((await navigator.locks.query()).held || []).map((l) => l.name));
  const idle = runs.filter((r) => !held.has(lock_name(r.id))).sort((a, b) => b.updated - a.updated);
  if (!idle.length) return null;
  const { weights, optimizer, ...summary } = idle[0];
  return summary;
}

export async function remove(id) {
  await transaction(["runs", "steps", "frames"], "readwrite", (runs, steps, frames) => {
    runs.delete(id);
    steps.delete(of_run(id));
    frames.delete(of_run(id));
  });
}

// Keeps the newest KEEP runs (a browser's storage is the student's, not ours to fill)
export async function prune() {
  const db = await open();
  const runs = await request(db.transaction(["runs"]).objectStore("runs").getAll());
  const old = runs.sort((a, b) => b.updated - a.updated).slice(KEEP);
  for (const r of old) await remove(r.id);
}
