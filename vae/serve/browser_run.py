"""A run that trains in a student's browser, as the server knows it: its settings, the weights and per-epoch test
values the browser last reported (vae/serve/browser_report.py reads them), and how it stands. It answers what the
app asks of a server run (vae/serve/worker.py's TrainingWorker): its model, settings, whether it runs, its weights
and history, so that every page shows it as "my training run (live)" the same way."""
import threading
import uuid

from vae.config import TrainConfig
from vae.model import VAE
from vae.serve.browser_report import Report, Spec


class BrowserRun:
    where = "browser"

    def __init__(self, spec: Spec, model: VAE | None = None, run_id: str | None = None, label: str = ""):
        """A run starting from `model`'s weights; without a model (a run this browser kept, reopened), the weights
        come with the browser's first report."""
        self.run_id = run_id or uuid.uuid4().hex
        self.spec, self.label = spec, label
        self.model = VAE(spec.config).eval()
        if model is not None:
            self.model.load_state_dict(model.state_dict())
        for p in self.model.parameters():
            p.requires_grad_(False)
        self.has_weights = model is not None
        self.reported = False  # weights came back from the browser at least once
        self.status, self.step, self.epoch, self.total_steps, self.seq = "running", 0, 0.0, 0, -1
        self.epochs: tuple = ()
        self._lock = threading.Lock()  # a page's script run and the relay's may read while a report is applied

    @property
    def cfg(self) -> TrainConfig:
        return self.spec.train_config

    @property
    def running(self) -> bool:
        return self.status == "running"

    def known(self) -> dict:
        """What read_report needs to check an update against this run."""
        return {"run_id": self.run_id, "spec": self.spec}

    def apply(self, report: Report) -> bool:
        """Take a report the browser sent about this run; False if it is older than one already taken."""
        with self._lock:
            if report.seq <= self.seq:
                return False
            if report.weights is not None:
                self.model.load_state_dict(report.weights)
                self.has_weights = self.reported = True
            self.seq, self.status, self.step, self.epoch = report.seq, report.status, report.step, report.epoch
            self.total_steps, self.epochs = report.total_steps, report.history
            return True

    def weights(self) -> dict:
        with self._lock:
            return {k: v.clone() for k, v in self.model.state_dict().items()}

    def last_step(self) -> int:
        return self.step

    def history(self) -> list[dict]:
        """A row per finished epoch, as a checkpoint stores them."""
        return [{k: row[k] for k in ("epoch", "elapsed", "test_loss", "test_recon", "test_kl")} for row in self.epochs]
