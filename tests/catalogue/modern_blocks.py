"""Notebook 10's catalogue: wrong answers (one slot of a template of the answer key changed, or a
forbidden route) and correct answers written differently from the key."""

from tests.catalogue.mutant import Mutant, template

BN_FORWARD = """if training:
    mean = X.mean(dim={axes})
    var = X.var(dim={axes}, unbiased={unbiased})
    m = X.numel() // X.shape[1]
    running_mean = {update_mean}
    running_var = {update_var}
else:
    mean, var = {eval_stats}
    running_mean, running_var = running_mean.clone(), running_var.clone()
X_hat = (X - {mean}) / {divisor}
Y = {scale} * X_hat + {shift}
return Y, running_mean, running_var"""
BN_FORWARD_OK = {
    "axes": "(0, 2, 3)",
    "unbiased": "False",
    "update_mean": "(1 - momentum) * running_mean + momentum * mean",
    "update_var": "(1 - momentum) * running_var + momentum * var * m / (m - 1)",
    "eval_stats": "running_mean, running_var",
    "mean": "mean[None, :, None, None]",
    "divisor": "torch.sqrt(var[None, :, None, None] + eps)",
    "scale": "gamma[None, :, None, None]",
    "shift": "beta[None, :, None, None]",
}
bn_forward = template(BN_FORWARD, BN_FORWARD_OK)

BN_BACKWARD = """axes = {axes}
mean = X.mean(dim=axes, keepdim=True)
std = torch.sqrt(X.var(dim=axes, unbiased=False, keepdim=True) + eps)
X_hat = (X - mean) / std
dbeta = {dbeta}
dgamma = {dgamma}
dX_hat = {gain} * dY
dX = (dX_hat{center}{scale}) / std
return {ret}"""
BN_BACKWARD_OK = {
    "axes": "(0, 2, 3)",
    "dbeta": "dY.sum(dim=axes)",
    "dgamma": "(dY * X_hat).sum(dim=axes)",
    "gain": "gamma[None, :, None, None]",
    "center": " - dX_hat.mean(dim=axes, keepdim=True)",
    "scale": " - X_hat * (dX_hat * X_hat).mean(dim=axes, keepdim=True)",
    "ret": "dX, dgamma, dbeta",
}
bn_backward = template(BN_BACKWARD, BN_BACKWARD_OK)

SEPARABLE = """Z = corr2d_grouped({x}, {k_depth}, groups={groups})
return {out}"""
SEPARABLE_OK = {
    "x": "X",
    "k_depth": "K_depth",
    "groups": "X.shape[0]",
    "out": "corr2d_multi_in_out_1x1(Z, K_point)",
}
separable = template(SEPARABLE, SEPARABLE_OK)

RESIDUAL_FORWARD = """y = {middle}(self.bn1(self.conv1(x)))
return {out}"""
RESIDUAL_FORWARD_OK = {"middle": "torch.relu", "out": "torch.relu(self.bn2(self.conv2(y)) + x)"}
residual_forward = template(RESIDUAL_FORWARD, RESIDUAL_FORWARD_OK)

RESIDUAL_INIT = """self.conv1 = nn.Conv2d(channels, channels, 3, padding={padding}, bias={bias})
self.bn1 = nn.BatchNorm2d({features})
self.conv2 = nn.Conv2d(channels, channels, 3, padding={padding}, bias={bias})
self.bn2 = {bn2}"""
RESIDUAL_INIT_OK = {
    "padding": "1",
    "bias": "False",
    "features": "channels",
    "bn2": "nn.BatchNorm2d(channels)",
}
residual_init = template(RESIDUAL_INIT, RESIDUAL_INIT_OK)

# fmt: off
MUTANTS = {
    "10_modern_blocks": [
        Mutant("batch_norm_forward", "statistics over the whole batch", bn_forward(axes="(0, 1, 2, 3)", mean="mean", divisor="torch.sqrt(var + eps)", update_mean="(1 - momentum) * running_mean + momentum * X.mean(dim=(0, 2, 3))", update_var="(1 - momentum) * running_var + momentum * X.var(dim=(0, 2, 3)) "), "one mean and variance for the whole batch"),
        Mutant("batch_norm_forward", "statistics per image", bn_forward(axes="(2, 3)", mean="mean[:, :, None, None]", divisor="torch.sqrt(var[:, :, None, None] + eps)", update_mean="(1 - momentum) * running_mean + momentum * X.mean(dim=(0, 2, 3))", update_var="(1 - momentum) * running_var + momentum * X.var(dim=(0, 2, 3))"), "statistics per image"),
        Mutant("batch_norm_forward", "unbiased variance in the normalization", bn_forward(unbiased="True", update_var="(1 - momentum) * running_var + momentum * var"), "normalized with the unbiased variance"),
        Mutant("batch_norm_forward", "eps outside the square root", bn_forward(divisor="(torch.sqrt(var[None, :, None, None]) + eps)"), "eps added outside the square root"),
        Mutant("batch_norm_forward", "gamma and beta swapped", bn_forward(scale="beta[None, :, None, None]", shift="gamma[None, :, None, None]"), "gamma and beta swapped"),
        Mutant("batch_norm_forward", "momentum the wrong way round", bn_forward(update_mean="momentum * running_mean + (1 - momentum) * mean", update_var="momentum * running_var + (1 - momentum) * var * m / (m - 1)"), "momentum the wrong way round"),
        Mutant("batch_norm_forward", "biased running variance", bn_forward(update_var="(1 - momentum) * running_var + momentum * var"), "the biased variance stored"),
        Mutant("batch_norm_forward", "running statistics never updated", bn_forward(update_mean="running_mean.clone()", update_var="running_var.clone()"), "not updated in train mode"),
        Mutant("batch_norm_forward", "eval mode uses the batch", bn_forward(eval_stats="X.mean(dim=(0, 2, 3)), X.var(dim=(0, 2, 3), unbiased=False)"), "eval mode normalized with the batch's statistics"),
        Mutant("batch_norm_forward", "training ignored", bn_forward().replace("if training:", "if True:"), "eval mode normalized with the batch's statistics"),
        Mutant("batch_norm_forward", "running statistics updated in place", bn_forward(update_mean="running_mean.mul_(1 - momentum).add_(momentum * mean)", update_var="running_var.mul_(1 - momentum).add_(momentum * var * m / (m - 1))"), "in place"),
        Mutant("batch_norm_forward", "F.batch_norm", "running_mean, running_var = running_mean.clone(), running_var.clone()\nY = F.batch_norm(X, running_mean, running_var, gamma, beta, training, momentum, eps)\nreturn Y, running_mean, running_var", "not allowed here: F.batch_norm"),
        Mutant("batch_norm_backward", "statistics as constants", bn_backward(center="", scale=""), "treated as constants"),
        Mutant("batch_norm_backward", "no mean correction", bn_backward(center=""), "the mean's gradient left out"),
        Mutant("batch_norm_backward", "no variance correction", bn_backward(scale=""), "the variance's gradient left out"),
        Mutant("batch_norm_backward", "gamma forgotten", bn_backward(gain="1"), "dX: gamma left out"),
        Mutant("batch_norm_backward", "dgamma from X", bn_backward(dgamma="(dY * X).sum(dim=axes)"), "dgamma: Σ dY · X"),
        Mutant("batch_norm_backward", "dgamma is dbeta", bn_backward(dgamma="dY.sum(dim=axes)"), "dgamma: Σ dY (that is dbeta)"),
        Mutant("batch_norm_backward", "dbeta a mean", bn_backward(dbeta="dY.mean(dim=axes)"), "dbeta: a mean"),
        Mutant("batch_norm_backward", "dbeta one number", bn_backward(dbeta="dY.sum()"), "dbeta: one number"),
        Mutant("batch_norm_backward", "dbeta forgotten", bn_backward(ret="dX, dgamma"), "did not return three tensors"),
        Mutant("batch_norm_backward", "autograd through F.batch_norm", "Xg, g = X.clone().requires_grad_(True), gamma.clone().requires_grad_(True)\nb = torch.zeros_like(gamma, requires_grad=True)\n(F.batch_norm(Xg, None, None, g, b, True, 0.0, eps) * dY).sum().backward()\nreturn Xg.grad, g.grad, b.grad", "not allowed here: F.batch_norm"),
        Mutant("depthwise_separable", "pointwise first", "Z = corr2d_multi_in_out_1x1(X, K_point)\nreturn corr2d_grouped(Z, K_depth, groups=Z.shape[0])", "the 1×1 convolution before the depthwise one"),
        Mutant("depthwise_separable", "a ReLU between", separable(out="corr2d_multi_in_out_1x1(torch.relu(Z), K_point)"), "a ReLU between the two steps"),
        Mutant("depthwise_separable", "no pointwise step", separable(out="Z"), "only the depthwise step"),
        Mutant("depthwise_separable", "kernels flipped", separable(k_depth="K_depth.flip(2, 3)"), "the depthwise kernels flipped"),
        Mutant("depthwise_separable", "one kernel for all", "Z = torch.stack([corr2d_grouped(X[c : c + 1], K_depth[:1], groups=1)[0] for c in range(X.shape[0])])\nreturn corr2d_multi_in_out_1x1(Z, K_point)", "the first channel's kernel for every channel"),
        Mutant("depthwise_separable", "K_point transposed", separable(out="corr2d_multi_in_out_1x1(Z, K_point.transpose(0, 1))"), "K_point transposed"),
        Mutant("depthwise_separable", "groups=1", separable(groups="1"), "depthwise_separable(X, K_depth, K_point)"),
        Mutant("depthwise_separable", "F.conv2d", "return F.conv2d(F.conv2d(X[None], K_depth, groups=X.shape[0]), K_point)[0]", "not allowed here: F.conv2d"),
        Mutant("global_avg_pool", "sum", "return X.sum(dim=(2, 3))", "a sum instead of a mean"),
        Mutant("global_avg_pool", "max", "return X.amax(dim=(2, 3))", "the maximum instead of the mean"),
        Mutant("global_avg_pool", "keepdim", "return X.mean(dim=(2, 3), keepdim=True)", "kept the 1×1 map"),
        Mutant("global_avg_pool", "rows only", "return X.mean(dim=2)", "averaged over the rows only"),
        Mutant("global_avg_pool", "over the channels", "return X.mean(dim=1)", "averaged over the channels"),
        Mutant("global_avg_pool", "over the batch too", "return X.mean(dim=(0, 2, 3))", "averaged over the batch too"),
        Mutant("global_avg_pool", "one number per image", "return X.flatten(1).mean(dim=1)", "one number per image"),
        Mutant("global_avg_pool", "F.adaptive_avg_pool2d", "return F.adaptive_avg_pool2d(X, 1).flatten(1)", "not allowed here: F.adaptive_avg_pool2d"),
        Mutant("Residual", "no skip", residual_forward(out="torch.relu(self.bn2(self.conv2(y)))"), "no skip connection", 1),
        Mutant("Residual", "ReLU before the addition", residual_forward(out="torch.relu(self.bn2(self.conv2(y))) + x"), "the ReLU before the addition", 1),
        Mutant("Residual", "no final ReLU", residual_forward(out="self.bn2(self.conv2(y)) + x"), "no ReLU after the addition", 1),
        Mutant("Residual", "no middle ReLU", residual_forward(middle=""), "no ReLU between the two convolutions", 1),
        Mutant("Residual", "bn2 after the addition", residual_forward(out="torch.relu(self.bn2(self.conv2(y) + x))"), "bn2 after the addition", 1),
        Mutant("Residual", "bn1 twice", residual_forward(out="torch.relu(self.bn1(self.conv2(y)) + x)"), "bn1 used twice", 1),
        Mutant("Residual", "skip from conv1", residual_forward(out="torch.relu(self.bn2(self.conv2(y)) + self.conv1(x))"), "the skip adds conv1's output", 1),
        Mutant("Residual", "no padding", residual_init(padding="0"), "conv1 has the wrong settings"),
        Mutant("Residual", "convolutions with a bias", residual_init(bias="True"), "conv1 has the wrong settings"),
        Mutant("Residual", "bn2 missing", residual_init(bn2="nn.Identity()"), "no layer bn2"),
    ],
}

VARIANTS = {
    "10_modern_blocks": [
        Mutant("batch_norm_forward", "by hand, sums and a broadcast view", "c = X.shape[1]\nm = X.numel() // c\nview = lambda v: v.reshape(1, c, 1, 1)\nif training:\n    mean = X.sum(dim=(0, 2, 3)) / m\n    var = ((X - view(mean)) ** 2).sum(dim=(0, 2, 3)) / m\n    new_mean = (1 - momentum) * running_mean + momentum * mean\n    new_var = (1 - momentum) * running_var + momentum * var * m / (m - 1)\nelse:\n    mean, var = running_mean, running_var\n    new_mean, new_var = running_mean.clone(), running_var.clone()\nY = view(gamma) * (X - view(mean)) * torch.rsqrt(view(var) + eps) + view(beta)\nreturn Y, new_mean, new_var", ""),
        Mutant("batch_norm_forward", "channels first, float64, torch.lerp", "Xc = X.double().transpose(0, 1).reshape(X.shape[1], -1)\nif training:\n    mean, var = Xc.mean(1), Xc.var(1, unbiased=False)\n    new_mean = torch.lerp(running_mean.double(), mean, momentum)\n    new_var = torch.lerp(running_var.double(), Xc.var(1, unbiased=True), momentum)\nelse:\n    mean, var = running_mean.double(), running_var.double()\n    new_mean, new_var = mean.clone(), var.clone()\nY = (Xc - mean[:, None]) / (var[:, None] + eps).sqrt() * gamma.double()[:, None] + beta.double()[:, None]\nY = Y.reshape(X.shape[1], X.shape[0], *X.shape[2:]).transpose(0, 1)\nreturn Y, new_mean, new_var", ""),
        Mutant("batch_norm_backward", "CS231n's staged backward through the graph", "axes = (0, 2, 3)\nm = X.numel() // X.shape[1]\nmu = X.mean(dim=axes, keepdim=True)\nxmu = X - mu\nvar = (xmu ** 2).mean(dim=axes, keepdim=True)\nsqrtvar = torch.sqrt(var + eps)\nivar = 1 / sqrtvar\nxhat = xmu * ivar\ng = gamma.reshape(1, -1, 1, 1)\ndbeta = dY.sum(dim=axes)\ndgamma = (dY * xhat).sum(dim=axes)\ndxhat = dY * g\ndivar = (dxhat * xmu).sum(dim=axes, keepdim=True)\ndxmu1 = dxhat * ivar\ndsqrtvar = -divar / sqrtvar ** 2\ndvar = 0.5 / sqrtvar * dsqrtvar\ndsq = dvar / m * torch.ones_like(X)\ndxmu2 = 2 * xmu * dsq\ndx1 = dxmu1 + dxmu2\ndmu = -dx1.sum(dim=axes, keepdim=True)\ndx2 = dmu / m * torch.ones_like(X)\nreturn dx1 + dx2, dgamma, dbeta", ""),
        Mutant("batch_norm_backward", "torch.autograd.grad through a hand-written forward", "Xg, g = X.detach().double().requires_grad_(True), gamma.detach().double().requires_grad_(True)\nb = torch.zeros_like(g, requires_grad=True)\nmean = Xg.mean(dim=(0, 2, 3), keepdim=True)\nvar = Xg.var(dim=(0, 2, 3), unbiased=False, keepdim=True)\nY = g[None, :, None, None] * (Xg - mean) / torch.sqrt(var + eps) + b[None, :, None, None]\nreturn torch.autograd.grad((Y * dY.double()).sum(), (Xg, g, b))", ""),
        Mutant("depthwise_separable", "the depthwise step channel by channel with corr2d", "Z = torch.stack([corr2d(X[c], K_depth[c, 0]) for c in range(X.shape[0])])\nreturn corr2d_multi_in_out_1x1(Z, K_point)", ""),
        Mutant("depthwise_separable", "einsum over Tensor.unfold, float64", "kh, kw = K_depth.shape[2:]\nwindows = X.double().unfold(1, kh, 1).unfold(2, kw, 1)\nZ = torch.einsum('cijab,cab->cij', windows, K_depth[:, 0].double())\nreturn torch.einsum('oc,cij->oij', K_point[:, :, 0, 0].double(), Z)", ""),
        Mutant("global_avg_pool", "sum divided by h·w", "n, c, h, w = X.shape\nreturn X.sum(dim=(2, 3)) / (h * w)", ""),
        Mutant("global_avg_pool", "flatten the maps, mean of the last axis", "return X.flatten(2).mean(-1)", ""),
        Mutant("Residual", "F.relu, and the skip named", "identity = x\nout = F.relu(self.bn1(self.conv1(x)))\nout = self.bn2(self.conv2(out))\nout += identity\nreturn F.relu(out)", "", 1),
        Mutant("Residual", "layers built in a loop, nn.ReLU modules", "for k in (1, 2):\n    setattr(self, f'conv{k}', nn.Conv2d(channels, channels, kernel_size=(3, 3), padding=(1, 1), bias=False))\n    setattr(self, f'bn{k}', nn.BatchNorm2d(channels))\nself.relu = nn.ReLU()", ""),
    ],
}
# fmt: on
