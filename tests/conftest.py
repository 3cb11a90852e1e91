"""Every test (and every process a test starts) runs as development: the development secrets
are accepted. Tests of the refusal set ``ISEE_ENV`` themselves."""

from __future__ import annotations

import os

os.environ["ISEE_ENV"] = "development"
