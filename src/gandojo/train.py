"""The alternating loop: k discriminator/critic steps, then one generator step. Nothing else.

The :class:`Trainer` owns the two players, their optimizers and every random generator it draws from, so its
``state_dict`` is enough to resume bit for bit. It sequences the phases of the game — :meth:`Trainer.critic_step`,
:meth:`Trainer.generator_step`, and :meth:`Trainer.step` built from them — and knows no objective by name: the
objective (:mod:`gandojo.objectives`) says what each phase computes. Logging, evaluation, snapshots and
checkpoints are hooks (:mod:`gandojo.runs.hooks`).

>>> from gandojo.config import Config, TrainConfig, resolve
>>> from gandojo.data import load_data
>>> config = resolve(Config(train=TrainConfig(steps=3, batch_size=32)))
>>> trainer = Trainer(config, load_data(config.data))
>>> stats = trainer.step()
>>> stats['loss_d'] > 0, trainer.g_step
(True, 1)
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from gandojo.config import Config
from gandojo.data.base import Dataset
from gandojo.data.batches import BatchStream
from gandojo.distributed import SINGLE, World, agree, local_batch, process_device, shard, wrap
from gandojo.errors import NON_FINITE, NonFiniteError
from gandojo.models import build_models, generate, pack_samples, sample_noise, standing_batchnorm_statistics
from gandojo.models.augment import augment, parse_policy
from gandojo.objectives import OBJECTIVES, CriticBatch
from gandojo.seeds import stream_seeds

Hook = Callable[["Trainer", dict[str, float]], None]


@dataclass
class CriticStep:
    """One critic update's statistics (detached scalar tensors), the real batch it scored, the fake batch and its
    noise. ``fake`` keeps G's graph when the step was asked to (:meth:`Trainer.critic_step`)."""

    stats: dict[str, Tensor]
    real: Tensor
    fake: Tensor
    z: Tensor


def build_optimizer(params, name: str, lr: float, betas: tuple[float, float], momentum: float):
    """The optimizer named in the config (``adam``, ``rmsprop`` or ``sgd``).

    Adam and SGD use PyTorch's fused kernels where the build has them (one kernel for all parameters: on a
    CPU DCGAN, Adam's update takes a quarter of the time of the default multi-tensor one); RMSprop has none.
    """
    params = list(params)
    if name == "adam":
        return _fused_if_possible(torch.optim.Adam, params, lr=lr, betas=betas)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, momentum=momentum)
    if name == "sgd":
        return _fused_if_possible(torch.optim.SGD, params, lr=lr, momentum=momentum)
    raise ValueError(f"optimizer {name!r} is unknown; expected adam, rmsprop or sgd")


def _fused_if_possible(optimizer: type[torch.optim.Optimizer], params: list, **settings) -> torch.optim.Optimizer:
    try:
        return optimizer(params, fused=True, **settings)
    except (RuntimeError, ValueError):  # a device or build without the fused kernel (e.g. PyTorch < 2.4 on CPU)
        return optimizer(params, **settings)


class Trainer:
    """Both players, their optimizers, the objective and the random streams of one run.

    Parameters
    ----------
    config : Config
        A resolved config (:func:`gandojo.config.resolve`).
    data : Dataset
        The loaded data set (:func:`gandojo.data.load_data`).
    share_fake_batch : bool
        One G forward per step: the last critic step's fake batch, generated with G's graph kept, is also the
        generator step's batch (default). False generates that batch again from the same noise for the
        generator step (the plain formulation: the same numbers, one G forward more).
    world : World, optional
        This process's place in a data-parallel job (:mod:`gandojo.distributed`; the process group must be
        started). ``train.batch_size`` is the global batch: each process trains on its ``1 / world_size``
        slice of every batch, noise and ε draw included, with G and D in DistributedDataParallel.
    """

    def __init__(self, config: Config, data: Dataset, *, world: World = SINGLE, share_fake_batch: bool = True):
        if config.train.steps is None:
            raise ValueError("train.steps is None: the best recipe for points chooses its steps from the data when "
                             "a run is prepared (gandojo.runs.runner.prepare); give train.steps to build a Trainer "
                             "directly")
        self.config = config
        # False: the plain formulation, kept to measure what sharing saves and to check that it changes nothing
        self.share_fake_batch = share_fake_batch
        self.world = world
        self.objective = OBJECTIVES[config.objective.name]
        self.data = data
        self.seeds = seeds = stream_seeds(config.train.seed)  # separate streams: see gandojo.seeds
        self.device = process_device(world, config.train.device)
        self.local_batch = local_batch(config.train.batch_size, world, config.objective.pack)
        torch.manual_seed(seeds["init"])
        self.pack = config.objective.pack
        self.generator, self.discriminator = build_models(config.model, tuple(self.data.shape), pack=self.pack,
                                                          standardize=self._data_scale())
        self.channels_last = config.train.channels_last is True
        for module in (self.generator, self.discriminator):
            module.to(self.device)
            if self.channels_last:  # only 4-D weights change layout; the values stay the same
                module.to(memory_format=torch.channels_last)
        # G's exponential moving average (off at 0): what samples, evaluations and exports use when on
        self.ema_generator = copy.deepcopy(self.generator) if config.train.ema > 0 else None
        self._standing_for: tuple[nn.Module, int] | None = None  # (average, step) whose batch-norm stats are measured
        # What the training passes call: the DDP wrappers under torchrun, the modules themselves otherwise.
        # Sampling, the generator step's judging, EMA and checkpoints use the bare modules.
        sync_bn = config.train.sync_batchnorm
        self.generator_ddp = wrap(self.generator, world, self.device, sync_batchnorm=sync_bn)
        self.discriminator_ddp = wrap(self.discriminator, world, self.device, sync_batchnorm=sync_bn)
        if config.train.compile:
            self.generator_ddp = torch.compile(self.generator_ddp)
            # torch.compile has no double backward: a critic whose loss holds ∇ₓD (WGAN-GP, R1, R2) runs eagerly
            if not self.objective.double_backward(config.objective):
                self.discriminator_ddp = torch.compile(self.discriminator_ddp)
        opt = config.optim
        self.opt_g = build_optimizer(self.generator.parameters(), opt.name, opt.lr, opt.betas, opt.momentum)
        self.opt_d = build_optimizer(self.discriminator.parameters(), opt.name, opt.lr_d or opt.lr, opt.betas,
                                     opt.momentum)
        self.noise_rng = torch.Generator().manual_seed(seeds["noise"])
        self.eps_rng = torch.Generator().manual_seed(seeds["eps"])
        self.augment_policy = parse_policy(config.objective.augment)
        self.augment_rng = torch.Generator().manual_seed(seeds["augment"])
        self.batches = BatchStream(self.data, self.local_batch, seed=seeds["data"],
                                   rank=world.rank, world_size=world.world_size)
        n_fixed = 512 if self.data.kind == "points" else 64  # a scatter needs more points than a grid
        self.fixed_noise = self.noise(n_fixed, torch.Generator().manual_seed(seeds["fixed"]))
        self.g_step = 0  # generator steps done
        self.d_step = 0  # discriminator/critic steps done
        self.last_stats: dict[str, float] = {}  # the previous step's stats, reported if a fault occurs

    def _data_scale(self) -> tuple[Tensor, Tensor] | None:
        """Mean and std per dimension of point data, when ``model.standardize`` is on (from all of a finite
        data set, or 65,536 draws of a fixed stream from a distribution)."""
        if not self.config.model.standardize or self.data.kind != "points":
            return None
        x = self.data.values if self.data.values is not None else self.data.sample(
            65536, torch.Generator().manual_seed(0))
        return x.mean(dim=0), x.std(dim=0).clamp_min(1e-8)

    # --- sampling ------------------------------------------------------------------------------------

    def noise(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """Latent noise (n, latent_dim) on the trainer's device."""
        m = self.config.model
        return sample_noise(n, m.latent_dim, m.noise, generator or self.noise_rng).to(self.device)

    def _forward_precision(self):
        """The context of every training forward pass: bfloat16 autocast with ``train.precision="bf16"``."""
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.config.train.precision == "bf16")

    def _training_noise(self) -> Tensor:
        """This process's slice (local_batch, latent_dim) of the global batch's noise, drawn whole from the
        shared stream so that every world size sees the same noise."""
        return shard(self.noise(self.config.train.batch_size), self.world)

    @property
    def sampler(self) -> nn.Module:
        """The generator that makes samples to look at and score: the moving average of G's weights when
        ``train.ema`` is on, else G itself.

        The average's batch-norm statistics are its own: measured from 2,048 of its samples the first time it
        is asked for at each step (:func:`~gandojo.models.standing_batchnorm_statistics`, on noise of the run's
        ``batchnorm`` stream, the same every time), not G's, which belong to other weights. Training never
        reads them, so a run trains the same either way."""
        if self.ema_generator is None:
            return self.generator
        if self._standing_for is None or self._standing_for[0] is not self.ema_generator \
                or self._standing_for[1] != self.g_step:
            m = self.config.model
            standing_batchnorm_statistics(self.ema_generator, m.latent_dim, m.noise,
                                          torch.Generator().manual_seed(self.seeds["batchnorm"]), device=self.device)
            self._standing_for = (self.ema_generator, self.g_step)
        return self.ema_generator

    def generate(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """``n`` samples of :attr:`sampler` on the CPU (eval mode), drawn without touching the training stream.

        Without ``generator`` the noise comes from the run's evaluation stream, restarted at every call,
        so every evaluation of the same generator scores the same samples."""
        m = self.config.model
        rng = generator or torch.Generator().manual_seed(self.seeds["eval_noise"])
        return generate(self.sampler, n, m.latent_dim, m.noise, rng, device=self.device)

    def judge(self, x: Tensor) -> Tensor:
        """D's raw scores of samples ``x`` (B, ...): one score per group of ``objective.pack`` samples."""
        return self.discriminator(pack_samples(x, self.pack))

    # --- the phases of the game ---------------------------------------------------------------------

    def _augment(self, x: Tensor) -> Tensor:
        """A batch on its way into D in training, through ``objective.augment``'s random transforms (DiffAugment;
        real and generated alike, G's graph kept; under torchrun this process's rows of the global batch's draws); as it
        is without one."""
        return augment(x, self.augment_policy, self.augment_rng, (self.world.rank, self.world.world_size))

    def _uniform(self, n: int) -> Tensor:
        """n draws of U[0, 1] (this process's share of the global batch's draws) from the ε stream."""
        return shard(torch.rand(n * self.world.world_size, generator=self.eps_rng), self.world).to(self.device)

    def critic_step(self, *, keep_graph: bool = False) -> CriticStep:
        """One discriminator/critic update on a fresh real batch and a fake batch from fresh noise; changes D's
        parameters and optimizer state only (G generates without a graph, and its weights do not move).

        With ``keep_graph`` the fake batch keeps G's graph, so that :meth:`generator_step` can reuse it (one G
        forward serves both players, as in pytorch/examples); D itself only ever sees it detached.
        """
        obj, cfg = self.objective, self.config.objective
        real = self.batches.next().to(self.device)
        if self.channels_last and real.dim() == 4:
            real = real.contiguous(memory_format=torch.channels_last)
        z = self._training_noise()
        real_grad, fake_grad = obj.input_grads(cfg)
        with self._forward_precision():
            if keep_graph:
                fake = self.generator_ddp(z)
            else:
                with torch.no_grad():  # no graph through G: the critic step never needs G's gradients
                    fake = self.generator(z)
            real_in = pack_samples(self._augment(real), self.pack).requires_grad_(real_grad)
            fake_in = pack_samples(self._augment(fake.detach().float()), self.pack).requires_grad_(fake_grad)
            # scores in float32 whatever the forward precision: the losses and logged values stay exact
            d_real, d_fake = self.discriminator_ddp(real_in).float(), self.discriminator_ddp(fake_in).float()
            loss, stats = obj.critic_loss(CriticBatch(self.discriminator_ddp, real_in, fake_in, d_real, d_fake,
                                                      self._uniform), cfg)
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        self._guard(loss, self.discriminator, "discriminator/critic")
        self.opt_d.step()
        with torch.no_grad():
            obj.after_critic_step(self.discriminator, cfg)
        self.d_step += 1
        stats["loss_d"] = loss.detach()
        return CriticStep(stats, real, fake, z)

    def generator_step(self, fake: Tensor | None = None) -> Tensor:
        """One generator update; changes G's parameters, its optimizer state and its moving average only.

        ``fake`` is a batch that kept G's graph (:meth:`critic_step` with ``keep_graph``); without it G generates
        a batch from fresh noise. D judges with its parameters frozen, so G's backward pass leaves no gradient
        in them; under DDP it calls D's bare module, so the generator step never syncs D. Returns G's loss.
        """
        self.discriminator.requires_grad_(False)
        try:
            with self._forward_precision():
                if fake is None:
                    fake = self.generator_ddp(self._training_noise())
                loss = self.objective.g_loss(self.judge(self._augment(fake)).float())
            self.opt_g.zero_grad(set_to_none=True)
            loss.backward()
            self._guard(loss, self.generator, "generator")
            self.opt_g.step()
        finally:
            self.discriminator.requires_grad_(True)
        self.g_step += 1
        self._update_ema()
        self._set_learning_rates()
        return loss.detach()

    def _update_ema(self) -> None:
        """Move the average's weights toward G's. The decay ramps up, (1 + t) / (10 + t), to ``train.ema``, so the
        average does not drag the random initialisation along for thousands of steps. Its buffers stay: the MLP's
        standardisation is fixed when the models are built, and :attr:`sampler` measures batch-norm statistics."""
        if self.ema_generator is None:
            return
        decay = min(self.config.train.ema, (1 + self.g_step) / (10 + self.g_step))
        with torch.no_grad():  # one multi-tensor kernel per list rather than a Python loop over the tensors
            torch._foreach_lerp_(list(self.ema_generator.parameters()), list(self.generator.parameters()), 1 - decay)

    def _set_learning_rates(self) -> None:
        """``optim.lr_decay="linear"``: both rates stay whole for the first ``optim.lr_decay_start`` share of
        ``train.steps`` (s), then fall linearly to 0 at ``train.steps`` (T): factor min(1, (T - t) / (T - s·T)) at
        step t. A function of the step, so a resumed run continues with the same rates."""
        if self.config.optim.lr_decay == "none":
            return
        total = self.config.train.steps
        decay_steps = total * (1 - self.config.optim.lr_decay_start)
        left = min(1.0, max(0.0, (total - self.g_step) / decay_steps))
        opt = self.config.optim
        for optimizer, base in ((self.opt_g, opt.lr), (self.opt_d, opt.lr_d or opt.lr)):
            for group in optimizer.param_groups:
                group["lr"] = base * left

    def _guard(self, loss: Tensor, module: nn.Module, player: str) -> None:
        """Refuse to step on a NaN/inf loss or gradient, so the parameters stay as they were. Under torchrun the
        ranks agree, so that all of them stop or none does."""
        grads = [p.grad for p in module.parameters() if p.grad is not None]
        grad_norm = torch.nn.utils.get_total_norm(grads) if grads else torch.zeros(())
        finite = bool(torch.isfinite(loss) & torch.isfinite(grad_norm))
        if agree(self.world, int(not finite), self.device):
            of_loss, of_gradient = NON_FINITE[player]
            what = of_loss if not torch.isfinite(loss) else of_gradient
            raise NonFiniteError(self.g_step + 1, what, {**self.last_stats, "loss": loss.item(),
                                                         "grad_norm": grad_norm.item()})

    def critic_input_grad_norms(self, real: Tensor, fake: Tensor) -> tuple[float, float]:
        """Mean ‖∇_x D(x)‖₂ on real and on fake samples (a diagnostic, no update)."""
        norms = []
        for x in (real, fake):
            x = pack_samples(x.detach().float(), self.pack).requires_grad_(True)  # bf16 fakes: D's weights are fp32
            (grad,) = torch.autograd.grad(self.discriminator(x).sum(), x)
            norms.append(grad.flatten(1).norm(dim=1).mean().item())
        return norms[0], norms[1]

    def step(self, *, diagnostics: bool = False, between: Callable[[], None] | None = None) -> dict[str, float]:
        """The objective's k critic steps, then one generator step. Returns the stats as floats.

        The last critic step's fake batch also serves the generator step (G's parameters have not moved since it
        was generated): one G forward fewer per step. With ``diagnostics`` it also measures the critic's
        input-gradient norms (an extra backward pass, so the runner asks for it at evaluation steps only).
        ``between()`` is called after the critic's updates and before the generator's (``gandojo play`` draws the
        step phase by phase there); it must not train either player.
        """
        cfg = self.config.objective
        k = self.objective.critic_steps(self.g_step, cfg)
        for i in range(k):
            critic = self.critic_step(keep_graph=self.share_fake_batch and i == k - 1)
        if between is not None:
            between()
        if self.share_fake_batch:
            g_loss = self.generator_step(critic.fake)
        else:  # the plain formulation: the same noise through G once more
            with self._forward_precision():
                g_loss = self.generator_step(self.generator_ddp(critic.z))
        stats = {name: value.item() for name, value in critic.stats.items()}
        stats["loss_g"] = g_loss.item()
        stats["critic_steps"] = float(k)
        self.last_stats = stats
        stats.update(self.objective.critic_stats(self.discriminator, cfg))
        if diagnostics:
            stats["critic_grad_norm_real"], stats["critic_grad_norm_fake"] = self.critic_input_grad_norms(
                critic.real, critic.fake)
        return stats

    # --- state ---------------------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue bit for bit: models, optimizers, counters, random streams."""
        return {
            "generator": self.generator.state_dict(),
            "discriminator": self.discriminator.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "g_step": torch.tensor(self.g_step),
            "d_step": torch.tensor(self.d_step),
            "noise_rng": self.noise_rng.get_state(),
            "eps_rng": self.eps_rng.get_state(),
            "augment_rng": self.augment_rng.get_state(),
            "batches": self.batches.state_dict(),
            "fixed_noise": self.fixed_noise,
            **({"ema_generator": self.ema_generator.state_dict()} if self.ema_generator is not None else {}),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.generator.load_state_dict(state["generator"])
        self.discriminator.load_state_dict(state["discriminator"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.g_step = int(state["g_step"])
        self.d_step = int(state["d_step"])
        self.noise_rng.set_state(state["noise_rng"])
        self.eps_rng.set_state(state["eps_rng"])
        if "augment_rng" in state:  # checkpoints from before objective.augment have no such stream
            self.augment_rng.set_state(state["augment_rng"])
        self.batches.load_state_dict(state["batches"])
        self.fixed_noise = state["fixed_noise"]
        if self.ema_generator is not None:
            self.ema_generator.load_state_dict(state["ema_generator"])
            self._standing_for = None  # measured again when next asked for


def fit(trainer: Trainer, steps: int, hooks: Iterable[Hook] = (), *,
        diagnostics_every: int = 0) -> None:
    """Run generator steps until ``trainer.g_step == steps``, calling every hook after each step."""
    hooks = list(hooks)
    while trainer.g_step < steps:
        diagnostics = diagnostics_every > 0 and (trainer.g_step + 1) % diagnostics_every == 0
        stats = trainer.step(diagnostics=diagnostics)
        for hook in hooks:
            hook(trainer, stats)
