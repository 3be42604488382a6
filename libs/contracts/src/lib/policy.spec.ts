import {
  BlurPolicy,
  DEFAULT_BLUR_POLICY,
  PolicyValidationError,
  resolvePolicy,
  validatePolicyOverride,
} from './policy';

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
      'head_fallback must be true or false',
      'thresholds.face must be a number between 0 and 1',
      'thresholds.car is not a region kind (face, plate)',
    ]);
    expect(() => validatePolicyOverride('gaussian')).toThrow('policy must be a JSON object');
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
