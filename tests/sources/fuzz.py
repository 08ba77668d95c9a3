"""Hypothesis strategies for hostile input: any JSON value, with the nasty corners likely."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

hostile_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "\u0000", "a\u0000b", "\ud83d", "\n", "9" * 400, "x" * 5000]),
    st.sampled_from(["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "2026-13-45"]),
)
hostile_numbers = st.one_of(
    st.integers(),
    st.sampled_from([0, -1, 10**20, 10**100, 2**63, -(2**63)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e100, -1e308]),
)
json_values: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | hostile_numbers | hostile_text,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(max_size=8) | st.sampled_from(["id", "from", "text"]), children, max_size=4
        )
    ),
    max_leaves=12,
)
"""Any JSON-like value (NaN and infinities included, as Python's json reads them)."""
