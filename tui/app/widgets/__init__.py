"""Widgets of the fibscope app."""
