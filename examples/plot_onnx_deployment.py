"""
===================
Deploying with ONNX
===================

A model trained with skmlp can serve predictions where neither Python's
scientific stack nor skmlp is installed: skl2onnx converts it to an ONNX graph
(``pip install "skmlp[onnx]"``), and onnxruntime, which has bindings for C,
C++, C#, Java and JavaScript, runs it.
"""

# %%
# Train
# -----
# float32 data trains float32 weights, the type ONNX runtimes serve fastest.
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skmlp import MLPDigitClassifier

X, y = load_digits(return_X_y=True)
X = (X / 16).astype(np.float32)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
model = MLPDigitClassifier(random_state=0).fit(X_train, y_train)
print(f"test accuracy: {model.score(X_test, y_test):.4f}")

# %%
# Convert
# -------
# skl2onnx learns to convert :class:`~skmlp.MLPDigitClassifier` when it is
# imported before skmlp, or when :func:`skmlp.register_onnx_converter` is
# called, as here (this page is built in a process that imported skmlp first).
# The input's type and width come from the sample ``X_test[:1]``;
# ``{"zipmap": False}`` returns the probabilities as one array rather than one
# dict per row.
import tempfile
from pathlib import Path

from skl2onnx import to_onnx

import skmlp

skmlp.register_onnx_converter()
onx = to_onnx(model, X_test[:1], options={"zipmap": False})
folder = tempfile.TemporaryDirectory()
path = Path(folder.name) / "mlp.onnx"
path.write_bytes(onx.SerializeToString())
print(f"{path.name}: {path.stat().st_size / 1024:.0f} KiB")

# %%
# The graph: per layer a ``MatMul`` and an ``Add`` and the activation, then
# ``Softmax``; the label is the ``ArgMax`` of the probabilities looked up in
# ``classes_``.
for node in onx.graph.node:
    print(f"{node.op_type:<16} {', '.join(node.input)} -> {', '.join(node.output)}")

# %%
# Serve
# -----
# onnxruntime gives the labels and the probabilities of skmlp's own
# ``predict`` and ``predict_proba``, to float32's precision.
import onnxruntime as rt

session = rt.InferenceSession(str(path), providers=["CPUExecutionProvider"])
labels, proba = session.run(None, {"X": X_test})
print("same labels:", bool((labels == model.predict(X_test)).all()))
print(
    f"largest difference of the probabilities: "
    f"{np.abs(proba - model.predict_proba(X_test)).max():.1e}"
)
