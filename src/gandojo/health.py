"""Plain-language health warnings during training, from the records written to ``metrics.jsonl``.

Each warning is given once per run (a repeat would drown the progress output):

>>> monitor = HealthMonitor("gan")
>>> [message[:50] for message in monitor.check({"step": 100, "loss_d": 0.01, "loss_g": 6.0})]
['step 100: the discriminator loss is near 0 (0.010)']
>>> monitor.check({"step": 200, "loss_d": 0.01, "loss_g": 6.0})
[]
"""

from __future__ import annotations

from typing import Any

from gandojo.i18n import N_, _, speaking
from gandojo.objectives import OBJECTIVES

# Each warning, by kind: its text (with the values it names), marked for the catalog
WARNINGS = {
    "d_zero": N_("the discriminator loss is near 0 ({loss:.3f}): D wins outright and G gets little signal; try a "
                 "smaller D learning rate or fewer D steps"),
    "g_explode": N_("the generator loss is exploding ({loss:.1f}); with gan-minimax try the non-saturating loss "
                    "(--objective gan), else lower optim.lr"),
    "clip": N_("{share:.0f}% of the critic's weights sit at the clip bound: the critic is badly constrained; try a "
               "larger objective.clip or wgan-gp"),
    "modes": N_("mode coverage fell from {best} to {now} of {total}: the generator is collapsing"),
}


def warning_text(record: dict[str, Any]) -> str:
    """One warning record (``{"kind", "step", "values"}``, as ``summary.json`` keeps them under
    ``warning_records``) in the reader's language: ``step 100: the discriminator loss is near 0 (0.010)...``."""
    return _("step {step}: {warning}").format(step=record["step"],
                                              warning=_(WARNINGS[record["kind"]]).format(**record["values"]))


class HealthMonitor:
    """Watches logged records for the classic failure patterns of GAN training.

    ``messages`` are the warnings given, in English (``summary.json``'s ``warnings``); ``records`` the same as
    data (kind, step, values), from which :func:`warning_text` says them in any language."""

    def __init__(self, objective: str):
        self.objective = objective
        # a critic's values are not losses that D wins by driving to 0: those thresholds do not apply to them
        self.critic_values = OBJECTIVES[objective].critic_values
        self.best_modes = 0
        self.given: set[str] = set()
        self.messages: list[str] = []
        self.records: list[dict[str, Any]] = []

    def state_dict(self) -> dict[str, Any]:
        """What a resumed run needs to warn as the uninterrupted run would (each warning once)."""
        return {"best_modes": self.best_modes, "given": sorted(self.given), "messages": list(self.messages),
                "records": [dict(r) for r in self.records]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best_modes, self.given, self.messages = state["best_modes"], set(state["given"]), list(state["messages"])
        self.records = [dict(r) for r in state.get("records", [])]  # absent in checkpoints of earlier versions

    def _say(self, kind: str, step: int, out: list[str], **values: Any) -> None:
        """Give warning ``kind`` once: English in the run's records (summary.json, checkpoints), in the reader's
        language on the screen."""
        if kind not in self.given:
            self.given.add(kind)
            record = {"kind": kind, "step": step, "values": values}
            self.records.append(record)
            with speaking("en"):
                self.messages.append(warning_text(record))
            out.append(warning_text(record))

    def check(self, record: dict[str, Any]) -> list[str]:
        """New warnings for this record (a ``metrics.jsonl`` line), in the reader's language."""
        out: list[str] = []
        step = record.get("step", 0)
        loss_d, loss_g = record.get("loss_d"), record.get("loss_g")
        if not self.critic_values and loss_d is not None and loss_d < 0.05:
            self._say("d_zero", step, out, loss=loss_d)
        if not self.critic_values and loss_g is not None and loss_g > 10:
            self._say("g_explode", step, out, loss=loss_g)
        if record.get("clip_fraction") is not None and record["clip_fraction"] > 0.9:
            self._say("clip", step, out, share=100 * record["clip_fraction"])
        modes = record.get("modes_covered")
        if modes is not None:
            if self.best_modes >= 2 and modes <= self.best_modes // 2:
                self._say("modes", step, out, best=self.best_modes, now=modes, total=record.get("modes_total"))
            self.best_modes = max(self.best_modes, modes)
        return out
