"""One ``check_<exercise>`` per exercise; each compares with PyTorch and explains a failure.

Each exercise's check is declared once, as data (:class:`~convlab.checks.exercise.Exercise`),
in the module of its notebook; :mod:`convlab.checks.runner` runs them all. Importing this
package records what the checks rely on (:mod:`convlab.checks.integrity`), before any student
code has run: the notebook's first cell imports it.

A module named like one of :mod:`convlab.widgets` (``pooling``, ``channels``, ``one_by_one``,
``batch_norm``) is its mirror: the check of the idea the view of that name shows.
"""

from convlab import data, geometry, i18n, oracle, watch
from convlab.checks import (
    backprop,
    batch_norm,
    channels,
    cnn,
    compare,
    cross_correlation,
    edges,
    exercise,
    gradient_check,
    im2col,
    integrity,
    layer_backward,
    learning,
    modern,
    one_by_one,
    output_shape,
    padding_stride,
    pooling,
    products,
    receptive_field,
    runner,
    training,
    wording,
)
from convlab.checks.backprop import check_corr2d_input_grad, check_pool2d_backward
from convlab.checks.batch_norm import check_batch_norm_backward, check_batch_norm_forward
from convlab.checks.channels import check_corr2d_grouped, check_corr2d_multi_in, check_corr2d_multi_in_out
from convlab.checks.cnn import check_build_model, check_layer_table
from convlab.checks.cross_correlation import check_Conv2D, check_corr2d
from convlab.checks.edges import (
    check_combine_kernels,
    check_diagonal_edge_kernel,
    check_gradient_magnitude,
    check_rising_edge_kernel,
)
from convlab.checks.gradient_check import check_numerical_gradient, check_relative_error
from convlab.checks.im2col import check_corr2d_im2col, check_im2col
from convlab.checks.layer_backward import check_conv2d_backward, check_conv2d_backward_ext
from convlab.checks.learning import check_kernel_gradient, check_train_kernel
from convlab.checks.modern import (
    check_depthwise_separable,
    check_global_avg_pool,
    check_Residual,
)
from convlab.checks.one_by_one import check_conv_param_count, check_corr2d_multi_in_out_1x1
from convlab.checks.output_shape import check_conv_output_shape
from convlab.checks.padding_stride import check_corr2d_ext, check_pad2d, check_same_padding
from convlab.checks.pooling import check_pool2d, check_pool2d_ext
from convlab.checks.receptive_field import check_receptive_field
from convlab.checks.training import check_train
from convlab.failure import CheckFailure

# The notebooks' modules, in course order: each declares its exercises as module constants.
NOTEBOOKS = (
    cross_correlation,
    edges,
    learning,
    output_shape,
    padding_stride,
    channels,
    one_by_one,
    pooling,
    receptive_field,
    backprop,
    gradient_check,
    im2col,
    layer_backward,
    cnn,
    training,
    batch_norm,
    modern,
)

# What the checks rely on, as it is when the notebook imports them (before any student code).
# None of these modules imports convlab.checks, so each is complete here, whatever the notebook
# imported before.
integrity.remember(
    oracle, watch, geometry, data, i18n, compare, exercise, runner, wording, products, integrity, *NOTEBOOKS
)


def exercises() -> list[exercise.Exercise]:
    """Every exercise's declaration, in course order."""
    return [v for module in NOTEBOOKS for v in vars(module).values() if isinstance(v, exercise.Exercise)]


__all__ = [
    "CheckFailure",
    "check_combine_kernels",
    "check_batch_norm_backward",
    "check_batch_norm_forward",
    "check_build_model",
    "check_Conv2D",
    "check_conv2d_backward",
    "check_conv2d_backward_ext",
    "check_conv_output_shape",
    "check_conv_param_count",
    "check_corr2d",
    "check_corr2d_ext",
    "check_corr2d_grouped",
    "check_corr2d_im2col",
    "check_corr2d_input_grad",
    "check_corr2d_multi_in",
    "check_corr2d_multi_in_out",
    "check_corr2d_multi_in_out_1x1",
    "check_depthwise_separable",
    "check_diagonal_edge_kernel",
    "check_global_avg_pool",
    "check_gradient_magnitude",
    "check_im2col",
    "check_kernel_gradient",
    "check_layer_table",
    "check_numerical_gradient",
    "check_pad2d",
    "check_pool2d",
    "check_pool2d_backward",
    "check_pool2d_ext",
    "check_receptive_field",
    "check_relative_error",
    "check_Residual",
    "check_rising_edge_kernel",
    "check_same_padding",
    "check_train",
    "check_train_kernel",
    "exercises",
]
