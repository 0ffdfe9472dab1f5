"""Forbidden routes: each reaches PyTorch's own convolution, pooling, unfold or padding (or the
course's reference) by a way the student did not write as ``F.conv2d``. Each must lose its
exercise's points, with a message that says why. Patches of what a check compares with live in
:mod:`tests.catalogue.tampering`: they run in a fresh process each."""

from tests.catalogue.mutant import Mutant

CONV = "X[None, None].float(), K[None, None].float()"

# fmt: off
ROUTES = {
    "01_cross_correlation": [
        Mutant("corr2d", "torch.ops.aten.convolution", f"return torch.ops.aten.convolution({CONV}, None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1)[0, 0]", "not allowed here: F.conv2d"),
        Mutant("corr2d", "getattr with a built string", "import torch.nn.functional as F\nreturn getattr(F, 'con' + 'v2d')(" + CONV + ")[0, 0]", "not allowed here: F.conv2d"),
        Mutant("corr2d", "a private binding, torch._C._VariableFunctions", f"return torch._C._VariableFunctions.conv2d({CONV})[0, 0]", "not allowed here: F.conv2d"),
        Mutant("corr2d", "im2col through torch._C._nn", "kh, kw = K.shape\ncols = torch._C._nn.im2col(X[None, None].float(), [kh, kw], [1, 1], [0, 0], [1, 1])[0]\nreturn (K.reshape(1, -1).float() @ cols).reshape(X.shape[0] - kh + 1, X.shape[1] - kw + 1)", "not allowed here: F.unfold"),
        Mutant("corr2d", "a transposed convolution of the flipped kernel", "import torch.nn.functional as F\nkh, kw = K.shape\nY = F.conv_transpose2d(X[None, None].float(), K.flip(0, 1)[None, None].float(), padding=(kh - 1, kw - 1))\nreturn Y[0, 0]", "not allowed here: F.conv_transpose2d"),
        Mutant("corr2d", "the course's reference", "from convlab import oracle\nreturn oracle.corr2d(X, K)", "convlab.oracle.corr2d (the course's reference)"),
        Mutant("corr2d", "the reference's private kernel", "import convlab.oracle as o\nreturn o._conv2d(" + CONV + ")[0, 0]", "not allowed here: F.conv2d"),
    ],
    "02_edge_detection": [
        Mutant("combine_kernels", "a transposed convolution", "import torch.nn.functional as F\nreturn F.conv_transpose2d(K1[None, None].float(), K2[None, None].float())[0, 0]", "not allowed here: F.conv_transpose2d"),
        Mutant("gradient_magnitude", "a private binding of the convolution", "Gx = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])\nconv = torch._C._VariableFunctions.conv2d\nx = img[None, None].float()\nreturn torch.sqrt(conv(x, Gx[None, None]) ** 2 + conv(x, Gx.T[None, None]) ** 2)[0, 0]", "not allowed here: F.conv2d"),
    ],
    "03_learning_kernel": [
        Mutant("kernel_gradient", "torch.ops.aten.convolution", "return torch.ops.aten.convolution(X[None, None].float(), dY[None, None].float(), None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1)[0, 0]", "not allowed here: F.conv2d"),
    ],
    "04_padding_stride": [
        Mutant("pad2d", "torch.ops.aten.constant_pad_nd", "top, bottom, left, right = (padding,) * 4 if isinstance(padding, int) else (padding if len(padding) == 4 else (padding[0], padding[0], padding[1], padding[1]))\nreturn torch.ops.aten.constant_pad_nd(X, [left, right, top, bottom], 0)", "not allowed here: F.pad"),
        Mutant("corr2d_ext", "torch.ops.aten.convolution", "return torch.ops.aten.convolution(pad2d(X, padding)[None, None].float(), K[None, None].float(), None, [stride] * 2 if isinstance(stride, int) else list(stride), [0, 0], [dilation] * 2 if isinstance(dilation, int) else list(dilation), False, [0, 0], 1)[0, 0]", "not allowed here: F.conv2d"),
    ],
    "05_channels": [
        Mutant("corr2d_multi_in", "torch.ops.aten.convolution", "if X.shape[0] != K.shape[0]:\n    raise ValueError('channels differ')\nreturn torch.ops.aten.convolution(X[None].float(), K[None].float(), None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1)[0, 0]", "not allowed here: F.conv2d"),
    ],
    "06_one_by_one": [
        Mutant("corr2d_multi_in_out_1x1", "torch.ops.aten.convolution", "return torch.ops.aten.convolution(X[None].float(), K.float(), None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1)[0]", "not allowed here: F.conv2d"),
    ],
    "07_pooling": [
        Mutant("pool2d", "torch.ops.aten.max_pool2d_with_indices", "if mode not in ('max', 'avg'):\n    raise ValueError(mode)\nsize = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size\nif mode == 'max':\n    return torch.ops.aten.max_pool2d_with_indices(X[None].float(), list(size), [1, 1])[0][0]\nreturn torch.ops.aten.avg_pool2d(X[None].float(), list(size), [1, 1])[0]", "not allowed here: F.max_pool2d"),
        Mutant("pool2d", "the course's reference", "from convlab import oracle\nif mode not in ('max', 'avg'):\n    raise ValueError(mode)\nreturn oracle.pool2d(X, pool_size, 1, 0, mode)", "convlab.oracle.pool2d (the course's reference)"),
        Mutant("pool2d_ext", "nn.AvgPool2d through torch._C._nn", "if mode not in ('max', 'avg') or (stride is not None and min((stride,) * 2 if isinstance(stride, int) else stride) < 1):\n    raise ValueError('bad arguments')\nif mode == 'max':\n    return torch._C._nn.max_pool2d_with_indices(X.float(), kernel_size, stride or kernel_size, padding, 1, ceil_mode)[0]\nreturn torch._C._nn.avg_pool2d(X.float(), kernel_size, stride or kernel_size, padding, ceil_mode, count_include_pad)", "not allowed here: F.max_pool2d"),
    ],
    "08_backprop_im2col": [
        Mutant("corr2d_input_grad", "F.conv_transpose2d", "import torch.nn.functional as F\nreturn F.conv_transpose2d(dY[None, None], K[None, None], stride=stride, padding=padding)[0, 0]", "not allowed here: F.conv_transpose2d"),
        Mutant("corr2d_input_grad", "autograd through F.conv2d", "import torch.nn.functional as F\nX = torch.zeros(input_size, requires_grad=True)\nY = F.conv2d(X[None, None], K[None, None], stride=stride, padding=padding)[0, 0]\n(Y * dY).sum().backward()\nreturn X.grad", "not allowed here"),
        Mutant("conv2d_backward", "torch.ops.aten.convolution_backward", "dX, dK, db = torch.ops.aten.convolution_backward(dY[None], X[None], K, [K.shape[0]], [1, 1], [0, 0], [1, 1], False, [0, 0], 1, [True, True, True])\nreturn dX[0], dK, db", "F.conv2d's backward"),
        Mutant("conv2d_backward", "autograd through the lent corr2d", "Xg, Kg = X.clone().requires_grad_(True), K.clone().requires_grad_(True)\nY = torch.stack([sum(corr2d(Xg[c], Kg[o, c]) for c in range(X.shape[0])) for o in range(K.shape[0])])\n(Y * dY).sum().backward()\nreturn Xg.grad, Kg.grad, dY.sum(dim=(1, 2))", "F.conv2d's backward"),
        Mutant("pool2d_backward", "autograd through F.max_pool2d", "import torch.nn.functional as F\nXg = X.clone().requires_grad_(True)\npool = F.max_pool2d if mode == 'max' else F.avg_pool2d\n(pool(Xg[None, None], kernel_size, stride) [0, 0] * dY).sum().backward()\nreturn Xg.grad", "not allowed here"),
        Mutant("im2col", "F.unfold", "import torch.nn.functional as F\nreturn F.unfold(X[None], kernel_size, stride=stride, padding=padding)[0]", "not allowed here: F.unfold"),
    ],
    "10_modern_blocks": [
        Mutant("batch_norm_forward", "torch.ops.aten.native_batch_norm", "running_mean, running_var = running_mean.clone(), running_var.clone()\nY = torch.ops.aten.native_batch_norm(X, gamma, beta, running_mean, running_var, training, momentum, eps)[0]\nreturn Y, running_mean, running_var", "not allowed here: F.batch_norm"),
        Mutant("batch_norm_forward", "nn.BatchNorm2d with the running statistics copied in", "layer = torch.nn.BatchNorm2d(X.shape[1], eps=eps, momentum=momentum)\nwith torch.no_grad():\n    layer.weight.copy_(gamma)\n    layer.bias.copy_(beta)\n    layer.running_mean.copy_(running_mean)\n    layer.running_var.copy_(running_var)\nlayer.train(training)\nY = layer(X).detach()\nreturn Y, layer.running_mean.clone(), layer.running_var.clone()", "not allowed here: F.batch_norm"),
        Mutant("batch_norm_backward", "torch.ops.aten.native_batch_norm_backward", "mean = X.mean(dim=(0, 2, 3))\ninvstd = 1 / torch.sqrt(X.var(dim=(0, 2, 3), unbiased=False) + eps)\nreturn torch.ops.aten.native_batch_norm_backward(dY, X, gamma, None, None, mean, invstd, True, eps, [True, True, True])", "not allowed here: F.batch_norm"),
        Mutant("batch_norm_backward", "layer norm's backward on each channel", "dX = torch.zeros_like(X)\nXg = X.transpose(0, 1).reshape(X.shape[1], -1).clone().requires_grad_(True)\nY = torch.nn.functional.layer_norm(Xg, Xg.shape[1:], eps=eps) * gamma[:, None]\n(Y * dY.transpose(0, 1).reshape(X.shape[1], -1)).sum().backward()\ndX = Xg.grad.reshape(X.shape[1], X.shape[0], *X.shape[2:]).transpose(0, 1)\nxhat = (X - X.mean(dim=(0, 2, 3), keepdim=True)) / torch.sqrt(X.var(dim=(0, 2, 3), unbiased=False, keepdim=True) + eps)\nreturn dX, (dY * xhat).sum(dim=(0, 2, 3)), dY.sum(dim=(0, 2, 3))", "not allowed here: F.instance_norm, F.layer_norm or F.group_norm"),
        Mutant("depthwise_separable", "torch.ops.aten.convolution with groups", "Z = torch.ops.aten.convolution(X[None], K_depth, None, [1, 1], [0, 0], [1, 1], False, [0, 0], X.shape[0])\nreturn corr2d_multi_in_out_1x1(Z[0], K_point)", "not allowed here: F.conv2d"),
    ],
}
# fmt: on
