"""Reading untrusted input with stated limits: files, standard input, UTF-8, YAML, JSON, zlib.

Every file the system reads from a person or another machine (an act, a regime, a scenario, a
trust bundle, a QR image, text to check) comes through here, so that each has the same bounds
and the same kind of error: an :class:`InputError` naming the file, what was wrong and where
(line and column; the byte offset for bytes that are not UTF-8). Nothing here imports the rest
of the project.

The steps, each usable alone: :func:`read_bytes` (a regular file or ``"-"`` for standard input,
never more than the limit, never blocking on a FIFO or reading /dev/zero for ever),
:func:`decode_utf8`, then :func:`parse_yaml` or :func:`parse_json`; :func:`read_yaml` and
:func:`read_json` do all three. :func:`inflate` opens a zlib stream (a certificate's bytes, a
trust bundle's table) without ever inflating beyond the limit it is given.

The limits, one :class:`Limits` preset per kind of input:

=============  ======  =====  =========  ========  ============  ==================
preset         bytes   depth  values     integers  string chars  other
=============  ======  =====  =========  ========  ============  ==================
ACT            1 MB    32     100,000    64 bits   100,000
REGIME         4 MB    32     1,000,000  64 bits   100,000
SCENARIO       4 MB    32     1,000,000  64 bits   100,000
TRUST_BUNDLE   16 MB   8      1,000,000  64 bits   16,000,000
NODE_FILE      1 MB    8      100,000    64 bits   100,000
CHECK          10 MB   -      -          -         -             plain text
IMAGE          20 MB   -      -          -         -             50,000,000 pixels
=============  ======  =====  =========  ========  ============  ==================

MB are 1,000,000 bytes. Depth counts lists and mappings, the top-level one being 1; values
count every scalar, list and mapping, keys included. Integers lie in ``-2**64 .. 2**64-1``,
what CBOR (which every act is signed as) can hold. In YAML, anchors and aliases are refused
outright (a billion-laughs file is refused at its first anchor), as are tags outside the core
schema, merge keys and duplicate keys; in JSON, duplicate keys, NaN and Infinity.
"""

from jointzone.inputs._inflate import inflate
from jointzone.inputs._json import parse_json, read_json
from jointzone.inputs._limits import (
    ACT,
    CHECK,
    IMAGE,
    NODE_FILE,
    REGIME,
    SCENARIO,
    TRUST_BUNDLE,
    Limits,
)
from jointzone.inputs._read import STDIN, decode_utf8, open_regular, read_bytes, source_name
from jointzone.inputs._yaml import parse_yaml, read_yaml
from jointzone.inputs.errors import (
    AliasError,
    DuplicateKeyError,
    InputError,
    InputLimitError,
    MalformedInputError,
    MissingInputError,
    NotUtf8Error,
    UnreadableInputError,
)

__all__ = [
    "ACT",
    "CHECK",
    "IMAGE",
    "NODE_FILE",
    "REGIME",
    "SCENARIO",
    "STDIN",
    "TRUST_BUNDLE",
    "AliasError",
    "DuplicateKeyError",
    "InputError",
    "InputLimitError",
    "Limits",
    "MalformedInputError",
    "MissingInputError",
    "NotUtf8Error",
    "UnreadableInputError",
    "decode_utf8",
    "inflate",
    "open_regular",
    "parse_json",
    "parse_yaml",
    "read_bytes",
    "read_json",
    "read_yaml",
    "source_name",
]
