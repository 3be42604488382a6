import sharp from 'sharp';
import { Box } from '@imgpipe/contracts';
import { RgbImage } from '../types';
import { clampBox } from './box';

/**
 * Where an image lands inside a model input: scaled by `scaleX`/`scaleY` and offset by `padX`/`padY`.
 * The two scales are the ones the resized pixels really have (resized size / source size), which
 * differ from the nominal scale by the rounding of the resized size; mapping back with them is exact.
 */
export interface Letterbox {
  sourceWidth: number;
  sourceHeight: number;
  inputWidth: number;
  inputHeight: number;
  /** Size of the image once resized, before padding. */
  resizedWidth: number;
  resizedHeight: number;
  scaleX: number;
  scaleY: number;
  padX: number;
  padY: number;
}

/**
 * How an image is fitted to the model input. `letterbox` keeps the aspect ratio and pads evenly on both
 * sides, as Ultralytics YOLO trains; `letterbox-top-left` puts all padding right and below; `stretch`
 * fills the input and distorts the aspect ratio, which is how the NanoDet-g weights here score best.
 */
export type InputFit = 'letterbox' | 'letterbox-top-left' | 'stretch';

/**
 * Places a `sourceWidth` x `sourceHeight` image in the model input. Centred padding splits an odd
 * remainder with the extra pixel right/below, as Ultralytics does.
 */
export function letterbox(
  sourceWidth: number,
  sourceHeight: number,
  inputWidth: number,
  inputHeight: number,
  fit: InputFit = 'letterbox',
): Letterbox {
  const scale = Math.min(inputWidth / sourceWidth, inputHeight / sourceHeight);
  const stretch = fit === 'stretch';
  const resizedWidth = stretch ? inputWidth : Math.min(inputWidth, Math.max(1, Math.round(sourceWidth * scale)));
  const resizedHeight = stretch ? inputHeight : Math.min(inputHeight, Math.max(1, Math.round(sourceHeight * scale)));
  const centred = fit === 'letterbox';
  return {
    sourceWidth,
    sourceHeight,
    inputWidth,
    inputHeight,
    resizedWidth,
    resizedHeight,
    scaleX: resizedWidth / sourceWidth,
    scaleY: resizedHeight / sourceHeight,
    padX: centred ? Math.floor((inputWidth - resizedWidth) / 2) : 0,
    padY: centred ? Math.floor((inputHeight - resizedHeight) / 2) : 0,
  };
}

/** Maps a box from model-input pixels back to pixels of the source image, clamped to it. */
export function toSourceBox([x1, y1, x2, y2]: Box, geometry: Letterbox): Box {
  const { sourceWidth, sourceHeight, resizedWidth, resizedHeight, padX, padY } = geometry;
  // Multiplying before dividing keeps whole-pixel boxes whole (1/3 has no exact binary form).
  const x = (v: number) => ((v - padX) * sourceWidth) / resizedWidth;
  const y = (v: number) => ((v - padY) * sourceHeight) / resizedHeight;
  return clampBox([x(x1), y(y1), x(x2), y(y2)], sourceWidth, sourceHeight);
}

/** How a model wants its input: size, memory layout, channel order and normalisation. */
export interface InputTensorSpec {
  width: number;
  height: number;
  layout: 'nchw' | 'nhwc';
  channelOrder: 'rgb' | 'bgr';
  /** Per channel, in the model's channel order: value = (pixel - mean) / std. */
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  /** Grey level (0-255, before normalisation) of the padding. */
  padValue: number;
  fit?: InputFit;
}

export interface InputTensor {
  data: Float32Array;
  /** `[1, 3, H, W]` or `[1, H, W, 3]`. */
  dims: [number, number, number, number];
  geometry: Letterbox;
}

/** Letterboxes an RGB image into a normalised float tensor. libvips resizes and pads; one pass normalises. */
export async function toInputTensor(image: RgbImage, spec: InputTensorSpec): Promise<InputTensor> {
  const geometry = letterbox(image.width, image.height, spec.width, spec.height, spec.fit);
  const pixels = await resizeAndPad(image, geometry, spec.padValue);
  const { width, height } = spec;
  const plane = width * height;
  const data = new Float32Array(plane * 3);
  const order = spec.channelOrder === 'rgb' ? [0, 1, 2] : [2, 1, 0];
  const nchw = spec.layout === 'nchw';
  for (let c = 0; c < 3; c++) {
    const source = order[c];
    const mean = spec.mean[c];
    const std = spec.std[c];
    for (let i = 0; i < plane; i++) {
      data[nchw ? c * plane + i : i * 3 + c] = (pixels[i * 3 + source] - mean) / std;
    }
  }
  const dims: InputTensor['dims'] = nchw ? [1, 3, height, width] : [1, height, width, 3];
  return { data, dims, geometry };
}

async function resizeAndPad(image: RgbImage, geometry: Letterbox, padValue: number): Promise<Uint8Array> {
  const { resizedWidth, resizedHeight, inputWidth, inputHeight, padX, padY } = geometry;
  let pipeline = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
  if (resizedWidth !== image.width || resizedHeight !== image.height) {
    // Bilinear is what these models saw in training (OpenCV / TF resize); libvips also antialiases it when shrinking.
    pipeline = pipeline.resize(resizedWidth, resizedHeight, { fit: 'fill', kernel: 'linear' });
  }
  const right = inputWidth - resizedWidth - padX;
  const bottom = inputHeight - resizedHeight - padY;
  if (padX > 0 || padY > 0 || right > 0 || bottom > 0) {
    pipeline = pipeline.extend({
      top: padY,
      bottom,
      left: padX,
      right,
      background: { r: padValue, g: padValue, b: padValue },
    });
  }
  return pipeline.raw().toBuffer();
}
