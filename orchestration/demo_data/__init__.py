"""Seeded, realistic raw survey exports for demos and tests (``finsam demo-data``)."""

from .generator import write_demo_exports
from .summary import DemoSummary, DirtCounts

__all__ = ["DemoSummary", "DirtCounts", "write_demo_exports"]
