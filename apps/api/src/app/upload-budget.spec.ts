import { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';
import { ApiError } from './errors/api-error';
import { UploadBytesBudget } from './upload-budget';

const request = (contentLength?: number) =>
  ({ headers: contentLength === undefined ? {} : { 'content-length': String(contentLength) } }) as unknown as Request;
const response = () => new EventEmitter() as unknown as Response;

function refusal(work: () => void): ApiError {
  try {
    work();
  } catch (err) {
    return err as ApiError;
  }
  throw new Error('not refused');
}

describe('UploadBytesBudget', () => {
  it('claims each Content-Length before the body is read, refuses 503 beyond the bound, and frees a claim when its response ends', () => {
    const budget = new UploadBytesBudget(100);
    const first = response();
    budget.open(request(60), first);
    budget.open(request(40), response());
    const refused = refusal(() => budget.open(request(1), response()));
    expect(refused.getStatus()).toBe(503);
    expect(refused).toMatchObject({ code: 'uploads_in_flight', retryAfterS: 2 });
    expect(refused.message).toMatch(/MAX_UPLOAD_BYTES_IN_FLIGHT/);

    first.emit('close');
    expect(budget.bytesInFlight).toBe(40);
    budget.open(request(60), response());
    expect(budget.bytesInFlight).toBe(100);
  });

  it('counts a body without Content-Length, or longer than it declared, as its bytes arrive', () => {
    const budget = new UploadBytesBudget(100);
    const streamed = request();
    budget.open(streamed, response());
    budget.receive(streamed, 70);
    expect(budget.bytesInFlight).toBe(70);

    const lying = request(10);
    budget.open(lying, response());
    budget.receive(lying, 10);
    expect(budget.bytesInFlight).toBe(80);
    expect(refusal(() => budget.receive(lying, 30))).toMatchObject({ code: 'uploads_in_flight' });
  });

  it('answers 413 to one request larger than the whole bound: waiting would never help', () => {
    const budget = new UploadBytesBudget(100);
    const refused = refusal(() => budget.open(request(101), response()));
    expect(refused.getStatus()).toBe(413);
    expect(refused).toMatchObject({ code: 'request_too_large' });
    expect(budget.bytesInFlight).toBe(0);
  });
});
