"""Checks for notebook 09: the network (checked by what its layers do) and its table of shapes
and parameters; the training loop is :mod:`convlab.checks.training`."""

from __future__ import annotations

import torch
from torch import nn

from convlab import oracle
from convlab.checks.exercise import Case, Exercise, Hints, Part
from convlab.checks.runner import call_watched, check_function
from convlab.checks.wording import conv_settings, fail
from convlab.data import digits
from convlab.i18n import N_, Msg

# --- build_model() ------------------------------------------------------------------------------

MODEL_ERROR = N_("build_model() takes no arguments and returns the network, an nn.Module")
PARAMETERS = 16 * 1 * 9 + 16 + 32 * 16 * 9 + 32 + 128 * 10 + 10  # 6,090: conv1, conv2, linear


def _layers(model: nn.Module, kind: type) -> list[nn.Module]:
    return [m for m in model.modules() if isinstance(m, kind)]


def _model_behaves(build_model) -> int:
    ex, case = "build_model", Case(N_("the network it returns"), {})
    model = call_watched(ex, build_model, case, MODEL_ERROR, allow_convolution=True)
    if not isinstance(model, nn.Module):
        fail(
            ex,
            Msg("returned a {type}, not an nn.Module", type=type(model).__name__),
            hint=MODEL_ERROR,
            mistake=N_("did not return an nn.Module"),
        )
    convs, linears = _layers(model, nn.Conv2d), _layers(model, nn.Linear)
    if len(convs) != 2 or len(linears) != 1:
        fail(
            ex,
            Msg("{len} convolution and {len2} linear layers", len=len(convs), len2=len(linears)),
            lines=[N_("expected 2 nn.Conv2d and 1 nn.Linear")],
            hint=N_("conv → ReLU → pool, twice, then flatten and one linear layer"),
            mistake=N_("wrong layers"),
        )
    for conv, (c_in, c_out) in zip(convs, [(1, 16), (16, 32)], strict=True):
        settings = (conv.in_channels, conv.out_channels, conv.kernel_size, conv.padding, conv.stride)
        if settings != (c_in, c_out, (3, 3), (1, 1), (1, 1)):
            fail(
                ex,
                N_("a convolution with the wrong settings"),
                lines=[
                    Msg(
                        "expected nn.Conv2d({c_in}, {c_out}, 3, padding=1), got {got}",
                        c_in=c_in,
                        c_out=c_out,
                        got=conv_settings(*settings),
                    )
                ],
                hint=N_("padding 1 keeps the 8×8 (then 4×4) size; each pooling halves it"),
            )
    seen: dict[str, torch.Tensor] = {}
    hooks = [
        convs[0].register_forward_pre_hook(lambda m, i: seen.__setitem__(N_("into conv1"), i[0])),
        convs[0].register_forward_hook(lambda m, i, o: seen.__setitem__("conv1", o)),
        convs[1].register_forward_pre_hook(lambda m, i: seen.__setitem__(N_("into conv2"), i[0])),
        convs[1].register_forward_hook(lambda m, i, o: seen.__setitem__("conv2", o)),
        linears[0].register_forward_pre_hook(lambda m, i: seen.__setitem__(N_("into linear"), i[0])),
        linears[0].register_forward_hook(lambda m, i, o: seen.__setitem__("linear", o)),
    ]
    X = digits().X_test[:16]
    try:
        with torch.no_grad():
            out = model(X)
    except RuntimeError as err:
        fail(
            ex,
            N_("the forward pass fails"),
            N_("16 digits of shape (1, 8, 8)"),
            [str(err).splitlines()[0][:200]],
            hint=N_(
                "flatten size: 8×8 → pool → 4×4 → pool → 2×2, so the linear layer takes 32 · 2 · 2 = 128 "
                "features"
            ),
            mistake=None,
        )
    finally:
        for h in hooks:
            h.remove()
    if tuple(out.shape) != (16, 10):
        fail(
            ex,
            N_("wrong output shape"),
            N_("16 digits"),
            [Msg("expected (16, 10), got {tuple}", tuple=tuple(out.shape))],
            hint=N_("one logit per class: nn.Linear(128, 10)"),
            mistake=None,
        )
    if not torch.equal(seen["into conv1"], X):
        fail(
            ex,
            N_("a layer before the first convolution"),
            N_("16 digits"),
            [N_("the first convolution did not receive the digits themselves")],
            hint=N_("the network starts with nn.Conv2d(1, 16, kernel_size=3, padding=1): nothing before it"),
        )
    for before, after, which in [
        ("conv1", N_("into conv2"), N_("first")),
        ("conv2", N_("into linear"), N_("second")),
    ]:
        _relu_then_pool(seen[before], seen[after].flatten(1), which)
    _ends_in_logits(out, seen["linear"])
    count = sum(p.numel() for p in model.parameters())
    if count != PARAMETERS:
        fail(
            ex,
            N_("wrong number of parameters"),
            lines=[Msg("expected {PARAMETERS:,}, got {count:,}", PARAMETERS=PARAMETERS, count=count)],
            hint=N_("two convolutions with a bias each and one linear layer 128 → 10 with a bias"),
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
        problem = Msg("no ReLU after the {which} convolution", which=which)
    elif any(torch.allclose(following, pool(f(conv), 2).flatten(1), atol=1e-5) for f in _OTHER_ACTIVATIONS):
        problem = Msg("not a ReLU after the {which} convolution", which=which)
    else:
        problem = Msg("something besides ReLU and max pooling after the {which} convolution", which=which)
    fail(
        "build_model",
        problem,
        N_("16 digits"),
        hint=N_(
            "after each convolution: nn.ReLU(), then nn.MaxPool2d(2), and nothing else; without the ReLU "
            "the max pooling between the convolutions is the network's only non-linearity"
        ),
    )


# what a network returns in place of the linear layer's logits: the layer that explains it
_AFTER_LAST = (
    (
        N_("softmax at the end"),
        N_("the outputs are probabilities, not logits"),
        lambda z: torch.softmax(z, 1),
    ),
    (
        N_("log-softmax at the end"),
        N_("the outputs are log-probabilities"),
        lambda z: torch.log_softmax(z, 1),
    ),
    (N_("a ReLU after the last layer"), N_("negative logits were cut to 0"), torch.relu),
    (N_("a sigmoid after the last layer"), N_("the logits were squashed into (0, 1)"), torch.sigmoid),
    (N_("a tanh after the last layer"), N_("the logits were squashed into (-1, 1)"), torch.tanh),
)


def _ends_in_logits(out: torch.Tensor, logits: torch.Tensor) -> None:
    """The network's output must be its linear layer's, unchanged: nothing after the last layer."""
    if torch.allclose(out, logits, atol=1e-6):
        return
    name, what = next(
        ((name, what) for name, what, layer in _AFTER_LAST if torch.allclose(out, layer(logits), atol=1e-5)),
        (N_("a layer after the last layer"), N_("the output is not the linear layer's")),
    )
    fail(
        "build_model",
        name,
        N_("16 digits"),
        [what],
        hint=N_(
            "end with nn.Linear(128, 10) and nothing after it: the network returns raw logits, and "
            "nn.CrossEntropyLoss applies log-softmax itself"
        ),
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
        (N_("notebook 09's network on a (1, 8, 8) digit"), oracle.cnn(), (1, 8, 8)),
        (
            N_("stride 2, no padding, a bias-free convolution"),
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
            N_("unequal kernel, dilation, pooling with padding"),
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
                N_("not one row per layer"),
                case.label,
                [f"expected {len(expected)} rows, got {got!r}"[:200]],
                hint=TABLE_HINT,
            )
        for k, (row, right) in enumerate(zip(rows, expected, strict=True)):
            row = (row[0], tuple(int(v) for v in row[1]), int(row[2])) if len(row) == 3 else row
            if row != right:
                fail(
                    ex,
                    Msg("row {k} ({layer}) is wrong", k=k, layer=right[0]),
                    case.label,
                    [Msg("expected {right}, got {row}", right=right, row=row)],
                    hint=_explain(row, right),
                    mistake=N_("a wrong row in the table"),
                )
    return len(_models())


WITHOUT_BATCH = N_(
    "the shape without the batch: (channels, height, width), or (features,) after Flatten and Linear"
)


def _explain(row, right) -> str:
    name, shape, params = right
    if row[0] != name:
        return N_("name each row by its layer's class: type(layer).__name__")
    if tuple(row[1][1:]) == shape and len(row[1]) == len(shape) + 1:
        return WITHOUT_BATCH
    if row[2] != params:
        return N_(
            "a layer's parameters are its weights and its bias, if it has one (layer.bias is not None): "
            "conv_param_count(in, out, kernel, groups, bias) for a convolution, in · out (+ out) for a "
            "linear layer, 0 for ReLU, pooling and flatten"
        )
    if name == "MaxPool2d":
        return N_(
            "a pooling layer's stride is layer.stride (nn.MaxPool2d(2) has stride 2, the window size), and "
            "its padding and dilation count: conv_output_shape(size, kernel, padding, stride, dilation)"
        )
    if name == "Conv2d":
        return N_(
            "use every setting of the layer: conv_output_shape(size, kernel_size, padding, stride, dilation)"
        )
    return WITHOUT_BATCH


TABLE_HINT = N_(
    "layer_table(model, input_shape) returns [(name, shape, parameters), ...], one row per layer of "
    "the nn.Sequential, shape without the batch dimension"
)

LAYER_TABLE = Exercise(
    "layer_table",
    parts={"all": Part(2, steps=(_table_values,))},
    hints=Hints(shape=TABLE_HINT, value=TABLE_HINT, error=TABLE_HINT),
    allow_convolution=True,
    stand_ins={"conv_output_shape": oracle.conv_output_shape, "conv_param_count": oracle.conv_param_count},
    unit=N_("networks"),
    keeps_random_state=True,
)
check_layer_table = check_function(LAYER_TABLE)
