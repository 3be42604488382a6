import { ENV_SCHEMA, parseEnv } from './env.schema';

describe('parseEnv', () => {
  it('fills in each unset variable\u2019s default from the schema', () => {
    const { values, problems } = parseEnv({});
    expect(problems).toEqual([]);
    for (const [name, schema] of Object.entries(ENV_SCHEMA.properties)) {
      expect([name, values[name as keyof typeof values]]).toEqual([name, schema.default]);
    }
  });

  it('reads integers, numbers, switches and names as an operator writes them', () => {
    const { values, problems } = parseEnv({
      PORT: ' 8080 ',
      LATENCY_TARGET_S: '2.5',
      SERVE_ORIGINALS: 'off',
      THOROUGH_FACE_SEARCH: 'YES',
      LOG_LEVEL: 'DEBUG',
      BLUR_METHOD: 'pixelate',
      MAX_QUEUE_SIZE: '',
    });
    expect(problems).toEqual([]);
    expect(values).toMatchObject({
      PORT: 8080,
      LATENCY_TARGET_S: 2.5,
      SERVE_ORIGINALS: false,
      THOROUGH_FACE_SEARCH: true,
      LOG_LEVEL: 'debug',
      BLUR_METHOD: 'pixelate',
      MAX_QUEUE_SIZE: 1000,
    });
  });

  it('lists every bad variable with its bounds and text, and falls back to the default', () => {
    const { values, problems } = parseEnv({
      PORT: '1e3',
      JOB_ATTEMPTS: '0x10',
      LATENCY_TARGET_S: 'soon',
      SERVE_ORIGINALS: 'maybe',
      BLUR_METHOD: 'Gaussian',
    });
    expect(problems).toEqual([
      'PORT must be an integer from 1 to 65535 (got "1e3")',
      'BLUR_METHOD must be one of gaussian, pixelate, solid (got "Gaussian")',
      'LATENCY_TARGET_S must be a number from 0.1 to 86400 (got "soon")',
      'JOB_ATTEMPTS must be an integer from 1 to 20 (got "0x10")',
      'SERVE_ORIGINALS must be true or false (got "maybe")',
    ]);
    expect(values).toMatchObject({ PORT: 8000, JOB_ATTEMPTS: 3, SERVE_ORIGINALS: true, BLUR_METHOD: 'gaussian' });
  });
});
