// The officials' pages: an official's key is made, kept and used here, in the browser.
//
// The key is an Ed25519 key made by WebCrypto as non-extractable: the page can sign with it,
// but neither the page nor anything else can read the private key out. It is kept in this
// origin's IndexedDB, one per official id. The node sends the exact bytes to sign (a login
// challenge, or an act's COSE Sig_structure); this script signs them and sends the signature.

const DB = "jointzone";
const STORE = "keys";
const ED25519 = { name: "Ed25519" };

const csrf = () => document.body.dataset.csrf || "";
const say = (key) => document.querySelector(`#strings [data-key="${key}"]`)?.textContent ?? key;

function tell(text, kind = "info") {
  const box = document.getElementById("messages");
  if (!box) return;
  box.textContent = "";
  const p = document.createElement("p");
  p.className = kind;
  p.textContent = text;
  box.append(p);
}

// -- bytes ------------------------------------------------------------------------------------

const fromB64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const toB64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
const toB64url = (bytes) => toB64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

async function fingerprint(raw) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", raw));
  const hex = Array.from(digest.slice(0, 16), (b) => b.toString(16).padStart(2, "0")).join("");
  return hex.match(/.{4}/g).join(" ");
}

// -- the key store ----------------------------------------------------------------------------

function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "official" });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function withStore(mode, fn) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const result = fn(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(result.result ?? result);
    tx.onerror = () => reject(tx.error);
  });
}

const keyOf = (official) => withStore("readonly", (s) => s.get(official));
const allKeys = () => withStore("readonly", (s) => s.getAll());
const keepKey = (record) => withStore("readwrite", (s) => s.put(record));

async function makeKey(official) {
  if (!globalThis.crypto?.subtle) throw new Error(say("no-webcrypto"));
  const pair = await crypto.subtle.generateKey(ED25519, false, ["sign", "verify"]);
  const raw = await crypto.subtle.exportKey("raw", pair.publicKey);
  await keepKey({ official, privateKey: pair.privateKey, publicKey: pair.publicKey, created: new Date().toISOString() });
  return raw;
}

async function signAs(official, bytes) {
  const record = await keyOf(official).catch(() => undefined);
  if (record) return new Uint8Array(await crypto.subtle.sign(ED25519, record.privateKey, bytes));
  // A demonstration's node holds its demo officials' keys and signs for them (every page says
  // so); a real deployment's node holds none, and this browser's key is the only way to sign.
  if (document.body.dataset.demo === "true") {
    const r = await call("POST", "/web/api/demo/sign", { data: toB64(bytes) });
    return fromB64(r.signature);
  }
  throw new Error(say("no-key"));
}

// -- calls to the node ------------------------------------------------------------------------

async function call(method, path, body) {
  const response = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: { "content-type": "application/json", "x-csrf-token": csrf() },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.detail || `${response.status} ${response.statusText}`);
  return data;
}

const me = () => document.body.dataset.official || "";

async function guarded(fn) {
  try {
    await fn();
  } catch (e) {
    tell(`${say("failed")} ${e.message}`, "error");
  }
}

// -- pages ------------------------------------------------------------------------------------

function enrolPage() {
  const form = document.getElementById("enrol");
  if (!form) return;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(async () => {
      const official = form.official.value.trim();
      const raw = await makeKey(official);
      document.getElementById("enrolled-official").textContent = official;
      document.getElementById("enrolled-key").textContent = toB64url(raw);
      document.getElementById("enrolled-fingerprint").textContent = await fingerprint(raw);
      document.getElementById("enrolled").hidden = false;
      tell(say("key-made"));
    });
  });
}

function demoLogin() {
  const form = document.getElementById("demo-login");
  form?.addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(async () => {
      const done = await call("POST", "/web/api/demo/login", {
        official: form.official.value, next: form.dataset.next,
      });
      location.assign(done.next);
    });
  });
}

async function loginPage() {
  const form = document.getElementById("login");
  if (!form) return;
  const select = form.official;
  const records = await allKeys().catch(() => []);
  for (const r of records) select.add(new Option(r.official, r.official));
  if (!records.length) {
    form.hidden = true;
    const none = document.getElementById("login-none");
    if (none) none.hidden = false;
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(async () => {
      const official = select.value;
      const c = await call("POST", "/web/api/login/challenge", { official });
      const signature = await signAs(official, fromB64(c.challenge));
      const done = await call("POST", "/web/api/login", {
        nonce: c.nonce, signature: toB64(signature), next: form.dataset.next,
      });
      location.assign(done.next);
    });
  });
}

function actPage() {
  const sign = document.getElementById("sign");
  sign?.addEventListener("click", () => guarded(async () => {
    tell(say("signing"));
    const act = sign.dataset.act;
    const t = await call("GET", `/web/api/acts/${act}/to-sign`);
    const signature = await signAs(me(), fromB64(t.to_sign));
    await call("POST", `/web/api/acts/${act}/signature`, { signature: toB64(signature) });
    tell(say("signed"));
    location.reload();
  }));
  const reject = document.getElementById("reject");
  reject?.addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(async () => {
      const reason = reject.reason.value.trim();
      if (!reason) throw new Error(say("reason-needed"));
      const act = reject.dataset.act;
      const t = await call("POST", `/web/api/acts/${act}/rejection/to-sign`, { reason });
      const signature = await signAs(me(), fromB64(t.to_sign));
      await call("POST", "/web/api/rejections", { payload: t.payload, signature: toB64(signature) });
      tell(say("rejected"));
      location.reload();
    });
  });
}

function reviewPage() {
  const button = document.getElementById("propose-sign");
  button?.addEventListener("click", () => guarded(async () => {
    tell(say("signing"));
    const signature = await signAs(me(), fromB64(button.dataset.toSign));
    const done = await call("POST", "/web/api/proposals", {
      payload: button.dataset.payload, signature: toB64(signature),
    });
    tell(say("proposed"));
    location.assign(done.url);
  }));
}

// The neutrality check as one types: each text field in a regime language is checked by the
// node's checker (the same one that gates every act), and its findings shown beside the field.
function liveCheck() {
  for (const field of document.querySelectorAll("[data-check-lang]")) {
    const out = document.getElementById(`${field.id}-findings`);
    if (!out) continue;
    let timer;
    field.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => guarded(async () => {
        const text = field.value;
        if (!text.trim()) { out.textContent = ""; field.removeAttribute("aria-invalid"); return; }
        const r = await call("POST", "/web/api/check", { text, language: field.dataset.checkLang });
        out.textContent = "";
        for (const f of r.findings) {
          const li = document.createElement("li");
          li.textContent = f.message;
          out.append(li);
        }
        if (r.findings.length) field.setAttribute("aria-invalid", "true");
        else field.removeAttribute("aria-invalid");
        out.dataset.checked = String(r.findings.length);
      }), 250);
    });
  }
}

enrolPage();
demoLogin();
loginPage();
actPage();
reviewPage();
liveCheck();
