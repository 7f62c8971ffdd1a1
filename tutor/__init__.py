"""tutor: a study tutor that teaches from your own notes."""

__version__ = "0.1.0"
