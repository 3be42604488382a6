import { letterbox } from '../geometry/letterbox';
import { mirroredEdge, mirroredWholeTensor, regionTensor, toImageBox, toImagePoint, wholeImage } from './face-input';

describe('toImagePoint and toImageBox', () => {
  it('undo the letterbox of a whole 1920x1280 image', () => {
    const geometry = letterbox(1920, 1280, 256, 256);
    expect([geometry.resizedWidth, geometry.resizedHeight, geometry.padX, geometry.padY]).toEqual([256, 171, 0, 42]);
    const region = wholeImage({ width: 1920, height: 1280 });
    expect(toImagePoint([0, 42 / 256], geometry, region)).toEqual([0, 0]);
    expect(toImagePoint([1, 213 / 256], geometry, region)).toEqual([1920, 1280]);
    expect(toImageBox([0.5, 0.5, 0.75, 0.625], geometry, region)).toEqual([
      960,
      (86 * 1280) / 171,
      1440,
      (118 * 1280) / 171,
    ]);
  });

  it('add the offset of a tile', () => {
    const tile = { left: 720, top: 0, width: 1200, height: 1280 };
    const geometry = letterbox(tile.width, tile.height, 256, 256);
    expect([geometry.resizedWidth, geometry.resizedHeight, geometry.padX, geometry.padY]).toEqual([240, 256, 8, 0]);
    expect(toImagePoint([8 / 256, 0], geometry, tile)).toEqual([720, 0]);
    expect(toImagePoint([128 / 256, 128 / 256], geometry, tile)).toEqual([720 + 600, 640]);
  });
});

describe('regionTensor', () => {
  it('cuts the region, pads it centred with 0 and scales pixels to [-1, 1]', async () => {
    // 10 x 6 image; the 8 x 4 region at (1, 1) fits an 8 x 8 input unscaled, 2 rows of padding above and below.
    const data = new Uint8Array(10 * 6 * 3);
    for (let y = 0; y < 6; y++) for (let x = 0; x < 10; x++) data.set([x * 25, y * 51, 255], (y * 10 + x) * 3);
    const { tensor, geometry } = await regionTensor(
      { data, width: 10, height: 6 },
      { left: 1, top: 1, width: 8, height: 4 },
      8,
    );
    expect([geometry.resizedWidth, geometry.resizedHeight, geometry.padX, geometry.padY]).toEqual([8, 4, 0, 2]);
    const at = (x: number, y: number) => Array.from(tensor.slice((y * 8 + x) * 3, (y * 8 + x) * 3 + 3));
    expect(at(0, 0)).toEqual([0, 0, 0]);
    expect(at(7, 1)).toEqual([0, 0, 0]);
    const f = (v: number) => Math.fround(v / 127.5 - 1);
    expect(at(0, 2)).toEqual([f(25), f(51), 1]);
    expect(at(7, 5)).toEqual([f(200), f(204), 1]);
    expect(at(3, 6)).toEqual([0, 0, 0]);
  });
});

describe('mirroredEdge', () => {
  // Six columns by two rows; every channel of a pixel holds its column, plus 10 on the second row.
  const image = {
    width: 6,
    height: 2,
    data: Uint8Array.from({ length: 36 }, (_, i) => (Math.floor(i / 3) % 6) + 10 * Math.floor(i / 18)),
  };
  const columns = (strip: { data: Uint8Array; width: number }, row: number) =>
    Array.from({ length: strip.width }, (_, x) => strip.data[(row * strip.width + x) * 3]);

  it('puts the reflection of the left edge beyond it, outside the real columns', () => {
    const strip = mirroredEdge(image, 'left', 2);
    expect([strip.width, strip.height]).toEqual([4, 2]);
    expect(columns(strip, 0)).toEqual([1, 0, 0, 1]);
    expect(columns(strip, 1)).toEqual([11, 10, 10, 11]);
  });

  it('puts the reflection of the right edge after the real columns', () => {
    const strip = mirroredEdge(image, 'right', 3);
    expect(columns(strip, 0)).toEqual([3, 4, 5, 5, 4, 3]);
    expect(columns(strip, 1)).toEqual([13, 14, 15, 15, 14, 13]);
  });
});

describe('mirroredWholeTensor', () => {
  it('shows the image between its mirror images and maps the mirror lines back to the side edges', async () => {
    // 200 x 100, dark on the left half, light on the right: each mirror repeats its edge's shade.
    const image = {
      width: 200,
      height: 100,
      data: Uint8Array.from({ length: 200 * 100 * 3 }, (_, i) => (Math.floor(i / 3) % 200 < 100 ? 40 : 220)),
    };
    const { tensor, geometry, region } = await mirroredWholeTensor(image, 64, 0.1);
    // 200 px plus a tenth each side is 240 px, shown 64 wide: the image 53 px, 5 px of mirror each side.
    expect([geometry.resizedWidth, geometry.padX, region.left, region.width]).toEqual([
      63,
      0,
      -5 / (53 / 200),
      200 + 10 / (53 / 200),
    ]);
    const row = geometry.padY + 10;
    const at = (x: number) => Math.round((tensor[(row * 64 + x) * 3] + 1) * 127.5);
    expect([at(0), at(4), at(5), at(57), at(58), at(62)]).toEqual([40, 40, 40, 220, 220, 220]);
    const y = (geometry.padY + 10) / 64;
    expect(toImagePoint([5 / 64, y], geometry, region)[0]).toBeCloseTo(0, 6);
    expect(toImagePoint([58 / 64, y], geometry, region)[0]).toBeCloseTo(200, 6);
  });
});
