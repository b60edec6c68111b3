// The officer's verifier: a trust bundle opened against the pinned node keys, certificates read
// from the camera, pasted text or an image file, each verified here in the browser, offline.
// Everything the page says comes from i18n/<lang>.json.
//
// Test hook: window.verifyText(text, bundle, now, options) verifies ``text`` and returns
// {verdict, checks: [{name, status, cls, message}], holder} (holder: the lines ``jointzone
// cert verify`` prints, or null). ``bundle`` is a trust bundle file's text, checked against
// ``options.keys`` (default: the pinned keys of config.json), or a trust object of the test
// vectors (docs/certificate.md §6), used as it is with ``options.clockSkew``; ``now`` is RFC
// 3339 text or seconds since 1970. ``options.at`` names a place as ``cert verify --at`` does
// (a ref, a code or a name) and ``options.language`` the language of the place line and the
// holder. window.verifierReady resolves once the app has started.

import { hasEd25519 } from "./crypto.js";
import { DEFAULT_CLOCK_SKEW, bundleCheck, notChecked } from "./certificate.js";
import { Camera, readImage, ScanError } from "./scan.js";
import { storeBundle, storedBundle } from "./store.js";
import {
  findPlace,
  holder,
  holderLines,
  openedBundle,
  placeCheck,
  placeName,
  tableLanguage,
  trustFromObject,
  verdict,
  verifyCertificate,
  verifyWithBundle,
} from "./verifier.js";

const LANGUAGES = ["ja", "ru", "en"];
const LANGUAGE_KEY = "jz-verifier-lang";
// The ref of the place the officer chose as where they check, kept on the device.
const PLACE_KEY = "jz-verifier-place";
const $ = (id) => document.getElementById(id);

const state = {
  language: "en",
  strings: {},
  config: { node_keys: [], bundle_urls: [] },
  bundle: null, // {opened, failure, record: {text, source, url, receivedAt}}
  place: null, // the chosen place's ref, or null
  result: null, // {report, input, verify}: verify() makes the report again
  camera: null,
};

// -- strings ------------------------------------------------------------------------------------

function t(key, params = {}) {
  const template = state.strings[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (all, name) =>
    name in params ? String(params[name]) : all,
  );
}

function chooseLanguage() {
  const saved = localStorage.getItem(LANGUAGE_KEY);
  if (LANGUAGES.includes(saved)) return saved;
  for (const tag of navigator.languages ?? []) {
    const base = tag.toLowerCase().split("-")[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return "en";
}

async function setLanguage(language) {
  const response = await fetch(`i18n/${language}.json`);
  state.strings = await response.json();
  state.language = language;
  localStorage.setItem(LANGUAGE_KEY, language);
  document.documentElement.lang = language;
  document.title = t("app.title");
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-label]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  }
  for (const el of document.querySelectorAll("[data-i18n-placeholder]")) {
    el.setAttribute("placeholder", t(el.dataset.i18nPlaceholder));
  }
  for (const button of document.querySelectorAll("#languages button")) {
    button.setAttribute("aria-pressed", String(button.dataset.lang === language));
  }
  renderBundle();
  renderResult();
}

function moment(seconds) {
  const format = new Intl.DateTimeFormat(state.language, {
    dateStyle: "medium",
    timeStyle: "medium",
    timeZone: "UTC",
  });
  return `${format.format(new Date(seconds * 1000))} ${t("time.utc")}`;
}

function span(seconds) {
  let s = Math.abs(seconds);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (d) return t("duration.days", { d, h });
  if (h) return t("duration.hours", { h, m });
  if (m) return s ? t("duration.minutes_seconds", { m, s }) : t("duration.minutes", { m });
  return t("duration.seconds", { s });
}

function named(names) {
  if (!(names instanceof Map)) return "";
  return names.get(state.language) ?? names.get("en") ?? [...names.values()][0] ?? "";
}

function partyName(party) {
  const table = state.bundle?.opened?.table;
  const found = table?.parties.find((p) => p.id === party);
  return found ? named(found.names) : party;
}

// -- the trust bundle ---------------------------------------------------------------------------

function now() {
  return Math.floor(Date.now() / 1000);
}

async function useBundle(text, source, receivedAt, { keep = true, url = null } = {}) {
  const { opened, failure } = await openedBundle(text, state.config.node_keys);
  const current = state.bundle?.opened;
  if (opened !== null && current && opened.trust.issuedAt < current.trust.issuedAt) {
    return false; // an older bundle than the one held: keep the fresher
  }
  if (opened === null && current) {
    state.notice = { key: "bundle.refused_kept", cls: failure.cls };
    renderBundle();
    return false;
  }
  state.bundle = { opened, failure, record: { text, source, url, receivedAt } };
  if (opened !== null && keep) await storeBundle(state.bundle.record);
  state.notice = null;
  renderBundle();
  return opened !== null;
}

async function loadStored() {
  const record = await storedBundle();
  if (record) {
    const { text, source, url, receivedAt } = record;
    await useBundle(text, source, receivedAt, { keep: false, url: url ?? null });
  }
}

// Where a bundle URL of config.json leads: the file beside the app, the node that serves the
// app (a path of its own origin), or a node elsewhere (``verifier export --refresh-from``).
function sourceOf(url) {
  if (new URL(url, document.baseURI).origin !== location.origin) return "remote";
  return url.endsWith(".json") ? "beside" : "node";
}

async function fetchBundle() {
  // Every source in turn, the file beside the app first: a bundle that opens and is fresher
  // than the one held replaces it, so the freshest of them is kept.
  for (const url of state.config.bundle_urls) {
    try {
      const response = await fetch(url, { cache: "no-store" });
      if (!response.ok) continue;
      const text = await response.text();
      await useBundle(text, sourceOf(url), now(), { url });
    } catch {
      // offline, or the node did not answer (or lets no other origin read it): the bundle
      // held serves
    }
  }
  if (!state.bundle) {
    state.notice = { key: navigator.onLine ? "bundle.fetch_failed" : "bundle.offline" };
    renderBundle();
  }
}

async function loadBundleFile(file) {
  const text = await file.text();
  await useBundle(text, "file", now());
}

function renderBundle() {
  const status = $("bundle-status");
  const list = $("bundle-checks");
  if (!status) return;
  renderPlaces();
  list.replaceChildren();
  const notice = $("bundle-notice");
  notice.textContent = state.notice
    ? t(state.notice.key, { step: t(`step.${classSlug(state.notice.cls ?? "")}`) })
    : "";
  notice.hidden = !state.notice;
  const bundle = state.bundle;
  status.className = "";
  if (!bundle) {
    status.textContent = t("bundle.none");
    status.className = "bad";
    return;
  }
  if (bundle.opened === null) {
    status.textContent = t("bundle.refused", { step: t(`step.${classSlug(bundle.failure.cls)}`) });
    status.className = "bad";
    return;
  }
  const trust = bundle.opened.trust;
  const age = bundleCheck(trust, now());
  status.textContent = t("bundle.status", {
    made: moment(trust.issuedAt),
    age: t(age.params.age >= 0 ? "age.old" : "age.ahead", { span: span(age.params.age) }),
    source: t(`bundle.source.${bundle.record.source}`, {
      host: bundle.record.url ? new URL(bundle.record.url, document.baseURI).host : "",
    }),
    received: moment(bundle.record.receivedAt),
  });
  status.className = age.status === "STALE" ? "bad" : "good";
  for (const c of bundle.opened.checks) list.append(checkItem(c));
  list.append(checkItem(age));
}

// -- where the officer checks -------------------------------------------------------------------

/** The chosen place as ``table`` has it; null when none is chosen or the table lacks it. */
function chosenPlace(table) {
  if (state.place === null || !table) return null;
  return table.places.find((p) => p.ref === state.place) ?? null;
}

function placeLabel(table, ref) {
  const place = table?.places.find((p) => p.ref === ref);
  return place ? placeName(table, place, tableLanguage(table, state.language)) : ref;
}

function renderPlaces() {
  const select = $("place-select");
  if (!select) return;
  const table = state.bundle?.opened?.table ?? null;
  const options = (table?.places ?? []).map((p) => {
    const name = placeLabel(table, p.ref);
    const label =
      p.parent === null
        ? name
        : t("place.within", { place: name, parent: placeLabel(table, p.parent) });
    return new Option(label, p.ref);
  });
  select.replaceChildren(new Option(t("place.none"), ""), ...options);
  const here = chosenPlace(table);
  select.value = here === null ? "" : here.ref;
  select.disabled = table === null;
  // A place chosen before that this bundle's gazetteer lacks is not checked: the officer is told.
  const notice = $("place-notice");
  notice.hidden = table === null || state.place === null || here !== null;
  notice.textContent = notice.hidden ? "" : t("place.missing");
}

async function choosePlace(ref) {
  state.place = ref || null;
  if (state.place === null) localStorage.removeItem(PLACE_KEY);
  else localStorage.setItem(PLACE_KEY, state.place);
  renderPlaces();
  // A verdict on the page is for the place chosen: made again for the new one.
  if (state.result) await show(state.result.input, state.result.verify);
}

// -- verifying ----------------------------------------------------------------------------------

function noBundle() {
  return {
    name: "trust bundle",
    status: "FAIL",
    cls: "none",
    message: "no trust bundle",
    params: {},
  };
}

async function verifyHere(text) {
  const bundle = state.bundle;
  if (!bundle) return { checks: [noBundle()], certificate: null, table: null };
  if (bundle.opened === null) return { checks: [bundle.failure], certificate: null, table: null };
  const table = bundle.opened.table;
  return verifyWithBundle(text, bundle.opened, now(), DEFAULT_CLOCK_SKEW, {
    at: chosenPlace(table),
    language: tableLanguage(table, state.language),
  });
}

async function show(input, verify) {
  state.result = { report: await verify(), input, verify };
  renderResult();
  $("result").scrollIntoView?.({ block: "nearest" });
}

async function verifyPasted() {
  // An officer's paste often picks up a line break or spaces at either end: those are no part
  // of a QR code's text (Base45 has a space, but never at an end that matters here).
  const text = $("paste-text").value.replace(/^[\s]+|[\s]+$/g, "");
  await show("paste", () => verifyHere(text));
}

function unreadable(error) {
  const bundle = state.bundle;
  const qr = {
    name: "QR image",
    status: "FAIL",
    cls: error.reason,
    message: error.message,
    params: {},
  };
  const skip = {
    name: "decoding",
    status: "SKIP",
    cls: null,
    message: "",
    params: { reason: "no_qr" },
  };
  if (!bundle?.opened)
    return { checks: [bundle ? bundle.failure : noBundle()], certificate: null, table: null };
  const table = bundle.opened.table;
  const here = chosenPlace(table);
  return {
    checks: [
      ...bundle.opened.checks,
      qr,
      skip,
      ...notChecked(bundle.opened.trust, now(), "", "no_qr"),
      ...(here === null
        ? []
        : [placeCheck(null, table, here, tableLanguage(table, state.language))]),
    ],
    certificate: null,
    table,
  };
}

function withQr(report, text) {
  const qr = {
    name: "QR image",
    status: "PASS",
    cls: null,
    message: "",
    params: { characters: text.length },
  };
  const at = state.bundle?.opened ? state.bundle.opened.checks.length : 0;
  if (!state.bundle?.opened) return report;
  return { ...report, checks: [...report.checks.slice(0, at), qr, ...report.checks.slice(at)] };
}

async function verifyImage(file) {
  try {
    const text = await readImage(file);
    await show("image", async () => withQr(await verifyHere(text), text));
  } catch (e) {
    if (!(e instanceof ScanError)) throw e;
    await show("image", () => unreadable(e));
  }
}

async function startCamera() {
  const video = $("camera-video");
  state.camera?.stop();
  const camera = new Camera(video);
  state.camera = camera;
  $("camera-panel").classList.add("scanning");
  $("camera-stop").hidden = false;
  $("camera-status").textContent = t("camera.scanning");
  try {
    const text = await camera.start();
    if (text !== null) await show("camera", async () => withQr(await verifyHere(text), text));
    $("camera-status").textContent = text === null ? "" : t("camera.read");
  } catch (e) {
    $("camera-status").textContent = t("camera.unavailable");
  } finally {
    $("camera-panel").classList.remove("scanning");
    $("camera-stop").hidden = true;
  }
}

// -- drawing a report ---------------------------------------------------------------------------

function slug(text) {
  return String(text).replaceAll(" ", "_");
}

// A failure class as its strings are keyed: key_changes[i] is one step whatever the change
// (which one is a parameter).
function classSlug(cls) {
  return slug(cls).replace(/\[\d+\]$/, "");
}

function checkTitle(c) {
  if (c.name.startsWith("signature of "))
    return t("check.signature_of", { party: partyName(c.party) });
  if (/^signature \d+$/.test(c.name)) return t("check.signature_n", { n: c.name.split(" ")[1] });
  return t(`check.${slug(c.name)}`);
}

// The parameters that are moments (seconds since 1970), shown as the reader's dates.
const MOMENTS = ["from", "to", "now", "made", "last", "revokedAt", "at"];

function formatted(params, table) {
  const out = {};
  for (const [k, v] of Object.entries(params ?? {})) {
    if (MOMENTS.includes(k) && typeof v === "number") {
      out[k] = moment(v);
    } else if (["maxAge", "skew"].includes(k)) out[k] = span(v);
    else if (k === "age") out[k] = t(v >= 0 ? "age.old" : "age.ahead", { span: span(v) });
    else if (k === "reason") out[k] = named(v);
    else if (k === "parties" && Array.isArray(v))
      out[k] = v.map(partyName).join(t("list.separator"));
    else if (k === "sizes" && Array.isArray(v)) out[k] = v.join(t("list.separator"));
    else if (["here", "within"].includes(k)) out[k] = placeLabel(table, v);
    else out[k] = v;
  }
  return out;
}

function checkText(c, table) {
  if (c.status === "SKIP") {
    return t(`skip.${c.params?.reason ?? "undecoded"}`, formatted(c.params, table));
  }
  const name = c.name.startsWith("signature of ")
    ? "signature_of"
    : /^signature \d+$/.test(c.name)
      ? "signature_n"
      : slug(c.name);
  const plain = c.cls === "revoked" && c.params?.revokedAt == null ? "_plain" : "";
  const within = c.name === "place" && c.params?.within ? "_within" : "";
  const key = `msg.${name}.${c.status}${c.cls ? `.${classSlug(c.cls)}${plain}` : ""}${within}`;
  return t(key, formatted(c.params, table));
}

// ``table`` names the places a place line speaks of (the report's).
function checkItem(c, table = null) {
  const li = document.createElement("li");
  li.className = `check ${c.status.toLowerCase()}`;
  li.dataset.check = c.name;
  li.dataset.status = c.status;
  if (c.cls) li.dataset.class = c.cls;
  const badge = document.createElement("span");
  badge.className = "badge";
  badge.textContent = t(`status.${c.status}`);
  const title = document.createElement("strong");
  title.textContent = checkTitle(c);
  const text = document.createElement("span");
  text.className = "detail";
  text.textContent = checkText(c, table);
  li.append(badge, " ", title, " ", text);
  return li;
}

function row(list, label, values) {
  const dt = document.createElement("dt");
  dt.textContent = label;
  list.append(dt);
  for (const value of values) {
    const dd = document.createElement("dd");
    dd.textContent = value;
    list.append(dd);
  }
}

function renderResult() {
  const box = $("result");
  if (!box) return;
  const banner = $("verdict");
  const checks = $("checks");
  const holderList = $("holder");
  checks.replaceChildren();
  holderList.replaceChildren();
  if (!state.result) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const { report } = state.result;
  const v = verdict(report);
  banner.textContent = t(`verdict.${v}`);
  banner.className = v === "VALID" ? "valid" : "invalid";
  banner.dataset.verdict = v;
  for (const c of report.checks) checks.append(checkItem(c, report.table));
  $("holder-section").hidden = !(report.certificate && report.table);
  if (report.certificate && report.table) {
    const lang = tableLanguage(report.table, state.language);
    const h = holder(report.certificate, report.table, lang);
    for (const [script, name] of h.names)
      row(holderList, t("holder.name", { script: t(`script.${script}`) }), [name]);
    row(holderList, t("holder.party"), [h.party]);
    row(holderList, t("holder.project"), [
      h.projectName
        ? t("holder.project_named", { number: h.project, name: h.projectName })
        : t("holder.project_number", { number: h.project }),
    ]);
    row(holderList, t("holder.category"), [h.category]);
    row(holderList, t("holder.places"), h.places);
    row(holderList, t("holder.valid"), [
      t("holder.valid_value", {
        from: moment(report.certificate.claims.notBefore),
        to: moment(report.certificate.claims.expires),
        issued: moment(report.certificate.claims.issuedAt),
      }),
    ]);
  }
}

// -- the test hook ------------------------------------------------------------------------------

function seconds(when) {
  return typeof when === "number" ? when : Date.parse(when) / 1000;
}

async function verifyText(text, bundle, when = now(), options = {}) {
  await window.verifierReady;
  const language = options.language ?? "en";
  let report;
  if (typeof bundle === "string") {
    const { opened, failure } = await openedBundle(bundle, options.keys ?? state.config.node_keys);
    if (failure !== null) {
      report = { checks: [failure], certificate: null, table: null };
    } else {
      const at = options.at == null ? null : findPlace(opened.table, options.at);
      if (options.at != null && at === null) {
        throw new Error(`at: no place ${JSON.stringify(options.at)} in the regime's gazetteer`);
      }
      report = await verifyWithBundle(
        text,
        opened,
        seconds(when),
        options.clockSkew ?? DEFAULT_CLOCK_SKEW,
        { at, language },
      );
    }
  } else {
    if (options.at != null) throw new Error("at: a place is checked against a bundle's table");
    report = await verifyCertificate(
      text,
      trustFromObject(bundle),
      seconds(when),
      options.clockSkew ?? DEFAULT_CLOCK_SKEW,
    );
  }
  return {
    verdict: verdict(report),
    checks: report.checks.map(({ name, status, cls, message }) => ({ name, status, cls, message })),
    holder:
      report.certificate && report.table
        ? holderLines(report.certificate, report.table, language)
        : null,
  };
}

// -- starting -----------------------------------------------------------------------------------

function bind() {
  for (const button of document.querySelectorAll("#languages button")) {
    button.addEventListener("click", () => setLanguage(button.dataset.lang));
  }
  $("paste-form").addEventListener("submit", (event) => {
    event.preventDefault();
    verifyPasted();
  });
  $("image-file").addEventListener("change", (event) => {
    const [file] = event.target.files;
    if (file) verifyImage(file);
    event.target.value = "";
  });
  $("bundle-file").addEventListener("change", (event) => {
    const [file] = event.target.files;
    if (file) loadBundleFile(file);
    event.target.value = "";
  });
  $("bundle-refresh").addEventListener("click", () => fetchBundle());
  $("place-select").addEventListener("change", (event) => choosePlace(event.target.value));
  $("camera-start").addEventListener("click", () => startCamera());
  $("camera-stop").addEventListener("click", () => state.camera?.stop());
  window.addEventListener("online", renderOnline);
  window.addEventListener("offline", renderOnline);
}

function renderOnline() {
  $("online").textContent = t(navigator.onLine ? "status.online" : "status.offline");
}

async function start() {
  state.place = localStorage.getItem(PLACE_KEY);
  bind();
  await setLanguage(chooseLanguage());
  renderOnline();
  if (!(await hasEd25519())) {
    $("fatal").textContent = t("error.no_ed25519");
    $("fatal").hidden = false;
  }
  try {
    state.config = await (await fetch("config.json", { cache: "no-cache" })).json();
  } catch {
    $("fatal").textContent = t("error.no_config");
    $("fatal").hidden = false;
  }
  await loadStored();
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("sw.js", { scope: "./" }).catch(() => undefined);
  }
  await fetchBundle();
}

window.verifyText = verifyText;
window.verifierReady = start();
