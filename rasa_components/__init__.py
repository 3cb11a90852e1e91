"""Custom Rasa NLU components (run in the Rasa venv, Python 3.10)."""
