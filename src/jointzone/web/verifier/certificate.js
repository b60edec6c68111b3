// A participant certificate (docs/certificate.md §1-§3, §5): decoding, layer by layer, and the
// checks, one line each, in the specification's order. A port of jointzone.credentials
// (_certificate.py, _claims.py, _verify.py) and of the COSE_Sign reading of jointzone.cose:
// the same refusals, in the same order, so that the browser names the same failure class.

import { CborError, decode, decodeNoting, hex, head, keyId, Tag, typeName } from "./cbor.js";
import { sha256, verifyEd25519 } from "./crypto.js";
import { b45decode, EncodingError, inflate, utf8 } from "./encodings.js";

export const PREFIX = "JZ1:";
export const MAX_TEXT_LENGTH = 4296;
export const MAX_COSE_SIZE = 16384;
export const DEFAULT_CLOCK_SKEW = 300;
const AAD = utf8(PREFIX);
const COSE_SIGN_TAG = 98;
const CWT_TAG = 61;
const ALG = 1;
const CRIT = 2;
const KID = 4;
const EDDSA = -8;

export const SCRIPTS = {
  Arab: 160,
  Armn: 230,
  Beng: 325,
  Cyrl: 220,
  Deva: 315,
  Geor: 240,
  Grek: 200,
  Hang: 286,
  Hani: 500,
  Hans: 501,
  Hant: 502,
  Hebr: 125,
  Hira: 410,
  Hrkt: 412,
  Jpan: 413,
  Kana: 411,
  Kore: 287,
  Latn: 215,
  Mong: 145,
  Thai: 352,
};
const SCRIPT_OF = new Map(Object.entries(SCRIPTS).map(([code, n]) => [n, code]));
const MAX_NUMERIC_DATE = 253402300799;
const MAX_NUMBER = 0xffffffff;
// What Python's str.isspace() calls white space, which str.strip() strips.
const PY_SPACE = new Set(
  [
    0x9, 0xa, 0xb, 0xc, 0xd, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001,
    0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f,
    0x205f, 0x3000,
  ].map((c) => String.fromCharCode(c)),
);

/** A certificate that does not decode; ``cls`` is the failure class of §5. */
export class DecodeError extends Error {
  constructor(cls, message) {
    super(message);
    this.cls = cls;
  }
}

const malformed = (message) => new DecodeError("wrong COSE structure", message);
const badClaims = (message) => new DecodeError("bad claims", message);

export function pyStrip(text) {
  let start = 0;
  let end = text.length;
  while (start < end && PY_SPACE.has(text[start])) start += 1;
  while (end > start && PY_SPACE.has(text[end - 1])) end -= 1;
  return text.slice(start, end);
}

const isInt = (v) => typeof v === "number" || typeof v === "bigint";
const codePoints = (text) => [...text].length;

// -- text to COSE bytes (§3) -------------------------------------------------------------------

/** The COSE bytes inside ``JZ1:`` text; throws DecodeError naming the layer at fault. */
export async function decodeText(text) {
  if (typeof text !== "string") {
    throw new DecodeError("wrong prefix", `expected text starting with "${PREFIX}"`);
  }
  if (!text.startsWith(PREFIX)) {
    throw new DecodeError(
      "wrong prefix",
      `expected text starting with "${PREFIX}", found ${JSON.stringify(text.slice(0, 4))}`,
    );
  }
  const length = codePoints(text);
  if (length > MAX_TEXT_LENGTH) {
    throw new DecodeError(
      "wrong prefix",
      `text of ${length} characters: expected at most ${MAX_TEXT_LENGTH}, the most a QR code holds`,
    );
  }
  let compressed;
  try {
    compressed = b45decode(text.slice(PREFIX.length));
  } catch (e) {
    throw new DecodeError("bad Base45", e.message);
  }
  try {
    return await inflate(compressed, MAX_COSE_SIZE);
  } catch (e) {
    if (e instanceof EncodingError) throw new DecodeError("broken zlib", e.message);
    throw e;
  }
}

// -- COSE_Sign (§2) ----------------------------------------------------------------------------

const EMPTY = new Map();

function checkHeader(header, where) {
  if (!(header instanceof Map)) {
    throw malformed(`${where}: expected a map, found ${typeName(header)}`);
  }
  for (const label of header.keys()) {
    if (!isInt(label) && typeof label !== "string") {
      throw malformed(`${where}: label is ${typeName(label)}; expected an integer or text string`);
    }
  }
  return header;
}

function protectedHeader(raw, where) {
  if (raw.length === 0) return [EMPTY, null];
  let header;
  let irregular;
  try {
    [header, irregular] = decodeNoting(raw, false);
  } catch (e) {
    if (e instanceof CborError) {
      throw malformed(`${where} protected header is not a CBOR map: ${e.message}`);
    }
    throw e;
  }
  checkHeader(header, `${where} protected header`);
  if (header.size === 0 && irregular === null) {
    irregular = `an empty map is sent as a zero-length bstr (RFC 9052 §3), found ${hex(raw)}`;
  }
  return [header, irregular];
}

function checkDisjoint(prot, unprot, where) {
  for (const label of prot.keys()) {
    if (unprot.has(label)) {
      throw malformed(`${where}: label ${label} in both the protected and the unprotected header`);
    }
  }
  if (unprot.has(CRIT)) throw malformed(`${where}: crit (2) must be in the protected header`);
  if (!prot.has(CRIT)) return;
  const crit = prot.get(CRIT);
  if (crit === null) return;
  if (!Array.isArray(crit) || crit.length === 0) {
    throw malformed(`${where}: crit (2) must be a non-empty array of labels`);
  }
  for (const label of crit) {
    if ((!isInt(label) && typeof label !== "string") || !prot.has(label)) {
      throw malformed(`${where}: crit (2) lists a label that is not in the protected header`);
    }
  }
}

function shape(value) {
  if (Array.isArray(value)) return `an array of ${value.length} element(s)`;
  if (value instanceof Tag) return `tag ${value.tag}`;
  return value === null ? "nil" : typeName(value);
}

/** SignedMessage.from_bytes, deterministic: the tagged COSE_Sign checked element by element. */
function signedMessage(data) {
  let item;
  try {
    item = decode(data, true);
  } catch (e) {
    if (e instanceof CborError) {
      throw new DecodeError("not CBOR", `not a deterministic CBOR certificate: ${e.message}`);
    }
    throw e;
  }
  if (!(item instanceof Tag)) {
    throw malformed(
      `expected a COSE_Sign message (CBOR tag 98), found an untagged ${typeName(item)}`,
    );
  }
  if (item.tag !== COSE_SIGN_TAG) {
    throw malformed(`expected a COSE_Sign message (CBOR tag 98), found tag ${item.tag}`);
  }
  const body = item.value;
  if (!Array.isArray(body) || body.length !== 4) {
    throw malformed(
      "COSE_Sign: expected an array of 4 elements [protected, unprotected, payload, " +
        `signatures], found ${shape(body)}`,
    );
  }
  const [prot, unprot, payload, signatures] = body;
  if (!(prot instanceof Uint8Array)) {
    throw malformed(`COSE_Sign protected header: expected a bstr, found ${shape(prot)}`);
  }
  if (payload === null) {
    throw malformed("COSE_Sign payload is nil (detached); detached payloads are not supported");
  }
  if (!(payload instanceof Uint8Array)) {
    throw malformed(`COSE_Sign payload: expected a bstr, found ${shape(payload)}`);
  }
  if (!Array.isArray(signatures) || signatures.length === 0) {
    throw malformed(`COSE_Sign signatures: expected a non-empty array, found ${shape(signatures)}`);
  }
  const parsed = signatures.map((sig, i) => {
    const where = `COSE_Signature ${i}`;
    if (!Array.isArray(sig) || sig.length !== 3) {
      throw malformed(
        `${where}: expected an array of 3 elements [protected, unprotected, signature], ` +
          `found ${shape(sig)}`,
      );
    }
    if (!(sig[0] instanceof Uint8Array)) {
      throw malformed(`${where} protected header: expected a bstr, found ${shape(sig[0])}`);
    }
    if (!(sig[2] instanceof Uint8Array)) {
      throw malformed(`${where} signature: expected a bstr, found ${shape(sig[2])}`);
    }
    const [header, irregular] = protectedHeader(sig[0], `${where}: signature`);
    checkDisjoint(header, checkHeader(sig[1], `${where}: signature unprotected header`), where);
    return { protected: sig[0], unprotected: sig[1], signature: sig[2], header, irregular };
  });
  const [header, irregular] = protectedHeader(prot, "body");
  checkDisjoint(header, checkHeader(unprot, "body unprotected header"), "body");
  const found = [
    ["COSE_Sign", irregular],
    ...parsed.map((s, i) => [`COSE_Signature ${i}`, s.irregular]),
  ];
  for (const [where, departure] of found) {
    if (departure !== null) {
      throw new DecodeError(
        "not CBOR",
        `not a deterministic CBOR certificate: ${where} protected header is not in ` +
          `deterministic CBOR: ${departure}`,
      );
    }
  }
  return { protected: prot, unprotected: unprot, payload, signatures: parsed, header };
}

function checkStructure(message) {
  if (message.protected.length) {
    throw malformed(
      "COSE_Sign protected header: expected a zero-length bstr (the format is bound through " +
        `external_aad), found ${hex(message.protected)}`,
    );
  }
  if (message.unprotected.size) {
    throw malformed("COSE_Sign unprotected header: expected an empty map (nothing unsigned)");
  }
  const seen = new Map();
  message.signatures.forEach((sig, i) => {
    const labels = [...sig.header.keys()];
    if (labels.length !== 2 || !sig.header.has(ALG) || !sig.header.has(KID)) {
      throw malformed(
        `COSE_Signature ${i} protected header: expected exactly alg (1) and kid (4), ` +
          `found labels ${JSON.stringify(labels.map(String).sort())}`,
      );
    }
    if (sig.unprotected.size) {
      throw malformed(`COSE_Signature ${i} unprotected header: expected an empty map`);
    }
    const kid = sig.header.get(KID);
    if (!(kid instanceof Uint8Array)) {
      throw malformed(`COSE_Signature ${i}: expected kid (4) to be a bstr`);
    }
    const id = hex(kid);
    if (seen.has(id)) {
      throw malformed(
        `COSE_Signature ${i}: kid ${id} already signed as COSE_Signature ${seen.get(id)}`,
      );
    }
    seen.set(id, i);
    sig.kid = kid;
  });
}

// -- claims (§1) -------------------------------------------------------------------------------

function ref(value, what) {
  if (typeof value !== "string" || !value || value !== pyStrip(value)) {
    throw badClaims(`${what}: expected non-empty text without surrounding spaces`);
  }
  return value;
}

function refOrNumber(value, what) {
  if (isInt(value)) {
    if (!(value >= 0 && value <= MAX_NUMBER)) {
      throw badClaims(
        `${what}: expected a number from 0 to ${MAX_NUMBER} or a ref, found ${value}`,
      );
    }
    return Number(value);
  }
  return ref(value, what);
}

function numericDate(value, key, name) {
  if (!isInt(value)) throw badClaims(`claim ${key} (${name}): expected an integer NumericDate`);
  if (!(value >= 0 && value <= MAX_NUMERIC_DATE)) {
    throw badClaims(`claim ${key} (${name}): expected seconds from 1970 to 9999, found ${value}`);
  }
  return Number(value);
}

const REQUIRED = [1, 4, 5, 6, 7, -65537];
const ALLOWED = new Set([...REQUIRED, 2]);
const CLAIM_NAMES = { 1: "iss", 2: "sub", 4: "exp", 5: "nbf", 6: "iat", 7: "cti" };

/** CertificateClaims.from_cwt: the decoded CWT map, every rule of §1.2. */
function claimsOf(cwt) {
  if (!(cwt instanceof Map)) throw badClaims(`claims: expected a map, found ${typeName(cwt)}`);
  const missing = REQUIRED.filter((k) => !cwt.has(k));
  if (missing.length) {
    const names = missing
      .sort((a, b) => a - b)
      .map((k) => (CLAIM_NAMES[k] ? `${k} (${CLAIM_NAMES[k]})` : `${k}`));
    throw badClaims(`claims: missing claim(s) ${names.join(", ")}`);
  }
  const unknown = [...cwt.keys()].filter((k) => !(typeof k === "number" && ALLOWED.has(k)));
  if (unknown.length) throw badClaims(`claims: unknown claim(s); expected only ${[...ALLOWED]}`);
  const inner = cwt.get(-65537);
  if (!Array.isArray(inner) || inner.length !== 5) {
    throw badClaims(
      "claim -65537: expected an array of 5 [names, party, project, category, places]",
    );
  }
  const [rawNames, party, project, category, rawPlaces] = inner;
  if (!(rawNames instanceof Map)) {
    throw badClaims("claim -65537[0] (names): expected a map of script to name");
  }
  if (!Array.isArray(rawPlaces)) {
    throw badClaims("claim -65537[4] (places): expected an array of refs or numbers");
  }
  const cti = cwt.get(7);
  if (!(cti instanceof Uint8Array)) throw badClaims("claim 7 (cti): expected a bstr");
  const names = [];
  for (const [number, name] of rawNames) {
    const script = isInt(number) ? SCRIPT_OF.get(Number(number)) : undefined;
    if (script === undefined) {
      throw badClaims("claim -65537[0] (names): expected ISO 15924 script numbers");
    }
    if (typeof name !== "string" || !pyStrip(name)) {
      throw badClaims(`name in ${script}: expected non-empty text`);
    }
    if (name.normalize("NFC") !== name) throw badClaims(`name in ${script}: expected Unicode NFC`);
    names.push({ script, name });
  }
  const claims = {
    certificateId: cti,
    issuer: cwt.get(1),
    subject: cwt.has(2) ? cwt.get(2) : null,
    names,
    party,
    project,
    category,
    places: rawPlaces,
    notBefore: numericDate(cwt.get(5), 5, "nbf"),
    expires: numericDate(cwt.get(4), 4, "exp"),
    issuedAt: numericDate(cwt.get(6), 6, "iat"),
  };
  if (cti.length < 1 || cti.length > 64) throw badClaims("certificate id: expected 1 to 64 bytes");
  ref(claims.issuer, "issuer");
  if (claims.subject !== null) ref(claims.subject, "subject");
  ref(party, "party");
  claims.project = refOrNumber(project, "project");
  claims.category = refOrNumber(category, "category");
  if (!names.length) throw badClaims("names: expected at least one ParticipantName, found none");
  if (!rawPlaces.length)
    throw badClaims("places: expected at least one permitted place, found none");
  claims.places = rawPlaces.map((p) => refOrNumber(p, "place"));
  if (new Set(claims.places.map(keyId)).size !== claims.places.length) {
    throw badClaims("places: expected each place once");
  }
  names.sort((a, b) => SCRIPTS[a.script] - SCRIPTS[b.script]);
  if (claims.notBefore >= claims.expires) {
    throw badClaims("validity: expected not_before before expires");
  }
  if (claims.issuedAt > claims.expires) {
    throw badClaims("issued_at: expected no later than expires");
  }
  return claims;
}

function parseClaims(payload) {
  let cwt;
  try {
    cwt = decode(payload, true);
  } catch (e) {
    if (e instanceof CborError)
      throw badClaims(`COSE payload is not deterministic CBOR: ${e.message}`);
    throw e;
  }
  return claimsOf(cwt);
}

/** Certificate.from_cose: the COSE_Sign bytes read as a certificate (or a DecodeError). */
export function certificateFromCose(data) {
  if (data[0] === 0xd8 && data[1] === CWT_TAG) {
    throw malformed(
      `certificate is wrapped in CWT tag ${CWT_TAG}; expected the bare COSE_Sign tag 98`,
    );
  }
  const message = signedMessage(data);
  checkStructure(message);
  return { message, claims: parseClaims(message.payload), cose: data };
}

// -- the checks (§5) ---------------------------------------------------------------------------

export function sigStructure(bodyProtected, signProtected, aad, payload) {
  const parts = [
    Uint8Array.of(0x85, 0x69),
    utf8("Signature"),
    head(2, bodyProtected.length),
    bodyProtected,
    head(2, signProtected.length),
    signProtected,
    head(2, aad.length),
    aad,
    head(2, payload.length),
    payload,
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function when(seconds) {
  return new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
}

/** A span as the Python verifier writes it: "3 d 4 h", "2 h 5 min", "5 min", "12 s". */
export function duration(span) {
  let seconds = Math.abs(span);
  const days = Math.floor(seconds / 86400);
  seconds -= days * 86400;
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  if (days) return `${days} d ${hours} h`;
  if (hours) return `${hours} h ${minutes} min`;
  if (minutes) return seconds ? `${minutes} min ${seconds} s` : `${minutes} min`;
  return `${seconds} s`;
}

function check(name, status, message, extra = {}) {
  return { name, status, message, cls: null, ...extra };
}

/** The trust bundle's age: STALE past its maximum age, or dated ahead of now beyond the skew. */
export function bundleCheck(trust, now) {
  const age = now - trust.issuedAt;
  const params = {
    made: trust.issuedAt,
    age,
    parties: trust.parties.length,
    keys: trust.parties.reduce((n, p) => n + p.keys.size, 0),
    revoked: trust.revoked.size,
    maxAge: trust.maxAge,
    skew: trust.skew,
  };
  const made =
    `made ${when(trust.issuedAt)}, ${duration(age)} ${age >= 0 ? "old" : "in the future"}; ` +
    `${params.parties} parties, ${params.keys} keys, ${params.revoked} revoked certificate(s)`;
  if (age > trust.maxAge) {
    return check(
      "trust bundle",
      "STALE",
      `${made}: older than the ${duration(trust.maxAge)} a bundle may be; get a fresh one`,
      { cls: "too old", params },
    );
  }
  if (-age > trust.skew) {
    return check(
      "trust bundle",
      "STALE",
      `${made}: dated after now by more than the ${duration(trust.skew)} clock skew; ` +
        "check this device's clock",
      { cls: "dated in the future", params },
    );
  }
  return check("trust bundle", "INFO", made, { params });
}

export function notChecked(trust, now, why, reason) {
  return [
    check("issuer", "SKIP", why, { params: { reason } }),
    ...trust.parties.map((p) =>
      check(`signature of ${p.party}`, "SKIP", why, { party: p.party, params: { reason } }),
    ),
    check("validity", "SKIP", why, { params: { reason } }),
    check("revocation", "SKIP", why, { params: { reason } }),
    bundleCheck(trust, now),
  ];
}

function partyOf(trust, kidHex) {
  for (const p of trust.parties) if (p.keys.has(kidHex)) return p;
  return null;
}

/** A party's one signature, in §5's order: its algorithm, whether its key was declared
 * compromised (then no certificate it signed holds), the signature, and whether its key was
 * retired before the certificate was issued (a retired key signs no new certificate). */
function oneSignature(name, r, party, issuedAt, extra) {
  extra.params = { kid: r.kid };
  if (r.status === "unsupported algorithm") {
    return check(name, "FAIL", "unsupported algorithm: expected alg -8 (EdDSA)", {
      ...extra,
      cls: "unsupported algorithm",
    });
  }
  const compromised = party.compromised?.get(r.kid);
  if (compromised !== undefined) {
    extra.params.at = compromised;
    return check(
      name,
      "FAIL",
      `key compromised: kid ${r.kid} was declared compromised at ${when(compromised)}; no ` +
        "certificate it signed is valid",
      { ...extra, cls: "key compromised" },
    );
  }
  if (r.status !== "valid") {
    return check(name, "FAIL", `bad signature: Ed25519 signature by kid ${r.kid} does not verify`, {
      ...extra,
      cls: "bad signature",
    });
  }
  const retired = party.retired?.get(r.kid);
  if (retired === undefined) {
    return check(name, "PASS", `valid Ed25519 signature by kid ${r.kid}`, extra);
  }
  extra.params.at = retired;
  if (issuedAt > retired) {
    return check(
      name,
      "FAIL",
      `key retired: kid ${r.kid} was retired at ${when(retired)}, before the certificate was ` +
        `issued (${when(issuedAt)}); a retired key signs no new certificate`,
      { ...extra, cls: "key retired" },
    );
  }
  return check(
    name,
    "PASS",
    `valid Ed25519 signature by kid ${r.kid}; the key was retired at ${when(retired)}, after ` +
      "the certificate was issued: it stays valid until it expires",
    extra,
  );
}

async function signatureChecks(certificate, trust) {
  const { message } = certificate;
  const results = await Promise.all(
    message.signatures.map(async (sig, index) => {
      const kid = hex(sig.kid);
      const party = partyOf(trust, kid);
      if (sig.header.get(ALG) !== EDDSA) {
        return { index, kid, party, status: "unsupported algorithm" };
      }
      if (party === null) return { index, kid, party, status: "unknown kid" };
      const data = sigStructure(message.protected, sig.protected, AAD, message.payload);
      const valid = await verifyEd25519(party.keys.get(kid), sig.signature, data);
      return { index, kid, party, status: valid ? "valid" : "bad signature" };
    }),
  );
  const byParty = new Map();
  const unknown = [];
  for (const r of results) {
    if (r.party === null) {
      unknown.push(
        check(
          `signature ${r.index}`,
          "FAIL",
          `unknown signer: kid ${r.kid} is not a certificate-signing key of any party in the ` +
            "trust bundle",
          { cls: "unknown signer", params: { kid: r.kid, index: r.index } },
        ),
      );
    } else {
      const mine = byParty.get(r.party.party) ?? [];
      mine.push(r);
      byParty.set(r.party.party, mine);
    }
  }
  const checks = trust.parties.map((p) => {
    const name = `signature of ${p.party}`;
    const mine = byParty.get(p.party) ?? [];
    const extra = { party: p.party };
    if (!mine.length) {
      return check(
        name,
        "FAIL",
        `missing: no signature by a key of ${p.party}; a certificate is valid only with every ` +
          "party's signature",
        { ...extra, cls: "missing" },
      );
    }
    if (mine.length > 1) {
      return check(
        name,
        "FAIL",
        `expected one signature, found ${mine.length} (${mine.map((r) => r.kid).join(", ")})`,
        { ...extra, cls: "more than one", params: { count: mine.length } },
      );
    }
    return oneSignature(name, mine[0], p, certificate.claims.issuedAt, { party: p.party });
  });
  return [...checks, ...unknown];
}

function validityCheck(claims, now, skew) {
  const span = `${when(claims.notBefore)} to ${when(claims.expires)} (UTC)`;
  const params = { from: claims.notBefore, to: claims.expires, now, skew };
  if (now < claims.notBefore - skew) {
    return check(
      "validity",
      "FAIL",
      `not yet valid: valid from ${span}; now is ${when(now)}, ` +
        `${duration(claims.notBefore - now)} early, beyond the ${duration(skew)} clock skew`,
      { cls: "not yet valid", params },
    );
  }
  if (now >= claims.expires + skew) {
    return check(
      "validity",
      "FAIL",
      `expired: valid from ${span}; now is ${when(now)}, ` +
        `${duration(now - claims.expires)} late, beyond the ${duration(skew)} clock skew`,
      { cls: "expired", params },
    );
  }
  return check(
    "validity",
    "PASS",
    `valid from ${span}; now is ${when(now)}, clock skew ${duration(skew)}`,
    {
      params,
    },
  );
}

async function revocationCheck(claims, trust) {
  const digest = hex((await sha256(claims.certificateId)).subarray(0, 16));
  if (trust.revoked.has(digest)) {
    const recorded = trust.revocations.get(digest) ?? null;
    return check(
      "revocation",
      "FAIL",
      `revoked${recorded ? ` since ${when(recorded.revokedAt)}` : ""} (hash ${digest} of the ` +
        "certificate id is on the revocation list)",
      {
        cls: "revoked",
        params: { hash: digest, revokedAt: recorded?.revokedAt, reason: recorded?.reason },
      },
    );
  }
  return check("revocation", "PASS", `not on the revocation list (${trust.revoked.size} entries)`, {
    params: { entries: trust.revoked.size },
  });
}

/** Verify ``text`` (JZ1: text as read from a QR code) against ``trust`` at ``now`` (seconds
 * since 1970, UTC). Never throws for a bad certificate: the report's lines say what failed. */
export async function verifyCertificate(text, trust, now, clockSkew = DEFAULT_CLOCK_SKEW) {
  let certificate;
  let cose;
  try {
    cose = await decodeText(text);
    certificate = certificateFromCose(cose);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    const why = "not checked: the certificate did not decode";
    return {
      checks: [
        check("decoding", "FAIL", `${e.cls}: ${e.message}`, { cls: e.cls }),
        ...notChecked(trust, now, why, "undecoded"),
      ],
      certificate: null,
    };
  }
  const { claims } = certificate;
  const checks = [
    check(
      "decoding",
      "PASS",
      `${PREFIX} text of ${codePoints(text)} characters → COSE_Sign of ${cose.length} bytes with ` +
        `${certificate.message.signatures.length} signature(s); certificate id ${hex(claims.certificateId)}`,
      {
        params: {
          characters: codePoints(text),
          bytes: cose.length,
          signatures: certificate.message.signatures.length,
        },
      },
    ),
    claims.issuer === trust.issuer
      ? check("issuer", "PASS", `issued under '${claims.issuer}'`, {
          params: { issuer: claims.issuer },
        })
      : check("issuer", "FAIL", `expected issuer '${trust.issuer}', found '${claims.issuer}'`, {
          cls: "wrong issuer",
          params: { expected: trust.issuer, found: claims.issuer },
        }),
    ...(await signatureChecks(certificate, trust)),
    validityCheck(claims, now, clockSkew),
    await revocationCheck(claims, trust),
    bundleCheck(trust, now),
  ];
  return { checks, certificate };
}

/** The verdict of a report: VALID only when the certificate decoded and nothing failed. */
export function verdict(report) {
  if (report.certificate === null) return "INVALID";
  return report.checks.some((c) => c.status === "FAIL" || c.status === "STALE")
    ? "INVALID"
    : "VALID";
}
