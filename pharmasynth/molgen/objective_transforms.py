"""Score transforms: a raw component value (a logP, a Tanimoto, a count) -> a desirability in [0, 1].

REINVENT's definitions (reinvent-scoring, `TransformationFactory`), written in a form that cannot
overflow (1 / (1 + 10**x) computed as expit(-x ln 10)):

    sigmoid(x; low, high, k)          1 / (1 + 10 ** (10 k (x - (low + high) / 2) / (low - high)))
    reverse_sigmoid(x; low, high, k)  1 / (1 + 10 ** (10 k (x - (low + high) / 2) / (high - low)))
    double_sigmoid(x; low, high, coef_div=100, coef_si=150, coef_se=150)
        10**(coef_se x / div) / (10**(coef_se x / div) + 10**(coef_se low / div))
        - 10**(coef_si x / div) / (10**(coef_si x / div) + 10**(coef_si high / div))
    step(x; low, high)                1 inside [low, high], else 0 (right_step: x >= low; left_step: x <= high)

and GuacaMol's score modifiers (`guacamol.score_modifier`), so that its tasks are plain objectives:

    gaussian(x; mu, sigma)            exp(-((x - mu) / sigma)**2 / 2)
    min_gaussian(x; mu, sigma)        1 for x <= mu, the gaussian's right half above (lower is better)
    max_gaussian(x; mu, sigma)        1 for x >= mu, the gaussian's left half below (higher is better)
    clipped(x; upper_x, lower_x=0)    linear from 0 at lower_x to 1 at upper_x, clipped to [0, 1]
    none                              the raw value unchanged
"""

from __future__ import annotations

import difflib
import math

import numpy as np
from scipy.special import expit

_LN10 = math.log(10.0)


def _one_over_one_plus_pow10(x):
    """1 / (1 + 10**x), without overflow for large |x|."""
    return expit(-np.asarray(x, float) * _LN10)


def sigmoid(x, low, high, k=0.25):
    return _one_over_one_plus_pow10(10.0 * k * (x - (low + high) / 2.0) / (low - high))


def reverse_sigmoid(x, low, high, k=0.25):
    return _one_over_one_plus_pow10(10.0 * k * (x - (low + high) / 2.0) / (high - low))


def double_sigmoid(x, low, high, coef_div=100.0, coef_si=150.0, coef_se=150.0):
    # A/B = 1/(1 + 10**(coef_se (low - x)/div));  C = 1/(1 + 10**(coef_si (high - x)/div))
    x = np.asarray(x, float)
    return (_one_over_one_plus_pow10(coef_se * (low - x) / coef_div)
            - _one_over_one_plus_pow10(coef_si * (high - x) / coef_div))


def step(x, low, high):
    x = np.asarray(x, float)
    return ((x >= low) & (x <= high)).astype(float)


def right_step(x, low):
    return (np.asarray(x, float) >= low).astype(float)


def left_step(x, high):
    return (np.asarray(x, float) <= high).astype(float)


def gaussian(x, mu, sigma):
    return np.exp(-0.5 * np.power((np.asarray(x, float) - mu) / sigma, 2.0))


def min_gaussian(x, mu, sigma):
    return gaussian(np.maximum(np.asarray(x, float), mu), mu, sigma)


def max_gaussian(x, mu, sigma):
    return gaussian(np.minimum(np.asarray(x, float), mu), mu, sigma)


def clipped(x, upper_x, lower_x=0.0, high_score=1.0, low_score=0.0):
    slope = (high_score - low_score) / (upper_x - lower_x)
    return np.clip(slope * np.asarray(x, float) + (high_score - slope * upper_x), low_score, high_score)


def identity(x):
    return np.asarray(x, float)


# name -> (function, required parameters, optional parameters with their defaults)
TRANSFORMS = {
    "sigmoid": (sigmoid, ("low", "high"), {"k": 0.25}),
    "reverse_sigmoid": (reverse_sigmoid, ("low", "high"), {"k": 0.25}),
    "double_sigmoid": (double_sigmoid, ("low", "high"), {"coef_div": 100.0, "coef_si": 150.0, "coef_se": 150.0}),
    "step": (step, ("low", "high"), {}),
    "right_step": (right_step, ("low",), {}),
    "left_step": (left_step, ("high",), {}),
    "gaussian": (gaussian, ("mu", "sigma"), {}),
    "min_gaussian": (min_gaussian, ("mu", "sigma"), {}),
    "max_gaussian": (max_gaussian, ("mu", "sigma"), {}),
    "clipped": (clipped, ("upper_x",), {"lower_x": 0.0, "high_score": 1.0, "low_score": 0.0}),
    "none": (identity, (), {}),
}


class Transform:
    """A named transform with checked parameters; `Transform("sigmoid", low=2, high=5)(values)`."""

    def __init__(self, kind: str = "none", **params):
        if kind not in TRANSFORMS:
            close = difflib.get_close_matches(str(kind), TRANSFORMS, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"unknown transform {kind!r}.{hint} Known: {', '.join(TRANSFORMS)}.")
        func, required, optional = TRANSFORMS[kind]
        missing = [p for p in required if p not in params]
        if missing:
            raise ValueError(f"transform {kind!r} needs {', '.join(required)}; missing {', '.join(missing)}.")
        extra = sorted(set(params) - set(required) - set(optional))
        if extra:
            raise ValueError(f"transform {kind!r} takes {', '.join((*required, *optional)) or 'no parameters'}; "
                             f"unknown {', '.join(extra)}.")
        values = {**optional, **params}
        for name, v in values.items():
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ValueError(f"transform {kind!r}: {name} must be a finite number, got {v!r}.")
        if kind in ("sigmoid", "reverse_sigmoid", "double_sigmoid") and values["low"] == values["high"]:
            raise ValueError(f"transform {kind!r}: low and high must differ (both {values['low']}).")
        if kind in ("step", "double_sigmoid") and values["low"] > values["high"]:
            raise ValueError(f"transform {kind!r}: low ({values['low']}) must not exceed high ({values['high']}).")
        if "sigma" in values and values["sigma"] <= 0:
            raise ValueError(f"transform {kind!r}: sigma must be > 0, got {values['sigma']}.")
        if kind == "double_sigmoid" and values["coef_div"] == 0:
            raise ValueError("transform 'double_sigmoid': coef_div must not be 0.")
        if kind == "clipped" and values["upper_x"] == values["lower_x"]:
            raise ValueError("transform 'clipped': upper_x and lower_x must differ.")
        self.kind, self.params, self._func = kind, values, func

    def __call__(self, values) -> np.ndarray:
        return np.asarray(self._func(np.asarray(values, float), **self.params), float)

    def to_dict(self) -> dict:
        return {"type": self.kind, **self.params}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"Transform({self.kind!r}{', ' if args else ''}{args})"
