const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** Job and batch ids are UUIDs; anything else is a malformed id (400), not an unknown one (404). */
export function isJobId(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
