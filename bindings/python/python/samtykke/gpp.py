"""IAB GPP strings (SPEC §16), decoded by the Rust core.

``decode(s)`` gives a ``GppString``: ``section_ids`` (ints, in the header's
order), ``sections`` (a dict of id to section object) and ``raw``. Sections 2
(``tcfeuv2``, a ``samtykke.tcf.TcString``), 6 (``uspv1``, ``UspV1``) and 7
(``usnat``, ``UsNat``, with ``gpc`` and the opt-out fields by their spec names)
are decoded; any other is a ``GppSection`` with its ``id``. Every section object
has ``raw``, its text. A header whose ids and the sections after it disagree in
number, or a section that does not decode, raises ``GppError``.
"""

from ._native import GppError, GppSection, GppString, UsNat, UspV1
from ._native import gpp_decode as decode

__all__ = ["GppError", "GppSection", "GppString", "UsNat", "UspV1", "decode"]
