#!/usr/bin/env node
// Converts a TF.js graph model to ONNX (opset 13), for the graph models that ship only in
// TF.js form on npm (NanoDet-g). Only the ops those models use are covered; anything else
// stops the conversion with the op's name rather than producing a model that differs.
//
//   node tools/models/tfjs-to-onnx.mjs model.json out.onnx
//
// Shapes must be static: they are inferred here, both to write the NCHW sizes ONNX Resize
// needs and to check the outputs against the shapes the model's signature promises.
//
// TF's image ops are NHWC and ONNX's are NCHW, so each Conv2D, MaxPool and ResizeBilinear is
// wrapped in a pair of Transposes. Models exported through onnx-tf (NanoDet) already wrap those
// ops in the opposite pair; onnxruntime's graph optimiser cancels the pairs and folds the bias
// Adds and Pads into the Convs, which is why no layout pass is done here (NanoDet-g, 2 threads:
// 16 ms per run optimised, 50 ms with the optimiser off).

import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { OnnxGraphBuilder } from './onnx-model.mjs';
import { readTfjsGraphModel } from './tfjs-graph-model.mjs';

const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];

/** @returns {Promise<Uint8Array>} the ONNX model's bytes, identical for identical input */
export async function convertTfjsGraphModel(modelJsonPath) {
  const { nodes, weights, signature } = await readTfjsGraphModel(modelJsonPath);
  const converter = new Converter(weights);
  for (const node of topologicalOrder(nodes)) converter.convert(node);
  const outputs = signatureOutputs(signature).map((output) => {
    const shape = converter.shape(output.name);
    if (output.shape.join() !== shape.join()) {
      throw new Error(`output ${output.name}: converted shape [${shape}], signature says [${output.shape}]`);
    }
    return output;
  });
  return converter.onnx.encode({
    graphName: 'main',
    inputs: converter.inputs,
    outputs,
    producerName: 'imgpipe tools/models/tfjs-to-onnx',
    docString: 'Converted from a TF.js graph model.',
  });
}

function signatureOutputs(signature) {
  return Object.values(signature.outputs)
    .map((output) => ({
      name: stripIndex(output.name),
      shape: output.tensorShape.dim.map((d) => Number(d.size)),
    }))
    .sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
}

function stripIndex(ref) {
  return ref.endsWith(':0') ? ref.slice(0, -2) : ref;
}

function dataInputs(node) {
  return (node.input ?? []).filter((ref) => !ref.startsWith('^')).map(stripIndex);
}

// model.json lists nodes in no particular order; a depth-first walk in file order keeps the result stable.
function topologicalOrder(nodes) {
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const done = new Set();
  const visiting = new Set();
  const order = [];
  const visit = (node) => {
    if (done.has(node.name)) return;
    if (visiting.has(node.name)) throw new Error(`the graph has a cycle through ${node.name}`);
    visiting.add(node.name);
    for (const ref of dataInputs(node)) {
      const producer = byName.get(ref.split(':')[0]);
      if (!producer) throw new Error(`node ${node.name} reads ${ref}, which no node produces`);
      visit(producer);
    }
    visiting.delete(node.name);
    done.add(node.name);
    order.push(node);
  };
  nodes.forEach(visit);
  return order;
}

class Converter {
  onnx = new OnnxGraphBuilder();
  inputs = [];
  /** Values known at conversion time (weights, shapes, axes), by tensor name. */
  #constants = new Map();
  /** Static shapes of the tensors computed at run time, by tensor name. */
  #shapes = new Map();
  #weights;

  constructor(weights) {
    this.#weights = weights;
  }

  convert(node) {
    const inputs = dataInputs(node);
    if (node.op === 'Const') {
      const weight = this.#weights.get(node.name);
      if (!weight) throw new Error(`Const ${node.name} has no entry in the weights manifest`);
      this.#constants.set(node.name, weight);
      return;
    }
    const fold = FOLD[node.op];
    if (fold && inputs.every((ref) => this.#constants.has(ref))) {
      this.#constants.set(node.name, fold(inputs.map((ref) => this.#constants.get(ref))));
      return;
    }
    const lower = LOWER[node.op];
    if (!lower) throw new Error(`op ${node.op} (node ${node.name}) is not supported by this converter`);
    lower.call(this, node, inputs);
  }

  shape(ref) {
    const shape = this.#shapes.get(ref);
    if (!shape) throw new Error(`${ref} is not a run-time tensor`);
    return shape;
  }

  constant(ref) {
    const value = this.#constants.get(ref);
    if (!value) throw new Error(`${ref} must be a constant for this converter`);
    return value;
  }

  ints(ref) {
    return Array.from(this.constant(ref).data);
  }

  /** A run-time tensor, or a float constant turned into an initializer. */
  tensor(ref) {
    if (this.#shapes.has(ref)) return ref;
    const value = this.constant(ref);
    if (value.dtype !== 'float32') throw new Error(`${ref}: ${value.dtype} constants are only supported as parameters`);
    this.#shapes.set(ref, value.shape);
    return this.onnx.float32(ref, value.shape, value.data);
  }

  output(name, shape) {
    this.#shapes.set(name, shape);
    return name;
  }

  /** Runs an NCHW ONNX op on an NHWC tensor, as TF's NHWC image ops do. */
  nhwc(node, x, opType, extraInputs, attributes, nchwShape) {
    const name = node.name;
    const nchwIn = this.onnx.node('Transpose', [x], [`${name}/nchw_input`], `${name}/nchw_input`, { perm: TO_NCHW });
    this.onnx.node(opType, [nchwIn, ...extraInputs], [`${name}/nchw`], name, attributes);
    this.onnx.node('Transpose', [`${name}/nchw`], [name], `${name}/nhwc`, { perm: TO_NHWC });
    const nhwcShape = TO_NHWC.map((axis) => nchwShape[axis]);
    return this.output(name, nhwcShape);
  }
}

const FOLD = {
  Identity: ([x]) => x,
  Add: foldAdd,
  AddV2: foldAdd,
  SparseToDense: foldSparseToDense,
};

function foldAdd([a, b]) {
  if (a.dtype !== b.dtype) throw new Error(`Add of ${a.dtype} and ${b.dtype}`);
  const shape = broadcastShapes(a.shape, b.shape);
  const data = new (a.dtype === 'int32' ? Int32Array : Float32Array)(size(shape));
  for (let i = 0; i < data.length; i += 1) {
    data[i] = a.data[broadcastIndex(i, shape, a.shape)] + b.data[broadcastIndex(i, shape, b.shape)];
  }
  return { dtype: a.dtype, shape, data };
}

function foldSparseToDense([indices, outputShape, values, defaultValue]) {
  const shape = Array.from(outputShape.data);
  const data = new (values.dtype === 'int32' ? Int32Array : Float32Array)(size(shape)).fill(defaultValue.data[0]);
  const count = indices.shape.length === 0 ? 1 : indices.shape[0];
  for (let i = 0; i < count; i += 1) {
    let flat = 0;
    for (let d = 0; d < shape.length; d += 1) flat = flat * shape[d] + indices.data[i * shape.length + d];
    data[flat] = values.shape.length === 0 ? values.data[0] : values.data[i];
  }
  return { dtype: values.dtype, shape, data };
}

const LOWER = {
  Placeholder(node) {
    const shape = node.attr.shape.shape.dim.map((d) => Number(d.size));
    if (shape.some((d) => !(d > 0))) throw new Error(`input ${node.name} has a dynamic shape [${shape}]`);
    this.inputs.push({ name: node.name, shape });
    this.output(node.name, shape);
  },
  Identity(node, [x]) {
    this.onnx.node('Identity', [this.tensor(x)], [node.name], node.name);
    this.output(node.name, this.shape(x));
  },
  Add: lowerAdd,
  AddV2: lowerAdd,
  Sigmoid(node, [x]) {
    this.onnx.node('Sigmoid', [x], [node.name], node.name);
    this.output(node.name, this.shape(x));
  },
  LeakyRelu(node, [x]) {
    this.onnx.node('LeakyRelu', [x], [node.name], node.name, { alpha: { float: node.attr.alpha?.f ?? 0.2 } });
    this.output(node.name, this.shape(x));
  },
  Transpose(node, [x, perm]) {
    const order = this.ints(perm);
    this.onnx.node('Transpose', [x], [node.name], node.name, { perm: order });
    const shape = order.map((axis) => this.shape(x)[axis]);
    this.output(node.name, shape);
  },
  Reshape(node, [x, shapeRef]) {
    const target = this.ints(shapeRef);
    // ONNX reads 0 as "copy this dimension", TF as an empty dimension.
    if (target.includes(0)) throw new Error(`Reshape ${node.name} to [${target}]: zero-sized dimensions`);
    const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const shape = target.map((d) => (d === -1 ? size(this.shape(x)) / known : d));
    this.onnx.node('Reshape', [x, this.onnx.int64(`${node.name}/shape`, target)], [node.name], node.name);
    this.output(node.name, shape);
  },
  ConcatV2(node, inputs) {
    const tensors = inputs.slice(0, -1).map((ref) => this.tensor(ref));
    const rank = this.shape(tensors[0]).length;
    const axis = normaliseAxis(this.ints(inputs.at(-1))[0], rank);
    this.onnx.node('Concat', tensors, [node.name], node.name, { axis });
    const shape = [...this.shape(tensors[0])];
    shape[axis] = tensors.reduce((sum, ref) => sum + this.shape(ref)[axis], 0);
    this.output(node.name, shape);
  },
  SplitV(node, [x, sizesRef, axisRef]) {
    const shape = this.shape(x);
    const axis = normaliseAxis(this.ints(axisRef)[0], shape.length);
    const sizes = this.ints(sizesRef);
    const rest = shape[axis] - sizes.filter((s) => s !== -1).reduce((a, b) => a + b, 0);
    const split = sizes.map((s) => (s === -1 ? rest : s));
    const outputs = split.map((_, i) => (i === 0 ? node.name : `${node.name}:${i}`));
    this.onnx.node('Split', [x, this.onnx.int64(`${node.name}/split`, split)], outputs, node.name, { axis });
    for (const [i, length] of split.entries()) {
      const part = shape.map((d, a) => (a === axis ? length : d));
      this.output(outputs[i], part);
    }
  },
  Pad: lowerPad,
  PadV2: lowerPad,
  Conv2D(node, [x, filterRef]) {
    requireNhwc(node);
    const [n, h, w, c] = this.shape(x);
    const filter = this.constant(filterRef);
    const [kh, kw, inDepth, outDepth] = filter.shape;
    if (c % inDepth !== 0) throw new Error(`Conv2D ${node.name}: ${c} input channels, filter depth ${inDepth}`);
    const window = spatialWindow(node, [h, w], [kh, kw]);
    const weights = this.onnx.float32(`${filterRef}/oihw`, [outDepth, inDepth, kh, kw], permute(filter, [3, 2, 0, 1]));
    const attributes = { kernel_shape: [kh, kw], group: c / inDepth, ...window.attributes };
    return this.nhwc(node, x, 'Conv', [weights], attributes, [n, outDepth, ...window.outSize]);
  },
  MaxPool(node, [x]) {
    requireNhwc(node);
    const [n, h, w, c] = this.shape(x);
    const [, kh, kw] = listInts(node.attr.ksize);
    const window = spatialWindow(node, [h, w], [kh, kw]);
    const attributes = { kernel_shape: [kh, kw], ...window.attributes };
    return this.nhwc(node, x, 'MaxPool', [], attributes, [n, c, ...window.outSize]);
  },
  ResizeBilinear(node, [x, sizeRef]) {
    const [n, , , c] = this.shape(x);
    const [outH, outW] = this.ints(sizeRef);
    const sizes = this.onnx.int64(`${node.name}/sizes`, [n, c, outH, outW]);
    // TF's half-pixel and align-corners mappings are exactly ONNX's modes of the same names.
    const mode = node.attr.align_corners?.b
      ? 'align_corners'
      : node.attr.half_pixel_centers?.b
        ? 'half_pixel'
        : 'asymmetric';
    const attributes = { mode: 'linear', coordinate_transformation_mode: mode };
    return this.nhwc(node, x, 'Resize', ['', '', sizes], attributes, [n, c, outH, outW]);
  },
};

function lowerAdd(node, [a, b]) {
  const inputs = [this.tensor(a), this.tensor(b)];
  this.onnx.node('Add', inputs, [node.name], node.name);
  this.output(node.name, broadcastShapes(...inputs.map((ref) => this.shape(ref))));
}

function lowerPad(node, [x, paddingsRef, valueRef]) {
  const paddings = this.ints(paddingsRef);
  const rank = this.shape(x).length;
  if (paddings.length !== 2 * rank) throw new Error(`Pad ${node.name}: [${paddings}] for a tensor of rank ${rank}`);
  const begins = paddings.filter((_, i) => i % 2 === 0);
  const ends = paddings.filter((_, i) => i % 2 === 1);
  const inputs = [x, this.onnx.int64(`${node.name}/pads`, [...begins, ...ends])];
  if (valueRef) inputs.push(this.tensor(valueRef));
  this.onnx.node('Pad', inputs, [node.name], node.name, { mode: 'constant' });
  const shape = this.shape(x).map((d, i) => d + begins[i] + ends[i]);
  this.output(node.name, shape);
}

function requireNhwc(node) {
  const format = node.attr.data_format ? decode(node.attr.data_format.s) : 'NHWC';
  if (format !== 'NHWC') throw new Error(`${node.op} ${node.name}: data_format ${format} is not supported`);
}

/** Output size and ONNX pads/strides/dilations of a TF NHWC window op, per TF's padding rules. */
function spatialWindow(node, inSize, kernel) {
  const [, sh, sw] = listInts(node.attr.strides);
  const [, dh, dw] = node.attr.dilations ? listInts(node.attr.dilations) : [1, 1, 1, 1];
  const strides = [sh, sw];
  const dilations = [dh, dw];
  const padding = decode(node.attr.padding.s);
  const extent = kernel.map((k, i) => (k - 1) * dilations[i] + 1);
  let before;
  let after;
  if (padding === 'VALID') {
    before = [0, 0];
    after = [0, 0];
  } else if (padding === 'SAME') {
    const total = inSize.map((d, i) => Math.max((Math.ceil(d / strides[i]) - 1) * strides[i] + extent[i] - d, 0));
    before = total.map((t) => Math.floor(t / 2));
    after = total.map((t, i) => t - before[i]);
  } else if (padding === 'EXPLICIT') {
    const explicit = listInts(node.attr.explicit_paddings);
    before = [explicit[2], explicit[4]];
    after = [explicit[3], explicit[5]];
  } else {
    throw new Error(`${node.op} ${node.name}: padding ${padding} is not supported`);
  }
  const outSize = inSize.map((d, i) => Math.floor((d + before[i] + after[i] - extent[i]) / strides[i]) + 1);
  const attributes = { pads: [...before, ...after], strides };
  if (node.op !== 'MaxPool') attributes.dilations = dilations;
  return { outSize, attributes };
}

function listInts(attr) {
  return (attr.list.i ?? []).map(Number);
}

function decode(base64) {
  return Buffer.from(base64, 'base64').toString('utf8');
}

function normaliseAxis(axis, rank) {
  return axis < 0 ? axis + rank : axis;
}

function size(shape) {
  return shape.reduce((a, b) => a * b, 1);
}

function broadcastShapes(a, b) {
  const rank = Math.max(a.length, b.length);
  const pad = (s) => [...Array(rank - s.length).fill(1), ...s];
  const [pa, pb] = [pad(a), pad(b)];
  return pa.map((d, i) => {
    if (d !== pb[i] && d !== 1 && pb[i] !== 1) throw new Error(`shapes [${a}] and [${b}] do not broadcast`);
    return Math.max(d, pb[i]);
  });
}

function broadcastIndex(flat, shape, operandShape) {
  const offset = shape.length - operandShape.length;
  let index = 0;
  for (let axis = 0; axis < shape.length; axis += 1) {
    const stride = size(shape.slice(axis + 1));
    const coord = Math.floor(flat / stride) % shape[axis];
    if (axis >= offset) {
      const dim = operandShape[axis - offset];
      index = index * dim + (dim === 1 ? 0 : coord);
    }
  }
  return index;
}

/** The constant's data with its axes reordered (out axis i = in axis order[i]). */
export function permute({ shape, data }, order) {
  const outShape = order.map((axis) => shape[axis]);
  const inStrides = shape.map((_, axis) => size(shape.slice(axis + 1)));
  const out = new Float32Array(data.length);
  const coord = new Array(order.length).fill(0);
  for (let i = 0; i < out.length; i += 1) {
    let src = 0;
    for (let a = 0; a < order.length; a += 1) src += coord[a] * inStrides[order[a]];
    out[i] = data[src];
    for (let a = order.length - 1; a >= 0; a -= 1) {
      coord[a] += 1;
      if (coord[a] < outShape[a]) break;
      coord[a] = 0;
    }
  }
  return out;
}

const invokedDirectly = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const [modelJson, outPath] = process.argv.slice(2);
  if (!modelJson || !outPath) {
    process.stderr.write('usage: node tools/models/tfjs-to-onnx.mjs model.json out.onnx\n');
    process.exitCode = 2;
  } else {
    convertTfjsGraphModel(modelJson)
      .then((bytes) => writeFile(outPath, bytes))
      .catch((err) => {
        process.stderr.write(`tfjs-to-onnx: ${err.message}\n`);
        process.exitCode = 1;
      });
  }
}
