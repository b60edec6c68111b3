// Ed25519 and SHA-256 through the browser's WebCrypto, checked as jointzone.ed25519 checks.
//
// The Python verifier checks Ed25519 with libsodium, which refuses more than RFC 8032 asks: an
// S not below the group order, an R of small order, and a public key of small order or not in
// its canonical encoding. Those refusals are byte tests, made here before WebCrypto checks the
// equation, so the browser accepts exactly the signatures the Python verifier accepts (both
// compare the R bytes with the encoding of [S]B - [h]A, cofactorless). Our signers never make
// any of these; a forger or a degenerate key does.

const L = (1n << 252n) + 27742317777372353535851937790883648493n;

// The encodings of the points of small order (libsodium's blocklist), compared with the sign
// bit of the last byte masked, as libsodium compares them.
const SMALL_ORDER = [
  "0000000000000000000000000000000000000000000000000000000000000000",
  "0100000000000000000000000000000000000000000000000000000000000000",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
].map((h) => Uint8Array.from(h.match(/../g), (b) => parseInt(b, 16)));

function hasSmallOrder(point) {
  return SMALL_ORDER.some((bad) => {
    for (let i = 0; i < 31; i++) if (point[i] !== bad[i]) return false;
    return (point[31] & 0x7f) === bad[31];
  });
}

function isCanonicalPoint(point) {
  // Not canonical: y (the sign bit aside) is p = 2^255 - 19 or more.
  if ((point[31] & 0x7f) !== 0x7f) return true;
  for (let i = 30; i > 0; i--) if (point[i] !== 0xff) return true;
  return point[0] < 0xed;
}

function isCanonicalScalar(s) {
  let n = 0n;
  for (let i = 31; i >= 0; i--) n = (n << 8n) | BigInt(s[i]);
  return n < L;
}

const imported = new Map();

async function publicKey(raw) {
  let id = "";
  for (const b of raw) id += b.toString(16).padStart(2, "0");
  let key = imported.get(id);
  if (key === undefined) {
    key = crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
    imported.set(id, key);
  }
  return key;
}

/** Whether ``signature`` is the Ed25519 signature of ``message`` by the raw 32-byte key. */
export async function verifyEd25519(publicRaw, signature, message) {
  if (publicRaw.length !== 32 || signature.length !== 64) return false;
  const r = signature.subarray(0, 32);
  if (!isCanonicalScalar(signature.subarray(32)) || hasSmallOrder(r)) return false;
  if (!isCanonicalPoint(publicRaw) || hasSmallOrder(publicRaw)) return false;
  try {
    const key = await publicKey(publicRaw);
    return await crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
  } catch {
    return false; // a key WebCrypto will not import is no key that signed this
  }
}

export async function sha256(data) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", data));
}

/** Whether this browser has Ed25519 in WebCrypto (Chromium 137+, Firefox 129+, Safari 17+). */
export async function hasEd25519() {
  try {
    const base = Uint8Array.of(0x58, ...new Array(31).fill(0x66)); // the base point
    await crypto.subtle.importKey("raw", base, "Ed25519", false, ["verify"]);
    return true;
  } catch {
    return false;
  }
}
