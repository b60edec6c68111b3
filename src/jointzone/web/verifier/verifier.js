// The verifier's public face: a certificate checked against a trust bundle and the pinned node
// keys (what ``jointzone cert verify`` does, jointzone.cli._offline.verify_offline), and the
// holder as the officer reads it. Pure: no DOM, no storage; app.js draws what these return.

import { BundleError, NoteError, openBundle, parseVkey } from "./bundle.js";
import { hex } from "./cbor.js";
import { DEFAULT_CLOCK_SKEW, verdict, verifyCertificate } from "./certificate.js";

export { BundleError, openBundle, parseVkey, verdict, verifyCertificate };

/** The pinned node keys, parsed; a key that does not parse is the report's one line. */
export async function pinnedKeys(texts) {
  try {
    return { keys: await Promise.all(texts.map(parseVkey)), failure: null };
  } catch (e) {
    if (!(e instanceof NoteError)) throw e;
    return {
      keys: null,
      failure: {
        name: "node keys",
        status: "FAIL",
        cls: "node keys",
        message: e.message,
        params: {},
      },
    };
  }
}

/** A bundle opened against the pinned keys, or the report line that refuses it. */
export async function openedBundle(bundle, keyTexts) {
  const pinned = await pinnedKeys(keyTexts);
  if (pinned.failure !== null) return { opened: null, failure: pinned.failure };
  try {
    return { opened: await openBundle(bundle, pinned.keys), failure: null };
  } catch (e) {
    if (!(e instanceof BundleError)) throw e;
    // key_changes[i]: the officer is told which change, counted from 1.
    const change = /^key_changes\[(\d+)\]$/.exec(e.step);
    return {
      opened: null,
      failure: {
        name: "trust bundle",
        status: "FAIL",
        cls: e.step,
        message: e.message,
        params: change === null ? {} : { change: Number(change[1]) + 1 },
      },
    };
  }
}

/** The whole offline check of verify_offline: the bundle's lines, then the certificate's, then
 * (with ``at``, a place of the bundle's table) whether the certificate permits that place, named
 * in ``language``. */
export async function verifyWithBundle(
  text,
  opened,
  now,
  clockSkew = DEFAULT_CLOCK_SKEW,
  { at = null, language = "en" } = {},
) {
  const report = await verifyCertificate(text, opened.trust, now, clockSkew);
  const checks = [...opened.checks, ...report.checks];
  if (at !== null) checks.push(placeCheck(report.certificate, opened.table, at, language));
  return { checks, certificate: report.certificate, table: opened.table };
}

export async function verifyOffline(text, bundle, keyTexts, now) {
  const { opened, failure } = await openedBundle(bundle, keyTexts);
  if (failure !== null) return { checks: [failure], certificate: null, table: null };
  return verifyWithBundle(text, opened, now);
}

/** The trust object of the test vectors (docs/certificate.md §6) as verifyCertificate holds it. */
export function trustFromObject(doc) {
  const bytes = (h) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
  return {
    issuer: doc.issuer,
    parties: doc.parties.map((p) => {
      const at = (what) =>
        new Map(
          p.keys
            .filter((k) => k[what] != null)
            .map((k) => [k.kid.toLowerCase(), Date.parse(k[what]) / 1000]),
        );
      return {
        party: p.party,
        keys: new Map(p.keys.map((k) => [k.kid.toLowerCase(), bytes(k.public_key)])),
        retired: at("retired"),
        compromised: at("compromised"),
      };
    }),
    issuedAt: Date.parse(doc.issued_at) / 1000,
    revoked: new Set(doc.revoked.map((h) => h.toLowerCase())),
    revocations: new Map(),
    maxAge: doc.max_age,
    skew: doc.skew,
  };
}

// -- the holder ---------------------------------------------------------------------------------

export function instant(seconds) {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function placeOf(table, carried) {
  if (typeof carried === "number") return table.places.find((p) => p.code === carried) ?? null;
  return table.places.find((p) => p.ref === carried) ?? null;
}

/** Every party's name for a place, in the language's name order; one where they agree. */
export function placeName(table, place, language) {
  const order = table.name_order.get(language) ?? [];
  const names = order.map((party) => place.names.get(party)?.get(language) ?? place.ref);
  if (new Set(names).size === 1) return names[0];
  return [...new Set(names)].join("/");
}

/** The language the table names things in for a reader of ``language``. */
export function tableLanguage(table, language) {
  return table.languages.includes(language) ? language : table.languages[0];
}

/** The holder as jointzone.cli._offline.holder gives it: names in every script, party of
 * origin, project, category, permitted places with every party's names, validity. */
export function holder(certificate, table, language) {
  const lang = tableLanguage(table, language);
  const c = certificate.claims;
  const party = table.parties.find((p) => p.id === c.party) ?? null;
  const project = table.projects.find((p) => p.number === c.project || p.id === c.project) ?? null;
  const category =
    table.categories.find((k) => k.code === c.category || k.id === c.category) ?? null;
  return {
    names: c.names.map((n) => [n.script, n.name]),
    party: party === null ? c.party : `${party.names.get(lang) ?? c.party} (${c.party})`,
    project: String(c.project),
    projectName:
      project === null ? null : `${project.title.get(lang) ?? project.id} (${project.id})`,
    category:
      category === null
        ? String(c.category)
        : `${category.names.get(lang) ?? category.id} (${category.id})`,
    places: c.places.map((carried) => {
      const place = placeOf(table, carried);
      return place === null ? String(carried) : placeName(table, place, lang);
    }),
    validFrom: instant(c.notBefore),
    validTo: instant(c.expires),
    issued: instant(c.issuedAt),
    certificateId: hex(c.certificateId),
    subject: c.subject,
  };
}

/** The holder lines ``jointzone cert verify`` prints (English labels), for comparing. */
export function holderLines(certificate, table, language) {
  const h = holder(certificate, table, language);
  return [
    ...h.names.map(([script, name]) => `holder (${script}): ${name}`),
    `party of origin: ${h.party}`,
    `project: number ${h.project}${h.projectName ? `, ${h.projectName}` : ""}`,
    `category: ${h.category}`,
    ...h.places.map((p) => `permitted place: ${p}`),
    `valid: ${h.validFrom} to ${h.validTo} (UTC), issued ${h.issued}`,
  ];
}

// -- the place where the officer stands ----------------------------------------------------------

function spellings(place) {
  const out = [place.ref];
  if (place.code !== null) out.push(String(place.code));
  for (const byLanguage of place.names.values()) out.push(...byLanguage.values());
  for (const byLanguage of place.aliases.values()) {
    for (const forms of byLanguage.values()) out.push(...forms);
  }
  return out;
}

/** The place of the table that ``text`` names, as ``cert verify --at`` reads it
 * (jointzone.cli._offline.find_place): its ref, its code, or any party's name or alias for it in
 * any language, letter case aside; null when none does. */
export function findPlace(table, text) {
  const wanted = text.trim().toLowerCase();
  return (
    table.places.find((place) => spellings(place).some((s) => s.toLowerCase() === wanted)) ?? null
  );
}

/** Whether ``ref`` is ``ancestor`` or lies under it by parent links (VerifierTable.is_within). */
function isWithin(table, ref, ancestor) {
  const seen = new Set();
  let at = ref;
  while (at !== null && !seen.has(at)) {
    if (at === ancestor) return true;
    seen.add(at);
    at = table.places.find((p) => p.ref === at)?.parent ?? null;
  }
  return false;
}

/** The line ``cert verify --at`` adds (jointzone.cli._offline._place_check): PASS where one of
 * the certificate's places, in its order, is ``here`` or holds it; FAIL (an INVALID verdict)
 * otherwise; SKIP when the certificate did not decode. ``params`` carry refs, for the page to
 * name in the reader's language. */
export function placeCheck(certificate, table, here, language) {
  const lang = tableLanguage(table, language);
  const name = placeName(table, here, lang);
  const line = (status, cls, message, params) => ({
    name: "place",
    status,
    cls,
    message,
    params: { here: here.ref, ...params },
  });
  if (certificate === null) {
    return line("SKIP", null, `${name}: not checked, the certificate did not decode`, {
      reason: "place_undecoded",
    });
  }
  for (const carried of certificate.claims.places) {
    const place = placeOf(table, carried);
    if (place !== null && isWithin(table, here.ref, place.ref)) {
      if (place.ref === here.ref) return line("PASS", null, `${name} is permitted`, {});
      const within = placeName(table, place, lang);
      return line("PASS", null, `${name} is permitted, within ${within}`, { within: place.ref });
    }
  }
  return line(
    "FAIL",
    "not permitted",
    `${name} is not among the places this certificate permits`,
    {},
  );
}
