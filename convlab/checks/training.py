"""Checks for notebook 09's training loop, by how it behaves while it trains (never by a time):
what reaches the loss, whether the gradients are reset, which images train and which are only
evaluated, and that the loop uses the learning rate, batch size and seed it was given."""

from __future__ import annotations

import torch
from torch import nn
from torch.optim.optimizer import register_optimizer_step_pre_hook
from torch.overrides import TorchFunctionMode

from convlab import oracle
from convlab.checks.exercise import Case, Exercise, Hints, Part
from convlab.checks.runner import call_watched, check_function
from convlab.checks.wording import fail
from convlab.data import digits
from convlab.i18n import N_, Msg

# --- train(model, data, epochs, lr, batch_size, seed, on_epoch) -------------------------------

TRAIN_HINT = N_(
    "train(model, data, epochs=20, lr=3e-3, batch_size=32, seed=0, on_epoch=None) returns "
    "[(mean training loss, test accuracy), ...], one pair per epoch"
)
EPOCHS = 4  # enough for the loss to fall and the accuracy to pass 90 % on the fixed seed
THRESHOLD = 0.9
# not the defaults (3e-3, 32, 0): a loop that ignores one of them trains differently, and says so
LR, BATCH_SIZE, SEED = 5e-3, 40, 3


class _Losses(TorchFunctionMode):
    """Records what reaches the cross-entropy: logits, or (a mistake) probabilities."""

    def __init__(self):
        super().__init__()
        self.probabilities = False

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if func is nn.functional.cross_entropy and args:
            x = args[0]
            if bool(((x >= 0) & (x <= 1)).all()) and torch.allclose(x.sum(1), torch.ones(len(x)), atol=1e-4):
                self.probabilities = True
        return func(*args, **(kwargs or {}))


class _Watch:
    """What the model goes through while the student's loop trains it: test images in train mode,
    a backward through test images, and at every optimizer step whether the gradients are this
    step's alone (reset since the last step) or an accumulation."""

    def __init__(self, model: nn.Module, test: torch.Tensor):
        self.test = {bytes(x.numpy().tobytes()) for x in test}
        self.test_in_train_mode = False
        self.fresh: dict[int, torch.Tensor] = {}  # each parameter's gradients since the last step
        self.accumulated = self.leaked = False
        self.steps = 0
        self.batch_sizes: list[int] = []  # of every forward in train mode
        self.first_batch: torch.Tensor | None = None  # the first one's images
        self.rates: set[float] = set()  # the optimizer's learning rates, at every step
        self.handles = [model.register_forward_hook(self._forward)]
        for p in model.parameters():
            self.handles.append(p.register_hook(lambda g, p=p: self._backward(p, g)))
        self.handles.append(register_optimizer_step_pre_hook(self._step))

    def _forward(self, module, inputs, output):
        if not any(bytes(row.detach().numpy().tobytes()) in self.test for row in inputs[0]):
            if module.training:  # a training batch
                self.batch_sizes.append(len(inputs[0]))
                if self.first_batch is None:
                    self.first_batch = inputs[0].detach().clone()
            return
        self.test_in_train_mode |= module.training
        if output.requires_grad:  # a backward through this output trains on test images
            output.register_hook(lambda g: setattr(self, "leaked", True))

    def _backward(self, p, g):
        self.fresh[id(p)] = self.fresh.get(id(p), 0) + g.detach().clone()

    def _step(self, optimizer, args, kwargs):
        self.steps += 1
        for group in optimizer.param_groups:
            self.rates.add(float(group["lr"]))
            for p in group["params"]:
                if p.grad is not None and id(p) in self.fresh:
                    self.accumulated |= not torch.allclose(p.grad, self.fresh[id(p)], atol=1e-7, rtol=1e-4)
        self.fresh.clear()

    def close(self):
        for h in self.handles:
            h.remove()


def _trains(train) -> int:
    ex = "train"
    data = digits()
    torch.manual_seed(0)
    model = oracle.cnn()
    calls: list[tuple] = []
    watch = _Watch(model, data.X_test)
    case = Case(
        Msg(
            "notebook 09's network, {EPOCHS} epochs, lr={LR:g}, batch_size={BATCH_SIZE}, seed={SEED}",
            EPOCHS=EPOCHS,
            LR=LR,
            BATCH_SIZE=BATCH_SIZE,
            SEED=SEED,
        ),
        {"model": model, "data": data},
        {
            "epochs": EPOCHS,
            "lr": LR,
            "batch_size": BATCH_SIZE,
            "seed": SEED,
            "on_epoch": lambda *values: calls.append(values),
        },
    )
    losses = _Losses()
    try:
        with losses:
            history = call_watched(ex, train, case, TRAIN_HINT, allow_convolution=True)
    finally:
        watch.close()
    if watch.steps == 0:
        fail(
            ex,
            N_("the optimizer never stepped"),
            case.label,
            hint=N_("after loss.backward(), optimizer.step()"),
        )
    if losses.probabilities:
        fail(
            ex,
            N_("softmax before the cross-entropy"),
            case.label,
            [N_("the loss received probabilities")],
            hint=N_("nn.CrossEntropyLoss (F.cross_entropy) takes logits and applies log-softmax itself"),
        )
    if watch.accumulated:
        fail(
            ex,
            N_("gradients accumulate: zero_grad is missing"),
            case.label,
            hint=N_(
                "PyTorch adds every backward's gradients to .grad: call optimizer.zero_grad() before each "
                "backward"
            ),
        )
    if watch.leaked:
        fail(
            ex,
            N_("test images used in training"),
            case.label,
            [N_("a training step's gradients came from test images")],
            hint=N_("train on data.X_train and data.y_train only; the test set only measures the accuracy"),
        )
    if watch.test_in_train_mode:
        fail(
            ex,
            N_("evaluated in train mode"),
            case.label,
            [N_("the test images went through the model in train mode")],
            hint=N_(
                "call model.eval() (and torch.no_grad()) before measuring the accuracy, model.train() "
                "before training"
            ),
        )
    _uses_its_arguments(watch, data, case)
    if not isinstance(history, list | tuple) or len(history) != EPOCHS:
        fail(
            ex,
            N_("not one (loss, accuracy) pair per epoch"),
            case.label,
            [f"got {history!r}"[:200]],
            hint=TRAIN_HINT,
        )
    (first, _), (last, reported) = history[0], history[-1]
    if not last < first:
        fail(
            ex,
            N_("the training loss does not decrease"),
            case.label,
            [Msg("epoch 1: {first:.4f}, epoch {EPOCHS}: {last:.4f}", first=first, EPOCHS=EPOCHS, last=last)],
            hint=N_(
                "step against the gradient: loss.backward(), then optimizer.step() with "
                "Adam(model.parameters(), lr=lr)"
            ),
        )
    measured = oracle.accuracy(model, data.X_test, data.y_test)
    if abs(float(reported) - measured) > 1e-6:
        fail(
            ex,
            N_("the accuracy is not the test set's"),
            case.label,
            [
                Msg(
                    "reported {float:.4f}, the test set gives {measured:.4f}",
                    float=float(reported),
                    measured=measured,
                )
            ],
            hint=N_(
                "accuracy = (model(X_test).argmax(dim=1) == y_test).float().mean(), after the "
                "epoch's training"
            ),
        )
    if measured < THRESHOLD:
        fail(
            ex,
            Msg("test accuracy {measured:.1%} after {EPOCHS} epochs", measured=measured, EPOCHS=EPOCHS),
            case.label,
            [Msg("expected at least {THRESHOLD:.0%}", THRESHOLD=THRESHOLD)],
            hint=N_(
                "Adam with the given lr, mini-batches of batch_size from the shuffled training set, "
                "cross-entropy"
            ),
            mistake=N_("test accuracy too low"),
        )
    if len(calls) != EPOCHS:
        fail(
            ex,
            N_("on_epoch not called once per epoch"),
            case.label,
            [Msg("{len} calls for {EPOCHS} epochs", len=len(calls), EPOCHS=EPOCHS)],
            hint=N_("after each epoch: if on_epoch is not None: on_epoch(epoch, loss, accuracy)"),
        )
    return 1


def _uses_its_arguments(watch: _Watch, data, case: Case) -> None:
    """lr, batch_size and seed are not the defaults here: a loop that ignores one is named."""
    ex = "train"
    if watch.rates != {LR}:
        fail(
            ex,
            N_("lr ignored: the optimizer's learning rate is not lr"),
            case.label,
            [
                Msg(
                    "expected lr={LR:g}, the optimizer stepped with {sorted}",
                    LR=LR,
                    sorted=sorted(watch.rates),
                )
            ],
            hint=N_("torch.optim.Adam(model.parameters(), lr=lr): the learning rate the caller chose"),
        )
    largest = max(watch.batch_sizes, default=0)
    if largest != BATCH_SIZE:
        fail(
            ex,
            N_("batch_size ignored: the mini-batches are not of batch_size"),
            case.label,
            [
                Msg(
                    "expected batches of {BATCH_SIZE} (the last may be smaller), got up to {largest}",
                    BATCH_SIZE=BATCH_SIZE,
                    largest=largest,
                )
            ],
            hint=N_("for start in range(0, n, batch_size): batch = order[start : start + batch_size]"),
        )
    seed_zero = torch.randperm(len(data.y_train), generator=torch.Generator().manual_seed(0))
    first = watch.first_batch
    if first is not None and torch.equal(first, data.X_train[seed_zero[: len(first)]]):
        fail(
            ex,
            N_("seed ignored: the shuffle is seed 0's"),
            case.label,
            [Msg("with seed={SEED} the first mini-batch is the one seed 0 draws", SEED=SEED)],
            hint=N_("shuffle with torch.Generator().manual_seed(seed + epoch): the caller's seed, not 0"),
        )


TRAIN = Exercise(
    "train",
    parts={"all": Part(3, steps=(_trains,))},
    hints=Hints(shape=TRAIN_HINT, value=TRAIN_HINT, error=TRAIN_HINT),
    allow_convolution=True,
    keeps_random_state=True,
)
check_train = check_function(TRAIN)
