"""AWS's ``*`` wildcards, as ECS placement expressions and ECR lifecycle tag patterns use them.

>>> bool(wildcard("t3.*").fullmatch("t3.medium")), bool(wildcard("t3.*").fullmatch("t3xmedium"))
(True, False)
"""

from __future__ import annotations

import re


def wildcard(pattern: str) -> re.Pattern[str]:
    """A regex for ``pattern``: ``*`` matches any run of characters (even none); every
    other character is literal (so the ``.`` in ``t3.*`` is a dot, not "any character")."""
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.DOTALL)
