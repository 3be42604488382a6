import type { Region } from 'sharp';
import { Box } from '@imgpipe/contracts';

export interface TileOptions {
  /**
   * How much larger faces should appear in a tile than in the whole-image pass. An axis is split
   * only into a whole number of tiles, so what is reached depends on the aspect ratio (a 3:2 photo
   * at 1.5 gets two tiles side by side, each as tall as the photo).
   */
  magnification: number;
  /** Overlap between neighbouring tiles, as a fraction of a tile's share, so a face cut by one tile is whole in the next. */
  overlap: number;
  /** Below this long side the whole-image pass already sees faces at a usable size, and tiles only add cost. */
  minLongSide: number;
  /**
   * Side of the fine tiles, in image pixels, whatever the image's size: BlazeFace reliably finds
   * faces of about a twelfth of its input, so a 320 px tile shown at 256 finds faces from about
   * 24 px. Set to 0 for no fine pass.
   */
  fineTileSide: number;
  /**
   * The fine pass costs one model run per tile (about 7 ms here); on photos larger than about
   * 1.2 MP the tiles grow instead of multiplying, so a 1920 x 1280 photo costs 12 runs, not 24,
   * and its fine pass finds faces from about 30 px.
   */
  maxFineTiles: number;
  /**
   * ...until they reach this side (about 2.9 MP); on larger photos they multiply again, so the
   * smallest face the fine pass finds stays about 30 px and the cost grows with the pixels. On
   * 12 MP photos (4000 x 3000, portraits pasted into street photos, two sets of nine) tiles grown
   * without this limit hid 67 of 84 faces of 24-36 px, and 83 of 84 with it (48 fine tiles
   * instead of 12), for 27-38 % more time per 12 MP photo.
   */
  maxFineTileSide: number;
}

export const DEFAULT_TILE_OPTIONS: TileOptions = {
  magnification: 1.5,
  overlap: 0.25,
  minLongSide: 512,
  fineTileSide: 320,
  maxFineTiles: 12,
  maxFineTileSide: 500,
};

/**
 * Overlapping tiles for a second pass in which small faces fill more of the model's input. An axis
 * is split into `round(length / (longSide / magnification))` shares, each grown by `overlap`.
 */
export function faceTiles(width: number, height: number, options: TileOptions = DEFAULT_TILE_OPTIONS): Region[] {
  const longSide = Math.max(width, height);
  if (longSide < options.minLongSide) return [];
  const coarse = tileGrid(width, height, longSide / options.magnification, options.overlap);
  const grown = Math.min(options.maxFineTileSide, Math.sqrt((width * height) / options.maxFineTiles));
  const fineSide = Math.max(options.fineTileSide, grown);
  const fine = options.fineTileSide > 0 ? tileGrid(width, height, fineSide, options.overlap) : [];
  return [...(coarse.length > 1 ? coarse : []), ...(fine.length > coarse.length ? fine : [])];
}

/** Tiles of about `target` px, overlapping by `overlap` of a tile's share, covering the image edge to edge. */
export function tileGrid(width: number, height: number, target: number, overlap: number): Region[] {
  const columns = axisTiles(width, target, overlap);
  return axisTiles(height, target, overlap).flatMap(([top, tileHeight]) =>
    columns.map(([left, tileWidth]) => ({ left, top, width: tileWidth, height: tileHeight })),
  );
}

/** [start, length] of each tile along one axis, evenly spaced from edge to edge. */
function axisTiles(length: number, target: number, overlap: number): [number, number][] {
  const count = Math.max(1, Math.round(length / target));
  if (count === 1) return [[0, length]];
  const tile = Math.min(length, Math.round((length / count) * (1 + overlap)));
  return Array.from({ length: count }, (_, i) => [Math.round(((length - tile) * i) / (count - 1)), tile]);
}

/**
 * Whether a box found in a tile touches one of the tile's edges that lies inside the image. Such a
 * face is cut, and is seen whole in a neighbouring tile or the whole-image pass; kept, the partial
 * box would be blended into the whole one by weighted NMS and pull its edge inwards, leaving part
 * of the face unblurred.
 */
export function touchesInnerEdge([x1, y1, x2, y2]: Box, tile: Region, width: number, height: number): boolean {
  const right = tile.left + tile.width;
  const bottom = tile.top + tile.height;
  return (
    (tile.left > 0 && x1 <= tile.left) ||
    (tile.top > 0 && y1 <= tile.top) ||
    (right < width && x2 >= right) ||
    (bottom < height && y2 >= bottom)
  );
}
