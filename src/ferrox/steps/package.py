from ferrox.steps.py_tests import STEP as _S
import dataclasses
STEP = dataclasses.replace(_S, name="package")
