import { RgbImage } from '../types';
import { letterbox, toInputTensor, toSourceBox } from './letterbox';

describe('letterbox', () => {
  it('fits 1920x1080 into 640x640 at 1/3, padded above and below', () => {
    expect(letterbox(1920, 1080, 640, 640)).toEqual({
      sourceWidth: 1920,
      sourceHeight: 1080,
      inputWidth: 640,
      inputHeight: 640,
      resizedWidth: 640,
      resizedHeight: 360,
      scaleX: 1 / 3,
      scaleY: 1 / 3,
      padX: 0,
      padY: 140,
    });
  });

  it('pads portrait images left and right', () => {
    const g = letterbox(1080, 1920, 416, 416);
    expect([g.resizedWidth, g.resizedHeight, g.padX, g.padY]).toEqual([234, 416, 91, 0]);
    expect(g.scaleX).toBe(234 / 1080);
    expect(g.scaleY).toBe(416 / 1920);
  });

  it('gives an odd remainder to the right/bottom, and all of it with top-left alignment', () => {
    expect(letterbox(100, 51, 64, 64).padY).toBe(15); // 51 * 0.64 = 32.64 -> 33 rows, 31 left over
    expect(letterbox(100, 51, 64, 64).resizedHeight).toBe(33);
    const g = letterbox(1920, 1080, 640, 640, 'letterbox-top-left');
    expect([g.resizedWidth, g.resizedHeight, g.padX, g.padY]).toEqual([640, 360, 0, 0]);
  });

  it('stretches to the whole input with a scale per axis', () => {
    expect(letterbox(1920, 1080, 416, 416, 'stretch')).toMatchObject({
      resizedWidth: 416,
      resizedHeight: 416,
      scaleX: 416 / 1920,
      scaleY: 416 / 1080,
      padX: 0,
      padY: 0,
    });
  });

  it('upscales small images', () => {
    const g = letterbox(320, 180, 640, 640);
    expect([g.resizedWidth, g.resizedHeight, g.scaleX, g.padY]).toEqual([640, 360, 2, 140]);
  });
});

describe('toSourceBox', () => {
  const g = letterbox(1920, 1080, 640, 640);

  it('maps model-input boxes back to original pixels', () => {
    expect(toSourceBox([100, 200, 300, 400], g)).toEqual([300, 180, 900, 780]);
    expect(toSourceBox([0, 140, 640, 500], g)).toEqual([0, 0, 1920, 1080]);
  });

  it('clamps boxes reaching into the padding or past the edge', () => {
    expect(toSourceBox([-20, 100, 700, 150], g)).toEqual([0, 0, 1920, 30]);
    expect(toSourceBox([10, 600, 20, 630], g)).toEqual([30, 1080, 60, 1080]);
  });

  it('undoes a stretch per axis', () => {
    expect(toSourceBox([104, 52, 208, 416], letterbox(1920, 1080, 416, 416, 'stretch'))).toEqual([480, 135, 960, 1080]);
  });

  it('uses the real per-axis scale when the resized size was rounded', () => {
    const r = letterbox(1000, 333, 640, 640); // 333 * 0.64 = 213.12 -> 213 rows
    expect(r.padY).toBe(213);
    expect(toSourceBox([0, 213, 640, 426], r)).toEqual([0, 0, 1000, 333]);
  });
});

function image(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 3);
  }
  return { data, width, height };
}

describe('toInputTensor', () => {
  // 4x2: every pixel distinct, so a misplaced channel, row or column shows up.
  const small = image(4, 2, (x, y) => [10 * x + y, 100 + 10 * x + y, 200 + 10 * x + y]);
  const f = Math.fround;

  it('writes NCHW RGB scaled by 1/255 with centred grey padding', async () => {
    const t = await toInputTensor(small, {
      width: 4,
      height: 4,
      layout: 'nchw',
      channelOrder: 'rgb',
      mean: [0, 0, 0],
      std: [255, 255, 255],
      padValue: 114,
    });
    expect(t.dims).toEqual([1, 3, 4, 4]);
    expect([t.geometry.padX, t.geometry.padY, t.geometry.scaleX]).toEqual([0, 1, 1]);
    const at = (c: number, y: number, x: number) => t.data[c * 16 + y * 4 + x];
    expect(at(0, 0, 0)).toBe(f(114 / 255));
    expect(at(2, 3, 3)).toBe(f(114 / 255));
    expect(at(0, 1, 0)).toBe(f(0 / 255));
    expect(at(0, 1, 3)).toBe(f(30 / 255));
    expect(at(1, 2, 2)).toBe(f(121 / 255));
    expect(at(2, 2, 3)).toBe(f(231 / 255));
  });

  it('writes NCHW BGR with per-channel mean and std', async () => {
    const mean = [103.53, 116.28, 123.675] as const;
    const std = [57.375, 57.12, 58.395] as const;
    const t = await toInputTensor(small, {
      width: 4,
      height: 2,
      layout: 'nchw',
      channelOrder: 'bgr',
      mean,
      std,
      padValue: 0,
    });
    const at = (c: number, y: number, x: number) => t.data[c * 8 + y * 4 + x];
    // pixel (x=2, y=1) is R 21, G 121, B 221
    expect(at(0, 1, 2)).toBe(f((221 - 103.53) / 57.375));
    expect(at(1, 1, 2)).toBe(f((121 - 116.28) / 57.12));
    expect(at(2, 1, 2)).toBe(f((21 - 123.675) / 58.395));
  });

  it('writes NHWC, [-1, 1]', async () => {
    const t = await toInputTensor(small, {
      width: 4,
      height: 2,
      layout: 'nhwc',
      channelOrder: 'rgb',
      mean: [127.5, 127.5, 127.5],
      std: [127.5, 127.5, 127.5],
      padValue: 0,
    });
    expect(t.dims).toEqual([1, 2, 4, 3]);
    // pixel (x=1, y=1) is R 11, G 111, B 211
    expect(Array.from(t.data.subarray(15, 18))).toEqual([f(-116.5 / 127.5), f(-16.5 / 127.5), f(83.5 / 127.5)]);
  });

  it('resizes with libvips and pads top-left images right and below', async () => {
    const flat = image(8, 4, () => [40, 80, 120]);
    const t = await toInputTensor(flat, {
      width: 4,
      height: 4,
      layout: 'nchw',
      channelOrder: 'rgb',
      mean: [0, 0, 0],
      std: [1, 1, 1],
      padValue: 114,
      fit: 'letterbox-top-left',
    });
    expect(t.geometry).toMatchObject({ resizedWidth: 4, resizedHeight: 2, padX: 0, padY: 0, scaleX: 0.5 });
    const red = Array.from(t.data.subarray(0, 16));
    expect(red).toEqual([40, 40, 40, 40, 40, 40, 40, 40, 114, 114, 114, 114, 114, 114, 114, 114]);
    expect(t.data[16 + 5]).toBe(80);
    expect(t.data[32 + 15]).toBe(114);
  });

  it('stretches without padding', async () => {
    const flat = image(8, 4, () => [40, 80, 120]);
    const t = await toInputTensor(flat, {
      width: 4,
      height: 4,
      layout: 'nhwc',
      channelOrder: 'bgr',
      mean: [0, 0, 0],
      std: [1, 1, 1],
      padValue: 114,
      fit: 'stretch',
    });
    expect(t.geometry).toMatchObject({ resizedWidth: 4, resizedHeight: 4, scaleX: 0.5, scaleY: 1 });
    expect(Array.from(t.data)).toEqual(Array.from({ length: 16 }, () => [120, 80, 40]).flat());
  });
});
