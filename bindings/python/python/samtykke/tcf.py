"""IAB TCF v2.2 / v2.3 TC strings (SPEC §16), decoded by the Rust core.

``decode(s)`` gives a ``TcString`` whose attributes are SPEC §16's names:
``created`` and ``last_updated`` are aware ``datetime``s to the decisecond, the
sets are ``frozenset``s of ints (empty when the segment is absent), and
``publisher_restrictions`` is a list of ``(purpose, restriction_type,
frozenset(vendors))``. ``warnings`` lists what TCF v2.3 asks that the string
does not do (``"disclosed_vendors_missing"``), and ``raw`` is the string itself.
A string that does not decode raises ``TcfError``, whose ``path`` names the
field, ``segment`` its segment and ``bit`` where it starts.

``decode_many(values)`` decodes an iterable of strings into the columns
``Policy.decode_cookies`` returns: a mapping of column name to list, one column
per attribute (sets as lists of ids: ascending for a bit field, in the
string's order for a range list; Arrow ``list<uint16>``) and ``error`` (``None`` where the row
decoded, else why it did not).
"""

from ._native import TcfError, TcString
from ._native import tcf_decode as decode
from ._native import tcf_decode_many as decode_many

__all__ = ["TcString", "TcfError", "decode", "decode_many"]
