"""cnnquiz: teach and check the core arithmetic of convolutional neural networks."""

from __future__ import annotations

from cnnquiz.errors import CnnquizError

__all__ = ["CnnquizError", "__version__"]
__version__ = "0.1.0"
