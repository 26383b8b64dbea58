"""The alternating loop: k discriminator/critic steps, then one generator step. Nothing else.

Logging, evaluation, snapshots and checkpoints are hooks (:mod:`gandojo.runs.hooks`); the losses are pure
functions (:mod:`gandojo.objectives`). The :class:`Trainer` owns the two players, their optimizers and
every random generator it draws from, so its ``state_dict`` is enough to resume bit for bit.

>>> from gandojo.config import Config, TrainConfig, resolve
>>> trainer = Trainer(resolve(Config(train=TrainConfig(steps=3, batch_size=32))))
>>> stats = trainer.step()
>>> stats['loss_d'] > 0, trainer.g_step
(True, 1)
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch import Tensor, nn

from gandojo.config import Config
from gandojo.data import load_data
from gandojo.data.batches import BatchStream
from gandojo.distributed import SINGLE, World, agree, local_batch, process_device, shard, wrap
from gandojo.errors import NonFiniteError
from gandojo.models import build_models, generate, pack_samples, sample_noise
from gandojo.objectives import OBJECTIVES, build_optimizer, critic_steps, gradient_penalty, zero_centred_penalty
from gandojo.seeds import stream_seeds

Hook = Callable[["Trainer", dict[str, float]], None]


class Trainer:
    """Both players, their optimizers, the objective and the random streams of one run.

    Parameters
    ----------
    config : Config
        A resolved config (:func:`gandojo.config.resolve`).
    data : optional
        A loaded data set; loaded from ``config.data`` when omitted.
    share_fake_batch : bool
        One G forward per step: the last critic step's fake batch, generated with G's graph kept, is also the
        generator step's batch (default). False generates that batch again from the same noise for the
        generator step (the plain formulation: the same numbers, one G forward more).
    world : World, optional
        This process's place in a data-parallel job (:mod:`gandojo.distributed`; the process group must be
        started). ``train.batch_size`` is the global batch: each process trains on its ``1 / world_size``
        slice of every batch, noise and ε draw included, with G and D in DistributedDataParallel.
    """

    def __init__(self, config: Config, data: Any = None, *, world: World = SINGLE, share_fake_batch: bool = True):
        self.config = config
        # False: the plain formulation, kept to measure what sharing saves and to check that it changes nothing
        self.share_fake_batch = share_fake_batch
        self.world = world
        self.objective = OBJECTIVES[config.objective.name]
        self.data = data if data is not None else load_data(config.data)
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
        # What the training passes call: the DDP wrappers under torchrun, the modules themselves otherwise.
        # Sampling, the generator step's judging, EMA and checkpoints use the bare modules.
        sync_bn = config.train.sync_batchnorm
        self.generator_ddp = wrap(self.generator, world, self.device, sync_batchnorm=sync_bn)
        self.discriminator_ddp = wrap(self.discriminator, world, self.device, sync_batchnorm=sync_bn)
        if config.train.compile:
            self.generator_ddp = torch.compile(self.generator_ddp)
            # torch.compile has no double backward: a critic whose loss holds ∇ₓD (WGAN-GP, R1, R2) runs eagerly
            if not (self.objective.penalty or config.objective.r1 > 0 or config.objective.r2 > 0):
                self.discriminator_ddp = torch.compile(self.discriminator_ddp)
        opt = config.optim
        self.opt_g = build_optimizer(self.generator.parameters(), opt.name, opt.lr, opt.betas, opt.momentum)
        self.opt_d = build_optimizer(self.discriminator.parameters(), opt.name, opt.lr_d or opt.lr, opt.betas,
                                     opt.momentum)
        self.noise_rng = torch.Generator().manual_seed(seeds["noise"])
        self.eps_rng = torch.Generator().manual_seed(seeds["eps"])
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
        ``train.ema`` is on, else G itself."""
        return self.ema_generator if self.ema_generator is not None else self.generator

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

    # --- one step of the game ------------------------------------------------------------------------

    def _critic_phase(self, *, keep_graph: bool = False) -> tuple[dict[str, Tensor], Tensor, Tensor, Tensor]:
        """One discriminator/critic update; returns its stats, the real batch, the fake batch and its noise.

        With ``keep_graph`` the fake batch keeps G's graph, so that the generator step can reuse it (one G forward
        serves both players, as in pytorch/examples); D itself only ever sees it detached.
        """
        obj, cfg = self.objective, self.config.objective
        real = self.batches.next().to(self.device)
        if self.channels_last and real.dim() == 4:
            real = real.contiguous(memory_format=torch.channels_last)
        z = self._training_noise()
        stats: dict[str, Tensor] = {}
        with self._forward_precision():
            if keep_graph:
                fake = self.generator_ddp(z)
            else:
                with torch.no_grad():  # no graph through G: the critic step never needs G's gradients
                    fake = self.generator(z)
            real_in = pack_samples(real, self.pack).requires_grad_(cfg.r1 > 0)
            fake_in = pack_samples(fake.detach().float(), self.pack).requires_grad_(cfg.r2 > 0)
            # scores in float32 whatever the forward precision: the losses and logged values stay exact
            d_real, d_fake = self.discriminator_ddp(real_in).float(), self.discriminator_ddp(fake_in).float()
            loss = game = obj.d_loss(d_real, d_fake)  # the game's own loss; penalties are added to `loss`
            if obj.penalty:
                # one ε per (packed) sample of the global batch; this process keeps its slice
                eps = shard(torch.rand(len(real_in) * self.world.world_size, generator=self.eps_rng), self.world)
                penalty, _ = gradient_penalty(self.discriminator_ddp, real_in.detach(), fake_in.detach(),
                                              eps.to(self.device))
                stats["gradient_penalty"] = penalty.detach()
                loss = loss + cfg.gp_lambda * penalty
            if obj.wasserstein:
                stats["w_estimate"] = -game.detach()
            for weight, scores, inputs, name in ((cfg.r1, d_real, real_in, "r1_penalty"),
                                                 (cfg.r2, d_fake, fake_in, "r2_penalty")):
                if weight > 0:  # R1 / R2 (Mescheder et al. 2018): γ/2 E‖∇D‖² at the real / generated samples
                    penalty = zero_centred_penalty(scores, inputs)
                    stats[name] = penalty.detach()
                    loss = loss + weight / 2 * penalty
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        self._guard(loss, self.discriminator, "discriminator/critic")
        self.opt_d.step()
        if obj.clip:
            with torch.no_grad():
                for p in self.discriminator.parameters():
                    p.clamp_(-cfg.clip, cfg.clip)
        self.d_step += 1
        stats["loss_d"] = loss.detach()
        if obj.wasserstein:
            stats["d_real"], stats["d_fake"] = d_real.detach().mean(), d_fake.detach().mean()
        else:
            stats["d_real"] = torch.sigmoid(d_real.detach()).mean()
            stats["d_fake"] = torch.sigmoid(d_fake.detach()).mean()
            stats["value"] = -game.detach()  # V(D, G) = -(D's loss without penalties)
        return stats, real, fake, z

    def _generator_phase(self, fake: Tensor | None = None, z: Tensor | None = None) -> Tensor:
        """One generator update on ``fake`` (a batch that kept G's graph), or on ``G(z)`` generated again."""
        # D's parameters are frozen so G's backward pass leaves no gradient in them; `judge` calls D's bare
        # module, so under DDP the generator step never syncs D.
        self.discriminator.requires_grad_(False)
        try:
            with self._forward_precision():
                if fake is None:
                    fake = self.generator_ddp(z if z is not None else self._training_noise())
                loss = self.objective.g_loss(self.judge(fake).float())
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
        """Move the average toward G. The decay ramps up, (1 + t) / (10 + t), to ``train.ema``, so the average
        does not drag the random initialisation along for thousands of steps."""
        if self.ema_generator is None:
            return
        decay = min(self.config.train.ema, (1 + self.g_step) / (10 + self.g_step))
        with torch.no_grad():  # one multi-tensor kernel per list rather than a Python loop over the tensors
            torch._foreach_lerp_(list(self.ema_generator.parameters()), list(self.generator.parameters()), 1 - decay)
            buffers = list(self.ema_generator.buffers())
            if buffers:  # batch-norm statistics: the current ones
                torch._foreach_copy_(buffers, list(self.generator.buffers()))

    def _set_learning_rates(self) -> None:
        """``optim.lr_decay="linear"``: both rates fall linearly to 0 at ``train.steps`` (a function of the
        step, so a resumed run continues with the same rates)."""
        if self.config.optim.lr_decay == "none":
            return
        left = max(0.0, 1 - self.g_step / self.config.train.steps)
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
            what = f"{player} loss" if not torch.isfinite(loss) else f"{player} gradient"
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

    def clip_fraction(self) -> float:
        """Share of critic weights at the clip bound (wgan): within 1% of ±clip.

        The band matters: a weight clamped to +c is moved back inside by the next optimizer step
        (by about the learning rate) before the next clamp, so "exactly at c" would miss most of them.
        """
        c = self.config.objective.clip
        params = [p.detach() for p in self.discriminator.parameters()]
        at_bound = sum(int((p.abs() >= 0.99 * c).sum()) for p in params)  # no copy of the weights into one tensor
        return at_bound / sum(p.numel() for p in params)

    def step(self, *, diagnostics: bool = False) -> dict[str, float]:
        """k critic steps then one generator step. Returns the stats as floats.

        With ``diagnostics`` it also measures the critic's input-gradient norms (an extra backward
        pass, so the runner asks for it at evaluation steps only).
        """
        cfg = self.config.objective
        k = critic_steps(cfg.name, cfg.n_critic, self.g_step, cfg.warmup_schedule)
        for i in range(k):
            # The last critic step's fake batch also serves the generator step (G's parameters have not moved
            # since it was generated): one G forward fewer per step.
            d_stats, real, fake, z = self._critic_phase(keep_graph=self.share_fake_batch and i == k - 1)
        g_loss = self._generator_phase(fake) if self.share_fake_batch else self._generator_phase(z=z)
        stats = {name: value.item() for name, value in d_stats.items()}
        stats["loss_g"] = g_loss.item()
        stats["critic_steps"] = float(k)
        self.last_stats = stats
        if self.objective.clip:
            stats["clip_fraction"] = self.clip_fraction()
        if diagnostics:
            stats["critic_grad_norm_real"], stats["critic_grad_norm_fake"] = self.critic_input_grad_norms(
                real, fake)
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
        self.batches.load_state_dict(state["batches"])
        self.fixed_noise = state["fixed_noise"]
        if self.ema_generator is not None:
            self.ema_generator.load_state_dict(state["ema_generator"])


def fit(trainer: Trainer, steps: int, hooks: Iterable[Hook] = (), *,
        diagnostics_every: int = 0) -> None:
    """Run generator steps until ``trainer.g_step == steps``, calling every hook after each step."""
    hooks = list(hooks)
    while trainer.g_step < steps:
        diagnostics = diagnostics_every > 0 and (trainer.g_step + 1) % diagnostics_every == 0
        stats = trainer.step(diagnostics=diagnostics)
        for hook in hooks:
            hook(trainer, stats)
