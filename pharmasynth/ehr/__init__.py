"""Synthetic patient timelines (EHR): statics + time-stamped labs + events, fitted, sampled, evaluated, queried."""

from .generator import TimelineSynthesizer
from .nafld import load_nafld
from .timelines import TimelineSchema, Timelines, read_timelines, validate

__all__ = ["TimelineSchema", "TimelineSynthesizer", "Timelines", "load_nafld", "read_timelines", "validate"]
