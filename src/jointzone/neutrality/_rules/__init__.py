"""The five rules, one module each; every rule reads one sentence and returns its findings."""
