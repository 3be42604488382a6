/** A UUID (versions 1-8) in JSON Schema's regex dialect, which has no flags: hence both cases. */
export const UUID_PATTERN =
  '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$';
const UUID = new RegExp(UUID_PATTERN);

/** Job and batch ids are UUIDs; anything else is a malformed id (400), not an unknown one (404). */
export function isJobId(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
