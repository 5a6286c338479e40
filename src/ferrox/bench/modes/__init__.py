"""The bench step's gate modes, one module each: paired, instructions, history (and baseline),
compare; ``runs`` builds and runs the benches they share, ``results`` turns verdicts into a
StepResult and the result files.

The step (``ferrox.steps.bench``) holds the settings and picks the mode; it imports a mode's
module only when it runs, so numpy, scipy and plotly stay unloaded for the other steps.
"""
