"""Shared test settings: the Hypothesis profiles.

``FASTUP_HYPOTHESIS_PROFILE`` picks one: ``ci`` (the default, bounded so the whole suite stays
within a few minutes), ``dev`` (more examples), ``long`` (a by-hand soak run).
"""

import os

from hypothesis import HealthCheck, settings

_common = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("ci", max_examples=40, derandomize=True, **_common)
settings.register_profile("dev", max_examples=300, **_common)
settings.register_profile("long", max_examples=5000, **_common)
settings.load_profile(os.environ.get("FASTUP_HYPOTHESIS_PROFILE", "ci"))
