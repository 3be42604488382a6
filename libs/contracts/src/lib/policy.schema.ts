// The one place the policy's bounds are written: the worker's configuration, an upload's override,
// a job payload and the recorded metadata all validate from these schemas (OpenAPI 3.0 dialect,
// which JSON Schema draft-07 validators also read: no `$schema`, no numeric exclusive bounds).

/** How regions are hidden. `solid` fills with a flat colour; the others keep the image's look. */
export const BLUR_METHODS = ['gaussian', 'pixelate', 'solid'] as const;

/** A detector score threshold: 0 would keep every guess, 1 none. */
const threshold = { type: 'number', minimum: 0.01, maximum: 0.99 };

const THRESHOLDS_OVERRIDE = {
  type: 'object',
  additionalProperties: false,
  properties: { face: threshold, plate: threshold },
};

const BLUR_POLICY_PROPERTIES = {
  method: { type: 'string', enum: [...BLUR_METHODS] },
  strength: { type: 'number', minimum: 0.25, maximum: 10 },
  box_expansion: { type: 'number', minimum: 1, maximum: 3 },
  min_box_size: { type: 'number', minimum: 0, maximum: 10_000 },
  thresholds: { ...THRESHOLDS_OVERRIDE, required: ['face', 'plate'] },
  head_fallback: { type: 'boolean' },
};

/** A whole policy, as a job runs with it and as its metadata records it. */
export const BLUR_POLICY_SCHEMA = {
  type: 'object',
  required: Object.keys(BLUR_POLICY_PROPERTIES),
  additionalProperties: false,
  properties: BLUR_POLICY_PROPERTIES,
};

/** An upload's override: any field of the policy, with the same bounds; unknown keys are refused. */
export const BLUR_POLICY_OVERRIDE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...BLUR_POLICY_PROPERTIES,
    thresholds: THRESHOLDS_OVERRIDE,
  },
};
