"""Wrong answers of the two kinds that once got full marks (issue 29): an argument the exercise
takes is ignored (pinned to its default, or a pair read as its first entry), and a layer or
parameter the statement rules out is added. Each exercise's check now has a case that tells, and
names the mistake."""

from tests.catalogue.handwritten import train
from tests.catalogue.mutant import Mutant
from tests.catalogue.templated import conv_init, fit, model, numerical, pool_back, same

FIRST = "{0} = {0} if isinstance({0}, int) else ({0}[0], {0}[0])\n"  # a pair read as its first entry

# fmt: off
OVERLOOKED = {
    "01_cross_correlation": [
        Mutant("Conv2D", "a ReLU inside the layer", "return torch.relu(corr2d(x, self.weight) + self.bias)", "a ReLU after the bias", region=1),
        Mutant("Conv2D", "an extra learnable scale", conv_init() + "\nself.scale = nn.Parameter(torch.ones(1))", "a learnable parameter besides weight and bias"),
    ],
    "03_learning_kernel": [
        Mutant("train_kernel", "kernel_size ignored", train(start="init.clone() if init is not None else torch.rand(1, 2)"), "kernel_size ignored"),
    ],
    "04_padding_stride": [
        Mutant("same_padding", "the dilation's first entry for both axes", FIRST.format("dilation") + same(), "dilation ignored"),
        Mutant("same_padding", "split by the kernel's parity, not d(k − 1)'s", same(result="ph // 2 + (kh % 2 == 0), ph // 2, pw // 2 + (kw % 2 == 0), pw // 2"), "does not keep the size"),
    ],
    "08_backprop_im2col": [
        Mutant("numerical_gradient", "h ignored: a fixed step of 1e-5", "h = 1e-5\n" + numerical(), "h ignored"),
        Mutant("numerical_gradient", "h ignored: a fixed step of 1e-3", "h = 1e-3\n" + numerical(), "h ignored"),
        Mutant("pool2d_backward", "mode ignored: always max", pool_back().replace('if mode == "max":', "if True:"), "mode ignored"),
        Mutant("pool2d_backward", "the stride's first entry for both axes", pool_back().replace("if stride is None:\n    stride = (kh, kw)\nsh, sw = (stride, stride) if isinstance(stride, int) else stride", "if stride is None:\n    sh, sw = kh, kw\nelse:\n    sh = sw = stride if isinstance(stride, int) else stride[0]"), "one stride for both axes"),
    ],
    "09_cnn_digits": [
        Mutant("build_model", "a ReLU after the last layer", model(tail=" nn.ReLU(),"), "a ReLU after the last layer"),
        Mutant("build_model", "log-softmax at the end", model(tail=" nn.LogSoftmax(dim=1),"), "log-softmax at the end"),
        Mutant("build_model", "a sigmoid after the last layer", model(tail=" nn.Sigmoid(),"), "a sigmoid after the last layer"),
        Mutant("build_model", "dropout after the last layer", model(tail=" nn.Dropout(0.2),"), "a layer after the last layer"),
        Mutant("build_model", "batch norm before the first convolution", model().replace("nn.Conv2d(1, 16", "nn.BatchNorm2d(1), nn.Conv2d(1, 16"), "a layer before the first convolution"),
        Mutant("build_model", "dropout before the linear layer", model().replace("nn.Flatten(), ", "nn.Flatten(), nn.Dropout(0.5), "), "something besides ReLU and max pooling"),
        Mutant("train", "lr ignored", "lr = 3e-3\n" + fit(), "lr ignored"),
        Mutant("train", "batch_size ignored", "batch_size = 32\n" + fit(), "batch_size ignored"),
        Mutant("train", "seed ignored", "seed = 0\n" + fit(), "seed ignored"),
    ],
}
# fmt: on
