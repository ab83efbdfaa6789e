"""Progress in logs: a line every `interval` seconds with done/total, rate and ETA; silent for short work."""

import logging

import pytest

import importlib

P = importlib.import_module("pharmasynth._util.progress")


class _Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def test_log_lines_every_interval_with_done_total_rate_and_eta(caplog):
    clock = _Clock()
    bar = P.LogProgress(total=100, desc="train", interval=10, clock=clock)
    with caplog.at_level(logging.INFO, logger="pharmasynth.progress"):
        for _ in range(100):
            clock.t += 0.5          # 2 steps a second
            bar.update(1)
        bar.close()
    lines = [r.getMessage() for r in caplog.records]
    # 50 s of work, a line every 10 s, and the closing line
    assert len(lines) == 6
    assert lines[0] == "train: 20/100 (20%), 2/s, ETA 40 s"
    assert lines[-1].startswith("train: 100/100 (100%), 2/s, 50 s elapsed")


def test_short_work_stays_silent_and_iteration_counts(caplog):
    clock = _Clock()
    with caplog.at_level(logging.INFO, logger="pharmasynth.progress"):
        items = list(P.LogProgress(range(5), desc="quick", interval=10, clock=clock))
    assert items == list(range(5)) and caplog.records == []


def test_progress_logs_when_not_on_a_terminal_and_is_silent_when_disabled(monkeypatch):
    monkeypatch.delenv("PHARMASYNTH_PROGRESS", raising=False)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(P.sys.stderr, "isatty", lambda: False, raising=False)
    bar = P.progress(total=3, desc="x")
    assert isinstance(bar, P.LogProgress)
    bar.set_postfix(loss="0.5")
    assert "[loss=0.5]" in bar.line()
    assert not isinstance(P.progress(total=3, enable=False), P.LogProgress)
    monkeypatch.setenv("PHARMASYNTH_PROGRESS", "0")
    assert not isinstance(P.progress(total=3), P.LogProgress)
    monkeypatch.setenv("PHARMASYNTH_PROGRESS", "")
    monkeypatch.setenv("PHARMASYNTH_PROGRESS_INTERVAL", "2.5")
    assert P.log_interval() == pytest.approx(2.5)
