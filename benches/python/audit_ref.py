#!/usr/bin/env python3
"""The pure-Python reference auditor of SPEC §12, which now lives beside the
Python tests as their oracle: ``bindings/python/tests/oracle/audit_ref.py``.
This path stays for ``cargo bench --bench audit`` and the README, which run

    python3 benches/python/audit_ref.py --policy POLICY.json LOG [LOG...]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bindings" / "python" / "tests"))

from oracle.audit_ref import *  # noqa: E402,F401,F403
from oracle.audit_ref import main  # noqa: E402

if __name__ == "__main__":
    main()
