"""Xunjian (巡检): field inspection and safety-risk system."""

__version__ = "0.1.0"
