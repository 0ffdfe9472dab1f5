"""Checks for notebook 09: the network (checked by what its layers do), its table of shapes and
parameters, and the training loop (checked by how it behaves while it trains, not by a time)."""

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

# --- build_model() ------------------------------------------------------------------------------

MODEL_ERROR = "build_model() takes no arguments and returns the network, an nn.Module"
PARAMETERS = 16 * 1 * 9 + 16 + 32 * 16 * 9 + 32 + 128 * 10 + 10  # 6,090: conv1, conv2, linear


def _layers(model: nn.Module, kind: type) -> list[nn.Module]:
    return [m for m in model.modules() if isinstance(m, kind)]


def _model_behaves(build_model) -> int:
    ex, case = "build_model", Case("the network it returns", {})
    model = call_watched(ex, build_model, case, MODEL_ERROR, allow_convolution=True)
    if not isinstance(model, nn.Module):
        fail(
            ex,
            f"returned a {type(model).__name__}, not an nn.Module",
            None,
            [],
            MODEL_ERROR,
            mistake="did not return an nn.Module",
        )
    convs, linears = _layers(model, nn.Conv2d), _layers(model, nn.Linear)
    if len(convs) != 2 or len(linears) != 1:
        fail(
            ex,
            f"{len(convs)} convolution and {len(linears)} linear layers",
            None,
            ["expected 2 nn.Conv2d and 1 nn.Linear"],
            "conv → ReLU → pool, twice, then flatten and one linear layer",
            mistake="wrong layers",
        )
    for conv, (c_in, c_out) in zip(convs, [(1, 16), (16, 32)], strict=True):
        settings = (conv.in_channels, conv.out_channels, conv.kernel_size, conv.padding, conv.stride)
        if settings != (c_in, c_out, (3, 3), (1, 1), (1, 1)):
            fail(
                ex,
                "a convolution with the wrong settings",
                None,
                [
                    f"expected nn.Conv2d({c_in}, {c_out}, 3, padding=1), got in {settings[0]}, "
                    f"out {settings[1]}, "
                    f"kernel {settings[2]}, padding {settings[3]}, stride {settings[4]}"
                ],
                "padding 1 keeps the 8×8 (then 4×4) size; each pooling halves it",
            )
    seen: dict[str, torch.Tensor] = {}
    hooks = [
        convs[0].register_forward_hook(lambda m, i, o: seen.__setitem__("conv1", o)),
        convs[1].register_forward_pre_hook(lambda m, i: seen.__setitem__("into conv2", i[0])),
        convs[1].register_forward_hook(lambda m, i, o: seen.__setitem__("conv2", o)),
        linears[0].register_forward_pre_hook(lambda m, i: seen.__setitem__("into linear", i[0])),
    ]
    X = digits().X_test[:16]
    try:
        with torch.no_grad():
            out = model(X)
    except RuntimeError as err:
        fail(
            ex,
            "the forward pass fails",
            "16 digits of shape (1, 8, 8)",
            [str(err).splitlines()[0][:200]],
            "flatten size: 8×8 → pool → 4×4 → pool → 2×2, so the linear layer takes 32 · 2 · 2 = 128 "
            "features",
            mistake=None,
        )
    finally:
        for h in hooks:
            h.remove()
    if tuple(out.shape) != (16, 10):
        fail(
            ex,
            "wrong output shape",
            "16 digits",
            [f"expected (16, 10), got {tuple(out.shape)}"],
            "one logit per class: nn.Linear(128, 10)",
            mistake=None,
        )
    for before, after, which in [("conv1", "into conv2", "first"), ("conv2", "into linear", "second")]:
        expected = nn.functional.max_pool2d(torch.relu(seen[before]), 2).flatten(1)
        if not torch.allclose(seen[after].flatten(1), expected, atol=1e-6):
            problem = "no ReLU" if seen[after].min() < 0 else "not a ReLU"
            fail(
                ex,
                f"{problem} after the {which} convolution",
                "16 digits",
                [],
                "after each convolution: nn.ReLU(), then nn.MaxPool2d(2); without a non-linearity two "
                "convolutions in a row are one convolution (notebook 07)",
            )
    if bool(((out >= 0) & (out <= 1)).all()) and torch.allclose(out.sum(1), torch.ones(16), atol=1e-4):
        fail(
            ex,
            "softmax at the end",
            "16 digits",
            ["the outputs are probabilities, not logits"],
            "return the linear layer's logits: nn.CrossEntropyLoss applies log-softmax itself",
        )
    count = sum(p.numel() for p in model.parameters())
    if count != PARAMETERS:
        fail(
            ex,
            "wrong number of parameters",
            None,
            [f"expected {PARAMETERS:,}, got {count:,}"],
            "two convolutions with a bias each and one linear layer 128 → 10 with a bias",
        )
    return 1


BUILD_MODEL = Exercise(
    "build_model",
    parts={"all": Part(2, steps=(_model_behaves,))},
    hints=Hints(shape=MODEL_ERROR, value=MODEL_ERROR, error=MODEL_ERROR),
    allow_convolution=True,
)
check_build_model = check_function(BUILD_MODEL)


# --- layer_table(model, input_shape) ----------------------------------------------------------


def _models() -> list[tuple[str, nn.Sequential, tuple[int, ...]]]:
    torch.manual_seed(909)  # keeps_random_state: the notebook's stream is left alone
    return [
        ("notebook 09's network on a (1, 8, 8) digit", oracle.cnn(), (1, 8, 8)),
        (
            "stride 2, no padding, a bias-free convolution",
            nn.Sequential(
                nn.Conv2d(3, 6, 5, stride=2, bias=False),
                nn.ReLU(),
                nn.MaxPool2d(3, stride=1),
                nn.Flatten(),
                nn.Linear(6 * 12 * 12, 4),
            ),
            (3, 32, 32),
        ),
        (
            "unequal kernel, dilation, pooling with padding",
            nn.Sequential(
                nn.Conv2d(2, 4, (3, 5), padding=(1, 2), dilation=(2, 1)),
                nn.MaxPool2d(2, padding=1),
                nn.ReLU(),
                nn.Flatten(),
                nn.Linear(4 * 5 * 6, 7, bias=False),
            ),
            (2, 10, 11),
        ),
    ]


def _table_cases() -> list[Case]:
    return [Case(label, {"model": model, "input_shape": shape}) for label, model, shape in _models()]


def _table_values(layer_table) -> int:
    ex = "layer_table"
    for case in _table_cases():
        got = call_watched(ex, layer_table, case, TABLE_HINT, allow_convolution=True)
        expected = oracle.layer_table(**case.inputs)
        rows = [tuple(row) if isinstance(row, list | tuple) else row for row in (got or [])]
        if not isinstance(got, list | tuple) or len(rows) != len(expected):
            fail(
                ex,
                "not one row per layer",
                case.label,
                [f"expected {len(expected)} rows, got {got!r}"[:200]],
                TABLE_HINT,
            )
        for k, (row, right) in enumerate(zip(rows, expected, strict=True)):
            row = (row[0], tuple(int(v) for v in row[1]), int(row[2])) if len(row) == 3 else row
            if row != right:
                fail(
                    ex,
                    f"row {k} ({right[0]}) is wrong",
                    case.label,
                    [f"expected {right}, got {row}"],
                    _explain(row, right),
                    mistake="a wrong row in the table",
                )
    return len(_models())


WITHOUT_BATCH = (
    "the shape without the batch: (channels, height, width), or (features,) after Flatten and Linear"
)


def _explain(row, right) -> str:
    name, shape, params = right
    if row[0] != name:
        return "name each row by its layer's class: type(layer).__name__"
    if tuple(row[1][1:]) == shape and len(row[1]) == len(shape) + 1:
        return WITHOUT_BATCH
    if row[2] != params:
        return (
            "a layer's parameters are its weights and its bias, if it has one (layer.bias is not None): "
            "conv_param_count(in, out, kernel, groups, bias) for a convolution, in · out (+ out) for a "
            "linear layer, 0 for ReLU, pooling and flatten"
        )
    if name == "MaxPool2d":
        return (
            "a pooling layer's stride is layer.stride (nn.MaxPool2d(2) has stride 2, the window size), and "
            "its padding and dilation count: conv_output_shape(size, kernel, padding, stride, dilation)"
        )
    if name == "Conv2d":
        return (
            "use every setting of the layer: conv_output_shape(size, kernel_size, padding, stride, dilation)"
        )
    return WITHOUT_BATCH


TABLE_HINT = (
    "layer_table(model, input_shape) returns [(name, shape, parameters), ...], one row per layer of "
    "the nn.Sequential, shape without the batch dimension"
)

LAYER_TABLE = Exercise(
    "layer_table",
    parts={"all": Part(2, steps=(_table_values,))},
    hints=Hints(shape=TABLE_HINT, value=TABLE_HINT, error=TABLE_HINT),
    allow_convolution=True,
    stand_ins={"conv_output_shape": oracle.conv_output_shape, "conv_param_count": oracle.conv_param_count},
    unit="networks",
    keeps_random_state=True,
)
check_layer_table = check_function(LAYER_TABLE)


# --- train(model, data, epochs, lr, batch_size, seed, on_epoch) -------------------------------

TRAIN_HINT = (
    "train(model, data, epochs=20, lr=3e-3, batch_size=32, seed=0, on_epoch=None) returns "
    "[(mean training loss, test accuracy), ...], one pair per epoch"
)
EPOCHS = 4  # enough for the loss to fall and the accuracy to pass 90 % on the fixed seed
THRESHOLD = 0.9


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
        self.handles = [model.register_forward_hook(self._forward)]
        for p in model.parameters():
            self.handles.append(p.register_hook(lambda g, p=p: self._backward(p, g)))
        self.handles.append(register_optimizer_step_pre_hook(self._step))

    def _forward(self, module, inputs, output):
        if not any(bytes(row.detach().numpy().tobytes()) in self.test for row in inputs[0]):
            return
        self.test_in_train_mode |= module.training
        if output.requires_grad:  # a backward through this output trains on test images
            output.register_hook(lambda g: setattr(self, "leaked", True))

    def _backward(self, p, g):
        self.fresh[id(p)] = self.fresh.get(id(p), 0) + g.detach().clone()

    def _step(self, optimizer, args, kwargs):
        self.steps += 1
        for group in optimizer.param_groups:
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
        f"notebook 09's network, {EPOCHS} epochs, lr=3e-3, batch_size=32, seed=0",
        {"model": model, "data": data},
        {
            "epochs": EPOCHS,
            "lr": 3e-3,
            "batch_size": 32,
            "seed": 0,
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
        fail(ex, "the optimizer never stepped", case.label, [], "after loss.backward(), optimizer.step()")
    if losses.probabilities:
        fail(
            ex,
            "softmax before the cross-entropy",
            case.label,
            ["the loss received probabilities"],
            "nn.CrossEntropyLoss (F.cross_entropy) takes logits and applies log-softmax itself",
        )
    if watch.accumulated:
        fail(
            ex,
            "gradients accumulate: zero_grad is missing",
            case.label,
            [],
            "PyTorch adds every backward's gradients to .grad: call optimizer.zero_grad() before each "
            "backward",
        )
    if watch.leaked:
        fail(
            ex,
            "test images used in training",
            case.label,
            ["a training step's gradients came from test images"],
            "train on data.X_train and data.y_train only; the test set only measures the accuracy",
        )
    if watch.test_in_train_mode:
        fail(
            ex,
            "evaluated in train mode",
            case.label,
            ["the test images went through the model in train mode"],
            "call model.eval() (and torch.no_grad()) before measuring the accuracy, model.train() before "
            "training",
        )
    if not isinstance(history, list | tuple) or len(history) != EPOCHS:
        fail(
            ex, "not one (loss, accuracy) pair per epoch", case.label, [f"got {history!r}"[:200]], TRAIN_HINT
        )
    (first, _), (last, reported) = history[0], history[-1]
    if not last < first:
        fail(
            ex,
            "the training loss does not decrease",
            case.label,
            [f"epoch 1: {first:.4f}, epoch {EPOCHS}: {last:.4f}"],
            "step against the gradient: loss.backward(), then optimizer.step() with "
            "Adam(model.parameters(), lr=lr)",
        )
    measured = oracle.accuracy(model, data.X_test, data.y_test)
    if abs(float(reported) - measured) > 1e-6:
        fail(
            ex,
            "the accuracy is not the test set's",
            case.label,
            [f"reported {float(reported):.4f}, the test set gives {measured:.4f}"],
            "accuracy = (model(X_test).argmax(dim=1) == y_test).float().mean(), after the epoch's training",
        )
    if measured < THRESHOLD:
        fail(
            ex,
            f"test accuracy {measured:.1%} after {EPOCHS} epochs",
            case.label,
            [f"expected at least {THRESHOLD:.0%}"],
            "Adam with the given lr, mini-batches of batch_size from the shuffled training set, "
            "cross-entropy",
            mistake="test accuracy too low",
        )
    if len(calls) != EPOCHS:
        fail(
            ex,
            "on_epoch not called once per epoch",
            case.label,
            [f"{len(calls)} calls for {EPOCHS} epochs"],
            "after each epoch: if on_epoch is not None: on_epoch(epoch, loss, accuracy)",
        )
    return 1


TRAIN = Exercise(
    "train",
    parts={"all": Part(3, steps=(_trains,))},
    hints=Hints(shape=TRAIN_HINT, value=TRAIN_HINT, error=TRAIN_HINT),
    allow_convolution=True,
    keeps_random_state=True,
)
check_train = check_function(TRAIN)
