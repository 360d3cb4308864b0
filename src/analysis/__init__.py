"""Survey analysis toolkit: digital administration in German municipalities."""

__version__ = "0.1.0"
