"""Wrong answers written out by hand, and the templates of the answer key's solutions that the
templated entries (:mod:`tests.catalogue.templated`) change one slot of."""

from tests.catalogue.mutant import Mutant, template

CORR2D_LOOP = """kh, kw = K.shape
Y = torch.zeros((X.shape[0] - kh + 1, X.shape[1] - kw + 1))
for i in range(Y.shape[0]):
    for j in range(Y.shape[1]):
        Y[i, j] = (X[i:i + kh, j:j + kw] * {kernel}).sum()
return Y{post}"""

POOL_EXT = """def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)

(kh, kw), (ph, pw) = pair(kernel_size), pair(padding)
sh, sw = {stride}
if mode not in ("max", "avg"):
    raise ValueError(mode)
if min(sh, sw) < 1 or ph > kh // 2 or pw > kw // 2:
    raise ValueError("bad arguments")
c, h, w = X.shape
Xp = torch.full((c, h + 2 * ph, w + 2 * pw), {fill})
Xp[:, ph:ph + h, pw:pw + w] = X
ceil = {ceil}

def size(n, k, p, s):
    out = (n + 2 * p - k + (s - 1 if ceil else 0)) // s + 1
    if ceil and (out - 1) * s >= n + p:
        out -= 1
    return out

def cells(start, k, p, n):
    low, high = (0, n + 2 * p) if {include} else (p, p + n)
    return min(start + k, high) - max(start, low)

Y = torch.zeros(c, size(h, kh, ph, sh), size(w, kw, pw, sw))
for i in range(Y.shape[1]):
    for j in range(Y.shape[2]):
        window = Xp[:, i * sh:i * sh + kh, j * sw:j * sw + kw]
        Y[:, i, j] = window.amax(dim=(1, 2)) if mode == "max" else window.sum(dim=(1, 2)) / ({divisor})
return Y"""
POOL_OK = {
    "stride": "pair(stride) if stride is not None else (kh, kw)",
    "fill": 'float("-inf") if mode == "max" else 0.0',
    "ceil": "ceil_mode",
    "include": "count_include_pad",
    "divisor": "cells(i * sh, kh, ph, h) * cells(j * sw, kw, pw, w)",
}


pool_ext = template(POOL_EXT, POOL_OK)  # the answer key's pool2d_ext, pieces replaceable


TRAIN = """w = ({start}).float()
w.requires_grad_(True)
losses = []
for _ in range(steps):
    loss = ((corr2d(X, w) - Y) ** 2).{reduce}()
    losses.append({record})
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
    w.grad.zero_()
return {result}, losses"""
TRAIN_OK = {
    "start": "init.clone() if init is not None else torch.rand(kernel_size)",
    "reduce": "sum",
    "record": "loss.item()",
    "result": "w.detach()",
}


train = template(TRAIN, TRAIN_OK)


MUTANTS = {
    "01_cross_correlation": [
        Mutant(
            "corr2d",
            "flipped kernel",
            CORR2D_LOOP.format(kernel="torch.flip(K, (0, 1))", post=""),
            "kernel flipped: this is convolution",
        ),
        Mutant(
            "corr2d",
            "transposed output",
            CORR2D_LOOP.format(kernel="K", post=".T"),
            "output transposed",
        ),
        Mutant(
            "corr2d",
            "calls F.conv2d",
            "return F.conv2d(X[None, None].float(), K[None, None].float())[0, 0]",
            "not allowed here: F.conv2d",
        ),
        Mutant(
            "Conv2D",
            "forgets the bias",
            "return corr2d(x, self.weight)",
            "forward ignores the bias",
            region=1,
        ),
    ],
    "02_edge_detection": [
        Mutant(
            "diagonal_edge_kernel",
            "a diagonal line instead of an edge detector",
            "return torch.eye(2)",
            "responds to a flat region",
        ),
        Mutant(
            "combine_kernels",
            "the two kernels summed, the smaller one padded",
            """h, w = max(K1.shape[0], K2.shape[0]), max(K1.shape[1], K2.shape[1])
C = torch.zeros(h, w)
C[:K1.shape[0], :K1.shape[1]] += K1
C[:K2.shape[0], :K2.shape[1]] += K2
return C""",
            "shifted down by c and right by d",
        ),
        Mutant(
            "gradient_magnitude",
            "L1 norm",
            """Gx = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
return corr2d(img, Gx).abs() + corr2d(img, Gx.T).abs()""",
            "|Gx| + |Gy| instead of sqrt",
        ),
    ],
    "03_learning_kernel": [
        Mutant(
            "train_kernel",
            "gradients accumulate",
            train().replace("    w.grad.zero_()\n", ""),
            "gradients accumulate",
        ),
        Mutant(
            "train_kernel",
            "loss after update",
            train()
            .replace("    losses.append(loss.item())\n", "")
            .replace(
                "w.grad.zero_()", "w.grad.zero_()\n    losses.append(((corr2d(X, w) - Y) ** 2).sum().item())"
            ),
            "loss recorded after the update",
        ),
        Mutant(
            "kernel_gradient",
            "convolution",
            "return corr2d(X, torch.flip(dY, (0, 1)))",
            "dY flipped",
        ),
    ],
    "04_padding_stride": [
        Mutant(
            "conv_output_shape",
            "padding once",
            """def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)

shape = []
for n, k, p, s, d in zip(*map(pair, (input_size, kernel_size, padding, stride, dilation))):
    if s < 1 or d < 1 or p < 0 or d * (k - 1) + 1 > n + 2 * p:
        raise ValueError("bad arguments")
    shape.append((n + p - d * (k - 1) - 1) // s + 1)
return tuple(shape)""",
            "padding counted once",
        ),
        Mutant(
            "pad2d",
            "uses F.pad",
            """p = (padding,) * 4 if isinstance(padding, int) else tuple(padding)
if len(p) == 2:
    p = (p[0], p[0], p[1], p[1])
return F.pad(X, (p[2], p[3], p[0], p[1]))""",
            "not allowed here: F.pad",
        ),
        Mutant(
            "corr2d_ext",
            "no ValueError",
            """sh, sw = (stride, stride) if isinstance(stride, int) else stride
dh, dw = (dilation, dilation) if isinstance(dilation, int) else dilation
Xp = pad2d(X, padding)
kh, kw = K.shape
oh = (Xp.shape[0] - dh * (kh - 1) - 1) // max(sh, 1) + 1
ow = (Xp.shape[1] - dw * (kw - 1) - 1) // max(sw, 1) + 1
Y = torch.zeros((max(oh, 0), max(ow, 0)))
for i in range(Y.shape[0]):
    for j in range(Y.shape[1]):
        win = Xp[i * sh : i * sh + dh * (kh - 1) + 1 : dh, j * sw : j * sw + dw * (kw - 1) + 1 : dw]
        Y[i, j] = (win * K).sum()
return Y""",
            "accepted bad arguments",
        ),
        Mutant(
            "same_padding",
            "extra row at the bottom",
            """kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
dh, dw = (dilation, dilation) if isinstance(dilation, int) else dilation
ph, pw = dh * (kh - 1), dw * (kw - 1)
return ph // 2, (ph + 1) // 2, pw // 2, (pw + 1) // 2""",
            "wrong side",
        ),
    ],
    "05_channels": [
        Mutant(
            "corr2d_multi_in",
            "mean over channels",
            "return sum(corr2d(x, k) for x, k in zip(X, K)) / X.shape[0]",
            "averaged over channels",
        ),
        Mutant(
            "corr2d_multi_in",
            "no ValueError",
            "return sum(corr2d(x, k) for x, k in zip(X, K))",
            "accepted bad arguments",
        ),
        Mutant(
            "corr2d_multi_in_out",
            "stacked on dim 1",
            """if K.shape[1] != X.shape[0]:
    raise ValueError("channels")
return torch.stack([corr2d_multi_in(X, k) for k in K], 1)""",
            "stacked along the wrong dimension",
        ),
        Mutant(
            "corr2d_grouped",
            "interleaved outputs",
            """c_i, c_o = X.shape[0], K.shape[0]
if c_i % groups or c_o % groups or K.shape[1] != c_i // groups:
    raise ValueError("groups")
per = c_o // groups
outs = [corr2d_multi_in(X.chunk(groups, 0)[o % groups], K[o]) for o in range(c_o)]
return torch.stack(outs, 0)""",
            "wrong group",
        ),
    ],
    "06_one_by_one": [
        Mutant(
            "corr2d_multi_in_out_1x1",
            "K read as (c_i, c_o)",
            """c_i, h, w = X.shape
c_o = K.shape[0]
return (K.reshape(c_i, c_o).T @ X.reshape(c_i, h * w)).reshape(c_o, h, w)""",
            "weights scrambled",
        ),
        Mutant(
            "corr2d_multi_in_out_1x1",
            "a product per pixel",
            """c_i, h, w = X.shape
c_o = K.shape[0]
Y = torch.zeros(c_o, h, w)
for i in range(h):
    for j in range(w):
        Y[:, i, j] = K.reshape(c_o, c_i) @ X[:, i, j]
return Y""",
            "matrix multiplications",
        ),
        Mutant(
            "corr2d_multi_in_out_1x1",
            "broadcast sum, no product",
            """return (K[:, :, 0, 0][:, :, None, None] * X[None]).sum(1)""",
            "without a matrix multiplication",
        ),
        Mutant(
            "conv_param_count",
            "no bias",
            """kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
if in_channels % groups or out_channels % groups:
    raise ValueError("groups")
return out_channels * (in_channels // groups) * kh * kw""",
            "the bias not counted",
        ),
        Mutant(
            "conv_param_count",
            "groups ignored",
            """kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
if in_channels % groups or out_channels % groups:
    raise ValueError("groups")
return out_channels * in_channels * kh * kw + (out_channels if bias else 0)""",
            "groups ignored",
        ),
    ],
    "07_pooling": [
        Mutant(
            "pool2d",
            "swapped window",
            """if mode not in ("max", "avg"):
    raise ValueError(mode)
p_h, p_w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
Y = torch.zeros(X.shape[0] - p_h + 1, X.shape[1] - p_w + 1)
for i in range(Y.shape[0]):
    for j in range(Y.shape[1]):
        window = X[i:i + p_w, j:j + p_h].float()
        Y[i, j] = window.max() if mode == "max" else window.mean()
return Y""",
            "pool height and width swapped",
        ),
        Mutant(
            "pool2d",
            "uses F.max_pool2d",
            """if mode not in ("max", "avg"):
    raise ValueError(mode)
pool = F.max_pool2d if mode == "max" else F.avg_pool2d
return pool(X[None, None].float(), pool_size, stride=1)[0, 0]""",
            "not allowed here: F.max_pool2d",
        ),
        Mutant(
            "pool2d_ext",
            "stride defaults to 1",
            pool_ext(stride="pair(stride) if stride is not None else (1, 1)"),
            "stride defaults to 1",
        ),
        Mutant("pool2d_ext", "zero padding for max", pool_ext(fill="0.0"), "max pooling padded with zeros"),
        Mutant("pool2d_ext", "ceil_mode ignored", pool_ext(ceil="False"), "ceil_mode ignored"),
    ],
}
