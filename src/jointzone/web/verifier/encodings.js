// The byte and text layers under a certificate and a trust bundle: Base45 (RFC 9285), base64
// as the Python verifier reads it, zlib (RFC 1950) through the browser's DecompressionStream,
// UTF-8, and JSON as jointzone.inputs reads a trust bundle (no duplicate keys, no lone
// surrogates). Each refuses exactly what its Python counterpart refuses; the errors carry the
// layer's name so the caller can name the failure class.

export class EncodingError extends Error {
  constructor(layer, message) {
    super(message);
    this.layer = layer;
  }
}

// -- Base45 ------------------------------------------------------------------------------------

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
const DIGITS = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DIGITS[ALPHABET.charCodeAt(i)] = i;

/** Base45 text to bytes, refusing a character outside the alphabet, a length of 3k+1, a
 * group over 65535 and a final pair over 255 (RFC 9285 §4.2, §6). */
export function b45decode(text) {
  const digits = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const d = c < 128 ? DIGITS[c] : -1;
    if (d < 0) {
      throw new EncodingError(
        "bad Base45",
        `character ${JSON.stringify(text[i])} at position ${i} is not in the Base45 alphabet ` +
          "(0-9, A-Z, space, $ % * + - . / :)",
      );
    }
    digits[i] = d;
  }
  if (digits.length % 3 === 1) {
    throw new EncodingError(
      "bad Base45",
      `Base45 text of ${digits.length} characters: expected a length of 3k or 3k+2, ` +
        "one character is left over",
    );
  }
  const groups = Math.floor(digits.length / 3);
  const full = 3 * groups;
  const out = new Uint8Array(2 * groups + (full === digits.length ? 0 : 1));
  for (let g = 0; g < groups; g++) {
    const n = digits[3 * g] + 45 * digits[3 * g + 1] + 2025 * digits[3 * g + 2];
    if (n > 0xffff) {
      throw new EncodingError(
        "bad Base45",
        `group ${JSON.stringify(text.slice(3 * g, 3 * g + 3))} at position ${3 * g} has value ` +
          `${n}; expected at most 65535 for two bytes`,
      );
    }
    out[2 * g] = n >> 8;
    out[2 * g + 1] = n & 0xff;
  }
  if (full !== digits.length) {
    const n = digits[full] + 45 * digits[full + 1];
    if (n > 0xff) {
      throw new EncodingError(
        "bad Base45",
        `final group ${JSON.stringify(text.slice(full))} at position ${full} has value ${n}; ` +
          "expected at most 255 for one byte",
      );
    }
    out[2 * groups] = n;
  }
  return out;
}

// -- base64 ------------------------------------------------------------------------------------

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_VALUES = new Int16Array(256).fill(-1);
for (let i = 0; i < 64; i++) B64_VALUES[B64.charCodeAt(i)] = i;

export function b64encode(bytes) {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63];
    out += i + 1 < bytes.length ? B64[(n >> 6) & 63] : "=";
    out += i + 2 < bytes.length ? B64[n & 63] : "=";
  }
  return out;
}

/** base64 as Python's ``base64.b64decode(text, validate=True)`` reads it (CPython's
 * ``a2b_base64`` in strict mode): the standard alphabet, padding only at the end, and
 * whatever it accepts beside that (non-zero trailing bits; '=' after a complete quad). */
export function b64decodeLikePython(text) {
  const fail = (why) => {
    throw new EncodingError("base64", `expected standard base64: ${why}`);
  };
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 127) fail("string argument should contain only ASCII characters");
  }
  if (text.length > 0 && text[0] === "=") fail("Leading padding not allowed");
  const out = [];
  let quad = 0;
  let left = 0;
  let pads = 0;
  let padding = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 61) {
      padding = true;
      pads += 1;
      if (quad >= 2 && quad + pads >= 4) {
        if (i + 1 < text.length) fail("Excess data after padding");
        return Uint8Array.from(out);
      }
      continue;
    }
    const v = B64_VALUES[c];
    if (v < 0) fail("Only base64 data is allowed");
    if (padding) fail("Discontinuous padding not allowed");
    pads = 0;
    if (quad === 0) {
      quad = 1;
      left = v;
    } else if (quad === 1) {
      quad = 2;
      out.push(((left << 2) | (v >> 4)) & 0xff);
      left = v & 0x0f;
    } else if (quad === 2) {
      quad = 3;
      out.push(((left << 4) | (v >> 2)) & 0xff);
      left = v & 0x03;
    } else {
      quad = 0;
      out.push(((left << 6) | v) & 0xff);
      left = 0;
    }
  }
  if (quad === 1) fail("number of data characters cannot be 1 more than a multiple of 4");
  if (quad !== 0) fail("Incorrect padding");
  return Uint8Array.from(out);
}

/** Canonical standard base64 only, as jointzone.tlog reads keys, signatures and roots: what
 * Python's decoder accepts and that re-encodes to the same text. */
export function b64decodeCanonical(text) {
  if (!text) throw new EncodingError("base64", "empty; expected base64");
  const raw = b64decodeLikePython(text);
  if (b64encode(raw) !== text) throw new EncodingError("base64", "not in canonical base64");
  return raw;
}

// -- UTF-8 -------------------------------------------------------------------------------------

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const ENCODER = new TextEncoder();

export function utf8(text) {
  return ENCODER.encode(text);
}

/** Strict UTF-8 (surrogates and overlong forms refused); throws EncodingError. */
export function fromUtf8(bytes, layer = "utf-8") {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new EncodingError(layer, "not UTF-8 text");
  }
}

// -- zlib --------------------------------------------------------------------------------------

/** The bytes of the one complete zlib stream ``data`` holds, at most ``limit`` of them: a bad
 * header or checksum, raw deflate or gzip framing, a preset dictionary, a truncated stream and
 * bytes after its end are all refused (the browser's inflater checks them). */
export async function inflate(data, limit) {
  const stream = new DecompressionStream("deflate");
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  const written = writer
    .write(data)
    .then(() => writer.close())
    .catch(() => undefined); // a broken stream errors the reader too, which says why
  const chunks = [];
  let total = 0;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limit) {
        reader.cancel().catch(() => undefined);
        throw new EncodingError("zlib", `zlib stream inflates to more than ${limit} bytes`);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof EncodingError) throw e;
    throw new EncodingError("zlib", `broken zlib stream: ${e.message}`);
  }
  await written;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

// -- JSON --------------------------------------------------------------------------------------

const JSON_SPACE = new Set([" ", "\t", "\n", "\r"]);
const ESCAPES = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;

/** A JSON document as Python's json module reads it, with jointzone.inputs' extra refusals:
 * duplicate keys, lone surrogates, NaN and Infinity, nesting deeper than ``maxDepth``.
 * Objects become plain objects with a null prototype. Throws EncodingError("json"). */
export function parseJson(text, maxDepth = 8) {
  let at = 0;
  const fail = (why) => {
    throw new EncodingError("json", `not valid JSON: ${why} (character ${at})`);
  };
  const space = () => {
    while (at < text.length && JSON_SPACE.has(text[at])) at += 1;
  };
  const string = () => {
    at += 1; // the opening quote
    let out = "";
    for (;;) {
      if (at >= text.length) fail("unterminated string");
      const c = text[at];
      if (c === '"') {
        at += 1;
        break;
      }
      if (c === "\\") {
        const e = text[at + 1];
        if (e === "u") {
          const digits = text.slice(at + 2, at + 6);
          if (!HEX4.test(digits)) fail("invalid \\uXXXX escape");
          out += String.fromCharCode(parseInt(digits, 16));
          at += 6;
        } else if (e !== undefined && Object.hasOwn(ESCAPES, e)) {
          out += ESCAPES[e];
          at += 2;
        } else {
          fail("invalid escape");
        }
        continue;
      }
      if (c.charCodeAt(0) < 0x20) fail("invalid control character in a string");
      out += c;
      at += 1;
    }
    // Escapes of a pair combine into one character, as Python's decoder does; one left alone
    // is refused, as jointzone.inputs refuses it.
    if (!out.isWellFormed()) fail("a lone surrogate in a string");
    return out;
  };
  const value = (depth) => {
    space();
    if (at >= text.length) fail("expecting a value");
    const c = text[at];
    if (c === "{" || c === "[") {
      if (depth >= maxDepth) fail(`nested deeper than ${maxDepth} levels`);
      at += 1;
      space();
      if (c === "[") {
        const items = [];
        if (text[at] === "]") {
          at += 1;
          return items;
        }
        for (;;) {
          items.push(value(depth + 1));
          space();
          if (text[at] === ",") {
            at += 1;
            continue;
          }
          if (text[at] === "]") {
            at += 1;
            return items;
          }
          fail("expecting ',' or ']'");
        }
      }
      const object = Object.create(null);
      if (text[at] === "}") {
        at += 1;
        return object;
      }
      for (;;) {
        space();
        if (text[at] !== '"') fail("expecting a property name in double quotes");
        const key = string();
        if (Object.hasOwn(object, key)) fail(`duplicate key ${JSON.stringify(key)}`);
        space();
        if (text[at] !== ":") fail("expecting ':'");
        at += 1;
        object[key] = value(depth + 1);
        space();
        if (text[at] === ",") {
          at += 1;
          continue;
        }
        if (text[at] === "}") {
          at += 1;
          return object;
        }
        fail("expecting ',' or '}'");
      }
    }
    if (c === '"') return string();
    for (const [word, meaning] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ]) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return meaning;
      }
    }
    NUMBER.lastIndex = at;
    const m = NUMBER.exec(text);
    if (m === null) fail("expecting a value");
    at += m[0].length;
    return Number(m[0]);
  };
  const result = value(0);
  space();
  if (at !== text.length) fail("extra data");
  return result;
}
