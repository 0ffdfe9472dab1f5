"""One ``check_<exercise>`` per exercise; each compares with PyTorch and explains a failure."""

from convlab import oracle
from convlab.checks import (
    channels,
    cross_correlation,
    edges,
    guards,
    integrity,
    learning,
    one_by_one,
    padding_stride,
    pooling,
    report,
)
from convlab.checks.channels import check_corr2d_grouped, check_corr2d_multi_in, check_corr2d_multi_in_out
from convlab.checks.cross_correlation import check_Conv2D, check_corr2d
from convlab.checks.edges import (
    check_edge_map,
    check_gradient_magnitude,
    check_horizontal_edge_kernel,
    check_sobel_kernels,
    check_vertical_edge_kernel,
)
from convlab.checks.learning import check_kernel_gradient, check_train_kernel
from convlab.checks.one_by_one import check_conv_param_count, check_corr2d_multi_in_out_1x1
from convlab.checks.padding_stride import (
    check_conv_output_shape,
    check_corr2d_ext,
    check_pad2d,
    check_same_padding,
)
from convlab.checks.pooling import check_pool2d, check_pool2d_ext
from convlab.checks.report import CheckFailure

# What the checks rely on, as it is when the notebook imports them (before any student code).
integrity.record(
    oracle, channels, cross_correlation, edges, guards, learning, one_by_one, padding_stride, pooling, report
)

__all__ = [
    "CheckFailure",
    "check_Conv2D",
    "check_conv_output_shape",
    "check_conv_param_count",
    "check_corr2d",
    "check_corr2d_ext",
    "check_corr2d_grouped",
    "check_corr2d_multi_in",
    "check_corr2d_multi_in_out",
    "check_corr2d_multi_in_out_1x1",
    "check_edge_map",
    "check_gradient_magnitude",
    "check_horizontal_edge_kernel",
    "check_kernel_gradient",
    "check_pad2d",
    "check_pool2d",
    "check_pool2d_ext",
    "check_same_padding",
    "check_sobel_kernels",
    "check_train_kernel",
    "check_vertical_edge_kernel",
]
