"""The sliding-window view: its geometry agrees with F.conv2d, its frames show the arithmetic."""

import itertools
import re

import ipywidgets as widgets
import pytest
import torch
import torch.nn.functional as F

from convlab.geometry import Window
from convlab.widgets import corr2d_view
from convlab.widgets.corr2d import frames_for, steps

SETTINGS = list(
    itertools.product(
        [(5, 7), (8, 8), (4, 6)], [(2, 3), (3, 3), (1, 2)], [0, 1, (2, 1)], [1, 2, (3, 1)], [1, 2]
    )
)


@pytest.mark.parametrize(("shape", "kernel", "padding", "stride", "dilation"), SETTINGS)
def test_window_positions_give_pytorchs_output(shape, kernel, padding, stride, dilation):
    g = torch.Generator().manual_seed(hash((shape, kernel)) % 1000)
    X, K = torch.randn(shape, generator=g), torch.randn(kernel, generator=g)
    try:
        expected = F.conv2d(X[None, None], K[None, None], padding=padding, stride=stride, dilation=dilation)[
            0, 0
        ]
    except RuntimeError:
        with pytest.raises(ValueError, match="window spans"):
            Window.of(shape, kernel, padding, stride, dilation)
        return
    window = Window.of(shape, kernel, padding, stride, dilation)
    assert window.out_shape == tuple(expected.shape)
    values = torch.tensor([s["value"] for s in steps(X, K, window)]).reshape(expected.shape)
    torch.testing.assert_close(values.float(), expected, rtol=1e-4, atol=1e-5)


def test_unequal_padding_is_per_side():
    window = Window.of((4, 4), (3, 3), padding=(1, 0, 2, 0))
    assert window.padded_shape == (5, 6)
    assert window.is_padding(0, 3) and window.is_padding(2, 1) and not window.is_padding(1, 2)


@pytest.mark.parametrize(("arg", "value"), [("stride", 0), ("dilation", 0), ("padding", -1)])
def test_bad_arguments_are_value_errors(arg, value):
    with pytest.raises(ValueError, match=arg):
        Window.of((5, 5), (3, 3), **{arg: value})


def test_each_frame_shows_window_output_and_the_sum_of_products():
    X = torch.arange(9.0).reshape(3, 3)
    K = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
    frames = frames_for(X, K)
    assert len(frames) == 4
    # the course notes' arithmetic for each position, and the value it gives
    for frame, line in zip(
        frames,
        [
            "0×0 + 1×1 + 3×2 + 4×3 = 19",
            "1×0 + 2×1 + 4×2 + 5×3 = 25",
            "3×0 + 4×1 + 6×2 + 7×3 = 37",
            "4×0 + 5×1 + 7×2 + 8×3 = 43",
        ],
        strict=True,
    ):
        assert line in frame
        assert frame.count('class="window"') == 4
        assert frame.count('class="current"') == 1
    # the output fills in: step t shows t computed cells before the current one
    assert [f.count('class="done"') for f in frames] == [0, 1, 2, 3]


def test_padding_cells_are_drawn_distinctly():
    frames = frames_for(torch.ones(3, 3), torch.ones(2, 2), padding=1)
    first = frames[0]
    assert first.count('class="padding"') + first.count('class="window-padding"') == 5 * 5 - 9
    assert 'class="window-padding"' in first  # the first window starts in the padding


def test_a_window_that_does_not_fit_explains_itself():
    (frame,) = frames_for(torch.ones(3, 3), torch.ones(3, 3), dilation=2)
    assert "No output" in frame and "5×5" in frame


def test_large_kernels_shorten_the_arithmetic_but_keep_the_count():
    frame = frames_for(torch.ones(6, 6), torch.ones(5, 5))[0]
    assert "(25 products)" in frame and "= 25" in frame


def test_view_plays_in_the_browser_through_jslink():
    view = corr2d_view(torch.arange(9.0).reshape(3, 3), torch.ones(2, 2))
    linked = {(link.source, link.target) for link in view.links}
    assert ((view.play, "value"), (view.step, "value")) in linked
    assert ((view.step, "value"), (view.stack, "selected_index")) in linked
    assert len(view.stack.children) == view.play.max + 1 == 4


def test_controls_regenerate_the_frames_one_axis_at_a_time():
    view = corr2d_view(torch.ones(5, 5), torch.ones(3, 3), controls=("padding", "stride"))
    sliders = {s.description: s for s in view.children[0].children}
    assert sorted(sliders) == ["padding →", "padding ↓", "stride →", "stride ↓"]
    assert len(view.frames) == 9
    sliders["padding ↓"].value = 1
    assert len(view.frames) == 5 * 3 and view.play.max == 14
    sliders["padding →"].value = 1
    assert len(view.frames) == 25
    sliders["stride ↓"].value = 2
    assert len(view.frames) == 3 * 5


def test_the_notes_figure_stride_3_down_2_across_on_a_padded_3x3_input():
    X, K = torch.arange(9.0).reshape(3, 3), torch.arange(4.0).reshape(2, 2)
    view = corr2d_view(X, K, controls=("padding", "stride"))
    sliders = {s.description: s for s in view.children[0].children}
    for name, value in [("padding ↓", 1), ("padding →", 1), ("stride ↓", 3), ("stride →", 2)]:
        sliders[name].value = value
    expected = F.conv2d(X[None, None], K[None, None], padding=1, stride=(3, 2))[0, 0]
    assert len(view.frames) == expected.numel() == 4
    for frame, (i, j) in zip(view.frames, [(0, 0), (0, 1), (1, 0), (1, 1)], strict=True):
        assert f"Y[{i}, {j}] = " in frame and f"= {expected[i, j]:g}" in frame
    assert "stride (3, 2)" in view.frames[0]


def test_static_picture_for_exported_notebooks():
    view = corr2d_view(torch.arange(9.0).reshape(3, 3), torch.ones(2, 2))
    bundle = view._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/html"].startswith("<svg") and "= 24" in bundle["text/html"]
    assert re.fullmatch(r"<Cross-correlation: 4 frames>", bundle["text/plain"])


def test_nothing_is_rendered_while_grading(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    view = corr2d_view(torch.ones(4, 4), torch.ones(2, 2))
    assert not isinstance(view, widgets.Widget)
    assert "not rendered while grading" in view._repr_html_()


def test_unknown_controls_and_bad_shapes_are_value_errors():
    with pytest.raises(ValueError, match="unknown controls"):
        corr2d_view(torch.ones(4, 4), torch.ones(2, 2), controls=("speed",))
    with pytest.raises(ValueError, match="2-D"):
        corr2d_view(torch.ones(1, 4, 4), torch.ones(2, 2))


def test_formula_line_works_out_pytorchs_output_size():
    frame = frames_for(torch.ones(5, 5), torch.ones(3, 3), padding=1, stride=2)[0]
    expected = F.conv2d(torch.ones(1, 1, 5, 5), torch.ones(1, 1, 3, 3), padding=1, stride=2).shape
    assert f"rows: ⌊(5 + 1 + 1 − 1·(3 − 1) − 1) / 2⌋ + 1 = {expected[2]}" in frame
    assert "output size" not in frames_for(torch.ones(5, 5), torch.ones(3, 3))[0]


def test_kernel_explorer_redraws_on_a_new_kernel_and_chains_a_second():
    from convlab.widgets import kernel_explorer

    img = torch.rand(20, 16)
    view = kernel_explorer(img)
    (first, then), grid, images, note = view.children[0].children, *view.children[1:4]
    before = images.children[1].value
    assert grid.layout.display == "none"  # the custom grid shows only for "custom"
    first.value = "Sobel x"
    assert images.children[1].value != before and "-2.0" in note.value
    first.value = "custom 3×3 (type below)"
    assert grid.layout.display is None
    grid.children[4].value = 9.0
    assert "9.0" in note.value
    # blur, then Sobel x: the response is the second kernel applied to the first one's
    first.value, then.value = "blur (3×3 mean)", "Sobel x"
    blurred = F.conv2d(img[None, None], torch.full((1, 1, 3, 3), 1 / 9))
    chained = F.conv2d(blurred, torch.tensor([[[[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]]]]))[0, 0]
    assert f"from {float(chained.min()):.2f} to {float(chained.max()):.2f}" in note.value
    assert note.value.count("<code>") == 2
    then.value = "nothing"
    assert note.value.count("<code>") == 1
    still = view._repr_mimebundle_()["text/html"]
    # each picture says what it shows (what nbval compares: tests/support/nbval-sanitize.cfg)
    assert still.count("<img") == 2
    assert '<img alt="photo (20, 16)"' in still and '<img alt="blur (3×3 mean) (18, 14)"' in still


def test_training_view_has_a_frame_per_step_with_its_loss():
    from convlab.widgets import training_view

    X = torch.ones(4, 5)
    X[:, 2:] = 0
    Y = F.conv2d(X[None, None], torch.tensor([[[[1.0, -1.0]]]]))[0, 0]
    weights = [torch.tensor([[0.2, 0.1]]), torch.tensor([[0.6, -0.4]]), torch.tensor([[1.0, -1.0]])]
    losses = [float(((F.conv2d(X[None, None], w[None, None])[0, 0] - Y) ** 2).sum()) for w in weights[:2]]
    view = training_view(X, Y, weights, losses)
    assert len(view.frames) == 3
    assert f"loss {losses[1]:.3f}" in view.frames[1] and "step 2 of 2  (trained)" in view.frames[2]
    assert "loss 0.000 (after the last update)" in view.frames[2]  # the final kernel reproduces Y
    assert f"loss {losses[0]:.3f} (before update 1)" in view.frames[0]
    with pytest.raises(ValueError, match="one weight per loss"):
        training_view(X, Y, weights, losses[:1])


def test_channels_view_sums_channels_and_fills_outputs_in_turn():
    from convlab.widgets import channels_view

    X = torch.stack([torch.arange(9.0).reshape(3, 3), torch.arange(1.0, 10.0).reshape(3, 3)])
    K = torch.tensor([[[0.0, 1.0], [2.0, 3.0]], [[1.0, 2.0], [3.0, 4.0]]])
    K3 = torch.stack([K, K + 1, K + 2])
    view = channels_view(X, K3)
    expected = F.conv2d(X[None], K3)[0]
    assert len(view.frames) == 3 * 4
    assert "Y[0, 0, 0] = 19 (channel 0) + 37 (channel 1) = 56" in view.frames[0]
    for t, frame in enumerate(view.frames):  # every frame's value is PyTorch's
        o, rest = divmod(t, 4)
        assert f"= {int(expected[o].flatten()[rest])}</text>" in frame
    assert view.frames[4].count('class="window"') == 2 * 4  # the window in both channels


def test_channels_view_fades_what_a_group_does_not_see():
    from convlab.widgets import channels_view

    view = channels_view(torch.ones(4, 3, 3), torch.ones(4, 2, 2, 2), groups=2)
    first, last = view.frames[0], view.frames[-1]
    assert first.count('class="faded"') == 2 * 9 and "sees input channels 0–1" in first
    assert "sees input channels 2–3" in last
    with pytest.raises(ValueError, match="groups"):
        channels_view(torch.ones(3, 3, 3), torch.ones(4, 1, 2, 2), groups=2)


def test_one_by_one_view_multiplies_each_pixels_vector():
    from convlab.widgets import one_by_one_view

    X = torch.arange(27.0).reshape(3, 3, 3)
    K = torch.tensor([[1.0, 0.0, -1.0], [0.5, 0.5, 0.5]]).reshape(2, 3, 1, 1)
    view = one_by_one_view(X, K)
    Y = F.conv2d(X[None], K)[0]
    assert len(view.frames) == 9
    assert f"Y[0, 1, 1] = 1×4 + 0×13 + -1×22 = {int(Y[0, 1, 1])}" in view.frames[4]
    assert f"= {float(Y[1, 1, 1]):g}" in view.frames[4]


def test_channels_view_adds_each_output_channels_bias():
    from convlab.widgets import channels_view

    X = torch.randn(2, 3, 3, generator=torch.Generator().manual_seed(3))
    K = torch.randn(2, 2, 2, 2, generator=torch.Generator().manual_seed(4))
    b = torch.tensor([0.5, -2.0])
    view = channels_view(X, K, bias=b)
    expected = F.conv2d(X[None], K, b)[0]
    assert "+ 0.50 (bias b[0])" in view.frames[0] and "+ -2 (bias b[1])" in view.frames[4]
    for t, value in enumerate(expected.flatten().tolist()):
        line = next(part for part in view.frames[t].split("<text") if "Y[" in part)
        assert float(line.split("</text")[0].rsplit("= ", 1)[1]) == pytest.approx(value, abs=0.01)
    with pytest.raises(ValueError, match="one value per output channel"):
        channels_view(X, K, bias=torch.zeros(3))


def test_pool_view_marks_the_max_and_pads_with_minus_infinity():
    from convlab.widgets import pool_view

    X = torch.arange(16.0).reshape(4, 4) - 8
    view = pool_view(X, 3, stride=2, padding=1)
    expected = F.max_pool2d(X[None, None], 3, 2, 1)[0, 0]
    assert len(view.frames) == expected.numel() == 4
    assert "max(−∞, −∞, −∞, −∞, -8, -7, −∞, -4, -3) = -3" in view.frames[0]
    assert view.frames[0].count('class="current"') == 2  # the max cell and the output cell
    controls = {c.description: c for c in view.children[0].children}
    controls["mode"].value = "avg"
    assert "/ 9 = " in view.frames[0] and "−∞" not in view.frames[0]
    controls["padding ↓"].value = controls["padding →"].value = 0
    controls["stride ↓"].value = controls["stride →"].value = 1
    assert len(view.frames) == 4  # 4×4 input, 3×3 window, stride 1
    controls["stride →"].value = 3
    assert len(view.frames) == 2  # two rows of windows, one column


@pytest.mark.parametrize("ceil_mode", [False, True])
@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize(("kernel", "stride", "padding"), [(2, 2, 0), (3, 2, 1), ((3, 2), (2, 3), (1, 0))])
def test_pool_view_values_are_pytorchs(kernel, stride, padding, ceil_mode, count_include_pad):
    from convlab.widgets.pooling import frames_for

    X = torch.randn(5, 6, generator=torch.Generator().manual_seed(7)).double()
    for mode, pool in [("max", F.max_pool2d), ("avg", F.avg_pool2d)]:
        extra = {"count_include_pad": count_include_pad} if mode == "avg" else {}
        expected = pool(X[None, None], kernel, stride, padding, ceil_mode=ceil_mode, **extra)[0, 0]
        frames = frames_for(X, kernel, stride, padding, mode, ceil_mode, count_include_pad)
        assert len(frames) == expected.numel()
        for frame, value in zip(frames, expected.flatten().tolist(), strict=True):
            line = next(t for t in frame.split("<text") if "Y[" in t)
            result = line.split(">", 1)[1].split("</text")[0].split("   (")[0].rsplit("= ", 1)[1]
            assert float(result) == pytest.approx(value, abs=5e-4)


def test_pool_view_switches_ceil_mode_and_count_include_pad():
    from convlab.widgets import pool_view

    X = torch.arange(25.0).reshape(5, 5)
    view = pool_view(X, 2, mode="avg")
    controls = {c.description: c for c in view.children[0].children}
    assert len(view.frames) == 4
    controls["ceil_mode"].value = True
    assert len(view.frames) == 9  # the notes' 5×5 input: the output rounds up to 3×3
    assert "(4 + 9) / 2 = 6.5" in view.frames[2] and "2 of its 4 cells are inside" in view.frames[2]
    controls["padding ↓"].value = controls["padding →"].value = 1
    controls["count_include_pad"].value = False
    assert "/ 1 = 0" in view.frames[0] and "count_include_pad=False" in view.frames[0]


def test_pool_view_explains_a_refused_setting():
    from convlab.widgets.pooling import frames_for

    (frame,) = frames_for(torch.ones(4, 4), 2, padding=2)
    assert "No output" in frame and "half" in frame


@pytest.mark.parametrize(("stride", "padding"), [(1, 0), (2, 1), ((3, 2), (1, 0)), ((1, 2), (0, 1))])
def test_transposed_view_scatters_what_pytorch_computes(stride, padding):
    from convlab.geometry import pair
    from convlab.widgets import transposed_view
    from convlab.widgets.transposed import scatter

    g = torch.Generator().manual_seed(8)
    X, K = torch.randn(3, 4, generator=g).double(), torch.randn(2, 3, generator=g).double()
    expected = F.conv_transpose2d(X[None, None], K[None, None], stride=stride, padding=padding)[0, 0]
    (ph, pw) = pair(padding)
    full = scatter(X, K, pair(stride))
    assert torch.allclose(full[ph : full.shape[0] - ph, pw : full.shape[1] - pw], expected)
    view = transposed_view(X, K, stride, padding)
    assert len(view.frames) == X.numel()
    rows, cols = expected.shape
    assert f"= {rows}   columns:" in view.frames[0] and view.frames[0].count(f"= {cols}<") == 1


def test_transposed_view_controls_one_axis_at_a_time():
    from convlab.widgets import transposed_view

    view = transposed_view(torch.ones(2, 2), torch.ones(2, 2), controls=("stride", "padding"))
    sliders = {s.description: s for s in view.children[0].children}
    assert sorted(sliders) == ["padding →", "padding ↓", "stride →", "stride ↓"]
    sliders["stride ↓"].value = 3
    assert (
        "rows: (2 − 1)·3 − 2·0 + 2 = 5" in view.frames[0]
        and "columns: (2 − 1)·1 − 2·0 + 2 = 3" in view.frames[0]
    )
    sliders["padding →"].value = 2
    assert "No output" in view.frames[0]


def test_training_monitor_redraws_after_every_epoch():
    from convlab.widgets import training_monitor

    monitor = training_monitor(3)
    assert monitor.final() is None and monitor.summary() == "Training: 0 of 3 epochs"
    for epoch, (loss, accuracy) in enumerate([(2.0, 0.5), (1.0, 0.8)]):
        before = monitor.picture.value
        monitor.update(epoch, loss, accuracy)
        assert monitor.picture.value != before
    assert monitor.bar.value == 2 and monitor.bar.max == 3 and monitor.bar.description == "epoch 2"
    assert monitor.history == [(2.0, 0.5), (1.0, 0.8)] and monitor.final() is not None
    assert monitor._repr_mimebundle_()["text/html"].startswith("<img")


def test_training_monitor_and_activations_are_silent_while_grading(monkeypatch):
    from convlab import oracle
    from convlab.widgets import activation_view, training_monitor

    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    monitor = training_monitor(3)
    monitor.update(0, 1.0, 0.5)
    assert monitor.final() is None and not isinstance(monitor, widgets.Widget)
    assert (
        "not rendered while grading"
        in activation_view(oracle.cnn(), torch.zeros(2, 1, 8, 8), torch.zeros(2))._repr_html_()
    )


def test_activation_maps_are_every_layers_output_and_the_slider_redraws():
    from convlab import oracle
    from convlab.widgets import activation_view
    from convlab.widgets.network import maps

    torch.manual_seed(0)
    net, images = oracle.cnn(), torch.rand(3, 1, 8, 8)
    layers = maps(net, images[1])
    x = images[1][None]
    for k, (name, stack) in zip([0, 1, 2, 3, 4, 5], layers, strict=True):
        x = net[k](x)
        assert torch.equal(stack, x[0]) and name.startswith(f"{k}: {type(net[k]).__name__}")
    view = activation_view(net, images, torch.tensor([3, 1, 4]))
    pick, picture = view.children[:2]
    before = picture.value
    pick.value = 2
    assert picture.value != before


@pytest.mark.parametrize(("stride", "padding"), [(2, 1), ((3, 2), (1, 0))])
def test_transposed_view_says_which_inputs_its_size_undoes(stride, padding):
    """The caption's claim, checked on PyTorch: every input size it names convolves to X's size,
    and output_padding = r gives that size back."""
    from convlab.geometry import pair
    from convlab.widgets.transposed import frames_for

    X, K = torch.ones(3, 4), torch.ones(2, 3)
    frame = frames_for(X, K, stride, padding)[0]
    sh, sw = pair(stride)
    H, W = F.conv_transpose2d(X[None, None], K[None, None], stride=stride, padding=padding).shape[2:]
    assert f"inputs of {H}–{H + sh - 1} rows and {W}–{W + sw - 1} columns all convolve to 3×4" in frame
    for rr in range(sh):
        for rc in range(sw):
            n = (H + rr, W + rc)
            out = F.conv2d(torch.zeros(1, 1, *n), K[None, None], stride=stride, padding=padding).shape[2:]
            assert tuple(out) == (3, 4)
            back = F.conv_transpose2d(
                X[None, None], K[None, None], stride=stride, padding=padding, output_padding=(rr, rc)
            )
            assert tuple(back.shape[2:]) == n


def test_activation_maps_colour_a_layer_alike_so_a_non_negative_convolution_map_is_not_grey():
    """A convolution whose map happens to be non-negative is drawn signed like the layer's other
    maps; a ReLU's layer is grey: the colours tell the layers apart, not each map's values."""
    from torch import nn

    from convlab.widgets.network import activations

    conv = nn.Conv2d(1, 2, 1, bias=False)
    with torch.no_grad():
        conv.weight.copy_(torch.tensor([1.0, -1.0]).reshape(2, 1, 1, 1))  # map 0 ≥ 0, map 1 ≤ 0
    net = nn.Sequential(conv, nn.ReLU(), nn.Flatten(), nn.LazyLinear(10))
    image = torch.rand(1, 8, 8) + 0.1
    net(image[None])  # LazyLinear takes its size
    fig = activations(net, image, 3)
    rows = [[ax.images[0].get_cmap().name for ax in fig.axes[2 * k : 2 * k + 2]] for k in (1, 2)]
    assert rows == [["RdBu_r", "RdBu_r"], ["gray", "gray"]]


def test_batch_norm_view_shows_each_batchs_statistics_and_the_running_update_nn_batchnorm_makes():
    from convlab.widgets import batch_norm_view

    g = torch.Generator().manual_seed(10)
    batches = [torch.randn(3, 2, 2, 2, generator=g) + k for k in range(4)]
    view = batch_norm_view(batches, channel=1, momentum=0.3)
    assert len(view.frames) == 4 and "step 2 of 4" in view.frames[1]
    layer = torch.nn.BatchNorm2d(2, momentum=0.3)
    for frame, B in zip(view.frames, batches, strict=True):
        values = B[:, 1]
        assert f"μ = mean of these 12 values = {float(values.mean()):.2f}" in frame
        assert f"σ² = mean of (x − μ)² = {float(values.var(unbiased=False)):.2f}" in frame
        old = float(layer.running_mean[1])
        layer(B)  # PyTorch's own update, the unbiased variance stored
        assert (
            f"0.70 × {old:.2f} + 0.30 × {float(values.mean()):.2f} = {float(layer.running_mean[1]):.2f}"
            in frame
        )
        assert f"= {float(layer.running_var[1]):.2f}" in frame and "× 12/11" in frame
    slider = view.children[0].children[0]
    slider.value = 0.5  # another momentum redraws every frame
    assert "0.50 × " in view.frames[0] and "momentum 0.50" in view.frames[-1]


def test_occlusion_view_fills_in_the_drop_of_the_right_class_per_patch_position():
    from convlab.widgets import occlusion_view

    class FirstPixel(torch.nn.Module):  # the class-0 logit is 10 × the top-left pixel
        def forward(self, x):
            logits = torch.zeros(len(x), 10)
            logits[:, 0] = 10 * x[:, 0, 0, 0]
            return logits

    x = torch.ones(1, 8, 8)
    view = occlusion_view(FirstPixel(), x, 0, patch=2)
    assert len(view.frames) == 49 and "step 49 of 49" in view.frames[-1]
    base = float(torch.softmax(torch.tensor([10.0] + [0.0] * 9), 0)[0])
    hidden = float(torch.softmax(torch.zeros(10), 0)[0])
    assert f"P(0) = {base:.2f} on the whole digit, {hidden:.2f} with the patch at (0, 0)" in view.frames[0]
    assert f"{base:.2f} with the patch at (0, 1)" in view.frames[1]  # the pixel is seen again


def test_batch_norm_and_occlusion_views_are_silent_while_grading(monkeypatch):
    from convlab import oracle
    from convlab.widgets import batch_norm_view, occlusion_view

    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert "not rendered while grading" in batch_norm_view([torch.zeros(2, 1, 2, 2)])._repr_html_()
    assert "not rendered while grading" in occlusion_view(oracle.cnn(), torch.zeros(1, 8, 8), 3)._repr_html_()


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_the_controls_names_come_from_python_in_the_language(monkeypatch, lang):
    """access.js names Play's buttons, the sliders and a scrolling frame with what Python sends
    (``names``, translated when the view is made); the JS itself holds none of those words."""
    from pathlib import Path

    from convlab.i18n import translate
    from convlab.widgets import access

    js = (Path(access.__file__).parent / "access.js").read_text(encoding="utf-8")
    literals = set(re.findall(r'"([^"]*)"', js)) | set(re.findall(r"`([^`]*)`", js))
    assert not literals & {str(name) for name in access.NAMES.values()}, literals
    assert all(f"names.{key}" in js for key in access.NAMES), "a name Python sends that the JS never uses"
    monkeypatch.setenv("CONVLAB_LANG", lang)
    names = corr2d_view(torch.ones(3, 3), torch.ones(2, 2)).access.names
    assert names == {key: translate(name, lang) for key, name in access.NAMES.items()}
    if lang == "en":
        assert names["stop"] == "stop: back to the first step" and names["readout"] == "{name}: value"
    else:
        assert all(re.search(r"[\u4e00-\u9fff]", n) for n in names.values()), names
        assert "{name}" in names["readout"]
