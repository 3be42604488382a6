/**
 * Detector classes the privacy stages depend on: a person in whom no face is found gets the head
 * area blurred (`head_fallback`), and plates are searched for on vehicles. A detector without
 * them leaves those regions unblurred, so the configuration refuses it unless the operator agrees.
 */
export const PERSON_LABEL = 'person';
export const VEHICLE_LABELS: readonly string[] = Object.freeze(['car', 'bus', 'truck', 'motorcycle']);
