"""Notebook 09's views of a network: a live training monitor (progress, loss and accuracy per
epoch) and the activation maps of one digit through every layer."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from torch import nn

from convlab import plots
from convlab.i18n import N_, Msg, translate
from convlab.widgets.access import Access
from convlab.widgets.player import View, grading, png_img, skipped


class TrainingMonitor(View):
    """A progress bar and the loss and held-out accuracy curves, redrawn after every epoch: pass
    its ``update`` as a training loop's ``on_epoch``. ``held_out`` names the accuracy's images
    (``"validation"`` while choosing how to train, ``"test"`` once)."""

    title = N_("Training")

    def __init__(self, epochs: int, held_out: str = "test"):
        self.epochs, self.held_out = epochs, held_out
        self.history: list[tuple[float, float]] = []
        self.bar = widgets.IntProgress(
            value=0, min=0, max=epochs, description=translate(Msg("epoch {n}", n=0))
        )
        self.picture = widgets.Image(format="png")
        self.access = Access()  # the curves' alt text
        super().__init__([self.bar, self.picture, self.access])
        self.add_class("convlab-monitor")

    def update(self, epoch: int, loss: float, accuracy: float) -> None:
        self.history.append((float(loss), float(accuracy)))
        self.bar.value = len(self.history)
        self.bar.description = translate(Msg("epoch {n}", n=len(self.history)))
        self.picture.value = plots.png(curves(self.history, self.epochs, self.held_out))
        self.access.alts = [self.alt()]

    def summary(self) -> str:
        return translate(
            Msg("Training: {done} of {epochs} epochs", done=len(self.history), epochs=self.epochs)
        )

    def final(self):
        """The curves of the finished training, as a figure (what an exported notebook shows)."""
        return curves(self.history, self.epochs, self.held_out) if self.history else None

    def still(self) -> str:
        if not self.picture.value:
            return f"<p>{self.summary()}</p>"
        return png_img(self.picture.value, self.alt())

    def alt(self) -> str:
        return translate(Msg("loss and test accuracy per epoch: {summary}", summary=self.summary()))


class _Silent:
    """The monitor while grading: nothing drawn, nothing kept."""

    def update(self, *values) -> None:
        pass

    def final(self) -> None:
        return None

    def _repr_html_(self) -> str:
        return f"<p><em>{translate(N_('Training monitor: not drawn while grading.'))}</em></p>"


def training_monitor(epochs: int, held_out: str = "test"):
    """A :class:`TrainingMonitor` for ``epochs`` epochs (a silent stand-in while grading)."""
    return _Silent() if grading() else TrainingMonitor(epochs, held_out)


HELD_OUT = {"test": N_("test"), "validation": N_("validation")}  # the held-out images' names


def curves(history: list[tuple[float, float]], epochs: int, held_out: str = "test"):
    """Loss (left) and the held-out images' accuracy (right) per epoch so far."""
    epoch = translate(N_("epoch"))
    fig, (left, right) = plt.subplots(1, 2, figsize=(7.2, 2.6), layout="constrained")
    xs = range(1, len(history) + 1)
    left.plot(xs, [h[0] for h in history], marker="o", color="#16a34a")
    left.set(title=translate(N_("mean training loss")), xlabel=epoch, xlim=(0.5, epochs + 0.5))
    right.plot(xs, [100 * h[1] for h in history], marker="o", color="#2563eb")
    accuracy = Msg("{held_out} accuracy (%)", held_out=HELD_OUT.get(held_out, held_out))
    right.set(title=translate(accuracy), xlabel=epoch, xlim=(0.5, epochs + 0.5))
    for ax in (left, right):
        ax.grid(alpha=0.3)
    plt.close(fig)
    return fig


def maps(model: nn.Sequential, image: torch.Tensor) -> list[tuple[str, torch.Tensor]]:
    """Every layer's output for one image (1, h, w) that is still a stack of maps (c, h, w)."""
    out, x = [], image[None]
    model.eval()
    with torch.no_grad():
        for k, layer in enumerate(model):
            x = layer(x)
            if x.dim() == 4:
                out.append((f"{k}: {type(layer).__name__} {tuple(x.shape[1:])}", x[0]))
    return out


def activations(model: nn.Sequential, image: torch.Tensor, label: int):
    """The digit, every layer's maps (one row per layer) and the predicted probabilities."""
    layers = maps(model, image)
    with torch.no_grad():
        probabilities = torch.softmax(model(image[None])[0], 0)
    columns = max(len(m) for _, m in layers)
    fig, axes = plt.subplots(
        len(layers) + 1,
        columns,
        figsize=(columns * 0.42, 0.55 * (len(layers) + 1) + 1.2),
        squeeze=False,
        layout="constrained",
    )
    for ax in axes.flat:
        plots.blank(ax)
    axes[0, 0].imshow(image[0].numpy(), cmap="gray", vmin=0, vmax=1)
    axes[0, 0].set_title(translate(Msg("digit {label}", label=label)), fontsize=8, loc="left")
    bars = fig.add_axes((0.35, 1 - 0.9 / (len(layers) + 1), 0.6, 0.6 / (len(layers) + 1)))
    bars.bar(range(10), probabilities.numpy(), color="#2563eb")
    bars.set_xticks(range(10))
    bars.set_ylim(0, 1)
    best = Msg("predicted {digit} ({p:.0%})", digit=int(probabilities.argmax()), p=float(probabilities.max()))
    bars.set_title(translate(best), fontsize=8)
    bars.tick_params(labelsize=7)
    for row, (name, stack) in enumerate(layers, start=1):
        axes[row, 0].set_title(name, fontsize=8, loc="left")
        signed = bool((stack < 0).any())  # one colour map per layer: its kind, not each map's luck
        for c in range(len(stack)):
            axes[row, c].imshow(stack[c].numpy(), **plots.colours(stack[c], signed=signed))
    plt.close(fig)
    return fig


class ActivationView(View):
    title = N_("Activation maps")

    def __init__(self, children, caption: list[str]):
        super().__init__(children)
        self.caption = caption  # what the picture shows, kept current by the slider

    def still(self) -> str:
        return png_img(self.children[1].value, self.caption[0])


def activation_view(model: nn.Sequential, images: torch.Tensor, labels: torch.Tensor):
    """Pick a digit with the slider and see its maps after every layer of ``model`` (in the
    course's colours, chosen per layer: a layer with a negative value anywhere red and blue, one
    without grey) and what the network predicts."""
    if grading():
        return skipped(ActivationView.title)
    pick = widgets.IntSlider(
        value=0, min=0, max=len(images) - 1, description=translate(N_("digit")), continuous_update=False
    )
    picture = widgets.Image(format="png")
    caption = [""]
    access = Access()  # the maps' alt text, kept current by the slider

    def redraw(_change=None):
        label = int(labels[pick.value])
        said = Msg("test digit {n} (a {label}): its maps after every layer", n=pick.value, label=label)
        caption[0] = translate(said)
        picture.value = plots.png(activations(model, images[pick.value], label))
        access.alts = [caption[0]]

    pick.observe(redraw, names="value")
    redraw()
    view = ActivationView([pick, picture, access], caption)
    view.add_class("convlab-activations")
    return view
