/** How regions are hidden. `solid` fills with a flat colour; the others keep the image's look. */
export const BLUR_METHODS = ['gaussian', 'pixelate', 'solid'] as const;
export type BlurMethod = (typeof BLUR_METHODS)[number];

/**
 * The privacy policy of one job. Defaults come from the worker's configuration; an upload may
 * override any field with the form field `policy` (JSON).
 */
export interface BlurPolicy {
  method: BlurMethod;
  /** Multiplies the blur radius or pixel block size, which already scale with each box's size. */
  strength: number;
  /** Each region grows about its centre by this factor before blurring (1.2 = 20 %). */
  box_expansion: number;
  /** Detections whose shorter side is under this many pixels are ignored as noise. */
  min_box_size: number;
  /** Minimum detector scores, per kind of region. */
  thresholds: { face: number; plate: number };
  /** Blur the head area of a detected person in whom no face was found. */
  head_fallback: boolean;
}

/** The policy when neither configuration nor upload says otherwise. */
export const DEFAULT_BLUR_POLICY: Readonly<BlurPolicy> = Object.freeze({
  method: 'gaussian',
  strength: 1,
  box_expansion: 1.2,
  min_box_size: 4,
  thresholds: Object.freeze({ face: 0.75, plate: 0.6 }),
  head_fallback: true,
});

export class PolicyValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid policy: ${problems.join('; ')}`);
    this.name = 'PolicyValidationError';
  }
}

export type BlurPolicyOverride = Partial<Omit<BlurPolicy, 'thresholds'>> & {
  thresholds?: Partial<BlurPolicy['thresholds']>;
};

const RANGES = {
  strength: [0.25, 10],
  box_expansion: [1, 3],
  min_box_size: [0, 10_000],
} as const;

/**
 * Validates a per-upload override (already parsed from JSON). Unknown keys are refused so a
 * typo never silently falls back to a default. Throws {@link PolicyValidationError}.
 */
export function validatePolicyOverride(value: unknown): BlurPolicyOverride {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PolicyValidationError(['policy must be a JSON object']);
  }
  const problems: string[] = [];
  const input = value as Record<string, unknown>;
  const known = ['method', 'strength', 'box_expansion', 'min_box_size', 'thresholds', 'head_fallback'];
  for (const key of Object.keys(input)) {
    if (!known.includes(key)) problems.push(`unknown key "${key}" (known: ${known.join(', ')})`);
  }
  if (input['method'] !== undefined && !(BLUR_METHODS as readonly unknown[]).includes(input['method'])) {
    problems.push(`method must be one of ${BLUR_METHODS.join(', ')}`);
  }
  for (const [key, [min, max]] of Object.entries(RANGES)) {
    const v = input[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)) {
      problems.push(`${key} must be a number from ${min} to ${max}`);
    }
  }
  if (input['head_fallback'] !== undefined && typeof input['head_fallback'] !== 'boolean') {
    problems.push('head_fallback must be true or false');
  }
  const thresholds = input['thresholds'];
  if (thresholds !== undefined) {
    if (typeof thresholds !== 'object' || thresholds === null || Array.isArray(thresholds)) {
      problems.push('thresholds must be an object');
    } else {
      for (const [kind, v] of Object.entries(thresholds)) {
        if (kind !== 'face' && kind !== 'plate') problems.push(`thresholds.${kind} is not a region kind (face, plate)`);
        else if (typeof v !== 'number' || !(v > 0 && v < 1))
          problems.push(`thresholds.${kind} must be a number between 0 and 1`);
      }
    }
  }
  if (problems.length > 0) throw new PolicyValidationError(problems);
  return input as BlurPolicyOverride;
}

/** The policy a job runs with: defaults overlaid with the upload's override. */
export function resolvePolicy(defaults: BlurPolicy, override: BlurPolicyOverride | undefined): BlurPolicy {
  if (!override) return defaults;
  return { ...defaults, ...override, thresholds: { ...defaults.thresholds, ...override.thresholds } };
}

/**
 * How far an upload's policy may weaken privacy, set by the operator. An override may always be
 * stricter (a lower threshold, a smaller min_box_size, a higher strength, a larger expansion);
 * beyond these it is refused.
 */
export interface PolicyLimits {
  /** Highest `thresholds.face` an upload may ask for (POLICY_MAX_FACE_THRESHOLD). */
  maxFaceThreshold: number;
  /** Highest `thresholds.plate` an upload may ask for (POLICY_MAX_PLATE_THRESHOLD). */
  maxPlateThreshold: number;
  /** Largest `min_box_size` an upload may ask for (POLICY_MAX_MIN_BOX_SIZE). */
  maxMinBoxSize: number;
  /** Weakest `strength` an upload may ask for (POLICY_MIN_STRENGTH). */
  minStrength: number;
  /** Smallest `box_expansion` an upload may ask for (POLICY_MIN_BOX_EXPANSION). */
  minBoxExpansion: number;
  /** Whether an upload may set `head_fallback: false` (POLICY_ALLOW_HEAD_FALLBACK_OFF). */
  allowHeadFallbackOff: boolean;
}

/** The limits when the operator sets none: an upload may not be less private than `policy` itself. */
export function policyLimitsOf(policy: BlurPolicy): PolicyLimits {
  return {
    maxFaceThreshold: policy.thresholds.face,
    maxPlateThreshold: policy.thresholds.plate,
    maxMinBoxSize: policy.min_box_size,
    minStrength: policy.strength,
    minBoxExpansion: policy.box_expansion,
    allowHeadFallbackOff: !policy.head_fallback,
  };
}

/** One policy field beyond an operator limit; `message` names the field, the limit and its variable. */
export interface PolicyLimitViolation {
  key: 'thresholds.face' | 'thresholds.plate' | 'min_box_size' | 'strength' | 'box_expansion' | 'head_fallback';
  message: string;
}

/**
 * The fields of a (validated) policy or override that would make a job less private than the
 * operator allows; empty when it is within the limits. The api refuses such an upload and the
 * worker fails such a job, so a service that enqueues directly gets the same answer.
 */
export function checkPolicyLimits(policy: BlurPolicyOverride, limits: PolicyLimits): PolicyLimitViolation[] {
  const violations: PolicyLimitViolation[] = [];
  const atMost = (key: PolicyLimitViolation['key'], value: number | undefined, limit: number, variable: string) => {
    if (value !== undefined && value > limit)
      violations.push({ key, message: `${key} ${value} is above the operator's limit ${limit} (${variable})` });
  };
  const atLeast = (key: PolicyLimitViolation['key'], value: number | undefined, limit: number, variable: string) => {
    if (value !== undefined && value < limit)
      violations.push({ key, message: `${key} ${value} is below the operator's limit ${limit} (${variable})` });
  };
  atMost('thresholds.face', policy.thresholds?.face, limits.maxFaceThreshold, 'POLICY_MAX_FACE_THRESHOLD');
  atMost('thresholds.plate', policy.thresholds?.plate, limits.maxPlateThreshold, 'POLICY_MAX_PLATE_THRESHOLD');
  atMost('min_box_size', policy.min_box_size, limits.maxMinBoxSize, 'POLICY_MAX_MIN_BOX_SIZE');
  atLeast('strength', policy.strength, limits.minStrength, 'POLICY_MIN_STRENGTH');
  atLeast('box_expansion', policy.box_expansion, limits.minBoxExpansion, 'POLICY_MIN_BOX_EXPANSION');
  if (policy.head_fallback === false && !limits.allowHeadFallbackOff) {
    violations.push({
      key: 'head_fallback',
      message: 'head_fallback false is not allowed: the operator keeps it on (POLICY_ALLOW_HEAD_FALLBACK_OFF)',
    });
  }
  return violations;
}
