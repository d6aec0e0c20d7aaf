"""The load test: `python -m loadtest.run` (see loadtest/run.py)."""
