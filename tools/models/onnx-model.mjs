// Just enough of the ONNX protobuf schema to write a model: nodes, initializers and typed
// graph inputs/outputs. Everything is emitted in insertion order, so equal input gives equal bytes.

import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const { AttributeType } = onnx.AttributeProto;
const { DataType } = onnx.TensorProto;

export const OPSET = 13;
// The IR version that introduced opset 13 (ONNX 1.8): the oldest that can carry this model.
const IR_VERSION = 7;

export class OnnxGraphBuilder {
  nodes = [];
  initializers = [];
  #initializerNames = new Set();

  /** @param {Record<string, number | string | number[] | { float: number }>} [attributes] plain numbers are INT */
  node(opType, inputs, outputs, name, attributes = {}) {
    const attribute = Object.entries(attributes).map(([key, value]) => toAttribute(key, value));
    this.nodes.push({ opType, input: inputs, output: outputs, name, attribute });
    return outputs[0];
  }

  float32(name, dims, values) {
    return this.#initializer(name, DataType.FLOAT, dims, new Float32Array(values));
  }

  int64(name, values) {
    return this.#initializer(name, DataType.INT64, [values.length], BigInt64Array.from(values, BigInt));
  }

  #initializer(name, dataType, dims, typed) {
    if (!this.#initializerNames.has(name)) {
      this.#initializerNames.add(name);
      const rawData = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
      this.initializers.push({ name, dataType, dims, rawData });
    }
    return name;
  }

  /** @returns {Uint8Array} the serialised ModelProto */
  encode({ graphName, inputs, outputs, producerName, docString }) {
    return onnx.ModelProto.encode({
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: OPSET }],
      producerName,
      docString,
      graph: {
        name: graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: inputs.map(float32ValueInfo),
        output: outputs.map(float32ValueInfo),
      },
    }).finish();
  }
}

/** A dimension given as a string is symbolic (sized at run time). */
function float32ValueInfo({ name, shape }) {
  const dim = shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d }));
  return { name, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim } } } };
}

function toAttribute(name, value) {
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: Buffer.from(value) };
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  if (typeof value === 'number') return { name, type: AttributeType.INT, i: value };
  return { name, type: AttributeType.FLOAT, f: value.float };
}
