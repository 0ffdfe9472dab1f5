"""Sliding-window animations. One entry point per view, taking the exercise's arguments."""

from convlab.widgets.corr2d import corr2d_view
from convlab.widgets.player import FramePlayer

__all__ = ["FramePlayer", "corr2d_view"]
