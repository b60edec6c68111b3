"""Errors of scenario playing.

ScenarioError      a scenario file that does not load, or a step that cannot be played
"""


class ScenarioError(Exception):
    """A scenario problem; the message names the file or the step."""
