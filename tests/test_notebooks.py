"""The notebooks themselves: worked examples computed, release clean, release runs headless.

nbval executes every answer key in solutions/ and compares its outputs (pyproject.toml puts
solutions/ on pytest's path with --nbval); these tests check what nbval cannot.
"""

import re

import pytest

from convlab.grading.authoring.release import errors, stripped
from tests.support.notebooks import (
    assignments,
    cell,
    execute,
    load,
    nbgrader_role,
    numbers,
    plain_output,
)

# Every worked example of the contract, as (notebook, cell id, the course notes' numbers).
WORKED_EXAMPLES = [
    ("01_cross_correlation", "first-window-sum", [0, 1, 6, 12, 19]),
    ("01_cross_correlation", "pytorch-conv2d", [19, 25, 37, 43]),
    ("01_cross_correlation", "example-2", [12, 12, 17, 10, 17, 19, 9, 6, 14]),
    ("01_cross_correlation", "example-2-first", [12]),
    ("01_cross_correlation", "flip-compare", [5, 11, 23, 29, 19, 25, 37, 43]),
    # 02: +1 at white→black, −1 at black→white (6×7); K.T on X and K on X.T find nothing
    ("02_edge_detection", "edges", [0, 1, 0, 0, 0, -1, 0] * 6),
    ("02_edge_detection", "kt-on-x", [0] * (5 * 8)),
    ("02_edge_detection", "k-on-xt", [0] * (8 * 5)),
    ("02_edge_detection", "kt-on-xt", [0] * 6 + [1] * 6 + [0] * 18 + [-1] * 6 + [0] * 6),
    ("02_edge_detection", "photo-sobel", [148, 126]),
    # 02: on the stripes, [[1, -1]] gives +1 where Sobel's Gx gives -4 (opposite conventions)
    ("02_edge_detection", "sign-code", [0, 1, 0, 0, 0, -1, 0, -4, -4, 0, 0, 4, 4]),
    # 01: a dense layer on the 150×128 photo vs a 3×3 convolution; on 8×8, one output sees 9 vs 64 inputs
    ("01_cross_correlation", "why-count", [368659200, 10, 4160, 10]),
    ("01_cross_correlation", "why-receptive", [9, 64]),
    # 04: the notes' four comp_conv2d shapes on an 8×8 input, unequal padding, dilation
    ("04_padding_stride", "example-a", [8, 8]),
    ("04_padding_stride", "example-b", [8, 8]),
    ("04_padding_stride", "example-c", [4, 4]),
    ("04_padding_stride", "example-d", [2, 2]),
    ("04_padding_stride", "unequal-code", [8, 11, 3, 5, 5]),
    ("04_padding_stride", "same-even", [8, 8]),
    ("04_padding_stride", "dilation-code", [6, 6, 4, 4]),
    # 04: the window's starts, counted; nn.Conv2d's documented examples; the notes' stride (3, 2) figure
    ("04_padding_stride", "derive-code", [0, 2, 4, 6, 4, 4]),
    (
        "04_padding_stride",
        "official-code",
        [20, 33, 24, 49, 24, 49, 20, 33, 28, 100, 28, 100, 20, 33, 26, 100, 26, 100],
    ),
    ("04_padding_stride", "figure-pad", [5, 5, 0, 8, 6, 8]),
    ("04_padding_stride", "padding-mode-layer", [150, 128] * 4),
    # 05: two input channels sum to [[56, 72], [104, 120]]; stacking K, K + 1, K + 2
    ("05_channels", "multi-in-data", [19, 25, 37, 43, 37, 47, 67, 77]),
    ("05_channels", "multi-in-result", [56, 72, 104, 120]),
    ("05_channels", "multi-in-pytorch", [56, 72, 104, 120]),
    ("05_channels", "multi-out-kernel", [3, 2, 2, 2]),
    ("05_channels", "multi-out-result", [56, 72, 104, 120, 76, 100, 148, 172, 96, 128, 192, 224]),
    ("05_channels", "layer-shapes", [3, 2, 2, 2, 3]),
    ("05_channels", "groups-shape", [6, 2, 3, 3]),
    # 06: a 1×1 layer keeps the size; parameters of 3×3 vs 1×1 vs grouped (64 -> 128 channels)
    ("06_one_by_one", "pixel-data", [2, 3, 3]),
    # 07: the notes' pooling examples
    ("07_pooling", "basic-data", [4, 5, 7, 8, 2, 3, 5, 6]),
    ("07_pooling", "stride-data", [10]),
    ("07_pooling", "stride-padding", [5, 7, 13, 15]),
    ("07_pooling", "stride-rect", [5, 7, 13, 15]),
    ("07_pooling", "channels-code", [5, 7, 13, 15, 6, 8, 14, 16]),
    ("07_pooling", "ceil-code", [1, 1, 2, 2, 1, 1, 3, 3]),
    ("07_pooling", "cnn-code", [1, 4, 6, 6]),
    # 07: two 3×3 layers = one 5×5 kernel; the notes' CNN sees 7×7 pixels; 2·9·64² vs 25·64² weights
    ("07_pooling", "cnn-activation-code", [5, 5]),
    ("07_pooling", "field-measure", [7, 7, 7]),
    ("07_pooling", "field-two-3x3-code", [73728, 102400]),
    # 08: the notes' 3×3 input and 2×2 kernel, dY of ones: autograd, the full cross-correlation with
    # the flipped kernel and F.conv_transpose2d give the same input gradient
    ("08_backprop_im2col", "input-grad-autograd", [0, 1, 1, 2, 6, 4, 2, 5, 3]),
    ("08_backprop_im2col", "input-grad-full-code", [0, 1, 1, 2, 6, 4, 2, 5, 3] * 2),
    (
        "08_backprop_im2col",
        "transposed-size-code",
        # per forward setting (n, k, s, p): its size, PyTorch's transposed size, the formula's, the
        # remainder r and PyTorch's size with output_padding=r (n again)
        [3, 2, 1, 0, 2, 3, 3, 0, 3, 4, 2, 2, 0, 2, 4, 4, 0, 4, 5, 3, 2, 1, 3, 5, 5, 0, 5]
        + [6, 3, 2, 0, 2, 5, 5, 1, 6, 8, 3, 3, 1, 3, 7, 7, 1, 8],
    ),
    (
        "08_backprop_im2col",
        "unfold-code",
        [
            0,
            1,
            3,
            4,
            1,
            2,
            4,
            5,
            3,
            4,
            6,
            7,
            4,
            5,
            7,
            8,
            9,
            10,
            12,
            13,
            10,
            11,
            13,
            14,
            12,
            13,
            15,
            16,
            13,
            14,
            16,
            17,
        ],
    ),
    # 08: im2col of a 3-channel 224×224 image and a 3×3 kernel holds 8.84 times the image
    ("08_backprop_im2col", "cost-code", [1330668, 150528, 8.84]),
    # 09: 1,437 training and 360 test digits
    ("09_cnn_digits", "data-code", [1437, 1, 8, 8, 360, 1, 8, 8, 6, 5, 5, 7, 9, 9, 8, 4, 6, 8]),
]


@pytest.mark.parametrize(("aid", "cell_id", "expected"), WORKED_EXAMPLES)
def test_worked_examples_appear_as_computed_outputs(aid, cell_id, expected):
    assert numbers(plain_output(load("solutions", aid), cell_id)) == expected


def test_notes_formula_agrees_with_pytorch_in_notebook_04():
    assert plain_output(load("solutions", "04_padding_stride"), "agree-code").endswith("True)")


def test_notes_dilation_zero_is_corrected_in_notebook_04():
    nb = load("solutions", "04_padding_stride")
    assert "dilation=0 is refused" in plain_output(nb, "dilation-zero")
    assert "**dilation = 1**" in cell(nb, "dilation").source


def test_learned_kernel_is_close_to_the_edge_kernel():
    nb = load("solutions", "03_learning_kernel")
    losses = numbers(plain_output(nb, "loop"))[1::2]  # "batch N, loss L" lines
    assert losses == sorted(losses, reverse=True) and losses[-1] < 0.1 * losses[0]
    a, b = numbers(plain_output(nb, "learned"))
    assert abs(a - 1) < 0.1 and abs(b + 1) < 0.1


def test_smaller_learning_rate_learns_more_slowly():
    """The notes' lr 0.01 run: the loss falls a lot but the kernel is not yet [[1, -1]]."""
    printed = numbers(plain_output(load("solutions", "03_learning_kernel"), "slower-code"))
    first, last, a, b = printed[-4:]  # the cell's result, after the printed batch lines
    assert last < first / 5
    assert 0.5 < a < 0.95 and -0.95 < b < -0.5


@pytest.mark.parametrize(
    ("aid", "cell_id"), [("05_channels", "groups-check"), ("06_one_by_one", "pixel-check")]
)
def test_equivalence_demos_hold(aid, cell_id):
    text = plain_output(load("solutions", aid), cell_id)
    if cell_id == "pixel-check":  # the weight matrix times a pixel's vector equals the layer's output there
        a, b, c, d = numbers(text)
        assert (a, b) == (c, d)
    else:
        assert text.strip() == "True"


def test_parameter_table_matches_nn_conv2d():
    """The 06 table's counts are those of the layers (computed here independently)."""
    import torch.nn as nn

    text = plain_output(load("solutions", "06_one_by_one"), "params-table")
    for layer in [nn.Conv2d(64, 128, 3), nn.Conv2d(64, 128, 1), nn.Conv2d(64, 128, 3, groups=4)]:
        assert f"{sum(p.numel() for p in layer.parameters()):,} parameters" in text


def test_notes_cnn_mistake_is_shown_and_corrected():
    nb = load("solutions", "07_pooling")
    assert "cannot assign module before Module.__init__() call" in plain_output(nb, "cnn-broken")
    assert "super().__init__()" in cell(nb, "cnn-code").source


@pytest.mark.parametrize(
    ("aid", "cell_id", "expected"),
    [
        ("02_edge_detection", "chain-code", "True"),  # smoothing then difference = Sobel's Gx
        ("04_padding_stride", "same-torch-code", "(True, False)"),  # PyTorch's 'same' pads bottom/right
        ("07_pooling", "shift-code", "(False, True, False)"),  # one pixel within a window: same pooled output
        ("08_backprop_im2col", "input-grad-full-code", "True,\n True)"),  # both equal autograd's dX
    ],
)
def test_demos_show_what_their_text_says(aid, cell_id, expected):
    assert plain_output(load("solutions", aid), cell_id).strip().endswith(expected)


SUCCESS_LINE = re.compile(r"`(\w+: (?:passed|all \d+ \w+ passed))`")


@pytest.mark.parametrize("aid", assignments())
def test_what_you_should_see_is_what_the_answer_key_prints(aid):
    """Every success line a "What you should see" cell promises is printed, word for word, by a
    test cell between it and the previous "What you should see" cell."""
    nb = load("solutions", aid)
    printed, promised = [], 0
    for c in nb.cells:
        if c.cell_type == "code":
            printed += plain_output(nb, c.id).splitlines()
        elif c.source.startswith("**What you should see.**"):
            lines = SUCCESS_LINE.findall(" ".join(c.source.split()))
            assert lines, f"{c.id} promises no success line"
            for line in lines:
                assert line in printed, f"{c.id} promises `{line}`; the key printed {printed}"
            promised += len(lines)
            printed = []
    assert promised, "no 'What you should see' cell"


def test_gradient_check_tells_the_right_backward_from_the_wrong_one():
    """The right backward's error is rounding, printed as a bound (its digits depend on the CPU)."""
    text = plain_output(load("solutions", "08_backprop_im2col"), "gradcheck-demo-code")
    right, wrong = text.strip().splitlines()
    assert right == "right backward: relative error < 1e-9, rounding level", text
    assert float(wrong.rsplit(" ", 1)[1]) > 1e-2, text


def test_the_trained_network_reaches_97_percent_and_says_so():
    """The answer key trains notebook 09's CNN and prints `test accuracy: NN.N%` (at least 97.0)."""
    text = plain_output(load("solutions", "09_cnn_digits"), "fit-code")
    found = re.findall(r"test accuracy \(measured once, now\): (\d+\.\d)%$", text, flags=re.M)
    assert found and float(found[0]) >= 97.0, text


def test_the_layer_table_printed_is_the_networks():
    from convlab import oracle

    text = plain_output(load("solutions", "09_cnn_digits"), "table-code")
    for name, shape, parameters in oracle.layer_table(oracle.cnn(), (1, 8, 8)):  # measured by running it
        assert f"{name:>10} {str(shape):>13} {parameters:>6,}" in text


def test_dense_and_cnn_are_compared_by_their_parameters():
    from torch import nn

    from convlab import oracle

    text = plain_output(load("solutions", "09_cnn_digits"), "why-code")
    dense = nn.Sequential(nn.Flatten(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    for net in (dense, oracle.cnn()):
        assert f"{sum(p.numel() for p in net.parameters()):,} parameters" in text


def test_flip_demo_tells_a_rotation_invariant_kernel_from_a_merely_symmetric_one():
    text = plain_output(load("solutions", "01_cross_correlation"), "flip-symmetric-code")
    invariant, symmetric = text.strip().splitlines()
    assert invariant.endswith("unchanged by the rotation True, convolution == cross-correlation on X: True")
    assert symmetric.startswith("[[1.0, 2.0], [2.0, 3.0]]: symmetric True, unchanged by the rotation False")
    assert symmetric.endswith("cross-correlation on X: False")


def _key(aid: str, cell_id: str) -> str:
    return plain_output(load("solutions", aid), cell_id)


def test_two_kernels_combine_into_the_full_convolution():
    assert _key("02_edge_detection", "chain-full").strip() == "(torch.Size([3, 3]), (3, 3), True)"


def test_same_padding_splits_by_the_parity_of_the_dilated_total():
    lines = _key("04_padding_stride", "same-parity").strip().splitlines()
    assert "k=2, d=2: total d(k − 1) = 2, top 1, bottom 1, output (8, 8)" in lines
    assert all(line.endswith("output (8, 8)") for line in lines)


def test_strided_same_padding_is_refused_as_the_text_says():
    text = _key("04_padding_stride", "same-strided-code")
    assert text.count("padding='same' is not supported for strided convolutions") == 2


def test_zero_padding_gives_an_edge_detector_the_border_artefact_the_text_states():
    ratios = {
        line.split(":")[0].strip(): float(line.rsplit(" ", 1)[1])
        for line in _key("04_padding_stride", "padding-mode-edges").strip().splitlines()
    }
    text = "".join(cell(load("source", "04_padding_stride"), "padding-mode-edges-text").source)
    assert round(ratios["zeros"]) == 5 and "about 5 times" in text
    assert ratios["reflect"] == 0.0 and ratios["circular"] > 4 and 0.3 < ratios["replicate"] < 0.7


def test_the_depthwise_separable_pair_is_counted_as_the_text_says():
    table = _key("06_one_by_one", "params-table")
    text = "".join(cell(load("source", "06_one_by_one"), "params-text").source)
    assert "depthwise 3×3, then 1×1      8,960 parameters" in table and "73,856 parameters" in table
    assert "8,960 parameters against the full 3×3 layer's 73,856" in text


def test_return_indices_are_shown_where_they_differ_from_the_values():
    assert _key("07_pooling", "indices-code").strip().endswith("True)")
    assert "arange" not in "".join(cell(load("source", "07_pooling"), "indices-code").source)


def test_the_receptive_field_with_dilation_is_measured():
    assert _key("07_pooling", "field-dilation-code").strip() == "(7, 7, 7)"


def test_output_padding_restores_the_size_a_stride_dropped():
    for line in _key("08_backprop_im2col", "transposed-size-code").strip().splitlines():
        n = int(line.split(",")[0].removeprefix("n="))
        assert line.endswith(f": {n}"), line


@pytest.mark.parametrize("aid", assignments())
def test_answer_key_runs_without_errors_and_passes_its_checks(aid):
    nb = load("solutions", aid)
    assert errors(nb) == []
    warned = [c.id for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stderr"]
    assert warned == [], f"cells that print to stderr (a warning a student would see): {warned}"
    tests = [c for c in nb.cells if nbgrader_role(c) == "test"]
    assert tests, "an assignment without test cells grades nothing"
    for c in tests:
        assert "passed" in plain_output(nb, c.id), f"{c.metadata.nbgrader.grade_id} printed no success line"


@pytest.mark.parametrize("aid", assignments())
@pytest.mark.parametrize("tree", ["source", "notebooks"])
def test_sources_and_release_carry_no_outputs_or_widget_state(tree, aid):
    nb = load(tree, aid)
    assert "widgets" not in nb.metadata
    assert stripped(nb) == nb


@pytest.mark.parametrize("aid", assignments())
def test_release_hides_solutions_and_keeps_signatures(aid):
    source, release = load("source", aid), load("notebooks", aid)
    for c in release.cells:
        if nbgrader_role(c) == "answer":
            assert "BEGIN SOLUTION" not in c.source and "raise NotImplementedError()" in c.source
            original = cell(source, c.id).source
            assert original.splitlines()[0] == c.source.splitlines()[0]  # the def/class line


@pytest.mark.slow
@pytest.mark.parametrize("aid", assignments())
def test_student_release_runs_headless_failing_only_in_exercise_and_test_cells(aid, tmp_path):
    nb = execute(load("notebooks", aid), tmp_path)
    failed = {
        c.id: nbgrader_role(c)
        for c in nb.cells
        if any(o.output_type == "error" for o in c.get("outputs", []))
    }
    assert failed, "a blank release should fail its test cells"
    assert set(failed.values()) <= {"answer", "test"}, f"lesson cells failed: {failed}"
    for c in nb.cells:
        if nbgrader_role(c) == "test":
            assert c.id in failed
            assert any("is not implemented yet" in o.get("evalue", "") for o in c.outputs)


@pytest.mark.parametrize("aid", assignments())
def test_exported_answer_key_shows_a_picture_of_every_animation(aid):
    """nbconvert's HTML (what GitHub and an LMS show): a static frame, never an empty widget box."""
    from nbconvert import HTMLExporter

    nb = load("solutions", aid)
    views = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if re.fullmatch(r"<.*(frames|explorer)>", o.get("data", {}).get("text/plain", ""), re.I)
    ]
    assert views, "no animation in this notebook"
    html, _ = HTMLExporter().from_notebook_node(nb)
    for view in views:
        still = view["data"]["text/html"]
        assert still.startswith(("<svg", "<div><img"))
        # what a reader sees of the still: every line of text of the frame, or the pictures
        shown = re.findall(r">([^<>]+)</text>", still) or re.findall(
            r'src="(data:image/png;base64,.{64})', still
        )
        assert shown and all(part in html for part in shown)
    assert "VBox(" not in html and "Loading widget" not in html


@pytest.mark.parametrize(
    "cell_id",
    [
        "bn-compare",
        "bn-eval-code",
        "bn-gradcheck",
        "sep-equal",
        "net-train-check",
        "skip-code",
        "robust-claims-code",
    ],
)
def test_notebook_10s_claims_are_printed_true(cell_id):
    """Each claim notebook 10 makes in a sentence is printed by the key as ``...: True``."""
    text = plain_output(load("solutions", "10_modern_blocks"), cell_id)
    claims = [line for line in text.splitlines() if line.rstrip().endswith(("True", "False"))]
    assert claims and all(line.rstrip().endswith("True") and "False" not in line for line in claims), text


def test_notebook_10s_costs_are_the_layers_and_the_head_keeps_its_size():
    import torch.nn as nn

    nb = load("solutions", "10_modern_blocks")
    text = plain_output(nb, "sep-cost-code")
    count = lambda *layers: sum(p.numel() for layer in layers for p in layer.parameters())  # noqa: E731
    full, depthwise, pointwise = nn.Conv2d(64, 128, 3), nn.Conv2d(64, 64, 3, groups=64), nn.Conv2d(64, 128, 1)
    for layer in (full, depthwise, pointwise):
        assert f"{count(layer):,} parameters" in text
    assert f"separable: {count(depthwise, pointwise):,} parameters" in " ".join(text.split())  # 8,960
    assert f"{128 * 64 * 9 * 32 * 32:,} multiply-adds" in text
    sizes = [numbers(line.replace(",", "")) for line in plain_output(nb, "net-build").splitlines()]
    residual, cnn = [row[2] for row in sizes], [row[-1] for row in sizes]  # 8×8 images: ... 9690 ... 6090
    assert len(set(residual)) == 1 and cnn[0] == 6090 and cnn == sorted(cnn) and len(set(cnn)) == 4
