"""Errors of the acts package.

    ActError                 every error this package raises
    ├── ActSchemaError       data that is not a well-formed act of a known type (parse_act);
    │                        ``problems`` lists each as ``key.path: what is wrong``
    ├── ActRejected          a well-formed act the state refuses (apply, check): an unknown
    │                        enterprise, a report for a closed project, a second regime.adopt ...;
    │                        the state is untouched
    └── NotAdoptedError      a question only a regime can answer, asked of a state that has not
                             applied regime.adopt yet

Each message says what was expected and what was found.
"""


class ActError(Exception):
    """Base class of every error raised by :mod:`jointzone.acts`."""


class ActSchemaError(ActError, ValueError):
    """The data does not decode to an act; nothing about any state was consulted."""

    def __init__(self, act_type: str | None, problems: list[str]) -> None:
        self.act_type = act_type
        self.problems = problems
        what = f"act {act_type!r}" if act_type else "act"
        detail = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{what}: {len(problems)} problem(s):\n{detail}")


class ActRejected(ActError):  # noqa: N818 - the name the consent layer and the design use
    """A well-formed act that cannot take effect in this state, and why. Nothing was changed."""

    def __init__(self, act_type: str, reason: str) -> None:
        self.act_type = act_type
        self.reason = reason
        super().__init__(f"{act_type} rejected: {reason}")


class NotAdoptedError(ActError, LookupError):
    """The state has no regime yet: the log's first act must be regime.adopt."""
