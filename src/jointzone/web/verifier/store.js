// The trust bundle kept on this device (IndexedDB), for verifying offline: the bundle file's
// text as it was received, where it came from and when. It is opened again, against the pinned
// node keys, every time it is read: what is stored is never trusted for having been stored.

const DB = "jointzone-verifier";
const STORE = "bundles";
const KEY = "current";

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function transact(mode, act) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = act(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

/** The stored bundle: {text, source, receivedAt} or undefined. */
export async function storedBundle() {
  try {
    return await transact("readonly", (s) => s.get(KEY));
  } catch {
    return undefined; // private browsing without IndexedDB: nothing stored, nothing kept
  }
}

export async function storeBundle(record) {
  try {
    await transact("readwrite", (s) => s.put(record, KEY));
    return true;
  } catch {
    return false;
  }
}
