"""Every native library of the search path imports in one process, in the order the app uses."""

from __future__ import annotations

import subprocess
import sys


def test_native_libraries_import_together_in_app_order() -> None:
    # A fresh interpreter: a crash inside a native import (seen with usearch 2.26 beside
    # onnxruntime) kills the process, which a test in this one could not report.
    # usearch loads with the hub; onnxruntime only when the first text is embedded: the order
    # that crashed with usearch 2.26.
    code = (
        "import dailypapers.hub, dailypapers.search.lexical, dailypapers.search.vectors\n"
        "import numpy, tantivy, usearch\n"
        "from usearch.index import Index\n"
        "index = Index(ndim=4, metric='cos', dtype='f16')\n"
        "index.add(numpy.arange(2), numpy.eye(2, 4, dtype=numpy.float32))\n"
        "import onnxruntime, tokenizers, dailypapers.search.embedding\n"
        "print('ok', len(index), onnxruntime.get_device())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok 2 CPU"
