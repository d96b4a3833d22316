"""Rendering: records, views, the assert engine, text charts and progress."""

from mlstats.render.asserts import Outcome, check_all
from mlstats.render.formats import render
from mlstats.render.progress import progress
from mlstats.render.record import build_record, plain

__all__ = ["Outcome", "build_record", "check_all", "plain", "progress", "render"]
