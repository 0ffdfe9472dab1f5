"""Sliding-window animations. One entry point per view, taking the exercise's arguments."""

from convlab.widgets.batch_norm import batch_norm_view
from convlab.widgets.channels import channels_view
from convlab.widgets.corr2d import corr2d_view
from convlab.widgets.explorer import kernel_explorer
from convlab.widgets.network import activation_view, training_monitor
from convlab.widgets.occlusion import occlusion_view
from convlab.widgets.one_by_one import one_by_one_view
from convlab.widgets.player import FramePlayer
from convlab.widgets.pooling import pool_view
from convlab.widgets.training import training_view
from convlab.widgets.transposed import transposed_view

__all__ = [
    "FramePlayer",
    "activation_view",
    "batch_norm_view",
    "channels_view",
    "corr2d_view",
    "kernel_explorer",
    "occlusion_view",
    "one_by_one_view",
    "pool_view",
    "training_monitor",
    "training_view",
    "transposed_view",
]
