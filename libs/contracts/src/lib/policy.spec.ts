import {
  BlurPolicy,
  DEFAULT_BLUR_POLICY,
  PolicyLimits,
  PolicyValidationError,
  checkPolicyLimits,
  policyLimitsOf,
  resolvePolicy,
  validatePolicyOverride,
} from './policy';
import { BLUR_POLICY_SCHEMA } from './policy.schema';

const defaults: BlurPolicy = { ...DEFAULT_BLUR_POLICY, thresholds: { ...DEFAULT_BLUR_POLICY.thresholds } };

describe('validatePolicyOverride', () => {
  it('accepts a partial override', () => {
    expect(validatePolicyOverride({ method: 'pixelate', thresholds: { face: 0.5 } })).toEqual({
      method: 'pixelate',
      thresholds: { face: 0.5 },
    });
  });

  it('lists every problem', () => {
    let error: unknown;
    try {
      validatePolicyOverride({
        method: 'swirl',
        strength: 0,
        head_fallbak: false,
        thresholds: { face: 2, car: 0.5 },
        head_fallback: 'no',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PolicyValidationError);
    expect((error as PolicyValidationError).problems).toEqual([
      'unknown key "head_fallbak" (known: method, strength, box_expansion, min_box_size, thresholds, head_fallback)',
      'method must be one of gaussian, pixelate, solid',
      'strength must be a number from 0.25 to 10',
      'thresholds.car is not a region kind (face, plate)',
      'thresholds.face must be a number from 0.01 to 0.99',
      'head_fallback must be true or false',
    ]);
    expect(() => validatePolicyOverride('gaussian')).toThrow('policy must be a JSON object');
  });

  it.each([
    ['strength', ['strength']],
    ['box_expansion', ['box_expansion']],
    ['min_box_size', ['min_box_size']],
    ['thresholds.face', ['thresholds', 'face']],
    ['thresholds.plate', ['thresholds', 'plate']],
  ])('takes the bounds of %s from the one schema', (name, path) => {
    const bounds = path.reduce<{ properties: Record<string, never> }>(
      (schema, key) => schema.properties[key],
      BLUR_POLICY_SCHEMA as never,
    ) as unknown as { minimum: number; maximum: number };
    const override = (v: number) => (path.length === 1 ? { [name]: v } : { thresholds: { [path[1]]: v } });
    const message = `${name} must be a number from ${bounds.minimum} to ${bounds.maximum}`;
    expect(() => validatePolicyOverride(override(bounds.minimum))).not.toThrow();
    expect(() => validatePolicyOverride(override(bounds.maximum))).not.toThrow();
    expect(() => validatePolicyOverride(override(bounds.minimum - 0.001))).toThrow(message);
    expect(() => validatePolicyOverride(override(bounds.maximum + 0.001))).toThrow(message);
  });
});

describe('resolvePolicy', () => {
  it('overlays the override, thresholds field by field', () => {
    expect(resolvePolicy(defaults, { head_fallback: false, thresholds: { plate: 0.4 } })).toEqual({
      ...defaults,
      head_fallback: false,
      thresholds: { face: 0.75, plate: 0.4 },
    });
    expect(resolvePolicy(defaults, undefined)).toBe(defaults);
  });
});

describe('checkPolicyLimits', () => {
  const limits = policyLimitsOf(defaults);
  const messages = (policy: Parameters<typeof checkPolicyLimits>[0], within: PolicyLimits = limits) =>
    checkPolicyLimits(policy, within).map((v) => v.message);

  it('takes the default policy as the limits when the operator sets none', () => {
    expect(limits).toEqual({
      maxFaceThreshold: 0.75,
      maxPlateThreshold: 0.6,
      maxMinBoxSize: 4,
      minStrength: 1,
      minBoxExpansion: 1.2,
      allowHeadFallbackOff: false,
    });
    expect(policyLimitsOf({ ...defaults, head_fallback: false }).allowHeadFallbackOff).toBe(true);
  });

  it('accepts any override that is as private or more, up to the limit itself', () => {
    expect(messages({})).toEqual([]);
    expect(messages(defaults)).toEqual([]);
    expect(
      messages({
        method: 'solid',
        strength: 3,
        box_expansion: 2,
        min_box_size: 0,
        thresholds: { face: 0.3, plate: 0.6 },
        head_fallback: true,
      }),
    ).toEqual([]);
  });

  it('names every field beyond a limit, the limit and the variable that sets it', () => {
    expect(
      messages({
        strength: 0.5,
        box_expansion: 1,
        min_box_size: 40,
        thresholds: { face: 0.95, plate: 0.61 },
        head_fallback: false,
      }),
    ).toEqual([
      "thresholds.face 0.95 is above the operator's limit 0.75 (POLICY_MAX_FACE_THRESHOLD)",
      "thresholds.plate 0.61 is above the operator's limit 0.6 (POLICY_MAX_PLATE_THRESHOLD)",
      "min_box_size 40 is above the operator's limit 4 (POLICY_MAX_MIN_BOX_SIZE)",
      "strength 0.5 is below the operator's limit 1 (POLICY_MIN_STRENGTH)",
      "box_expansion 1 is below the operator's limit 1.2 (POLICY_MIN_BOX_EXPANSION)",
      'head_fallback false is not allowed: the operator keeps it on (POLICY_ALLOW_HEAD_FALLBACK_OFF)',
    ]);
    expect(checkPolicyLimits({ thresholds: { plate: 0.9 } }, limits).map((v) => v.key)).toEqual(['thresholds.plate']);
  });

  it('follows limits the operator raised', () => {
    const raised: PolicyLimits = { ...limits, maxFaceThreshold: 0.95, minStrength: 0.5, allowHeadFallbackOff: true };
    expect(messages({ thresholds: { face: 0.95 }, strength: 0.5, head_fallback: false }, raised)).toEqual([]);
    expect(messages({ thresholds: { face: 0.96 } }, raised)).toEqual([
      "thresholds.face 0.96 is above the operator's limit 0.95 (POLICY_MAX_FACE_THRESHOLD)",
    ]);
  });
});
