const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp']);
const IMAGE_EXTENSIONS = /\.(jpe?g|png|webp)$/i;

export interface NamedFile {
  name: string;
  type: string;
}

/**
 * Splits a pick or a drop into what is worth uploading and what is not. A folder holds notes,
 * sidecar files and thumbnails databases too; sending those would only fill the list with
 * refusals. The api still judges each upload by its bytes, so this is a courtesy, not a check.
 */
export function partitionImages<F extends NamedFile>(files: readonly F[]): { images: F[]; skipped: F[] } {
  const images: F[] = [];
  const skipped: F[] = [];
  for (const file of files) {
    const looksLikeImage = IMAGE_TYPES.has(file.type) || IMAGE_EXTENSIONS.test(file.name);
    (looksLikeImage ? images : skipped).push(file);
  }
  return { images, skipped };
}
