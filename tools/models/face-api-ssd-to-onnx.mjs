#!/usr/bin/env node
// Builds an ONNX (opset 13) SSD-MobileNetV1 face detector from face-api's weight map
// (`ssd_mobilenetv1_model-weights_manifest.json` + `.bin`, @vladmandic/face-api). That file holds
// only weights: the network is defined in face-api's code (src/ssdMobilenetv1), which this
// follows layer by layer, so the comparison test can hold the result against face-api itself.
//
//   node tools/models/face-api-ssd-to-onnx.mjs ssd_mobilenetv1_model-weights_manifest.json out.onnx
//
// Input `input` [1, 3, H, W]: RGB scaled to [-1, 1] (face-api: pixel / 127.5 - 1), NCHW so that no
// layout change is needed inside. H and W are free: every layer pads as TF's 'same' does
// (SAME_UPPER), so other input sizes give other anchor grids rather than an error.
// Outputs, one row per anchor in face-api's order (grid row, column, anchor):
//   `box_encodings` [1, N, 4]  (ty, tx, th, tw) against the anchors, not yet decoded;
//   `scores`        [1, N]     sigmoid of the face class.
// Anchors and box decoding stay outside (the anchors in the weight map, `Output/extra_dim`, fit
// only 512x512), as do score threshold and NMS.

import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { OnnxGraphBuilder } from './onnx-model.mjs';
import { readWeightsManifest } from './tfjs-graph-model.mjs';
import { permute } from './tfjs-to-onnx.mjs';

// face-api's batch-norm epsilon (mobileNetV1.ts), as written there.
const BATCH_NORM_EPSILON = 0.0010000000474974513;
// MobileNetV1's depthwise layers that halve the resolution (face-api's getStridesForLayerIdx).
const STRIDE_2_LAYERS = new Set([2, 4, 6, 12]);

/** @returns {Promise<Uint8Array>} the ONNX model's bytes, identical for identical input */
export async function convertFaceApiSsd(manifestPath) {
  const net = new SsdGraph(await readWeightsManifest(manifestPath));
  const { boxes, scores } = net.build('input');
  return net.onnx.encode({
    graphName: 'ssd_mobilenetv1_face',
    inputs: [{ name: 'input', shape: [1, 3, 'height', 'width'] }],
    outputs: [
      { name: boxes, shape: [1, 'anchors', 4] },
      { name: scores, shape: [1, 'anchors'] },
    ],
    producerName: 'imgpipe tools/models/face-api-ssd-to-onnx',
    docString: "SSD-MobileNetV1 face detector from @vladmandic/face-api's weight map.",
  });
}

class SsdGraph {
  onnx = new OnnxGraphBuilder();
  #weights;

  constructor(weights) {
    this.#weights = weights;
  }

  build(input) {
    // mobileNetV1.ts
    let x = this.pointwise(input, 'MobilenetV1/Conv2d_0_pointwise', 2);
    let conv11;
    for (let layer = 1; layer <= 13; layer += 1) {
      x = this.depthwise(x, `MobilenetV1/Conv2d_${layer}_depthwise`, STRIDE_2_LAYERS.has(layer) ? 2 : 1);
      x = this.pointwise(x, `MobilenetV1/Conv2d_${layer}_pointwise`, 1);
      if (layer === 11) conv11 = x;
    }
    // predictionLayer.ts: extra feature maps, each half the size of the one before.
    const features = [conv11, x];
    for (let i = 0; i < 8; i += 2) {
      x = this.pointwise(x, `Prediction/Conv2d_${i}_pointwise`, 1);
      x = this.pointwise(x, `Prediction/Conv2d_${i + 1}_pointwise`, 2);
      features.push(x);
    }
    const predictions = features.map((feature, i) => this.boxPredictor(feature, `Prediction/BoxPredictor_${i}`));
    const boxes = this.concat(
      'box_encodings',
      predictions.map((p) => p.encodings),
    );
    const logits = this.concat(
      'class_logits',
      predictions.map((p) => p.classes),
    );
    // outputLayer.ts: the sigmoid of class 1 (class 0 is the background).
    const starts = this.onnx.int64('face/starts', [1]);
    const ends = this.onnx.int64('face/ends', [2]);
    const axes = this.onnx.int64('face/axes', [2]);
    const face = this.onnx.node('Slice', [logits, starts, ends, axes], ['face_logit'], 'face_logit');
    const rows = this.onnx.int64('scores/shape', [1, -1]);
    const flat = this.onnx.node('Reshape', [face, rows], ['face_logit_rows'], 'face_logit_rows');
    const scores = this.onnx.node('Sigmoid', [flat], ['scores'], 'scores');
    return { boxes, scores };
  }

  /** pointwiseConvLayer.ts: conv (batch norm already folded into the offset), then relu6. */
  pointwise(x, prefix, stride) {
    const conv = this.conv(
      x,
      prefix,
      this.weight(`${prefix}/weights`),
      this.weight(`${prefix}/convolution_bn_offset`),
      stride,
    );
    return this.relu6(conv, prefix);
  }

  /** depthwiseConvLayer in mobileNetV1.ts: depthwise conv, batch norm, relu6. */
  depthwise(x, prefix, stride) {
    const filters = this.weight(`${prefix}/depthwise_weights`);
    const [kh, kw, channels] = filters.shape;
    const weights = this.onnx.float32(`${prefix}/weights`, [channels, 1, kh, kw], permute(filters, [2, 3, 0, 1]));
    const conv = this.onnx.node('Conv', [x, weights], [`${prefix}/conv`], `${prefix}/conv`, {
      kernel_shape: [kh, kw],
      strides: [stride, stride],
      group: channels,
      auto_pad: 'SAME_UPPER',
    });
    const bn = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((name) =>
      this.initializer(`${prefix}/BatchNorm/${name}`),
    );
    const normalised = this.onnx.node('BatchNormalization', [conv, ...bn], [`${prefix}/bn`], `${prefix}/bn`, {
      epsilon: { float: BATCH_NORM_EPSILON },
    });
    return this.relu6(normalised, prefix);
  }

  /** boxPredictionLayer.ts: per-anchor box encodings [1, N, 4] and class logits [1, N, 3]. */
  boxPredictor(x, prefix) {
    const head = (name, width) => {
      const at = `${prefix}/${name}`;
      const conv = this.conv(x, at, this.weight(`${at}/weights`), this.weight(`${at}/biases`), 1);
      // NCHW to NHWC first, so that rows come out in TF's order: grid row, column, then anchor.
      const nhwc = this.onnx.node('Transpose', [conv], [`${at}/nhwc`], `${at}/nhwc`, { perm: [0, 2, 3, 1] });
      const shape = this.onnx.int64(`rows_of_${width}`, [1, -1, width]);
      return this.onnx.node('Reshape', [nhwc, shape], [`${at}/rows`], `${at}/rows`);
    };
    return { encodings: head('BoxEncodingPredictor', 4), classes: head('ClassPredictor', 3) };
  }

  /** Rows of all six predictors, one after another. */
  concat(name, parts) {
    return this.onnx.node('Concat', parts, [name], name, { axis: 1 });
  }

  conv(x, name, filters, bias, stride) {
    const [kh, kw, inDepth, outDepth] = filters.shape;
    const weights = this.onnx.float32(`${name}/oihw`, [outDepth, inDepth, kh, kw], permute(filters, [3, 2, 0, 1]));
    const biases = this.onnx.float32(`${name}/bias`, bias.shape, bias.data);
    return this.onnx.node('Conv', [x, weights, biases], [`${name}/conv`], `${name}/conv`, {
      kernel_shape: [kh, kw],
      strides: [stride, stride],
      auto_pad: 'SAME_UPPER',
    });
  }

  relu6(x, prefix) {
    const low = this.onnx.float32('relu6/min', [], [0]);
    const high = this.onnx.float32('relu6/max', [], [6]);
    return this.onnx.node('Clip', [x, low, high], [`${prefix}/relu6`], `${prefix}/relu6`);
  }

  weight(name) {
    const weight = this.#weights.get(name);
    if (!weight) throw new Error(`the weight map has no ${name}`);
    if (weight.dtype !== 'float32') throw new Error(`${name} is ${weight.dtype}, not float32`);
    return weight;
  }

  initializer(name) {
    const { shape, data } = this.weight(name);
    return this.onnx.float32(name, shape, data);
  }
}

const invokedDirectly = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const [manifest, outPath] = process.argv.slice(2);
  if (!manifest || !outPath) {
    process.stderr.write('usage: node tools/models/face-api-ssd-to-onnx.mjs weights_manifest.json out.onnx\n');
    process.exitCode = 2;
  } else {
    convertFaceApiSsd(manifest)
      .then((bytes) => writeFile(outPath, bytes))
      .catch((err) => {
        process.stderr.write(`face-api-ssd-to-onnx: ${err.message}\n`);
        process.exitCode = 1;
      });
  }
}
