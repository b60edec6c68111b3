"""The ``jointzone`` command line: one module per command group, wired onto one root app.

Add a group by writing its module (a Typer app or a command function) and registering it here;
the root app in :mod:`jointzone.cli._app` turns every package's base error into a message and
exit status 1, so commands just raise.
"""

from jointzone.cli._acttypes import act_schema, act_template, act_types
from jointzone.cli._app import app
from jointzone.cli._backup import backup_node, restore_node
from jointzone.cli._certs import cert_app, movements, trust_app
from jointzone.cli._check import check
from jointzone.cli._demo import demo
from jointzone.cli._keys import key_app, keys
from jointzone.cli._log import log_app
from jointzone.cli._network import network_demo_command
from jointzone.cli._node import node_app
from jointzone.cli._places import places
from jointzone.cli._status import node_status
from jointzone.cli._verifier import verifier_app
from jointzone.cli._verify import verify_log
from jointzone.cli._zone import act_app, audit_node, commit, init, registry, scenario

app.command("init")(init)
app.command("scenario")(scenario)
app.add_typer(act_app, name="act")
act_app.command("types")(act_types)
act_app.command("template")(act_template)
act_app.command("schema")(act_schema)
app.command("commit")(commit)
app.command("registry")(registry)
app.add_typer(log_app, name="log")
app.command("verify-log")(verify_log)
app.command("audit")(audit_node)
app.command("check")(check)
app.add_typer(cert_app, name="cert")
app.add_typer(trust_app, name="trust")
app.command("movements")(movements)
app.command("places")(places)
app.command("keys")(keys)
app.add_typer(key_app, name="key")
log_app.command("demo")(demo)
app.add_typer(node_app, name="node")
node_app.command("backup")(backup_node)
node_app.command("restore")(restore_node)
node_app.command("status")(node_status)
app.command("network-demo")(network_demo_command)
app.add_typer(verifier_app, name="verifier")


def main() -> None:
    """The console script ``jointzone``."""
    app(prog_name="jointzone")


__all__ = ["app", "main"]
