const { TestEnvironment } = require('jest-environment-node');

// onnxruntime-node's native binding creates its output arrays in Node's own realm, and
// onnxruntime-common then checks them with `instanceof` against the test sandbox's constructors,
// which fails: "A float32 tensor's data must be type of function Float32Array()". Sharing the
// outer realm's binary-data constructors makes both sides agree.
const SHARED = [
  'ArrayBuffer',
  'SharedArrayBuffer',
  'DataView',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
];

module.exports = class OnnxRuntimeEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
};
