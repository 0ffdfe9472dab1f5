"""Correct answers written differently from the answer key: each must keep full marks, unflagged."""

from tests.catalogue.mutant import Mutant

# Correct answers written differently: each must keep full marks.
# fmt: off
VARIANTS = {
    "01_cross_correlation": [
        Mutant("corr2d", "shifted slices", "kh, kw = K.shape\noh, ow = X.shape[0] - kh + 1, X.shape[1] - kw + 1\nY = torch.zeros(oh, ow, dtype=torch.float64)\nfor a in range(kh):\n    for b in range(kw):\n        Y += X[a:a + oh, b:b + ow].double() * float(K[a, b])\nreturn Y", ""),
        Mutant("corr2d", "einsum over Tensor.unfold", "kh, kw = K.shape\nwindows = X.double().unfold(0, kh, 1).unfold(1, kw, 1)\nreturn torch.einsum('ijab,ab->ij', windows, K.double()).float()", ""),
        Mutant("corr2d", "unfold written by hand", "kh, kw = K.shape\noh, ow = X.shape[0] - kh + 1, X.shape[1] - kw + 1\ncols = torch.stack([X[i:i + kh, j:j + kw].reshape(-1) for i in range(oh) for j in range(ow)], 1).float()\nreturn (K.reshape(1, -1).float() @ cols).reshape(oh, ow)", ""),
        Mutant("corr2d", "under no_grad, float64", "with torch.no_grad():\n    kh, kw = K.shape\n    Y = torch.zeros((X.shape[0] - kh + 1, X.shape[1] - kw + 1), dtype=torch.float64)\n    for i in range(Y.shape[0]):\n        for j in range(Y.shape[1]):\n            Y[i, j] = (X[i:i + kh, j:j + kw].double() * K.double()).sum()\n    return Y", ""),
        Mutant("Conv2D", "randn weight, super(Conv2D, self)", "super(Conv2D, self).__init__()\nself.weight = nn.Parameter(torch.randn(kernel_size))\nself.bias = nn.Parameter(torch.zeros(1))", ""),
        Mutant("Conv2D", "nn.init.uniform_ on an empty tensor", "super().__init__()\nself.weight = nn.Parameter(nn.init.uniform_(torch.empty(kernel_size), -0.5, 0.5))\nself.bias = nn.Parameter(torch.tensor([0.1]))", ""),
        Mutant("Conv2D", "bias broadcast explicitly", "Y = corr2d(x, self.weight)\nreturn Y + self.bias.expand_as(Y)", "", 1),
    ],
    "02_edge_detection": [
        Mutant("vertical_edge_kernel", "float64", "return torch.tensor([[1.0, -1.0]], dtype=torch.float64)", ""),
        Mutant("edge_map", "loops inline", "kh, kw = K.shape\nY = torch.zeros(X.shape[0] - kh + 1, X.shape[1] - kw + 1)\nfor i in range(Y.shape[0]):\n    for j in range(Y.shape[1]):\n        Y[i, j] = (X[i:i + kh, j:j + kw] * K).sum()\nreturn Y", ""),
        Mutant("sobel_kernels", "written out", "Gx = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])\nreturn Gx, Gx.T.clone()", ""),
        Mutant("gradient_magnitude", "torch.hypot", "Gx, Gy = sobel_kernels()\nreturn torch.hypot(corr2d(img, Gx), corr2d(img, Gy))", ""),
        Mutant("vertical_edge_kernel", "unsqueeze of a vector", "return torch.tensor([1.0, -1.0]).unsqueeze(0)", ""),
        Mutant("horizontal_edge_kernel", "written out", "return torch.tensor([[1.0], [-1.0]])", ""),
        Mutant("horizontal_edge_kernel", "reshape of a vector, float64", "return torch.tensor([1.0, -1.0], dtype=torch.float64).reshape(2, 1)", ""),
        Mutant("edge_map", "under no_grad, float inputs", "with torch.no_grad():\n    return corr2d(X.float(), K.float())", ""),
        Mutant("sobel_kernels", "both written out", "Gx = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])\nGy = torch.tensor([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]])\nreturn Gx, Gy", ""),
        Mutant("gradient_magnitude", "float64, pow and sqrt", "Gx, Gy = sobel_kernels()\nimg = img.double()\nreturn (corr2d(img, Gx.double()).pow(2) + corr2d(img, Gy.double()).pow(2)).sqrt()", ""),
    ],
    "03_learning_kernel": [
        Mutant("train_kernel", "the notes' nn.Conv2d loop", "conv = nn.Conv2d(1, 1, kernel_size, bias=False)\nwith torch.no_grad():\n    conv.weight.copy_((init if init is not None else torch.rand(kernel_size)).reshape(1, 1, *kernel_size))\nX4, Y4 = X.reshape(1, 1, *X.shape).float(), Y.reshape(1, 1, *Y.shape).float()\nlosses = []\nfor _ in range(steps):\n    loss = ((conv(X4) - Y4) ** 2).sum()\n    losses.append(loss.item())\n    conv.zero_grad()\n    loss.backward()\n    conv.weight.data[:] -= lr * conv.weight.grad\nreturn conv.weight.detach().reshape(kernel_size), losses", ""),
        Mutant("kernel_gradient", "explicit sums", "kh, kw = X.shape[0] - dY.shape[0] + 1, X.shape[1] - dY.shape[1] + 1\nG = torch.zeros(kh, kw)\nfor a in range(kh):\n    for b in range(kw):\n        G[a, b] = (X[a:a + dY.shape[0], b:b + dY.shape[1]] * dY).sum()\nreturn G", ""),
        Mutant("train_kernel", "manual update on .data, grad set to None", "w = torch.rand(kernel_size) if init is None else init.detach().clone().float()\nw.requires_grad = True\nlosses = []\nfor _ in range(steps):\n    w.grad = None\n    loss = (corr2d(X, w) - Y).pow(2).sum()\n    loss.backward()\n    losses.append(loss.item())\n    w.data -= lr * w.grad\nreturn w.detach(), losses", ""),
        Mutant("kernel_gradient", "einsum over Tensor.unfold", "oh, ow = dY.shape\nwindows = X.float().unfold(0, oh, 1).unfold(1, ow, 1)\nreturn torch.einsum('abij,ij->ab', windows, dY.float())", ""),
    ],
    "04_padding_stride": [
        Mutant("pad2d", "torch.cat of zero blocks", "if isinstance(padding, int):\n    padding = (padding, padding)\nif len(padding) == 2:\n    padding = (padding[0], padding[0], padding[1], padding[1])\ntop, bottom, left, right = padding\nh, w = X.shape\nrows = torch.cat([torch.zeros(top, w, dtype=X.dtype), X, torch.zeros(bottom, w, dtype=X.dtype)])\nH = rows.shape[0]\nreturn torch.cat([torch.zeros(H, left, dtype=X.dtype), rows, torch.zeros(H, right, dtype=X.dtype)], 1)", ""),
        Mutant("conv_output_shape", "math.floor of a true division", "import math\n\ndef pair(v):\n    return (v, v) if isinstance(v, int) else tuple(v)\n\n(n_h, n_w), (k_h, k_w) = pair(input_size), pair(kernel_size)\n(p_h, p_w), (s_h, s_w), (d_h, d_w) = pair(padding), pair(stride), pair(dilation)\nif min(s_h, s_w, d_h, d_w) < 1 or min(p_h, p_w) < 0:\n    raise ValueError('stride and dilation must be >= 1, padding >= 0')\nout = []\nfor n, k, p, s, d in ((n_h, k_h, p_h, s_h, d_h), (n_w, k_w, p_w, s_w, d_w)):\n    size = math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1\n    if size < 1:\n        raise ValueError('the kernel does not fit')\n    out.append(int(size))\nreturn tuple(out)", ""),
        Mutant("conv_output_shape", "effective kernel first, numpy-free", "def pair(v):\n    return [v, v] if isinstance(v, int) else list(v)\n\nns, ks, ps, ss, ds = (pair(a) for a in (input_size, kernel_size, padding, stride, dilation))\nif any(s <= 0 for s in ss) or any(d <= 0 for d in ds) or any(p < 0 for p in ps):\n    raise ValueError('bad arguments')\neffective = [d * (k - 1) + 1 for k, d in zip(ks, ds)]\nif any(e > n + 2 * p for e, n, p in zip(effective, ns, ps)):\n    raise ValueError('kernel larger than the padded input')\nreturn tuple((n + 2 * p - e) // s + 1 for n, p, e, s in zip(ns, ps, effective, ss))", ""),
        Mutant("pad2d", "new_zeros and slice assignment", "if isinstance(padding, int):\n    padding = (padding,) * 4\nelif len(padding) == 2:\n    padding = (padding[0], padding[0], padding[1], padding[1])\nt, b, l, r = padding\nY = X.new_zeros(X.shape[0] + t + b, X.shape[1] + l + r)\nY[t:t + X.shape[0], l:l + X.shape[1]] = X\nreturn Y", ""),
        Mutant("corr2d_ext", "a dilated kernel built explicitly", "pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)\n(sh, sw), (dh, dw) = pair(stride), pair(dilation)\nif min(sh, sw, dh, dw) < 1:\n    raise ValueError('stride and dilation must be at least 1')\nif min((padding,) if isinstance(padding, int) else padding) < 0:\n    raise ValueError('negative padding')\nkh, kw = K.shape\nKd = torch.zeros(dh * (kh - 1) + 1, dw * (kw - 1) + 1)\nKd[::dh, ::dw] = K\nXp = pad2d(X, padding).float()\nif Kd.shape[0] > Xp.shape[0] or Kd.shape[1] > Xp.shape[1]:\n    raise ValueError('the kernel does not fit')\nrows = range(0, Xp.shape[0] - Kd.shape[0] + 1, sh)\ncols = range(0, Xp.shape[1] - Kd.shape[1] + 1, sw)\nreturn torch.tensor([[(Xp[i:i + Kd.shape[0], j:j + Kd.shape[1]] * Kd).sum().item() for j in cols] for i in rows])", ""),
        Mutant("corr2d_ext", "Tensor.unfold with strides and einsum", "pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)\n(sh, sw), (dh, dw) = pair(stride), pair(dilation)\nif min(sh, sw, dh, dw) < 1:\n    raise ValueError('stride and dilation must be at least 1')\nif min((padding,) if isinstance(padding, int) else padding) < 0:\n    raise ValueError('negative padding')\nkh, kw = K.shape\nXp = pad2d(X, padding).double()\nspan_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1\nif span_h > Xp.shape[0] or span_w > Xp.shape[1]:\n    raise ValueError('the kernel does not fit')\nwindows = Xp.unfold(0, span_h, sh).unfold(1, span_w, sw)[:, :, ::dh, ::dw]\nreturn torch.einsum('ijab,ab->ij', windows, K.double())", ""),
        Mutant("same_padding", "half up before, half down after", "import math\nkh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size\ndh, dw = (dilation, dilation) if isinstance(dilation, int) else dilation\ntotal_h, total_w = dh * (kh - 1), dw * (kw - 1)\nreturn (math.ceil(total_h / 2), math.floor(total_h / 2), math.ceil(total_w / 2), math.floor(total_w / 2))", ""),
        Mutant("same_padding", "divmod", "pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)\nout = []\nfor k, d in zip(pair(kernel_size), pair(dilation)):\n    half, odd = divmod(d * (k - 1), 2)\n    out += [half + odd, half]\nreturn tuple(out)", ""),
    ],
    "05_channels": [
        Mutant("corr2d_multi_in", "torch.stack then sum", "if X.shape[0] != K.shape[0]:\n    raise ValueError('channels')\nreturn torch.stack([corr2d(x, k) for x, k in zip(X, K)]).sum(0)", ""),
        Mutant("corr2d_multi_in", "einsum over unfold", "if X.shape[0] != K.shape[0]:\n    raise ValueError('X and K have different numbers of channels')\nc, kh, kw = K.shape\nwindows = X.float().unfold(1, kh, 1).unfold(2, kw, 1)\nreturn torch.einsum('cijab,cab->ij', windows, K.float())", ""),
        Mutant("corr2d_multi_in_out", "preallocated output, one channel at a time", "if K.shape[1] != X.shape[0]:\n    raise ValueError('channel mismatch')\nfirst = corr2d_multi_in(X, K[0])\nY = torch.zeros(K.shape[0], *first.shape)\nfor o in range(K.shape[0]):\n    Y[o] = corr2d_multi_in(X, K[o])\nreturn Y", ""),
        Mutant("corr2d_multi_in_out", "double loop over outputs and inputs", "c_o, c_i = K.shape[:2]\nif c_i != X.shape[0]:\n    raise ValueError('channel mismatch')\nreturn torch.stack([sum(corr2d(X[c], K[o, c]) for c in range(c_i)) for o in range(c_o)])", ""),
        Mutant("corr2d_grouped", "index arithmetic per output channel", "c_i, c_o = X.shape[0], K.shape[0]\nif c_i % groups or c_o % groups or K.shape[1] * groups != c_i:\n    raise ValueError('channels do not divide into groups')\nin_per, out_per = c_i // groups, c_o // groups\nreturn torch.stack([corr2d_multi_in(X[(o // out_per) * in_per:(o // out_per + 1) * in_per], K[o]) for o in range(c_o)])", ""),
        Mutant("corr2d_grouped", "a block-diagonal dense kernel", "c_i, c_o = X.shape[0], K.shape[0]\nif c_i % groups or c_o % groups or K.shape[1] * groups != c_i:\n    raise ValueError('channels do not divide into groups')\nin_per, out_per = c_i // groups, c_o // groups\ndense = torch.zeros(c_o, c_i, *K.shape[2:])\nfor g in range(groups):\n    dense[g * out_per:(g + 1) * out_per, g * in_per:(g + 1) * in_per] = K[g * out_per:(g + 1) * out_per]\nreturn corr2d_multi_in_out(X, dense)", ""),
    ],
    "06_one_by_one": [
        Mutant("corr2d_multi_in_out_1x1", "einsum", "return torch.einsum('oc,chw->ohw', K[:, :, 0, 0].float(), X.float())", ""),
        Mutant("corr2d_multi_in_out_1x1", "torch.tensordot", "return torch.tensordot(K[:, :, 0, 0].float(), X.float(), dims=1)", ""),
        Mutant("conv_param_count", "weights per group times groups", "if in_channels % groups or out_channels % groups:\n    raise ValueError('groups must divide both channel counts')\nkh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size\nper_group = (out_channels // groups) * (in_channels // groups) * kh * kw\nreturn groups * per_group + (out_channels if bias else 0)", ""),
        Mutant("conv_param_count", "math.prod", "import math\nif in_channels % groups != 0 or out_channels % groups != 0:\n    raise ValueError('groups must divide both channel counts')\nsize = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)\nweights = math.prod((out_channels, in_channels // groups, *size))\nreturn weights + out_channels * int(bool(bias))", ""),
    ],
    "07_pooling": [
        Mutant("pool2d", "Tensor.unfold and amax", "if mode not in ('max', 'avg'):\n    raise ValueError(mode)\np_h, p_w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size\nw = X.float().unfold(0, p_h, 1).unfold(1, p_w, 1)\nreturn w.amax(dim=(2, 3)) if mode == 'max' else w.mean(dim=(2, 3))", ""),
        Mutant("pool2d", "float64 loop, max via torch.max", "if mode not in ('max', 'avg'):\n    raise ValueError(mode)\np_h, p_w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size\nX = X.double()\nreturn torch.tensor([[torch.max(X[i:i + p_h, j:j + p_w]).item() if mode == 'max' else X[i:i + p_h, j:j + p_w].mean().item() for j in range(X.shape[1] - p_w + 1)] for i in range(X.shape[0] - p_h + 1)], dtype=torch.float64)", ""),
        Mutant("pool2d_ext", "Tensor.unfold over a filled canvas", "pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)\n(kh, kw), (ph, pw) = pair(kernel_size), pair(padding)\nsh, sw = (kh, kw) if stride is None else pair(stride)\nif mode not in ('max', 'avg') or min(sh, sw) < 1 or ph > kh // 2 or pw > kw // 2:\n    raise ValueError('bad pooling arguments')\nc, h, w = X.shape\n\ndef size(n, k, p, s):\n    if not ceil_mode:\n        return (n + 2 * p - k) // s + 1\n    out = -(-(n + 2 * p - k) // s) + 1\n    return out - 1 if (out - 1) * s >= n + p else out\n\noh, ow = size(h, kh, ph, sh), size(w, kw, pw, sw)\nfill = float('-inf') if mode == 'max' else 0.0\ncanvas = torch.full((c, max(h + 2 * ph, (oh - 1) * sh + kh), max(w + 2 * pw, (ow - 1) * sw + kw)), fill)\ncanvas[:, ph:ph + h, pw:pw + w] = X\nwindows = canvas.unfold(1, kh, sh).unfold(2, kw, sw)[:, :oh, :ow]\nif mode == 'max':\n    return windows.amax(dim=(-2, -1))\n# the divisor from a mask: 1 where a cell counts (the padded input, or X alone), pooled alike\nmask = torch.zeros(canvas.shape[1:])\nmask[(0, ph)[not count_include_pad]:(h + 2 * ph, ph + h)[not count_include_pad], (0, pw)[not count_include_pad]:(w + 2 * pw, pw + w)[not count_include_pad]] = 1\ncounts = mask.unfold(0, kh, sh).unfold(1, kw, sw)[:oh, :ow].sum(dim=(-2, -1))\nreturn windows.sum(dim=(-2, -1)) / counts", ""),
        Mutant("pool2d_ext", "one channel at a time, float64", "pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)\n(kh, kw), (ph, pw) = pair(kernel_size), pair(padding)\nsh, sw = (kh, kw) if stride is None else pair(stride)\nif mode not in ('max', 'avg'):\n    raise ValueError(f'unknown mode {mode!r}')\nif sh < 1 or sw < 1 or 2 * ph > kh or 2 * pw > kw:\n    raise ValueError('bad pooling arguments')\n\ndef starts(n, k, p, s):\n    last = n + 2 * p - k\n    count = (last + (s - 1 if ceil_mode else 0)) // s + 1\n    if ceil_mode and (count - 1) * s >= n + p:\n        count -= 1\n    return [i * s - p for i in range(count)]\n\nrows, cols = starts(X.shape[1], kh, ph, sh), starts(X.shape[2], kw, pw, sw)\nY = torch.zeros(X.shape[0], len(rows), len(cols), dtype=torch.float64)\nfor ch in range(X.shape[0]):\n    for a, i in enumerate(rows):\n        for b, j in enumerate(cols):\n            win = X[ch, max(i, 0):i + kh, max(j, 0):j + kw].double()\n            inside = (min(i + kh, X.shape[1] + ph) - i) * (min(j + kw, X.shape[2] + pw) - j)\n            Y[ch, a, b] = win.max() if mode == 'max' else win.sum() / (inside if count_include_pad else win.numel())\nreturn Y", ""),
    ],
}
# fmt: on

# Correct answers that use ordinary PyTorch facilities the watch must not mistake for tampering
# or a forbidden route: optimizers, torch.func, torch.autograd.grad, numpy round trips, and code
# that makes PyTorch warn (a warning must not cost a test cell: nbgrader fails one that wrote
# to stderr).
# fmt: off
FACILITIES = {
    "01_cross_correlation": [
        Mutant("Conv2D", "forward as einsum over Tensor.unfold", "kh, kw = self.weight.shape\nwindows = x.unfold(0, kh, 1).unfold(1, kw, 1)\nreturn torch.einsum('ijab,ab->ij', windows, self.weight) + self.bias", "", 1),
        Mutant("corr2d", "numpy round trip", "import numpy as np\nx, k = X.double().numpy(), K.double().numpy()\nkh, kw = k.shape\ny = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1))\nfor i in range(y.shape[0]):\n    for j in range(y.shape[1]):\n        y[i, j] = (x[i:i + kh, j:j + kw] * k).sum()\nreturn torch.from_numpy(y).float()", ""),
    ],
    "03_learning_kernel": [
        Mutant("train_kernel", "torch.optim.SGD", "w = (init.clone() if init is not None else torch.rand(kernel_size)).float().requires_grad_(True)\noptimizer = torch.optim.SGD([w], lr=lr)\nlosses = []\nfor _ in range(steps):\n    optimizer.zero_grad()\n    loss = ((corr2d(X, w) - Y) ** 2).sum()\n    losses.append(loss.item())\n    loss.backward()\n    optimizer.step()\nreturn w.detach(), losses", ""),
        Mutant("train_kernel", "float(loss), which makes PyTorch warn", "w = (init.clone() if init is not None else torch.rand(kernel_size)).float().requires_grad_(True)\nlosses = []\nfor _ in range(steps):\n    loss = ((corr2d(X, w) - Y) ** 2).sum()\n    losses.append(float(loss))\n    loss.backward()\n    with torch.no_grad():\n        w -= lr * w.grad\n    w.grad = None\nreturn w.detach(), losses", ""),
        Mutant("train_kernel", "torch.autograd.grad", "w = (init.clone() if init is not None else torch.rand(kernel_size)).float()\nlosses = []\nfor _ in range(steps):\n    w.requires_grad_(True)\n    loss = ((corr2d(X, w) - Y) ** 2).sum()\n    losses.append(loss.item())\n    (grad,) = torch.autograd.grad(loss, w)\n    w = (w - lr * grad).detach()\nreturn w, losses", ""),
        Mutant("kernel_gradient", "torch.func.grad", "K0 = torch.zeros(X.shape[0] - dY.shape[0] + 1, X.shape[1] - dY.shape[1] + 1)\nreturn torch.func.grad(lambda K: (corr2d(X, K) * dY).sum())(K0)", ""),
        Mutant("kernel_gradient", "torch.autograd.grad", "K = torch.zeros(X.shape[0] - dY.shape[0] + 1, X.shape[1] - dY.shape[1] + 1, requires_grad=True)\n(grad,) = torch.autograd.grad((corr2d(X, K) * dY).sum(), K)\nreturn grad", ""),
    ],
    "02_edge_detection": [
        Mutant("gradient_magnitude", "torch.hypot", "Gx, Gy = sobel_kernels()\nreturn torch.hypot(corr2d(img, Gx), corr2d(img, Gy))", ""),
    ],
    "04_padding_stride": [
        Mutant("pad2d", "numpy's np.pad", "import numpy as np\nif isinstance(padding, int):\n    padding = (padding,) * 4\nelif len(padding) == 2:\n    padding = (padding[0], padding[0], padding[1], padding[1])\ntop, bottom, left, right = padding\nreturn torch.from_numpy(np.pad(X.numpy(), ((top, bottom), (left, right))))", ""),
    ],
    "05_channels": [
        Mutant("corr2d_multi_in", "einsum over Tensor.unfold, float64", "if X.shape[0] != K.shape[0]:\n    raise ValueError('X and K need the same number of channels')\nkh, kw = K.shape[1:]\nwindows = X.double().unfold(1, kh, 1).unfold(2, kw, 1)\nreturn torch.einsum('cijab,cab->ij', windows, K.double()).float()", ""),
    ],
    "07_pooling": [
        Mutant("pool2d", "numpy round trip", "import numpy as np\nif mode not in ('max', 'avg'):\n    raise ValueError(mode)\np_h, p_w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size\nx = X.double().numpy()\ny = np.zeros((x.shape[0] - p_h + 1, x.shape[1] - p_w + 1))\nfor i in range(y.shape[0]):\n    for j in range(y.shape[1]):\n        window = x[i:i + p_h, j:j + p_w]\n        y[i, j] = window.max() if mode == 'max' else window.mean()\nreturn torch.from_numpy(y).float()", ""),
    ],
}
# fmt: on

for _aid, _variants in FACILITIES.items():
    VARIANTS[_aid] = VARIANTS.get(_aid, []) + _variants
