"""Finding the numbers an evidence phrase states, in the notation of its language.

English writes ``23,040`` and ``$1.1 billion``; French ``50 000`` and
``1,1 milliard``; Norwegian ``285 millioner``. A claim's evidence must state
the claim's value in one of these forms.
"""

from __future__ import annotations

import functools
import math
import re

_SEPARATED = {
    # language: (thousands separator, decimal mark)
    "en": ("[,]", r"\."),
    "fr": ("[ \u00a0\u202f.]", ","),
    "nb": ("[ \u00a0\u202f.]", ","),
}
_SCALES = {
    "thousand": 1e3, "k": 1e3,
    "million": 1e6, "millions": 1e6, "millioner": 1e6, "mn": 1e6, "m": 1e6,
    "billion": 1e9, "billions": 1e9, "bn": 1e9, "b": 1e9,
    "milliard": 1e9, "milliards": 1e9, "milliarder": 1e9, "mrd": 1e9,
    "gw": 1e3, "gigawatt": 1e3, "gigawatts": 1e3,  # for figures kept in megawatts
    "pflops": 1e3, "petaflops": 1e3,  # for compute kept in TFLOP/s
}
_SCALE = "|".join(sorted(_SCALES, key=len, reverse=True))


@functools.lru_cache(maxsize=None)
def _number_pattern(language: str) -> tuple[re.Pattern, re.Pattern, str]:
    """The compiled number pattern of a language, its thousands separator and its decimal mark."""
    thousands, decimal = _SEPARATED.get(language, _SEPARATED["en"])
    number = rf"\d{{1,3}}(?:{thousands}\d{{3}})+(?:{decimal}\d+)?|\d+(?:{decimal}\d+)?"
    pattern = re.compile(rf"(?<![\w.,])({number})(?!\d)(?:\s?({_SCALE})(?![a-zà-ÿ]))?", re.IGNORECASE)
    return pattern, re.compile(thousands), decimal.strip("\\")


def numbers_stated(text: str, language: str) -> list[float]:
    """Every number written in ``text``, with any scale word applied.

    Examples:
        >>> numbers_stated("$1.1 billion and 23,040 GPUs", "en")
        [1100000000.0, 23040.0]
        >>> numbers_stated("1,1 milliard et 50 000 GPU", "fr")
        [1100000000.0, 50000.0]
        >>> numbers_stated("£500mn, 1.2GW, 1.35 gigawatts", "en")
        [500000000.0, 1200.0, 1350.0]
    """
    return list(_numbers(text, language))


@functools.lru_cache(maxsize=1 << 16)
def _numbers(text: str, language: str) -> tuple[float, ...]:
    """``numbers_stated``, parsed once per distinct phrase (phrases recur: one sentence states several figures)."""
    pattern, thousands, decimal = _number_pattern(language)
    found = []
    for match in pattern.finditer(text):
        digits = thousands.sub("", match.group(1)).replace(decimal, ".")
        scale = _SCALES[match.group(2).lower()] if match.group(2) else 1.0
        found.append(float(digits) * scale)
    return tuple(found)


def states(text: str, language: str, value: float) -> bool:
    """Whether ``text`` states ``value``.

    Examples:
        >>> states("plus de 24 000 GPU", "fr", 24000)
        True
        >>> states("plus de 24 000 GPU", "fr", 23040)
        False
    """
    return any(math.isclose(n, value, rel_tol=1e-9) for n in _numbers(text, language))
