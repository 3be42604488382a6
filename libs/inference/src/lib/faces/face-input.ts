import sharp, { type Region } from 'sharp';
import { Box } from '@imgpipe/contracts';
import { letterbox, Letterbox } from '../geometry/letterbox';
import { RgbImage } from '../types';

export function wholeImage(image: { width: number; height: number }): Region {
  return { left: 0, top: 0, width: image.width, height: image.height };
}

/** Maps a point in [0, 1] of the model input back to pixels of the image `region` was cut from. */
export function toImagePoint([x, y]: [number, number], geometry: Letterbox, region: Region): [number, number] {
  const { inputWidth, inputHeight, padX, padY, resizedWidth, resizedHeight } = geometry;
  return [
    region.left + ((x * inputWidth - padX) * region.width) / resizedWidth,
    region.top + ((y * inputHeight - padY) * region.height) / resizedHeight,
  ];
}

export function toImageBox([x1, y1, x2, y2]: Box, geometry: Letterbox, region: Region): Box {
  return [...toImagePoint([x1, y1], geometry, region), ...toImagePoint([x2, y2], geometry, region)];
}

/**
 * Letterboxes (centred) `region` of the image into an NHWC float tensor of a `size` square with
 * values in [-1, 1], the range BlazeFace was trained on (with [0, 1] it misses faces). The padding
 * is 0, mid-grey. Cutting the region inside the same libvips pass avoids copying a tile out first.
 * Lanczos rather than bilinear: on the group portraits the weakest true face then scored 0.81
 * instead of 0.75, right at the threshold, with no false positive gaining.
 */
export async function regionTensor(
  image: RgbImage,
  region: Region,
  size: number,
): Promise<{ tensor: Float32Array; geometry: Letterbox }> {
  const geometry = letterbox(region.width, region.height, size, size);
  const tensor = new Float32Array(size * size * 3);
  await drawRegion(image, region, tensor, size, geometry);
  return { tensor, geometry };
}

/** A region drawn into one quarter of a shared input, with where it landed in the whole input. */
export interface QuarterCell {
  region: Region;
  geometry: Letterbox;
}

/**
 * Up to four regions in one `size` square input, each letterboxed into its own quarter inside a
 * mid-grey gutter of `gutter` px, so that one model run looks at all four. A cell's geometry maps
 * the whole input back to its region, as {@link regionTensor}'s does.
 */
export async function quartersTensor(
  image: RgbImage,
  regions: readonly Region[],
  size: number,
  gutter: number,
): Promise<{ tensor: Float32Array; cells: QuarterCell[] }> {
  if (regions.length > 4) throw new Error(`four regions at most share an input, got ${regions.length}`);
  const tensor = new Float32Array(size * size * 3);
  const half = size / 2;
  const cells = regions.map((region, i): QuarterCell => {
    const inCell = letterbox(region.width, region.height, half - 2 * gutter, half - 2 * gutter);
    const geometry: Letterbox = {
      ...inCell,
      inputWidth: size,
      inputHeight: size,
      padX: (i % 2) * half + gutter + inCell.padX,
      padY: Math.floor(i / 2) * half + gutter + inCell.padY,
    };
    return { region, geometry };
  });
  await Promise.all(cells.map(({ region, geometry }) => drawRegion(image, region, tensor, size, geometry)));
  return { tensor, cells };
}

/** Resizes `region` to its place in `geometry` and writes it into an NHWC [-1, 1] tensor of a `size` square. */
async function drawRegion(
  image: RgbImage,
  region: Region,
  tensor: Float32Array,
  size: number,
  { resizedWidth, resizedHeight, padX, padY }: Letterbox,
): Promise<void> {
  const placed = { resizedWidth, resizedHeight, padX, padY };
  if (resizedWidth === region.width && resizedHeight === region.height) {
    // Pixel for pixel (the pieces of the edge strips): a copy, not a libvips call of about 2 ms.
    writeWindow(image.data, image.width, region.left, region.top, tensor, size, placed);
    return;
  }
  const pixels = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .extract(region)
    .resize(resizedWidth, resizedHeight, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer();
  writeWindow(pixels, resizedWidth, 0, 0, tensor, size, placed);
}

/**
 * Writes the `resizedWidth` x `resizedHeight` window at (`left`, `top`) of RGB pixels `sourceWidth`
 * wide into an NHWC tensor of a `size` square at (`padX`, `padY`), scaled to [-1, 1].
 */
function writeWindow(
  source: Uint8Array,
  sourceWidth: number,
  left: number,
  top: number,
  tensor: Float32Array,
  size: number,
  { resizedWidth, resizedHeight, padX, padY }: Pick<Letterbox, 'resizedWidth' | 'resizedHeight' | 'padX' | 'padY'>,
): void {
  const rowLength = resizedWidth * 3;
  for (let y = 0; y < resizedHeight; y++) {
    const src = ((top + y) * sourceWidth + left) * 3;
    const dst = ((y + padY) * size + padX) * 3;
    for (let i = 0; i < rowLength; i++) tensor[dst + i] = source[src + i] / 127.5 - 1;
  }
}

/**
 * Letterboxed tensors for many equal-sized tiles of one image, with one resize of the whole
 * image instead of one per tile: a tile's pixels are copied out of the shrunk copy. On a 1920 px
 * photo the fine tiles are 15 windows of one copy; resizing each tile on its own cost about as
 * much as running the model on it. Same tensor layout and geometry as {@link regionTensor}.
 * One tensor at a time: a 50 MP photo has about 200 fine tiles of 0.8 MB each.
 */
export async function* tileTensors(
  image: RgbImage,
  tiles: readonly Region[],
  size: number,
): AsyncGenerator<{ tile: Region; tensor: Float32Array; geometry: Letterbox }> {
  const bySize = new Map<string, Region[]>();
  for (const tile of tiles) {
    const key = `${tile.width}x${tile.height}`;
    bySize.set(key, [...(bySize.get(key) ?? []), tile]);
  }
  for (const group of bySize.values()) {
    const geometry = letterbox(group[0].width, group[0].height, size, size);
    const { resizedWidth, resizedHeight } = geometry;
    const sx = resizedWidth / group[0].width;
    const sy = resizedHeight / group[0].height;
    const width = Math.max(resizedWidth, Math.round(image.width * sx));
    const height = Math.max(resizedHeight, Math.round(image.height * sy));
    const shrunk = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
      .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
      .raw()
      .toBuffer();
    for (const tile of group) {
      const left = Math.min(width - resizedWidth, Math.round(tile.left * sx));
      const top = Math.min(height - resizedHeight, Math.round(tile.top * sy));
      const tensor = new Float32Array(size * size * 3);
      writeWindow(shrunk, width, left, top, tensor, size, geometry);
      yield { tile, tensor, geometry };
    }
  }
}

/**
 * The `depth` px along the left or right edge of `image`, beside their mirror image beyond the
 * edge: a face cut by the frame is made whole again (a face is nearly symmetric), so that a
 * detector that needs eyes, nose and mouth can find it. `depth` columns of the image, then their
 * reflection, for the right edge; the reflection first for the left.
 */
export function mirroredEdge(image: RgbImage, side: 'left' | 'right', depth: number): RgbImage {
  const width = 2 * depth;
  const data = new Uint8Array(width * image.height * 3);
  const first = side === 'left' ? 0 : image.width - depth;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < width; x++) {
      // Strip column x shows image column `source`: real on the inner half, mirrored on the outer.
      const offset = side === 'left' ? (x < depth ? depth - 1 - x : x - depth) : x < depth ? x : width - 1 - x;
      const src = (y * image.width + first + offset) * 3;
      const dst = (y * width + x) * 3;
      data[dst] = image.data[src];
      data[dst + 1] = image.data[src + 1];
      data[dst + 2] = image.data[src + 2];
    }
  }
  return { data, width, height: image.height };
}

/**
 * The whole image beside its mirror images beyond the left and right edges, `margin` of its width
 * on each side, letterboxed into one `size` square input like {@link regionTensor}: a large face
 * cut by a side edge is made whole again. The region maps the input back to image pixels
 * (negative or beyond the image's width inside the mirrors).
 */
export async function mirroredWholeTensor(
  image: RgbImage,
  size: number,
  margin: number,
): Promise<{ tensor: Float32Array; geometry: Letterbox; region: Region }> {
  const fitted = letterbox(image.width * (1 + 2 * margin), image.height, size, size);
  const inner = Math.max(1, Math.round(image.width * fitted.scaleX));
  const side = Math.min(Math.floor((fitted.resizedWidth - inner) / 2), inner - 1);
  const pixels = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(inner, fitted.resizedHeight, { fit: 'fill', kernel: 'lanczos3' })
    .extend({ left: side, right: side, extendWith: 'mirror' })
    .raw()
    .toBuffer();
  const resizedWidth = inner + 2 * side;
  const scaleX = inner / image.width;
  const geometry: Letterbox = { ...fitted, resizedWidth, scaleX, padX: Math.floor((size - resizedWidth) / 2) };
  const tensor = new Float32Array(size * size * 3);
  writeWindow(pixels, resizedWidth, 0, 0, tensor, size, geometry);
  // `side` input pixels are `side / scaleX` image pixels of mirror.
  const mirror = side / scaleX;
  return { tensor, geometry, region: { left: -mirror, top: 0, width: image.width + 2 * mirror, height: image.height } };
}
