import { DEFAULT_TILE_OPTIONS, faceTiles, touchesInnerEdge } from './face-tiles';

describe('faceTiles', () => {
  const coarseOnly = { ...DEFAULT_TILE_OPTIONS, fineTileSide: 0 };

  it('adds fine tiles of about 320 px, whatever the photo size, after the coarse ones', () => {
    const tiles = faceTiles(1280, 960);
    const coarse = faceTiles(1280, 960, coarseOnly);
    const fine = tiles.slice(coarse.length);
    expect(coarse).toHaveLength(2);
    expect(tiles.slice(0, 2)).toEqual(coarse);
    expect(fine).toHaveLength(4 * 3);
    for (const t of fine) {
      expect(t.width).toBe(400);
      expect(t.height).toBe(400);
    }
    // Neighbours overlap, so a face up to about 80 px is whole in at least one fine tile.
    expect(fine[1].left).toBeLessThan(fine[0].left + fine[0].width - 79);
    expect(fine.at(-1)).toEqual({ left: 880, top: 560, width: 400, height: 400 });
  });

  it('grows the fine tiles of a large photo rather than running more than 12', () => {
    const fine = faceTiles(1920, 1280).slice(faceTiles(1920, 1280, coarseOnly).length);
    expect(fine).toHaveLength(12);
    expect(fine[0].width).toBeGreaterThan(400);
  });

  it('multiplies the fine tiles of a photo above about 2.9 MP rather than growing them past 500 px', () => {
    const fine = faceTiles(4000, 3000).slice(faceTiles(4000, 3000, coarseOnly).length);
    expect(fine).toHaveLength(8 * 6);
    for (const t of fine) expect(Math.max(t.width, t.height)).toBeLessThanOrEqual(Math.ceil(500 * 1.25));
    // A 1920 x 1440 photo, the largest of the bench photos' kind, still gets 12 grown tiles.
    expect(faceTiles(1920, 1440).slice(faceTiles(1920, 1440, coarseOnly).length)).toHaveLength(12);
  });

  it('splits a 3:2 photo into two overlapping full-height tiles', () => {
    expect(faceTiles(1920, 1280, coarseOnly)).toEqual([
      { left: 0, top: 0, width: 1200, height: 1280 },
      { left: 720, top: 0, width: 1200, height: 1280 },
    ]);
  });

  it('splits a portrait photo into two rows', () => {
    expect(faceTiles(1280, 1920, coarseOnly)).toEqual([
      { left: 0, top: 0, width: 1280, height: 1200 },
      { left: 0, top: 720, width: 1280, height: 1200 },
    ]);
  });

  it('splits a square photo into 2 x 2', () => {
    expect(faceTiles(1000, 1000, coarseOnly)).toEqual([
      { left: 0, top: 0, width: 625, height: 625 },
      { left: 375, top: 0, width: 625, height: 625 },
      { left: 0, top: 375, width: 625, height: 625 },
      { left: 375, top: 375, width: 625, height: 625 },
    ]);
  });

  it('leaves small photos and custom options alone', () => {
    expect(faceTiles(500, 400)).toEqual([]);
    expect(
      faceTiles(1920, 1280, {
        magnification: 1,
        overlap: 0.25,
        minLongSide: 512,
        fineTileSide: 0,
        maxFineTiles: 12,
        maxFineTileSide: 500,
      }),
    ).toEqual([]);
    expect(
      faceTiles(3000, 1000, {
        magnification: 2,
        overlap: 0,
        minLongSide: 512,
        fineTileSide: 0,
        maxFineTiles: 12,
        maxFineTileSide: 500,
      }),
    ).toEqual([
      { left: 0, top: 0, width: 1500, height: 1000 },
      { left: 1500, top: 0, width: 1500, height: 1000 },
    ]);
  });
});

describe('touchesInnerEdge', () => {
  const tile = { left: 720, top: 0, width: 1200, height: 1280 };
  it('flags boxes cut by a tile edge inside the image only', () => {
    expect(touchesInnerEdge([700, 100, 800, 200], tile, 1920, 1280)).toBe(true);
    expect(touchesInnerEdge([720, 100, 800, 200], tile, 1920, 1280)).toBe(true);
    expect(touchesInnerEdge([721, 100, 800, 200], tile, 1920, 1280)).toBe(false);
    expect(touchesInnerEdge([1800, -5, 1930, 1300], tile, 1920, 1280)).toBe(false);
    expect(touchesInnerEdge([0, 0, 1201, 10], { left: 0, top: 0, width: 1200, height: 1280 }, 1920, 1280)).toBe(true);
  });
});
