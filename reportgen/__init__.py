"""reportgen — customer satisfaction & loyalty reports from raw CX exports."""

from __future__ import annotations

__version__ = "0.1.0"
