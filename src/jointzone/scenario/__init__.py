"""Scenarios: dated acts played into a deployment, resumably (the seed scenario is one)."""

from jointzone.scenario._clock import ScenarioClock
from jointzone.scenario._runner import Scenario, Step, StepResult, play, step_nonce
from jointzone.scenario.errors import ScenarioError

__all__ = ["Scenario", "ScenarioClock", "ScenarioError", "Step", "StepResult", "play", "step_nonce"]
