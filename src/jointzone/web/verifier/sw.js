// The verifier's service worker: keeps every file of the app on the device, so that it starts
// and verifies with no network at all once it has been loaded once.
//
// The node (or ``jointzone verifier export``) writes the list of files and a version made from
// their hashes into this script when it serves it, so any change to any file is a new service
// worker, which the browser installs on the next load while online.

const VERSION = "dev";
const PRECACHE = /* files */ [];
const CACHE = `jointzone-verifier-${VERSION}`;
// Read from the network first while online (a node's keys or bundle may be newer), from the
// device otherwise.
const NETWORK_FIRST = new Set(["config.json", "trust-bundle.json"]);

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE.map((file) => new Request(file, { cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith("jointzone-verifier-") && name !== CACHE)
            .map((name) => caches.delete(name)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

function relative(url) {
  const scope = self.registration.scope;
  const bare = url.split("#")[0].split("?")[0];
  if (!bare.startsWith(scope)) return null;
  const file = bare.slice(scope.length);
  return file === "" ? "index.html" : file;
}

async function fromCache(file) {
  const cache = await caches.open(CACHE);
  return cache.match(file);
}

async function networkFirst(request, file) {
  try {
    const response = await fetch(request);
    if (response.ok) {
      const cache = await caches.open(CACHE);
      await cache.put(file, response.clone());
    }
    return response;
  } catch (e) {
    const cached = await fromCache(file);
    if (cached) return cached;
    throw e;
  }
}

async function cacheFirst(request, file) {
  const cached = await fromCache(file);
  return cached ?? fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const file = relative(request.url);
  if (file === null || !PRECACHE.includes(file)) return; // not the app's: the network's
  event.respondWith(
    NETWORK_FIRST.has(file) ? networkFirst(request, file) : cacheFirst(request, file),
  );
});
