// Photos are shrunk on the phone before they are queued: a 12 MP camera JPEG becomes a ~2560 px JPEG of a few
// hundred KB, which a weak signal can carry. The longest side and quality are settings (kv 'photo').
export const PHOTO_DEFAULTS = { maxSide: 2560, quality: 0.85 };

export function fitWithin(w, h, maxSide) {
  const scale = Math.min(1, maxSide / Math.max(w, h));
  return { width: Math.max(1, Math.round(w * scale)), height: Math.max(1, Math.round(h * scale)) };
}

export async function shrink(file, { maxSide = PHOTO_DEFAULTS.maxSide, quality = PHOTO_DEFAULTS.quality } = {}) {
  // createImageBitmap applies the EXIF orientation, so the result is upright without reading EXIF ourselves.
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  const { width, height } = fitWithin(bitmap.width, bitmap.height, maxSide);
  let blob;
  if (typeof OffscreenCanvas === 'function') {
    const canvas = new OffscreenCanvas(width, height);
    canvas.getContext('2d').drawImage(bitmap, 0, 0, width, height);
    blob = await canvas.convertToBlob({ type: 'image/jpeg', quality });
  } else {
    const canvas = document.createElement('canvas');
    canvas.width = width; canvas.height = height;
    canvas.getContext('2d').drawImage(bitmap, 0, 0, width, height);
    blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
  }
  bitmap.close?.();
  return { blob, width, height };
}
