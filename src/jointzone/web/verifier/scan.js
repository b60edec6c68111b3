// Reading a certificate's QR code: camera frames (getUserMedia) and image files, decoded by
// jsQR (vendored: vendor/jsQR.js, loaded by index.html with its Subresource Integrity hash; it
// defines the global jsQR). It is given pixels only; the text it reads is the verifier's to
// judge, byte by byte.

const SCAN_INTERVAL_MS = 150;
// An image file is refused beyond this many pixels, as jointzone.inputs.IMAGE refuses it.
const MAX_PIXELS = 50_000_000;

export class ScanError extends Error {
  constructor(reason, message) {
    super(message);
    this.reason = reason; // "unreadable", "none", "many", "camera"
  }
}

/** The QR code in the canvas's pixels, {text, box} or null. */
function decode(canvas, context, attempts = "dontInvert") {
  const read = globalThis.jsQR;
  if (read === undefined) throw new ScanError("unreadable", "the QR reader did not load");
  const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
  const found = read(data, canvas.width, canvas.height, { inversionAttempts: attempts });
  if (found === null) return null;
  const corners = [
    found.location.topLeftCorner,
    found.location.topRightCorner,
    found.location.bottomRightCorner,
    found.location.bottomLeftCorner,
  ];
  return { text: found.data, bytes: found.binaryData, corners };
}

/** The text of the one QR code in an image file; ScanError when there is none, or more. */
export async function readImage(file) {
  let image;
  try {
    image = await createImageBitmap(file);
  } catch {
    throw new ScanError("unreadable", "the image could not be read");
  }
  if (image.width * image.height > MAX_PIXELS) {
    throw new ScanError("unreadable", `image of ${image.width}x${image.height} pixels`);
  }
  const canvas = document.createElement("canvas");
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext("2d", { willReadFrequently: true });
  context.fillStyle = "#fff";
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.drawImage(image, 0, 0);
  const first = decode(canvas, context, "attemptBoth");
  if (first === null) throw new ScanError("none", "no QR code found in the image");
  // Exactly one, as §3.4 asks: paint the code found white, quiet zone and all, and look again.
  const xs = first.corners.map((p) => p.x);
  const ys = first.corners.map((p) => p.y);
  const size = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
  const margin = size * 0.15;
  context.fillRect(
    Math.min(...xs) - margin,
    Math.min(...ys) - margin,
    size + 2 * margin,
    size + 2 * margin,
  );
  if (decode(canvas, context, "attemptBoth") !== null) {
    throw new ScanError("many", "more than one QR code in the image");
  }
  return first.text;
}

/** The camera, read until a QR code is found: ``start`` resolves with its text. */
export class Camera {
  constructor(video) {
    this.video = video;
    this.stream = null;
    this.timer = null;
    this.resolveStop = null;
  }

  async start() {
    if (!navigator.mediaDevices?.getUserMedia) {
      throw new ScanError("camera", "no camera API here (it needs https or localhost)");
    }
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: { ideal: "environment" } },
        audio: false,
      });
    } catch (e) {
      throw new ScanError("camera", e.message);
    }
    this.video.srcObject = this.stream;
    await this.video.play();
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    return new Promise((resolve, reject) => {
      const tick = () => {
        if (this.stream === null) return;
        try {
          const { videoWidth: w, videoHeight: h } = this.video;
          if (w && h) {
            canvas.width = w;
            canvas.height = h;
            context.drawImage(this.video, 0, 0, w, h);
            const found = decode(canvas, context);
            if (found !== null) {
              this.resolveStop = null;
              this.stop();
              resolve(found.text);
              return;
            }
          }
        } catch (e) {
          this.resolveStop = null;
          this.stop();
          reject(e);
          return;
        }
        this.timer = setTimeout(tick, SCAN_INTERVAL_MS);
      };
      this.resolveStop = () => resolve(null);
      tick();
    });
  }

  stop() {
    clearTimeout(this.timer);
    if (this.stream !== null) {
      for (const track of this.stream.getTracks()) track.stop();
      this.stream = null;
    }
    this.video.srcObject = null;
    const stopped = this.resolveStop;
    this.resolveStop = null;
    if (stopped) stopped();
  }
}
