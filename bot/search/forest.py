"""LightGBM models compiled to machine code by lleaves, each compiled once per CPU and cached.

LightGBM walks a tree node by node through generic code (decision types, missing values): ~42 ns a
tree for each row here, so the five fold rankers over a question's ~47 candidates took ~3.3 ms.
lleaves turns a model file into LLVM code and compiles it: the same predictions (to 1e-14) in a
fifth of the time. Compiling a 300-tree model takes ~2.6 s without inlining (~11 s with, for a
predictor ~15 % faster), so the compiled object is kept in the build directory, named by the
model's text, the lleaves version and the CPU it was compiled for.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from functools import cache
from importlib.metadata import version
from pathlib import Path

import lleaves
import llvmlite.binding as llvm
import numpy as np

# The standard library's logger, not structlog's (which prints to standard output): commands
# compile too, and their `--json` output must stay JSON.
log = logging.getLogger(__name__)


@cache
def _target() -> bytes:
    """What the compiled code depends on besides the model: the compiler and the CPU."""
    llvm.initialize()
    llvm.initialize_native_target()
    try:
        features = llvm.get_host_cpu_features().flatten()
    except RuntimeError:  # LLVM cannot read the features: lleaves then compiles without them
        features = ""
    return f"{version('lleaves')} {llvm.get_host_cpu_name()} {features}".encode()


class CompiledModel:
    """One LightGBM model file, compiled (from ``cache_dir`` when it was compiled before)."""

    def __init__(self, model_file: Path, cache_dir: Path) -> None:
        key = hashlib.sha256(model_file.read_bytes() + _target()).hexdigest()[:24]
        cached = cache_dir / f"{model_file.stem}-{key}.o"
        self.cached = cached
        self._model = lleaves.Model(model_file=str(model_file))
        if cached.exists():
            self._model.compile(cache=str(cached), finline=False)
            return
        log.info("compiling %s into %s", model_file, cached)
        cache_dir.mkdir(parents=True, exist_ok=True)
        # lleaves writes the object as it compiles; another process must never read half of it.
        partial = cached.with_name(f"{cached.name}.{uuid.uuid4().hex}.partial")
        self._model.compile(cache=str(partial), finline=False)
        partial.replace(cached)

    def predict(self, matrix: np.ndarray) -> np.ndarray:
        """The model's prediction for each row of ``matrix``, on the calling thread."""
        return self._model.predict(np.asarray(matrix, dtype=np.float64), n_jobs=1)


def prune(cache_dir: Path, stem: str, used: list[CompiledModel]) -> None:
    """Delete the compiled objects of ``stem``'s models that ``used`` does not use (models since
    retrained); a process still running an old one keeps its copy in memory."""
    kept = {model.cached for model in used}
    for stale in cache_dir.glob(f"{stem}-*.o"):
        if stale not in kept:
            stale.unlink(missing_ok=True)
