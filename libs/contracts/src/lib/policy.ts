import { BLUR_METHODS, BLUR_POLICY_OVERRIDE_SCHEMA } from './policy.schema';
import { compileValidator } from './schema-validator';

export { BLUR_METHODS };
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

const problemsOfOverride = compileValidator(BLUR_POLICY_OVERRIDE_SCHEMA, {
  name: 'policy',
  unknownKeys: { thresholds: (kind, known) => `thresholds.${kind} is not a region kind (${known.join(', ')})` },
});

/**
 * Validates a per-upload override (already parsed from JSON) against BLUR_POLICY_OVERRIDE_SCHEMA.
 * Unknown keys are refused so a typo never silently falls back to a default. Throws
 * {@link PolicyValidationError} with every problem.
 */
export function validatePolicyOverride(value: unknown): BlurPolicyOverride {
  const problems = problemsOfOverride(value);
  if (problems.length > 0) throw new PolicyValidationError(problems);
  return value as BlurPolicyOverride;
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
