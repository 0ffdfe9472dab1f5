"""Checks for notebook 09: the network (checked by what its layers do) and its table of shapes
and parameters; the training loop is :mod:`convlab.checks.training`."""

from __future__ import annotations

import torch
from torch import nn

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
            hint=MODEL_ERROR,
            mistake="did not return an nn.Module",
        )
    convs, linears = _layers(model, nn.Conv2d), _layers(model, nn.Linear)
    if len(convs) != 2 or len(linears) != 1:
        fail(
            ex,
            f"{len(convs)} convolution and {len(linears)} linear layers",
            lines=["expected 2 nn.Conv2d and 1 nn.Linear"],
            hint="conv → ReLU → pool, twice, then flatten and one linear layer",
            mistake="wrong layers",
        )
    for conv, (c_in, c_out) in zip(convs, [(1, 16), (16, 32)], strict=True):
        settings = (conv.in_channels, conv.out_channels, conv.kernel_size, conv.padding, conv.stride)
        if settings != (c_in, c_out, (3, 3), (1, 1), (1, 1)):
            fail(
                ex,
                "a convolution with the wrong settings",
                lines=[
                    f"expected nn.Conv2d({c_in}, {c_out}, 3, padding=1), got in {settings[0]}, "
                    f"out {settings[1]}, "
                    f"kernel {settings[2]}, padding {settings[3]}, stride {settings[4]}"
                ],
                hint="padding 1 keeps the 8×8 (then 4×4) size; each pooling halves it",
            )
    seen: dict[str, torch.Tensor] = {}
    hooks = [
        convs[0].register_forward_pre_hook(lambda m, i: seen.__setitem__("into conv1", i[0])),
        convs[0].register_forward_hook(lambda m, i, o: seen.__setitem__("conv1", o)),
        convs[1].register_forward_pre_hook(lambda m, i: seen.__setitem__("into conv2", i[0])),
        convs[1].register_forward_hook(lambda m, i, o: seen.__setitem__("conv2", o)),
        linears[0].register_forward_pre_hook(lambda m, i: seen.__setitem__("into linear", i[0])),
        linears[0].register_forward_hook(lambda m, i, o: seen.__setitem__("linear", o)),
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
            hint="flatten size: 8×8 → pool → 4×4 → pool → 2×2, so the linear layer takes 32 · 2 · 2 = 128 "
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
            hint="one logit per class: nn.Linear(128, 10)",
            mistake=None,
        )
    if not torch.equal(seen["into conv1"], X):
        fail(
            ex,
            "a layer before the first convolution",
            "16 digits",
            ["the first convolution did not receive the digits themselves"],
            hint="the network starts with nn.Conv2d(1, 16, kernel_size=3, padding=1): nothing before it",
        )
    for before, after, which in [("conv1", "into conv2", "first"), ("conv2", "into linear", "second")]:
        _relu_then_pool(seen[before], seen[after].flatten(1), which)
    _ends_in_logits(out, seen["linear"])
    count = sum(p.numel() for p in model.parameters())
    if count != PARAMETERS:
        fail(
            ex,
            "wrong number of parameters",
            lines=[f"expected {PARAMETERS:,}, got {count:,}"],
            hint="two convolutions with a bias each and one linear layer 128 → 10 with a bias",
        )
    return 1


F = nn.functional
_OTHER_ACTIVATIONS = (torch.sigmoid, torch.tanh, F.leaky_relu, F.elu, F.gelu, F.softplus, F.silu)


def _relu_then_pool(conv: torch.Tensor, following: torch.Tensor, which: str) -> None:
    """What follows a convolution must be ReLU and 2×2 max pooling (in either order: they commute)."""
    pool = nn.functional.max_pool2d
    if torch.allclose(following, pool(torch.relu(conv), 2).flatten(1), atol=1e-6):
        return
    if torch.allclose(following, pool(conv, 2).flatten(1), atol=1e-6):
        problem = f"no ReLU after the {which} convolution"
    elif any(torch.allclose(following, pool(f(conv), 2).flatten(1), atol=1e-5) for f in _OTHER_ACTIVATIONS):
        problem = f"not a ReLU after the {which} convolution"
    else:
        problem = f"something besides ReLU and max pooling after the {which} convolution"
    fail(
        "build_model",
        problem,
        "16 digits",
        hint="after each convolution: nn.ReLU(), then nn.MaxPool2d(2), and nothing else; without the ReLU "
        "the max pooling between the convolutions is the network's only non-linearity",
    )


# what a network returns in place of the linear layer's logits: the layer that explains it
_AFTER_LAST = (
    ("softmax at the end", "the outputs are probabilities, not logits", lambda z: torch.softmax(z, 1)),
    ("log-softmax at the end", "the outputs are log-probabilities", lambda z: torch.log_softmax(z, 1)),
    ("a ReLU after the last layer", "negative logits were cut to 0", torch.relu),
    ("a sigmoid after the last layer", "the logits were squashed into (0, 1)", torch.sigmoid),
    ("a tanh after the last layer", "the logits were squashed into (-1, 1)", torch.tanh),
)


def _ends_in_logits(out: torch.Tensor, logits: torch.Tensor) -> None:
    """The network's output must be its linear layer's, unchanged: nothing after the last layer."""
    if torch.allclose(out, logits, atol=1e-6):
        return
    name, what = next(
        ((name, what) for name, what, layer in _AFTER_LAST if torch.allclose(out, layer(logits), atol=1e-5)),
        ("a layer after the last layer", "the output is not the linear layer's"),
    )
    fail(
        "build_model",
        name,
        "16 digits",
        [what],
        hint="end with nn.Linear(128, 10) and nothing after it: the network returns raw logits, and "
        "nn.CrossEntropyLoss applies log-softmax itself",
    )


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
                hint=TABLE_HINT,
            )
        for k, (row, right) in enumerate(zip(rows, expected, strict=True)):
            row = (row[0], tuple(int(v) for v in row[1]), int(row[2])) if len(row) == 3 else row
            if row != right:
                fail(
                    ex,
                    f"row {k} ({right[0]}) is wrong",
                    case.label,
                    [f"expected {right}, got {row}"],
                    hint=_explain(row, right),
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
