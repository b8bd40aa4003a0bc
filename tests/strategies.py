"""Strategies the property tests share."""

from hypothesis import strategies as st

#: Every character UTF-8 can carry: Hypothesis's own default alphabet for ``st.text()``
#: (``characters(codec="utf-8")``, every code point but the surrogates), named here by
#: category. The default asks Hypothesis for its table of what UTF-8 encodes, which it builds
#: by encoding all 1.1 million code points the first time in a checkout (2.5 CPU-s in
#: each test process that gets there first); the categories are in the table it keeps anyway.
UTF8_CHARACTERS = st.characters(exclude_categories=("Cs",))


def text(**kwargs) -> st.SearchStrategy[str]:
    """``st.text(**kwargs)`` over :data:`UTF8_CHARACTERS`: the same strings."""
    return st.text(UTF8_CHARACTERS, **kwargs)
