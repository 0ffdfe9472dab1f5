"""Sliding-window animations. One entry point per view, taking the exercise's arguments."""

from convlab.widgets.corr2d import corr2d_view
from convlab.widgets.explorer import kernel_explorer
from convlab.widgets.player import FramePlayer
from convlab.widgets.training import training_view

__all__ = ["FramePlayer", "corr2d_view", "kernel_explorer", "training_view"]
