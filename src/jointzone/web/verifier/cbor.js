// Deterministic CBOR (RFC 8949 §4.2.1) decoding, for the verifier app.
//
// A port of jointzone.cose._cbor's decoder, rule for rule, so that the browser refuses exactly
// the bytes the Python verifier refuses: shortest-form arguments, definite lengths, map keys in
// bytewise order of their encodings, no duplicate keys, no floats, no simple values but
// false/true/null, no bignums (tags 2 and 3), nesting at most 32 levels, nothing after the item.
// A lenient read (deterministic = false, for the maps inside COSE protected headers) accepts
// the departures from §4.2.1 and reports the first one, as decode_noting does.
//
// Why not a library: cborg and cbor-x check minimal integers at most; neither checks the key
// order §4.2.1 prescribes, nor reports a departure instead of refusing it, and both would have
// to be configured and kept in agreement with the Python codec anyway.
//
// Values: integers as Number when they are safe integers, otherwise BigInt; byte strings as
// Uint8Array; text as string; arrays as Array; maps as Map (insertion order = encoded order);
// tags as Tag; false/true/null as themselves.

export const MAX_DEPTH = 32;

export class CborError extends Error {}
export class NonDeterministicCborError extends CborError {}

export class Tag {
  constructor(tag, value) {
    this.tag = tag;
    this.value = value;
  }
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const BREAK = 0xff;

function normal(big) {
  // A BigInt as a Number when that is exact, so that every integer has one representation.
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(big)
    : big;
}

function negative(value) {
  return typeof value === "number" && value < Number.MAX_SAFE_INTEGER
    ? -1 - value
    : normal(-1n - BigInt(value));
}

/** A string naming a map key by type and value: what Python's dict compares. */
export function keyId(key) {
  if (typeof key === "number" || typeof key === "bigint") return `i${key}`;
  if (typeof key === "string") return `s${key}`;
  return `b${hex(key)}`;
}

export function hex(bytes) {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

function compareBytes(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function isKey(key) {
  return (
    typeof key === "number" ||
    typeof key === "bigint" ||
    typeof key === "string" ||
    key instanceof Uint8Array
  );
}

function describe(value) {
  if (value === null) return "NoneType";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number" || typeof value === "bigint") return "int";
  if (typeof value === "string") return "str";
  if (value instanceof Uint8Array) return "bytes";
  if (Array.isArray(value)) return "list";
  if (value instanceof Map) return "dict";
  if (value instanceof Tag) return "Tag";
  return typeof value;
}

class Decoder {
  constructor(data, deterministic) {
    this.data = data;
    this.end = data.length;
    this.pos = 0;
    this.deterministic = deterministic;
    this.irregular = null;
  }

  note(message) {
    if (this.deterministic) throw new NonDeterministicCborError(message);
    if (this.irregular === null) this.irregular = message;
  }

  short(n, what) {
    return new CborError(
      `unexpected end of data at offset ${this.pos}: expected ${n} more byte(s) ` +
        `for ${what}, found ${this.end - this.pos}`,
    );
  }

  argument(ai, start, major) {
    if (ai > 27) {
      throw new CborError(
        `reserved additional information ${ai} at offset ${start} (major type ${major})`,
      );
    }
    const size = 1 << (ai - 24);
    const pos = this.pos;
    if (this.end - pos < size) throw this.short(size, "an argument");
    let value;
    if (size <= 4) {
      value = 0;
      for (let i = 0; i < size; i++) value = value * 256 + this.data[pos + i];
    } else {
      let big = 0n;
      for (let i = 0; i < size; i++) big = (big << 8n) | BigInt(this.data[pos + i]);
      value = normal(big);
    }
    this.pos = pos + size;
    const least = size === 1 ? 24 : 2 ** (4 * size);
    if (value < least) {
      this.note(
        `argument ${value} at offset ${start} is encoded in ${size} byte(s); ` +
          "deterministic CBOR requires the shortest form",
      );
    }
    return value;
  }

  item(depth) {
    if (depth > MAX_DEPTH) {
      throw new CborError(`nesting deeper than ${MAX_DEPTH} levels at offset ${this.pos}`);
    }
    const start = this.pos;
    if (start >= this.end) throw this.short(1, "a data item");
    const ib = this.data[start];
    let pos = (this.pos = start + 1);
    const major = ib >> 5;
    const ai = ib & 0x1f;
    if (major === 7) return this.simple(ai, start);
    let value;
    if (ai < 24) {
      value = ai;
    } else if (ai === 24 && pos < this.end) {
      value = this.data[pos];
      pos = this.pos = pos + 1;
      if (value < 24) {
        this.note(
          `argument ${value} at offset ${start} is encoded in 1 byte(s); ` +
            "deterministic CBOR requires the shortest form",
        );
      }
    } else if (ai === 31) {
      return this.indefinite(major, start, depth);
    } else {
      value = this.argument(ai, start, major);
      pos = this.pos;
    }
    if (major === 2 || major === 3) {
      if (typeof value === "bigint" || pos + value > this.end) {
        throw this.short(value, `the string that starts at offset ${start}`);
      }
      const end = pos + value;
      this.pos = end;
      const raw = this.data.subarray(pos, end);
      return major === 2 ? raw.slice() : text(raw, start);
    }
    if (major === 0) return value;
    if (major === 1) return negative(value);
    if (major === 5) return this.map(value, start, depth);
    if (major === 4) {
      if (value > this.end - pos) {
        throw new CborError(
          `array at offset ${start} announces ${value} elements; ` +
            `only ${this.end - pos} byte(s) follow`,
        );
      }
      const items = [];
      for (let i = 0; i < value; i++) items.push(this.item(depth + 1));
      return items;
    }
    if (value === 2 || value === 3) {
      throw new CborError(`bignum (tag ${value}) at offset ${start}: integers here fit in 64 bits`);
    }
    return new Tag(value, this.item(depth + 1)); // major 6
  }

  simple(ai, start) {
    if (ai === 20) return false;
    if (ai === 21) return true;
    if (ai === 22) return null;
    if (ai === 25 || ai === 26 || ai === 27) {
      throw new CborError(`floating-point value at offset ${start}: floats are not used here`);
    }
    if (ai === 31) {
      throw new CborError(`unexpected break (0xff) at offset ${start} outside an indefinite item`);
    }
    throw new CborError(
      `simple value (additional information ${ai}) at offset ${start}: ` +
        "expected false, true or null",
    );
  }

  bytes(length, start) {
    const pos = this.pos;
    if (typeof length === "bigint" || this.end - pos < length) {
      throw this.short(length, `the string that starts at offset ${start}`);
    }
    this.pos = pos + length;
    return this.data.subarray(pos, pos + length);
  }

  pair(result, seen, depth, previous) {
    const keyStart = this.pos;
    const key = this.item(depth + 1);
    if (!isKey(key)) {
      throw new CborError(
        `map key at offset ${keyStart} is ${describe(key)}; ` +
          "expected an integer, text string or byte string",
      );
    }
    const id = keyId(key);
    if (seen.has(id)) throw new CborError(`duplicate map key at offset ${keyStart}`);
    seen.add(id);
    const encoded = this.data.subarray(keyStart, this.pos);
    if (previous !== null && compareBytes(encoded, previous) < 0) {
      this.note(
        `map key at offset ${keyStart} sorts before the key before it; ` +
          "deterministic CBOR orders keys by their encoded bytes",
      );
    }
    result.set(key, this.item(depth + 1));
    return encoded;
  }

  map(count, start, depth) {
    if (2 * Number(count) > this.end - this.pos) {
      throw new CborError(
        `map at offset ${start} announces ${count} pairs; ` +
          `only ${this.end - this.pos} byte(s) follow`,
      );
    }
    const result = new Map();
    const seen = new Set();
    let previous = null;
    for (let i = 0; i < count; i++) previous = this.pair(result, seen, depth, previous);
    return result;
  }

  indefinite(major, start, depth) {
    if (major === 0 || major === 1 || major === 6) {
      throw new CborError(
        `indefinite length is not allowed for major type ${major} (offset ${start})`,
      );
    }
    this.note(`indefinite-length item at offset ${start}; deterministic CBOR uses definite ones`);
    if (major === 2 || major === 3) {
      const chunks = [];
      while (!this.atBreak()) {
        const chunkStart = this.pos;
        const ib = this.data[this.pos];
        this.pos += 1;
        const ai = ib & 0x1f;
        if (ib >> 5 !== major || ai === 31) {
          throw new CborError(
            `chunk at offset ${chunkStart} of the indefinite string at ${start} ` +
              `must be a definite string of major type ${major}`,
          );
        }
        const length = ai < 24 ? ai : this.argument(ai, chunkStart, major);
        chunks.push(this.bytes(length, start));
      }
      const raw = concat(chunks);
      return major === 2 ? raw : text(raw, start);
    }
    if (major === 4) {
      const items = [];
      while (!this.atBreak()) items.push(this.item(depth + 1));
      return items;
    }
    const result = new Map();
    const seen = new Set();
    let previous = null;
    while (!this.atBreak()) previous = this.pair(result, seen, depth, previous);
    return result;
  }

  atBreak() {
    if (this.pos >= this.end) throw this.short(1, "an item or a break");
    if (this.data[this.pos] === BREAK) {
      this.pos += 1;
      return true;
    }
    return false;
  }
}

function text(raw, start) {
  try {
    return UTF8.decode(raw);
  } catch {
    throw new CborError(`text string at offset ${start} is not valid UTF-8`);
  }
}

export function concat(chunks) {
  let length = 0;
  for (const c of chunks) length += c.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Decode exactly one data item and return [value, first departure from §4.2.1 or null]. */
export function decodeNoting(data, deterministic = false) {
  if (!(data instanceof Uint8Array)) {
    throw new CborError(`expected bytes to decode, found ${describe(data)}`);
  }
  const decoder = new Decoder(data, deterministic);
  const value = decoder.item(0);
  if (decoder.pos !== decoder.end) {
    throw new CborError(
      `${decoder.end - decoder.pos} trailing byte(s) after the data item ` +
        `that ends at offset ${decoder.pos}`,
    );
  }
  return [value, decoder.irregular];
}

/** Decode exactly one data item, refusing (by default) any but the deterministic encoding. */
export function decode(data, deterministic = true) {
  return decodeNoting(data, deterministic)[0];
}

// -- encoding: only what a verifier builds (heads, for the Sig_structure) -----------------------

export function head(major, value) {
  const mt = major << 5;
  if (value < 24) return Uint8Array.of(mt | value);
  if (value < 0x100) return Uint8Array.of(mt | 24, value);
  if (value < 0x10000) return Uint8Array.of(mt | 25, value >> 8, value & 0xff);
  if (value < 0x100000000) {
    return Uint8Array.of(
      mt | 26,
      (value >>> 24) & 0xff,
      (value >>> 16) & 0xff,
      (value >>> 8) & 0xff,
      value & 0xff,
    );
  }
  const out = new Uint8Array(9);
  out[0] = mt | 27;
  let big = BigInt(value);
  for (let i = 8; i >= 1; i--) {
    out[i] = Number(big & 0xffn);
    big >>= 8n;
  }
  return out;
}

export { describe as typeName };
