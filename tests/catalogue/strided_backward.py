"""Notebook 08's ``conv2d_backward_ext`` (a layer's backward pass with stride and padding, CS231n's
``conv_backward_naive``): wrong answers built from the answer key's loops, one slot changed, and
the forbidden routes to PyTorch's own backward."""

from tests.catalogue.mutant import Mutant, template

BACKWARD_EXT = """sh, sw = (stride, stride) if isinstance(stride, int) else stride
ph, pw = (padding, padding) if isinstance(padding, int) else padding
(c_o, c_i, kh, kw), (h, w) = K.shape, X.shape[1:]
Xp = torch.stack([pad2d(x, (ph, pw)) for x in X])
dXp, dK = torch.zeros({dx_shape}), torch.zeros(K.shape)
for o in range(c_o):
    for i in range(dY.shape[1]):
        for j in range(dY.shape[2]):
            rows, cols = slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw)
            dXp[:, {dx_window}] += dY[o, i, j] * {kernel}
            dK[o] += dY[o, i, j] * Xp[:, {dk_window}]
return {result}"""
backward_ext = template(
    BACKWARD_EXT,
    {
        "dx_shape": "Xp.shape",
        "dx_window": "rows, cols",
        "kernel": "K[o]",
        "dk_window": "rows, cols",
        "result": "dXp[:, ph : ph + h, pw : pw + w], dK, dY.sum(dim=(1, 2))",
    },
)
DX, DK, DB = "dXp[:, ph : ph + h, pw : pw + w]", "dK", "dY.sum(dim=(1, 2))"
ONE_APART = "i : i + kh, j : j + kw"

# fmt: off
STRIDED_BACKWARD = {
    "08_backprop_im2col": [
        Mutant("conv2d_backward_ext", "dX: the padding left on", backward_ext(result=f"dXp, {DK}, {DB}"), "dX: the padding is not cut off"),
        Mutant("conv2d_backward_ext", "dX: scattered one cell apart", backward_ext(dx_window=ONE_APART), "dX: stride ignored"),
        Mutant("conv2d_backward_ext", "dX: the kernel flipped", backward_ext(kernel="K[o].flip(1, 2)"), "dX: kernel flipped"),
        Mutant("conv2d_backward_ext", "dX: only the first output channel", backward_ext(kernel="K[o] * (o == 0)"), "dX: only the first output channel"),
        Mutant("conv2d_backward_ext", "dX: sized by the last window", backward_ext(dx_shape="c_i, (dY.shape[1] - 1) * sh + kh, (dY.shape[2] - 1) * sw + kw"), "the rows the stride never reaches"),
        Mutant("conv2d_backward_ext", "dK: windows read one cell apart", backward_ext(dk_window=ONE_APART), "dK: stride ignored"),
        Mutant("conv2d_backward_ext", "dK: averaged", backward_ext(result=f"{DX}, {DK} / dY[0].numel(), {DB}"), "dK: averaged"),
        Mutant("conv2d_backward_ext", "db: a mean", backward_ext(result=f"{DX}, {DK}, dY.mean(dim=(1, 2))"), "db: a mean"),
        Mutant("conv2d_backward_ext", "db: one number", backward_ext(result=f"{DX}, {DK}, dY.sum()"), "db: one number"),
        Mutant("conv2d_backward_ext", "db forgotten", backward_ext(result=f"{DX}, {DK}"), "did not return three gradients"),
        Mutant("conv2d_backward_ext", "the stride's first entry for both axes", backward_ext().replace("sh, sw = (stride, stride) if isinstance(stride, int) else stride", "sh = sw = stride if isinstance(stride, int) else stride[0]"), "one stride for both axes"),
        Mutant("conv2d_backward_ext", "torch.ops.aten.convolution_backward", "s = [stride] * 2 if isinstance(stride, int) else list(stride)\np = [padding] * 2 if isinstance(padding, int) else list(padding)\ndX, dK, db = torch.ops.aten.convolution_backward(dY[None], X[None], K, [K.shape[0]], s, p, [1, 1], False, [0, 0], 1, [True, True, True])\nreturn dX[0], dK, db", "F.conv2d's backward"),
        Mutant("conv2d_backward_ext", "autograd through F.conv2d", "import torch.nn.functional as F\nXg, Kg = X.clone().requires_grad_(True), K.clone().requires_grad_(True)\n(F.conv2d(Xg[None], Kg, stride=stride, padding=padding)[0] * dY).sum().backward()\nreturn Xg.grad, Kg.grad, dY.sum(dim=(1, 2))", "not allowed here"),
    ],
}
# fmt: on
