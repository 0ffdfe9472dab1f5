"""Wrong answers that change one slot of a template of the answer key's solution (or call the
PyTorch function the exercise forbids), so that each exercise has at least six."""

from tests.catalogue.handwritten import CORR2D_LOOP, pool_ext, train
from tests.catalogue.mutant import Mutant, template

CONV_INIT = """super().__init__()
self.weight = {weight}
self.bias = {bias}"""


conv_init = template(
    CONV_INIT, {"weight": "nn.Parameter(torch.rand(kernel_size))", "bias": "nn.Parameter(torch.zeros(1))"}
)


SHAPE = """def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)

shape = []
for n, k, p, s, d in zip(*map(pair, (input_size, kernel_size, padding, stride, dilation))):
    if {check}:
        raise ValueError("bad arguments")
    shape.append({formula})
return tuple(shape)"""
SHAPE_OK = {
    "check": "s < 1 or d < 1 or p < 0 or d * (k - 1) + 1 > n + 2 * p",
    "formula": "(n + 2 * p - d * (k - 1) - 1) // s + 1",
}


shape = template(SHAPE, SHAPE_OK)


PAD = """if isinstance(padding, int):
    top = bottom = left = right = padding
elif len(padding) == 2:
    top = bottom = padding[0]
    left = right = padding[1]
else:
    top, bottom, left, right = {four}
h, w = X.shape
Y = torch.{fill}((top + h + bottom, left + w + right), dtype=X.dtype)
Y[top:top + h, left:left + w] = X
return Y"""


pad = template(PAD, {"four": "padding", "fill": "zeros"})


EXT = """sh, sw = (stride, stride) if isinstance(stride, int) else stride
dh, dw = (dilation, dilation) if isinstance(dilation, int) else dilation
sides = (padding,) if isinstance(padding, int) else tuple(padding)
if min(sh, sw) < 1 or min(dh, dw) < 1 or min(sides) < 0:
    raise ValueError("bad arguments")
Xp = pad2d(X, {padding})
kh, kw = {kernel}.shape
oh = (Xp.shape[0] - dh * (kh - 1) - 1) // {sh} + 1
ow = (Xp.shape[1] - dw * (kw - 1) - 1) // {sw} + 1
if oh < 1 or ow < 1:
    raise ValueError("the kernel does not fit")
Y = torch.zeros((oh, ow))
for i in range(oh):
    for j in range(ow):
        window = Xp[i * {sh} : i * {sh} + dh * (kh - 1) + 1 : {dh}, j * {sw} : j * {sw} + dw * (kw - 1) + 1 : {dw}]
        Y[i, j] = (window * {kernel}).sum()
return Y"""
EXT_OK = {"padding": "padding", "kernel": "K", "sh": "sh", "sw": "sw", "dh": "dh", "dw": "dw"}


ext = template(EXT, EXT_OK)


SAME = """kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
dh, dw = (dilation, dilation) if isinstance(dilation, int) else dilation
ph, pw = {ph}, {pw}
return {result}"""
SAME_OK = {
    "ph": "dh * (kh - 1)",
    "pw": "dw * (kw - 1)",
    "result": "(ph + 1) // 2, ph // 2, (pw + 1) // 2, pw // 2",
}


same = template(SAME, SAME_OK)


POOL = """if mode not in ({modes}):
    raise ValueError(mode)
p_h, p_w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
Y = torch.zeros(X.shape[0] - p_h + 1, X.shape[1] - p_w + 1{dtype})
for i in range(Y.shape[0]):
    for j in range(Y.shape[1]):
        window = X[i:i + p_h, j:j + p_w].float()
        Y[i, j] = {reduce}
return Y"""
POOL_OK = {"modes": '"max", "avg"', "dtype": "", "reduce": 'window.max() if mode == "max" else window.mean()'}


pool = template(POOL, POOL_OK)


PARAMS = """if {check}:
    raise ValueError("groups")
kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
return {count}"""
PARAMS_OK = {
    "check": "in_channels % groups or out_channels % groups",
    "count": "out_channels * (in_channels // groups) * kh * kw + (out_channels if bias else 0)",
}


params = template(PARAMS, PARAMS_OK)


GROUPED = """c_i, c_o = X.shape[0], K.shape[0]
if {check}:
    raise ValueError("groups")
xs, ks = {xs}, {ks}
return torch.cat([corr2d_multi_in_out(x, k) for x, k in zip(xs, ks)], 0)"""
GROUPED_OK = {
    "check": "c_i % groups or c_o % groups or K.shape[1] != c_i // groups",
    "xs": "X.chunk(groups, dim=0)",
    "ks": "K.chunk(groups, dim=0)",
}


grouped = template(GROUPED, GROUPED_OK)


# Notebook 08: the answer key's solutions, one slot per piece a mistake changes.
INPUT_GRAD = """sh, sw = (stride, stride) if isinstance(stride, int) else stride
ph, pw = (padding, padding) if isinstance(padding, int) else padding
(h, w), (kh, kw) = input_size, K.shape
dXp = torch.zeros({size})
for i in range(dY.shape[0]):
    for j in range(dY.shape[1]):
        dXp[{rows}, {cols}] {op} {scale}{k}
return {ret}"""
input_grad = template(
    INPUT_GRAD,
    {
        "size": "h + 2 * ph, w + 2 * pw",
        "rows": "i * sh : i * sh + kh",
        "cols": "j * sw : j * sw + kw",
        "op": "+=",
        "scale": "dY[i, j] * ",
        "k": "K",
        "ret": "dXp[ph : ph + h, pw : pw + w]",
    },
)
BACKWARD = """c_o, c_i = K.shape[:2]
dX = torch.stack([sum(corr2d_input_grad(dY[o], K[o, c], X.shape[1:]) for o in {outs}) for c in range(c_i)])
dK = {dk}
db = {db}
return {ret}"""
backward = template(
    BACKWARD,
    {
        "outs": "range(c_o)",
        "dk": "torch.stack([torch.stack([corr2d(X[c], dY[o]) for c in range(c_i)]) for o in range(c_o)])",
        "db": "dY.sum(dim=(1, 2))",
        "ret": "dX, dK, db",
    },
)
NUMERICAL = """grad = torch.zeros_like(x)
flat, out = x.view(-1), grad.view(-1)
for i in range({n}):
    old = flat[i].item()
    flat[i] = old + h
    f_plus = float(f(x))
    flat[i] = {down}
    f_minus = float(f(x))
    {restore}
    out[i] = ({num}) / {den}
return grad"""
numerical = template(
    NUMERICAL,
    {
        "n": "flat.numel()",
        "down": "old - h",
        "restore": "flat[i] = old",
        "num": "f_plus - f_minus",
        "den": "(2 * h)",
    },
)
POOL_BACK = """kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
if stride is None:
    stride = {default}
sh, sw = (stride, stride) if isinstance(stride, int) else stride
dX = torch.zeros(X.shape)
for i in range(dY.shape[0]):
    for j in range(dY.shape[1]):
        window = X[i * sh : i * sh + kh, j * sw : j * sw + kw]
        if mode == "max":
            {mx}
        else:
            {av}
return dX"""
pool_back = template(
    POOL_BACK,
    {
        "default": "(kh, kw)",
        "mx": "a, b = divmod(int(window.argmax()), kw)\n            dX[i * sh + a, j * sw + b] += dY[i, j]",
        "av": "dX[i * sh : i * sh + kh, j * sw : j * sw + kw] += dY[i, j] / (kh * kw)",
    },
)
COLUMNS = """kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
sh, sw = (stride, stride) if isinstance(stride, int) else stride
ph, pw = (padding, padding) if isinstance(padding, int) else padding
Xp = torch.stack([pad2d(channel, {pad}) for channel in X])
oh, ow = {size}
cols = [{window}.reshape(-1) {loops}]
return torch.stack(cols, dim={dim})"""
columns = template(
    COLUMNS,
    {
        "pad": "(ph, pw)",
        "size": "(Xp.shape[1] - kh) // sh + 1, (Xp.shape[2] - kw) // sw + 1",
        "window": "Xp[:, i * sh : i * sh + kh, j * sw : j * sw + kw]",
        "loops": "for i in range(oh) for j in range(ow)",
        "dim": "1",
    },
)
CONV_COLS = """c_o, c_i, kh, kw = K.shape
ph, pw = (padding, padding) if isinstance(padding, int) else padding
sh, sw = (stride, stride) if isinstance(stride, int) else stride
oh = (X.shape[1] + 2 * ph - kh) // sh + 1
ow = (X.shape[2] + 2 * pw - kw) // sw + 1
return {ret}"""
conv_cols = template(
    CONV_COLS, {"ret": "(K.reshape(c_o, -1) @ im2col(X, (kh, kw), stride, padding)).reshape(c_o, oh, ow)"}
)


# Notebook 09: the answer key's network, table and training loop, one slot per piece a mistake changes.
MODEL = """return nn.Sequential(
    nn.Conv2d(1, 16, kernel_size=3, padding={padding}), {first}nn.MaxPool2d(2),
    nn.Conv2d(16, 32, kernel_size=3, padding=1), {second}nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear({features}, {classes}),{tail}
)"""
model = template(
    MODEL,
    {
        "padding": "1",
        "first": "nn.ReLU(), ",
        "second": "nn.ReLU(), ",
        "features": "32 * 2 * 2",
        "classes": "10",
        "tail": "",
    },
)
TABLE = """rows, shape = [], tuple(input_shape)
for layer in model:
    params = 0
    if isinstance(layer, (nn.Conv2d, nn.MaxPool2d)):
        settings = {settings}
        channels = layer.out_channels if isinstance(layer, nn.Conv2d) else shape[0]
        shape = (channels, *conv_output_shape(shape[1:], *settings))
    if isinstance(layer, nn.Conv2d):
        has_bias = {has_bias}
        params = conv_param_count(layer.in_channels, layer.out_channels, layer.kernel_size, layer.groups, has_bias)
    elif isinstance(layer, nn.Flatten):
        shape = ({flatten},)
    elif isinstance(layer, nn.Linear):
        shape = (layer.out_features,)
        params = (layer.in_features + {linear_bias}) * layer.out_features
    rows.append((type(layer).__name__, {row_shape}, params))
return rows"""
table = template(
    TABLE,
    {
        "settings": "(layer.kernel_size, layer.padding, layer.stride, layer.dilation)",
        "has_bias": "layer.bias is not None",
        "flatten": "shape[0] * shape[1] * shape[2]",
        "linear_bias": "(layer.bias is not None)",
        "row_shape": "shape",
    },
)
FIT = """X_train, y_train, X_test, y_test = data
optimizer = torch.optim.Adam(model.parameters(), lr=lr)
loss_fn = nn.CrossEntropyLoss()
history = []
for epoch in range(epochs):
    model.train()
    order = torch.randperm(len(y_train), generator=torch.Generator().manual_seed(seed + epoch))
    total = 0.0
    for start in range(0, len(order), batch_size):
        batch = order[start : start + batch_size]
        {zero}
        loss = loss_fn({logits}, y_train[batch])
        {backward}
        {step}
        total += loss.item() * len(batch)
    {evaluate}
    with torch.no_grad():
        accuracy = (model({measured}).argmax(dim=1) == {labels}).float().mean().item()
    history.append((total / len(order), accuracy))
    if on_epoch is not None:
        {report}
return history"""
fit = template(
    FIT,
    {
        "zero": "optimizer.zero_grad()",
        "logits": "model(X_train[batch])",
        "backward": "loss.backward()",
        "step": "optimizer.step()",
        "evaluate": "model.eval()",
        "measured": "X_test",
        "labels": "y_test",
        "report": "on_epoch(epoch, *history[-1])",
    },
)

F_CONV = "return F.conv2d(X[None, None].float(), K[None, None].float())[0, 0]"

# fmt: off
MORE = {
    "01_cross_correlation": [
        Mutant("corr2d", "output one short", CORR2D_LOOP.format(kernel="K", post="").replace("+ 1, X.shape[1] - kw + 1", ", X.shape[1] - kw"), "n - k + 1"),
        Mutant("corr2d", "last row missing", CORR2D_LOOP.format(kernel="K", post="").replace("for i in range(Y.shape[0]):", "for i in range(Y.shape[0] - 1):"), "last row of the output not computed"),
        Mutant("corr2d", "mean", CORR2D_LOOP.format(kernel="K", post=" / K.numel()"), "averaged instead of summed"),
        Mutant("corr2d", "integer output", CORR2D_LOOP.format(kernel="K", post="").replace("Y = torch.zeros((", "Y = torch.zeros(dtype=X.dtype, size=("), "torch.zeros_like(X)"),
        Mutant("corr2d", "modifies X", "X[0, 0] = X[0, 0] + 1\n" + CORR2D_LOOP.format(kernel="K", post=""), "modified its input X in place"),
        Mutant("corr2d", "torch.conv2d alias", "conv = torch.conv2d\nreturn conv(X[None, None].float(), K[None, None].float())[0, 0]", "not allowed here: F.conv2d"),
        Mutant("corr2d", "square inputs only", CORR2D_LOOP.format(kernel="K", post="").replace("X.shape[1] - kw + 1", "X.shape[0] - kw + 1"), "X of shape"),
        Mutant("Conv2D", "super(Conv2D) without self", conv_init().replace("super().__init__()", "super(nn.Module).__init__()"), "super().__init__()"),
        Mutant("Conv2D", "weight a plain tensor", conv_init(weight="torch.rand(kernel_size)"), "wrap it: self.weight = nn.Parameter"),
        Mutant("Conv2D", "zero weight", conv_init(weight="nn.Parameter(torch.zeros(kernel_size))"), "not randomly initialised"),
        Mutant("Conv2D", "bias per position", conv_init(bias="nn.Parameter(torch.zeros(kernel_size))"), "bias has the wrong shape"),
        Mutant("Conv2D", "weight detached", "return corr2d(x, self.weight.detach()) + self.bias", "no gradient reaches the weight", region=1),
        Mutant("Conv2D", "calls F.conv2d", "return F.conv2d(x[None, None], self.weight[None, None])[0, 0] + self.bias", "not allowed here: F.conv2d", region=1),
    ],
    "02_edge_detection": [
        Mutant("diagonal_edge_kernel", "the corner kernel (Roberts)", "return torch.tensor([[1.0, 0.0], [0.0, -1.0]])", "responds to vertical edges"),
        Mutant("diagonal_edge_kernel", "the other corner", "return torch.tensor([[0.0, 1.0], [-1.0, 0.0]])", "responds to vertical edges"),
        Mutant("diagonal_edge_kernel", "the vertical-edge kernel", "return torch.tensor([[1.0, -1.0]])", "responds to vertical edges"),
        Mutant("diagonal_edge_kernel", "the horizontal-edge kernel", "return torch.tensor([[1.0], [-1.0]])", "responds to horizontal edges"),
        Mutant("diagonal_edge_kernel", "zeros", "return torch.zeros(2, 2)", "does not respond to a diagonal edge"),
        Mutant("diagonal_edge_kernel", "a blur", "return torch.full((2, 2), 0.25)", "responds to a flat region"),
        Mutant("diagonal_edge_kernel", "integers", "return torch.tensor([[1, -1], [-1, 1]])", "dtype int64"),
        Mutant("diagonal_edge_kernel", "a list", "return [[1.0, -1.0], [-1.0, 1.0]]", "not a torch.Tensor"),
        Mutant("diagonal_edge_kernel", "one-dimensional", "return torch.tensor([1.0, -1.0])", "not 2-D"),
        Mutant("rising_edge_kernel", "the notes' [[1, -1]]", "return torch.tensor([[1.0, -1.0]])", "left − right"),
        Mutant("rising_edge_kernel", "transposed", "return torch.tensor([[-1.0], [1.0]])", "kernel transposed"),
        Mutant("rising_edge_kernel", "one-dimensional", "return torch.tensor([-1.0, 1.0])", "one-dimensional kernel"),
        Mutant("rising_edge_kernel", "Sobel's three taps", "return torch.tensor([[-1.0, 0.0, 1.0]])", "three taps"),
        Mutant("rising_edge_kernel", "halved", "return torch.tensor([[-0.5, 0.5]])", "half the step"),
        Mutant("rising_edge_kernel", "integers", "return torch.tensor([[-1, 1]])", "float entries"),
        Mutant("rising_edge_kernel", "a list", "return [[-1.0, 1.0]]", "not a torch.Tensor"),
        Mutant("combine_kernels", "K2 flipped", "h1, w1 = K1.shape\nh2, w2 = K2.shape\nC = torch.zeros(h1 + h2 - 1, w1 + w2 - 1)\nfor c in range(h2):\n    for d in range(w2):\n        C[c:c + h1, d:d + w1] += K1 * K2.flip(0, 1)[c, d]\nreturn C", "K2 flipped"),
        Mutant("combine_kernels", "K1 flipped", "h1, w1 = K1.shape\nh2, w2 = K2.shape\nC = torch.zeros(h1 + h2 - 1, w1 + w2 - 1)\nfor c in range(h2):\n    for d in range(w2):\n        C[c:c + h1, d:d + w1] += K1.flip(0, 1) * K2[c, d]\nreturn C", "K1 flipped"),
        Mutant("combine_kernels", "one row and column too many", "h1, w1 = K1.shape\nh2, w2 = K2.shape\nC = torch.zeros(h1 + h2, w1 + w2)\nfor c in range(h2):\n    for d in range(w2):\n        C[c:c + h1, d:d + w1] += K1 * K2[c, d]\nreturn C", "(kh1 + kh2 - 1)"),
        Mutant("combine_kernels", "overwrites instead of adding", "h1, w1 = K1.shape\nh2, w2 = K2.shape\nC = torch.zeros(h1 + h2 - 1, w1 + w2 - 1)\nfor c in range(h2):\n    for d in range(w2):\n        C[c:c + h1, d:d + w1] = K1 * K2[c, d]\nreturn C", "wrong values"),
        Mutant("combine_kernels", "Kronecker product", "return torch.kron(K1, K2)", "Kronecker"),
        Mutant("combine_kernels", "valid cross-correlation", "return corr2d(K1, K2)", "valid cross-correlation"),
        Mutant("combine_kernels", "calls F.conv2d on the padded kernel", "import torch.nn.functional as F\nh2, w2 = K2.shape\nP = F.pad(K1[None, None], (w2 - 1, w2 - 1, h2 - 1, h2 - 1))\nreturn F.conv2d(P, K2.flip(0, 1)[None, None])[0, 0]", "not allowed here"),
        Mutant("gradient_magnitude", "no square root", "Gx = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])\nreturn corr2d(img, Gx) ** 2 + corr2d(img, Gx.T) ** 2", "square root missing"),
        Mutant("gradient_magnitude", "only Gx", "Gx = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])\nreturn corr2d(img, Gx).abs()", "only Gx used"),
        Mutant("gradient_magnitude", "only Gy", "Gx = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])\nreturn corr2d(img, Gx.T).abs()", "only Gy used"),
        Mutant("gradient_magnitude", "Gx twice", "Gx = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])\nreturn torch.sqrt(corr2d(img, Gx) ** 2 + corr2d(img, Gx) ** 2)", "Gx used twice"),
        Mutant("gradient_magnitude", "Prewitt smoothing", "Gx = torch.tensor([[-1.0, 0.0, 1.0]] * 3)\nreturn torch.sqrt(corr2d(img, Gx) ** 2 + corr2d(img, Gx.T) ** 2)", "Prewitt"),
        Mutant("gradient_magnitude", "padded to the same size", "Gx = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])\nP = torch.zeros(img.shape[0] + 2, img.shape[1] + 2)\nP[1:-1, 1:-1] = img\nreturn torch.sqrt(corr2d(P, Gx) ** 2 + corr2d(P, Gx.T) ** 2)", "valid region"),
        Mutant("gradient_magnitude", "calls F.conv2d", "import torch.nn.functional as F\nGx = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])\nW = torch.stack([Gx, Gx.T])[:, None]\nG = F.conv2d(img[None, None].float(), W)[0]\nreturn torch.sqrt((G ** 2).sum(0))", "not allowed here: F.conv2d"),
    ],
    "03_learning_kernel": [
        Mutant("train_kernel", "mean loss", train(reduce="mean"), "mean instead of sum"),
        Mutant("train_kernel", "gradient ascent", train().replace("w -= lr * w.grad", "w += lr * w.grad"), "gradient ascent"),
        Mutant("train_kernel", "init modified", train(start="init if init is not None else torch.rand(kernel_size)"), "modified its input init"),
        Mutant("train_kernel", "weight not detached", train(result="w"), "still requires grad"),
        Mutant("train_kernel", "losses as tensors", train(record="loss.detach()"), "losses holds tensors"),
        Mutant("train_kernel", "init ignored", train(start="torch.rand(kernel_size)"), "training went differently"),
        Mutant("kernel_gradient", "averaged", "return corr2d(X, dY) / dY.numel()", "averaged instead of summed"),
        Mutant("kernel_gradient", "transposed", "return corr2d(X, dY).T", "output transposed"),
        Mutant("kernel_gradient", "arguments swapped", "return corr2d(dY, X)", "kernel_gradient"),
        Mutant("kernel_gradient", "doubled", "return 2 * corr2d(X, dY)", "that is corr2d(X, dY)"),
        Mutant("kernel_gradient", "calls F.conv2d", "import torch.nn.functional as F\nreturn F.conv2d(X[None, None].float(), dY[None, None].float())[0, 0]", "not allowed here: F.conv2d"),
    ],
    "04_padding_stride": [
        Mutant("conv_output_shape", "dilation d*k", shape(formula="(n + 2 * p - d * k) // s + 1"), "dilation off by one"),
        Mutant("conv_output_shape", "rounded up", shape(formula="-(-(n + 2 * p - d * (k - 1) - 1) // s) + 1"), "rounded up instead of down"),
        Mutant("conv_output_shape", "+1 missing", shape(formula="(n + 2 * p - d * (k - 1) - 1) // s"), "+ 1 missing"),
        Mutant("conv_output_shape", "true division", shape(formula="(n + 2 * p - d * (k - 1) - 1) / s + 1"), "not ints"),
        Mutant("conv_output_shape", "no ValueError", shape(check="False"), "instead of ValueError"),
        Mutant("pad2d", "F.pad's order", pad(four="(padding[2], padding[3], padding[0], padding[1])"), "F.pad's order"),
        Mutant("pad2d", "pair swapped", pad().replace("top = bottom = padding[0]\n    left = right = padding[1]", "top = bottom = padding[1]\n    left = right = padding[0]"), "pair read as (pw, ph)"),
        Mutant("pad2d", "one side only", pad().replace("Y = torch.zeros((top + h + bottom, left + w + right)", "bottom = right = 0\nY = torch.zeros((top + h + bottom, left + w + right)"), "one side only"),
        Mutant("pad2d", "pads with ones", pad(fill="ones"), "zeros around"),
        Mutant("pad2d", "half the padding each side", pad().replace("h, w = X.shape", "top, bottom, left, right = top // 2, bottom // 2, left // 2, right // 2\nh, w = X.shape"), "padding makes an h×w input"),
        Mutant("corr2d_ext", "stride on rows only", ext(sw="1"), "stride applied to the rows only"),
        Mutant("corr2d_ext", "dilation off by one", ext(dh="(dh + 1)", dw="(dw + 1)").replace("dh * (kh - 1) + 1 : (dh + 1)", "(dh + 1) * (kh - 1) + 1 : (dh + 1)").replace("dw * (kw - 1) + 1 : (dw + 1)", "(dw + 1) * (kw - 1) + 1 : (dw + 1)").replace("oh = (Xp.shape[0] - dh", "oh = (Xp.shape[0] - (dh + 1)").replace("ow = (Xp.shape[1] - dw", "ow = (Xp.shape[1] - (dw + 1)"), "dilation off by one"),
        Mutant("corr2d_ext", "padding on one side", ext(padding="(padding, 0, padding, 0) if isinstance(padding, int) else padding"), "padding counted in total"),
        Mutant("corr2d_ext", "flipped kernel", ext(kernel="torch.flip(K, (0, 1))"), "kernel flipped"),
        Mutant("corr2d_ext", "calls F.conv2d", "return F.conv2d(pad2d(X, padding)[None, None].float(), K[None, None].float(), stride=stride, dilation=dilation)[0, 0]", "not allowed here: F.conv2d"),
        Mutant("same_padding", "total on each side", same(result="ph, ph, pw, pw"), "does not keep the size"),
        Mutant("same_padding", "dilation ignored", same(ph="kh - 1", pw="kw - 1"), "dilation ignored"),
        Mutant("same_padding", "a pair", same(result="ph // 2, pw // 2"), "did not return (top, bottom, left, right)"),
        Mutant("same_padding", "floor on both sides", same(result="ph // 2, ph // 2, pw // 2, pw // 2"), "does not keep the size"),
        Mutant("same_padding", "(top, left, bottom, right)", same(result="(ph + 1) // 2, (pw + 1) // 2, ph // 2, pw // 2"), "same_padding"),
    ],
    "05_channels": [
        Mutant("corr2d_multi_in", "first channel only", "if X.shape[0] != K.shape[0]:\n    raise ValueError('channels')\nreturn corr2d(X[0], K[0])", "only the first channel used"),
        Mutant("corr2d_multi_in", "stacked, not summed", "if X.shape[0] != K.shape[0]:\n    raise ValueError('channels')\nreturn torch.stack([corr2d(x, k) for x, k in zip(X, K)])", "one map per channel"),
        Mutant("corr2d_multi_in", "channels reversed", "if X.shape[0] != K.shape[0]:\n    raise ValueError('channels')\nreturn sum(corr2d(x, k) for x, k in zip(X, torch.flip(K, (0,))))", "channels paired in the wrong order"),
        Mutant("corr2d_multi_in", "calls F.conv2d", "return F.conv2d(X[None].float(), K[None].float())[0, 0]", "not allowed here: F.conv2d"),
        Mutant("corr2d_multi_in_out", "summed outputs", "if K.shape[1] != X.shape[0]:\n    raise ValueError('channels')\nreturn sum(corr2d_multi_in(X, k) for k in K)", "summed instead of stacked"),
        Mutant("corr2d_multi_in_out", "first output only", "if K.shape[1] != X.shape[0]:\n    raise ValueError('channels')\nreturn corr2d_multi_in(X, K[0])", "only the first output channel"),
        Mutant("corr2d_multi_in_out", "no ValueError", "return torch.stack([sum(corr2d(x, kk) for x, kk in zip(X, k)) for k in K], 0)", "accepted bad arguments"),
        Mutant("corr2d_multi_in_out", "stacked on the last dimension", "if K.shape[1] != X.shape[0]:\n    raise ValueError('channels')\nreturn torch.stack([corr2d_multi_in(X, k) for k in K], 2)", "corr2d_multi_in_out"),
        Mutant("corr2d_multi_in_out", "calls F.conv2d", "return F.conv2d(X[None].float(), K.float())[0]", "not allowed here: F.conv2d"),
        Mutant("corr2d_grouped", "strided inputs", grouped(xs="[X[g::groups] for g in range(groups)]"), "input channels assigned to the wrong group"),
        Mutant("corr2d_grouped", "groups ignored", "c_i, c_o = X.shape[0], K.shape[0]\nif c_i % groups or c_o % groups or K.shape[1] != c_i // groups:\n    raise ValueError('groups')\nreturn corr2d_multi_in_out(X[:K.shape[1]], K)", "groups ignored"),
        Mutant("corr2d_grouped", "no ValueError", grouped(check="False"), "accepted bad arguments"),
        Mutant("corr2d_grouped", "groups in reverse", grouped(xs="X.chunk(groups, dim=0)[::-1]"), "corr2d_grouped"),
        Mutant("corr2d_grouped", "calls F.conv2d", "return F.conv2d(X[None].float(), K.float(), groups=groups)[0]", "not allowed here: F.conv2d"),
    ],
    "06_one_by_one": [
        Mutant("corr2d_multi_in_out_1x1", "pixels scrambled", "c_i, h, w = X.shape\nc_o = K.shape[0]\nreturn (K.reshape(c_o, c_i) @ X.reshape(h * w, c_i).T).reshape(c_o, h, w)", "pixels scrambled"),
        Mutant("corr2d_multi_in_out_1x1", "output (c_o, w, h)", "c_i, h, w = X.shape\nc_o = K.shape[0]\nreturn (K.reshape(c_o, c_i) @ X.reshape(c_i, h * w)).reshape(c_o, h, w).transpose(1, 2).reshape(c_o, h, w)", "reshaped as (c_o, w, h)"),
        Mutant("corr2d_multi_in_out_1x1", "calls F.conv2d", "return F.conv2d(X[None].float(), K.float())[0]", "not allowed here: F.conv2d"),
        Mutant("conv_param_count", "bias despite bias=False", params(count="out_channels * (in_channels // groups) * kh * kw + out_channels"), "although bias=False"),
        Mutant("conv_param_count", "bias per input channel", params(count="out_channels * (in_channels // groups) * kh * kw + (in_channels if bias else 0)"), "one bias per input channel"),
        Mutant("conv_param_count", "k not k squared", "if in_channels % groups or out_channels % groups:\n    raise ValueError('groups')\nk = kernel_size if isinstance(kernel_size, int) else kernel_size[0] * kernel_size[1]\nreturn out_channels * (in_channels // groups) * k + (out_channels if bias else 0)", "counted as k, not k × k"),
        Mutant("conv_param_count", "a float", params(count="out_channels * (in_channels / groups) * kh * kw + (out_channels if bias else 0)"), "not an int"),
        Mutant("conv_param_count", "no ValueError", params(check="False"), "accepted bad arguments"),
    ],
    "07_pooling": [
        Mutant("receptive_field", "strides ignored", "return 1 + sum(k - 1 for k, s in layers)", "strides ignored"),
        Mutant("receptive_field", "own stride counted", "r, jump = 1, 1\nfor k, s in layers:\n    jump *= s\n    r += (k - 1) * jump\nreturn r", "own stride counted too"),
        Mutant("receptive_field", "strides from the last layer", "r, jump = 1, 1\nfor k, s in reversed(layers):\n    r += (k - 1) * jump\n    jump *= s\nreturn r", "strides taken from the layers after"),
        Mutant("receptive_field", "kernel sizes added", "r, jump = 0, 1\nfor k, s in layers:\n    r += k * jump\n    jump *= s\nreturn r", "kernel sizes added"),
        Mutant("receptive_field", "the 1 forgotten", "r, jump = 0, 1\nfor k, s in layers:\n    r += (k - 1) * jump\n    jump *= s\nreturn r", "the 1 is missing"),
        Mutant("receptive_field", "kernel sizes multiplied", "import math\nreturn math.prod(k for k, s in layers)", "kernel sizes multiplied"),
        Mutant("receptive_field", "a float", "r, jump = 1.0, 1\nfor k, s in layers:\n    r += (k - 1) * jump\n    jump *= s\nreturn r", "not an int"),
        Mutant("receptive_field", "the stride times the kernel", "return 1 + sum((k - 1) * s for k, s in layers)", "receptive_field"),
        Mutant("pool2d", "max and avg swapped", pool(reduce='window.mean() if mode == "max" else window.max()'), "max and average swapped"),
        Mutant("pool2d", "sum instead of mean", pool(reduce='window.max() if mode == "max" else window.sum()'), "summed instead of averaged"),
        Mutant("pool2d", "unknown mode accepted", pool(modes='"max", "avg", "min"'), "accepted bad arguments"),
        Mutant("pool2d", "integer output", pool(dtype=", dtype=X.dtype"), "float"),
        Mutant("pool2d_ext", "average ignores padding", pool_ext(include="False"), "average pooling ignores the padding"),
        Mutant("pool2d_ext", "count_include_pad ignored", pool_ext(include="True"), "count_include_pad=False an average divides by the window's cells"),
        Mutant("pool2d_ext", "overhanging window divided by kh × kw", pool_ext(divisor="kh * kw"), "an overhanging window divided by the full window"),
        Mutant("pool2d_ext", "pooled across channels", pool_ext().replace("return Y", "return Y.amax(0, keepdim=True).expand_as(Y).clone() if mode == 'max' else Y.mean(0, keepdim=True).expand_as(Y).clone()"), "pooled across channels"),
        Mutant("pool2d_ext", "no ValueError", pool_ext().replace('if min(sh, sw) < 1 or ph > kh // 2 or pw > kw // 2:\n    raise ValueError("bad arguments")', ""), "accepted bad arguments"),
        Mutant("pool2d_ext", "calls F.max_pool2d", "return F.max_pool2d(X[None].float(), kernel_size, stride, padding, ceil_mode=ceil_mode)[0] if mode == 'max' else F.avg_pool2d(X[None].float(), kernel_size, stride, padding, ceil_mode=ceil_mode)[0]", "not allowed here: F.max_pool2d"),
    ],
    "08_backprop_im2col": [
        Mutant("corr2d_input_grad", "K flipped in the scatter", input_grad(k="K.flip(0, 1)"), "kernel not flipped"),
        Mutant("corr2d_input_grad", "padding not cut off", input_grad(ret="dXp"), "padding is not cut off"),
        Mutant("corr2d_input_grad", "stride ignored", input_grad(rows="i : i + kh", cols="j : j + kw"), "stride ignored"),
        Mutant("corr2d_input_grad", "dY ignored", input_grad(scale=""), "dY ignored"),
        Mutant("corr2d_input_grad", "sized by the last window", input_grad(size="(dY.shape[0] - 1) * sh + kh, (dY.shape[1] - 1) * sw + kw", ret="dXp[ph : dXp.shape[0] - ph, pw : dXp.shape[1] - pw]"), "never reaches"),
        Mutant("corr2d_input_grad", "overwrites instead of adding", input_grad(op="="), "add dY[i, j] * K"),
        Mutant("conv2d_backward", "db a mean", backward(db="dY.mean(dim=(1, 2))"), "db: a mean"),
        Mutant("conv2d_backward", "db one number", backward(db="dY.sum()"), "db: one number"),
        Mutant("conv2d_backward", "dX from the first output only", backward(outs="range(1)"), "only the first output channel"),
        Mutant("conv2d_backward", "dK with dY flipped", backward(dk="torch.stack([torch.stack([corr2d(X[c], dY[o].flip(0, 1)) for c in range(c_i)]) for o in range(c_o)])"), "dK: dY flipped"),
        Mutant("conv2d_backward", "dK averaged", backward(dk="torch.stack([torch.stack([corr2d(X[c], dY[o]) for c in range(c_i)]) for o in range(c_o)]) / dY[0].numel()"), "dK: averaged"),
        Mutant("conv2d_backward", "dK and dX swapped", backward(ret="dK, dX, db"), "dX has X's shape"),
        Mutant("conv2d_backward", "db forgotten", backward(ret="dX, dK"), "did not return three gradients"),
        Mutant("numerical_gradient", "forward difference", numerical(down="old", den="h"), "forward difference"),
        Mutant("numerical_gradient", "divided by h", numerical(den="h"), "divided by h instead of 2h"),
        Mutant("numerical_gradient", "sign flipped", numerical(num="f_minus - f_plus"), "sign flipped"),
        Mutant("numerical_gradient", "only the first entry", numerical(n="1"), "only the first entry"),
        Mutant("numerical_gradient", "x never put back", numerical(restore="pass"), "in place"),
        Mutant("numerical_gradient", "precedence: / 2 * h", numerical(den="2 * h"), "(2 * h)"),
        Mutant("relative_error", "mean", "return ((a - b).abs() / (a.abs() + b.abs()).clamp(min=1e-8)).mean().item()", "the mean instead"),
        Mutant("relative_error", "no absolute value", "return ((a - b) / (a.abs() + b.abs()).clamp(min=1e-8)).max().item()", "no absolute value"),
        Mutant("relative_error", "relative to a", "return ((a - b).abs() / a.abs().clamp(min=1e-8)).max().item()", "relative to |a| only"),
        Mutant("relative_error", "ratio of maxima", "return ((a - b).abs().max() / (a.abs() + b.abs()).max().clamp(min=1e-8)).item()", "ratio of the maxima"),
        Mutant("relative_error", "no guard", "return ((a - b).abs() / (a.abs() + b.abs())).max().item()", "returned nan"),
        Mutant("relative_error", "per-entry ratios", "return (a - b).abs() / (a.abs() + b.abs()).clamp(min=1e-8)", "not a number"),
        Mutant("pool2d_backward", "every maximum", pool_back(mx="dX[i * sh : i * sh + kh, j * sw : j * sw + kw] += (window == window.max()) * dY[i, j]"), "every maximum"),
        Mutant("pool2d_backward", "the last maximum", pool_back(mx="flat = window.flatten()\n            a, b = divmod(len(flat) - 1 - int(flat.flip(0).argmax()), kw)\n            dX[i * sh + a, j * sw + b] += dY[i, j]"), "last maximum"),
        Mutant("pool2d_backward", "max spread like an average", pool_back(mx="dX[i * sh : i * sh + kh, j * sw : j * sw + kw] += dY[i, j] / (kh * kw)"), "spread over the window"),
        Mutant("pool2d_backward", "overlaps overwritten", pool_back(av="dX[i * sh : i * sh + kh, j * sw : j * sw + kw] = dY[i, j] / (kh * kw)", mx="dX[i * sh : i * sh + kh, j * sw : j * sw + kw] = 0\n            a, b = divmod(int(window.argmax()), kw)\n            dX[i * sh + a, j * sw + b] = dY[i, j]"), "overwrite each other"),
        Mutant("pool2d_backward", "average not divided", pool_back(av="dX[i * sh : i * sh + kh, j * sw : j * sw + kw] += dY[i, j]"), "not divided by the window"),
        Mutant("pool2d_backward", "stride 1 by default", pool_back(default="(1, 1)"), "stride taken as 1"),
        Mutant("im2col", "channels last", columns(window="Xp[:, i * sh : i * sh + kh, j * sw : j * sw + kw].permute(1, 2, 0)"), "channels last"),
        Mutant("im2col", "window column by column", columns(window="Xp[:, i * sh : i * sh + kh, j * sw : j * sw + kw].transpose(1, 2)"), "column by column"),
        Mutant("im2col", "windows column by column", columns(loops="for j in range(ow) for i in range(oh)"), "windows taken column by column"),
        Mutant("im2col", "transposed", columns(dim="0"), "transposed"),
        Mutant("im2col", "padding ignored", columns(pad="(0, 0)"), "padding ignored"),
        Mutant("im2col", "stride ignored", columns(window="Xp[:, i : i + kh, j : j + kw]", size="(Xp.shape[1] - kh) + 1, (Xp.shape[2] - kw) + 1"), "stride ignored"),
        Mutant("corr2d_im2col", "kernel flipped", conv_cols(ret="(K.flip(2, 3).reshape(c_o, -1) @ im2col(X, (kh, kw), stride, padding)).reshape(c_o, oh, ow)"), "kernel flipped"),
        Mutant("corr2d_im2col", "output (c_o, w', h')", conv_cols(ret="(K.reshape(c_o, -1) @ im2col(X, (kh, kw), stride, padding)).reshape(c_o, ow, oh)"), "(c_o, w', h')"),
        Mutant("corr2d_im2col", "weights scrambled", conv_cols(ret="(K.reshape(-1, c_o).T @ im2col(X, (kh, kw), stride, padding)).reshape(c_o, oh, ow)"), "weights scrambled"),
        Mutant("corr2d_im2col", "one product per output channel", conv_cols(ret="torch.stack([(K[o].reshape(1, -1) @ im2col(X, (kh, kw), stride, padding)).reshape(oh, ow) for o in range(c_o)])"), "matrix multiplications"),
        Mutant("corr2d_im2col", "padding forgotten in im2col", conv_cols(ret="(K.reshape(c_o, -1) @ im2col(X, (kh, kw), stride)).reshape(c_o, oh, ow)"), "corr2d_im2col"),
        Mutant("corr2d_im2col", "calls F.conv2d", "import torch.nn.functional as F\nreturn F.conv2d(X[None], K, stride=stride, padding=padding)[0]", "not allowed here: F.conv2d"),
    ],
    "09_cnn_digits": [
        Mutant("build_model", "no ReLU", model(first="", second=""), "no ReLU after the first convolution"),
        Mutant("build_model", "second ReLU missing", model(second=""), "no ReLU after the second convolution"),
        Mutant("build_model", "a sigmoid instead", model(first="nn.Sigmoid(), "), "not a ReLU after the first"),
        Mutant("build_model", "softmax at the end", model(tail=" nn.Softmax(dim=1),"), "softmax at the end"),
        Mutant("build_model", "flatten size of the input", model(features="32 * 8 * 8"), "flatten size"),
        Mutant("build_model", "no padding", model(padding="0"), "wrong settings"),
        Mutant("build_model", "nine classes", model(classes="9"), "wrong output shape"),
        Mutant("layer_table", "pooling stride 1", table(settings="(layer.kernel_size, layer.padding, 1, layer.dilation)"), "layer.stride"),
        Mutant("layer_table", "padding ignored", table(settings="(layer.kernel_size, 0, layer.stride, layer.dilation)"), "raised RuntimeError"),
        Mutant("layer_table", "dilation ignored", table(settings="(layer.kernel_size, layer.padding, layer.stride, 1)"), "dilation"),
        Mutant("layer_table", "a convolution always has a bias", table(has_bias="True"), "bias"),
        Mutant("layer_table", "the linear layer's bias forgotten", table(linear_bias="0"), "bias"),
        Mutant("layer_table", "channels lost in Flatten", table(flatten="shape[1] * shape[2]"), "(features,)"),
        Mutant("layer_table", "the batch kept", table(row_shape="(1, *shape)"), "without the batch"),
        Mutant("train", "zero_grad forgotten", fit(zero="pass"), "zero_grad is missing"),
        Mutant("train", "softmax before the loss", fit(logits="model(X_train[batch]).softmax(dim=1)"), "softmax before the cross-entropy"),
        Mutant("train", "evaluated in train mode", fit(evaluate="pass"), "evaluated in train mode"),
        Mutant("train", "test set in the training set", fit().replace("X_train, y_train, X_test, y_test = data\n", "X_train, y_train, X_test, y_test = data\nX_train, y_train = torch.cat([X_train, X_test]), torch.cat([y_train, y_test])\n"), "test images used in training"),
        Mutant("train", "accuracy on the training set", fit(measured="X_train", labels="y_train"), "not the test set's"),
        Mutant("train", "gradient ascent", fit(backward="(-loss).backward()"), "does not decrease"),
        Mutant("train", "the optimizer never steps", fit(step="pass"), "never stepped"),
        Mutant("train", "on_epoch never called", fit(report="pass"), "on_epoch not called"),
    ],
}
# fmt: on
