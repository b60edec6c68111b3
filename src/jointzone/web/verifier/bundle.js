// The trust bundle (docs/certificate.md §4): a C2SP signed-note checkpoint every party's node
// signed and timestamped, and the verifier table its jointzone-verifier line commits to,
// opened against the node keys the app was configured with (the genesis's), following the
// bundle's node-key changes from them when a node key has rotated since, in the order of §4.4.
// A port of jointzone.trust (_bundle.py, _table.py) and of the signed-note and checkpoint
// reading of jointzone.tlog: each refusal names the step of §4.4 that refuses it.

import { CborError, decode, hex, keyId } from "./cbor.js";
import { sha256, verifyEd25519 } from "./crypto.js";
import {
  b64decodeCanonical,
  b64decodeLikePython,
  b64encode,
  EncodingError,
  fromUtf8,
  inflate,
  parseJson,
  utf8,
} from "./encodings.js";

export const FORMAT = "jointzone-trust-bundle/3";
export const TABLE_FORMAT = "jointzone-verifier-table/2";
export const VERIFIER_EXTENSION = "jointzone-verifier";
const MAX_BUNDLE_SIZE = 16_000_000;
const MAX_TABLE_SIZE = 16_000_000;
const MAX_NOTE_SIGNATURES = 100;
/** Node-key changes a bundle may carry (_bundle.MAX_KEY_CHANGES). */
const MAX_KEY_CHANGES = 200;
const MAX_TREE_SIZE = (1n << 63n) - 1n;
const ED25519_TYPE = 0x01;
const COSIGNATURE_TYPE = 0x04;

/** A bundle refused; ``step`` is the name of §4.4's step (the message starts with it). */
export class BundleError extends Error {
  constructor(step, message) {
    super(`${step}: ${message}`);
    this.step = step;
  }
}

/** A note, checkpoint or key that is not what C2SP says it must be. */
export class NoteError extends Error {}

// -- C2SP signed notes and keys ------------------------------------------------------------------

const WHITE_SPACE = new Set(
  "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" +
    "\u2028\u2029\u202f\u205f\u3000",
);
const CONTROL = /[\x00-\x09\x0b-\x1f]/; // eslint-disable-line no-control-regex
const HEX8 = /^[0-9a-fA-F]{8}$/;

function checkNoteText(text, what) {
  if (!text.isWellFormed()) throw new NoteError(`${what} contains a lone surrogate`);
  const m = CONTROL.exec(text);
  if (m !== null) {
    throw new NoteError(
      m[0] === "\r"
        ? `${what} contains a carriage return: lines must end with LF alone`
        : `${what} contains a control character other than newline`,
    );
  }
  if (!text) throw new NoteError(`${what} is empty; expected text ending in a newline`);
  if (!text.endsWith("\n")) throw new NoteError(`${what} must end with a newline`);
}

function checkKeyName(name, where) {
  if (!name) throw new NoteError(`${where}: key name is empty`);
  if (!name.isWellFormed()) throw new NoteError(`${where}: key name is not valid UTF-8`);
  for (const ch of name) {
    if (ch === "+" || WHITE_SPACE.has(ch) || ch < " ") {
      throw new NoteError(`${where}: key name ${JSON.stringify(name)} has a character not allowed`);
    }
  }
}

function base64(text, where) {
  try {
    return b64decodeCanonical(text);
  } catch (e) {
    throw new NoteError(`${where}: ${e.message}`);
  }
}

/** SHA-256(name || 0x0A || type || public key)[:4] as a big-endian uint32. */
async function noteKeyId(name, type, publicKey) {
  const n = utf8(name);
  const data = new Uint8Array(n.length + 2 + publicKey.length);
  data.set(n);
  data[n.length] = 0x0a;
  data[n.length + 1] = type;
  data.set(publicKey, n.length + 2);
  const d = await sha256(data);
  return ((d[0] << 24) | (d[1] << 16) | (d[2] << 8) | d[3]) >>> 0;
}

/** A C2SP Ed25519 verifier key ``<name>+<hex key ID>+<base64(0x01 || key)>``, as
 * Verifier.from_vkey reads it; its ``vkey`` is the canonical text (lowercase key ID). */
export async function parseVkey(text) {
  if (typeof text !== "string") throw new NoteError("verifier key must be text");
  const first = text.indexOf("+");
  const second = first < 0 ? -1 : text.indexOf("+", first + 1);
  if (first < 0 || second < 0) {
    throw new NoteError("verifier key must be <name>+<8 hex digits>+<base64 key>");
  }
  const name = text.slice(0, first);
  const keyHex = text.slice(first + 1, second);
  const encoded = text.slice(second + 1);
  checkKeyName(name, "verifier key");
  const where = `verifier key ${JSON.stringify(name)}`;
  if (!HEX8.test(keyHex)) throw new NoteError(`${where}: key ID must be 8 hex digits`);
  const raw = base64(encoded, where);
  if (raw[0] !== ED25519_TYPE) {
    throw new NoteError(`${where}: key type is not 0x01 (Ed25519 signed-note key)`);
  }
  if (raw.length - 1 !== 32) throw new NoteError(`${where}: Ed25519 key must be 32 bytes`);
  const publicKey = raw.slice(1);
  const keyHash = await noteKeyId(name, ED25519_TYPE, publicKey);
  if (keyHash !== parseInt(keyHex, 16)) {
    throw new NoteError(`${where}: key ID ${keyHex} does not match the key`);
  }
  const vkey = `${name}+${keyHash.toString(16).padStart(8, "0")}+${b64encode(raw)}`;
  return { name, keyHash, publicKey, vkey };
}

const SIG_PREFIX = "\u2014 ";

function parseSignatureLine(line, number) {
  const where = `note line ${number}`;
  if (!line.startsWith(SIG_PREFIX)) throw new NoteError(`${where}: expected a signature line`);
  const rest = line.slice(SIG_PREFIX.length);
  const space = rest.indexOf(" ");
  if (space < 0)
    throw new NoteError(`${where}: expected a space between the key name and the signature`);
  const name = rest.slice(0, space);
  checkKeyName(name, where);
  const raw = base64(rest.slice(space + 1), where);
  if (raw.length <= 4) throw new NoteError(`${where}: expected a 4-byte key ID and a signature`);
  const keyHash = ((raw[0] << 24) | (raw[1] << 16) | (raw[2] << 8) | raw[3]) >>> 0;
  return { name, keyHash, signature: raw.slice(4) };
}

/** Note.from_bytes: the text and its signature lines, none checked yet. */
export function parseNote(message) {
  checkNoteText(message, "note");
  const split = message.lastIndexOf("\n\n");
  if (split < 0) throw new NoteError("note has no blank line");
  const text = message.slice(0, split + 1);
  const block = message.slice(split + 2);
  if (!block) throw new NoteError("note ends with a blank line; expected signature lines");
  const lines = block.slice(0, -1).split("\n");
  if (lines.length > MAX_NOTE_SIGNATURES) {
    throw new NoteError(`note has ${lines.length} signature lines; at most 100 are accepted`);
  }
  const first = text.split("\n").length + 1;
  return { text, signatures: lines.map((line, i) => parseSignatureLine(line, first + i)) };
}

const SIZE = /^(?:0|[1-9][0-9]*)$/;

/** Checkpoint.from_text: origin, size, root hash and extension lines. */
export function parseCheckpoint(text) {
  checkNoteText(text, "checkpoint");
  const lines = text.slice(0, -1).split("\n");
  if (lines.length < 3) throw new NoteError("checkpoint: expected origin, tree size and root hash");
  const [origin, sizeText, rootText, ...extensions] = lines;
  if (!origin) throw new NoteError("checkpoint line 1: origin must not be empty");
  if (!SIZE.test(sizeText))
    throw new NoteError("checkpoint line 2: expected the tree size in decimal");
  if (sizeText.length > 19 || BigInt(sizeText) > MAX_TREE_SIZE) {
    throw new NoteError("checkpoint line 2: tree size is larger than the largest allowed");
  }
  const root = base64(rootText, "checkpoint line 3");
  if (root.length !== 32) throw new NoteError("checkpoint line 3: root hash must be 32 bytes");
  extensions.forEach((ext, i) => {
    if (!ext) throw new NoteError(`checkpoint line ${i + 4}: extension lines must not be empty`);
  });
  return { origin, size: BigInt(sizeText), root, extensions };
}

/** verify_note(require="all"): every signature by a given key verifies, and each key signed. */
async function verifyNote(note, verifiers) {
  const known = new Map();
  for (const v of verifiers) {
    const k = `${v.name}\n${v.keyHash}`;
    const held = known.get(k);
    if (held !== undefined && hex(held.publicKey) !== hex(v.publicKey)) {
      throw new NoteError("two different verifier keys share the name and key ID");
    }
    if (held === undefined) known.set(k, v);
  }
  if (!known.size) throw new NoteError("no verifier keys given");
  const message = utf8(note.text);
  const verified = new Set();
  for (const sig of note.signatures) {
    const k = `${sig.name}\n${sig.keyHash}`;
    const v = known.get(k);
    if (v === undefined) continue;
    if (!(await verifyEd25519(v.publicKey, sig.signature, message))) {
      throw new NoteError(`signature by key ${v.name} does not verify`);
    }
    verified.add(k);
  }
  if (!verified.size) throw new NoteError("note has no signature from a known key");
  const missing = [...known].filter(([k]) => !verified.has(k)).map(([, v]) => v.name);
  if (missing.length) throw new NoteError(`note lacks a signature by ${missing.join(", ")}`);
}

// -- the verifier table (§4.3) ------------------------------------------------------------------

class TableError extends Error {}

const REF = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const LANGUAGE = /^[a-z]{2,3}(?:-[A-Z][a-z]{3})?(?:-(?:[A-Z]{2}|[0-9]{3}))?$/;
const MAX_DATE = 253402300799;
const isInt = (v) => typeof v === "number" || typeof v === "bigint";
const bad = (path, why) => {
  throw new TableError(`${path}: ${why}`);
};

const str =
  ({ min = 0, max = Infinity, pattern = null } = {}) =>
  (v, path) => {
    if (typeof v !== "string") bad(path, "expected text");
    const n = [...v].length;
    if (n < min || n > max || (pattern !== null && !pattern.test(v))) bad(path, "text not allowed");
    return v;
  };
const int =
  (min, max = null) =>
  (v, path) => {
    if (!isInt(v) || v < min || (max !== null && v > max))
      bad(path, "expected an integer in range");
    return v;
  };
const bytes = (length) => (v, path) => {
  if (!(v instanceof Uint8Array) || v.length !== length) bad(path, `expected ${length} bytes`);
  return v;
};
const nullable = (inner) => (v, path) => (v === null ? null : inner(v, path));
const list = (inner) => (v, path) => {
  if (!Array.isArray(v)) bad(path, "expected an array");
  return v.map((x, i) => inner(x, `${path}[${i}]`));
};
const dict = (key, value) => (v, path) => {
  if (!(v instanceof Map)) bad(path, "expected a map");
  const out = new Map();
  for (const [k, x] of v) out.set(key(k, `${path} key`), value(x, `${path}.${k}`));
  return out;
};
const model = (fields) => (v, path) => {
  if (!(v instanceof Map)) bad(path, "expected a map");
  for (const k of v.keys()) {
    if (typeof k !== "string" || !Object.hasOwn(fields, k)) bad(path, "extra key");
  }
  const out = {};
  for (const [name, field] of Object.entries(fields)) {
    if (!v.has(name)) bad(path, `missing key ${name}`);
    out[name] = field(v.get(name), `${path}.${name}`);
  }
  return out;
};

const Ref = str({ min: 1, max: 64, pattern: REF });
const Language = str({ pattern: LANGUAGE });
const Text = str({ min: 1 });
const Names = dict(Language, Text);
const Count = int(0, (1n << 63n) - 1n);
const Code = nullable(int(0, 0xffffffff));
const Event = model({ position: Count, time: int(0, MAX_DATE) });
const TABLE = model({
  format: str(),
  origin: Text,
  size: int(1, (1n << 63n) - 1n),
  time: int(0, MAX_DATE),
  issuer: Ref,
  languages: list(Language),
  name_order: dict(Language, list(Ref)),
  max_age: int(1),
  skew: int(1),
  parties: list(model({ id: Ref, names: Names, node_key: Text })),
  keys: list(
    model({
      kid: bytes(4),
      party: Ref,
      public_key: bytes(32),
      declared: Event,
      retired: nullable(Event),
      compromised: nullable(Event),
    }),
  ),
  revoked: list(model({ hash: bytes(16), revoked: Event, reason: Names })),
  places: list(
    model({
      ref: Ref,
      code: Code,
      parent: nullable(Ref),
      names: dict(Ref, Names),
      aliases: dict(Ref, dict(Language, list(Text))),
    }),
  ),
  categories: list(model({ id: Ref, code: Code, names: Names })),
  projects: list(model({ number: Count, id: Ref, category: Ref, title: Names })),
});

function valueId(v) {
  return v instanceof Uint8Array ? `b${hex(v)}` : keyId(v);
}

function repeated(values, at, found) {
  const seen = new Set();
  values.forEach((v, i) => {
    if (v === null) return;
    const id = valueId(v);
    if (seen.has(id)) found.push(`${at}[${i}]: expected each once`);
    seen.add(id);
  });
}

function complete(names, languages, at, found) {
  const missing = languages.filter((lang) => !names.has(lang));
  if (missing.length) found.push(`${at}: expected a name in every language, missing ${missing}`);
}

/** Every rule tying one part of the table to another (_cross_check). */
async function crossCheck(t) {
  const found = [];
  const parties = t.parties.map((p) => p.id);
  const sorted = (xs) => JSON.stringify([...xs].sort());
  repeated(t.languages, "languages", found);
  repeated(parties, "parties.id", found);
  for (const lang of t.languages) {
    const order = t.name_order.get(lang);
    if (order === undefined || sorted(order) !== sorted(parties)) {
      found.push(`name_order.${lang}: expected every party once`);
    }
  }
  t.parties.forEach((p, i) => complete(p.names, t.languages, `parties[${i}].names`, found));
  repeated(
    t.keys.map((k) => k.kid),
    "keys.kid",
    found,
  );
  for (const [i, k] of t.keys.entries()) {
    if (!parties.includes(k.party)) found.push(`keys[${i}].party: not a party`);
    const kid = (await sha256(k.public_key)).subarray(0, 4);
    if (hex(kid) !== hex(k.kid)) found.push(`keys[${i}].kid: not the kid of its public key`);
    if (k.compromised !== null && k.retired === null) {
      found.push(`keys[${i}].retired: expected the retirement of a compromised key`);
    }
  }
  repeated(
    t.revoked.map((r) => r.hash),
    "revoked.hash",
    found,
  );
  const refs = t.places.map((p) => p.ref);
  repeated(refs, "places.ref", found);
  repeated(
    t.places.map((p) => p.code),
    "places.code",
    found,
  );
  t.places.forEach((place, i) => {
    if (place.parent !== null && !refs.includes(place.parent)) {
      found.push(`places[${i}].parent: no such place`);
    }
    for (const party of parties) {
      complete(
        place.names.get(party) ?? new Map(),
        t.languages,
        `places[${i}].names.${party}`,
        found,
      );
    }
  });
  repeated(
    t.categories.map((c) => c.id),
    "categories.id",
    found,
  );
  repeated(
    t.categories.map((c) => c.code),
    "categories.code",
    found,
  );
  t.categories.forEach((c, i) => complete(c.names, t.languages, `categories[${i}].names`, found));
  repeated(
    t.projects.map((p) => p.number),
    "projects.number",
    found,
  );
  repeated(
    t.projects.map((p) => p.id),
    "projects.id",
    found,
  );
  const categories = t.categories.map((c) => c.id);
  t.projects.forEach((p, i) => {
    if (!categories.includes(p.category)) found.push(`projects[${i}].category: no such category`);
  });
  if (found.length) throw new TableError(found.join("; "));
}

/** VerifierTable.from_cbor: deterministic CBOR of the table's shape and rules. */
export async function tableFromCbor(data) {
  let raw;
  try {
    raw = decode(data, true);
  } catch (e) {
    if (e instanceof CborError) throw new TableError(`expected deterministic CBOR: ${e.message}`);
    throw e;
  }
  if (!(raw instanceof Map) || raw.get("format") !== TABLE_FORMAT) {
    throw new TableError(`expected format ${TABLE_FORMAT}`);
  }
  const table = TABLE(raw, "table");
  await crossCheck(table);
  return table;
}

// -- opening a bundle (§4.4) --------------------------------------------------------------------

function document(data) {
  const fail = (why) => {
    throw new BundleError("not a trust bundle", why);
  };
  let bytes = data;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
  let raw;
  try {
    raw = parseJson(fromUtf8(bytes), 8);
  } catch (e) {
    if (e instanceof EncodingError) fail(`expected UTF-8 JSON: ${e.message}`);
    throw e;
  }
  const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
  if (!isObject(raw) || raw.format !== FORMAT) fail(`expected format '${FORMAT}'`);
  const only = (value, keys, at) => {
    for (const k of Object.keys(value)) {
      if (!keys.includes(k)) fail(`${at}unexpected key ${JSON.stringify(k)}`);
    }
    for (const k of keys) if (!Object.hasOwn(value, k)) fail(`${at}${k}: missing (required)`);
  };
  // A checkpoint and the compressed table it commits to: the bundle's own, or a change's.
  const signed = (value, at) => {
    if (typeof value.checkpoint !== "string") fail(`${at}checkpoint: expected text`);
    if (typeof value.table !== "string") fail(`${at}table: expected base64 text`);
    try {
      return { checkpoint: value.checkpoint, table: b64decodeLikePython(value.table) };
    } catch (e) {
      if (e instanceof EncodingError) fail(`${at}table: ${e.message}`);
      throw e;
    }
  };
  only(raw, ["format", "key_changes", "checkpoint", "table"], "");
  if (!Array.isArray(raw.key_changes)) fail("key_changes: expected an array");
  if (raw.key_changes.length > MAX_KEY_CHANGES) {
    fail(`key_changes: ${raw.key_changes.length} changes, expected at most ${MAX_KEY_CHANGES}`);
  }
  const keyChanges = raw.key_changes.map((change, i) => {
    const at = `key_changes[${i}].`;
    if (!isObject(change)) fail(`key_changes[${i}]: expected an object`);
    only(change, ["checkpoint", "table"], at);
    return signed(change, at);
  });
  return { keyChanges, ...signed(raw, "") };
}

/** open_checkpoint(require="all"): the note, parsed, and its checkpoint, signed by every key of
 * ``keys``; a NoteError says what is wrong. */
async function openCheckpoint(text, keys) {
  const note = parseNote(text);
  const checkpoint = parseCheckpoint(note.text);
  await verifyNote(note, keys);
  return { note, checkpoint };
}

/** The checkpoint's one jointzone-verifier line (_committed). */
function committedLine(checkpoint) {
  const lines = checkpoint.extensions.filter((e) => e.split(" ")[0] === VERIFIER_EXTENSION);
  if (lines.length !== 1) {
    throw new BundleError(
      "checkpoint",
      `expected one '${VERIFIER_EXTENSION}' extension line committing to the verifier table, ` +
        `found ${lines.length}`,
    );
  }
  return lines[0];
}

/** The table the checkpoint's line ``committed`` commits to (_table): inflated, hashed against
 * the line, and only then read; with its inflated bytes. */
async function committedTable(compressed, checkpoint, committed) {
  let raw;
  try {
    raw = await inflate(compressed, MAX_TABLE_SIZE);
  } catch (e) {
    if (e instanceof EncodingError) throw new BundleError("table", e.message);
    throw e;
  }
  const given = `${VERIFIER_EXTENSION} ${hex(await sha256(raw))}`;
  if (given !== committed) {
    throw new BundleError(
      "table",
      `the checkpoint commits to '${committed}', the table carried hashes to '${given}': it is ` +
        "not the table every node holds",
    );
  }
  let table;
  try {
    table = await tableFromCbor(raw);
  } catch (e) {
    if (e instanceof TableError) throw new BundleError("table", e.message);
    throw e;
  }
  if (table.origin !== checkpoint.origin || BigInt(table.size) !== checkpoint.size) {
    throw new BundleError(
      "table",
      `made for log ${JSON.stringify(table.origin)} at size ${table.size}, the checkpoint is of ` +
        `${JSON.stringify(checkpoint.origin)} at size ${checkpoint.size}`,
    );
  }
  return { table, raw };
}

/** The node keys of the bundle's checkpoint, learnt from ``nodeKeys`` through the key changes,
 * and the sizes of the changes; null when the keys given already sign it and it carries no
 * signature under a key name they lack, a party that joined since (_follow_key_changes). */
async function followKeyChanges(doc, nodeKeys) {
  try {
    const note = parseNote(doc.checkpoint);
    await verifyNote(note, nodeKeys);
    const names = new Set(nodeKeys.map((key) => key.name));
    if (note.signatures.every((s) => names.has(s.name))) return null;
  } catch (e) {
    if (!(e instanceof NoteError)) throw e;
  }
  if (!doc.keyChanges.length) return null; // opening the checkpoint says what is wrong
  let keys = nodeKeys;
  let origin = null;
  const sizes = [];
  for (const [i, change] of doc.keyChanges.entries()) {
    const at = `key_changes[${i}]`;
    let opened;
    try {
      opened = await openCheckpoint(change.checkpoint, keys);
    } catch (e) {
      if (!(e instanceof NoteError)) throw e;
      throw new BundleError(
        at,
        `expected a signature by every node key held before it (${keys.length}): ${e.message}`,
      );
    }
    const { note, checkpoint } = opened;
    if (origin !== null && checkpoint.origin !== origin) {
      throw new BundleError(
        at,
        `of log ${JSON.stringify(checkpoint.origin)}, the changes before it of ${JSON.stringify(origin)}`,
      );
    }
    if (checkpoint.size <= (sizes.at(-1) ?? 0n)) {
      throw new BundleError(at, `of size ${checkpoint.size}, not after the change before it`);
    }
    origin = checkpoint.origin;
    sizes.push(checkpoint.size);
    const { table } = await committedTable(change.table, checkpoint, committedLine(checkpoint));
    try {
      const fresh = [];
      for (const party of table.parties) fresh.push(await parseVkey(party.node_key));
      await verifyNote(note, fresh);
      keys = fresh;
    } catch (e) {
      if (!(e instanceof NoteError)) throw e;
      throw new BundleError(
        at,
        "its table names node keys that did not all sign it (a change's checkpoint carries the " +
          `old and the new key's signatures): ${e.message}`,
      );
    }
  }
  return { keys, sizes };
}

async function cosignatureTime(note, key) {
  const keyHash = await noteKeyId(key.name, COSIGNATURE_TYPE, key.publicKey);
  const found = note.signatures.find((s) => s.name === key.name && s.keyHash === keyHash);
  if (found === undefined) {
    throw new BundleError(
      "timestamps",
      `no timestamped cosignature by ${key.name}: every party's node must vouch for a bundle`,
    );
  }
  const sig = found.signature;
  let timestamp = 0n;
  for (let i = 0; i < 8 && i < sig.length; i++) timestamp = (timestamp << 8n) | BigInt(sig[i]);
  const ok =
    sig.length === 72 &&
    timestamp <= (1n << 63n) - 1n &&
    (await verifyEd25519(
      key.publicKey,
      sig.subarray(8),
      utf8(`cosignature/v1\ntime ${timestamp}\n${note.text}`),
    ));
  if (!ok) throw new BundleError("timestamps", `the cosignature by ${key.name} does not verify`);
  return timestamp;
}

/** Each party's keys by kid, with when a key was retired or declared compromised (seconds). */
function trustOf(table, issuedAt) {
  const held = () => ({ keys: new Map(), retired: new Map(), compromised: new Map() });
  const parties = new Map(table.parties.map((p) => [p.id, held()]));
  for (const k of table.keys) {
    const party = parties.get(k.party);
    const kid = hex(k.kid);
    party.keys.set(kid, k.public_key);
    if (k.retired !== null) party.retired.set(kid, Number(k.retired.time));
    if (k.compromised !== null) party.compromised.set(kid, Number(k.compromised.time));
  }
  const missing = [...parties]
    .filter(([, p]) => p.keys.size === p.compromised.size)
    .map(([party]) => party);
  if (missing.length) {
    throw new BundleError(
      "trust",
      `no certificate key of ${missing.join(", ")} in the table that is not declared ` +
        "compromised: expected every party's, since a certificate is valid only with every " +
        "party's signature",
    );
  }
  const revocations = new Map(
    table.revoked.map((r) => [
      hex(r.hash),
      { revokedAt: Number(r.revoked.time), reason: r.reason },
    ]),
  );
  return {
    issuer: table.issuer,
    parties: [...parties].map(([party, p]) => ({ party, ...p })),
    issuedAt,
    revoked: new Set(revocations.keys()),
    revocations,
    maxAge: Number(table.max_age),
    skew: Number(table.skew),
  };
}

/** open_bundle: the bundle file's bytes (or text) checked against the node keys (parsed with
 * parseVkey), and the trust it yields. Throws BundleError naming the step. */
export async function openBundle(data, nodeKeys) {
  const bytes = typeof data === "string" ? utf8(data) : data;
  if (bytes.length > MAX_BUNDLE_SIZE) {
    throw new BundleError(
      "not a trust bundle",
      `${bytes.length} bytes, expected at most ${MAX_BUNDLE_SIZE}`,
    );
  }
  const doc = document(bytes);
  if (!nodeKeys.length) {
    throw new BundleError("node keys", "none given: expected every party's node verifier key");
  }
  const followed = await followKeyChanges(doc, nodeKeys);
  const held = followed === null ? nodeKeys : followed.keys;
  let checkpoint;
  let note;
  try {
    ({ note, checkpoint } = await openCheckpoint(doc.checkpoint, held));
  } catch (e) {
    if (e instanceof NoteError) {
      throw new BundleError(
        "checkpoint",
        `expected a signature of every party's node given (${held.length} keys): ${e.message}`,
      );
    }
    throw e;
  }
  const lastChange = followed?.sizes.at(-1);
  if (lastChange !== undefined && checkpoint.size < lastChange) {
    throw new BundleError(
      "checkpoint",
      `of size ${checkpoint.size}, older than the last key change (${lastChange})`,
    );
  }
  const committed = committedLine(checkpoint);
  const checks = [
    {
      name: "checkpoint",
      status: "PASS",
      cls: null,
      message: `size ${checkpoint.size}, signed by each of the ${held.length} node keys given`,
      params: { size: String(checkpoint.size), keys: held.length },
    },
  ];
  if (followed !== null) {
    const sizes = followed.sizes.map(String);
    checks.push({
      name: "key changes",
      status: "PASS",
      cls: null,
      message:
        `followed ${sizes.length} node-key change(s) from the keys given, at size(s) ` +
        `${sizes.join(", ")}: each signed by every node key held before it and by the new one`,
      params: { changes: sizes.length, sizes },
    });
  }
  const { table, raw } = await committedTable(doc.table, checkpoint, committed);
  checks.push({
    name: "table",
    status: "PASS",
    cls: null,
    message: `the verifier table (${raw.length} bytes) is the one the checkpoint commits to`,
    params: { bytes: raw.length, size: String(table.size) },
  });
  const declared = new Map();
  for (const p of table.parties) declared.set(p.node_key, p.id);
  const givenKeys = new Set(held.map((k) => k.vkey));
  const missing = [...declared].filter(([vkey]) => !givenKeys.has(vkey)).map(([, party]) => party);
  const unknown = [...givenKeys].filter((vkey) => !declared.has(vkey));
  if (missing.length || unknown.length) {
    throw new BundleError(
      "node keys",
      `expected exactly the node keys of every party the table names (${[...declared.values()].join(", ")}); ` +
        `missing those of [${missing.join(", ")}], found ${unknown.length} key(s) of no party`,
    );
  }
  checks.push({
    name: "parties",
    status: "PASS",
    cls: null,
    message: `the node keys given are those of every party the table names (${table.parties.map((p) => p.id).join(", ")})`,
    params: { parties: table.parties.map((p) => p.id) },
  });
  const times = [];
  for (const key of held) times.push(await cosignatureTime(note, key));
  const made = times.reduce((a, b) => (b < a ? b : a));
  if (made < BigInt(table.time) - BigInt(table.skew)) {
    throw new BundleError(
      "timestamps",
      "the nodes vouched for the checkpoint before its last entry was made: the timestamps cannot be right",
    );
  }
  const issuedAt = Number(made);
  const trust = trustOf(table, issuedAt);
  checks.push({
    name: "bundle time",
    status: "INFO",
    cls: null,
    message: `made ${new Date(issuedAt * 1000).toISOString()}: every party's node vouched then that the checkpoint was its latest`,
    params: { made: issuedAt, last: Number(table.time), keys: held.length },
  });
  const count = (what) => trust.parties.reduce((n, p) => n + p[what].size, 0);
  const keyCount = count("keys");
  checks.push({
    name: "trust",
    status: "INFO",
    cls: null,
    message:
      `${keyCount} certificate key(s) of ${trust.parties.length} parties ` +
      `(${count("retired")} retired, ${count("compromised")} declared compromised), ` +
      `${trust.revoked.size} revoked certificate(s)`,
    params: {
      keys: keyCount,
      parties: trust.parties.length,
      retired: count("retired"),
      compromised: count("compromised"),
      revoked: trust.revoked.size,
    },
  });
  return { trust, checks, checkpoint, table };
}
